r"""Intervals for the share of cases where a claim holds, and the verdict they support.

A claim such as "Adam ends with the larger ‖θ_end‖" is checked on every (seed, σ) pair; it holds in
k of n. The share k/n gets a 95 % **Wilson score interval**

.. math:: \frac{\hat p + \frac{z^2}{2n} \pm z\sqrt{\frac{\hat p(1-\hat p)}{n} + \frac{z^2}{4n^2}}}{1 + \frac{z^2}{n}},
   \qquad z = 1.96,

which, unlike :math:`\hat p \pm z\sqrt{\hat p(1-\hat p)/n}`, stays inside [0, 1] and is not empty at
k = 0 or k = n (Wilson, 1927). The pairs of one seed share its random directions, so the interval
is, if anything, a little narrow; the verdicts below need it to clear 1/2, not a hair.
"""

from __future__ import annotations

import math

__all__ = ["wilson", "verdict", "overall_verdict", "HOLDS", "FAILS", "UNDECIDED", "DEPENDS"]

HOLDS, FAILS, UNDECIDED, DEPENDS = "holds", "does not hold", "undecided", "depends on the step"


def wilson(k, n, z=1.96):
    """The Wilson score interval ``(lo, hi)`` of the share k/n (95 % for z = 1.96).

    >>> [round(x, 3) for x in wilson(30, 30)]
    [0.886, 1.0]
    >>> [round(x, 3) for x in wilson(0, 10)]
    [0.0, 0.278]
    """
    if isinstance(k, bool) or isinstance(n, bool) or int(k) != k or int(n) != n:
        raise TypeError(f"k and n must be integers; got k={k!r}, n={n!r}")
    k, n = int(k), int(n)
    if n <= 0 or not 0 <= k <= n:
        raise ValueError(f"need 0 <= k <= n and n >= 1; got k={k}, n={n}")
    p = k / n
    den = 1 + z * z / n
    mid = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return max(0.0, mid - half), min(1.0, mid + half)


def verdict(k, n):
    """``"holds"`` when the 95 % interval of k/n lies above 1/2 (the claim is true in most
    cases, beyond chance), ``"does not hold"`` when it lies below, else ``"undecided"``."""
    lo, hi = wilson(k, n)
    return HOLDS if lo > 0.5 else FAILS if hi < 0.5 else UNDECIDED


def overall_verdict(verdicts):
    """Over several step sizes: ``"holds"`` if it holds at every one, ``"does not hold"`` if it
    holds at none (undecided counts as not shown), else ``"depends on the step"``."""
    verdicts = [v for v in verdicts if v is not None]
    if not verdicts:
        return None
    if all(v == HOLDS for v in verdicts):
        return HOLDS
    if all(v != HOLDS for v in verdicts):
        return FAILS if all(v == FAILS for v in verdicts) else "not shown"
    return DEPENDS
