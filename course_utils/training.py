r"""Train many networks at once: runs stacked along a batch axis, one stack per optimizer.

The lecture's σ experiment trains ten networks (five scales σ, Adam and SGD). They are small (P =
9201 parameters, mini-batches of 20 points), so one run is dominated by Python overhead, not by
arithmetic. :func:`train` therefore stacks the flattened parameters of all runs that share an
optimizer into one ``(R, P)`` array and advances them together: one batched forward/backward pass
(:meth:`course_utils.nets.NetSpec.loss_and_grad`) and one elementwise optimizer update per
mini-batch for the whole stack. The updates are those of the package's optimizers
``optimizers.make("adam", step)`` and ``optimizers.make("sgd", step)`` with one step size γ per
run (an ``(R, 1)`` array), computed in place on the stack (``tests/test_training.py`` checks them
against ``optimizers.make`` to 1e-12). Each run's step size and optimizer state are held per row,
so a run that reaches zero training loss (checked on the full data once per epoch) leaves its
stack by dropping its rows; the stack shrinks as runs finish and nothing is rebuilt.

Runs may have different seeds (``RunConfig(..., seed=s)``): a seed fixes a run's initialization
and its mini-batch order, and runs of several seeds still advance in one stack (each row then
gathers its own mini-batch). Every run with seed s sees the same mini-batches in the same order
(one permutation of the data per epoch from ``np.random.default_rng(s + 1)``), whichever stack it
is in, so the result of a run does not depend on which other runs were trained with it
(``tests/test_training.py`` checks this to 1e-10).

A run that blows up (parameters or loss not finite, or ``||theta|| > blowup``) or is stuck with
a dead first layer (constant output) leaves the stack flagged ``diverged``; the other
runs go on. :func:`train` never raises because of a diverging run.

This module imports neither matplotlib nor ipywidgets.
"""

from __future__ import annotations

import numbers
import types
from dataclasses import dataclass, field

import numpy as np

from . import _checks, nets, optimizers

__all__ = ["RunConfig", "RunResult", "train", "check_seed", "ALGORITHMS", "Interrupted",
           "check_memory", "memory_needed"]

ALGORITHMS = ("adam", "sgd")


class Interrupted(KeyboardInterrupt):
    """Training was stopped (Ctrl-C, or the ``stop`` event of :func:`train`) at an epoch boundary.

    ``results`` holds every run in the order of the configs: the runs that had finished are
    complete; the others carry ``interrupted=True`` (their θ_end is where they were stopped).
    ``finished`` lists only the complete ones. A ``KeyboardInterrupt``, so code that does not
    know it still stops.
    """

    def __init__(self, results):
        super().__init__(f"training interrupted: {sum(not r.interrupted for r in results)} of "
                         f"{len(results)} runs finished")
        self.results = results

    @property
    def finished(self):
        return [r for r in self.results if not r.interrupted]


