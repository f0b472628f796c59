r"""The lecture's σ experiment ("sharp versus flat minima"), cached, with a command-line interface.

Ten networks (2 -> 15 x 25 -> 1, residual, ReLU; :mod:`course_utils.nets`) are trained on two
interleaved spirals (n = 100, 1.5 turns) with the hinge loss and no regularization, for the
initialization scales σ in {0.01, 0.1, 1, 5, 10}, by Adam and by SGD (mini-batches of 20, the same
batch order for both), each until the full training loss is exactly 0 (checked once per epoch).
:func:`sharp_flat` returns the runs and caches them, so widgets switch between them instantly.

Many seeds: :func:`sweep` trains the experiment for several seeds at once (all runs of all seeds
in one batched stack per worker thread) and :func:`measure` adds what a single seed cannot show:
test accuracy on held-out points (the *test set* is ``two_spirals(1000, noise=0.03, seed=1)``,
:func:`test_data`), the measured Lipschitz constant (largest :math:`\|\nabla_x m(x)\|` over a
fine grid of the data box :math:`[-1.2, 1.2]^2`, always :math:`\le L_m`), the sharpness (the top
eigenvalue of the Gauss-Newton matrix :math:`J^TJ/N` of the outputs at θ_end -- not of the Hessian
of the hinge loss, which is 0 at a point of zero loss) and the flat radius
(:func:`course_utils.landscape.flat_radius`, median over 10 unit directions).

Command line::

    python -m course_utils.experiments sharp-flat                   # the markdown table, seed 0
    python -m course_utils.experiments sharp-flat --seeds 0-9       # ten seeds (also 13,21 or 0-3,7)
    python -m course_utils.experiments sharp-flat --json            # one record per run
    python -m course_utils.experiments sharp-flat --seed 3 --adam-step 1e-3 --sigmas 0.01,1
    python -m course_utils.experiments sharp-flat --sgd-steps 0.3,0.3,0.1,1.5e-6,3e-10
    python -m course_utils.experiments sharp-flat --seeds 0-9 --save runs.npz

A progress bar goes to stderr. A run that diverges is reported as such (``diverged`` in the table,
``null`` numbers in the JSON), never a crash. This module imports neither matplotlib nor ipywidgets.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import os
import re
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from . import _checks, landscape, nets, training
from .datasets.spirals import two_spirals

__all__ = ["SIGMAS", "SGD_STEPS", "ADAM_STEP", "SLIDES", "TEST_SET", "data", "test_data",
           "sharp_flat", "sweep", "measure", "lipschitz_measured", "largest_stable_step",
           "parse_seeds", "records", "save_npz", "table_markdown", "slides_markdown",
           "ProgressBar", "main"]

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


#: The held-out test set: ``two_spirals(**TEST_SET)`` (1000 points, noise 0.03, its own seed).
TEST_SET = {"n": 1000, "turns": 1.5, "noise": 0.03, "seed": 1}


def data(n=100, turns=1.5):
    """The training set: two interleaved spirals, no noise."""
    return two_spirals(n, turns=turns)


def test_data():
    """The test set ``two_spirals(1000, noise=0.03, seed=1)``: the same spirals, jittered."""
    return two_spirals(**TEST_SET)


test_data.__test__ = False          # not a pytest test


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
    if isinstance(sigmas, (str, bytes)) or np.ndim(sigmas) > 1:
        raise TypeError(f"sigmas must be a sequence of positive numbers; got {sigmas!r}")
    sigmas = tuple(float(_checks.positive(s, "sigma")) for s in np.atleast_1d(sigmas))
    if not sigmas:
        raise ValueError("sigmas is empty: give at least one initialization scale")
    if len(set(sigmas)) != len(sigmas):
        raise ValueError(f"sigmas must be distinct; got {sigmas}")
    adam_step = float(_checks.positive(adam_step, "adam_step"))
    if sgd_steps is None:
        sgd_steps = tuple(sgd_step(s) for s in sigmas)
    if isinstance(sgd_steps, (str, bytes)):
        raise TypeError(f"sgd_steps must be a sequence of positive numbers; got {sgd_steps!r}")
    sgd_steps = tuple(float(_checks.positive(g, "sgd_steps")) for g in np.atleast_1d(sgd_steps))
    if len(sgd_steps) != len(sigmas):
        raise ValueError(f"sgd_steps: give one SGD step per sigma; got {len(sgd_steps)} for "
                         f"{len(sigmas)}")
    return sigmas, adam_step, sgd_steps


def _algorithms(algorithms):
    """``"adam"`` or a sequence of names -> a tuple of known names, or a clear error."""
    if isinstance(algorithms, str):
        algorithms = (algorithms,)
    try:
        algorithms = tuple(algorithms)
    except TypeError:
        raise TypeError(f"algorithms must be a name or a sequence of names from "
                        f"{training.ALGORITHMS}; got {algorithms!r}") from None
    if not algorithms:
        raise ValueError(f"algorithms is empty: choose from {training.ALGORITHMS}")
    for a in algorithms:
        if a not in training.ALGORITHMS:
            raise ValueError(f"algorithms: unknown algorithm {a!r}; known: "
                             f"{', '.join(training.ALGORITHMS)}")
    return tuple(a for a in training.ALGORITHMS if a in algorithms)


def _seeds(seeds):
    if isinstance(seeds, str):
        return parse_seeds(seeds)
    if isinstance(seeds, (int, np.integer)) and not isinstance(seeds, bool):
        seeds = (seeds,)
    try:
        seeds = tuple(training.check_seed(s) for s in seeds)
    except TypeError as exc:
        if "seed" in str(exc):
            raise
        raise TypeError(f"seed must be an integer >= 0 or a sequence of them; got {seeds!r}") from None
    if not seeds:
        raise ValueError("seeds is empty: give at least one seed (an integer >= 0)")
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be distinct; got {seeds}")
    return seeds


def parse_seeds(text):
    """``"0-9"`` -> (0, ..., 9); ``"13,21"`` -> (13, 21); ``"0-3,7"`` -> (0, 1, 2, 3, 7).

    >>> parse_seeds("0-3,7")
    (0, 1, 2, 3, 7)
    """
    if not isinstance(text, str):
        raise TypeError(f"seeds must be a string like '0-9' or '13,21'; got {text!r}")
    out = []
    for part in text.split(","):
        part = part.strip()
        m = re.fullmatch(r"(\d+)(?:-(\d+))?", part)
        if not m:
            raise ValueError(f"seeds must be integers >= 0 or ranges a-b, comma-separated, e.g. "
                             f"'0-9' or '13,21'; got {text!r} (bad part {part!r})")
        a, b = int(m.group(1)), int(m.group(2) if m.group(2) is not None else m.group(1))
        if b < a:
            raise ValueError(f"seeds: the range {part!r} is empty (write the smaller seed first)")
        out.extend(range(a, b + 1))
    if len(set(out)) != len(out):
        raise ValueError(f"seeds must be distinct; {text!r} repeats some")
    return tuple(out)


def _configs(seeds, sigmas, adam_step, sgd_steps, algorithms):
    """Per seed: Adam's runs (in the order of sigmas), then SGD's -- the JSON's order."""
    out = []
    for k in seeds:
        if "adam" in algorithms:
            out += [training.RunConfig(s, "adam", adam_step, seed=k) for s in sigmas]
        if "sgd" in algorithms:
            out += [training.RunConfig(s, "sgd", g, seed=k) for s, g in zip(sigmas, sgd_steps)]
    return out


