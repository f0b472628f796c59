r"""Optimizers as small ``(init, update)`` pairs with explicit state, in the style of optax.

Every optimizer here is an :class:`Optimizer` with two pure functions::

    state = opt.init(x0)
    step, state = opt.update(g, state, x)     # then x <- x + step

``state`` is a NamedTuple, so a run can be replayed, inspected or stored. Updates work
coordinate-wise on arrays of any shape ``(..., n)``, so many independent runs (one per row) advance
in one batched call. :func:`run` is the driver loop the notebooks use.

The step size ``step`` (:math:`\gamma_k`) may be a number, an array broadcasting against ``x``
(one step per run), or a callable ``k -> gamma_k`` for a schedule (k = 1, 2, ...).

Conventions follow PyTorch's ``torch.optim`` (defaults included); each docstring says where other
libraries differ. Every adaptive state stores the metric it just used, ``state.h``, the diagonal of
:math:`H_k`, so plots can read it with :func:`metric_diagonal`.

This module imports neither matplotlib nor ipywidgets.
"""

from __future__ import annotations

import inspect
import os
from typing import Any, Callable, NamedTuple

import numpy as np

from . import _checks

__all__ = [
    "Optimizer", "gd", "scaled_gd", "newton", "sgd_momentum", "filtered_sgd", "adagrad",
    "rmsprop", "adam", "adamax", "adadelta", "run", "diverged", "divergence_step",
    "metric_diagonal", "filtered_gradient", "inverse_time_decay", "make", "NAMES",
]


class Optimizer(NamedTuple):
    """An optimizer: ``init(x0) -> state`` and ``update(g, state, x, hessian=None) -> (step, state)``.

    ``needs_hessian`` tells :func:`run` to pass ``hessian=`` (the matrix at the current point).
    """

    init: Callable[..., Any]
    update: Callable[..., Any]
    name: str = "optimizer"
    needs_hessian: bool = False


def _step_schedule(step, name="step"):
    """Turn a number / array / callable into ``k -> gamma_k`` (validated when not callable)."""
    if callable(step):
        def gamma(k):
            return _checks.positive(step(k), f"{name}({k})")
        return gamma
    value = _checks.positive(step, name)
    return lambda k: value


def _eps(eps, who):
    """eps > 0 for the adaptive methods: with eps = 0 a coordinate whose gradients were all 0 so far
    gives 0/0 (NaN) in the step."""
    eps = _checks.nonnegative(eps, "eps")
    if eps == 0:
        raise ValueError(f"{who} needs eps > 0 (with eps = 0 a coordinate whose gradient is 0 gives "
                         f"0/0 in its step); got eps=0. Use a tiny positive value, e.g. 1e-8")
    return eps


def inverse_time_decay(step0, decay_steps=1.0):
    r"""The schedule :math:`\gamma_k = \gamma_0 / (1 + (k-1)/T)`: non-summable steps that go to 0.

    >>> sched = inverse_time_decay(0.1, decay_steps=10)
    >>> sched(1), sched(11)
    (0.1, 0.05)
    """
    step0 = _checks.positive(step0, "step0")
    decay_steps = _checks.positive(decay_steps, "decay_steps")
    return lambda k: step0 / (1.0 + (k - 1) / decay_steps)


# ---------------------------------------------------------------------------------------------
# Fixed metrics
# ---------------------------------------------------------------------------------------------
class GDState(NamedTuple):
    count: int      # k, the number of updates taken
    h: Any          # the diagonal of the metric used (ones for plain GD)


def gd(step):
    r"""Gradient descent, :math:`x_{k+1} = x_k - \gamma_k \nabla f(x_k)`.

    It minimizes the model :math:`f(x_k) + \nabla f(x_k)^T(x-x_k) + \frac{1}{2\gamma_k}\|x-x_k\|_2^2`.

    Parameters
    ----------
    step : float, array or callable k -> float
        :math:`\gamma_k > 0`. On :math:`\frac12 x^TQx` it converges iff
        :math:`0 < \gamma < 2/\lambda_{\max}(Q)`.

    Example
    -------
    >>> from course_utils.objectives import Quadratic
    >>> f = Quadratic([[0.1, -0.1], [-0.1, 1.0]])
    >>> run(gd(1.0), f.grad, [1.0, 1.0], steps=2)[-1]
    array([0.91, 0.1 ])
    """
    gamma = _step_schedule(step)

    def init(x0):
        return GDState(0, np.ones(np.shape(x0)[-1]))

    def update(g, state, x=None):
        k = state.count + 1
        return -gamma(k) * g, GDState(k, state.h)

    return Optimizer(init, update, "GD")


