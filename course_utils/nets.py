r"""A small residual ReLU network in plain numpy, with hand-written backpropagation, batched over runs.

The lecture's network "15x25, 2, 1 (17 layers)": input dimension 2, 15 hidden layers of width 25
and a linear output of width 1 (17 layers of neurons, 16 weight layers):

.. math::
    h_1 = \mathrm{relu}(W_1 x + b_1)\ (2 \to 25), \qquad
    h_{j} = h_{j-1} + \mathrm{relu}(W_j h_{j-1} + b_j)\ (25 \to 25,\ j = 2..15), \qquad
    m(x;\theta) = W_{16} h_{15} + b_{16}\ (25 \to 1).

A layer is *residual* when it is square and not the output layer. The Lipschitz constant of
:math:`x \mapsto m(x;\theta)` is bounded by

.. math::
    L_m(\theta) = \prod_{\text{plain } j} \|W_j\|_2 \prod_{\text{residual } j} (1 + \|W_j\|_2),

since relu is 1-Lipschitz and :math:`x \mapsto x + \mathrm{relu}(Wx+b)` is :math:`(1+\|W\|_2)`-Lipschitz.

Two interfaces:

* a *list* interface for one network: ``params = [(W1, b1), ..., (W16, b16)]`` with
  :func:`init_params`, :func:`forward`, :func:`hinge_loss_and_grad`, :func:`lipschitz_bound`,
  :func:`flatten`, :func:`unflatten`;
* a *batched* interface over flat parameter vectors ``theta`` of shape ``(R, P)`` (R networks at
  once, e.g. R training runs or R points of a loss-landscape grid): :class:`NetSpec` and its methods
  ``forward``, ``loss``, ``loss_and_grad``, ``lipschitz``, ``jacobian``. The list functions call
  them with R = 1, so there is one implementation.

Everything is float64; no Python loop runs over data points or runs (only over the 16 layers).
This module imports neither matplotlib nor ipywidgets.

Example
-------
>>> import numpy as np
>>> params = init_params(5.0, np.random.default_rng(0))
>>> len(params), params[0][0].shape, params[1][0].shape, params[-1][0].shape
(16, (25, 2), (25, 25), (1, 25))
>>> f"{lipschitz_bound(params):.3g}"            # (1 + 5)^14 * 5 * 5
'1.96e+12'
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import _checks

__all__ = [
    "NetSpec", "DEFAULT_WIDTHS", "default_spec", "init_params", "init_theta", "forward",
    "hinge_loss_and_grad", "lipschitz_bound", "flatten", "unflatten", "layer_scales",
]

DEFAULT_WIDTHS = (2,) + (25,) * 15 + (1,)


@dataclass(frozen=True)
class Layer:
    n_out: int
    n_in: int
    residual: bool
    relu: bool
    block: slice        # the (n_out, n_in + 1) block [W | b] of the layer in theta


@dataclass(frozen=True)
class NetSpec:
    """The architecture: ``widths = (n_0, n_1, ..., n_L)``; layer j maps ``n_{j-1} -> n_j``.

    ``spec.size`` is the number P of parameters. A flat ``theta`` of shape ``(..., P)`` holds, layer
    by layer, the block ``[W_j | b_j]`` of shape ``(n_j, n_{j-1} + 1)`` row-major: row i is neuron
    i's incoming weights followed by its bias. (With this layout one matrix product computes
    :math:`W h + b` from :math:`[h; 1]`, and one gives both gradients.)
    """

    widths: tuple = DEFAULT_WIDTHS
    layers: tuple = field(init=False, repr=False)
    size: int = field(init=False)

    def __post_init__(self):
        widths = tuple(int(w) for w in self.widths)
        if len(widths) < 2 or min(widths) < 1:
            raise ValueError(f"widths must be at least two positive layer widths; got {self.widths!r}")
        layers, offset = [], 0
        for j, (n_in, n_out) in enumerate(zip(widths[:-1], widths[1:])):
            last = j == len(widths) - 2
            block = slice(offset, offset + n_out * (n_in + 1))
            layers.append(Layer(n_out, n_in, residual=(n_in == n_out and not last), relu=not last,
                                block=block))
            offset = block.stop
        object.__setattr__(self, "widths", widths)
        object.__setattr__(self, "layers", tuple(layers))
        object.__setattr__(self, "size", offset)

    # ----------------------------------------------------------------------------- layout
    def blocks(self, theta):
        """The ``[W | b]`` blocks as views into ``theta`` ``(R, P)``: each ``(R, out, in + 1)``."""
        R = theta.shape[0]
        return [theta[:, L.block].reshape(R, L.n_out, L.n_in + 1) for L in self.layers]

    def views(self, theta):
        """``[(W, b), ...]`` as views into ``theta`` ``(R, P)``: W ``(R, out, in)``, b ``(R, out)``."""
        return [(A[..., :-1], A[..., -1]) for A in self.blocks(theta)]

    def neuron_rows(self, theta):
        """Views ``(R, out, in + 1)`` per layer: row i = neuron i's incoming weights and bias."""
        return self.blocks(theta)

    def check_theta(self, theta, name="theta"):
        theta = _checks.as_array(theta, name, min_ndim=1)
        if theta.shape[-1] != self.size:
            raise ValueError(f"{name} must have last dimension P = {self.size} (the number of "
                             f"parameters of widths {self.widths}); got shape {theta.shape}")
        return theta

    def _batch(self, theta, X):
        theta = np.ascontiguousarray(self.check_theta(theta))
        single = theta.ndim == 1
        theta = theta.reshape(-1, self.size)
        X = _checks.as_array(X, "X", min_ndim=2)
        if X.shape[-1] != self.widths[0]:
            raise ValueError(f"X must have shape (N, {self.widths[0]}); got {X.shape}")
        return theta, X, single

    @staticmethod
    def augment(X):
        """``[X, 1]``: the inputs with a column of ones appended (so the bias rides in the product)."""
        Xa = np.empty(X.shape[:-1] + (X.shape[-1] + 1,))
        Xa[..., :-1] = X
        Xa[..., -1] = 1.0
        return Xa

    # ----------------------------------------------------------------------------- forward
    def workspace(self, lead):
        """Preallocated buffers for :meth:`_forward` / :meth:`_backward` on inputs whose leading shape
        is ``lead`` (e.g. ``(R, B)``): reusing them saves allocating (and page-faulting) fresh
        ``(R, B, 26)`` arrays for every layer of every step. The same operations write into them, so
        the numbers are the same as without. Results computed with a workspace are overwritten by
        the next call that uses it."""
        lead = tuple(lead)
        hs = []
        for L in self.layers[:-1]:
            h = np.empty(lead + (L.n_out + 1,))
            h[..., -1] = 1.0
            hs.append(h)
        return dict(lead=lead, hs=hs, z=[np.empty(lead + (L.n_out,)) for L in self.layers],
                    mask=[np.empty(lead + (L.n_out,), dtype=bool) for L in self.layers],
                    dz=[np.empty(lead + (L.n_out,)) for L in self.layers],
                    back=[np.empty(lead + (L.n_in,)) for L in self.layers])

    def _forward(self, blocks, Xa, keep=False, work=None):
        """Outputs ``(R, N)`` from augmented inputs ``Xa``; with ``keep`` also the augmented layer
        inputs and the relu outputs (their signs are the masks) for backprop. ``work``: optional
        buffers from :meth:`workspace` for ``Xa.shape[:-1]``."""
        hs, acts = [], []
        ha = Xa
        for j, (L, A) in enumerate(zip(self.layers, blocks)):
            # A^T as a transposed view (BLAS's transposed product; a contiguous copy gives other bits)
            if work is None:
                z = ha @ A.swapaxes(-1, -2)
            else:
                z = np.matmul(ha, A.swapaxes(-1, -2), out=work["z"][j])
            if keep:
                hs.append(ha)
            if not L.relu:
                return z[..., 0], hs, acts
            a = np.maximum(z, 0.0, out=z)
            if keep:
                acts.append(a)
            if work is None:
                nxt = np.empty(a.shape[:-1] + (L.n_out + 1,))
                nxt[..., -1] = 1.0
            else:
                nxt = work["hs"][j]
            if L.residual:
                np.add(ha[..., :-1], a, out=nxt[..., :-1])
            else:
                nxt[..., :-1] = a
            ha = nxt
        raise ValueError("the last layer must be linear")  # pragma: no cover

    def _backward(self, blocks, dm, hs, acts, gblocks=None, work=None):
        """Backpropagate ``dm`` = dloss/d(output) ``(R, N, 1)`` through every layer.

        With ``gblocks``, the parameter gradient of layer j (``dz^T [h_j; 1]``) is written into
        ``gblocks[j]`` and nothing is returned. Without, the gradient is carried down to the
        input and returned, shape ``(R, N, n_0)`` (:meth:`input_gradient`)."""
        dh = dm
        k = len(acts)
        for j in range(len(self.layers) - 1, -1, -1):
            L = self.layers[j]
            if L.relu:
                k -= 1
                if work is None:
                    dz = dh * (acts[k] > 0)
                else:
                    mask = np.greater(acts[k], 0, out=work["mask"][j])
                    dz = np.multiply(dh, mask, out=work["dz"][j])
            else:
                dz = dh
            if gblocks is not None:
                np.matmul(dz.swapaxes(-1, -2), hs[j], out=gblocks[j])
                if j == 0:
                    return None
            if work is None:
                back = dz @ blocks[j][..., :-1]
            else:
                back = np.matmul(dz, blocks[j][..., :-1], out=work["back"][j])
            if L.residual:
                back += dh
            dh = back
        return dh

    def forward(self, theta, X):
        r"""The outputs :math:`m(x_i;\theta_r)`: theta ``(R, P)`` or ``(P,)``, X ``(N, 2)`` or ``(R, N, 2)``.

        Returns ``(R, N)`` (or ``(N,)`` for a single theta).
        """
        theta, X, single = self._batch(theta, X)
        m = self._forward(self.blocks(theta), self.augment(X))[0]
        return m[0] if single else m

    def loss(self, theta, X, y, chunk=256):
        r"""The hinge loss :math:`\frac1N\sum_i\max(0, 1 - y_i m(x_i;\theta_r))` for every row of theta.

        Rows are processed ``chunk`` at a time (bounded memory for large landscape grids).
        """
        chunk = _checks.size(chunk, "chunk")
        theta, X, single = self._batch(theta, X)
        y = _checks.as_vector(y, "y", X.shape[-2])
        Xa = self.augment(X)
        out = np.empty(theta.shape[0])
        for s in range(0, theta.shape[0], chunk):
            part = theta[s:s + chunk]
            m = self._forward(self.blocks(part), Xa if Xa.ndim == 2 else Xa[s:s + chunk])[0]
            out[s:s + chunk] = np.maximum(0.0, 1.0 - y * m).mean(axis=-1)
        return out[0] if single else out

    def loss_and_grad(self, theta, X, y, out=None):
        r"""Hinge loss ``(R,)`` and its gradient ``(R, P)`` by backpropagation, for R networks at once.

        The hinge's derivative at the kink (:math:`y m = 1`) is taken as 0, as autodiff
        frameworks do; so is relu's at 0. ``out`` is an optional ``(R, P)`` C-contiguous array
        to write the gradient into.
        """
        theta, X, single = self._batch(theta, X)
        y = _checks.as_vector(y, "y", X.shape[-2])
        grad = np.empty(theta.shape) if out is None else out
        loss = self._loss_and_grad(self.blocks(theta), self.augment(X), y, self.blocks(grad))
        return (loss[0], grad[0]) if single else (loss, grad)

    def _loss_and_grad(self, blocks, Xa, y, gblocks, work=None):
        """The unchecked kernel of :meth:`loss_and_grad` (the trainer calls it with cached views
        and a :meth:`workspace`)."""
        m, hs, acts = self._forward(blocks, Xa, keep=True, work=work)
        margin = 1.0 - y * m
        dm = np.where(margin > 0, -y / y.shape[-1], 0.0)                # dloss/dm, (R, N)
        self._backward(blocks, dm[..., None], hs, acts, gblocks, work=work)
        return np.maximum(0.0, margin).mean(axis=-1)

    def jacobian(self, theta, X):
        r"""The Jacobian :math:`J_{ip} = \partial m(x_i;\theta)/\partial\theta_p` of one network, ``(N, P)``.

        Computed by backpropagation with one "run" per data point (per-example gradients).
        """
        theta = self.check_theta(theta, "theta")
        if theta.ndim != 1:
            raise ValueError(f"jacobian takes one parameter vector of shape (P,); got {theta.shape}")
        X = _checks.as_array(X, "X", ndim=2)
        N = X.shape[0]
        th = np.ascontiguousarray(np.broadcast_to(theta, (N, self.size)))
        blocks = self.blocks(th)
        m, hs, acts = self._forward(blocks, self.augment(X[:, None, :]), keep=True)
        J = np.empty((N, self.size))
        self._backward(blocks, np.ones((N, 1, 1)), hs, acts, self.blocks(J))
        return J

    def input_gradient(self, theta, X, chunk=4096):
        r"""The input gradients :math:`\nabla_x m(x_i;\theta_r)`, shape ``(R, N, n_0)`` (``(N, n_0)``
        for one theta), by backpropagation down to the input.

        A ReLU net is piecewise linear in x, so the largest norm of this gradient over a region is
        the Lipschitz constant of :math:`x \mapsto m(x;\theta)` there (at relu kinks the derivative
        0 is used, as in :meth:`loss_and_grad`). Points go through ``chunk`` at a time.
        """
        chunk = _checks.size(chunk, "chunk")
        theta, X, single = self._batch(theta, X)
        if X.ndim != 2:
            raise ValueError(f"X must have shape (N, {self.widths[0]}); got {X.shape}")
        blocks = self.blocks(theta)
        _checks.check_memory(theta.shape[0] * X.shape[0] * self.widths[0] * 8, "X", f"{X.shape[0]} points",
                             f"the input gradients of {theta.shape[0]} networks")
        out = np.empty((theta.shape[0], X.shape[0], self.widths[0]))
        for s in range(0, X.shape[0], chunk):
            m, hs, acts = self._forward(blocks, self.augment(X[s:s + chunk]), keep=True)
            out[:, s:s + chunk] = self._backward(blocks, np.ones(m.shape + (1,)), hs, acts)
        return out[0] if single else out

    # ----------------------------------------------------------------------------- norms
    def spectral_norms(self, theta):
        """``||W_j||_2`` of every layer, shape ``(R, number of layers)`` (or ``(L,)`` for one theta)."""
        theta = np.ascontiguousarray(self.check_theta(theta))
        single = theta.ndim == 1
        theta = theta.reshape(-1, self.size)
        views = self.views(theta)
        out = np.empty((theta.shape[0], len(self.layers)))
        groups = {}
        for j, L in enumerate(self.layers):
            groups.setdefault((L.n_out, L.n_in), []).append(j)
        for (n_out, n_in), idx in groups.items():
            Ws = np.stack([views[j][0] for j in idx], axis=1)           # (R, g, out, in)
            if min(n_out, n_in) == 1:
                s = np.sqrt((Ws ** 2).sum(axis=(-2, -1)))
            else:
                s = np.linalg.svd(Ws, compute_uv=False)[..., 0]
            out[:, idx] = s
        return out[0] if single else out

    def lipschitz(self, theta):
        r""":math:`L_m(\theta)` for every row of theta (the product formula of the module docstring)."""
        s = self.spectral_norms(theta)
        res = np.array([L.residual for L in self.layers])
        return np.prod(np.where(res, 1.0 + s, s), axis=-1)

    def scales(self, sigma):
        """The per-layer scale of the lecture's initialization: σ (residual) or max(1, σ) (the others)."""
        sigma = _checks.positive(sigma, "sigma")
        return np.array([sigma if L.residual else max(1.0, sigma) for L in self.layers])


