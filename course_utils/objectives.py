r"""Objective functions with their gradients, written for batches of points.

Every ``value``/``grad`` accepts one point of shape ``(n,)`` or a batch of shape ``(..., n)``, so a
contour grid of shape ``(ny, nx, 2)`` is evaluated in one call, without a Python loop.

This module imports neither matplotlib nor ipywidgets: it is the numeric model the notebooks
plot and the tests check.
"""

from __future__ import annotations

import numpy as np

from . import _checks

__all__ = ["Quadratic", "quadratic_model", "LeastSquares"]


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
        _checks.as_metric(self.Q, "Q")
        return np.linalg.solve(self.Q, -self.c)

    def min_value(self):
        """f at the minimizer."""
        return self.value(self.minimizer())

    # --- the spectral numbers the lessons quote -------------------------------------------
    def scaled_eigenvalues(self, H=None):
        r"""Eigenvalues of :math:`H^{-1/2} Q H^{-1/2}` (ascending): the curvatures that scaled
        gradient descent with metric H sees. ``H=None`` means the identity."""
        if H is None:
            return np.linalg.eigvalsh(self.Q)
        H, diag = _checks.as_metric(H, "H", self.n)
        if diag:
            s = 1.0 / np.sqrt(H)
            return np.linalg.eigvalsh(self.Q * np.outer(s, s))
        L = np.linalg.cholesky(H)  # H = L L^T; L^{-1} Q L^{-T} has the same eigenvalues
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
    n = x_k.shape[0]
    if H is None:
        Hm = np.eye(n)
    else:
        H, diag = _checks.as_metric(H, "H", n)
        Hm = np.diag(H) if diag else H
    g = np.asarray(f.grad(x_k), dtype=float)
    A = Hm / step
    return Quadratic(A, c=g - A @ x_k, const=float(f.value(x_k)) - g @ x_k + 0.5 * x_k @ A @ x_k)


class LeastSquares:
    r"""Least squares on finite-sum form.

    .. math::
        f(x) = \tfrac12\|Ax - b\|_2^2 = \sum_{i=1}^m f_i(x), \qquad
        f_i(x) = \tfrac12 (a_i^T x - b_i)^2, \qquad \nabla f_i(x) = a_i (a_i^T x - b_i),

    where :math:`a_i^T` is row i of A. :math:`\nabla f(x) = A^T(Ax - b)`, :math:`\nabla^2 f = A^TA`.

    Example
    -------
    >>> ls = LeastSquares([[1.0, 1.0]], [2.0])        # m = 1 < n = 2: a line of solutions
    >>> ls.grad([0.0, 0.0])
    array([-2., -2.])
    >>> g = ls.sampler(batch_size=1, seed=0)           # a seeded stochastic gradient
    >>> g([0.0, 0.0])
    array([-2., -2.])
    """

    def __init__(self, A, b):
        self.A = _checks.as_array(A, "A", ndim=2)
        self.m, self.n = self.A.shape
        self.b = _checks.as_vector(b, "b", self.m)

    def __repr__(self):
        return f"LeastSquares(m={self.m}, n={self.n})"

    def residual(self, x):
        """``A x - b`` for one point ``(n,)`` or a batch ``(..., n)``: shape ``(..., m)``."""
        x = _checks.as_points(x, "x", self.n)
        return x @ self.A.T - self.b

    def value(self, x):
        r = self.residual(x)
        out = 0.5 * np.sum(r * r, axis=-1)
        return float(out) if out.ndim == 0 else out

    __call__ = value

    def grad(self, x):
        r""":math:`A^T(Ax - b)`, same shape as ``x``."""
        return self.residual(x) @ self.A

    def hessian(self, x=None):
        return self.A.T @ self.A

    def summand_values(self, x):
        r""":math:`f_i(x)` for every i: shape ``(..., m)``."""
        r = self.residual(x)
        return 0.5 * r * r

    def summand_grads(self, x):
        r""":math:`\nabla f_i(x) = a_i(a_i^T x - b_i)` for every i: shape ``(..., m, n)``."""
        return self.residual(x)[..., :, None] * self.A

    def batch_grad(self, x, idx, scale=1.0):
        r"""``scale * sum_{i in idx} a_i (a_i^T x - b_i)`` for an index array ``idx``."""
        x = _checks.as_points(x, "x", self.n)
        Ai = self.A[idx]
        return scale * ((x @ Ai.T - self.b[idx]) @ Ai)

    def sampler(self, batch_size=1, seed=0, unbiased=False):
        r"""A seeded stochastic gradient ``g(x)``, usable as the ``grad`` of :func:`optimizers.run`.

        Each call takes the next mini-batch :math:`B_k` of a random reshuffling (a new
        permutation of the m rows every epoch) and returns

        .. math:: \widehat\nabla f(x) = s \sum_{i \in B_k} a_i (a_i^T x - b_i),

        with :math:`s = 1` (the slides' single-sample SGD :math:`x_{k+1} = x_k - \gamma_k
        a_{i_k}(a_{i_k}^T x_k - b_{i_k})`) or, with ``unbiased=True``, :math:`s = m/|B_k|` so that
        the expectation is the full gradient. ``g.indices`` lists the batches drawn so far.
        """
        batch_size = _checks.positive_int(batch_size, "batch_size")
        if batch_size > self.m:
            raise ValueError(f"batch_size must be at most m = {self.m}; got {batch_size}")
        rng = np.random.default_rng(seed)
        scale = self.m / batch_size if unbiased else 1.0
        queue: list[np.ndarray] = []

        def g(x):
            if not queue:
                perm = rng.permutation(self.m)
                queue.extend(perm[i:i + batch_size]
                             for i in range(0, self.m - batch_size + 1, batch_size))
            idx = queue.pop(0)
            g.indices.append(idx)
            return self.batch_grad(x, idx, scale)

        g.indices = []
        return g