def scaled_gd(step, H):
    r"""Scaled gradient descent, :math:`x_{k+1} = x_k - \gamma_k H^{-1}\nabla f(x_k)`.

    It minimizes the scaled model :math:`f(x_k) + \nabla f(x_k)^T(x-x_k) +
    \frac{1}{2\gamma_k}\|x-x_k\|_H^2` with :math:`\|v\|_H^2 = v^T H v`.

    Parameters
    ----------
    step : float, array or callable k -> float
    H : (n, n) symmetric positive-definite matrix, or (n,) positive vector meaning diag(H).
        ``H = I`` gives :func:`gd`; ``H = Q`` with ``step = 1`` is Newton's method on a quadratic.

    Example
    -------
    >>> from course_utils.objectives import Quadratic
    >>> f = Quadratic([[0.1, -0.1], [-0.1, 1.0]])
    >>> run(scaled_gd(1.0, H=f.hessian()), f.grad, [1.0, 1.0], steps=1)[-1]   # one Newton step
    array([0., 0.])
    """
    gamma = _step_schedule(step)
    H, diag = _checks.as_metric(H, "H")
    h = H if diag else np.diag(H).copy()

    def init(x0):
        if np.shape(x0)[-1] != H.shape[0]:
            raise ValueError(f"H is for n = {H.shape[0]} variables but x0 has shape {np.shape(x0)}")
        return GDState(0, h)

    def update(g, state, x=None):
        k = state.count + 1
        d = g / H if diag else np.linalg.solve(H, np.asarray(g)[..., None])[..., 0]
        return -gamma(k) * d, GDState(k, state.h)

    return Optimizer(init, update, "scaled GD")


def _hessian_matrix(H, n=None, where=""):
    """A finite, square, invertible Hessian ``(n, n)`` (or a batch ``(..., n, n)``), else a ValueError
    naming ``hessian``."""
    H = _checks.as_array(H, "hessian" + where, min_ndim=2)
    if H.shape[-1] != H.shape[-2]:
        raise ValueError(f"hessian{where} must be a square (n, n) matrix; got shape {H.shape}")
    if n is not None and H.shape[-1] != n:
        raise ValueError(f"hessian{where} must be {n}x{n} to match x of length {n}; got shape {H.shape}")
    s = np.linalg.svd(H, compute_uv=False)                  # singular values, descending
    if np.any(s[..., -1] <= H.shape[-1] * np.finfo(float).eps * s[..., 0]):
        raise ValueError(f"hessian{where} is singular (smallest singular value "
                         f"{float(np.min(s[..., -1])):.3g}): the Newton step H^-1 g is not defined. "
                         f"Newton's method needs an invertible Hessian, e.g. a strongly convex f")
    return H


def newton(step=1.0, hessian=None):
    r"""Newton's method, :math:`x_{k+1} = x_k - \gamma_k [\nabla^2 f(x_k)]^{-1}\nabla f(x_k)`.

    Scaled GD with the metric :math:`H_k = \nabla^2 f(x_k)` chosen anew at every point. On a
    strongly convex quadratic one step with ``step=1`` lands on the minimizer.

    Parameters
    ----------
    step : float or callable, :math:`\gamma_k` (1 is the pure Newton step; < 1 is damped Newton)
    hessian : (n, n) invertible matrix, or callable x -> (n, n) array, optional
        Used as given, also when ``grad`` is a bound method of an objective. When omitted,
        :func:`run` uses ``run(..., hessian=...)`` or, if ``grad`` is a bound method of an
        objective (e.g. ``f.grad``), that objective's ``hessian``. A Hessian that is not a finite
        square matrix of the right size, or is singular, is a ValueError.

    Example
    -------
    >>> from course_utils.objectives import Quadratic
    >>> f = Quadratic([[0.1, -0.1], [-0.1, 1.0]], c=[1.0, 0.0])
    >>> bool(np.allclose(run(newton(), f.grad, [3.0, -2.0], steps=1)[-1], f.minimizer()))
    True
    >>> run(newton(hessian=2 * f.hessian()), f.grad, [3.0, -2.0], steps=1)[-1]   # half of the way
    array([-4.05555556, -1.55555556])
    """
    gamma = _step_schedule(step)
    own = hessian
    if own is not None and not callable(own):
        own = _hessian_matrix(own)

    def init(x0):
        n = np.shape(x0)[-1]
        if own is not None and not callable(own):
            _hessian_matrix(own, n)
        return GDState(0, np.ones(n))

    def update(g, state, x=None, hessian=None):
        H = own if own is not None else hessian     # newton(hessian=H) wins over run's fallback
        if H is None:
            raise ValueError("newton needs the Hessian: pass newton(hessian=f.hessian) or "
                             "run(..., hessian=f.hessian)")
        g = np.asarray(g, dtype=float)
        Hk = _hessian_matrix(H(x) if callable(H) else H, g.shape[-1], " (at the current x)" if callable(H) else "")
        k = state.count + 1
        d = np.linalg.solve(Hk, g[..., None])[..., 0]
        return -gamma(k) * d, GDState(k, np.diagonal(Hk, axis1=-2, axis2=-1).copy())

    return Optimizer(init, update, "Newton", needs_hessian=True)