_DEFAULT = NetSpec()


def default_spec():
    """The lecture's 2 -> 15 x 25 -> 1 residual network (P = 9201 parameters)."""
    return _DEFAULT


def layer_scales(sigma, spec=None):
    """Per-layer scales σ / max(1, σ) of the initialization (see :func:`init_theta`)."""
    return (spec or _DEFAULT).scales(sigma)


def init_theta(sigmas, rng, spec=None):
    r"""The lecture's initialization for several σ at once, from one draw of random directions.

    For every layer, :math:`W \sim \mathcal N(0,1)` entries and :math:`b \sim \mathcal N(0,1)` are
    drawn once, normalized to :math:`\|W\|_2 = 1` and :math:`\|b\|_2 = 1`, then scaled by σ
    (residual layers) or :math:`\max(1,\sigma)` (the non-square ones). Row r of the result uses
    ``sigmas[r]``, so runs with different σ start from the *same* directions.

    Returns ``(R, P)`` (``(P,)`` when ``sigmas`` is a number).
    """
    spec = spec or _DEFAULT
    single = np.ndim(sigmas) == 0
    sigmas = np.atleast_1d(_checks.positive(sigmas, "sigmas"))
    if not isinstance(rng, np.random.Generator):
        raise ValueError("rng must be a numpy Generator, e.g. np.random.default_rng(0)")
    unit = np.empty(spec.size)
    for L in spec.layers:
        W = rng.standard_normal((L.n_out, L.n_in))
        b = rng.standard_normal(L.n_out)
        block = np.column_stack([W / np.linalg.norm(W, 2), b / np.linalg.norm(b)])
        unit[L.block] = block.ravel()
    scales = np.stack([spec.scales(sg) for sg in sigmas])           # (R, layers)
    sizes = [L.block.stop - L.block.start for L in spec.layers]
    theta = unit * np.repeat(scales, sizes, axis=1)
    return theta[0] if single else theta


