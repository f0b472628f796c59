r"""Optimizers as small ``(init, update)`` pairs with explicit state, in the style of optax.

Every optimizer here is an :class:`Optimizer` with two pure functions::

    state = opt.init(x0)
    dx, state = opt.update(g, state, x)              # then x <- x + dx
    dx, state = opt.update(g, state, x, step=0.05)   # the same update with the step size 0.05

``state`` is a NamedTuple with one type per optimizer (:class:`AdamState`, :class:`AdagradState`,
...), each field one quantity of the update equations, named as in its docstring; so a run can be
replayed, inspected or stored. Updates work coordinate-wise on arrays of any shape ``(..., n)``,
so many independent runs (one per row) advance in one batched call. :func:`run` is the driver
loop the notebooks use; :func:`make` builds an optimizer from its name.

**The step size** :math:`\gamma_k` is ``step`` everywhere: a number, an array broadcasting against
``x`` (one step per run: shape ``(R, 1)`` for R runs ``(R, n)``), or a schedule ``k -> gamma_k``
(k = 1, 2, ...). The factory's ``step`` (``adam(1e-3)``) is the default; ``update(..., step=...)``
overrides it for that call. The state holds no step size, so a trainer that changes a run's step,
or drops finished runs (:func:`take_runs`), keeps its optimizer: it passes its current steps at
every call. A factory given ``step=None`` needs ``step=`` at every update.

>>> opt = adam(1e-3)
>>> state = opt.init(np.zeros((2, 1)))                    # two runs of one variable
>>> dx, state = opt.update(np.ones((2, 1)), state, step=np.array([[0.1], [0.2]]))
>>> dx.round(6).tolist()                                  # first step: -step * sign(g)
[[-0.1], [-0.2]]

Conventions follow PyTorch's ``torch.optim`` (defaults included); each docstring says where other
libraries differ. Every state stores the metric it just used, ``state.h``, the diagonal of
:math:`H_k` (ones for the unscaled methods), so plots read it with :func:`metric_diagonal`.

This module imports neither matplotlib nor ipywidgets.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable, NamedTuple

import numpy as np

from . import _checks
from .metric import Metric

__all__ = [
    "Optimizer", "gd", "scaled_gd", "newton", "sgd_momentum", "filtered_sgd", "adagrad",
    "rmsprop", "adam", "adamax", "adadelta", "bfgs", "run", "diverged", "divergence_step",
    "metric_diagonal", "filtered_gradient", "take_runs", "inverse_time_decay", "make", "NAMES",
    "GDState", "MomentumState", "FilteredState", "AdagradState", "RMSpropState", "AdamState",
    "AdamaxState", "AdadeltaState", "BFGSState",
]


class Optimizer(NamedTuple):
    r"""An optimizer: ``init(x0) -> state`` and ``update(g, state, x=None, step=None) -> (dx, state)``.

    One iteration is ``x <- x + dx``. ``update`` computes :math:`\gamma_k` with
    ``k = state.count + 1`` from ``step`` when given (a number, an array broadcasting against
    ``g``, or a schedule ``k -> gamma_k``), else from the factory's step: giving the step at call
    time is the same as building the optimizer with that step. ``x`` is the current point (only
    :func:`bfgs` and a callable Newton Hessian need it).

    ``needs_hessian`` tells :func:`run` to pass ``hessian=`` (the matrix at the current point):
    Newton's update is ``update(g, state, x=None, step=None, hessian=None)``.
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


def _optimizer(name, step, init, advance, needs_hessian=False):
    r"""The :class:`Optimizer` ``name`` from ``init(x0) -> state`` and the update rule
    ``advance(gamma, g, state, k, x) -> (dx, state)`` (with ``hessian=`` when ``needs_hessian``)
    at the step size :math:`\gamma_k`, which is resolved here, once for every optimizer: the
    call's ``step`` when given, else the factory's ``step``."""
    default = None if step is None else _step_schedule(step)

    def update(g, state, x=None, step=None, hessian=None):
        extra = {"hessian": hessian} if needs_hessian else {}
        if hessian is not None and not needs_hessian:
            raise ValueError(f"{name} uses no Hessian; only newton takes hessian=")
        k = state.count + 1
        if step is not None:
            gamma = _step_schedule(step)(k)
        elif default is not None:
            gamma = default(k)
        else:
            raise ValueError(f"{name} was built with step=None: give the step size at every call, "
                             f"update(g, state, x, step=...)")
        g = _checks.as_array(g, "g")              # finite numbers
        ref = getattr(state, "h", None)
        if ref is not None and g.shape != np.shape(ref):
            raise ValueError(f"g has shape {g.shape}, but the state was made by init(x0) for x0 of shape "
                             f"{np.shape(ref)}: give one gradient entry per coordinate of x")
        if np.ndim(gamma) and not _fits(np.shape(gamma), g.shape):
            raise ValueError(f"step of shape {np.shape(gamma)} does not broadcast against the gradient "
                             f"of shape {g.shape}; one step per run of a batch (R, n) is an (R, 1) array")
        return advance(gamma, g, state, k, x, **extra)

    return Optimizer(init, update, name, needs_hessian)


