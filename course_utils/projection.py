r"""The projection point of an underdetermined linear system, and the optimality conditions.

For :math:`A \in \mathbb{R}^{m\times n}` with :math:`m < n` and full row rank, the solution set
:math:`X = \{x : Ax = b\}` is an affine set of dimension :math:`n - m`. The :math:`\|\cdot\|_H`
projection of :math:`x_0` onto it,

.. math::
    \hat x = \operatorname*{argmin}_{x}\ \|x - x_0\|_H^2 \quad\text{subject to}\quad Ax = b,

is characterized by two conditions (the lecture's "characterizing projection point"):

.. math::
    H\hat x - Hx_0 \in \mathcal{R}(A^T) \qquad\text{and}\qquad A\hat x = b.

Scaled gradient descent :math:`x_{k+1} = x_k - \gamma_k H^{-1}A^T(Ax_k - b)` and single-sample SGD
keep :math:`H x_k - H x_0` in :math:`\mathcal{R}(A^T)` at every step, so if they converge, they
converge to :math:`\hat x`. Adaptive methods change H every step and do not.

This module imports neither matplotlib nor ipywidgets.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import _checks
from .metric import Metric
from .objectives import LeastSquares

__all__ = ["projection_point", "optimality_residuals", "outside_range", "invariant",
           "OptimalityResiduals"]


def _check_system(A, b):
    A = _checks.as_array(A, "A", ndim=2)
    m, n = A.shape
    if m == 0 or n == 0:
        raise ValueError(f"A must have at least one row and one column; got shape {A.shape}")
    if m >= n:
        raise ValueError(
            f"A has shape {A.shape}: m = {m} equations for n = {n} unknowns. The projection lesson "
            f"needs an overparameterized problem, m < n, so that Ax = b has a whole affine set of "
            f"solutions to project onto")
    b = _checks.as_vector(b, "b")
    if b.shape[0] != m:
        raise ValueError(f"b must have length m = {m} (one entry per row of A); got length {b.shape[0]}")
    return A, b


def _full_row_rank(A, b):
    """Raise a ValueError naming the rank unless A has full row rank (and say if Ax = b is inconsistent)."""
    m = A.shape[0]
    rank = int(np.linalg.matrix_rank(A))
    if rank < m:
        x, *_ = np.linalg.lstsq(A, b, rcond=None)
        scale = max(1.0, float(np.linalg.norm(b)))
        if np.linalg.norm(A @ x - b) > 1e-9 * scale:
            raise ValueError(
                f"Ax = b has no solution: A has rank {rank} < m = {m} and b is not in the range of "
                f"A (the least-squares residual is {np.linalg.norm(A @ x - b):.3g})")
        raise ValueError(
            f"A must have full row rank m = {m}; its rank is {rank}. Some equations repeat others: "
            f"remove the redundant rows")


def projection_point(A, b, x0, H=None):
    r"""The unique minimizer of :math:`\|x - x_0\|_H^2` subject to :math:`Ax = b`.

    Parameters
    ----------
    A : (m, n) array with m < n and full row rank
    b : (m,) array
    x0 : (n,) array, or (R, n) for R starting points at once
    H : None (the identity), an (n, n) symmetric positive-definite matrix, or an (n,) positive
        vector meaning diag(H)

    Returns
    -------
    (n,) or (R, n) array
        :math:`\hat x`. With ``x0 = 0`` and ``H = None`` this is the minimum-norm solution
        :math:`A^+ b`.

    Notes
    -----
    :math:`\hat x` is the minimizer of least squares :math:`\tfrac12\|Ax - b\|^2` nearest to
    :math:`x_0`, computed by :meth:`course_utils.objectives.LeastSquares.minimizer` (no inverse of
    :math:`AH^{-1}A^T` is formed) after checking that m < n and A has full row rank.

    Example
    -------
    >>> projection_point([[1.0, 1.0]], [2.0], [0.0, 0.0])            # the closest point of x1 + x2 = 2
    array([1., 1.])
    >>> projection_point([[1.0, 1.0]], [2.0], [0.0, 0.0], H=[1.0, 4.0])   # x2 costs 4x as much
    array([1.6, 0.4])
    """
    A, b = _check_system(A, b)
    problem = LeastSquares(A, b)
    problem._check_x0(x0)                 # say what is wrong in the order x0, H, then A's rank
    Metric(H, problem.n)
    _full_row_rank(A, b)
    return problem.minimizer(x0, H)


def _row_space_basis(A):
    r"""An orthonormal basis of :math:`\mathcal{R}(A^T)`, shape ``(n, r)`` with r = rank A.

    From the SVD :math:`A = U\Sigma V^T`: the right singular vectors of the r singular values above
    ``max(m, n) * eps * sigma_max`` (numpy's ``matrix_rank`` rule). A QR of :math:`A^T` would give
    m columns even when rows repeat, and a wrong basis then."""
    if A.size == 0:
        return np.zeros((A.shape[1], 0))
    _, s, Vt = np.linalg.svd(A, full_matrices=False)
    r = int(np.sum(s > max(A.shape) * np.finfo(float).eps * s[0])) if s[0] > 0 else 0
    return Vt[:r].T


def outside_range(A, v):
    r"""The component of ``v`` outside :math:`\mathcal{R}(A^T)` (orthogonal to every row of A).

    :math:`v - QQ^Tv` with Q an orthonormal basis of :math:`\mathcal{R}(A^T)` (from an SVD of A, so
    A may have repeated or dependent rows). ``v`` may be one vector ``(n,)`` or a batch ``(..., n)``
    (e.g. every iterate).

    Example
    -------
    >>> outside_range([[1.0, 1.0]], [3.0, 1.0])          # (3, 1) = 2 (1, 1) + (1, -1)
    array([ 1., -1.])
    >>> outside_range([[1.0, 1.0, 0.0], [2.0, 2.0, 0.0]], [1.0, -1.0, 0.0])   # rank 1: rows agree
    array([ 1., -1.,  0.])
    """
    A = _checks.as_array(A, "A", ndim=2)
    v = _checks.as_points(v, "v", A.shape[1])
    Q = _row_space_basis(A)
    return v - (v @ Q) @ Q.T


def invariant(A, x0, X, H=None):
    r""":math:`\|\text{component of } H(x_k - x_0) \text{ outside } \mathcal{R}(A^T)\|` for every row
    :math:`x_k` of ``X`` (shape ``(..., n)``); returns an array of shape ``X.shape[:-1]``.

    Zero (to round-off) along scaled GD and SGD with the same H; growing along adaptive methods.
    NaN rows (diverged runs) give NaN.
    """
    A = _checks.as_array(A, "A", ndim=2)
    n = A.shape[1]
    x0 = _checks.as_vector(x0, "x0", n)
    X = _checks.as_array(X, "X", min_ndim=1, allow_nan=True)
    if X.shape[-1] != n:
        raise ValueError(f"X must have shape (..., {n}); got shape {X.shape}")
    D = Metric(H, n).apply(X - x0)
    Q = _row_space_basis(A)
    return np.linalg.norm(D - (D @ Q) @ Q.T, axis=-1)


class OptimalityResiduals(NamedTuple):
    """How far a point is from satisfying the two conditions of the projection point."""

    stationarity: float   # ||component of H(x - x0) outside R(A^T)|| / ||H(x - x0)||
    feasibility: float    # ||A x - b||


def optimality_residuals(A, b, x0, x, H=None):
    r"""The residual of each optimality condition of the projection point at ``x``.

    Returns
    -------
    OptimalityResiduals(stationarity, feasibility)
        ``stationarity`` is the *relative* size of the part of :math:`H(x - x_0)` outside
        :math:`\mathcal{R}(A^T)`, i.e. :math:`\|P_\perp H(x-x_0)\| / \|H(x-x_0)\|` (0 when
        :math:`x = x_0`); ``feasibility`` is :math:`\|Ax - b\|_2`. Both vanish exactly at
        :func:`projection_point`.

    Example
    -------
    >>> r = optimality_residuals([[1.0, 1.0]], [2.0], [0.0, 0.0], [1.0, 1.0])
    >>> bool(r.stationarity < 1e-15), r.feasibility
    (True, 0.0)
    >>> round(optimality_residuals([[1.0, 1.0]], [2.0], [0.0, 0.0], [2.0, 0.0]).stationarity, 6)
    0.707107
    """
    A, b = _check_system(A, b)
    n = A.shape[1]
    x0 = _checks.as_vector(x0, "x0", n)
    x = _checks.as_vector(x, "x", n)
    D = Metric(H, n).apply(x - x0)
    size = float(np.linalg.norm(D))
    off = float(np.linalg.norm(outside_range(A, D)))
    stationarity = off / size if size > 0 else 0.0
    return OptimalityResiduals(stationarity, float(np.linalg.norm(A @ x - b)))


# ---------------------------------------------------------------------------------------------
# The numeric model of the 2-D picture (n = 2): used by the widget and by its tests
# ---------------------------------------------------------------------------------------------
class LinePicture:
    r"""Paths of GD, scaled GD, SGD and Adam toward the line :math:`\{x : a^Tx = \beta\}` in the plane.

    The least-squares problem has two data points that agree, :math:`a_1 = a, b_1 = \beta` and
    :math:`a_2 = s\,a, b_2 = s\beta` (so there is something for SGD to sample, yet the solution set
    is still the line :math:`a^Tx = \beta`):

    .. math:: f(x) = \tfrac12 (a^Tx - \beta)^2 + \tfrac12 (s a^Tx - s\beta)^2.

    Step sizes are given as a fraction ``frac`` in (0, 1) of the stability bound of each method:
    :math:`2/\lambda_{\max}(H^{-1}A^TA)` for (scaled) GD and :math:`2/\max_i\|a_i\|^2` for SGD.
    Adam uses :math:`\gamma_k = \gamma_0/(1 + (k-1)/T)` (so it converges). No widgets here.

    Example
    -------
    >>> pic = LinePicture([1.0, 3.0], 3.0)
    >>> X = pic.gd([-2.0, -1.0], frac=0.3)
    >>> bool(np.allclose(X[-1], pic.projection([-2.0, -1.0])))
    True
    """

    def __init__(self, a, beta, second_scale=2.0, gd_steps=30, sgd_steps=40, adam_steps=150,
                 adam_decay=10.0, seed=0):
        from .objectives import LeastSquares

        self.a = _checks.as_vector(a, "a", 2)
        if not np.any(self.a):
            raise ValueError("a must be nonzero (a = 0 gives no line)")
        self.beta = float(beta)
        s = _checks.positive(second_scale, "second_scale")
        self.ls = LeastSquares(np.stack([self.a, s * self.a]), [self.beta, s * self.beta])
        self.gd_steps, self.sgd_steps, self.adam_steps = gd_steps, sgd_steps, adam_steps
        self.adam_decay = float(adam_decay)
        self.seed = seed

    # --- targets -------------------------------------------------------------------------------
    def projection(self, x0, h=None):
        r"""The :math:`\|\cdot\|_H` projection of ``x0`` onto the line (H = diag(h), identity if None)."""
        return projection_point(self.a[None, :], [self.beta], x0, h)

    def step_bound(self, h=None):
        r""":math:`2/\lambda_{\max}(H^{-1}A^TA)`, the stable constant step of scaled GD."""
        hh = np.ones(2) if h is None else _checks.as_metric(h, "h", 2)[0]
        A = self.ls.A
        return 2.0 / float(np.linalg.eigvalsh((A / hh) @ A.T)[-1])

    # --- the runs ----------------------------------------------------------------------------
    def gd(self, x0, frac):
        from . import optimizers as opt
        return opt.run(opt.gd(frac * self.step_bound()), self.ls.grad, x0, self.gd_steps)

    def scaled_gd(self, x0, h, frac):
        from . import optimizers as opt
        return opt.run(opt.scaled_gd(frac * self.step_bound(h), h), self.ls.grad, x0, self.gd_steps)

    def sgd(self, x0, frac):
        from . import optimizers as opt
        step = frac * 2.0 / float(np.max(np.sum(self.ls.A ** 2, axis=1)))
        return opt.run(opt.gd(step), self.ls.sampler(1, seed=self.seed), x0, self.sgd_steps)

    def adam(self, x0, step0):
        from . import optimizers as opt
        sched = opt.inverse_time_decay(step0, self.adam_decay)
        return opt.run(opt.adam(sched), self.ls.grad, x0, self.adam_steps)
