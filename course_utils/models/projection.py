r"""The numbers behind notebook 02's picture: where GD, scaled GD, SGD and Adam land on a line.

The least-squares problem in the plane has two data points that agree, :math:`a_1 = a,
b_1 = \beta` and :math:`a_2 = s\,a, b_2 = s\beta`; its solution set is the line
:math:`\{x : a^Tx = \beta\}`. Scaled GD :math:`x_{k+1} = x_k - \gamma H^{-1}\nabla f(x_k)` (and
single-sample SGD, H = I) keeps :math:`H(x_k - x_0)` in the span of :math:`a`, so it converges to
the :math:`\|\cdot\|_H` projection of :math:`x_0` onto the line
(:func:`course_utils.projection.projection_point`); Adam does not.

:class:`LinePicture` computes the runs and the projections, each through a
:class:`~course_utils.cache.BoundedCache` (a run is computed once per set of its own inputs), and
:meth:`LinePicture.frame` everything :func:`course_utils.widgets.projection.projection_app` draws.

This module imports neither matplotlib nor ipywidgets.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .. import _checks, optimizers
from ..cache import BoundedCache
from ..metric import Metric
from ..objectives import LeastSquares
from ..projection import projection_point

__all__ = ["LinePicture", "LineFrame", "FRACTIONS"]

FRACTIONS = (0.35, 0.7, 1.0)   # level sets drawn: these fractions of the touching radius
ADAM_TOL = 1e-3                # Adam has converged once it stays this close to the line


class LineFrame(NamedTuple):
    """What the picture shows for one setting of the controls."""

    runs: dict            # "gd", "scaled_gd", "sgd", "adam" -> iterates (k + 1, 2)
    projection: np.ndarray     # the 2-norm projection of x0 onto the line
    projection_h: np.ndarray   # the H-norm projection
    circle: np.ndarray    # (n, 2): the 2-norm circle around x0 touching the line
    ellipses: list        # (n, 2) each: H-norm level sets around x0, FRACTIONS of the touching one
    distances: dict       # "GD", "scaled GD", "SGD", "Adam" -> |end point - its projection|
    adam_steps: int = 0   # the steps of Adam's run drawn: until it settled, or its whole budget
    adam_converged: bool = True   # settled within ADAM_TOL of the line inside the budget


def adam_step(step):
    """Adam's initial step from ``step = {"adam": γ0}`` (the form every app with several methods
    uses, like :func:`course_utils.experiments.sweep`); a clear error for any other key."""
    if not isinstance(step, dict) or set(step) != {"adam"}:
        raise ValueError(f"step must be {{'adam': initial step}} (GD, scaled GD and SGD take "
                         f"step_fraction of their stability bound); got {step!r}")
    return _checks.positive(step["adam"], "step['adam']")


class LinePicture:
    r"""Paths of GD, scaled GD, SGD and Adam toward the line :math:`\{x : a^Tx = \beta\}`.

    .. math:: f(x) = \tfrac12 (a^Tx - \beta)^2 + \tfrac12 (s a^Tx - s\beta)^2.

    GD, scaled GD and SGD take a step given as ``step_fraction`` of their stability bound:
    :math:`2/\lambda_{\max}(H^{-1}A^TA)` for (scaled) GD (:meth:`step_bound`) and
    :math:`2/\max_i\|a_i\|^2` for SGD (:meth:`sgd_step_bound`); above 1 they diverge. Adam's
    step decays, :math:`\gamma_k = \gamma_0/(1 + (k-1)/T)` with :math:`\gamma_0` = ``step`` and
    T = ``adam_decay``; Adam is slow to settle from far away with a small :math:`\gamma_0`, so its
    run is as long as it takes (200 steps, doubled until it has stayed within ``ADAM_TOL`` of the
    line for 25 steps), up to the budget ``adam_iterations``: :meth:`adam_settled` finds the step
    from which it stays there (at most 689 from :math:`x_0 \in [-3, 3]^2`,
    :math:`\gamma_0 \ge 0.2` on the notebook's line), or says it has not.
    ``gd_iterations`` (also scaled GD's) and ``sgd_iterations`` are those runs' lengths. Runs and projections are cached (``runs`` and
    ``projections``, :class:`BoundedCache`; ``.computed`` counts); the arrays returned are
    read-only.

    Example
    -------
    >>> pic = LinePicture([1.0, 3.0], 3.0)
    >>> X = pic.gd([-2.0, -1.0], step_fraction=0.3)
    >>> bool(np.allclose(X[-1], pic.projection([-2.0, -1.0]))), pic.runs.computed
    (True, 1)
    """

    def __init__(self, a, beta, second_scale=2.0, gd_iterations=30, sgd_iterations=40,
                 adam_iterations=1000, adam_decay=10.0, seed=0, cache_size=64):
        self.a = _checks.as_vector(a, "a", 2)
        if not np.any(self.a):
            raise ValueError("a must be nonzero (a = 0 gives no line)")
        self.beta = float(beta)
        s = _checks.positive(second_scale, "second_scale")
        self.ls = LeastSquares(np.stack([self.a, s * self.a]), [self.beta, s * self.beta])
        self.iterations = {"gd": _checks.positive_int(gd_iterations, "gd_iterations"),
                           "sgd": _checks.positive_int(sgd_iterations, "sgd_iterations"),
                           "adam": _checks.positive_int(adam_iterations, "adam_iterations")}
        self.adam_decay = _checks.positive(adam_decay, "adam_decay")
        self.seed = seed
        self.runs = BoundedCache(self._run, maxsize=cache_size)
        self.projections = BoundedCache(self._projection, maxsize=cache_size)

    # --- targets -------------------------------------------------------------------------------
    def _projection(self, x0, h):
        p = projection_point(self.a[None, :], [self.beta], x0, h)
        p.flags.writeable = False
        return p

    def projection(self, x0, h=None):
        r"""The :math:`\|\cdot\|_H` projection of ``x0`` onto the line (H = diag(h); the identity
        if None)."""
        return self.projections(np.asarray(x0, dtype=float), h)

    def step_bound(self, h=None):
        r""":math:`2/\lambda_{\max}(H^{-1}A^TA)`, the stable constant step of scaled GD."""
        A = self.ls.A
        return 2.0 / float(np.linalg.eigvalsh(Metric(h, 2, name="h").solve(A) @ A.T)[-1])

    def sgd_step_bound(self):
        r""":math:`2/\max_i\|a_i\|^2`, the stable constant step of single-sample SGD."""
        return 2.0 / float(np.max(np.sum(self.ls.A ** 2, axis=1)))

    # --- the runs ----------------------------------------------------------------------------
    def _run(self, method, x0, h, step):
        if method == "adam":
            return self._adam_run(x0, step)
        if method == "sgd":
            opt = optimizers.make("gd", step * 2.0 / float(np.max(np.sum(self.ls.A ** 2, axis=1))))
        elif h is None:
            opt = optimizers.make("gd", step * self.step_bound())
        else:
            opt = optimizers.make("scaled_gd", step * self.step_bound(h), H=h)
        grad = self.ls.sampler(1, seed=self.seed) if method == "sgd" else self.ls.grad
        X = optimizers.run(opt, grad, np.asarray(x0, dtype=float),
                           self.iterations["gd" if method == "scaled_gd" else method])
        X.flags.writeable = False
        return X

    def _adam_run(self, x0, step, first=200, stay=25):
        """Adam's run, as long as it takes: ``first`` steps, doubled until the run has settled
        within ``ADAM_TOL`` of the line and stayed there for its last ``stay`` steps or more, at most
        ``adam_iterations`` (the budget; then it may not have settled)."""
        opt = optimizers.make("adam", optimizers.inverse_time_decay(step, self.adam_decay))
        budget, n = self.iterations["adam"], first
        while True:
            n = min(n, budget)
            X = optimizers.run(opt, self.ls.grad, np.asarray(x0, dtype=float), n)
            k = self.adam_settled(X)
            if n == budget or (k is not None and k <= n - stay):
                X.flags.writeable = False
                return X
            n *= 2

    def gd(self, x0, step_fraction):
        """GD at ``step_fraction`` x :meth:`step_bound`, ``gd_iterations`` steps."""
        return self.runs("gd", x0, None, step_fraction)

    def scaled_gd(self, x0, h, step_fraction):
        """Scaled GD with H = diag(h) at ``step_fraction`` x :meth:`step_bound` (h)."""
        return self.runs("scaled_gd", x0, Metric(h, 2, name="h").H, step_fraction)

    def sgd(self, x0, step_fraction):
        """Single-sample SGD (seeded reshuffling) at ``step_fraction`` x :meth:`sgd_step_bound`."""
        return self.runs("sgd", x0, None, step_fraction)

    def adam(self, x0, step):
        r"""Adam with the decaying step :math:`\gamma_k = \gamma_0/(1 + (k-1)/T)`, with
        :math:`\gamma_0` = ``step``, run until it settles on the line (:meth:`_adam_run`)."""
        return self.runs("adam", x0, None, _checks.positive(step, "step"))

    def adam_settled(self, X, tol=ADAM_TOL):
        r"""The first step k from which Adam's run ``X`` stays within ``tol`` of the line
        (:math:`|a^Tx_j - \beta|/\|a\| <` ``tol`` for every j >= k), or None if it is still farther
        at the end of its budget (not converged)."""
        far = np.abs(X @ self.a - self.beta) / np.linalg.norm(self.a) >= tol
        if far[-1] or not np.all(np.isfinite(X[-1])):
            return None
        return int(len(far) - np.argmax(far[::-1])) if far.any() else 0

    # --- one frame of the picture --------------------------------------------------------------
    def frame(self, x0, h, step_fraction, step, n=160):
        """Every number the picture shows at these settings (a :class:`LineFrame`): GD, scaled GD
        and SGD at ``step_fraction`` of their stability bounds, Adam at the initial step
        ``step["adam"]``, up to the step where it settled on the line (:meth:`adam_settled`) or
        over its whole budget if it did not (``adam_converged`` False)."""
        x0, M = np.asarray(x0, dtype=float), Metric(h, 2, name="h")
        p, p_h = self.projection(x0), self.projection(x0, M.H)
        runs = {"gd": self.gd(x0, step_fraction), "scaled_gd": self.scaled_gd(x0, M.H, step_fraction),
                "sgd": self.sgd(x0, step_fraction), "adam": self.adam(x0, adam_step(step))}
        k_adam = self.adam_settled(runs["adam"])
        if k_adam is not None:
            runs["adam"] = runs["adam"][:k_adam + 1]
        circle = Metric(None, 2).sphere(x0, float(np.linalg.norm(p - x0)), n)
        ellipses = [M.sphere(x0, r, n) for r in M.norm(p_h - x0) * np.array(FRACTIONS)]
        ends = {"GD": ("gd", p), "scaled GD": ("scaled_gd", p_h), "SGD": ("sgd", p),
                "Adam": ("adam", p)}
        dist = {name: float(np.linalg.norm(runs[key][-1] - target))
                for name, (key, target) in ends.items()}
        return LineFrame(runs, p, p_h, circle, ellipses, dist,
                         len(runs["adam"]) - 1, k_adam is not None)
