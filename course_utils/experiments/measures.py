"""What a run's end point is measured by beyond training: test accuracy, the measured Lipschitz
constant, sharpness (Gauss-Newton, flat radius), decision regions and landscape grids."""

from __future__ import annotations

import math

import numpy as np

from .. import _checks, landscape, nets, training
from .config import SIGMAS, _seeds, _sigmas, data, plane_test_data, test_data

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


def output_scale(theta, X, spec=None):
    r"""The mean squared output :math:`\frac1N\sum_i m(x_i;\theta)^2` on the points X: the scale
    that the Gauss-Newton eigenvalue is divided by in :func:`measure` (``sharpness_normalized``)."""
    spec = spec or nets.default_spec()
    m = spec.forward(spec.check_theta(theta), X)
    return float(np.mean(m ** 2))


def measure(result, X=None, y=None, X_test=None, y_test=None, flat_radius=True, spec=None,
            n_dirs=10, filter_radius=True, plane=None):
    r"""The numbers of one run beyond training, a dict:

    * ``test_accuracy``: on ``X_test`` (default :func:`test_data`, the spirals with noise 0.03);
    * ``test_accuracy_plane``: on the off-curve set ``plane`` (default :func:`plane_test_data`:
      points over the plane labelled by the nearer arm);
    * ``lipschitz_measured`` (:func:`lipschitz_measured`);
    * ``sharpness``: the top Gauss-Newton eigenvalue :math:`\lambda_{\max}(J^TJ/N)`
      (:func:`course_utils.landscape.gauss_newton_top`); ``output_scale``: the mean squared output
      on the training points; ``sharpness_normalized`` = sharpness / output_scale. Why divide:
      multiplying the last layer by c multiplies every output and every row of J by c, so
      λmax grows by c² while the classifier does not change; the ratio is unchanged by it and
      says how fast the outputs move *relative to their own size*. (The Hessian of the hinge loss
      itself is exactly 0 at a point of zero loss: the network is piecewise linear and so is the
      hinge, so it says nothing there.)
    * ``flat_radius``: median :func:`course_utils.landscape.flat_radius` over ``n_dirs`` unit
      directions (the same directions for every run), with ``flat_radius_q25`` and
      ``flat_radius_q75`` (the spread over directions); ``flat_radius_filter``: the median over
      their filter-normalized versions (when ``filter_radius``). None when ``flat_radius=False``
      or the run did not end at zero loss.

    Every value is None for a diverged run.
    """
    spec = spec or nets.default_spec()
    if X is None:
        X, y = data()
    if X_test is None:
        X_test, y_test = test_data()
    Xp, yp = plane if plane is not None else plane_test_data()
    out = dict(test_accuracy=None, test_accuracy_plane=None, lipschitz_measured=None,
               sharpness=None, output_scale=None, sharpness_normalized=None, flat_radius=None,
               flat_radius_q25=None, flat_radius_q75=None, flat_radius_filter=None)
    if result.diverged:
        return out
    th = result.theta_end
    out["test_accuracy"] = float(np.mean(np.sign(spec.forward(th, X_test)) == y_test))
    out["test_accuracy_plane"] = float(np.mean(np.sign(spec.forward(th, Xp)) == yp))
    out["lipschitz_measured"] = lipschitz_measured(th, X=X, spec=spec)
    out["sharpness"] = landscape.gauss_newton_top(th, X, spec)
    out["output_scale"] = output_scale(th, X, spec)
    out["sharpness_normalized"] = out["sharpness"] / out["output_scale"]
    if flat_radius and result.converged and spec.loss(th, X, y) == 0.0:
        rng = np.random.default_rng(0)
        plain = np.stack([landscape.random_direction(spec.size, rng)
                          for _ in range(_checks.positive_int(n_dirs, "n_dirs"))])
        rad = landscape.flat_radius(th, plain, X, y, t_max=10.0, spec=spec)
        out["flat_radius"] = float(np.median(rad))
        out["flat_radius_q25"], out["flat_radius_q75"] = (float(q) for q in np.percentile(rad, [25, 75]))
        if filter_radius:
            filt = np.stack([landscape.filter_normalize(d, th, spec) for d in plain])
            out["flat_radius_filter"] = float(np.median(
                landscape.flat_radius(th, filt, X, y, t_max=10.0, spec=spec)))
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


