r"""Ready-made finite-sum test problems whose summands can be seen, and noisy gradient streams.

A finite-sum problem :math:`f(x) = \sum_{i=1}^m f_i(x)` is what stochastic gradient methods are
built for: each step uses the gradient of one summand (or of a mini-batch of them). In 2-D each
summand has level sets that can be drawn, which is how the lecture's "levelsets of summands"
figures show *why* single-sample SGD cannot settle: every summand pulls toward its own minimizer.

- :func:`lines_problem` – 2-D least squares, :math:`f_i(x) = \tfrac12(a_i^Tx - b_i)^2`; the level
  sets of a summand are pairs of parallel lines around the line :math:`a_i^Tx = b_i`.
- :class:`QuadraticSum` / :func:`ellipses_problem` – a sum of small quadratics
  :math:`f_i(x) = \tfrac12(x - c_i)^TQ_i(x - c_i)`; the level sets of a summand are ellipses.
- Both are a :class:`~course_utils.objectives.FiniteSum` (value, grad, minimizer, batch_grad,
  sampler), sampled by :func:`~course_utils.objectives.reshuffling_batches` (defined in
  :mod:`course_utils.objectives`, importable from here too).
- :func:`noisy_gradient_stream` – i.i.d. "stochastic gradients" with a known mean and variance per
  coordinate (for watching a variance estimate converge).
- :func:`noisy_oracle` – a seeded noisy gradient ``grad(x) + noise`` usable with
  :func:`course_utils.optimizers.run`.

Everything is seeded through ``np.random.default_rng(seed)`` and batched over points ``(..., n)``.
This module imports neither matplotlib nor ipywidgets.
"""

from __future__ import annotations

import numpy as np

from . import _checks
from .objectives import FiniteSum, LeastSquares, Quadratic, reshuffling_batches

__all__ = ["QuadraticSum", "lines_problem", "ellipses_problem", "noisy_gradient_stream",
           "noisy_oracle", "reshuffling_batches"]


class QuadraticSum(Quadratic, FiniteSum):
    r"""A finite sum of quadratics with elliptic level sets (a :class:`FiniteSum`).

    .. math::
        f(x) = \sum_{i=1}^m f_i(x), \qquad f_i(x) = \tfrac12 (x - c_i)^T Q_i (x - c_i), \qquad
        \nabla f_i(x) = Q_i (x - c_i).

    The total is the :class:`~course_utils.objectives.Quadratic` :math:`\tfrac12 x^TQx - x^T\sum_i
    Q_ic_i + \tfrac12\sum_i c_i^TQ_ic_i` with Hessian :math:`Q = \sum_i Q_i`, so ``value``, ``grad``,
    ``hessian``, ``minimizer``, ``min_value`` and the spectral numbers (``condition_number``, ...)
    are the Quadratic's. The minimizer :math:`x^\star = Q^{-1}\sum_i Q_i c_i` is a weighted average
    of the summands' minimizers.

    Parameters
    ----------
    centers : (m, n) array, the minimizers :math:`c_i` of the summands
    hessians : (m, n, n) array of symmetric positive-semidefinite :math:`Q_i` (their sum must be
        positive definite)

    Example
    -------
    >>> f = QuadraticSum([[1.0, 0.0], [-1.0, 0.0]], [np.eye(2), np.eye(2)])
    >>> f.minimizer()
    array([0., 0.])
    >>> f.summand_values([[1.0, 0.0]])           # f_1 = 0 at its own center, f_2 = 2
    array([[0., 2.]])
    """

    def __init__(self, centers, hessians):
        self.centers = _checks.as_array(centers, "centers", ndim=2)
        self.m, n = self.centers.shape
        Qs = _checks.as_array(hessians, "hessians", ndim=3)
        if Qs.shape != (self.m, n, n):
            raise ValueError(f"hessians must have shape (m, n, n) = {(self.m, n, n)}; "
                             f"got {Qs.shape}")
        if not np.allclose(Qs, np.swapaxes(Qs, 1, 2), atol=1e-12 * max(1.0, np.abs(Qs).max())):
            raise ValueError("every hessians[i] must be symmetric")
        self.Qs = 0.5 * (Qs + np.swapaxes(Qs, 1, 2))
        if np.any(np.linalg.eigvalsh(self.Qs)[:, 0] < -1e-12 * max(1.0, np.abs(Qs).max())):
            raise ValueError("every hessians[i] must be positive semidefinite")
        Q = self.Qs.sum(axis=0)
        _checks.as_metric(Q, "the sum of the hessians")
        # f(x) = 1/2 x^T Q x - x^T sum Q_i c_i + 1/2 sum c_i^T Q_i c_i
        lin = np.einsum("mij,mj->i", self.Qs, self.centers)
        super().__init__(Q, c=-lin,
                         const=0.5 * float(np.einsum("mi,mij,mj->", self.centers, self.Qs, self.centers)))

    def __repr__(self):
        return f"QuadraticSum(m={self.m}, n={self.n})"

    def _diff(self, x):
        x = _checks.as_points(x, "x", self.n)
        return x[..., None, :] - self.centers                       # (..., m, n)

    def summand_values(self, x):
        r""":math:`f_i(x)` for every i: shape ``(..., m)``."""
        d = self._diff(x)
        return 0.5 * np.einsum("...mi,mij,...mj->...m", d, self.Qs, d)

    def summand_grads(self, x):
        r""":math:`\nabla f_i(x) = Q_i(x - c_i)` for every i: shape ``(..., m, n)``."""
        return np.einsum("mij,...mj->...mi", self.Qs, self._diff(x))

    def summand_affine(self):
        r"""``(Q, l)`` with :math:`\nabla f_i(x) = Q_ix - l_i`: the :math:`Q_i` and :math:`l_i = Q_ic_i`."""
        return self.Qs, np.einsum("mij,mj->mi", self.Qs, self.centers)

    def batch_grad(self, x, idx, scale=1.0):
        r"""``scale * sum_{i in idx} Q_i (x - c_i)`` for an index array ``idx``."""
        x = _checks.as_points(x, "x", self.n)
        Qi = self.Qs[idx].sum(axis=0)
        return scale * (x @ Qi - np.einsum("mij,mj->i", self.Qs[idx], self.centers[idx]))


