r"""Loss landscapes around a trained network and sharpness numbers that mean something at zero loss.

A 2-D slice of the loss around :math:`\theta` along directions :math:`d_1, d_2`:

.. math::  \ell(\alpha, \beta) = \mathrm{loss}(\theta + \alpha d_1 + \beta d_2).

Directions are either *plain* (Gaussian, scaled to unit norm, so α is a distance in parameter
space and two networks can share them) or *filter-normalized* (Li et al., "Visualizing the loss
landscape of neural nets", NeurIPS 2018): every neuron's incoming weights (and its bias) are
rescaled to the norm of the same neuron in :math:`\theta`, so the picture does not depend on how
the weights of a ReLU net are scaled.

At a point where the hinge loss is *exactly* zero, the loss is flat: its gradient and Hessian
vanish (a ReLU net is piecewise linear and so is the hinge). "Sharpness" must therefore be
measured differently; this module offers

* :func:`flat_radius`: along each of K directions, the distance to the first increase of the loss
  (small = the zero-loss region is thin around :math:`\theta`, a sharp minimum);
* :func:`gauss_newton_top`: the largest eigenvalue of the Gauss-Newton matrix :math:`J^TJ/N` of the
  network outputs (J from backpropagation); it is the curvature a squared loss would have, and it
  measures how fast the outputs move when the parameters do.

Every grid point is a row of a batched forward pass (no Python loop over grid points).
This module imports neither matplotlib nor ipywidgets.
"""

from __future__ import annotations

import numpy as np

from . import _checks, nets

__all__ = ["random_direction", "filter_normalize", "directions", "loss_grid", "loss_along",
           "flat_radius", "gauss_newton_top", "sharpness_summary"]


#: the most network evaluations (grid points x data points) :func:`loss_grid` takes on: about
#: 3e5 evaluations a second on a 2-core laptop, so minutes; the landscape app needs 51^2 x 400 = 1e6
MAX_GRID_WORK = 1e8


def random_direction(size, rng):
    """A Gaussian direction of unit Euclidean norm, shape ``(size,)``."""
    if not isinstance(rng, np.random.Generator):
        raise ValueError("rng must be a numpy Generator, e.g. np.random.default_rng(0)")
    d = rng.standard_normal(_checks.positive_int(size, "size"))
    return d / np.linalg.norm(d)


def filter_normalize(d, theta, spec=None):
    r"""Rescale each neuron's block of ``d`` (incoming weights and bias) to the norm of the same
    neuron in ``theta``: :math:`d_i \leftarrow d_i\,\|\theta_i\|/\|d_i\|` (Li et al., 2018)."""
    spec = spec or nets.default_spec()
    d = spec.check_theta(d, "d").reshape(1, spec.size).copy()
    theta = spec.check_theta(theta).reshape(1, spec.size)
    for D, T in zip(spec.neuron_rows(d), spec.neuron_rows(np.ascontiguousarray(theta))):
        nd = np.linalg.norm(D, axis=-1, keepdims=True)
        D *= np.linalg.norm(T, axis=-1, keepdims=True) / np.where(nd > 0, nd, 1.0)
    return d[0]


def directions(theta, seed=0, kind="plain", spec=None):
    """Two directions ``(d1, d2)`` for a landscape around ``theta``.

    ``kind="plain"``: unit-norm Gaussian directions that depend only on ``seed`` (so SGD's and
    Adam's end points can be shown along the *same* directions); ``kind="filter"``: the same
    draws, filter-normalized to ``theta``.
    """
    spec = spec or nets.default_spec()
    rng = np.random.default_rng(_checks.seed(seed))
    d1, d2 = random_direction(spec.size, rng), random_direction(spec.size, rng)
    if kind == "plain":
        return d1, d2
    if kind == "filter":
        return filter_normalize(d1, theta, spec), filter_normalize(d2, theta, spec)
    raise ValueError(f"kind must be 'plain' or 'filter'; got {kind!r}")


def loss_grid(theta, d1, d2, X, y, alphas, betas, spec=None, chunk=128):
    r"""The hinge loss at :math:`\theta + \alpha d_1 + \beta d_2` on the grid ``alphas x betas``.

    Returns an array of shape ``(len(betas), len(alphas))`` (rows follow β, like ``meshgrid``).
    Grid points go through the network ``chunk`` at a time as the batch axis of one forward pass.
    """
    spec = spec or nets.default_spec()
    chunk = _checks.size(chunk, "chunk")
    theta = spec.check_theta(theta)
    d1, d2 = spec.check_theta(d1, "d1"), spec.check_theta(d2, "d2")
    alphas, betas = _checks.as_vector(alphas, "alphas"), _checks.as_vector(betas, "betas")
    n_data = np.shape(X)[-2] if np.ndim(X) >= 2 else 1
    if alphas.size * betas.size * n_data > MAX_GRID_WORK:
        raise ValueError(f"alphas x betas has {alphas.size} x {betas.size} grid points; times {n_data} data "
                         f"points that is {alphas.size * betas.size * n_data:.3g} network evaluations, more than "
                         f"{MAX_GRID_WORK:.0e} (many minutes of computing): use fewer grid points")
    A, B = np.meshgrid(alphas, betas)
    coef = np.stack([A.ravel(), B.ravel()], axis=-1)                   # (G, 2)
    D = np.stack([d1, d2])                                              # (2, P)
    out = np.empty(coef.shape[0])
    for s in range(0, coef.shape[0], chunk):
        out[s:s + chunk] = spec.loss(theta + coef[s:s + chunk] @ D, X, y, chunk=chunk)
    return out.reshape(A.shape)