def _fits(shape, target):
    """Whether an array of ``shape`` broadcasts against ``target`` without enlarging it."""
    try:
        return np.broadcast_shapes(shape, target) == target
    except ValueError:
        return False


def _eps(eps, who):
    """eps > 0 for the adaptive methods: with eps = 0 a coordinate whose gradients were all 0 so far
    gives 0/0 (NaN) in the step."""
    eps = _checks.nonnegative(eps, "eps")
    if eps == 0:
        raise ValueError(f"{who} needs eps > 0 (with eps = 0 a coordinate whose gradient is 0 gives "
                         f"0/0 in its step); got eps=0. Use a tiny positive value, e.g. 1e-8")
    return eps


def _moment_settings(b_m, b_v, eps, who):
    """The validated ``(b_m, b_v, eps)`` of Adam and Adamax."""
    return _checks.decay(b_m, "b_m"), _checks.decay(b_v, "b_v"), _eps(eps, who)


def _filter(b_m, m_hat, g):
    r""":math:`\hat m_k = b_m \hat m_{k-1} + (1 - b_m) g_k`, the filtered gradient."""
    return b_m * m_hat + (1.0 - b_m) * g


def _starting_at_zero(State, h0):
    """``init(x0) -> State(0, 0, ..., 0, h0)``: every accumulator of the state starts at 0 (the
    shape of x0), the metric diagonal ``h`` at ``h0``."""
    def init(x0):
        z = np.zeros(np.shape(x0))
        return State(0, *([z] * (len(State._fields) - 2)), z + h0)
    return init


def inverse_time_decay(step, decay_iterations=1.0):
    r"""The schedule :math:`\gamma_k = \gamma_1 / (1 + (k-1)/T)`: non-summable steps that go to 0.

    ``step`` is :math:`\gamma_1`, ``decay_iterations`` is T (the step has halved at k = T + 1).

    >>> sched = inverse_time_decay(0.1, decay_iterations=10)
    >>> sched(1), sched(11)
    (0.1, 0.05)
    """
    step = _checks.positive(step, "step")
    decay_iterations = _checks.positive(decay_iterations, "decay_iterations")
    return lambda k: step / (1.0 + (k - 1) / decay_iterations)


# ---------------------------------------------------------------------------------------------
# Fixed metrics
# ---------------------------------------------------------------------------------------------
class GDState(NamedTuple):
    r"""The state of :func:`gd`, :func:`scaled_gd` and :func:`newton`.

    ``count``: k, the number of updates taken. ``h``: :math:`\operatorname{diag}(H_k)`, the
    diagonal of the metric of the last update, shape of x (ones for GD, ``diag(H)`` for scaled GD,
    the Hessian's diagonal for Newton; before any Newton update, ones).
    """

    count: int
    h: Any


