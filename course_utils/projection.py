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

