r"""The lecture's σ experiment ("sharp versus flat minima"), cached, with a command-line interface.

Ten networks (2 -> 15 x 25 -> 1, residual, ReLU; :mod:`course_utils.nets`) are trained on two
interleaved spirals (n = 100, 1.5 turns) with the hinge loss and no regularization, for the
initialization scales σ in {0.01, 0.1, 1, 5, 10}, by Adam and by SGD (mini-batches of 20, the same
batch order for both), each until the full training loss is exactly 0 (checked once per epoch).
:func:`sharp_flat` returns the runs and caches them, so widgets switch between them instantly.

Command line::

    python -m course_utils.experiments sharp-flat                   # the markdown table
    python -m course_utils.experiments sharp-flat --json            # one record per run
    python -m course_utils.experiments sharp-flat --seed 3 --adam-step 1e-3 --sigmas 0.01,1

A progress bar goes to stderr. This module imports neither matplotlib nor ipywidgets.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys

import numpy as np

from . import _checks, training
from .datasets.spirals import two_spirals

__all__ = ["SIGMAS", "SGD_STEPS", "ADAM_STEP", "SLIDES", "data", "sharp_flat", "records",
           "table_markdown", "slides_markdown", "ProgressBar", "main"]

SIGMAS = (0.01, 0.1, 1.0, 5.0, 10.0)
#: SGD step per σ: a safe fraction of the largest stable step found (≈ 0.3, 0.3, 0.1, 1.5e-6, 3e-10)
SGD_STEPS = {0.01: 0.1, 0.1: 0.05, 1.0: 0.03, 5.0: 1e-6, 10.0: 1e-10}
ADAM_STEP = 1e-2

#: The slides' conclusions table: sigma -> {algorithm: (||theta_0||, ||theta_end||, L_m)}
SLIDES = {
    0.01: {"adam": (3.6, 17.4, 9.3e7), "sgd": (3.57, 9.9, 8.4e4)},
    0.1: {"adam": (3.9, 16.2, 4.5e7), "sgd": (3.8, 10.4, 2.0e5)},
    1.0: {"adam": (10.7, 18.7, 4.3e7), "sgd": (10.8, 14.4, 2.4e5)},
    5.0: {"adam": (54.61, 54.61, 1.9e12), "sgd": (54.2, 49.5, 1.9e12)},
    10.0: {"adam": (109.278, 109.282, 3.8e16), "sgd": (107.2, 96.2, 1.6e15)},
}


def data(n=100, turns=1.5):
    """The training set: two interleaved spirals, no noise."""
    return two_spirals(n, turns=turns)


def sgd_step(sigma):
    """The default SGD step for σ (the nearest tabulated σ on a log scale)."""
    keys = np.array(sorted(SGD_STEPS))
    return SGD_STEPS[float(keys[np.argmin(np.abs(np.log(keys) - np.log(sigma)))])]


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


def _normalize(sigmas, adam_step, sgd_steps):
    sigmas = tuple(float(_checks.positive(s, "sigma")) for s in sigmas)
    if len(set(sigmas)) != len(sigmas):
        raise ValueError(f"sigmas must be distinct; got {sigmas}")
    adam_step = float(_checks.positive(adam_step, "adam_step"))
    if sgd_steps is None:
        sgd_steps = tuple(sgd_step(s) for s in sigmas)
    sgd_steps = tuple(float(_checks.positive(g, "sgd step")) for g in sgd_steps)
    if len(sgd_steps) != len(sigmas):
        raise ValueError(f"give one SGD step per sigma; got {len(sgd_steps)} for {len(sigmas)}")
    return sigmas, adam_step, sgd_steps


def sharp_flat(seed=0, sigmas=SIGMAS, adam_step=ADAM_STEP, sgd_steps=None, max_epochs=5000,
               algorithms=training.ALGORITHMS, progress=None):
    """Train the σ experiment (cached: a repeated call with the same arguments returns at once).

    Returns a tuple of :class:`course_utils.training.RunResult`, Adam's runs first (in the order of
    ``sigmas``), then SGD's. ``progress`` (a callable ``(done, total, epoch)``) is not part of the
    cache key.
    """
    sigmas, adam_step, sgd_steps = _normalize(sigmas, adam_step, sgd_steps)
    algorithms = tuple(algorithms)
    return _sharp_flat(int(seed), sigmas, adam_step, sgd_steps, int(max_epochs), algorithms,
                       _Progress(progress))


class _Progress:
    """Wraps a progress callable so that it does not take part in the cache key."""

    def __init__(self, fn):
        self.fn = fn

    def __hash__(self):
        return 0

    def __eq__(self, other):
        return isinstance(other, _Progress)


@functools.lru_cache(maxsize=32)
def _sharp_flat(seed, sigmas, adam_step, sgd_steps, max_epochs, algorithms, progress):
    X, y = data()
    configs = []
    if "adam" in algorithms:
        configs += [training.RunConfig(s, "adam", adam_step) for s in sigmas]
    if "sgd" in algorithms:
        configs += [training.RunConfig(s, "sgd", g) for s, g in zip(sigmas, sgd_steps)]
    return tuple(training.train(configs, X, y, seed=seed, max_epochs=max_epochs,
                                progress=progress.fn))


def cache_clear():
    """Forget every cached sweep."""
    _sharp_flat.cache_clear()


def records(results):
    """One JSON-ready dict per run (the fields the CLI's ``--json`` prints)."""
    out = []
    for r in results:
        out.append({
            "sigma": r.sigma, "algorithm": r.algorithm, "step": r.config.step,
            "iterations": r.iterations, "converged": r.converged, "final_loss": r.final_loss,
            "train_accuracy": r.train_accuracy, "norm_theta0": r.norm_theta0,
            "norm_theta_end": r.norm_theta_end, "lipschitz_theta0": r.lipschitz_theta0,
            "lipschitz_end": r.lipschitz_end,
        })
    return out


def _sci(x):
    m, e = f"{x:.1e}".split("e")
    return f"{m}e{int(e)}"


def table_markdown(results):
    """The conclusions table as markdown, at the slides' layout and a run-to-run stable precision."""
    by = {(r.sigma, r.algorithm): r for r in results}
    sigmas = sorted({r.sigma for r in results})
    lines = ["| σ | Adam ‖θ0‖ | Adam ‖θend‖ | Adam L_m | SGD ‖θ0‖ | SGD ‖θend‖ | SGD L_m |",
             "|---|---|---|---|---|---|---|"]
    for s in sigmas:
        cells = [f"{s:g}"]
        for alg in ("adam", "sgd"):
            r = by.get((s, alg))
            if r is None:
                cells += ["–"] * 3
            else:
                end = f"{r.norm_theta_end:.3g}" if r.converged else f"{r.norm_theta_end:.3g} (not 0)"
                cells += [f"{r.norm_theta0:.3g}", end, _sci(r.lipschitz_end)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def slides_markdown():
    """The slides' table in the same layout."""
    lines = ["| σ | Adam ‖θ0‖ | Adam ‖θend‖ | Adam L_m | SGD ‖θ0‖ | SGD ‖θend‖ | SGD L_m |",
             "|---|---|---|---|---|---|---|"]
    for s, row in SLIDES.items():
        cells = [f"{s:g}"]
        for alg in ("adam", "sgd"):
            n0, n1, lm = row[alg]
            cells += [f"{n0:g}", f"{n1:g}", _sci(lm)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m course_utils.experiments",
                                     description="Experiments of the course.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("sharp-flat", help="the σ experiment: Adam vs SGD on a 17-layer residual net")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--sigmas", default=",".join(f"{s:g}" for s in SIGMAS),
                   help="comma-separated initialization scales (default %(default)s)")
    p.add_argument("--adam-step", type=float, default=ADAM_STEP)
    p.add_argument("--max-epochs", type=int, default=5000,
                   help="cap on epochs per run (a small value gives a quick, unconverged run)")
    p.add_argument("--json", action="store_true", help="print one JSON record per run")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    try:
        sigmas = tuple(float(s) for s in args.sigmas.split(",") if s.strip())
    except ValueError:
        parser.error(f"--sigmas must be comma-separated numbers; got {args.sigmas!r}")
    try:
        results = sharp_flat(args.seed, sigmas, args.adam_step, max_epochs=args.max_epochs,
                             progress=None if args.quiet else ProgressBar())
    except ValueError as exc:
        parser.error(str(exc))
    if args.json:
        print(json.dumps(records(results), indent=1))
    else:
        print(table_markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