# --------------------------------------------------------------------------------- list interface
def flatten(params, spec=None):
    """``[(W, b), ...]`` -> the flat vector theta ``(P,)``."""
    spec = spec or _DEFAULT
    if len(params) != len(spec.layers):
        raise ValueError(f"params must hold {len(spec.layers)} (W, b) pairs; got {len(params)}")
    theta = np.empty(spec.size)
    for j, (L, (W, b)) in enumerate(zip(spec.layers, params)):
        W, b = np.asarray(W, dtype=float), np.asarray(b, dtype=float)
        if W.shape != (L.n_out, L.n_in) or b.shape != (L.n_out,):
            raise ValueError(f"layer {j + 1}: expected W {(L.n_out, L.n_in)} and b {(L.n_out,)}; "
                             f"got {W.shape} and {b.shape}")
        theta[L.block] = np.column_stack([W, b]).ravel()
    return theta


def unflatten(theta, spec=None):
    """The flat vector theta ``(P,)`` -> ``[(W, b), ...]`` (copies)."""
    spec = spec or _DEFAULT
    theta = spec.check_theta(theta)
    if theta.ndim != 1:
        raise ValueError(f"unflatten takes one vector (P,); got shape {theta.shape}")
    blocks = [theta[L.block].reshape(L.n_out, L.n_in + 1) for L in spec.layers]
    return [(A[:, :-1].copy(), A[:, -1].copy()) for A in blocks]


def init_params(sigma, rng, spec=None):
    """One network initialized with scale σ (see :func:`init_theta`), as ``[(W, b), ...]``."""
    return unflatten(init_theta(float(sigma), rng, spec), spec)


def _spec_of(params):
    widths = (params[0][0].shape[1],) + tuple(W.shape[0] for W, _ in params)
    return _DEFAULT if widths == _DEFAULT.widths else NetSpec(widths)


def forward(params, X):
    r"""The outputs :math:`m(x_i;\theta)` for the rows of X ``(N, n_0)``; returns ``(N,)``."""
    spec = _spec_of(params)
    return spec.forward(flatten(params, spec), X)


def hinge_loss_and_grad(params, X, y):
    """``(loss, grads)`` with ``grads = [(dW, db), ...]`` in the structure of ``params``."""
    spec = _spec_of(params)
    loss, g = spec.loss_and_grad(flatten(params, spec), X, y)
    return float(loss), unflatten(g, spec)


def lipschitz_bound(params):
    r""":math:`L_m = \prod \|W_j\|_2 \cdot \prod_{\text{residual}} (1 + \|W_j\|_2)` of one network."""
    spec = _spec_of(params)
    return float(spec.lipschitz(flatten(params, spec)))