def loss_along(theta, dirs, ts, X, y, spec=None):
    r"""The loss at :math:`\theta + t\,d_k` for every direction ``dirs[k]`` and every ``ts[j]``, ``(K, J)``."""
    spec = spec or nets.default_spec()
    dirs = np.atleast_2d(spec.check_theta(dirs, "dirs"))
    ts = _checks.as_vector(ts, "ts")
    pts = theta + ts[None, :, None] * dirs[:, None, :]                   # (K, J, P)
    return spec.loss(pts.reshape(-1, spec.size), X, y).reshape(dirs.shape[0], ts.size)


def flat_radius(theta, dirs, X, y, t_max=1.0, n_scan=28, n_bisect=20, spec=None):
    r"""Along each direction :math:`d_k` (both signs), the distance :math:`t_k` to the first point where
    the loss becomes positive, starting from a point ``theta`` of zero loss.

    A geometric scan of ``n_scan`` values in :math:`[t_{\max}10^{-16}, t_{\max}]` brackets the first
    increase, then ``n_bisect`` bisection steps (all directions at once) refine it. Directions along
    which the loss stays 0 up to ``t_max`` get ``t_max``. Returns ``(K,)`` distances in units of
    ``||d_k||``; the minimum over ±d_k is taken.
    """
    spec = spec or nets.default_spec()
    t_max = _checks.positive(t_max, "t_max")
    n_scan, n_bisect = _checks.size(n_scan, "n_scan", minimum=2), _checks.nonnegative_int(n_bisect, "n_bisect")
    theta = spec.check_theta(theta)
    if spec.loss(theta, X, y) != 0.0:
        raise ValueError("flat_radius starts from a point of exactly zero loss; this theta has loss "
                         f"{spec.loss(theta, X, y):.3g}")
    dirs = np.atleast_2d(spec.check_theta(dirs, "dirs"))
    both = np.concatenate([dirs, -dirs])                                # (2K, P)
    ts = np.geomspace(t_max * 1e-16, t_max, n_scan)
    pos = loss_along(theta, both, ts, X, y, spec) > 0                    # (2K, J)
    first = np.where(pos.any(axis=1), pos.argmax(axis=1), ts.size)
    hi = np.where(first < ts.size, ts[np.minimum(first, ts.size - 1)], t_max)
    lo = np.where(first > 0, ts[np.maximum(first - 1, 0)], 0.0)
    lo = np.where(first < ts.size, lo, t_max)
    active = first < ts.size
    for _ in range(n_bisect):
        mid = 0.5 * (lo + hi)
        loss = spec.loss(theta + mid[:, None] * both, X, y)
        up = (loss > 0) & active
        hi = np.where(up, mid, hi)
        lo = np.where(up | ~active, lo, mid)
    t = np.where(active, hi, t_max)
    return np.minimum(t[:dirs.shape[0]], t[dirs.shape[0]:])


def gauss_newton_top(theta, X, spec=None):
    r"""The largest eigenvalue of the Gauss-Newton matrix :math:`J^TJ/N` of the outputs
    :math:`m(x_i;\theta)`, with J ``(N, P)`` from backpropagation (per-example gradients).

    It equals the largest eigenvalue of the small ``N x N`` Gram matrix :math:`JJ^T/N`, computed here.
    """
    spec = spec or nets.default_spec()
    J = spec.jacobian(theta, X)
    G = J @ J.T / J.shape[0]
    return float(np.linalg.eigvalsh(G)[-1])


def sharpness_summary(theta, X, y, n_dirs=10, seed=0, spec=None):
    """A dict of sharpness numbers at a zero-loss point ``theta``.

    ``radius_plain`` / ``radius_filter``: median :func:`flat_radius` over ``n_dirs`` unit-norm
    Gaussian directions (the same for every theta with the same seed) and over their
    filter-normalized versions (then a fraction of each neuron's norm); ``gauss_newton``:
    :func:`gauss_newton_top`; ``lipschitz``: the bound :math:`L_m`; ``norm``: ``||theta||``.
    """
    spec = spec or nets.default_spec()
    theta = spec.check_theta(theta)
    rng = np.random.default_rng(seed)
    plain = np.stack([random_direction(spec.size, rng) for _ in range(n_dirs)])
    filt = np.stack([filter_normalize(d, theta, spec) for d in plain])
    return {
        "radius_plain": float(np.median(flat_radius(theta, plain, X, y, t_max=10.0, spec=spec))),
        "radius_filter": float(np.median(flat_radius(theta, filt, X, y, t_max=10.0, spec=spec))),
        "gauss_newton": gauss_newton_top(theta, X, spec),
        "lipschitz": float(spec.lipschitz(theta)),
        "norm": float(np.linalg.norm(theta)),
    }