def check_seed(seed, name="seed"):
    """A seed is an integer >= 0 (Python or numpy int, not a bool, a float or a string)."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"{name} must be an integer >= 0; got {seed!r} ({type(seed).__name__})")
    if seed < 0:
        raise ValueError(f"{name} must be an integer >= 0; got {seed!r}")
    return int(seed)


@dataclass(frozen=True)
class RunConfig:
    """One training run: initialization scale σ, algorithm (``"adam"`` or ``"sgd"``), step size γ,
    and optionally its own seed (``None``: the ``seed`` given to :func:`train`)."""

    sigma: float
    algorithm: str
    step: float
    seed: int | None = None

    def __post_init__(self):
        _checks.positive(self.sigma, "sigma")
        _checks.positive(self.step, "step")
        if not isinstance(self.algorithm, str) or self.algorithm not in ALGORITHMS:
            raise ValueError(f"algorithm must be one of {ALGORITHMS}; got {self.algorithm!r}")
        if self.seed is not None:
            object.__setattr__(self, "seed", check_seed(self.seed))


def _readonly(a):
    a = np.array(a, copy=True)
    a.flags.writeable = False
    return a


@dataclass(frozen=True)
class RunResult:
    """What a run produced. ``history`` holds per-epoch arrays (see :func:`train`).

    Frozen: its arrays are read-only and ``history`` is a read-only mapping, so a result shared
    through a cache cannot be corrupted by a caller (copy an array to change it).
    """

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
    seed: int = 0
    first_zero_epoch: int | None = None
    interrupted: bool = False

    def __post_init__(self):
        object.__setattr__(self, "theta0", _readonly(self.theta0))
        object.__setattr__(self, "theta_end", _readonly(self.theta_end))
        object.__setattr__(self, "history", types.MappingProxyType(
            {k: _readonly(v) for k, v in dict(self.history).items()}))

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


class _InPlaceAdam:
    r"""``optimizers.make("adam", step)`` for a block of rows, updating ``theta`` in place.

    Per row r (its own step :math:`\gamma_r`):
    :math:`\hat m \leftarrow b_m \hat m + (1-b_m) g`, :math:`\hat v \leftarrow b_v \hat v + (1-b_v) g^2`,
    :math:`\theta \leftarrow \theta - \gamma_r\,(\hat m/(1-b_m^k)) / (\sqrt{\hat v/(1-b_v^k)} + \epsilon)`.
    The same arithmetic in the same order as the package's Adam (so the same numbers;
    ``tests/test_training.py`` compares them), but without allocating new ``(R, P)`` arrays for
    every temporary: rows are processed a few at a time in cache-sized buffers. The state
    (``step``, ``m``, ``v``: one row per run, and the shared count ``k``) is explicit, so
    :meth:`take` keeps the rows of the runs that go on.
    """

    ROWS = 8

    def __init__(self, step, b_m, b_v, eps, P):
        self.step = np.asarray(step, dtype=float).reshape(-1, 1)
        self.b_m, self.b_v, self.eps = b_m, b_v, eps
        self.k = 0
        self.m = np.zeros((self.step.shape[0], P))
        self.v = np.zeros((self.step.shape[0], P))
        self._t1 = np.empty((self.ROWS, P))
        self._t2 = np.empty((self.ROWS, P))

    def apply(self, theta, grad):
        self.k += 1
        c1, c2 = 1.0 - self.b_m ** self.k, 1.0 - self.b_v ** self.k
        for s in range(0, theta.shape[0], self.ROWS):
            e = min(s + self.ROWS, theta.shape[0])
            g, m, v = grad[s:e], self.m[s:e], self.v[s:e]
            t1, t2 = self._t1[:e - s], self._t2[:e - s]
            m *= self.b_m                                          # m = b_m m + (1 - b_m) g
            np.multiply(g, 1.0 - self.b_m, out=t1)
            m += t1
            v *= self.b_v                                          # v = b_v v + (1 - b_v) g g
            np.multiply(g, 1.0 - self.b_v, out=t1)
            t1 *= g
            v += t1
            np.divide(v, c2, out=t1)                               # h = sqrt(v / c2) + eps
            np.sqrt(t1, out=t1)
            t1 += self.eps
            np.divide(m, c1, out=t2)                               # dx = -step (m / c1) / h
            t2 *= -self.step[s:e]
            t2 /= t1
            theta[s:e] += t2

    def take(self, keep):
        """Keep the rows ``keep`` (a boolean mask over the block's runs)."""
        self.step, self.m, self.v = self.step[keep], self.m[keep], self.v[keep]


class _InPlaceSGD:
    r"""``optimizers.make("sgd", step)`` for a block of rows: :math:`\theta \leftarrow \theta -
    \gamma_r g` in place (state: one step :math:`\gamma_r` per row)."""

    def __init__(self, step, P):
        self.step = np.asarray(step, dtype=float).reshape(-1, 1)
        self._t = np.empty((self.step.shape[0], P))

    def apply(self, theta, grad):
        t = self._t[:theta.shape[0]]
        np.multiply(grad, -self.step, out=t)
        theta += t

    def take(self, keep):
        """Keep the rows ``keep`` (a boolean mask over the block's runs)."""
        self.step = self.step[keep]


class _Stack:
    """All live runs in one ``(R, P)`` array, sorted by optimizer: one batched forward/backward
    pass per mini-batch for every run, then one batched in-place update per optimizer group (a
    contiguous block of rows, so its parameters and gradients are views, not copies)."""

    def __init__(self, spec, configs, idx, theta0, adam_kwargs):
        order = sorted(idx, key=lambda r: ALGORITHMS.index(configs[r].algorithm))
        self.spec = spec
        self.idx = np.asarray(order, dtype=int)
        self.algs = np.array([configs[r].algorithm for r in order])
        step = np.array([configs[r].step for r in order], dtype=float)
        self.theta = np.ascontiguousarray(theta0[order])
        self.groups = []
        for alg in ALGORITHMS:
            rows = np.flatnonzero(self.algs == alg)
            if rows.size:
                opt = (_InPlaceAdam(step[rows], P=spec.size, **adam_kwargs) if alg == "adam"
                       else _InPlaceSGD(step[rows], spec.size))
                self.groups.append([slice(rows[0], rows[-1] + 1), opt])
        self._bind()

    def _bind(self):
        self.grad = np.empty_like(self.theta)
        self.blocks = self.spec.blocks(self.theta)
        self.gblocks = self.spec.blocks(self.grad)
        self._work = {}             # reusable layer buffers per (rows, batch size)

    def work(self, n):
        """The :meth:`course_utils.nets.NetSpec.workspace` for batches of ``n`` points."""
        w = self._work.get(n)
        if w is None:
            w = self._work[n] = self.spec.workspace((self.theta.shape[0], n))
        return w

    def step(self, Xa, y):
        """One mini-batch step: ``Xa`` ``(B, n0 + 1)`` and ``y`` ``(B,)`` shared by all rows, or
        ``(R, B, n0 + 1)`` and ``(R, B)``, one batch per row."""
        self.spec._loss_and_grad(self.blocks, Xa, y, self.gblocks, work=self.work(y.shape[-1]))
        for sl, opt in self.groups:
            opt.apply(self.theta[sl], self.grad[sl])

    def keep(self, mask):
        groups = []
        for sl, opt in self.groups:
            sub = mask[sl]
            if not sub.any():
                continue
            opt.take(sub)
            start = int(np.sum(mask[:sl.start]))
            groups.append([slice(start, start + int(sub.sum())), opt])
        self.groups = groups
        self.idx, self.algs = self.idx[mask], self.algs[mask]
        self.theta = np.ascontiguousarray(self.theta[mask])
        self._bind()


def _record_epochs(max_epochs, points=30):
    """Epochs at which L_m is recorded: roughly geometric, so early and late training both show."""
    e = np.unique(np.round(np.geomspace(1, max(max_epochs, 1), points)).astype(int))
    return set(e.tolist())


def memory_needed(n_runs, n_points, spec=None):
    """An estimate, in bytes, of what :func:`train` holds for ``n_runs`` runs on ``n_points``
    points: per run about 12 parameter vectors (θ0, θ_end, the stack, its gradient, Adam's m and
    v, temporaries and the results' copies) and the stored layer outputs of a full-data pass."""
    spec = spec or nets.default_spec()
    per_run = 12 * spec.size * 8 + 2 * sum(spec.widths[1:]) * n_points * 8
    return int(n_runs) * per_run


def check_memory(n_runs, n_points, spec=None, what="these runs"):
    """A ``MemoryError`` naming the size *before* anything is allocated, when ``n_runs`` runs
    would need more than half of the available memory."""
    need = memory_needed(n_runs, n_points, spec)
    avail = _checks.available_memory()
    if need > _checks.MEMORY_SHARE * avail:
        raise MemoryError(f"{what} ({n_runs} runs on {n_points} points) need about "
                          f"{need / 2**30:.1f} GiB; only {avail / 2**30:.1f} GiB are available "
                          f"(at most half is used): train fewer seeds or sigmas at once")
    return need


def train(configs, X, y, *, seed=0, batch_size=20, max_epochs=5000, theta0=None, spec=None,
          b_m=0.9, b_v=0.999, eps=1e-8, blowup=1e30, progress=None, extra_epochs=0, stop=None):
    r"""Train every configuration to zero training hinge loss, all runs batched in one stack.

    Parameters
    ----------
    configs : sequence of :class:`RunConfig` (or ``(sigma, algorithm, step[, seed])`` tuples)
    X, y : the training data, ``(N, 2)`` and ``(N,)`` with labels ±1
    seed : int >= 0
        The seed of every config whose own ``seed`` is None. A run's seed s fixes its
        initialization (:func:`course_utils.nets.init_theta` with ``np.random.default_rng(s)``:
        runs with the same s and σ start from the same θ0, and all σ share the same random
        directions) and its mini-batch order (``np.random.default_rng(s + 1)``, one permutation per
        epoch). Runs with different seeds are trained in the same stack.
    batch_size : mini-batch size; the N points are split into ``ceil(N / batch_size)`` batches
    max_epochs : cap on the number of epochs of a run that never reaches zero loss
    theta0 : optional ``(R, P)`` starting points (one per config) instead of the σ initialization
    b_m, b_v, eps : Adam's parameters (as ``optimizers.make("adam", step, b_m=..., b_v=...,
        eps=...)`` takes and checks them)
    blowup : a run whose parameter norm exceeds this, whose loss or parameters are not finite,
        or whose first layer is dead (no relu active on any training point while the loss is > 0:
        the output is then constant in x and can never reach zero loss) stops and is flagged
        ``diverged``; the other runs go on
    progress : optional callable ``(finished, total, epoch)`` called after every epoch
    extra_epochs : int >= 0
        How long a run goes on after its *first* zero-loss epoch (``first_zero_epoch``): 0 stops
        there (the lecture's rule); ``E`` trains every run the same ``E`` epochs further, so the
        end points compared are where each optimizer settles, not where it first enters the
        zero-loss region. At zero hinge loss every mini-batch gradient is exactly 0: SGD does not
        move any more, Adam moves only on its momentum (and gets gradients again if that takes it
        out of the zero-loss region). ``converged`` is then "loss 0 at the end"; a run that leaves
        zero loss keeps training until ``first_zero_epoch + E`` (or ``max_epochs``).
    stop : optional ``threading.Event``: when it is set, training stops at the next epoch
        boundary and :class:`Interrupted` is raised with the results so far. Ctrl-C
        (``KeyboardInterrupt``) in the training loop does the same.

    Returns
    -------
    list of :class:`RunResult`, in the order of ``configs``. ``history`` holds ``epoch``,
    ``loss`` (full-batch hinge loss after the epoch) and ``norm`` (``||theta||_2``) for every
    epoch, and ``lipschitz_epoch`` / ``lipschitz`` at roughly geometrically spaced epochs (and the
    last one). Epoch 0 is the initialization. A diverged run has ``diverged=True``,
    ``converged=False`` and NaN for ``train_accuracy`` and ``lipschitz_end``.

    Example
    -------
    >>> from course_utils.datasets.spirals import two_spirals
    >>> X, y = two_spirals(20)
    >>> small = nets.NetSpec((2, 8, 8, 1))
    >>> res = train([(1.0, "sgd", 0.1), (1e6, "sgd", 0.1)], X, y, max_epochs=3, spec=small)
    >>> [r.diverged for r in res]
    [False, True]
    """
    spec = spec or nets.default_spec()
    seed = check_seed(seed)
    if isinstance(configs, (RunConfig, str)) or not hasattr(configs, "__iter__"):
        raise TypeError("configs must be a sequence of RunConfig(sigma, algorithm, step[, seed])")
    configs = [c if isinstance(c, RunConfig) else RunConfig(*c) for c in configs]
    if not configs:
        raise ValueError("configs is empty: give at least one RunConfig(sigma, algorithm, step)")
    X = _checks.as_array(X, "X", ndim=2)
    if X.shape[0] == 0:
        raise ValueError("X has 0 data points: training needs at least one (X of shape (N, 2), N >= 1)")
    y = _checks.as_vector(y, "y", X.shape[0])
    if not np.all(np.abs(y) == 1):
        raise ValueError("y must hold labels -1 and +1")
    batch_size = _checks.positive_int(batch_size, "batch_size")
    max_epochs = _checks.positive_int(max_epochs, "max_epochs")
    blowup = _checks.positive(blowup, "blowup")
    if isinstance(extra_epochs, bool) or not isinstance(extra_epochs, numbers.Integral) or extra_epochs < 0:
        raise ValueError(f"extra_epochs must be an integer >= 0; got {extra_epochs!r}")
    extra_epochs = int(extra_epochs)
    if X.shape[0] == 0:
        raise ValueError("X is empty: give at least one training point")
    optimizers.make("adam", 1.0, b_m=b_m, b_v=b_v, eps=eps)     # checks Adam's parameters
    R = len(configs)
    check_memory(R, X.shape[0], spec)
    run_seed = np.array([seed if c.seed is None else c.seed for c in configs])
    seeds = sorted(set(run_seed.tolist()))
    if theta0 is None:
        theta0 = np.empty((R, spec.size))
        for s in seeds:
            rows = np.flatnonzero(run_seed == s)
            theta0[rows] = nets.init_theta(np.array([configs[r].sigma for r in rows]),
                                           np.random.default_rng(s), spec)
    theta0 = spec.check_theta(theta0, "theta0").reshape(R, spec.size)
    N = X.shape[0]
    starts = range(0, N, batch_size)
    n_batches = len(starts)
    batch_rngs = {s: np.random.default_rng(s + 1) for s in seeds}
    seed_row = np.searchsorted(seeds, run_seed)            # run -> row of the per-seed permutations
    shared = len(seeds) == 1
    adam_kwargs = dict(b_m=b_m, b_v=b_v, eps=eps)
    Xa = spec.augment(X)

    with np.errstate(all="ignore"):
        # ---- per-run bookkeeping
        loss0 = spec.loss(theta0, X, y)
        lip0 = spec.lipschitz(theta0)
        hist = [dict(epoch=[0], loss=[loss0[r]], norm=[np.linalg.norm(theta0[r])],
                     lipschitz_epoch=[0], lipschitz=[lip0[r]]) for r in range(R)]
        theta_end = theta0.copy()
        epochs = np.zeros(R, dtype=int)
        first_zero = np.full(R, -1)
        interrupted = np.zeros(R, dtype=bool)
        done = np.zeros(R, dtype=bool)
        blew = np.zeros(R, dtype=bool)
        record = _record_epochs(max_epochs)

        stacks = [_Stack(spec, configs, range(R), theta0, adam_kwargs)]
        finished_count = 0
        stopped = False
        for epoch in range(1, max_epochs + 1):
            if stop is not None and stop.is_set():
                stopped = True
                break
            try:
                perms = np.stack([batch_rngs[s].permutation(N) for s in seeds])      # (S, N)
                for st in stacks:
                    if shared:
                        for s0 in starts:
                            b = perms[0, s0:s0 + batch_size]
                            st.step(Xa[b], y[b])
                    else:
                        pr = perms[seed_row[st.idx]]                                 # (R_live, N)
                        for s0 in starts:
                            b = pr[:, s0:s0 + batch_size]
                            st.step(Xa[b], y[b])
            except KeyboardInterrupt:           # Ctrl-C: stop here, keep what finished
                stopped = True
                break
            for st in stacks:
                loss, dead = _full_loss(spec, st.theta, Xa, y, work=st.work(N))
                norm = np.linalg.norm(st.theta, axis=1)
                bad = ~np.isfinite(loss) | ~(norm <= blowup) | (dead & (loss > 0))
                zero = (loss == 0.0) & ~bad
                new_zero = zero & (first_zero[st.idx] < 0)
                first_zero[st.idx[new_zero]] = epoch
                reached = first_zero[st.idx] >= 0
                budget = reached & (epoch >= first_zero[st.idx] + extra_epochs)
                last = epoch == max_epochs
                leave = budget | bad | last
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
        if stopped:
            for st in stacks:
                for i, r in enumerate(st.idx):
                    theta_end[r] = st.theta[i]
                    epochs[r] = hist[r]["epoch"][-1]
                    interrupted[r] = True
                    blew[r] = not np.all(np.isfinite(st.theta[i]))

        ok = ~blew
        m_end = np.full((R, N), np.nan)
        if ok.any():
            m_end[ok] = spec.forward(theta_end[ok], X)
    results = []
    for r, c in enumerate(configs):
        h = {k: np.asarray(v, dtype=float if k not in ("epoch", "lipschitz_epoch") else int)
             for k, v in hist[r].items()}
        results.append(RunResult(
            config=c, theta0=theta0[r], theta_end=theta_end[r],
            iterations=int(epochs[r] * n_batches), epochs=int(epochs[r]),
            converged=bool(done[r]), diverged=bool(blew[r]),
            final_loss=float(h["loss"][-1]),
            train_accuracy=float(np.mean(np.sign(m_end[r]) == y)) if not blew[r] else float("nan"),
            lipschitz_theta0=float(lip0[r]),
            lipschitz_end=float(h["lipschitz"][-1]) if not blew[r] else float("nan"),
            history=h, seed=int(run_seed[r]),
            first_zero_epoch=int(first_zero[r]) if first_zero[r] >= 0 else None,
            interrupted=bool(interrupted[r])))
    if interrupted.any():
        raise Interrupted(results)
    return results


def _full_loss(spec, theta, Xa, y, work=None):
    """The full-batch hinge loss of every row, and whether the network is dead (no relu of the
    first layer active on any point: then the output is constant and every gradient is 0)."""
    blocks = spec.blocks(theta)
    m, hs, acts = spec._forward(blocks, Xa, keep=True, work=work)
    loss = np.maximum(0.0, 1.0 - y * m).mean(axis=-1)
    dead = ~np.any(acts[0] > 0, axis=(-2, -1)) if acts else np.zeros(theta.shape[0], dtype=bool)
    return loss, dead