# ---------------------------------------------------------------------------------------------
# Filtered gradients (no metric)
# ---------------------------------------------------------------------------------------------
class MomentumState(NamedTuple):
    count: int
    m: Any          # the filtered gradient (momentum buffer)
    h: Any


def sgd_momentum(step=1e-3, momentum=0.9, dampening=0.0):
    r"""SGD with heavy-ball momentum, PyTorch's ``torch.optim.SGD(momentum=...)``.

    .. math::
        b_1 = g_1, \qquad b_k = \mu\, b_{k-1} + (1 - \tau) g_k \ (k \ge 2), \qquad
        x_{k+1} = x_k - \gamma_k b_k

    with momentum :math:`\mu` and dampening :math:`\tau`. Differs from the slides' filtered
    gradient (:func:`filtered_sgd`) in the first step (PyTorch starts the buffer at :math:`g_1`,
    not at 0) and in the weight :math:`(1-\tau)` (the slides use :math:`1 - b_m`, i.e.
    :math:`\tau = \mu`). Keras and optax (``optax.sgd(momentum=...)``) use the same
    un-dampened recursion :math:`b_k = \mu b_{k-1} + g_k` with :math:`b_0 = 0`.

    Example
    -------
    >>> opt = sgd_momentum(0.1, momentum=0.5)
    >>> s = opt.init(np.zeros(1))
    >>> step, s = opt.update(np.array([1.0]), s); step
    array([-0.1])
    >>> step, s = opt.update(np.array([1.0]), s); step        # b_2 = 0.5 * 1 + 1
    array([-0.15])
    """
    gamma = _step_schedule(step)
    momentum = _checks.decay(momentum, "momentum")
    dampening = _checks.decay(dampening, "dampening")

    def init(x0):
        return MomentumState(0, np.zeros(np.shape(x0)), np.ones(np.shape(x0)[-1]))

    def update(g, state, x=None):
        k = state.count + 1
        m = g.copy() if k == 1 else momentum * state.m + (1.0 - dampening) * g
        return -gamma(k) * m, MomentumState(k, m, state.h)

    return Optimizer(init, update, "SGD + momentum")


def filtered_sgd(step=1e-3, b_m=0.9, bias_correction=False):
    r"""SGD on the filtered (exponentially averaged) stochastic gradient, as on the slides.

    .. math::
        \hat m_0 = 0, \qquad \hat m_k = b_m \hat m_{k-1} + (1 - b_m) g_k, \qquad
        x_{k+1} = x_k - \gamma_k \hat m_k \quad (\text{or } \gamma_k \hat m_k/(1-b_m^k)
        \text{ with bias correction}).

    This is Adam with the metric removed (:math:`H_k = I`).

    Example
    -------
    >>> opt = filtered_sgd(0.1, b_m=0.9)
    >>> step, s = opt.update(np.array([2.0]), opt.init(np.zeros(1))); step    # -0.1 * 0.1 * 2
    array([-0.02])
    """
    gamma = _step_schedule(step)
    b_m = _checks.decay(b_m, "b_m")

    def init(x0):
        return MomentumState(0, np.zeros(np.shape(x0)), np.ones(np.shape(x0)[-1]))

    def update(g, state, x=None):
        k = state.count + 1
        m = b_m * state.m + (1.0 - b_m) * g
        direction = m / (1.0 - b_m ** k) if bias_correction else m
        return -gamma(k) * direction, MomentumState(k, m, state.h)

    return Optimizer(init, update, "filtered SGD")


# ---------------------------------------------------------------------------------------------
# Adaptive diagonal metrics
# ---------------------------------------------------------------------------------------------
class AdaptiveState(NamedTuple):
    count: int      # k
    m: Any          # filtered gradient m_hat_k (zeros where the method has none)
    v: Any          # the second-moment accumulator (v_hat_k, the sum of g^2, or u_k for Adamax)
    h: Any          # diag(H_k), the metric used in the last update
    extra: Any = None   # Adadelta's accumulated squared updates


