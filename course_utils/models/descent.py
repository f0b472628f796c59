r"""The numbers behind notebook 01's apps: one gradient step as a model minimizer, (scaled) GD runs.

Scaled gradient descent on a quadratic :math:`f(x) = \tfrac12 x^TQx` with a metric :math:`H`
(:class:`~course_utils.metric.Metric`; the identity gives plain GD):

.. math::
    x_{k+1} = x_k - \gamma H^{-1}\nabla f(x_k), \qquad
    \|x_k - x^\star\| \text{ contracts by } \rho(\gamma) = \max_i |1 - \gamma\lambda_i|,

:math:`\lambda_i` the eigenvalues of :math:`H^{-1/2}QH^{-1/2}`; it converges iff
:math:`0 < \gamma < 2/\lambda_{\max}`. Each step minimizes the model
:math:`m_k(x) = f(x_k) + \nabla f(x_k)^T(x - x_k) + \|x - x_k\|_H^2/(2\gamma)`.

Three models, one per app of :mod:`course_utils.widgets.descent`: :class:`StepModel` (the model
along the step's ray), :class:`DescentModel` (runs from a start point at a step) and
:class:`ScaledDescentModel` (the best-step run of each metric). Their runs go through one
:class:`~course_utils.cache.BoundedCache` each (``.computed`` counts the real computations).

This module imports neither matplotlib nor ipywidgets.

Example
-------
>>> from course_utils.objectives import Quadratic
>>> f = Quadratic([[0.1, -0.1], [-0.1, 1.0]])
>>> r = descent_run(f, step=1.0, x0=[-4.0, 1.5], iterations=3)
>>> r.iterates.shape, r.diverges, round(r.rate, 4)
((4, 2), False, 0.911)
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from .. import _checks, optimizers
from ..cache import BoundedCache
from ..metric import Metric
from ..objectives import quadratic_model

__all__ = ["DescentRun", "descent_run", "model_level_set", "step_model_view",
           "h_presets", "StepModel", "DescentModel", "ScaledDescentModel"]


class DescentRun(NamedTuple):
    """One (scaled) GD run and the numbers a plot of it needs."""

    iterates: np.ndarray   # (iterations + 1, n); NaN rows once the run blew up
    gap: np.ndarray        # f(x_k) - f*, NaN where the iterate is NaN
    step: float            # the step size gamma
    H: Any                 # None (identity), an (n,) diagonal or an (n, n) matrix
    rate: float            # rho(step) = max_i |1 - step * lambda_i(H^-1 Q)|
    bound: float           # the stability bound 2 / lambda_max(H^-1 Q)
    diverges: bool         # step > bound (the theory), whatever the finite run shows


def _metric(H, n):
    """``None`` for the identity, else the validated metric array (vector = diagonal)."""
    return None if H is None else Metric(H, n).H


def descent_run(f, step, x0, iterations, H=None):
    r"""Scaled GD :math:`x_{k+1} = x_k - \gamma H^{-1}\nabla f(x_k)` on the quadratic ``f``
    (plain GD when ``H`` is None) with step size ``step`` (:math:`\gamma`), ``iterations``
    steps of :func:`course_utils.optimizers.run`.

    Returns a :class:`DescentRun`. ``rate`` is the per-step contraction of the error,
    :math:`\rho(\gamma) = \max_i |1 - \gamma\lambda_i|` over the eigenvalues of
    :math:`H^{-1/2} Q H^{-1/2}`; the gap :math:`f(x_k) - f^\star` contracts like
    :math:`\rho^{2k}`. A non-positive ``step`` or a metric that is not positive definite raises
    ``ValueError``.

    >>> from course_utils.objectives import Quadratic
    >>> r = descent_run(Quadratic([[0.1, -0.1], [-0.1, 1.0]]), 2.3, [-4.0, 1.5], 200)
    >>> r.diverges, round(r.bound, 4)
    (True, 1.9783)
    """
    step = _checks.positive(step, "step")
    H = _metric(H, f.n)
    x0 = _checks.as_vector(x0, "x0", f.n)
    opt = optimizers.make("gd", step) if H is None else optimizers.make("scaled_gd", step, H=H)
    X = optimizers.run(opt, f.grad, x0, iterations)
    ok = np.all(np.isfinite(X), axis=-1)
    gap = np.full(X.shape[0], np.nan)
    gap[ok] = f.value(X[ok]) - f.min_value()
    lam = f.scaled_eigenvalues(H)
    bound = f.stable_step_bound(H)
    return DescentRun(X, gap, step, H, float(np.max(np.abs(1.0 - step * lam))), bound,
                      bool(step > bound))


def model_level_set(run, k, n=200):
    r"""The level set through :math:`x_k` of the model that step k minimizes.

    The model :math:`m_k(x) = f(x_k) + \nabla f(x_k)^T(x - x_k) + \|x - x_k\|_H^2/(2\gamma)` equals
    :math:`\text{const} + \|x - x_{k+1}\|_H^2/(2\gamma)`: its level sets are H-ellipses (circles
    when H = I) centred at the next iterate. Returns the ``(n, 2)`` points, or an all-NaN array
    when step k does not exist (last iterate, diverged run).
    """
    X = run.iterates
    if k + 1 >= X.shape[0] or not np.all(np.isfinite(X[k:k + 2])):
        return np.full((n, 2), np.nan)
    metric = Metric(run.H, X.shape[1])
    r = metric.norm(X[k] - X[k + 1])
    if not r > 0:
        return np.full((n, 2), np.nan)
    return metric.sphere(X[k + 1], r, n)


def step_model_view(f, x_k, step, t, H=None):
    r"""f and its quadratic model along the step's ray :math:`x_k + t\,d`,
    :math:`d = -H^{-1}\nabla f(x_k)`.

    Returns a dict: ``f`` and ``model`` (values on the grid ``t``), ``x_next`` (the model's
    minimizer, by :func:`~course_utils.objectives.quadratic_model`), ``d`` and ``model_obj``.
    The model's minimum sits at ``t = step``: the gradient step.
    """
    x_k = _checks.as_vector(x_k, "x_k", f.n)
    H = _metric(H, f.n)
    m = quadratic_model(f, x_k, step, H=H)
    d = -f.grad(x_k) if H is None else -Metric(H).solve(f.grad(x_k))
    pts = x_k + np.asarray(t, dtype=float)[:, None] * d
    return {"f": f.value(pts), "model": m.value(pts), "x_next": m.minimizer(), "d": d,
            "model_obj": m}


def h_presets(f):
    """The metrics the scaled explorer offers: I, P = diag(∇²f), and Q = ∇²f (Newton)."""
    return {"I": np.ones(f.n), "P = diag(Q)": np.diag(f.Q).copy(), "Q (Newton)": f.Q.copy()}


class StepModel:
    r"""One gradient step from ``x_k`` for every step size in ``step_range``: the model along the
    ray, its minimum :math:`x_{k+1}`, and the radius :math:`\|x_k - x_{k+1}\|_H` of its level set
    through :math:`x_k`. ``at(step)`` is cached (:class:`BoundedCache`).

    >>> from course_utils.objectives import Quadratic
    >>> m = StepModel(Quadratic([[0.1, -0.1], [-0.1, 1.0]]), [-4.0, 1.5], (0.1, 3.0))
    >>> v = m.at(0.5)                  # model minimum f(x_k) - step/2 |grad f|^2 = 2.525 - 0.978
    >>> bool(v["above"]), round(v["model_min"], 4), m.at.computed
    (True, 1.5469, 1)
    """

    def __init__(self, f, x_k, step_range, H=None, n_grid=300):
        self.f = f
        self.x_k = _checks.as_vector(x_k, "x_k", f.n)
        lo, hi = (float(s) for s in step_range)
        if not 0 < lo < hi:
            raise ValueError(f"step_range must be (lo, hi) with 0 < lo < hi; got {step_range!r}")
        self.step_range = (lo, hi)
        self.H = _metric(H, f.n)
        self.metric = Metric(self.H, f.n)
        self.t = np.linspace(-0.15 * hi, 1.05 * hi, n_grid)
        self.at = BoundedCache(self._at, maxsize=32)

    def _at(self, step):
        v = step_model_view(self.f, self.x_k, step, self.t, self.H)
        v["model_min"] = float(v["model_obj"].value(v["x_next"]))
        v["radius"] = self.metric.norm(self.x_k - v["x_next"])
        v["above"] = bool(np.all(v["model"] >= v["f"] - 1e-12))
        return v

    def value_range(self):
        """``(lo, hi)`` of every value drawn for a step in ``step_range``: the model's minimum
        :math:`f(x_k) - \\tfrac{\\gamma}{2}\\|\\nabla f\\|_{H^{-1}}^2` falls linearly in γ."""
        v0, v_hi = self.at(self.step_range[0]), self.at(self.step_range[1])
        lo = min(float(v0["f"].min()), v_hi["model_min"])
        hi = float(max(self.f.value(self.x_k), np.max(v_hi["f"][self.t <= self.step_range[1]])))
        return lo, hi

    def ray_points(self):
        """:math:`x_k`, and :math:`x_{k+1}` at both ends of ``step_range`` (what a view shows)."""
        d = self.at(self.step_range[1])["d"]
        return self.x_k + np.array([0.0, *self.step_range])[:, None] * d


class DescentModel:
    r"""(Scaled) GD runs on ``f`` with metric ``H`` for ``iterations`` steps: ``runs(step, x0)``
    is a cached :func:`descent_run`; :meth:`frame` gives what iteration k shows.

    >>> from course_utils.objectives import Quadratic
    >>> m = DescentModel(Quadratic([[0.1, -0.1], [-0.1, 1.0]]), iterations=20)
    >>> r = m.runs(1.0, (-4.0, 1.5)); r = m.runs(1.0, (-4.0, 1.5)); m.runs.computed
    1
    """

    def __init__(self, f, iterations, H=None, cache_size=16):
        self.f = f
        self.iterations = _checks.positive_int(iterations, "iterations")
        self.H = _metric(H, f.n)
        self.runs = BoundedCache(lambda step, x0: descent_run(f, step, x0, self.iterations, self.H),
                                 maxsize=cache_size)

    def summary(self):
        """The spectral numbers of the header: eigenvalues, κ, bound, best step and its rate."""
        f, H = self.f, self.H
        return {"eigenvalues": f.scaled_eigenvalues(H), "kappa": f.condition_number(H),
                "bound": f.stable_step_bound(H), "best_step": f.optimal_step(H),
                "best_rate": f.optimal_rate(H)}

    @staticmethod
    def frame(run, k):
        """Iteration k of ``run``: ``path`` (x_0..x_k), ``x`` (x_k), ``ring`` (the model's level
        set through x_k, NaN when there is no step k) and ``gap`` (f(x_k) - f*, NaN if <= 0)."""
        X = run.iterates
        gk = run.gap[k]
        return {"path": X[:k + 1], "x": X[k], "ring": model_level_set(run, k),
                "gap": gk if gk > 0 else np.nan}


class ScaledDescentModel:
    r"""GD with H = I against scaled GD with a chosen H, each at its best constant step
    :math:`2/(\lambda_{\min} + \lambda_{\max})` of :math:`H^{-1/2}QH^{-1/2}`.

    ``presets`` are :func:`h_presets`; ``base`` is the unscaled run; ``runs(H)`` the cached scaled
    run; :meth:`metric` turns a preset name (or ``"custom diag"`` and two diagonal entries) into H.

    >>> from course_utils.objectives import Quadratic
    >>> m = ScaledDescentModel(Quadratic([[0.1, -0.1], [-0.1, 1.0]]), [-4.0, 1.5], 40)
    >>> round(m.base.rate, 3), round(m.runs(m.metric("P = diag(Q)")).rate, 3)
    (0.838, 0.316)
    """

    CUSTOM = "custom diag"

    def __init__(self, f, x0, iterations, cache_size=16):
        self.f = f
        self.x0 = _checks.as_vector(x0, "x0", f.n)
        self.iterations = _checks.positive_int(iterations, "iterations")
        self.presets = h_presets(f)
        self.base = descent_run(f, f.optimal_step(), self.x0, self.iterations)
        self.runs = BoundedCache(
            lambda H: descent_run(f, f.optimal_step(H), self.x0, self.iterations, H),
            maxsize=cache_size)

    def metric(self, choice, h1=None, h2=None):
        """H of a preset name, or ``diag(h1, h2)`` for ``"custom diag"``."""
        if choice in self.presets:
            return self.presets[choice]
        if choice != self.CUSTOM:
            raise ValueError(f"preset must be one of {list(self.presets) + [self.CUSTOM]}; "
                             f"got {choice!r}")
        return Metric([h1, h2], self.f.n, name="h").H

    def opening_diagonal(self, choice, h=None):
        """The diagonal the h sliders open with: ``h`` if given, else the preset's diagonal."""
        self.metric(choice, 1.0, 1.0)                       # validates the name
        if h is not None:
            return Metric(h, self.f.n, name="h").diag
        return Metric(self.presets.get(choice, np.diag(self.f.Q))).diag