def lines_problem(m=6, seed=0, noise=0.5, scale=(1.0, 1.0)):
    r"""2-D least squares whose summands' level sets are lines: a :class:`LeastSquares` with
    ``A`` of shape ``(m, 2)``.

    The rows :math:`a_i` point in spread-out directions (angles evenly spaced over 180° plus a
    seeded jitter) with lengths in [0.8, 1.2], multiplied column-wise by ``scale``;
    :math:`b = A x_\circ + \text{noise}\cdot z` with :math:`x_\circ = (1, 0.5)` and z standard normal,
    so with ``noise > 0`` the lines :math:`a_i^Tx = b_i` do not meet in one point and single-sample
    SGD keeps bouncing between them.

    Example
    -------
    >>> ls = lines_problem(m=4, seed=0)
    >>> ls.A.shape, ls.b.shape
    ((4, 2), (4,))
    """
    m = _checks.positive_int(m, "m")
    if m < 2:
        raise ValueError(f"m must be at least 2 (two lines meet in a point); got {m}")
    noise = _checks.nonnegative(noise, "noise")
    scale = _checks.as_vector(scale, "scale", 2)
    _checks.check_memory(m * 10 * 8, "m", m, f"{m} lines")
    rng = np.random.default_rng(_checks.seed(seed))
    theta = np.pi * (np.arange(m) + 0.5) / m + rng.uniform(-0.3, 0.3, m) * np.pi / m
    length = rng.uniform(0.8, 1.2, m)
    A = (length[:, None] * np.stack([np.cos(theta), np.sin(theta)], axis=-1)) * scale
    b = A @ np.array([1.0, 0.5]) + noise * rng.standard_normal(m)
    return LeastSquares(A, b)