def adagrad(step=1e-2, eps=1e-10, initial_accumulator_value=0.0):
    r"""Adagrad, PyTorch's ``torch.optim.Adagrad`` (no learning-rate decay).

    .. math::
        s_k = s_{k-1} + g_k^2, \qquad H_k = \operatorname{diag}(\sqrt{s_k} + \epsilon), \qquad
        x_{k+1} = x_k - \gamma_k H_k^{-1} g_k.

    The metric only grows, so the effective steps :math:`\gamma/h_{i,k}` shrink forever.
    ε is added after the square root as in PyTorch (and the legacy ``tf.keras`` optimizers); Keras 3
    and optax put it *inside*, :math:`\sqrt{s_k + \epsilon}`, and both start the accumulator at 0.1
    (``initial_accumulator_value``).

    Example
    -------
    >>> opt = adagrad(0.1)
    >>> step, s = opt.update(np.array([3.0, -0.5]), opt.init(np.zeros(2))); step   # ≈ -0.1 sign(g)
    array([-0.1,  0.1])
    """
    gamma = _step_schedule(step)
    eps = _eps(eps, "adagrad")
    s0 = _checks.nonnegative(initial_accumulator_value, "initial_accumulator_value")

    def init(x0):
        z = np.zeros(np.shape(x0))
        return AdaptiveState(0, z, z + s0, np.sqrt(z + s0) + eps)

    def update(g, state, x=None):
        k = state.count + 1
        s = state.v + g * g
        h = np.sqrt(s) + eps
        return -gamma(k) * g / h, AdaptiveState(k, state.m, s, h)

    return Optimizer(init, update, "Adagrad")


def rmsprop(step=1e-2, b_v=0.99, eps=1e-8):
    r"""RMSprop, PyTorch's ``torch.optim.RMSprop`` (``alpha`` = :math:`b_v`, no momentum, not centered).

    .. math::
        \hat v_k = b_v \hat v_{k-1} + (1 - b_v) g_k^2,\ \hat v_0 = 0, \qquad
        H_k = \operatorname{diag}(\sqrt{\hat v_k} + \epsilon), \qquad
        x_{k+1} = x_k - \gamma_k H_k^{-1} g_k.

    No bias correction: :math:`\hat v_k` underestimates the second moment in early steps by the
    factor :math:`1 - b_v^k`, so the first steps are *long* (:math:`\gamma/\sqrt{1-b_v}` ≈ 10γ for
    :math:`b_v = 0.99`). Where ε sits differs between libraries: PyTorch adds it after the root
    (as here); TensorFlow/Keras and optax's ``rmsprop`` put it *inside*, :math:`\sqrt{\hat v_k + \epsilon}`.

    Example
    -------
    >>> opt = rmsprop(0.01, b_v=0.99)
    >>> step, s = opt.update(np.array([2.0]), opt.init(np.zeros(1))); step.round(6)   # -0.01/sqrt(0.01)
    array([-0.1])
    """
    gamma = _step_schedule(step)
    b_v = _checks.decay(b_v, "b_v")
    eps = _eps(eps, "rmsprop")

    def init(x0):
        z = np.zeros(np.shape(x0))
        return AdaptiveState(0, z, z, z + eps)

    def update(g, state, x=None):
        k = state.count + 1
        v = b_v * state.v + (1.0 - b_v) * g * g
        h = np.sqrt(v) + eps
        return -gamma(k) * g / h, AdaptiveState(k, state.m, v, h)

    return Optimizer(init, update, "RMSprop")


