r"""Central finite differences: the one reference every gradient test compares against.

    fd_directional(f, x, d, h)  = (f(x + h d) - f(x - h d)) / (2h)        ~ the derivative along d
    fd_grad(f, x, h)            = fd_directional along every unit vector e_k of x's last axis

The error is O(h^2 |f'''|) plus round-off O(eps |f| / h); h = 1e-6 balances them for the smooth,
order-one functions of the tests (the relative error is then ~1e-9 .. 1e-7). On a piecewise-linear
function (a ReLU net) the difference is exact away from the kinks.
"""

import numpy as np


def fd_directional(f, x, d, h=1e-6):
    """The central difference of ``f`` at ``x`` along ``d``: same shape as ``f(x)``."""
    x = np.asarray(x, dtype=float)
    d = np.asarray(d, dtype=float)
    return (np.asarray(f(x + h * d), dtype=float) - np.asarray(f(x - h * d), dtype=float)) / (2 * h)


def fd_grad(f, x, h=1e-6, batched=False):
    """Central differences of ``f`` along each coordinate k of the last axis of ``x``.

    Returns ``f(x).shape + (n,)``: the gradient ``(n,)`` of a scalar f; the Jacobian ``(m, n)`` of
    an f with values ``(m,)``; for ``x`` a batch of points ``(..., n)`` and an f that acts point by
    point, the gradient at every point.

    ``batched=True``: f accepts a batch of points along a new leading axis (``f(P)`` with ``P`` of
    shape ``(n,) + x.shape``), and all 2n evaluations happen in two calls.
    """
    x = np.asarray(x, dtype=float)
    n = x.shape[-1]
    E = np.eye(n).reshape((n,) + (1,) * (x.ndim - 1) + (n,))      # e_k broadcast over x's points
    if batched:
        diffs = fd_directional(f, x, E, h)                        # (n,) + f(x).shape
    else:
        diffs = np.stack([fd_directional(f, x, E[k], h) for k in range(n)])
    return np.moveaxis(diffs, 0, -1)
