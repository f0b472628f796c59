r"""Train many networks at once: runs stacked along a batch axis, one stack per optimizer.

The lecture's σ experiment trains ten networks (five scales σ, Adam and SGD). They are small (P =
9201 parameters, mini-batches of 20 points), so one run is dominated by Python overhead, not by
arithmetic. :func:`train` therefore stacks the flattened parameters of all runs that share an
optimizer into one ``(R, P)`` array and advances them together: one batched forward/backward pass
(:meth:`course_utils.nets.NetSpec.loss_and_grad`) and one elementwise optimizer update per
mini-batch for the whole stack. The optimizers are the package's ``(init, update)`` pairs
(:func:`course_utils.optimizers.adam`, :func:`course_utils.optimizers.gd`) with one step size per
run, an ``(R, 1)`` array. A run that reaches zero training loss (checked on the full data once per
epoch) leaves its stack, so the stack shrinks as runs finish.

Every run sees the same mini-batches in the same order (one permutation of the data per epoch,
seeded), whichever stack it is in, so the result of a run does not depend on which other runs
were trained with it (``tests/test_training.py`` checks this to 1e-10).

This module imports neither matplotlib nor ipywidgets.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import _checks, nets, optimizers

__all__ = ["RunConfig", "RunResult", "train", "make_optimizer", "ALGORITHMS"]

ALGORITHMS = ("adam", "sgd")


@dataclass(frozen=True)
class RunConfig:
    """One training run: initialization scale σ, algorithm (``"adam"`` or ``"sgd"``), step size γ."""

    sigma: float
    algorithm: str
    step: float

    def __post_init__(self):
        _checks.positive(self.sigma, "sigma")
        _checks.positive(self.step, "step")
        if self.algorithm not in ALGORITHMS:
            raise ValueError(f"algorithm must be one of {ALGORITHMS}; got {self.algorithm!r}")


@dataclass
class RunResult:
    """What a run produced. ``history`` holds per-epoch arrays (see :func:`train`)."""

    config: RunConfig
    theta0: np.ndarray
    theta_end: np.ndarray
    iterations: int
    epochs: int
    converged: bool
    diverged: bool
    final_loss: float
    train_accuracy: float
    lipschitz_theta0: float
    lipschitz_end: float
    history: dict = field(default_factory=dict, repr=False)

    @property
    def sigma(self):
        return self.config.sigma

    @property
    def algorithm(self):
        return self.config.algorithm

    @property
    def norm_theta0(self):
        return float(np.linalg.norm(self.theta0))

    @property
    def norm_theta_end(self):
        return float(np.linalg.norm(self.theta_end))


def make_optimizer(algorithm, steps, b_m=0.9, b_v=0.999, eps=1e-8):
    """The package optimizer for ``algorithm`` with per-run steps (an ``(R, 1)`` array)."""
    if algorithm == "adam":
        return optimizers.adam(steps, b_m=b_m, b_v=b_v, eps=eps)
    if algorithm == "sgd":
        return optimizers.gd(steps)
    raise ValueError(f"algorithm must be one of {ALGORITHMS}; got {algorithm!r}")


def _take(state, keep, R):
    """Keep the rows ``keep`` of every per-run array in an optimizer state."""
    return state._replace(**{
        name: value[keep] for name, value in state._asdict().items()
        if isinstance(value, np.ndarray) and value.ndim == 2 and value.shape[0] == R
    })


class _Stack:
    """All live runs in one ``(R, P)`` array, sorted by optimizer: one batched forward/backward
    pass per mini-batch for every run, then one batched update per optimizer group (a contiguous
    block of rows, so its parameters and gradients are views, not copies)."""

    def __init__(self, spec, configs, idx, theta0, adam_kwargs):
        order = sorted(idx, key=lambda r: ALGORITHMS.index(configs[r].algorithm))
        self.spec = spec
        self.idx = np.asarray(order, dtype=int)
        self.algs = np.array([configs[r].algorithm for r in order])
        self.steps = np.array([configs[r].step for r in order], dtype=float)
        self.kw = adam_kwargs
        self.theta = np.ascontiguousarray(theta0[order])
        self.groups = []
        for alg in ALGORITHMS:
            rows = np.flatnonzero(self.algs == alg)
            if rows.size:
                opt = make_optimizer(alg, self.steps[rows, None], **(self.kw if alg == "adam" else {}))
                sl = slice(rows[0], rows[-1] + 1)
                self.groups.append([alg, sl, opt, opt.init(self.theta[sl])])
        self._bind()

    def _bind(self):
        self.grad = np.empty_like(self.theta)
        self.blocks = self.spec.blocks(self.theta)
        self.gblocks = self.spec.blocks(self.grad)

    def step(self, Xa, y):
        self.spec._loss_and_grad(self.blocks, Xa, y, self.gblocks)
        for g in self.groups:
            _, sl, opt, state = g
            step, g[3] = opt.update(self.grad[sl], state, self.theta[sl])
            self.theta[sl] += step

    def keep(self, mask):
        groups = []
        for alg, sl, opt, state in self.groups:
            sub = mask[sl]
            if not sub.any():
                continue
            state = _take(state, sub, sub.size)
            start = int(np.sum(mask[:sl.start]))
            new_sl = slice(start, start + int(sub.sum()))
            steps = self.steps[sl][sub]
            opt = make_optimizer(alg, steps[:, None], **(self.kw if alg == "adam" else {}))
            groups.append([alg, new_sl, opt, state])
        self.groups = groups
        self.idx, self.algs, self.steps = self.idx[mask], self.algs[mask], self.steps[mask]
        self.theta = np.ascontiguousarray(self.theta[mask])
        self._bind()


def _record_epochs(max_epochs, points=30):
    """Epochs at which L_m is recorded: roughly geometric, so early and late training both show."""
    e = np.unique(np.round(np.geomspace(1, max(max_epochs, 1), points)).astype(int))
    return set(e.tolist())


def train(configs, X, y, *, seed=0, batch_size=20, max_epochs=5000, theta0=None, spec=None,
          b_m=0.9, b_v=0.999, eps=1e-8, blowup=1e30, progress=None):
    r"""Train every configuration to zero training hinge loss, all runs of one optimizer batched.

    Parameters
    ----------
    configs : sequence of :class:`RunConfig` (or ``(sigma, algorithm, step)`` tuples)
    X, y : the training data, ``(N, 2)`` and ``(N,)`` with labels ±1
    seed : int
        Seeds both the initialization (:func:`course_utils.nets.init_theta`: every run with the
        same σ starts from the same θ0, and all σ share the same random directions) and the
        mini-batch order (``np.random.default_rng(seed + 1)``, one permutation per epoch).
    batch_size : mini-batch size; the N points are split into ``ceil(N / batch_size)`` batches
    max_epochs : cap on the number of epochs of a run that never reaches zero loss
    theta0 : optional ``(R, P)`` starting points (one per config) instead of the σ initialization
    b_m, b_v, eps : Adam's parameters
    blowup : a run whose parameter norm exceeds this (or is not finite) stops as diverged
    progress : optional callable ``(finished, total, epoch)`` called after every epoch

    Returns
    -------
    list of :class:`RunResult`, in the order of ``configs``. ``history`` holds ``epoch``,
    ``loss`` (full-batch hinge loss after the epoch) and ``norm`` (``||theta||_2``) for every
    epoch, and ``lipschitz_epoch`` / ``lipschitz`` at roughly geometrically spaced epochs (and the
    last one). Epoch 0 is the initialization.
    """
    spec = spec or nets.default_spec()
    configs = [c if isinstance(c, RunConfig) else RunConfig(*c) for c in configs]
    if not configs:
        raise ValueError("configs is empty: give at least one RunConfig(sigma, algorithm, step)")
    X = _checks.as_array(X, "X", ndim=2)
    y = _checks.as_vector(y, "y", X.shape[0])
    if not np.all(np.abs(y) == 1):
        raise ValueError("y must hold labels -1 and +1")
    batch_size = _checks.positive_int(batch_size, "batch_size")
    max_epochs = _checks.positive_int(max_epochs, "max_epochs")
    R = len(configs)
    if theta0 is None:
        theta0 = nets.init_theta(np.array([c.sigma for c in configs]), np.random.default_rng(seed),
                                 spec)
    theta0 = spec.check_theta(theta0, "theta0").reshape(R, spec.size)
    N = X.shape[0]
    starts = range(0, N, batch_size)
    batch_rng = np.random.default_rng(seed + 1)
    adam_kwargs = dict(b_m=b_m, b_v=b_v, eps=eps)

    # ---- per-run bookkeeping
    loss0 = spec.loss(theta0, X, y)
    lip0 = spec.lipschitz(theta0)
    hist = [dict(epoch=[0], loss=[loss0[r]], norm=[np.linalg.norm(theta0[r])],
                 lipschitz_epoch=[0], lipschitz=[lip0[r]]) for r in range(R)]
    theta_end = theta0.copy()
    epochs = np.zeros(R, dtype=int)
    done = np.zeros(R, dtype=bool)
    blew = np.zeros(R, dtype=bool)
    record = _record_epochs(max_epochs)

    stacks = [_Stack(spec, configs, range(R), theta0, adam_kwargs)]
    Xa = spec.augment(X)

    finished_count = 0
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(1, max_epochs + 1):
            perm = batch_rng.permutation(N)
            batches = [perm[s:s + batch_size] for s in starts]
            for st in stacks:
                for b in batches:
                    st.step(Xa[b], y[b])
            for st in stacks:
                loss = spec.loss(st.theta, X, y)
                norm = np.linalg.norm(st.theta, axis=1)
                bad = ~np.isfinite(loss) | ~(norm <= blowup)
                zero = (loss == 0.0) & ~bad
                last = epoch == max_epochs
                leave = zero | bad | last
                rec = np.full(leave.shape, epoch in record) | leave
                lip = spec.lipschitz(np.where(bad[:, None], 0.0, st.theta)) if rec.any() else None
                for i, r in enumerate(st.idx):
                    h = hist[r]
                    h["epoch"].append(epoch)
                    h["loss"].append(loss[i])
                    h["norm"].append(norm[i])
                    if rec[i] and not bad[i]:
                        h["lipschitz_epoch"].append(epoch)
                        h["lipschitz"].append(lip[i])
                if np.any(leave):
                    for i in np.flatnonzero(leave):
                        r = st.idx[i]
                        theta_end[r] = st.theta[i]
                        epochs[r] = epoch
                        done[r] = zero[i]
                        blew[r] = bad[i]
                    finished_count += int(np.sum(leave))
                    st.keep(~leave)
            stacks = [st for st in stacks if st.theta.shape[0] > 0]
            if progress is not None:
                progress(finished_count, R, epoch)
            if not stacks:
                break

    m_end = spec.forward(theta_end, X)
    results = []
    for r, c in enumerate(configs):
        h = {k: np.asarray(v, dtype=float if k not in ("epoch", "lipschitz_epoch") else int)
             for k, v in hist[r].items()}
        results.append(RunResult(
            config=c, theta0=theta0[r].copy(), theta_end=theta_end[r].copy(),
            iterations=int(epochs[r] * len(batches)), epochs=int(epochs[r]),
            converged=bool(done[r]), diverged=bool(blew[r]),
            final_loss=float(h["loss"][-1]),
            train_accuracy=float(np.mean(np.sign(m_end[r]) == y)) if not blew[r] else float("nan"),
            lipschitz_theta0=float(lip0[r]),
            lipschitz_end=float(h["lipschitz"][-1]) if not blew[r] else float("nan"),
            history=h))
    return results