def adam(step=1e-3, b_m=0.9, b_v=0.999, eps=1e-8):
    r"""Adam, PyTorch's ``torch.optim.Adam`` (the slides' six lines).

    .. math::
        \hat m_k &= b_m \hat m_{k-1} + (1-b_m) g_k, \qquad \hat v_k = b_v \hat v_{k-1} + (1-b_v) g_k^2,
        \qquad \hat m_0 = \hat v_0 = 0,\\
        m_k &= \hat m_k/(1-b_m^k), \qquad v_k = \hat v_k/(1-b_v^k),\\
        x_{k+1} &= x_k - \gamma_k\, m_k ./ (\sqrt{v_k} + \epsilon) = x_k - \gamma_k H_k^{-1} m_k,
        \qquad H_k = \operatorname{diag}(\sqrt{v_k} + \epsilon).

    Defaults :math:`\gamma = 10^{-3}, b_m = 0.9, b_v = 0.999, \epsilon = 10^{-8}` (PyTorch's
    ``betas=(b_m, b_v)``). The first step is :math:`-\gamma\, g_1/(|g_1| + \epsilon) \approx
    -\gamma\,\mathrm{sign}(g_1)`.

    Where ε sits differs: PyTorch and optax (``eps``) add it to the bias-corrected root, as here.
    TensorFlow/Keras and the original paper's "efficient" form fold the bias correction into the
    step, :math:`\gamma\sqrt{1-b_v^k}/(1-b_m^k)\cdot\hat m_k/(\sqrt{\hat v_k}+\hat\epsilon)`,
    which is the same except that ε is effectively scaled by :math:`\sqrt{1-b_v^k}`. optax's
    ``eps_root`` puts a second ε inside the root.

    Example
    -------
    >>> opt = adam(0.001)
    >>> step, s = opt.update(np.array([3.0, -1e-4]), opt.init(np.zeros(2)))
    >>> step.round(9)                                     # ≈ -gamma * sign(g)
    array([-0.001    ,  0.0009999])
    """
    gamma = _step_schedule(step)
    b_m = _checks.decay(b_m, "b_m")
    b_v = _checks.decay(b_v, "b_v")
    eps = _eps(eps, "adam")

    def init(x0):
        z = np.zeros(np.shape(x0))
        return AdaptiveState(0, z, z, z + eps)

    def update(g, state, x=None):
        k = state.count + 1
        m_hat = b_m * state.m + (1.0 - b_m) * g
        v_hat = b_v * state.v + (1.0 - b_v) * g * g
        m_k = m_hat / (1.0 - b_m ** k)
        v_k = v_hat / (1.0 - b_v ** k)
        h = np.sqrt(v_k) + eps
        return -gamma(k) * m_k / h, AdaptiveState(k, m_hat, v_hat, h)

    return Optimizer(init, update, "Adam")


def adamax(step=2e-3, b_m=0.9, b_v=0.999, eps=1e-8):
    r"""Adamax, PyTorch's ``torch.optim.Adamax``: Adam with the infinity norm in the metric.

    .. math::
        \hat m_k = b_m \hat m_{k-1} + (1-b_m) g_k, \qquad
        u_k = \max(b_v u_{k-1},\ |g_k| + \epsilon),\ u_0 = 0, \qquad
        x_{k+1} = x_k - \frac{\gamma_k}{1 - b_m^k} \hat m_k ./ u_k.

    :math:`H_k = \operatorname{diag}(u_k)` needs no bias correction (a max is not biased toward
    0). PyTorch adds ε to :math:`|g_k|` inside the max (as here); Keras adds ε to :math:`u_k` in
    the denominator instead; the paper's Adamax has no ε at all.

    Example
    -------
    >>> opt = adamax(0.002)
    >>> step, s = opt.update(np.array([4.0]), opt.init(np.zeros(1))); step.round(9)
    array([-0.002])
    """
    gamma = _step_schedule(step)
    b_m = _checks.decay(b_m, "b_m")
    b_v = _checks.decay(b_v, "b_v")
    eps = _eps(eps, "adamax")

    def init(x0):
        z = np.zeros(np.shape(x0))
        return AdaptiveState(0, z, z, z + eps)

    def update(g, state, x=None):
        k = state.count + 1
        m_hat = b_m * state.m + (1.0 - b_m) * g
        u = np.maximum(b_v * state.v, np.abs(g) + eps)
        return -gamma(k) / (1.0 - b_m ** k) * m_hat / u, AdaptiveState(k, m_hat, u, u)

    return Optimizer(init, update, "Adamax")


def adadelta(step=1.0, rho=0.9, eps=1e-6):
    r"""Adadelta, PyTorch's ``torch.optim.Adadelta``.

    .. math::
        \hat v_k &= \rho \hat v_{k-1} + (1-\rho) g_k^2, \qquad
        \Delta_k = \frac{\sqrt{\hat u_{k-1} + \epsilon}}{\sqrt{\hat v_k + \epsilon}}\, g_k, \qquad
        \hat u_k = \rho \hat u_{k-1} + (1-\rho)\Delta_k^2,\\
        x_{k+1} &= x_k - \gamma_k \Delta_k, \qquad
        H_k = \operatorname{diag}\Big(\sqrt{\hat v_k + \epsilon}\,/\sqrt{\hat u_{k-1} + \epsilon}\Big).

    The numerator (an RMS of past updates) is Zeiler's "unit correction": the step has the units of
    x, so :math:`\gamma = 1` needs no tuning. ε sits *inside* both roots, as in the paper, PyTorch,
    Keras and optax.

    Example
    -------
    >>> opt = adadelta()
    >>> step, s = opt.update(np.array([1.0]), opt.init(np.zeros(1)))
    >>> bool(np.isclose(step[0], -np.sqrt(1e-6) / np.sqrt(0.1 + 1e-6), rtol=1e-12))
    True
    """
    gamma = _step_schedule(step)
    rho = _checks.decay(rho, "rho")
    eps = _checks.nonnegative(eps, "eps")
    if eps == 0:
        raise ValueError("adadelta needs eps > 0 (with eps = 0 its first step is exactly 0)")

    def init(x0):
        z = np.zeros(np.shape(x0))
        return AdaptiveState(0, z, z, z + 1.0, z)

    def update(g, state, x=None):
        k = state.count + 1
        v = rho * state.v + (1.0 - rho) * g * g
        h = np.sqrt(v + eps) / np.sqrt(state.extra + eps)
        delta = g / h
        u = rho * state.extra + (1.0 - rho) * delta * delta
        return -gamma(k) * delta, AdaptiveState(k, state.m, v, h, u)

    return Optimizer(init, update, "Adadelta")


