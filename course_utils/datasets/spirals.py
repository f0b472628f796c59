"""Two interleaved spirals: the classification data of the sharp-versus-flat-minima lesson.

Example
-------
>>> from course_utils.datasets.spirals import two_spirals
>>> X, y = two_spirals(100)
>>> X.shape, y.shape, sorted(set(y.tolist()))
((100, 2), (100,), [-1.0, 1.0])
"""

from __future__ import annotations

import numpy as np

from .. import _checks

__all__ = ["two_spirals"]


def two_spirals(n=100, turns=1.5, noise=0.0, seed=0):
    r"""``n`` points on two interleaved spirals in the unit disc, labels :math:`\pm 1`.

    Class +1 lies on :math:`r = t,\ \phi = 2\pi\cdot\text{turns}\cdot t` for ``n // 2`` values of
    :math:`t` evenly spaced in (0, 1]; class -1 is the same spiral turned by :math:`\pi`.
    ``noise`` adds Gaussian noise of that standard deviation (seeded by ``seed``).

    Returns
    -------
    X : (n, 2) float array, y : (n,) array of -1.0 / +1.0 (classes alternate: +1, -1, +1, ...)
    """
    n = _checks.size(n, "n")
    if n % 2:
        raise ValueError(f"n must be even (n/2 points per spiral); got {n}")
    turns = _checks.positive(turns, "turns")
    noise = _checks.nonnegative(noise, "noise")
    seed = _checks.seed(seed)
    _checks.check_memory(n * 8 * 8, "n", n, f"{n} points (X, y and their temporaries)")
    t = np.arange(1, n // 2 + 1) / (n // 2)
    phi = 2.0 * np.pi * turns * t
    arm = np.stack([t * np.cos(phi), t * np.sin(phi)], axis=-1)
    X = np.empty((n, 2))
    X[0::2], X[1::2] = arm, -arm
    y = np.tile([1.0, -1.0], n // 2)
    if noise > 0:
        X = X + noise * np.random.default_rng(seed).standard_normal(X.shape)
    return X, y
