"""The σ experiment's setting: the scales σ, the default steps, the slides' numbers, the data and
the checks of every argument (σ values, steps, algorithms, seeds)."""

from __future__ import annotations

import re

import numpy as np

from .. import _checks, training
from ..datasets.spirals import spiral_plane, two_spirals

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


#: The off-curve test set: ``spiral_plane(**PLANE_TEST_SET)`` (2000 points uniform over the disc of
#: radius 1.1 around the data, labelled by the nearer noise-free arm).
PLANE_TEST_SET = {"n": 2000, "turns": 1.5, "radius": 1.1, "seed": 2}


def plane_test_data():
    """The off-curve test set ``spiral_plane(2000, radius=1.1, seed=2)``: points spread over the
    disc around the data, each labelled by the nearer noise-free arm
    (:func:`course_utils.datasets.spirals.spiral_plane`). It measures generalization *off* the
    curves, which :func:`test_data` (points within 0.1 of a training point) cannot."""
    return spiral_plane(**PLANE_TEST_SET)


plane_test_data.__test__ = False


def sgd_step(sigma):
    """The default SGD step for σ (the nearest tabulated σ on a log scale)."""
    keys = np.array(sorted(SGD_STEPS))
    return SGD_STEPS[float(keys[np.argmin(np.abs(np.log(keys) - np.log(sigma)))])]



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

    ``step`` is ``None`` (every default) or a dict with the keys ``"adam"`` (Adam's step: one
    number, the same for every σ and returned as a float, or one per σ, returned as a tuple, as the
    fair protocol of :mod:`.protocol` chooses it) and/or ``"sgd"`` (SGD's step: one number for every σ, or a sequence with one per
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
    adam = step.get("adam", ADAM_STEP)
    if isinstance(adam, (str, bytes)) or np.ndim(adam) > 1:
        raise TypeError(f"step['adam'] must be a positive number or one per sigma; got {adam!r}")
    if np.ndim(adam) == 0:
        adam = float(_checks.positive(adam, "step['adam']"))
    else:
        adam = tuple(float(_checks.positive(g, "step['adam']")) for g in adam)
        if len(adam) != len(sigmas):
            raise ValueError(f"step['adam']: give one Adam step per sigma; got {len(adam)} for "
                             f"{len(sigmas)} sigmas")
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


#: The most seeds a string of seeds may ask for (10 networks each).
MAX_SEEDS = 10_000


def parse_seeds(text):
    """``"0-9"`` -> (0, ..., 9); ``"13,21"`` -> (13, 21); ``"0-3,7"`` -> (0, 1, 2, 3, 7).

    >>> parse_seeds("0-3,7")
    (0, 1, 2, 3, 7)

    At most :data:`MAX_SEEDS` seeds, counted before any list is built (``"0-3000000000"`` is a
    clear error at once); whether the runs fit in memory is checked by
    :func:`course_utils.training.train` before it allocates them.
    """
    if not isinstance(text, str):
        raise TypeError(f"seeds must be a string like '0-9' or '13,21'; got {text!r}")
    ranges = []
    for part in text.split(","):
        part = part.strip()
        m = re.fullmatch(r"(\d+)(?:-(\d+))?", part)
        if not m:
            raise ValueError(f"seeds must be integers >= 0 or ranges a-b, comma-separated, e.g. "
                             f"'0-9' or '13,21'; got {text!r} (bad part {part!r})")
        a, b = int(m.group(1)), int(m.group(2) if m.group(2) is not None else m.group(1))
        if b < a:
            raise ValueError(f"seeds: the range {part!r} is empty (write the smaller seed first)")
        if b >= 2 ** 63:
            raise ValueError(f"seeds: {b} is too large (a seed is below 2**63)")
        ranges.append((a, b))
    count = sum(b - a + 1 for a, b in ranges)
    if count > MAX_SEEDS:
        raise ValueError(f"seeds: {text!r} asks for {count} seeds; at most {MAX_SEEDS} "
                         f"(each seed trains 10 networks)")
    out = [k for a, b in ranges for k in range(a, b + 1)]
    if len(set(out)) != len(out):
        raise ValueError(f"seeds must be distinct; {text!r} repeats some")
    return tuple(out)