# ---------------------------------------------------------------------------------------------
# Quasi-Newton: a full metric built from differences of gradients
# ---------------------------------------------------------------------------------------------
class BFGSState(NamedTuple):
    count: int
    x: Any          # the point of the last gradient (None before the first update)
    g: Any          # the last gradient
    H: Any          # the full metric H_k used by the last step, shape (..., n, n)
    h: Any          # its diagonal


def bfgs(step=1.0, H0=None, curvature_tol=1e-12):
    r"""BFGS, the quasi-Newton method: :math:`x_{k+1} = x_k - \gamma_k H_k^{-1}\nabla f(x_k)`
    with a full metric :math:`H_k` built from differences of gradients, no Hessian needed.

    With :math:`s_k = x_k - x_{k-1}` and :math:`y_k = \nabla f(x_k) - \nabla f(x_{k-1})`,

    .. math::
        H_k = H_{k-1} - \frac{H_{k-1}s_k s_k^T H_{k-1}}{s_k^T H_{k-1} s_k}
              + \frac{y_k y_k^T}{y_k^T s_k}, \qquad H_1 = H_0 .

    :math:`H_k` is a rank-two change of :math:`H_{k-1}` that satisfies the **secant condition**
    :math:`H_k s_k = y_k`: along the last step it has the curvature :math:`f` showed. Many
    symmetric matrices satisfy it; BFGS picks the one whose *inverse* :math:`H_k^{-1}` is closest to
    :math:`H_{k-1}^{-1}` in a weighted Frobenius norm (Nocedal & Wright, eq. 6.16-6.17). Asking
    instead for :math:`H_k` closest to :math:`H_{k-1}` (same kind of norm) gives the other classic
    update, DFP. On a quadratic :math:`y_k = Qs_k`, so :math:`H_k` learns Q one
    direction at a time; :math:`H_k` stays positive definite while :math:`y_k^Ts_k > 0` (the
    update is skipped otherwise, here when :math:`y_k^Ts_k \le` ``curvature_tol``
    :math:`\|s_k\|\|y_k\|`).

    Parameters
    ----------
    step : float or callable, :math:`\gamma_k` (1: the full quasi-Newton step)
    H0 : (n, n) SPD matrix, a (n,) diagonal, or None for the identity (the first step is GD)

    Conventions. This is the *direct* update of :math:`H_k \approx \nabla^2 f`, the slides' metric,
    and the step solves :math:`H_k d = \nabla f`. Libraries (SciPy's ``minimize(method="BFGS")``,
    Nocedal & Wright's Alg. 6.1) update the *inverse* :math:`B_k = H_k^{-1}` with the equivalent
    formula (Sherman-Morrison-Woodbury) and choose :math:`\gamma_k` by a line search; here
    :math:`\gamma_k` is given. Some texts name the two matrices the other way round.

    Example
    -------
    >>> from course_utils.objectives import Quadratic
    >>> f = Quadratic([[0.1, -0.1], [-0.1, 1.0]])
    >>> X, states = run(bfgs(1.0), f.grad, [-4.0, 1.5], steps=12, return_states=True)
    >>> bool(np.allclose(states[-1].H, f.Q, rtol=0, atol=1e-4)), bool(np.linalg.norm(X[-1]) < 1e-8)
    (True, True)
    """
    gamma = _step_schedule(step)
    tol = _checks.nonnegative(curvature_tol, "curvature_tol")

    def init(x0):
        n = np.shape(x0)[-1]
        if H0 is None:
            H = np.eye(n)
        else:
            H = np.asarray(H0, dtype=float)
            if H.ndim == 1:
                H = np.diag(H)
            if H.shape != (n, n) or not np.allclose(H, H.T):
                raise ValueError(f"H0 must be a symmetric ({n}, {n}) matrix or a ({n},) diagonal; "
                                 f"got shape {H.shape}")
            if np.any(np.linalg.eigvalsh(H) <= 0):
                raise ValueError("H0 must be positive definite")
        H = np.broadcast_to(H, np.shape(x0)[:-1] + (n, n)).copy()
        return BFGSState(0, None, None, H, np.diagonal(H, axis1=-2, axis2=-1).copy())

    def update(g, state, x=None):
        if x is None:
            raise ValueError("bfgs needs the current point: update(g, state, x)")
        g = np.asarray(g, dtype=float)
        x = np.asarray(x, dtype=float)
        H = state.H
        if state.x is not None:
            s = x - state.x
            y = g - state.g
            Hs = np.einsum("...ij,...j->...i", H, s)
            sHs = np.einsum("...i,...i->...", s, Hs)
            ys = np.einsum("...i,...i->...", y, s)
            ok = (ys > tol * np.linalg.norm(s, axis=-1) * np.linalg.norm(y, axis=-1)) & (sHs > 0)
            with np.errstate(divide="ignore", invalid="ignore"):
                change = (np.einsum("...i,...j->...ij", y, y) / ys[..., None, None]
                          - np.einsum("...i,...j->...ij", Hs, Hs) / sHs[..., None, None])
            H = np.where(ok[..., None, None], H + np.nan_to_num(change), H)
        k = state.count + 1
        d = np.linalg.solve(H, g[..., None])[..., 0]
        return -gamma(k) * d, BFGSState(k, x.copy(), g.copy(), H,
                                        np.diagonal(H, axis1=-2, axis2=-1).copy())

    return Optimizer(init, update, "BFGS")


