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
    python -m course_utils.experiments sharp-flat --sgd-step 0.3,0.3,0.1,1.5e-6,3e-10
    python -m course_utils.experiments sharp-flat --seeds 0-9 --save runs.npz

The step sizes: ``--adam-step`` is Adam's γ (one for every σ); ``--sgd-step`` is SGD's γ, one
number for every σ or a comma-separated list with one per σ (``--sgd-steps``, the spelling of
issue #12, is accepted as well). In Python the same is the ``step`` argument of :func:`sweep` and
:func:`sharp_flat`: ``step={"adam": 1e-3, "sgd": (0.3, 0.3, 0.1, 1.5e-6, 3e-10)}``.

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
from pathlib import Path

import numpy as np

from . import _checks, landscape, nets, training
from .datasets.spirals import two_spirals

__all__ = ["SweepResults", "SIGMAS", "SGD_STEPS", "ADAM_STEP", "SLIDES", "TEST_SET", "data", "test_data",
           "sharp_flat", "sweep", "check_step", "decision_signs", "measure", "lipschitz_measured",
           "largest_stable_step",
           "parse_seeds", "records", "save_npz", "table_markdown", "slides_markdown",
           "ProgressBar", "main", "STUDY_SETTINGS", "LANDSCAPE_SPANS", "Study",
           "load_study", "build_study", "save_study", "landscape_grids"]

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


def _sigmas(sigmas):
    """A tuple of distinct positive floats, or a clear error."""
    if isinstance(sigmas, (str, bytes)) or np.ndim(sigmas) > 1:
        raise TypeError(f"sigmas must be a sequence of positive numbers; got {sigmas!r}")
    sigmas = tuple(float(_checks.positive(s, "sigma")) for s in np.atleast_1d(sigmas))
    if not sigmas:
        raise ValueError("sigmas is empty: give at least one initialization scale")
    if len(set(sigmas)) != len(sigmas):
        raise ValueError(f"sigmas must be distinct; got {sigmas}")
    return sigmas


def check_step(step=None, sigmas=SIGMAS):
    r"""The step sizes γ of a σ experiment as ``{"adam": float, "sgd": (one float per σ)}``.

    ``step`` is ``None`` (every default) or a dict with the keys ``"adam"`` (Adam's step, the same
    for every σ) and/or ``"sgd"`` (SGD's step: one number for every σ, or a sequence with one per
    σ, in the order of ``sigmas``). A missing key takes its default: :data:`ADAM_STEP` for Adam,
    :data:`SGD_STEPS` of each σ for SGD (:func:`sgd_step`). Anything else raises a ``TypeError`` or
    ``ValueError`` that names ``step``.

    >>> check_step({"adam": 1e-3}, sigmas=(0.01, 10.0))
    {'adam': 0.001, 'sgd': (0.1, 1e-10)}
    >>> check_step({"sgd": 0.05}, sigmas=(0.01, 0.1))
    {'adam': 0.01, 'sgd': (0.05, 0.05)}
    """
    sigmas = _sigmas(sigmas)
    if step is None:
        step = {}
    if not isinstance(step, dict):
        raise TypeError(f"step must be a dict like {{'adam': {ADAM_STEP:g}, 'sgd': (one step per "
                        f"sigma)}} (missing keys: the defaults); got {step!r}")
    unknown = sorted(set(step) - set(training.ALGORITHMS), key=str)
    if unknown:
        raise ValueError(f"step: unknown key(s) {unknown}; the keys are 'adam' and 'sgd'")
    adam = float(_checks.positive(step.get("adam", ADAM_STEP), "step['adam']"))
    sgd = step.get("sgd")
    if sgd is None:
        sgd = tuple(sgd_step(s) for s in sigmas)
    if isinstance(sgd, (str, bytes)) or np.ndim(sgd) > 1:
        raise TypeError(f"step['sgd'] must be a positive number or one per sigma; got {sgd!r}")
    if np.ndim(sgd) == 0:
        sgd = (sgd,) * len(sigmas)
    sgd = tuple(float(_checks.positive(g, "step['sgd']")) for g in sgd)
    if len(sgd) != len(sigmas):
        raise ValueError(f"step['sgd']: give one SGD step per sigma; got {len(sgd)} for "
                         f"{len(sigmas)} sigmas")
    return {"adam": adam, "sgd": sgd}


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


class SweepResults(tuple):
    """The runs of a σ experiment: an immutable tuple of
    :class:`course_utils.training.RunResult` with lookup by name.

    Order (documented, and what the JSON and ``--save`` follow): per seed, in the order the seeds
    were given; within a seed, Adam's runs then SGD's; within an algorithm, in the order of the σ
    values. Index it like a tuple, or ask :meth:`get` and never count positions.

    Slicing gives a SweepResults; it has no attribute to set and its runs are frozen
    (read-only arrays). With several seeds, :meth:`get` needs ``seed=`` (a ``KeyError`` lists them).

    Example
    -------
    >>> runs = load_study().results()              # seed 0 of the shipped study
    >>> runs.get(0.01, "adam").config.step, len(runs.select("sgd")), runs[:5].algorithms
    (0.01, 5, ('adam',))
    >>> SweepResults([]).get(1.0, "sgd")
    Traceback (most recent call last):
    ...
    KeyError: 'no run for sigma=1, algorithm=sgd, seed=any among 0 runs'
    """

    __slots__ = ()          # no attributes beyond the tuple's: nothing to change after creation

    def __new__(cls, runs=()):
        return super().__new__(cls, tuple(runs))

    def get(self, sigma, algorithm, seed=None):
        """The run with this σ and algorithm (and seed: needed when several seeds are held)."""
        hits = [r for r in self if math.isclose(r.sigma, float(sigma), rel_tol=1e-12)
                and r.algorithm == algorithm and (seed is None or r.seed == seed)]
        if not hits:
            raise KeyError(f"no run for sigma={float(sigma):g}, algorithm={algorithm}, "
                           f"seed={'any' if seed is None else seed} among {len(self)} runs")
        if len(hits) > 1:
            raise KeyError(f"{len(hits)} runs for sigma={float(sigma):g}, algorithm={algorithm}: "
                           f"pass seed= (one of {sorted({r.seed for r in hits})})")
        return hits[0]

    def select(self, algorithm=None, seed=None):
        """The runs of one algorithm and/or seed, in the same order."""
        return SweepResults(r for r in self if (algorithm is None or r.algorithm == algorithm)
                            and (seed is None or r.seed == seed))

    @property
    def seeds(self):
        return tuple(dict.fromkeys(r.seed for r in self))

    @property
    def sigmas(self):
        return tuple(dict.fromkeys(r.sigma for r in self))

    @property
    def algorithms(self):
        return tuple(dict.fromkeys(r.algorithm for r in self))

    def __getitem__(self, i):
        out = super().__getitem__(i)
        return SweepResults(out) if isinstance(i, slice) else out

    def __repr__(self):
        return (f"SweepResults({len(self)} runs: seeds {self.seeds}, algorithms {self.algorithms}, "
                f"sigmas {self.sigmas})")


def _configs(seeds, sigmas, adam, sgd, algorithms):
    """Per seed: Adam's runs (in the order of sigmas), then SGD's -- the JSON's order."""
    out = []
    for k in seeds:
        if "adam" in algorithms:
            out += [training.RunConfig(s, "adam", adam, seed=k) for s in sigmas]
        if "sgd" in algorithms:
            out += [training.RunConfig(s, "sgd", g, seed=k) for s, g in zip(sigmas, sgd)]
    return out


def sharp_flat(seed=0, sigmas=SIGMAS, step=None, max_epochs=5000, algorithms=training.ALGORITHMS,
               progress=None):
    """Train the σ experiment for one seed (cached: a repeated call returns at once).

    ``step``: the step sizes, a dict ``{"adam": γ, "sgd": γ or one γ per σ}``; a missing key (or
    ``step=None``) takes the default, :data:`ADAM_STEP` and :data:`SGD_STEPS` (:func:`check_step`).
    ``algorithms`` is a name (``"adam"``) or a sequence of names from ``("adam", "sgd")``.
    Returns a :class:`SweepResults` (Adam's runs first, in the order of ``sigmas``, then SGD's):
    look a run up with ``.get(sigma, algorithm)``. The results are frozen, with read-only arrays,
    so the cached copy cannot be changed by a caller. ``progress`` (a callable ``(done, total,
    epoch)``) is not part of the cache key.

    Example: ``sharp_flat(step={"adam": 1e-3}).get(0.01, "adam").norm_theta_end``.
    """
    seed = training.check_seed(seed)
    sigmas = _sigmas(sigmas)
    step = check_step(step, sigmas)
    algorithms = _algorithms(algorithms)
    max_epochs = _checks.positive_int(max_epochs, "max_epochs")
    return _sharp_flat(seed, sigmas, step["adam"], step["sgd"], max_epochs, algorithms,
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
def _sharp_flat(seed, sigmas, adam, sgd, max_epochs, algorithms, progress):
    X, y = data()
    configs = _configs((seed,), sigmas, adam, sgd, algorithms)
    return SweepResults(training.train(configs, X, y, seed=seed, max_epochs=max_epochs,
                                     progress=progress.fn))


def cache_clear():
    """Forget every cached sweep."""
    _sharp_flat.cache_clear()
    _sweep.cache_clear()


def sweep(seeds=(0,), sigmas=SIGMAS, step=None, max_epochs=5000, algorithms=training.ALGORITHMS,
          progress=None, workers=None):
    """The σ experiment for many seeds at once (cached, at most 8 sweeps).

    All runs (seeds x algorithms x σ) are trained as rows of batched stacks: the seeds are split
    over ``workers`` threads (default: 2 for 6 seeds or more on a machine with 2 cores, else 1),
    each advancing one stack
    (numpy releases the GIL inside its array operations, so two threads use two cores). A run's
    result does not depend on which runs share its stack. Returns a :class:`SweepResults`: per
    seed (in the order of ``seeds``), Adam's runs then SGD's, each in the order of ``sigmas``;
    ``.get(sigma, algorithm, seed)`` finds one run.

    ``seeds``: integers >= 0, or a string like ``"0-9"`` or ``"13,21"`` (:func:`parse_seeds`).
    ``step``: as in :func:`sharp_flat`, e.g. ``{"adam": 3e-3, "sgd": (0.3, 0.3, 0.1, 1.5e-6, 3e-10)}``.
    """
    seeds = _seeds(seeds)
    sigmas = _sigmas(sigmas)
    step = check_step(step, sigmas)
    algorithms = _algorithms(algorithms)
    max_epochs = _checks.positive_int(max_epochs, "max_epochs")
    if workers is None:     # two stacks only pay off for many seeds (measured: 2 seeds are faster in one)
        workers = min(2, os.cpu_count() or 1) if len(seeds) >= 6 else 1
    workers = _checks.positive_int(workers, "workers")
    return _sweep(seeds, sigmas, step["adam"], step["sgd"], max_epochs, algorithms, workers,
                  _Progress(progress))


@functools.lru_cache(maxsize=8)
def _sweep(seeds, sigmas, adam, sgd, max_epochs, algorithms, workers, progress):
    X, y = data()
    configs = _configs(seeds, sigmas, adam, sgd, algorithms)
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
    return SweepResults(by[c] for c in configs)


# ------------------------------------------------------------------------------------ measuring
def lipschitz_measured(theta, lim=1.2, n=81, X=None, refine=5, spec=None):
    r"""The largest :math:`\|\nabla_x m(x;\theta)\|_2` over an ``n x n`` grid of
    :math:`[-\text{lim}, \text{lim}]^2` (and the points ``X``, if given), refined around the
    ``refine`` best grid points by a 9 x 9 grid of a quarter of the spacing, for every row of theta.

    A ReLU network is piecewise linear in x, so this is a lower bound of its Lipschitz constant on
    the box that approaches it as the grid gets finer; the bound :math:`L_m` is an upper bound.
    Returns a float (one theta) or an ``(R,)`` array.
    """
    spec = spec or nets.default_spec()
    theta = spec.check_theta(theta)
    g = np.linspace(-lim, lim, _checks.positive_int(n, "n"))
    h = g[1] - g[0] if g.size > 1 else lim
    pts = _grid_points(lim, g.size)
    if X is not None:
        pts = np.concatenate([pts, _checks.as_points(X, "X", 2).reshape(-1, 2)])
    offsets = _grid_points(h / 2, 9)                        # the 9 x 9 refinement around a point
    out = []
    for t in np.atleast_2d(theta):
        norms = np.linalg.norm(spec.input_gradient(t, pts), axis=-1)
        best = pts[np.argsort(norms)[-refine:]] if refine else pts[:0]
        fine = np.clip((best[:, None, :] + offsets[None]).reshape(-1, 2), -lim, lim)
        extra = np.linalg.norm(spec.input_gradient(t, fine), axis=-1) if fine.size else norms[:0]
        out.append(max(norms.max(), extra.max(initial=0.0)))
    out = np.array(out)
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


def largest_stable_step(sigmas=SIGMAS, seeds=(0,), epochs=20, lo=1e-14, hi=10.0, iters=18):
    """SGD's largest stable step for every (seed, σ), by bisection on a log scale (all at once).

    A step is *stable* when SGD (the experiment's data, mini-batches and θ0 of that seed) runs
    ``epochs`` epochs without diverging (:func:`course_utils.training.train`'s flag) and ends
    with a full training loss no larger than at θ0. Returns ``{(seed, sigma): (stable, unstable)}``,
    the bracket after ``iters`` halvings of the log interval ``[lo, hi]`` (its width is a factor
    ``(hi / lo) ** (2 ** -iters)``).
    """
    sigmas = _sigmas(sigmas)
    seeds = _seeds(seeds)
    X, y = data()
    keys = [(k, s) for k in seeds for s in sigmas]
    lo_ = np.full(len(keys), math.log(_checks.positive(lo, "lo")))
    hi_ = np.full(len(keys), math.log(_checks.positive(hi, "hi")))
    for _ in range(_checks.positive_int(iters, "iters")):
        mid = 0.5 * (lo_ + hi_)
        res = training.train([training.RunConfig(s, "sgd", float(np.exp(g)), seed=k)
                              for (k, s), g in zip(keys, mid)], X, y, max_epochs=epochs)
        ok = np.array([(not r.diverged) and r.history["loss"][-1] <= r.history["loss"][0]
                       for r in res])
        lo_ = np.where(ok, mid, lo_)
        hi_ = np.where(ok, hi_, mid)
    return {key: (float(np.exp(a)), float(np.exp(b))) for key, a, b in zip(keys, lo_, hi_)}


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
    results = SweepResults(results)
    metric = {id(r): m for r, m in zip(results, metrics)} if metrics is not None else {}
    seeds = sorted(results.seeds)
    many = len(seeds) > 1
    sigmas = sorted(results.sigmas)
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
                try:
                    r = results.get(s, alg, seed=k)
                except KeyError:
                    cells += ["–"] * 3
                    acc.append("–")
                    continue
                if r.diverged:
                    cells += [f"{r.norm_theta0:.3g}", "diverged", "–"]
                    acc.append("–")
                    continue
                end = f"{r.norm_theta_end:.3g}" if r.converged else f"{r.norm_theta_end:.3g} (not 0)"
                cells += [f"{r.norm_theta0:.3g}", end, _sci(r.lipschitz_end)]
                a = metric[id(r)]["test_accuracy"] if metrics is not None else None
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


# ------------------------------------------------------------------------------------ the study
#: Where the shipped study lives (``make study`` regenerates it): JSON records + npz arrays.
STUDY_DIR = Path(__file__).resolve().parent / "data"
STUDY_NAME = "sharp_flat_study"
STUDY_SEEDS = tuple(range(10))
#: The settings of the study: name -> ``step`` (the argument of :func:`sweep`; missing keys take
#: the defaults). "main" is the lecture's setting; the others probe the sensitivity to Adam's step
#: and to SGD's (the notebook's open exercise).
STUDY_SETTINGS = {
    "main": {},
    "adam 1e-3": {"adam": 1e-3},
    "adam 3e-3": {"adam": 3e-3},
    "sgd near limit": {"sgd": (0.3, 0.3, 0.1, 1.5e-6, 3e-10)},
}
#: Half-width of the landscape grids per kind of direction (the app and the notebook use these).
LANDSCAPE_SPANS = {"plain": 1.0, "filter": 0.05}
LANDSCAPE_N = 51


def landscape_grids(theta_sgd, theta_adam, kind="plain", span=None, n=LANDSCAPE_N, seed=0):
    """Loss grids around two end points on the *same* plain directions (or each one's own
    filter-normalized versions of the same draws): ``(ab, {"sgd": Z, "adam": Z})``, Z ``(n, n)``."""
    X, y = data()
    span = LANDSCAPE_SPANS[kind] if span is None else _checks.positive(span, "span")
    ab = np.linspace(-span, span, _checks.positive_int(n, "n"))
    out = {}
    for alg, th in (("sgd", theta_sgd), ("adam", theta_adam)):
        d1, d2 = landscape.directions(th, seed=seed, kind=kind)
        out[alg] = landscape.loss_grid(th, d1, d2, X, y, ab, ab)
    return ab, out


def build_study(seeds=STUDY_SEEDS, settings=STUDY_SETTINGS, progress=None, workers=None,
                log=print):
    """Train and measure the whole study; returns ``(meta, arrays)`` for :func:`save_study`.

    ``meta["records"]``: one record per run (:func:`records` fields + :func:`measure`'s, and the
    ``setting`` name and the share of a 21 x 21 plain landscape grid with loss 0). ``arrays``:
    ``theta_end`` of every seed-``seeds[0]`` run, the L_m histories of those runs, the landscape
    grids of the main setting and the largest stable SGD steps. ``settings``: name -> ``step``
    (:data:`STUDY_SETTINGS`; the JSON stores each as ``adam_step`` and ``sgd_steps``).
    """
    import time
    seeds = _seeds(seeds)
    if not isinstance(settings, dict) or "main" not in settings:
        raise ValueError(f"settings must be a dict name -> step with a 'main' setting (the "
                         f"landscape grids are of its runs); got {settings!r}")
    X, y = data()
    Xt, yt = test_data()
    meta = {"seeds": list(seeds), "sigmas": list(SIGMAS), "test_set": TEST_SET,
            "settings": [], "sharpness_kind": "gauss_newton_top_eigenvalue", "records": [],
            "timings": {}}
    arrays = {"theta_rows": [], "theta_end": [], "hist": {}}
    for name, step in settings.items():
        step = check_step(step)
        meta["settings"].append({"name": name, "adam_step": step["adam"],     # the stored field
                                 "sgd_steps": list(step["sgd"])})              # names of the JSON
        t0 = time.perf_counter()
        res = sweep(seeds, SIGMAS, step, progress=progress, workers=workers)
        t1 = time.perf_counter()
        mets = [measure(r, X, y, Xt, yt, flat_radius=(name == "main") and r.converged) for r in res]
        recs = records(res, mets)
        for rec, r in zip(recs, res):
            rec["setting"] = name
            rec["landscape_zero_fraction"] = None
            if name == "main" and r.converged:
                d1, d2 = landscape.directions(r.theta_end, seed=0)
                ab = np.linspace(-1, 1, 21)
                rec["landscape_zero_fraction"] = float(np.mean(
                    landscape.loss_grid(r.theta_end, d1, d2, X, y, ab, ab) == 0))
            if r.seed == seeds[0]:
                key = f"{name}|{r.sigma:g}|{r.algorithm}"
                arrays["theta_rows"].append(key)
                arrays["theta_end"].append(r.theta_end)
                arrays["hist"][key] = (r.history["lipschitz_epoch"], r.history["lipschitz"])
        meta["records"] += recs
        meta["timings"][name] = {"train_s": round(t1 - t0, 1),
                                 "measure_s": round(time.perf_counter() - t1, 1)}
        log(f"{name}: {len(res)} runs trained in {t1 - t0:.1f} s, measured in "
            f"{time.perf_counter() - t1:.1f} s")
        if name == "main":
            main = res
    t0 = time.perf_counter()
    stable = largest_stable_step(SIGMAS, seeds)
    meta["stable_sgd_step"] = [{"seed": k, "sigma": s, "stable": a, "unstable": b}
                               for (k, s), (a, b) in stable.items()]
    log(f"largest stable SGD steps (bisection): {time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    grids = {}
    for s in SIGMAS:
        for kind in LANDSCAPE_SPANS:
            ab, Z = landscape_grids(main.get(s, "sgd", seeds[0]).theta_end,
                                    main.get(s, "adam", seeds[0]).theta_end, kind)
            for alg in Z:
                grids[f"{s:g}|{kind}|{alg}"] = Z[alg]
    arrays["grids"] = grids
    meta["landscape"] = {"spans": LANDSCAPE_SPANS, "n": LANDSCAPE_N, "seed": seeds[0],
                         "directions_seed": 0}
    log(f"landscape grids: {time.perf_counter() - t0:.1f} s")
    return meta, arrays


def save_study(meta, arrays, directory=None):
    """Write ``<directory>/sharp_flat_study.json`` and ``.npz`` (default: the package's data)."""
    directory = Path(directory) if directory is not None else STUDY_DIR
    directory.mkdir(parents=True, exist_ok=True)
    keys = list(arrays["hist"])
    theta = np.stack(arrays["theta_end"])
    np.savez_compressed(
        directory / f"{STUDY_NAME}.npz",
        theta_rows=np.array(arrays["theta_rows"]), theta_end=np.stack(arrays["theta_end"]),
        hist_keys=np.array(keys),
        hist_len=np.array([len(arrays["hist"][k][0]) for k in keys]),
        hist_epoch=np.concatenate([arrays["hist"][k][0] for k in keys]),
        hist_lipschitz=np.concatenate([arrays["hist"][k][1] for k in keys]),
        grid_keys=np.array(list(arrays["grids"])),
        grids=np.stack(list(arrays["grids"].values())),
        **decision_arrays(theta))
    with open(directory / f"{STUDY_NAME}.json", "w") as fh:
        json.dump(meta, fh, indent=0, allow_nan=False)
        fh.write("\n")
    return directory


#: The decision-region grids stored with the study: ``n x n`` points over ``[-lim, lim]^2``.
DECISION_GRID = {"n": 161, "lim": 1.15}


def _grid_points(lim, n):
    """The ``n x n`` points of ``[-lim, lim]^2`` as an ``(n * n, 2)`` array, rows following x2."""
    g = np.linspace(-lim, lim, n)
    G1, G2 = np.meshgrid(g, g)
    return np.stack([G1.ravel(), G2.ravel()], axis=-1)


def decision_signs(theta, lim=DECISION_GRID["lim"], n=DECISION_GRID["n"], spec=None):
    r"""Where :math:`m(x;\theta) > 0` on an ``n x n`` grid over ``[-lim, lim]^2`` (rows follow
    x2), for every row of ``theta``: ``(R, n, n)`` booleans (``(n, n)`` for one θ). What the apps
    and the figures colour blue; one forward pass of the ``n^2`` points per row.

    >>> decision_signs(nets.init_theta(1.0, np.random.default_rng(0)), n=5).shape
    (5, 5)
    """
    spec = spec or nets.default_spec()
    theta = spec.check_theta(theta)
    n = _checks.positive_int(n, "n")
    pts = _grid_points(_checks.positive(lim, "lim"), n)
    signs = np.stack([spec.forward(t, pts) > 0 for t in np.atleast_2d(theta)]).reshape(-1, n, n)
    return signs[0] if theta.ndim == 1 else signs


def decision_arrays(theta_end):
    """``decision_bits``: the sign of m(x) > 0 on the DECISION_GRID for every row of ``theta_end``,
    packed 8 points a byte (``np.packbits``), with ``decision_n`` and ``decision_lim``."""
    n, lim = DECISION_GRID["n"], DECISION_GRID["lim"]
    signs = decision_signs(np.atleast_2d(theta_end), lim, n).reshape(-1, n * n)
    return {"decision_bits": np.packbits(signs, axis=-1), "decision_n": np.array(n),
            "decision_lim": np.array(lim)}


class Study:
    """The shipped study, loaded once (:func:`load_study`).

    * ``records``: a list of dicts, one per run (seed, setting, σ, algorithm and every measured
      number); :meth:`values` collects one field over seeds as an array.
    * ``settings``: setting name -> its ``step`` dict ``{"adam": γ, "sgd": (one γ per σ)}``, what
      :func:`sweep` takes (stored in the JSON as ``adam_step`` and ``sgd_steps``);
      :meth:`setting_of` finds the name of a ``step``.
    * :meth:`results`: the seed-0 runs of a setting as a :class:`SweepResults` of
      :class:`course_utils.training.RunResult` (θ_end and L_m history as stored; θ0 recomputed
      from the seed), in :func:`sharp_flat`'s order.
    * :meth:`grid`: the stored landscape grids of the main setting.

    Example
    -------
    >>> study = load_study()
    >>> study.setting_of({"adam": 1e-3}), study.settings["adam 1e-3"]["adam"]
    ('adam 1e-3', 0.001)
    >>> study.results("adam 1e-3").get(0.01, "adam").config.step
    0.001
    """

    def __init__(self, meta, npz):
        self.meta = meta
        self.records = meta["records"]
        self.seeds = tuple(meta["seeds"])
        self.sigmas = tuple(meta["sigmas"])
        self.settings = {d["name"]: {"adam": d["adam_step"], "sgd": tuple(d["sgd_steps"])}
                         for d in meta["settings"]}
        self.stable_sgd_step = {(d["seed"], d["sigma"]): (d["stable"], d["unstable"])
                                for d in meta["stable_sgd_step"]}
        self._theta = dict(zip(npz["theta_rows"].tolist(), npz["theta_end"]))
        ends = np.cumsum(npz["hist_len"])
        self._hist = {k: (npz["hist_epoch"][e - n:e], npz["hist_lipschitz"][e - n:e])
                      for k, n, e in zip(npz["hist_keys"].tolist(), npz["hist_len"], ends)}
        self._grids = dict(zip(npz["grid_keys"].tolist(), npz["grids"]))
        self._decision = {}
        if "decision_bits" in npz:
            n = int(npz["decision_n"])
            self.decision_grid = {"n": n, "lim": float(npz["decision_lim"])}
            for key, bits in zip(npz["theta_rows"].tolist(), npz["decision_bits"]):
                self._decision[key] = np.unpackbits(bits, count=n * n).reshape(n, n).astype(bool)
        else:
            self.decision_grid = None
        self._by = {(r["setting"], r["seed"], r["sigma"], r["algorithm"]): r for r in self.records}
        for a in list(self._theta.values()) + list(self._grids.values()) + list(self._decision.values()):
            a.flags.writeable = False

    def record(self, sigma, algorithm, seed=0, setting="main"):
        return self._by[(setting, seed, float(sigma), algorithm)]

    def values(self, field, sigma, algorithm, setting="main"):
        """``field`` of every seed's run, an array over :attr:`seeds` (None -> NaN)."""
        out = [self._by[(setting, k, float(sigma), algorithm)][field] for k in self.seeds]
        return np.array([np.nan if v is None else v for v in out], dtype=float)

    def has_results(self, seed=0, step=None, setting=None):
        """Whether the runs of ``seed`` at ``step`` (or of the named ``setting``) are stored
        (θ_end and L_m histories are stored for seed ``seeds[0]`` only)."""
        setting = setting or self.setting_of(step)
        return seed == self.seeds[0] and setting is not None and \
            f"{setting}|{self.sigmas[0]:g}|adam" in self._theta

    def setting_of(self, step=None):
        """The name of the stored setting with these step sizes (a ``step`` dict as
        :func:`sweep` takes; missing keys are the defaults), or None."""
        want = check_step(step, self.sigmas)
        for name, d in self.settings.items():
            if math.isclose(d["adam"], want["adam"], rel_tol=1e-9) and \
                    np.allclose(d["sgd"], want["sgd"], rtol=1e-9, atol=0.0):
                return name
        return None

    def results(self, setting="main", algorithms=training.ALGORITHMS):
        """The stored runs of seed ``seeds[0]`` as a :class:`SweepResults` (Adam's first, then
        SGD's, each in the order of :attr:`sigmas`)."""
        seed = self.seeds[0]
        th0 = nets.init_theta(np.array(self.sigmas), np.random.default_rng(seed))
        out = []
        for alg in _algorithms(algorithms):
            for k, s in enumerate(self.sigmas):
                rec = self.record(s, alg, seed, setting)
                key = f"{setting}|{s:g}|{alg}"
                ep, lip = self._hist[key]
                out.append(training.RunResult(
                    config=training.RunConfig(s, alg, rec["step"], seed=seed), theta0=th0[k],
                    theta_end=self._theta[key], iterations=rec["iterations"], epochs=rec["epochs"],
                    converged=rec["converged"], diverged=rec["diverged"],
                    final_loss=rec["final_loss"], train_accuracy=rec["train_accuracy"],
                    lipschitz_theta0=rec["lipschitz_theta0"], lipschitz_end=rec["lipschitz_end"],
                    history={"lipschitz_epoch": ep, "lipschitz": lip}, seed=seed))
        return SweepResults(out)

    def decision(self, sigma, algorithm, setting="main"):
        """The sign of the stored seed-0 run's m(x) on :attr:`decision_grid`: ``n x n`` values ±1
        (rows follow x2, like :func:`course_utils.plots.classifiers.decision_values`), or None."""
        signs = self._decision.get(f"{setting}|{float(sigma):g}|{algorithm}")
        return None if signs is None else np.where(signs, 1.0, -1.0)

    def grid(self, sigma, kind):
        """``(ab, {"sgd": Z, "adam": Z})``: the stored landscape grids around the seed-0 end points."""
        span, n = self.meta["landscape"]["spans"][kind], self.meta["landscape"]["n"]
        ab = np.linspace(-span, span, n)
        return ab, {alg: self._grids[f"{float(sigma):g}|{kind}|{alg}"] for alg in ("sgd", "adam")}


@functools.lru_cache(maxsize=2)
def load_study(directory=None):
    """The study shipped with the package (``course_utils/data/sharp_flat_study.{json,npz}``),
    made by ``make study``; loaded once. Raises FileNotFoundError naming ``make study`` if absent."""
    directory = Path(directory) if directory is not None else STUDY_DIR
    js, nz = directory / f"{STUDY_NAME}.json", directory / f"{STUDY_NAME}.npz"
    if not (js.exists() and nz.exists()):
        raise FileNotFoundError(f"the study {js.with_suffix('')}.{{json,npz}} is missing: "
                                f"run `make study` to build it")
    with open(js) as fh:
        meta = json.load(fh)
    with np.load(nz) as npz:
        return Study(meta, {k: npz[k] for k in npz.files})


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
    p.add_argument("--adam-step", type=float, default=None,
                   help=f"Adam's step size γ, the same for every sigma (default {ADAM_STEP:g})")
    p.add_argument("--sgd-step", default=None,
                   help="SGD's step size γ: one number for every sigma, or comma-separated, one "
                        "per sigma (default: " + ",".join(f"{sgd_step(s):g}" for s in SIGMAS)
                        + "; --sgd-steps is the same option)")
    p.add_argument("--sgd-steps", dest="sgd_step", default=None, help=argparse.SUPPRESS)
    p.add_argument("--max-epochs", type=int, default=5000,
                   help="cap on epochs per run (a small value gives a quick, unconverged run)")
    p.add_argument("--json", action="store_true",
                   help="print one JSON record per run, with test accuracy, measured Lipschitz "
                        "constant, sharpness and flat radius")
    p.add_argument("--save", metavar="FILE.npz", default=None,
                   help="write theta_end (runs x P) with seed, sigma, algorithm arrays")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    b = sub.add_parser("build-study", help="train and measure the shipped study (make study)")
    b.add_argument("--out", default=None, help="directory (default: the package's data folder)")
    b.add_argument("--seeds", default="0-9")
    args = parser.parse_args(argv)
    if args.command == "build-study":
        meta, arrays = build_study(parse_seeds(args.seeds))
        where = save_study(meta, arrays, args.out)
        print(f"wrote {where / STUDY_NAME}.json and .npz")
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
        step = {}
        if args.adam_step is not None:
            step["adam"] = args.adam_step
        if args.sgd_step is not None:
            sgd = _numbers(args.sgd_step, "--sgd-step")
            step["sgd"] = sgd[0] if len(sgd) == 1 else sgd
        results = sweep(seeds, sigmas, step, max_epochs=args.max_epochs,
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
