r"""A metric :math:`H` (symmetric positive definite), given as a matrix or as its diagonal.

The lessons write scaled steps :math:`H^{-1}\nabla f`, norms :math:`\|v\|_H = \sqrt{v^T H v}` and
changes of variables :math:`y = H^{1/2}x`. A diagonal :math:`H` (a vector, as Adam's metrics are)
is applied element-wise; a full one with a matrix product, a linear solve or its Cholesky factor.
:class:`Metric` hides that branch, so every caller writes the formula once.

Every method works on one vector ``(n,)`` or on a batch of rows ``(R, n)``.

This module imports neither matplotlib nor ipywidgets.
"""

from __future__ import annotations

import numpy as np

from . import _checks

__all__ = ["Metric"]


class Metric:
    r"""The metric :math:`H`: a symmetric positive-definite ``(n, n)`` matrix, or a positive
    ``(n,)`` vector meaning ``diag(H)``; ``None`` is the identity (``n`` needed then).

    Attributes
    ----------
    H : the validated array (1-D when diagonal), ``diagonal`` : bool, ``n`` : dimension

    Example
    -------
    >>> M = Metric([1.0, 4.0])
    >>> M.apply([1.0, 1.0]), M.solve([1.0, 1.0]), M.norm([0.0, 1.0])
    (array([1., 4.]), array([1.  , 0.25]), 2.0)
    >>> F = Metric([[2.0, 1.0], [1.0, 2.0]])
    >>> np.allclose(F.apply(F.solve([1.0, -3.0])), [1.0, -3.0])
    True
    """

    def __init__(self, H=None, n=None, name="H"):
        if H is None:
            if n is None:
                raise ValueError(f"Metric: give {name} or the dimension n for the identity")
            H = np.ones(int(n))
        self.H, self.diagonal = _checks.as_metric(H, name, n)
        self.n = self.H.shape[0]
        self._chol = None

    @property
    def matrix(self):
        """:math:`H` as an ``(n, n)`` matrix."""
        return np.diag(self.H) if self.diagonal else self.H

    @property
    def diag(self):
        """The diagonal of :math:`H` (the whole metric when it is diagonal)."""
        return self.H if self.diagonal else np.diag(self.H).copy()

    def apply(self, v):
        r""":math:`Hv` (rows of a batch: :math:`v_r H`, the same since :math:`H = H^T`)."""
        v = np.asarray(v, dtype=float)
        return v * self.H if self.diagonal else v @ self.H

    def solve(self, v):
        r""":math:`H^{-1}v`, by a linear solve (never an explicit inverse)."""
        v = np.asarray(v, dtype=float)
        if self.diagonal:
            return v / self.H
        return np.linalg.solve(self.H, v.T).T

    def norm(self, v):
        r""":math:`\|v\|_H = \sqrt{v^T H v}` (one number per row of a batch)."""
        v = np.asarray(v, dtype=float)
        out = np.sqrt(np.sum(v * self.apply(v), axis=-1))
        return float(out) if out.ndim == 0 else out

    def cholesky(self):
        r"""The lower factor :math:`L` with :math:`H = LL^T` (``sqrt(diag)`` as a matrix when
        diagonal)."""
        if self._chol is None:
            self._chol = np.diag(np.sqrt(self.H)) if self.diagonal else np.linalg.cholesky(self.H)
        return self._chol

    def sphere(self, center, radius=1.0, n=200):
        r"""``n`` points of the 2-D H-sphere :math:`\{x : \|x - c\|_H = r\}`, shape ``(n, 2)``
        (an ellipse; a circle for :math:`H = I`).

        With :math:`H = LL^T` (:meth:`cholesky`), :math:`x = c + rL^{-T}u` for :math:`u` on the
        unit circle, since :math:`\|L^{-T}u\|_H = \|u\|_2`.

        >>> M = Metric([1.0, 4.0])
        >>> np.round(M.norm(M.sphere([0.0, 0.0], 2.0, n=5)), 12).tolist()
        [2.0, 2.0, 2.0, 2.0, 2.0]
        """
        if self.n != 2:
            raise ValueError(f"sphere: only for a 2-D metric; this one is {self.n}-D")
        n = _checks.size(n, "n", minimum=2)
        _checks.check_memory(n * 6 * 8, "n", n, f"{n} points of the sphere")
        t = np.linspace(0.0, 2.0 * np.pi, n)
        circle = np.stack([np.cos(t), np.sin(t)], axis=-1)
        pts = np.linalg.solve(self.cholesky().T, circle.T).T
        return np.asarray(center, dtype=float) + radius * pts

    def sqrt(self):
        r"""The symmetric square root :math:`H^{1/2}` (a vector when :math:`H` is diagonal)."""
        if self.diagonal:
            return np.sqrt(self.H)
        lam, U = np.linalg.eigh(self.H)
        return (U * np.sqrt(lam)) @ U.T

    def __repr__(self):
        kind = "diag" if self.diagonal else "matrix"
        return f"Metric({kind}, n={self.n})"