def sharp_flat(seed=0, sigmas=SIGMAS, adam_step=ADAM_STEP, sgd_steps=None, max_epochs=5000,
               algorithms=training.ALGORITHMS, progress=None):
    """Train the σ experiment for one seed (cached: a repeated call returns at once).

    ``algorithms`` is a name (``"adam"``) or a sequence of names from ``("adam", "sgd")``.
    Returns a tuple of :class:`course_utils.training.RunResult`, Adam's runs first (in the order of
    ``sigmas``), then SGD's. The results are frozen, with read-only arrays, so the cached copy
    cannot be changed by a caller. ``progress`` (a callable ``(done, total, epoch)``) is not part
    of the cache key.
    """
    seed = training.check_seed(seed)
    sigmas, adam_step, sgd_steps = _normalize(sigmas, adam_step, sgd_steps)
    algorithms = _algorithms(algorithms)
    max_epochs = _checks.positive_int(max_epochs, "max_epochs")
    return _sharp_flat(seed, sigmas, adam_step, sgd_steps, max_epochs, algorithms,
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
    configs = _configs((seed,), sigmas, adam_step, sgd_steps, algorithms)
    return tuple(training.train(configs, X, y, seed=seed, max_epochs=max_epochs,
                                progress=progress.fn))


def cache_clear():
    """Forget every cached sweep."""
    _sharp_flat.cache_clear()
    _sweep.cache_clear()


def sweep(seeds=(0,), sigmas=SIGMAS, adam_step=ADAM_STEP, sgd_steps=None, max_epochs=5000,
          algorithms=training.ALGORITHMS, progress=None, workers=None):
    """The σ experiment for many seeds at once (cached, at most 8 sweeps).

    All runs (seeds x algorithms x σ) are trained as rows of batched stacks: the seeds are split
    over ``workers`` threads (default: 2, or 1 on a one-core machine), each advancing one stack
    (numpy releases the GIL inside its array operations, so two threads use two cores). A run's
    result does not depend on which runs share its stack. Returns a tuple of
    :class:`course_utils.training.RunResult`: per seed (in the order of ``seeds``), Adam's runs then
    SGD's, each in the order of ``sigmas``.

    ``seeds``: integers >= 0, or a string like ``"0-9"`` or ``"13,21"`` (:func:`parse_seeds`).
    """
    seeds = _seeds(seeds)
    sigmas, adam_step, sgd_steps = _normalize(sigmas, adam_step, sgd_steps)
    algorithms = _algorithms(algorithms)
    max_epochs = _checks.positive_int(max_epochs, "max_epochs")
    if workers is None:
        workers = min(2, os.cpu_count() or 1)
    workers = _checks.positive_int(workers, "workers")
    return _sweep(seeds, sigmas, adam_step, sgd_steps, max_epochs, algorithms, workers,
                  _Progress(progress))


@functools.lru_cache(maxsize=8)
def _sweep(seeds, sigmas, adam_step, sgd_steps, max_epochs, algorithms, workers, progress):
    X, y = data()
    configs = _configs(seeds, sigmas, adam_step, sgd_steps, algorithms)
    parts = [list(seeds[w::workers]) for w in range(min(workers, len(seeds)))]
    lock = threading.Lock()
    finished = [0] * len(parts)

    def run(w):
        part = set(parts[w])
        mine = [c for c in configs if c.seed in part]

        def report(done, total, epoch):
            if progress.fn is not None:
                with lock:
                    finished[w] = done
                    progress.fn(sum(finished), len(configs), epoch)
        return mine, training.train(mine, X, y, seed=parts[w][0], max_epochs=max_epochs,
                                    progress=report)

    if len(parts) == 1:
        outs = [run(0)]
    else:
        with ThreadPoolExecutor(len(parts)) as ex:
            outs = list(ex.map(run, range(len(parts))))
    by = {c: r for mine, res in outs for c, r in zip(mine, res)}
    return tuple(by[c] for c in configs)


# ------------------------------------------------------------------------------------ measuring
def lipschitz_measured(theta, lim=1.2, n=161, X=None, spec=None):
    r"""The largest :math:`\|\nabla_x m(x;\theta)\|_2` over an ``n x n`` grid of
    :math:`[-\text{lim}, \text{lim}]^2` (and the points ``X``, if given), for every row of theta.

    A ReLU network is piecewise linear in x, so this is a lower bound of its Lipschitz constant on
    the box that approaches it as the grid gets finer; the bound :math:`L_m` is an upper bound.
    Returns a float (one theta) or an ``(R,)`` array.
    """
    spec = spec or nets.default_spec()
    theta = spec.check_theta(theta)
    g = np.linspace(-lim, lim, _checks.positive_int(n, "n"))
    G1, G2 = np.meshgrid(g, g)
    pts = np.stack([G1.ravel(), G2.ravel()], axis=-1)
    if X is not None:
        pts = np.concatenate([pts, _checks.as_points(X, "X", 2).reshape(-1, 2)])
    rows = np.atleast_2d(theta)
    out = np.array([np.max(np.linalg.norm(spec.input_gradient(t, pts), axis=-1)) for t in rows])
    return float(out[0]) if theta.ndim == 1 else out


def measure(result, X=None, y=None, X_test=None, y_test=None, flat_radius=True, spec=None):
    """The numbers of one run beyond training: a dict with ``test_accuracy``,
    ``lipschitz_measured``, ``sharpness`` (top Gauss-Newton eigenvalue, :func:`landscape.gauss_newton_top`),
    ``flat_radius`` and ``flat_radius_filter`` (median :func:`landscape.flat_radius` over 10 plain /
    filter-normalized directions; None when ``flat_radius=False`` or the run did not reach zero
    loss). Every value is None for a diverged run.
    """
    spec = spec or nets.default_spec()
    if X is None:
        X, y = data()
    if X_test is None:
        X_test, y_test = test_data()
    out = dict(test_accuracy=None, lipschitz_measured=None, sharpness=None, flat_radius=None,
               flat_radius_filter=None)
    if result.diverged:
        return out
    th = result.theta_end
    out["test_accuracy"] = float(np.mean(np.sign(spec.forward(th, X_test)) == y_test))
    out["lipschitz_measured"] = lipschitz_measured(th, X=X, spec=spec)
    out["sharpness"] = landscape.gauss_newton_top(th, X, spec)
    if flat_radius and result.converged:
        sh = landscape.sharpness_summary(th, X, y, spec=spec)
        out["flat_radius"], out["flat_radius_filter"] = sh["radius_plain"], sh["radius_filter"]
    return out


def largest_stable_step(sigmas=SIGMAS, seed=0, epochs=20, lo=1e-14, hi=10.0, iters=18):
    """SGD's largest stable step for every σ, by bisection on a log scale (all σ at once).

    A step is *stable* when SGD (the experiment's data, mini-batches and θ0 for ``seed``) runs
    ``epochs`` epochs without diverging (:func:`course_utils.training.train`'s flag) and ends
    with a full training loss no larger than at θ0. Returns ``{sigma: (stable, unstable)}``, the
    bracket after ``iters`` halvings of the log interval ``[lo, hi]``.
    """
    sigmas, _, _ = _normalize(sigmas, ADAM_STEP, None)
    X, y = data()
    lo_ = np.full(len(sigmas), math.log(lo))
    hi_ = np.full(len(sigmas), math.log(hi))
    for _ in range(_checks.positive_int(iters, "iters")):
        mid = 0.5 * (lo_ + hi_)
        res = training.train([training.RunConfig(s, "sgd", float(np.exp(g)))
                              for s, g in zip(sigmas, mid)], X, y, seed=seed, max_epochs=epochs)
        ok = np.array([(not r.diverged) and r.history["loss"][-1] <= r.history["loss"][0]
                       for r in res])
        lo_ = np.where(ok, mid, lo_)
        hi_ = np.where(ok, hi_, mid)
    return {s: (float(np.exp(a)), float(np.exp(b))) for s, a, b in zip(sigmas, lo_, hi_)}


# ------------------------------------------------------------------------------------ output
def _finite(x):
    """A JSON-safe number: NaN and infinities become None (JSON null)."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def records(results, metrics=None):
    """One JSON-ready dict per run (the fields the CLI's ``--json`` prints); NaN becomes None.

    ``metrics``: optional list of dicts from :func:`measure`, one per result.
    """
    out = []
    for k, r in enumerate(results):
        rec = {
            "seed": r.seed, "sigma": r.sigma, "algorithm": r.algorithm, "step": r.config.step,
            "iterations": r.iterations, "epochs": r.epochs, "converged": r.converged,
            "diverged": r.diverged, "final_loss": _finite(r.final_loss),
            "train_accuracy": _finite(r.train_accuracy),
            "norm_theta0": _finite(r.norm_theta0), "norm_theta_end": _finite(r.norm_theta_end),
            "lipschitz_theta0": _finite(r.lipschitz_theta0), "lipschitz_end": _finite(r.lipschitz_end),
        }
        if metrics is not None:
            rec.update({key: _finite(v) for key, v in metrics[k].items()})
            rec["sharpness_kind"] = "gauss_newton_top_eigenvalue"
        out.append(rec)
    return out


def save_npz(path, results):
    """Write ``theta_end`` (runs x P) with ``seed``, ``sigma``, ``algorithm``, ``step`` and
    ``diverged`` arrays, in the order of ``results`` (the JSON's order)."""
    np.savez_compressed(
        path, theta_end=np.stack([r.theta_end for r in results]),
        seed=np.array([r.seed for r in results]), sigma=np.array([r.sigma for r in results]),
        algorithm=np.array([r.algorithm for r in results]),
        step=np.array([r.config.step for r in results]),
        diverged=np.array([r.diverged for r in results]))


def _sci(x):
    if not math.isfinite(x):
        return "–"
    m, e = f"{x:.1e}".split("e")
    return f"{m}e{int(e)}"


def table_markdown(results, metrics=None):
    """The conclusions table as markdown, at the slides' layout and a run-to-run stable precision.

    Several seeds: one row per (seed, σ) with a seed column. With ``metrics`` (from :func:`measure`)
    the test accuracies are added. A diverged run shows ``diverged``.
    """
    seeds = sorted({r.seed for r in results})
    many = len(seeds) > 1
    by = {(r.seed, r.sigma, r.algorithm): k for k, r in enumerate(results)}
    sigmas = sorted({r.sigma for r in results})
    head = ["σ", "Adam ‖θ0‖", "Adam ‖θend‖", "Adam L_m", "SGD ‖θ0‖", "SGD ‖θend‖", "SGD L_m"]
    if metrics is not None:
        head += ["Adam test acc.", "SGD test acc."]
    if many:
        head = ["seed"] + head
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for k in seeds:
        for s in sigmas:
            cells = ([str(k)] if many else []) + [f"{s:g}"]
            acc = []
            for alg in ("adam", "sgd"):
                i = by.get((k, s, alg))
                if i is None:
                    cells += ["–"] * 3
                    acc.append("–")
                    continue
                r = results[i]
                if r.diverged:
                    cells += [f"{r.norm_theta0:.3g}", "diverged", "–"]
                    acc.append("–")
                    continue
                end = f"{r.norm_theta_end:.3g}" if r.converged else f"{r.norm_theta_end:.3g} (not 0)"
                cells += [f"{r.norm_theta0:.3g}", end, _sci(r.lipschitz_end)]
                a = None if metrics is None else metrics[i]["test_accuracy"]
                acc.append("–" if a is None else f"{100 * a:.1f} %")
            if metrics is not None:
                cells += acc
            lines.append("| " + " | ".join(cells) + " |")
    n_div = sum(r.diverged for r in results)
    if n_div:
        lines.append(f"\n{n_div} of {len(results)} runs diverged (left out of any statistic).")
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


def _numbers(text, name):
    try:
        return tuple(float(s) for s in text.split(",") if s.strip())
    except ValueError:
        raise ValueError(f"{name} must be comma-separated numbers; got {text!r}") from None


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m course_utils.experiments",
                                     description="Experiments of the course.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("sharp-flat", help="the σ experiment: Adam vs SGD on a 17-layer residual net")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--seed", default=None, help="one seed, an integer >= 0 (default 0)")
    group.add_argument("--seeds", default=None,
                       help="several seeds: '0-9', '13,21' or '0-3,7' (trained together)")
    p.add_argument("--sigmas", default=",".join(f"{s:g}" for s in SIGMAS),
                   help="comma-separated initialization scales (default %(default)s)")
    p.add_argument("--adam-step", type=float, default=ADAM_STEP)
    p.add_argument("--sgd-steps", default=None,
                   help="comma-separated SGD steps, one per sigma (default: "
                        + ",".join(f"{sgd_step(s):g}" for s in SIGMAS) + ")")
    p.add_argument("--max-epochs", type=int, default=5000,
                   help="cap on epochs per run (a small value gives a quick, unconverged run)")
    p.add_argument("--json", action="store_true",
                   help="print one JSON record per run, with test accuracy, measured Lipschitz "
                        "constant, sharpness and flat radius")
    p.add_argument("--save", metavar="FILE.npz", default=None,
                   help="write theta_end (runs x P) with seed, sigma, algorithm arrays")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
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
        sgd_steps = None if args.sgd_steps is None else _numbers(args.sgd_steps, "--sgd-steps")
        results = sweep(seeds, sigmas, args.adam_step, sgd_steps, max_epochs=args.max_epochs,
                        progress=None if args.quiet else ProgressBar())
    except (TypeError, ValueError) as exc:
        parser.error(str(exc))
    metrics = None
    if args.json:
        metrics = [measure(r, flat_radius=r.converged) for r in results]
    if args.save:
        save_npz(args.save, results)
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


if __name__ == "__main__":
    sys.exit(main())
