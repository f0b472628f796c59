r"""Objective functions with their gradients, written for batches of points.

Every ``value``/``grad`` accepts one point of shape ``(n,)`` or a batch of shape ``(..., n)``, so a
contour grid of shape ``(ny, nx, 2)`` is evaluated in one call, without a Python loop.

- :class:`Quadratic` – :math:`\tfrac12 x^TQx + c^Tx + d` and the spectral numbers of lesson 01.
- :class:`FiniteSum` – the interface of a finite sum :math:`\sum_i f_i` (value, grad, minimizer,
  batch_grad, sampler), implemented by :class:`LeastSquares` and
  :class:`course_utils.problems.QuadraticSum`.
- :func:`reshuffling_batches` – the one random-reshuffling scheme every sampler draws from.

This module imports neither matplotlib nor ipywidgets: it is the numeric model the notebooks
plot and the tests check.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from . import _checks
from .metric import Metric

__all__ = ["Quadratic", "quadratic_model", "FiniteSum", "LeastSquares", "reshuffling_batches",
           "reshuffled_batch_indices"]


class Quadratic:
    r"""The quadratic :math:`f(x) = \tfrac12 x^T Q x + c^T x + d`.

    Parameters
    ----------
    Q : (n, n) symmetric array
        The Hessian :math:`\nabla^2 f = Q` (constant).
    c : (n,) array, optional
        The linear term; zero when omitted.
    const : float, optional
        The constant :math:`d` (lets :func:`quadratic_model` return a ``Quadratic``).

    Notes
    -----
    :math:`\nabla f(x) = Qx + c`. When Q is positive definite the minimizer is
    :math:`x^\star = -Q^{-1}c`.

    Example
    -------
    >>> f = Quadratic([[0.1, -0.1], [-0.1, 1.0]])
    >>> f.grad([1.0, 0.0])
    array([ 0.1, -0.1])
    >>> f.value([[1.0, 0.0], [0.0, 1.0]])           # a batch of two points
    array([0.05, 0.5 ])
    """

    def __init__(self, Q, c=None, const=0.0):
        self.Q = _checks.as_symmetric(Q, "Q")
        self.n = self.Q.shape[0]
        self.c = np.zeros(self.n) if c is None else _checks.as_vector(c, "c", self.n)
        if not np.isfinite(const):
            raise ValueError(f"const must be finite; got {const!r}")
        self.const = float(const)

    def __repr__(self):
        return f"Quadratic(Q={self.Q.tolist()}, c={self.c.tolist()})"

    def value(self, x):
        """f at one point ``(n,)`` or a batch ``(..., n)``; returns a float or an array ``(...)``."""
        x = _checks.as_points(x, "x", self.n)
        out = 0.5 * np.einsum("...i,ij,...j->...", x, self.Q, x) + x @ self.c + self.const
        return float(out) if out.ndim == 0 else out

    __call__ = value

    def grad(self, x):
        r""":math:`\nabla f(x) = Qx + c` for one point or a batch (same shape as ``x``)."""
        x = _checks.as_points(x, "x", self.n)
        return x @ self.Q + self.c  # Q is symmetric, so x Q = (Q x^T)^T

    def hessian(self, x=None):
        r""":math:`\nabla^2 f = Q`, the same at every point (``x`` is accepted and ignored)."""
        return self.Q.copy()

    def minimizer(self):
        """The unique minimizer ``-Q^{-1} c``; a ValueError unless Q is positive definite."""
        return Metric(self.Q, name="Q").solve(-self.c)

    def min_value(self):
        """f at the minimizer."""
        return self.value(self.minimizer())

    # --- the spectral numbers the lessons quote -------------------------------------------
    def scaled_eigenvalues(self, H=None):
        r"""Eigenvalues of :math:`H^{-1/2} Q H^{-1/2}` (ascending): the curvatures that scaled
        gradient descent with metric H sees. ``H=None`` means the identity."""
        if H is None:
            return np.linalg.eigvalsh(self.Q)
        L = Metric(H, self.n).cholesky()  # H = L L^T; L^{-1} Q L^{-T} has the same eigenvalues
        M = np.linalg.solve(L, np.linalg.solve(L, self.Q).T)
        return np.linalg.eigvalsh(0.5 * (M + M.T))

    def _curvatures(self, H, what, allow_singular=False):
        """The scaled eigenvalues, after checking that ``what`` is defined for this Q: Q positive
        definite (or, with ``allow_singular``, positive semidefinite and nonzero)."""
        lam = self.scaled_eigenvalues(H)
        tol = 1e-12 * max(float(np.max(np.abs(lam))), np.finfo(float).tiny)
        if lam[-1] <= tol or lam[0] < -tol or (lam[0] <= tol and not allow_singular):
            kind = ("zero" if np.all(np.abs(lam) <= tol) else "negative definite" if lam[-1] < -tol
                    else "indefinite" if lam[0] < -tol else "singular (positive semidefinite)")
            need = "positive semidefinite and nonzero" if allow_singular else "positive definite"
            raise ValueError(
                f"{what} needs Q {need} (a convex bowl); this Q is {kind}, the eigenvalues of "
                f"H^(-1/2) Q H^(-1/2) are {np.array2string(lam, precision=4)}. "
                + ("With a zero curvature the condition number is infinite and no step contracts "
                   "every direction" if kind.startswith("singular") else
                   "Along a direction of negative or zero curvature gradient descent does not "
                   "converge, whatever the step"))
        return lam

    def condition_number(self, H=None):
        r""":math:`\kappa = \lambda_{\max}/\lambda_{\min}` of :math:`H^{-1/2} Q H^{-1/2}` (Q positive definite)."""
        lam = self._curvatures(H, "the condition number")
        return float(lam[-1] / lam[0])

    def stable_step_bound(self, H=None):
        r"""Scaled GD :math:`x_{k+1} = x_k - \gamma H^{-1}\nabla f(x_k)` converges iff
        :math:`0 < \gamma < 2/\lambda_{\max}(H^{-1}Q)`; returns that bound.

        Needs Q positive semidefinite and nonzero; a negative-definite, indefinite or zero Q is a
        ValueError (no step converges there)."""
        return float(2.0 / self._curvatures(H, "stable_step_bound", allow_singular=True)[-1])

    def optimal_step(self, H=None):
        r"""The best constant step :math:`2/(\lambda_{\min} + \lambda_{\max})` (Q positive definite)."""
        lam = self._curvatures(H, "optimal_step")
        return float(2.0 / (lam[0] + lam[-1]))

    def optimal_rate(self, H=None):
        r"""The contraction factor :math:`(\kappa - 1)/(\kappa + 1)` per step at the best step
        (Q positive definite)."""
        lam = self._curvatures(H, "optimal_rate")
        kappa = float(lam[-1] / lam[0])
        return (kappa - 1.0) / (kappa + 1.0)


def quadratic_model(f, x_k, step, H=None):
    r"""The model that one (scaled) gradient step minimizes.

    .. math::
        m_k(x) = f(x_k) + \nabla f(x_k)^T (x - x_k) + \frac{1}{2\gamma}\|x - x_k\|_H^2,
        \qquad \operatorname{argmin}_x m_k(x) = x_k - \gamma H^{-1}\nabla f(x_k).

    Parameters
    ----------
    f : object with ``value`` and ``grad`` (e.g. :class:`Quadratic`)
    x_k : (n,) array, the current point
    step : float > 0, the step size :math:`\gamma`
    H : (n, n) positive-definite matrix, or (n,) positive vector meaning diag(H); identity if None

    Returns
    -------
    Quadratic
        ``m`` with ``m.value``, ``m.grad`` and ``m.minimizer()`` (the next iterate).

    Example
    -------
    >>> f = Quadratic([[0.1, -0.1], [-0.1, 1.0]])
    >>> m = quadratic_model(f, [1.0, 1.0], step=0.5)
    >>> m.minimizer()          # = x_k - 0.5 * grad f(x_k)
    array([1.  , 0.55])
    """
    x_k = _checks.as_vector(x_k, "x_k")
    step = _checks.positive(step, "step")
    Hm = Metric(H, x_k.shape[0]).matrix
    g = np.asarray(f.grad(x_k), dtype=float)
    A = Hm / step
    return Quadratic(A, c=g - A @ x_k, const=float(f.value(x_k)) - g @ x_k + 0.5 * x_k @ A @ x_k)


# ---------------------------------------------------------------------------------------------
# Finite sums: one interface, one sampling scheme
# ---------------------------------------------------------------------------------------------
def reshuffling_batches(m, batch_size, seed):
    """A seeded endless stream of mini-batch index arrays by random reshuffling.

    Every epoch draws a new permutation of ``range(m)`` from ``np.random.default_rng(seed)`` and
    yields ``m // batch_size`` disjoint batches of ``batch_size`` indices (the rows left over wait
    for the next permutation). Every :meth:`FiniteSum.sampler` draws its batches from here.
    Bad arguments raise at once, not at the first ``next``.

    Example
    -------
    >>> batches = reshuffling_batches(5, 2, seed=0)
    >>> first_epoch = [next(batches) for _ in range(2)]      # 2 batches of 2; one row waits
    >>> [b.shape for b in first_epoch], len(set(np.concatenate(first_epoch)))
    ([(2,), (2,)], 4)
    """
    m = _checks.positive_int(m, "m")
    batch_size = _checks.positive_int(batch_size, "batch_size")
    if batch_size > m:
        raise ValueError(f"batch_size must be at most m = {m}; got {batch_size}")
    return _reshuffled(np.random.default_rng(_checks.seed(seed)), m, batch_size)


def reshuffled_batch_indices(m, batch_size, seed, count):
    """The first ``count`` batches of :func:`reshuffling_batches` ``(m, batch_size, seed)`` as one
    ``(count, batch_size)`` integer array, drawn at once (one permutation per epoch, all epochs in
    one call; the same numbers as the stream), after checking that it fits in memory.

    >>> batches = reshuffling_batches(5, 2, seed=0)
    >>> stream = np.array([next(batches) for _ in range(7)])
    >>> bool(np.array_equal(reshuffled_batch_indices(5, 2, 0, 7), stream))
    True
    """
    m = _checks.positive_int(m, "m")
    batch_size = _checks.positive_int(batch_size, "batch_size")
    count = _checks.positive_int(count, "count")
    if batch_size > m:
        raise ValueError(f"batch_size must be at most m = {m}; got {batch_size}")
    per_epoch = m // batch_size
    epochs = -(-count // per_epoch)
    _checks.check_memory(2 * epochs * m * 8, "count", count, f"{epochs} permutations of {m} indices")
    perms = np.random.default_rng(_checks.seed(seed)).permuted(
        np.broadcast_to(np.arange(m), (epochs, m)), axis=1)       # row k: epoch k's permutation
    return perms[:, :per_epoch * batch_size].reshape(epochs * per_epoch, batch_size)[:count]


def _reshuffled(rng, m, batch_size):
    while True:
        perm = rng.permutation(m)
        for i in range(0, m - batch_size + 1, batch_size):
            yield perm[i:i + batch_size]


@runtime_checkable
class FiniteSum(Protocol):
    r"""The interface of a finite-sum problem, what stochastic gradient methods are built for.

    .. math::
        f(x) = \sum_{i=1}^m f_i(x), \qquad
        \widehat\nabla f(x) = s \sum_{i \in B_k} \nabla f_i(x) \ \text{(one mini-batch } B_k),

    with :math:`s = 1`, or :math:`s = m/|B_k|` so that :math:`E[\widehat\nabla f] = \nabla f`.
    :math:`f` is the plain sum, not the mean: least squares is the slides' :math:`\tfrac12\|Ax - b\|^2`.

    Implemented by :class:`LeastSquares` (:math:`f_i(x) = \tfrac12(a_i^Tx - b_i)^2`) and
    :class:`course_utils.problems.QuadraticSum` (:math:`f_i(x) = \tfrac12(x - c_i)^TQ_i(x - c_i)`).
    Both subclass this class and inherit :meth:`sampler`; any object with these members is a
    ``FiniteSum`` (also for ``isinstance``), so code that takes a problem (plots, app models) calls
    these members and never needs to branch on the problem's class.

    Members
    -------
    m, n : the number of summands and the dimension.
    value(x), grad(x) : :math:`f` and :math:`\nabla f` at one point ``(n,)`` or a batch ``(..., n)``.
    summand_values(x), summand_grads(x) : every :math:`f_i(x)`, shape ``(..., m)``, and every
        :math:`\nabla f_i(x)`, shape ``(..., m, n)``.
    summand_affine() : ``(Q, l)`` of shapes ``(m, n, n)``, ``(m, n)`` with
        :math:`\nabla f_i(x) = Q_ix - l_i` (both problems are sums of quadratics).
    batch_grad(x, idx, scale=1.0) : :math:`s\sum_{i \in idx}\nabla f_i(x)` for an index array.
    minimizer() : a minimizer :math:`x^\star` of :math:`f`. The call without arguments always
        works; when the minimizers form a set (under-determined least squares)
        :meth:`LeastSquares.minimizer` says which one and takes ``x0`` and ``H`` to choose another.
    sampler(batch_size=1, seed=0, unbiased=False) : the stochastic gradient ``g(x)`` above, usable
        as the ``grad`` of :func:`course_utils.optimizers.run`; batches from
        :func:`reshuffling_batches`, listed in ``g.indices``.

    Example
    -------
    >>> ls = LeastSquares([[1.0, 0.0], [0.0, 2.0]], [1.0, 2.0])
    >>> isinstance(ls, FiniteSum), ls.minimizer()
    (True, array([1., 1.]))
    >>> g = ls.sampler(batch_size=1, seed=0, unbiased=True)
    >>> np.allclose(g([0.0, 0.0]) + g([0.0, 0.0]), 2 * ls.grad([0.0, 0.0]))   # one epoch
    True
    """

    m: int
    n: int

    def value(self, x): ...

    def grad(self, x): ...

    def summand_values(self, x): ...

    def summand_grads(self, x): ...

    def summand_affine(self): ...

    def batch_grad(self, x, idx, scale=1.0): ...

    def minimizer(self): ...

    def sampler(self, batch_size=1, seed=0, unbiased=False):
        r"""A seeded stochastic gradient ``g(x)`` for :func:`course_utils.optimizers.run`.

        Each call takes the next mini-batch :math:`B_k` of :func:`reshuffling_batches` (a new
        permutation of the m summands every epoch) and returns
        :math:`s\sum_{i \in B_k}\nabla f_i(x)` with :math:`s = 1` (the slides' single-sample SGD
        :math:`x_{k+1} = x_k - \gamma_k \nabla f_{i_k}(x_k)`) or, with ``unbiased=True``,
        :math:`s = m/|B_k|`, so that the expectation is the full gradient. ``g.indices`` lists the
        batches drawn so far.
        """
        batches = reshuffling_batches(self.m, batch_size, seed)
        scale = self.m / batch_size if unbiased else 1.0

        def g(x):
            idx = next(batches)
            g.indices.append(idx)
            return self.batch_grad(x, idx, scale)

        g.indices = []
        return g


class LeastSquares(FiniteSum):
    r"""Least squares on finite-sum form (a :class:`FiniteSum`).

    .. math::
        f(x) = \tfrac12\|Ax - b\|_2^2 = \sum_{i=1}^m f_i(x), \qquad
        f_i(x) = \tfrac12 (a_i^T x - b_i)^2, \qquad \nabla f_i(x) = a_i (a_i^T x - b_i),

    where :math:`a_i^T` is row i of A. :math:`\nabla f(x) = A^T(Ax - b)`, :math:`\nabla^2 f = A^TA`.

    Example
    -------
    >>> ls = LeastSquares([[1.0, 1.0]], [2.0])        # m = 1 < n = 2: a line of solutions
    >>> ls.grad([0.0, 0.0])
    array([-2., -2.])
    >>> ls.minimizer()                                  # the one of minimum norm
    array([1., 1.])
    >>> g = ls.sampler(batch_size=1, seed=0)           # a seeded stochastic gradient
    >>> g([0.0, 0.0])
    array([-2., -2.])
    """

    def __init__(self, A, b):
        self.A = _checks.as_array(A, "A", ndim=2)
        self.m, self.n = self.A.shape
        if self.m == 0 or self.n == 0:
            raise ValueError(f"A must have at least one row and one column; got shape {self.A.shape}")
        self.b = _checks.as_vector(b, "b", self.m)

    def __repr__(self):
        return f"LeastSquares(m={self.m}, n={self.n})"

    def residual(self, x):
        """``A x - b`` for one point ``(n,)`` or a batch ``(..., n)``: shape ``(..., m)``."""
        x = _checks.as_points(x, "x", self.n)
        return x @ self.A.T - self.b

    def value(self, x):
        r""":math:`\tfrac12\|Ax - b\|^2` at one point or a batch (a float or an array ``(...)``)."""
        r = self.residual(x)
        out = 0.5 * np.sum(r * r, axis=-1)
        return float(out) if out.ndim == 0 else out

    __call__ = value

    def grad(self, x):
        r""":math:`A^T(Ax - b)`, same shape as ``x``."""
        return self.residual(x) @ self.A

    def hessian(self, x=None):
        return self.A.T @ self.A

    def minimizer(self, x0=None, H=None):
        r"""The minimizer of f nearest to ``x0`` in the norm :math:`\|\cdot\|_H`.

        .. math:: \hat x = \operatorname*{argmin}_x \|x - x_0\|_H \ \text{ over all minimizers
                  } x \text{ of } \tfrac12\|Ax - b\|^2.

        When A has full column rank (m >= n) the minimizer is unique and ``x0``, ``H`` change
        nothing. Otherwise (under-determined, m < n, or dependent columns) the minimizers form an
        affine set and this is the :math:`\|\cdot\|_H` projection of :math:`x_0` onto it, the
        point GD and SGD with metric H started at :math:`x_0` converge to. The defaults
        ``x0 = 0``, ``H = I`` give the minimum-norm solution :math:`A^+b`.

        Parameters
        ----------
        x0 : (n,) or (R, n) array (R starting points at once), default 0
        H : None (identity), an (n, n) SPD matrix or an (n,) positive vector meaning diag(H)

        Notes
        -----
        No inverse of :math:`AH^{-1}A^T` is formed. With :math:`H = LL^T` (Cholesky) substitute
        :math:`u = L^T(x - x_0)`: among the least-squares solutions of :math:`(AL^{-T})u = b - Ax_0`
        take the one of minimum norm (``np.linalg.lstsq``, from an SVD); then
        :math:`\hat x = x_0 + L^{-T}u`.

        Example
        -------
        >>> ls = LeastSquares([[1.0, 1.0]], [2.0])
        >>> ls.minimizer(), ls.minimizer(x0=[2.0, 0.0]), ls.minimizer(H=[1.0, 4.0])
        (array([1., 1.]), array([2., 0.]), array([1.6, 0.4]))
        """
        x0 = self._check_x0(x0)
        L = Metric(H, self.n).cholesky()
        B = np.linalg.solve(L, self.A.T).T                              # B = A L^{-T}
        r = self.b[:, None] - self.A @ np.atleast_2d(x0).T              # (m, R)
        u, *_ = np.linalg.lstsq(B, r, rcond=None)                       # minimum-norm u, (n, R)
        x_hat = np.atleast_2d(x0) + np.linalg.solve(L.T, u).T
        return x_hat[0] if x0.ndim == 1 else x_hat

    def _check_x0(self, x0):
        """``x0`` as a float array of shape ``(n,)`` or ``(R, n)`` (``None``: zeros), else a ValueError."""
        x0 = np.zeros(self.n) if x0 is None else _checks.as_array(x0, "x0", min_ndim=1)
        if x0.ndim > 2 or x0.shape[-1] != self.n:
            raise ValueError(f"x0 must have shape ({self.n},) or (R, {self.n}) to match A's "
                             f"{self.n} columns; got shape {x0.shape}")
        return x0

    def min_value(self):
        """f at the minimizer (the same at every minimizer)."""
        return self.value(self.minimizer())

    def summand_values(self, x):
        r""":math:`f_i(x)` for every i: shape ``(..., m)``."""
        r = self.residual(x)
        return 0.5 * r * r

    def summand_grads(self, x):
        r""":math:`\nabla f_i(x) = a_i(a_i^T x - b_i)` for every i: shape ``(..., m, n)``."""
        return self.residual(x)[..., :, None] * self.A

    def summand_affine(self):
        r"""``(Q, l)`` with :math:`\nabla f_i(x) = Q_ix - l_i`: :math:`Q_i = a_ia_i^T`, :math:`l_i = b_ia_i`."""
        return self.A[:, :, None] * self.A[:, None, :], self.A * self.b[:, None]

    def batch_grad(self, x, idx, scale=1.0):
        r"""``scale * sum_{i in idx} a_i (a_i^T x - b_i)`` for an index array ``idx``."""
        x = _checks.as_points(x, "x", self.n)
        Ai = self.A[idx]
        return scale * ((x @ Ai.T - self.b[idx]) @ Ai)