def gd(step):
    r"""Gradient descent, :math:`x_{k+1} = x_k - \gamma_k \nabla f(x_k)`.

    It minimizes the model :math:`f(x_k) + \nabla f(x_k)^T(x-x_k) + \frac{1}{2\gamma_k}\|x-x_k\|_2^2`.
    On sampled gradients it is SGD. State: :class:`GDState`.

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
    def advance(gamma, g, state, k, x):
        return -gamma * g, GDState(k, state.h)

    return _optimizer("GD", step, _starting_at_zero(GDState, 1.0), advance)


def _solve(M, g):
    r""":math:`H^{-1}g` for a :class:`~course_utils.metric.Metric` and g of any shape ``(..., n)``."""
    return M.solve(g) if g.ndim <= 2 else M.solve(g.reshape(-1, g.shape[-1])).reshape(g.shape)


def scaled_gd(step, H):
    r"""Scaled gradient descent, :math:`x_{k+1} = x_k - \gamma_k H^{-1}\nabla f(x_k)`.

    It minimizes the scaled model :math:`f(x_k) + \nabla f(x_k)^T(x-x_k) +
    \frac{1}{2\gamma_k}\|x-x_k\|_H^2` with :math:`\|v\|_H^2 = v^T H v`. State: :class:`GDState`.

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
    M = Metric(H, name="H")

    def init(x0):
        if np.shape(x0)[-1] != M.n:
            raise ValueError(f"H is for n = {M.n} variables but x0 has shape {np.shape(x0)}")
        return GDState(0, np.broadcast_to(M.diag, np.shape(x0)).copy())

    def advance(gamma, g, state, k, x):
        return -gamma * _solve(M, g), GDState(k, state.h)

    return _optimizer("scaled GD", step, init, advance)


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
    strongly convex quadratic one step with ``step=1`` lands on the minimizer. State:
    :class:`GDState`; its update is ``update(g, state, x=None, step=None, hessian=None)``.

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
    own = hessian
    if own is not None and not callable(own):
        own = _hessian_matrix(own)

    def init(x0):
        n = np.shape(x0)[-1]
        if own is not None and not callable(own):
            _hessian_matrix(own, n)
        return GDState(0, np.ones(np.shape(x0)))

    def advance(gamma, g, state, k, x, hessian=None):
        H = own if own is not None else hessian     # newton(hessian=H) wins over run's fallback
        if H is None:
            raise ValueError("newton needs the Hessian: pass newton(hessian=f.hessian) or "
                             "run(..., hessian=f.hessian)")
        Hk = _hessian_matrix(H(x) if callable(H) else H, g.shape[-1], " (at the current x)" if callable(H) else "")
        d = np.linalg.solve(Hk, g[..., None])[..., 0]
        h = np.broadcast_to(np.diagonal(Hk, axis1=-2, axis2=-1), g.shape).copy()
        return -gamma * d, GDState(k, h)

    return _optimizer("Newton", step, init, advance, needs_hessian=True)


# ---------------------------------------------------------------------------------------------
# Filtered gradients (no metric)
# ---------------------------------------------------------------------------------------------
class MomentumState(NamedTuple):
    r"""The state of :func:`sgd_momentum`.

    ``count``: k. ``buffer``: the momentum buffer :math:`b_k` (PyTorch's ``momentum_buffer``; zeros
    before the first update). ``h``: ones (no metric).
    """

    count: int
    buffer: Any
    h: Any


