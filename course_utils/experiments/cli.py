"""The command line: ``python -m course_utils.experiments sharp-flat ...`` and ``build-study``."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
from pathlib import Path

from .. import training
from . import protocol
from .config import ADAM_STEP, MAX_SEEDS, SIGMAS, parse_seeds, sgd_step
from .measures import measure
from .runs import SweepResults, sweep
from .study import STUDY_NAME, add_fair_settings, build_study, load_study, read_study_arrays, save_study
from .tables import protocol_markdown, records, save_npz, table_markdown

class ProgressBar:
    """A plain-text progress bar on a stream (stderr by default), e.g. ``[######----] 6/10 runs``."""

    def __init__(self, stream=None, width=30, label="runs finished"):
        self.stream = stream if stream is not None else sys.stderr
        self.width, self.label = width, label

    def __call__(self, done, total, epoch):
        fill = int(round(self.width * done / max(total, 1)))
        self.stream.write(f"\r[{'#' * fill}{'-' * (self.width - fill)}] {done}/{total} "
                          f"{self.label}, epoch {epoch}")
        if done == total:
            self.stream.write("\n")
        self.stream.flush()



def _numbers(text, name):
    try:
        return tuple(float(s) for s in text.split(",") if s.strip())
    except ValueError:
        raise ValueError(f"{name} must be comma-separated numbers; got {text!r}") from None


def check_save_path(text, force=False):
    """The ``--save`` file, checked *before* any training: it must end in ``.npz`` (the name is
    kept exactly: ``runs.npz`` writes ``runs.npz``; ``out.txt`` or ``adir`` is refused rather
    than silently turned into ``out.txt.npz``), its folder must exist and be writable (a test
    file is created and removed there), and an existing file is refused unless ``force``."""
    path = Path(text).expanduser()
    if path.suffix.lower() != ".npz":
        raise ValueError(f"--save: the file name must end in .npz (numpy's archive format); got "
                         f"{text!r} -- write e.g. {str(path.with_name(path.name + '.npz'))!r}")
    if path.is_dir():
        raise ValueError(f"--save: {text!r} is a directory; give a file name ending in .npz")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise ValueError(f"--save: the folder {str(parent)!r} does not exist (create it first)")
    if path.exists() and not force:
        raise ValueError(f"--save: {text!r} exists; add --force to overwrite it")
    try:
        with tempfile.NamedTemporaryFile(dir=parent, prefix=".sharp-flat-", suffix=".tmp"):
            pass
    except OSError as exc:
        raise ValueError(f"--save: cannot write in {str(parent)!r} ({exc.strerror or exc})") from None
    return path


def write_npz(path, results):
    """:func:`save_npz` to exactly ``path`` (through an open file, so numpy adds no suffix)."""
    with open(path, "wb") as fh:
        save_npz(fh, results)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m course_utils.experiments",
                                     description="Experiments of the course.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("sharp-flat", help="the σ experiment: Adam vs SGD on a 17-layer residual net")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--seed", default=None, help="one seed, an integer >= 0 (default 0)")
    group.add_argument("--seeds", default=None,
                       help=f"several seeds: '0-9', '13,21' or '0-3,7' (trained together; at most "
                            f"{MAX_SEEDS})")
    p.add_argument("--sigmas", default=",".join(f"{s:g}" for s in SIGMAS),
                   help="comma-separated initialization scales (default %(default)s)")
    p.add_argument("--adam-step", default=None,
                   help=f"Adam's step size γ: one number for every sigma, or comma-separated, one "
                        f"per sigma (default {ADAM_STEP:g})")
    p.add_argument("--sgd-step", default=None,
                   help="SGD's step size γ: one number for every sigma, or comma-separated, one "
                        "per sigma (default: " + ",".join(f"{sgd_step(s):g}" for s in SIGMAS)
                        + "; --sgd-steps is the same option)")
    p.add_argument("--sgd-steps", dest="sgd_step", default=None, help=argparse.SUPPRESS)
    p.add_argument("--extra-epochs", type=int, default=None,
                   help="train every run this many epochs past its first zero-loss epoch "
                        "(default 0: stop there, as the slides do)")
    p.add_argument("--fair", action="store_true",
                   help="the fair protocol: each optimizer's step per sigma as chosen by the rule "
                        "(stored with the study; see `tune-steps`) and "
                        f"{protocol.EXTRA_EPOCHS} epochs past zero loss; --adam-step and "
                        "--extra-epochs still override")
    p.add_argument("--max-epochs", type=int, default=5000,
                   help="cap on epochs per run (a small value gives a quick, unconverged run)")
    p.add_argument("--json", action="store_true",
                   help="print one JSON record per run, with test accuracies (near the curves and "
                        "over the plane), measured Lipschitz constant, sharpness and flat radius")
    p.add_argument("--save", metavar="FILE.npz", default=None,
                   help="write theta_end (runs x P) with seed, sigma, algorithm arrays to exactly "
                        "this file (must end in .npz; checked before training)")
    p.add_argument("--force", action="store_true", help="let --save overwrite an existing file")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    t = sub.add_parser("tune-steps", help="choose each optimizer's step per sigma by the fair "
                                          "protocol's rule (minutes) and print the table")
    t.add_argument("--seeds", default=",".join(str(k) for k in protocol.TUNE_SEEDS))
    b = sub.add_parser("build-study", help="train and measure the shipped study (make study)")
    b.add_argument("--out", default=None, help="directory (default: the package's data folder)")
    b.add_argument("--seeds", default="0-9")
    b.add_argument("--add-fair", action="store_true",
                   help="only (re)build the fair protocol's settings of the existing study")
    args = parser.parse_args(argv)
    if args.command == "build-study":
        if args.add_fair:
            meta, arrays = read_study_arrays(args.out)
            add_fair_settings(meta, arrays, parse_seeds(args.seeds), progress=ProgressBar())
        else:
            meta, arrays = build_study(parse_seeds(args.seeds))
        where = save_study(meta, arrays, args.out)
        print(f"wrote {where / STUDY_NAME}.json and .npz")
        return 0
    if args.command == "tune-steps":
        try:
            seeds = parse_seeds(args.seeds)
        except (TypeError, ValueError) as exc:
            parser.error(str(exc))
        out = protocol.select_steps(seeds, progress=ProgressBar())
        print(protocol_markdown(out))
        return 0
    try:
        if args.seeds is not None:
            seeds = parse_seeds(args.seeds)
        elif args.seed is not None:
            if not re.fullmatch(r"\s*\d+\s*", args.seed):
                raise ValueError(f"--seed must be an integer >= 0; got {args.seed!r}")
            seeds = (int(args.seed),)
        else:
            seeds = (0,)
        sigmas = _numbers(args.sigmas, "--sigmas")
        step, extra = {}, 0
        if args.fair:
            chosen = load_study().meta["protocol"]["chosen"]
            if tuple(sigmas) != tuple(SIGMAS):
                raise ValueError(f"--fair: the rule's steps are for sigmas {SIGMAS}; leave out "
                                 f"--sigmas or give --adam-step and --sgd-step yourself")
            step = {"adam": tuple(chosen["adam"]), "sgd": tuple(chosen["sgd"])}
            extra = protocol.EXTRA_EPOCHS
        if args.adam_step is not None:
            adam = _numbers(args.adam_step, "--adam-step")
            step["adam"] = adam[0] if len(adam) == 1 else adam
        if args.sgd_step is not None:
            sgd = _numbers(args.sgd_step, "--sgd-step")
            step["sgd"] = sgd[0] if len(sgd) == 1 else sgd
        if args.extra_epochs is not None:
            if args.extra_epochs < 0:
                raise ValueError(f"--extra-epochs must be an integer >= 0; got {args.extra_epochs}")
            extra = args.extra_epochs
        save = check_save_path(args.save, args.force) if args.save else None
        try:
            results = sweep(seeds, sigmas, step, max_epochs=args.max_epochs,
                            progress=None if args.quiet else ProgressBar(), extra_epochs=extra)
        except training.Interrupted as exc:
            done = SweepResults(exc.finished)
            sys.stderr.write(f"\ninterrupted: {len(done)} of {len(exc.results)} runs had finished")
            if save is not None and len(done):
                write_npz(save, done)
                sys.stderr.write(f"; saved them to {save}")
            sys.stderr.write("\n")
            if len(done):
                print(table_markdown(done))
            return 130
    except (TypeError, ValueError, MemoryError) as exc:
        parser.error(str(exc))
    metrics = None
    if args.json:
        metrics = [measure(r, flat_radius=r.converged) for r in results]
    if save is not None:
        write_npz(save, results)
    try:
        if args.json:
            print(json.dumps(records(results, metrics), indent=1, allow_nan=False))
        else:
            print(table_markdown(results))
        sys.stdout.flush()
    except BrokenPipeError:
        # the reader (e.g. `| head`) left early: stop quietly, without a traceback
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    return 0
