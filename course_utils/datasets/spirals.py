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

__all__ = ["two_spirals", "spiral_plane"]


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


def spiral_plane(n=2000, turns=1.5, radius=1.1, seed=2, arm_points=4000):
    r"""``n`` points spread uniformly over the disc of radius ``radius`` around the spirals,
    each labelled by the *nearer noise-free arm*: the test set of generalization off the curves.

    :func:`two_spirals` puts every point on one of the two arms, so a held-out set drawn the same
    way (even with a little noise) lies within a hair of the training points and tests little more
    than the training fit. Here the points fill the plane between and beyond the arms; the label of
    a point x is +1 when the nearest point of the arm :math:`r = t,\ \phi = 2\pi\cdot\text{turns}
    \cdot t,\ t \in [0, 1]` (sampled at ``arm_points`` values of t) is closer than the nearest
    point of the arm turned by π, else -1. It is the natural continuation of the two classes into
    the plane ("which spiral is this point on, if any?"); near the centre, where the arms meet,
    the label changes fast and no classifier can be sure of it.

    Returns ``X`` ``(n, 2)`` and ``y`` ``(n,)`` in ±1 (seeded by ``seed``).

    >>> X, y = spiral_plane(200)
    >>> X.shape, float(np.max(np.hypot(*X.T))) <= 1.1, sorted(set(y.tolist()))
    ((200, 2), True, [-1.0, 1.0])
    """
    n = _checks.positive_int(n, "n")
    turns = _checks.positive(turns, "turns")
    radius = _checks.positive(radius, "radius")
    arm_points = _checks.positive_int(arm_points, "arm_points")
    if n > 10 ** 6:
        raise ValueError(f"n must be at most 10**6 points; got {n}")
    rng = np.random.default_rng(seed)
    r = radius * np.sqrt(rng.uniform(size=n))              # uniform over the disc
    a = rng.uniform(0.0, 2.0 * np.pi, size=n)
    X = np.stack([r * np.cos(a), r * np.sin(a)], axis=-1)
    t = np.linspace(0.0, 1.0, arm_points)
    phi = 2.0 * np.pi * turns * t
    arm = np.stack([t * np.cos(phi), t * np.sin(phi)], axis=-1)
    d_plus = np.full(n, np.inf)
    d_minus = np.full(n, np.inf)
    for s in range(0, n, 2000):                            # (2000, arm_points) at a time
        diff = X[s:s + 2000, None, :] - arm[None]
        d_plus[s:s + 2000] = np.min(np.sum(diff ** 2, axis=-1), axis=1)
        diff = X[s:s + 2000, None, :] + arm[None]
        d_minus[s:s + 2000] = np.min(np.sum(diff ** 2, axis=-1), axis=1)
    y = np.where(d_plus <= d_minus, 1.0, -1.0)
    return X, y