__all__ += ["bfgs"]


def _registry():
    return {"gd": gd, "sgd": gd, "scaled_gd": scaled_gd, "newton": newton,
            "sgd_momentum": sgd_momentum, "momentum": sgd_momentum, "filtered_sgd": filtered_sgd,
            "adagrad": adagrad, "rmsprop": rmsprop, "adam": adam, "adamax": adamax,
            "adadelta": adadelta, "bfgs": bfgs}


NAMES = ("gd", "sgd", "scaled_gd", "newton", "sgd_momentum", "momentum", "filtered_sgd", "adagrad",
         "rmsprop", "adam", "adamax", "adadelta", "bfgs")


def make(name, step, **hyper):
    r"""The optimizer called ``name`` with step size ``step`` (:math:`\gamma`) and its
    hyper-parameters: the one factory that training, the apps and the notebooks use.

    ``name`` is one of :data:`NAMES` (case and ``-`` ignored; ``"sgd"`` is :func:`gd`, which on
    sampled gradients is SGD; ``"momentum"`` is :func:`sgd_momentum`). ``step`` is a number, an
    array (one step per run) or a schedule ``k -> gamma_k``. An unknown name or hyper-parameter
    raises ``ValueError`` listing the valid ones.

    >>> make("adam", 1e-2, b_m=0.8).name
    'Adam'
    >>> make("Filtered-SGD", 0.1, b_m=0.9).name
    'filtered SGD'
    """
    key = str(name).lower().replace("-", "_").replace(" ", "_")
    factories = _registry()
    if key not in factories:
        raise ValueError(f"make: unknown optimizer {name!r}; choose one of {', '.join(NAMES)}")
    factory = factories[key]
    allowed = [p for p in inspect.signature(factory).parameters if p != "step"]
    unknown = sorted(set(hyper) - set(allowed))
    if unknown:
        raise ValueError(f"make({name!r}): unknown hyper-parameter(s) {unknown}; "
                         f"{factory.__name__} takes {allowed}")
    return factory(step, **hyper)


def metric_diagonal(state):
    r"""The diagonal :math:`(h_{1,k},\dots,h_{n,k})` of the metric :math:`H_k` of the last update.

    The effective step of coordinate i is :math:`\gamma_k / h_{i,k}`.
    """
    return np.asarray(state.h)


def filtered_gradient(state):
    r"""The filtered gradient :math:`\hat m_k` held in the state (zeros for methods without one)."""
    m = getattr(state, "m", None)
    if m is None:
        raise ValueError(f"{type(state).__name__} holds no filtered gradient")
    return np.asarray(m)