class FilteredState(NamedTuple):
    r"""The state of :func:`filtered_sgd`.

    ``count``: k. ``m_hat``: the filtered gradient :math:`\hat m_k` (the exponential average,
    *before* any bias correction; :math:`\hat m_0 = 0`). ``h``: ones (no metric).
    """

    count: int
    m_hat: Any
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
    State: :class:`MomentumState` (``buffer`` is :math:`b_k`).

    Example
    -------
    >>> opt = sgd_momentum(0.1, momentum=0.5)
    >>> s = opt.init(np.zeros(1))
    >>> dx, s = opt.update(np.array([1.0]), s); dx
    array([-0.1])
    >>> dx, s = opt.update(np.array([1.0]), s); dx            # b_2 = 0.5 * 1 + 1
    array([-0.15])
    """
    momentum = _checks.decay(momentum, "momentum")
    dampening = _checks.decay(dampening, "dampening")

    def advance(gamma, g, state, k, x):
        b = g.copy() if k == 1 else momentum * state.buffer + (1.0 - dampening) * g
        return -gamma * b, MomentumState(k, b, state.h)

    return _optimizer("SGD + momentum", step, _starting_at_zero(MomentumState, 1.0), advance)


def filtered_sgd(step=1e-3, b_m=0.9, bias_correction=False):
    r"""SGD on the filtered (exponentially averaged) stochastic gradient, as on the slides.

    .. math::
        \hat m_0 = 0, \qquad \hat m_k = b_m \hat m_{k-1} + (1 - b_m) g_k, \qquad
        x_{k+1} = x_k - \gamma_k \hat m_k \quad (\text{or } \gamma_k \hat m_k/(1-b_m^k)
        \text{ with bias correction}).

    This is Adam with the metric removed (:math:`H_k = I`). State: :class:`FilteredState`
    (``m_hat`` is :math:`\hat m_k`, uncorrected in both cases).

    Example
    -------
    >>> opt = filtered_sgd(0.1, b_m=0.9)
    >>> dx, s = opt.update(np.array([2.0]), opt.init(np.zeros(1))); dx    # -0.1 * 0.1 * 2
    array([-0.02])
    """
    b_m = _checks.decay(b_m, "b_m")

    def advance(gamma, g, state, k, x):
        m_hat = _filter(b_m, state.m_hat, g)
        direction = m_hat / (1.0 - b_m ** k) if bias_correction else m_hat
        return -gamma * direction, FilteredState(k, m_hat, state.h)

    return _optimizer("filtered SGD", step, _starting_at_zero(FilteredState, 1.0), advance)


# ---------------------------------------------------------------------------------------------
# Adaptive diagonal metrics
# ---------------------------------------------------------------------------------------------
class AdagradState(NamedTuple):
    r"""The state of :func:`adagrad`.

    ``count``: k. ``sum_sq``: :math:`s_k = s_0 + \sum_{j \le k} g_j^2`, the running sum of squared
    gradients (:math:`s_0` = ``initial_accumulator_value``). ``h``: :math:`\sqrt{s_k} + \epsilon`.
    """

    count: int
    sum_sq: Any
    h: Any


class RMSpropState(NamedTuple):
    r"""The state of :func:`rmsprop`.

    ``count``: k. ``v_hat``: :math:`\hat v_k`, the exponential average of :math:`g^2` (no bias
    correction; :math:`\hat v_0 = 0`). ``h``: :math:`\sqrt{\hat v_k} + \epsilon` (ε before any update).
    """

    count: int
    v_hat: Any
    h: Any


class AdamState(NamedTuple):
    r"""The state of :func:`adam`.

    ``count``: k. ``m_hat``: :math:`\hat m_k`, the exponential average of g. ``v_hat``:
    :math:`\hat v_k`, the exponential average of :math:`g^2` (both *before* bias correction, both 0
    at k = 0). ``h``: :math:`\sqrt{\hat v_k/(1-b_v^k)} + \epsilon` (ε before any update).
    """

    count: int
    m_hat: Any
    v_hat: Any
    h: Any


class AdamaxState(NamedTuple):
    r"""The state of :func:`adamax`.

    ``count``: k. ``m_hat``: :math:`\hat m_k` (before bias correction). ``u``: :math:`u_k`, the
    exponentially weighted maximum of :math:`|g| + \epsilon` (:math:`u_0 = 0`). ``h``: the metric
    :math:`u_k` itself (ε before any update).
    """

    count: int
    m_hat: Any
    u: Any
    h: Any


class AdadeltaState(NamedTuple):
    r"""The state of :func:`adadelta`.

    ``count``: k. ``v_hat``: :math:`\hat v_k`, the exponential average of :math:`g^2`. ``u_hat``:
    :math:`\hat u_k`, the exponential average of the squared updates :math:`\Delta^2` (both 0 at
    k = 0). ``h``: :math:`\sqrt{\hat v_k+\epsilon}/\sqrt{\hat u_{k-1}+\epsilon}` (ones before any update).
    """

    count: int
    v_hat: Any
    u_hat: Any
    h: Any


def adagrad(step=1e-2, eps=1e-10, initial_accumulator_value=0.0):
    r"""Adagrad, PyTorch's ``torch.optim.Adagrad`` (no learning-rate decay).

    .. math::
        s_k = s_{k-1} + g_k^2, \qquad H_k = \operatorname{diag}(\sqrt{s_k} + \epsilon), \qquad
        x_{k+1} = x_k - \gamma_k H_k^{-1} g_k.

    The metric only grows, so the effective steps :math:`\gamma/h_{i,k}` shrink forever.
    ε is added after the square root as in PyTorch (and the legacy ``tf.keras`` optimizers); Keras 3
    and optax put it *inside*, :math:`\sqrt{s_k + \epsilon}`, and both start the accumulator at 0.1
    (``initial_accumulator_value``). State: :class:`AdagradState` (``sum_sq`` is :math:`s_k`).

    Example
    -------
    >>> opt = adagrad(0.1)
    >>> dx, s = opt.update(np.array([3.0, -0.5]), opt.init(np.zeros(2))); dx   # ≈ -0.1 sign(g)
    array([-0.1,  0.1])
    """
    eps = _eps(eps, "adagrad")
    s0 = _checks.nonnegative(initial_accumulator_value, "initial_accumulator_value")

    def init(x0):
        s = np.zeros(np.shape(x0)) + s0
        return AdagradState(0, s, np.sqrt(s) + eps)

    def advance(gamma, g, state, k, x):
        s = state.sum_sq + g * g
        h = np.sqrt(s) + eps
        return -gamma * g / h, AdagradState(k, s, h)

    return _optimizer("Adagrad", step, init, advance)


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
    State: :class:`RMSpropState` (``v_hat`` is :math:`\hat v_k`).

    Example
    -------
    >>> opt = rmsprop(0.01, b_v=0.99)
    >>> dx, s = opt.update(np.array([2.0]), opt.init(np.zeros(1))); dx.round(6)   # -0.01/sqrt(0.01)
    array([-0.1])
    """
    b_v = _checks.decay(b_v, "b_v")
    eps = _eps(eps, "rmsprop")

    def advance(gamma, g, state, k, x):
        v_hat = b_v * state.v_hat + (1.0 - b_v) * g * g
        h = np.sqrt(v_hat) + eps
        return -gamma * g / h, RMSpropState(k, v_hat, h)

    return _optimizer("RMSprop", step, _starting_at_zero(RMSpropState, eps), advance)


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
    -\gamma\,\mathrm{sign}(g_1)`. State: :class:`AdamState` (``m_hat``, ``v_hat`` are
    :math:`\hat m_k, \hat v_k`; ``h`` is :math:`\sqrt{v_k} + \epsilon`).

    Where ε sits differs: PyTorch and optax (``eps``) add it to the bias-corrected root, as here.
    TensorFlow/Keras and the original paper's "efficient" form fold the bias correction into the
    step, :math:`\gamma\sqrt{1-b_v^k}/(1-b_m^k)\cdot\hat m_k/(\sqrt{\hat v_k}+\hat\epsilon)`,
    which is the same except that ε is effectively scaled by :math:`\sqrt{1-b_v^k}`. optax's
    ``eps_root`` puts a second ε inside the root.

    Example
    -------
    >>> opt = adam(0.001)
    >>> dx, s = opt.update(np.array([3.0, -1e-4]), opt.init(np.zeros(2)))
    >>> dx.round(9)                                       # ≈ -step * sign(g)
    array([-0.001    ,  0.0009999])
    """
    b_m, b_v, eps = _moment_settings(b_m, b_v, eps, "adam")

    def advance(gamma, g, state, k, x):
        m_hat = _filter(b_m, state.m_hat, g)
        v_hat = b_v * state.v_hat + (1.0 - b_v) * g * g
        m_k = m_hat / (1.0 - b_m ** k)
        h = np.sqrt(v_hat / (1.0 - b_v ** k)) + eps
        return -gamma * m_k / h, AdamState(k, m_hat, v_hat, h)

    return _optimizer("Adam", step, _starting_at_zero(AdamState, eps), advance)


def adamax(step=2e-3, b_m=0.9, b_v=0.999, eps=1e-8):
    r"""Adamax, PyTorch's ``torch.optim.Adamax``: Adam with the infinity norm in the metric.

    .. math::
        \hat m_k = b_m \hat m_{k-1} + (1-b_m) g_k, \qquad
        u_k = \max(b_v u_{k-1},\ |g_k| + \epsilon),\ u_0 = 0, \qquad
        x_{k+1} = x_k - \frac{\gamma_k}{1 - b_m^k} \hat m_k ./ u_k.

    :math:`H_k = \operatorname{diag}(u_k)` needs no bias correction (a max is not biased toward
    0). PyTorch adds ε to :math:`|g_k|` inside the max (as here); Keras adds ε to :math:`u_k` in
    the denominator instead; the paper's Adamax has no ε at all. State: :class:`AdamaxState`.

    Example
    -------
    >>> opt = adamax(0.002)
    >>> dx, s = opt.update(np.array([4.0]), opt.init(np.zeros(1))); dx.round(9)
    array([-0.002])
    """
    b_m, b_v, eps = _moment_settings(b_m, b_v, eps, "adamax")

    def advance(gamma, g, state, k, x):
        m_hat = _filter(b_m, state.m_hat, g)
        u = np.maximum(b_v * state.u, np.abs(g) + eps)
        return -gamma / (1.0 - b_m ** k) * m_hat / u, AdamaxState(k, m_hat, u, u)

    return _optimizer("Adamax", step, _starting_at_zero(AdamaxState, eps), advance)


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
    Keras and optax. State: :class:`AdadeltaState` (``v_hat``, ``u_hat`` are
    :math:`\hat v_k, \hat u_k`).

    Example
    -------
    >>> opt = adadelta()
    >>> dx, s = opt.update(np.array([1.0]), opt.init(np.zeros(1)))
    >>> bool(np.isclose(dx[0], -np.sqrt(1e-6) / np.sqrt(0.1 + 1e-6), rtol=1e-12))
    True
    """
    rho = _checks.decay(rho, "rho")
    eps = _checks.nonnegative(eps, "eps")
    if eps == 0:
        raise ValueError("adadelta needs eps > 0 (with eps = 0 its first step is exactly 0)")

    def advance(gamma, g, state, k, x):
        v_hat = rho * state.v_hat + (1.0 - rho) * g * g
        h = np.sqrt(v_hat + eps) / np.sqrt(state.u_hat + eps)
        delta = g / h
        u_hat = rho * state.u_hat + (1.0 - rho) * delta * delta
        return -gamma * delta, AdadeltaState(k, v_hat, u_hat, h)

    return _optimizer("Adadelta", step, _starting_at_zero(AdadeltaState, 1.0), advance)


# ---------------------------------------------------------------------------------------------
# Quasi-Newton: a full metric built from differences of gradients
# ---------------------------------------------------------------------------------------------
class BFGSState(NamedTuple):
    r"""The state of :func:`bfgs`.

    ``count``: k. ``x``: the point :math:`x_k` at which the last gradient was taken and ``g``: that
    gradient :math:`\nabla f(x_k)` (both None before the first update). ``H``: the full metric
    :math:`H_k` of the last step, shape ``(..., n, n)``. ``h``: its diagonal.
    """

    count: int
    x: Any
    g: Any
    H: Any
    h: Any


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
    :math:`\|s_k\|\|y_k\|`). State: :class:`BFGSState`; the update needs the current point,
    ``update(g, state, x)``.

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
    tol = _checks.nonnegative(curvature_tol, "curvature_tol")

    def init(x0):
        n = np.shape(x0)[-1]
        H = Metric(H0, n=n, name="H0").matrix
        H = np.broadcast_to(H, np.shape(x0)[:-1] + (n, n)).copy()
        return BFGSState(0, None, None, H, np.diagonal(H, axis1=-2, axis2=-1).copy())

    def advance(gamma, g, state, k, x):
        if x is None:
            raise ValueError("bfgs needs the current point: update(g, state, x)")
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
        d = np.linalg.solve(H, g[..., None])[..., 0]
        return -gamma * d, BFGSState(k, x.copy(), g.copy(), H, np.diagonal(H, axis1=-2, axis2=-1).copy())

    return _optimizer("BFGS", step, init, advance)


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
    array (one step per run), a schedule ``k -> gamma_k``, or None when every update gives it
    (``update(g, state, x, step=...)``). An unknown name or hyper-parameter raises ``ValueError``
    listing the valid ones.

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
    r"""The diagonal :math:`(h_{1,k},\dots,h_{n,k})` of the metric :math:`H_k` of the last update
    (``state.h``; ones for GD, SGD with momentum and filtered SGD).

    The effective step of coordinate i is :math:`\gamma_k / h_{i,k}`.
    """
    return np.asarray(state.h)


def filtered_gradient(state):
    r"""The filtered gradient held in the state: :math:`\hat m_k` of filtered SGD, Adam and Adamax
    (before bias correction), or the momentum buffer :math:`b_k` of SGD with momentum.

    A state without one (GD, Adagrad, RMSprop, ...) is a ValueError.

    >>> s = adam(0.1).update(np.array([2.0]), adam(0.1).init(np.zeros(1)))[1]
    >>> filtered_gradient(s).round(12)                    # (1 - b_m) g_1
    array([0.2])
    """
    for field in ("m_hat", "buffer"):
        if field in getattr(state, "_fields", ()):
            return np.asarray(getattr(state, field))
    raise ValueError(f"{type(state).__name__} holds no filtered gradient (only filtered SGD, "
                     f"SGD with momentum, Adam and Adamax have one)")


def take_runs(state, rows):
    r"""The state of the runs ``rows`` of a batch: every field but ``count`` indexed on its leading
    (run) axis, so a trainer drops finished runs without rebuilding its optimizer.

    ``rows`` is a boolean mask or integer indices over the R runs of a batch ``(R, n)``; pass the
    same rows of the step sizes at the next ``update(..., step=...)``.

    >>> opt = adam(None)
    >>> s = opt.init(np.zeros((3, 2)))
    >>> _, s = opt.update(np.ones((3, 2)), s, step=np.array([[0.1], [0.2], [0.3]]))
    >>> s = take_runs(s, np.array([True, False, True]))
    >>> s.m_hat.shape, s.count
    ((2, 2), 1)
    >>> dx, s = opt.update(np.ones((2, 2)), s, step=np.array([[0.1], [0.3]]))
    """
    fields = {}
    for name, value in zip(state._fields, state):
        if name != "count" and value is not None:
            arr = np.asarray(value)
            if arr.ndim < 2:
                raise ValueError(f"take_runs: {type(state).__name__}.{name} has shape {arr.shape}, "
                                 f"not a batch of runs (R, n)")
            fields[name] = arr[rows]
    return state._replace(**fields)


# ---------------------------------------------------------------------------------------------
# The driver loop
# ---------------------------------------------------------------------------------------------
def run(optimizer, grad, x0, steps, *, hessian=None, blowup=1e8, callback=None,
        return_states=False):
    r"""Run ``optimizer`` from ``x0`` for ``steps`` updates; return the iterates.

    The loop is the whole algorithm::

        state = optimizer.init(x0)
        for k in range(steps):
            dx, state = optimizer.update(grad(x), state, x)
            x = x + dx

    Parameters
    ----------
    optimizer : Optimizer
    grad : callable x -> g
        The gradient; a stochastic problem passes a callable that draws its own sample
        (e.g. :meth:`LeastSquares.sampler`).
    x0 : (n,) array, or (R, n) for R independent runs advanced together
    steps : int >= 0
        The iterates (and the states, with ``return_states``) must fit in half of the memory
        available now (else a ValueError before allocating; :func:`course_utils._checks.check_memory`).
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
    if x.shape[-1] == 0:
        raise ValueError(f"x0 must have at least one coordinate; got shape {x.shape}")
    steps = _checks.nonnegative_int(steps, "steps")

    def fits(per_step, what):
        _checks.check_memory((steps + 1) * per_step, "steps", steps, f"{what} ((steps + 1) x {per_step} bytes)",
                             hint="Use at most steps="
                             f"{max(int(_checks.MEMORY_SHARE * _checks.available_memory() // per_step) - 1, 0)}")

    fits(x.nbytes, "the iterates")
    if return_states:                # every state is stored: count its arrays too (BFGS: n x n each)
        matrix = x.size * x.shape[-1] * x.itemsize if optimizer.name == "BFGS" else 0   # H: (..., n, n)
        fits(x.nbytes + matrix, "the iterates and states")
    state = optimizer.init(x)
    if return_states:
        fits(x.nbytes + sum(np.asarray(v).nbytes for v in state if isinstance(v, np.ndarray)),
             "the iterates and states")
    blowup = _checks.positive(blowup, "blowup")
    hess = None
    if optimizer.needs_hessian:
        hess = hessian if hessian is not None else getattr(getattr(grad, "__self__", None), "hessian", None)
    limit = blowup * (1.0 + np.linalg.norm(x, axis=-1))
    out = np.full((steps + 1,) + x.shape, np.nan)
    out[0] = x
    x0_parked = x.copy()
    states = [state] if return_states else None
    alive = np.ones(x.shape[:-1], dtype=bool)
    with np.errstate(all="ignore"):
        for k in range(steps):
            g = np.asarray(grad(x), dtype=float)
            if g.shape != x.shape:
                raise ValueError(f"grad(x) returned shape {g.shape}; expected {x.shape}")
            finite = np.isfinite(g).all(axis=-1)
            if not finite.all():                 # a non-finite gradient: that run diverged
                alive &= finite
                g = np.where(finite[..., None], g, 0.0)
            if hess is not None:
                dx, state = optimizer.update(g, state, x, hessian=hess)
            else:
                dx, state = optimizer.update(g, state, x)
            x = x + dx
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