def ellipses_problem(m=6, seed=0, spread=1.0, condition=4.0):
    r"""A 2-D :class:`QuadraticSum` of ``m`` elliptic summands.

    Centers :math:`c_i` are standard normal times ``spread`` around :math:`(1, 0.5)`; each
    :math:`Q_i = R_i \operatorname{diag}(1, 1/\text{condition}) R_i^T / m` with a seeded random rotation
    :math:`R_i`, so every summand is an elongated bowl (its level sets ellipses with axis ratio
    :math:`\sqrt{\text{condition}}`) and the total Hessian is of order 1.

    Example
    -------
    >>> f = ellipses_problem(m=5, seed=1)
    >>> f.centers.shape, f.Qs.shape
    ((5, 2), (5, 2, 2))
    """
    m = _checks.positive_int(m, "m")
    spread = _checks.nonnegative(spread, "spread")
    condition = _checks.positive(condition, "condition")
    _checks.check_memory(m * 16 * 8, "m", m, f"{m} summands")
    rng = np.random.default_rng(_checks.seed(seed))
    centers = np.array([1.0, 0.5]) + spread * rng.standard_normal((m, 2))
    phi = rng.uniform(0.0, np.pi, m)
    c, s = np.cos(phi), np.sin(phi)
    R = np.stack([np.stack([c, -s], -1), np.stack([s, c], -1)], axis=-2)     # (m, 2, 2)
    D = np.array([1.0, 1.0 / condition])
    Qs = np.einsum("mij,j,mkj->mik", R, D, R) / m
    return QuadraticSum(centers, Qs)


def noisy_gradient_stream(mean, std, steps, seed=0, runs=None):
    r"""I.i.d. samples :math:`g_k = \mu + \sigma \odot z_k`, :math:`z_k \sim N(0, I)`, k = 1..steps.

    Every coordinate has the known mean :math:`\mu_i`, variance :math:`\sigma_i^2` and second
    moment :math:`E[g_i^2] = \mu_i^2 + \sigma_i^2`: the quantity :math:`\hat v_k` estimates.

    Parameters
    ----------
    mean, std : (n,) arrays (std >= 0)
    steps : int >= 1, the length of the stream
    seed : the seed of ``np.random.default_rng``
    runs : int, optional; when given, ``runs`` independent streams are returned at once

    Returns
    -------
    (steps, n) array, or (runs, steps, n) when ``runs`` is given.

    Example
    -------
    >>> g = noisy_gradient_stream([1.0, 0.0], [0.0, 2.0], steps=3, seed=0)
    >>> g.shape, g[:, 0].tolist()
    ((3, 2), [1.0, 1.0, 1.0])
    """
    mean = _checks.as_vector(mean, "mean")
    std = _checks.as_vector(std, "std", mean.shape[0])
    if np.any(std < 0):
        raise ValueError(f"std must be >= 0 in every coordinate; got {std.tolist()}")
    steps = _checks.positive_int(steps, "steps")
    rng = np.random.default_rng(_checks.seed(seed))
    shape = (steps, mean.shape[0]) if runs is None else \
        (_checks.positive_int(runs, "runs"), steps, mean.shape[0])
    _checks.check_memory(2 * 8 * int(np.prod(shape, dtype=float)), "steps", steps,
                         f"a stream of shape {shape}")
    return mean + std * rng.standard_normal(shape)


def noisy_oracle(grad, std, seed=0):
    r"""A seeded noisy gradient :math:`\widehat\nabla f(x) = \nabla f(x) + \sigma \odot z`,
    :math:`z \sim N(0, I)` drawn anew at every call (one draw per point of a batch).

    ``std`` is a number or a per-coordinate vector. Use it as the ``grad`` of
    :func:`course_utils.optimizers.run`.

    Example
    -------
    >>> from course_utils.objectives import Quadratic
    >>> g = noisy_oracle(Quadratic([[1.0, 0.0], [0.0, 1.0]]).grad, std=0.0, seed=0)
    >>> g([1.0, 2.0])
    array([1., 2.])
    """
    if not callable(grad):
        raise ValueError("grad must be a callable grad(x) -> gradient")
    std = np.asarray(std, dtype=float)
    if std.ndim > 1 or not np.all(np.isfinite(std)) or np.any(std < 0):
        raise ValueError(f"std must be a number or a vector of finite numbers >= 0; got {std!r}")
    rng = np.random.default_rng(_checks.seed(seed))

    def g(x):
        base = np.asarray(grad(x), dtype=float)
        return base + std * rng.standard_normal(base.shape)

    return g
