"""Training the σ experiment: one seed (:func:`sharp_flat`) or many at once (:func:`sweep`), cached,
returned as a :class:`SweepResults`."""

from __future__ import annotations

import functools
import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor

from .. import _checks, training
from .config import SIGMAS, _algorithms, _seeds, _sigmas, check_step, data

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
    >>> from course_utils.experiments import load_study
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


def _per_sigma(step, sigmas):
    """One step per σ: a float repeated, or the tuple itself."""
    return tuple(step) if isinstance(step, tuple) else (step,) * len(sigmas)


def _configs(seeds, sigmas, adam, sgd, algorithms):
    """Per seed: Adam's runs (in the order of sigmas), then SGD's -- the JSON's order."""
    out = []
    for k in seeds:
        if "adam" in algorithms:
            out += [training.RunConfig(s, "adam", g, seed=k)
                    for s, g in zip(sigmas, _per_sigma(adam, sigmas))]
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
          progress=None, workers=None, extra_epochs=0):
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
    ``extra_epochs``: every run goes on this many epochs after its first zero-loss epoch
    (:func:`course_utils.training.train`; 0, the default, stops there as the slides do).

    Ctrl-C (or any ``KeyboardInterrupt``) stops every worker at its next epoch boundary, within
    about a second, and raises :class:`course_utils.training.Interrupted` whose ``results`` hold
    every run (``interrupted=True`` for those that had not finished) and ``finished`` the
    complete ones.
    """
    seeds = _seeds(seeds)
    sigmas = _sigmas(sigmas)
    step = check_step(step, sigmas)
    algorithms = _algorithms(algorithms)
    max_epochs = _checks.positive_int(max_epochs, "max_epochs")
    if workers is None:     # two stacks only pay off for many seeds (measured: 2 seeds are faster in one)
        workers = min(2, os.cpu_count() or 1) if len(seeds) >= 6 else 1
    workers = _checks.positive_int(workers, "workers")
    extra_epochs = _checks.nonnegative_int(extra_epochs, "extra_epochs")
    training.check_memory(len(seeds) * len(sigmas) * len(algorithms), len(data()[1]),
                          what=f"{len(seeds)} seeds x {len(sigmas)} sigmas x {len(algorithms)} algorithms")
    return _sweep(seeds, sigmas, step["adam"], step["sgd"], max_epochs, algorithms, workers,
                  _Progress(progress), extra_epochs)


@functools.lru_cache(maxsize=8)
def _sweep(seeds, sigmas, adam, sgd, max_epochs, algorithms, workers, progress, extra_epochs=0):
    X, y = data()
    configs = _configs(seeds, sigmas, adam, sgd, algorithms)
    parts = [list(seeds[w::workers]) for w in range(min(workers, len(seeds)))]
    lock = threading.Lock()
    finished = [0] * len(parts)
    stop = threading.Event()

    def run(w):
        part = set(parts[w])
        mine = [c for c in configs if c.seed in part]

        def report(done, total, epoch):
            if progress.fn is not None:
                with lock:
                    finished[w] = done
                    progress.fn(sum(finished), len(configs), epoch)
        try:
            return mine, training.train(mine, X, y, seed=parts[w][0], max_epochs=max_epochs,
                                        progress=report, extra_epochs=extra_epochs, stop=stop)
        except training.Interrupted as exc:
            return mine, exc.results

    if len(parts) == 1:
        outs = [run(0)]
    else:
        ex = ThreadPoolExecutor(len(parts))
        futures = [ex.submit(run, w) for w in range(len(parts))]
        try:
            outs = [f.result() for f in futures]
        except KeyboardInterrupt:           # Ctrl-C reaches the main thread: stop the workers
            stop.set()
            outs = [f.result() for f in futures]
        finally:
            ex.shutdown(wait=True)
    by = {c: r for mine, res in outs for c, r in zip(mine, res)}
    results = SweepResults(by[c] for c in configs)
    if any(r.interrupted for r in results):
        raise training.Interrupted(list(results))
    return results