# ---------------------------------------------------------------------------------------------
# The driver loop
# ---------------------------------------------------------------------------------------------
def _memory_budget():
    """Half of the physical memory in bytes (8 GiB where the OS does not tell)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2
    except (AttributeError, ValueError, OSError):
        return 8 * 2**30


def run(optimizer, grad, x0, steps, *, hessian=None, blowup=1e8, callback=None,
        return_states=False):
    r"""Run ``optimizer`` from ``x0`` for ``steps`` updates; return the iterates.

    The loop is the whole algorithm::

        state = optimizer.init(x0)
        for k in range(steps):
            step, state = optimizer.update(grad(x), state, x)
            x = x + step

    Parameters
    ----------
    optimizer : Optimizer
    grad : callable x -> g
        The gradient; a stochastic problem passes a callable that draws its own sample
        (e.g. :meth:`LeastSquares.sampler`).
    x0 : (n,) array, or (R, n) for R independent runs advanced together
    steps : int >= 0
        The iterates must fit in half of the machine's memory (else a ValueError before allocating).
    hessian : callable or matrix, optional; only for optimizers that need it (:func:`newton`)
    blowup : float
        A run whose iterate is non-finite or has norm above ``blowup * (1 + ||x0||)`` is
        *diverged*: from then on its rows are NaN (no overflow warnings reach the caller).
    callback : callable (k, x, state) -> None, optional, called after every update
    return_states : bool; when True return ``(iterates, states)`` with the list of states

    Returns
    -------
    iterates : ndarray of shape ``(steps + 1,) + x0.shape``; row 0 is ``x0``.
        Use :func:`diverged` / :func:`divergence_step` to ask whether and when a run blew up.

    Example
    -------
    >>> from course_utils.objectives import Quadratic
    >>> f = Quadratic([[1.0, 0.0], [0.0, 2.0]])
    >>> X = run(gd(1.5), f.grad, [1.0, 1.0], steps=200)    # 1.5 > 2/lambda_max = 1
    >>> bool(diverged(X)), divergence_step(X)
    (True, 28)
    """
    if not isinstance(optimizer, Optimizer):
        raise ValueError(f"optimizer must be an Optimizer (e.g. gd(0.1)); got {type(optimizer).__name__}")
    if not callable(grad):
        raise ValueError("grad must be a callable grad(x) -> gradient")
    x = _checks.as_array(x0, "x0", min_ndim=1).copy()
    steps = _checks.nonnegative_int(steps, "steps")
    need = (steps + 1) * x.size * x.itemsize * (2 if return_states else 1)
    budget = _memory_budget()
    if need > budget:
        raise ValueError(
            f"steps={steps} is too many: the iterates would take {need / 2**30:.3g} GiB "
            f"((steps + 1) x {x.size} floats), more than half of this machine's memory "
            f"({2 * budget / 2**30:.3g} GiB). Use at most steps={budget // (x.size * x.itemsize) - 1}")
    blowup = _checks.positive(blowup, "blowup")
    hess = None
    if optimizer.needs_hessian:
        hess = hessian if hessian is not None else getattr(getattr(grad, "__self__", None), "hessian", None)
    limit = blowup * (1.0 + np.linalg.norm(x, axis=-1))
    out = np.full((steps + 1,) + x.shape, np.nan)
    out[0] = x
    x0_parked = x.copy()
    state = optimizer.init(x)
    states = [state] if return_states else None
    alive = np.ones(x.shape[:-1], dtype=bool)
    with np.errstate(all="ignore"):
        for k in range(steps):
            g = np.asarray(grad(x), dtype=float)
            if g.shape != x.shape:
                raise ValueError(f"grad(x) returned shape {g.shape}; expected {x.shape}")
            if hess is not None:
                step, state = optimizer.update(g, state, x, hessian=hess)
            else:
                step, state = optimizer.update(g, state, x)
            x = x + step
            # ||x|| as np.linalg.norm computes it, without its wrapper; a NaN or inf entry makes
            # the norm NaN or inf, so the comparison also catches non-finite iterates
            alive &= np.sqrt(np.add.reduce(x * x, axis=-1)) <= limit
            if alive.all():
                out[k + 1] = x
            else:
                # a diverged run shows as NaN; inside the loop it is parked at x0 so that the
                # batched gradient of the live runs never sees a NaN
                out[k + 1] = np.where(alive[..., None], x, np.nan)
                x = np.where(alive[..., None], x, x0_parked)
            if return_states:
                states.append(state)
            if callback is not None:
                callback(k + 1, out[k + 1], state)
            if not alive.any():
                break
    return (out, states) if return_states else out


def diverged(iterates):
    """True where a run of :func:`run` diverged (its last row is NaN); an array for batched runs."""
    last = np.asarray(iterates)[-1]
    bad = ~np.all(np.isfinite(last), axis=-1)
    return bool(bad) if bad.ndim == 0 else bad


def divergence_step(iterates):
    """The first iteration k whose iterate was flagged as diverged, or None (single runs only)."""
    X = np.asarray(iterates)
    if X.ndim != 2:
        raise ValueError("divergence_step takes the iterates of a single run, shape (steps + 1, n)")
    bad = np.flatnonzero(~np.all(np.isfinite(X), axis=-1))
    return int(bad[0]) if bad.size else None
