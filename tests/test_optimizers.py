"""Every optimizer against its update equations written out by hand, plus the theory it must obey."""

import warnings

import numpy as np
import pytest

from course_utils import optimizers as opt
from course_utils.objectives import Quadratic

Q = np.array([[0.1, -0.1], [-0.1, 1.0]])
F = Quadratic(Q)
G_SEQ = np.array([[0.3, -2.0, 1e-3], [-0.1, -1.5, 2e-3], [0.4, 0.5, -1e-3]])   # g_1, g_2, g_3


def steps_of(optimizer, grads=G_SEQ):
    state = optimizer.init(np.zeros(grads.shape[1]))
    out = []
    for g in grads:
        step, state = optimizer.update(g, state, None)
        out.append(step)
    return np.array(out), state


def by_hand_adam(grads, lr, b1, b2, eps):
    m = v = 0.0
    out = []
    for k, g in enumerate(grads, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        mk = m / (1 - b1 ** k)
        vk = v / (1 - b2 ** k)
        out.append(-lr * mk / (np.sqrt(vk) + eps))
    return np.array(out)


def by_hand(name, grads):
    g1, g2, g3 = grads
    if name == "gd":
        return -0.1 * grads
    if name == "scaled_gd":
        h = np.array([2.0, 0.5, 4.0])
        return -0.1 * grads / h
    if name == "sgd_momentum":
        b1 = g1
        b2 = 0.9 * b1 + (1 - 0.2) * g2
        b3 = 0.9 * b2 + (1 - 0.2) * g3
        return -0.05 * np.array([b1, b2, b3])
    if name == "filtered_sgd":
        m1 = 0.1 * g1
        m2 = 0.9 * m1 + 0.1 * g2
        m3 = 0.9 * m2 + 0.1 * g3
        return -0.05 * np.array([m1, m2, m3])
    if name == "adagrad":
        s1 = g1 ** 2
        s2 = s1 + g2 ** 2
        s3 = s2 + g3 ** 2
        return -0.1 * np.array([g1 / (np.sqrt(s1) + 1e-10), g2 / (np.sqrt(s2) + 1e-10),
                                g3 / (np.sqrt(s3) + 1e-10)])
    if name == "rmsprop":
        v1 = 0.01 * g1 ** 2
        v2 = 0.99 * v1 + 0.01 * g2 ** 2
        v3 = 0.99 * v2 + 0.01 * g3 ** 2
        return -0.01 * np.array([g1 / (np.sqrt(v1) + 1e-8), g2 / (np.sqrt(v2) + 1e-8),
                                 g3 / (np.sqrt(v3) + 1e-8)])
    if name == "adam":
        return by_hand_adam(grads, 1e-3, 0.9, 0.999, 1e-8)
    if name == "adamax":
        m1 = 0.1 * g1
        u1 = np.maximum(0.0, np.abs(g1) + 1e-8)
        m2 = 0.9 * m1 + 0.1 * g2
        u2 = np.maximum(0.999 * u1, np.abs(g2) + 1e-8)
        m3 = 0.9 * m2 + 0.1 * g3
        u3 = np.maximum(0.999 * u2, np.abs(g3) + 1e-8)
        return -2e-3 * np.array([m1 / (1 - 0.9) / u1, m2 / (1 - 0.9 ** 2) / u2, m3 / (1 - 0.9 ** 3) / u3])
    if name == "adadelta":
        eps, rho = 1e-6, 0.9
        v = u = 0.0
        out = []
        for g in grads:
            v = rho * v + (1 - rho) * g * g
            delta = np.sqrt(u + eps) / np.sqrt(v + eps) * g
            u = rho * u + (1 - rho) * delta * delta
            out.append(-1.0 * delta)
        return np.array(out)
    raise KeyError(name)


MAKERS = {
    "gd": lambda: opt.gd(0.1),
    "scaled_gd": lambda: opt.scaled_gd(0.1, H=[2.0, 0.5, 4.0]),
    "sgd_momentum": lambda: opt.sgd_momentum(0.05, momentum=0.9, dampening=0.2),
    "filtered_sgd": lambda: opt.filtered_sgd(0.05, b_m=0.9),
    "adagrad": lambda: opt.adagrad(0.1),
    "rmsprop": lambda: opt.rmsprop(0.01),
    "adam": lambda: opt.adam(),
    "adamax": lambda: opt.adamax(),
    "adadelta": lambda: opt.adadelta(),
}


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_first_three_steps_match_update_equations(name):
    steps, _ = steps_of(MAKERS[name]())
    np.testing.assert_allclose(steps, by_hand(name, G_SEQ), rtol=1e-12, atol=1e-15)


def test_pytorch_defaults():
    # γ of each default optimizer, read off its first step on g = (1, 1) where the metric is |g|.
    g = np.array([[1.0, 1.0]])
    assert steps_of(opt.adam(), g)[0][0, 0] == pytest.approx(-1e-3, rel=1e-7)
    assert steps_of(opt.adamax(), g)[0][0, 0] == pytest.approx(-2e-3, rel=1e-7)
    assert steps_of(opt.adagrad(), g)[0][0, 0] == pytest.approx(-1e-2, rel=1e-9)
    assert steps_of(opt.rmsprop(), g)[0][0, 0] == pytest.approx(-1e-2 / np.sqrt(0.01), rel=1e-7)


def test_adam_first_step_is_gamma_g_over_abs_g_plus_eps():
    g = np.array([[3.0, -1e-4, 1e-9, -250.0]])
    steps, state = steps_of(opt.adam(0.01, eps=1e-8), g)
    np.testing.assert_allclose(steps[0], -0.01 * g[0] / (np.abs(g[0]) + 1e-8), rtol=1e-12)
    np.testing.assert_allclose(opt.metric_diagonal(state), np.abs(g[0]) + 1e-8, rtol=1e-12)


def test_adam_is_invariant_to_rescaling_a_coordinate():
    rng = np.random.default_rng(0)
    grads = rng.standard_normal((50, 3))
    scale = np.array([1.0, 1e3, 1e-2])
    # eps = 1e-300 (eps = 0 is rejected): negligible next to |g| >= ~1e-8 here, so a and b agree
    a, _ = steps_of(opt.adam(0.01, eps=1e-300), grads)
    b, _ = steps_of(opt.adam(0.01, eps=1e-300), grads * scale)
    np.testing.assert_allclose(a, b, rtol=1e-12)
    c, _ = steps_of(opt.adam(0.01), grads * scale)    # with eps = 1e-8: equal up to the eps effect
    np.testing.assert_allclose(a, c, rtol=1e-5)
    d, _ = steps_of(opt.gd(0.01), grads * scale)       # GD, by contrast, is not invariant
    assert not np.allclose(d[:, 1], d[:, 0])


def test_filtered_gradient_and_metric_readout():
    _, state = steps_of(opt.adam(), G_SEQ)
    m = 0.0
    for g in G_SEQ:
        m = 0.9 * m + 0.1 * g
    np.testing.assert_allclose(opt.filtered_gradient(state), m, rtol=1e-14)
    _, state = steps_of(opt.rmsprop(), G_SEQ)
    v = 0.0
    for g in G_SEQ:
        v = 0.99 * v + 0.01 * g * g
    np.testing.assert_allclose(opt.metric_diagonal(state), np.sqrt(v) + 1e-8, rtol=1e-14)


@pytest.mark.parametrize("name, maker, steps", [
    ("gd", lambda: opt.gd(1.0), 400),
    ("scaled_gd", lambda: opt.scaled_gd(1.0, H=np.diag(Q)), 60),
    ("newton", lambda: opt.newton(), 2),
    ("sgd_momentum", lambda: opt.sgd_momentum(0.5, momentum=0.5), 400),
    ("filtered_sgd", lambda: opt.filtered_sgd(1.0, b_m=0.5), 600),
    ("adagrad", lambda: opt.adagrad(0.5), 3000),
    ("rmsprop", lambda: opt.rmsprop(opt.inverse_time_decay(0.05, 100)), 4000),
    ("adam", lambda: opt.adam(opt.inverse_time_decay(0.1, 100)), 4000),
    ("adamax", lambda: opt.adamax(opt.inverse_time_decay(0.1, 100)), 4000),
    ("adadelta", lambda: opt.adadelta(1.0), 20000),
])
def test_every_optimizer_converges_on_a_strongly_convex_quadratic(name, maker, steps):
    f = Quadratic(Q, c=[0.2, -0.3])
    X = opt.run(maker(), f.grad, [2.0, 1.5], steps)
    err0 = np.linalg.norm(X[0] - f.minimizer())
    assert np.linalg.norm(X[-1] - f.minimizer()) < 1e-3 * err0


def test_gd_converges_just_below_and_diverges_just_above_the_bound():
    bound = 2.0 / np.linalg.eigvalsh(Q)[-1]
    with warnings.catch_warnings():
        warnings.simplefilter("error")           # no RuntimeWarning may escape
        below = opt.run(opt.gd(0.99 * bound), F.grad, [1.0, 1.0], 3000)
        above = opt.run(opt.gd(1.01 * bound), F.grad, [1.0, 1.0], 3000)
    assert not opt.diverged(below) and np.linalg.norm(below[-1]) < 1e-8
    assert opt.diverged(above)
    k = opt.divergence_step(above)
    assert 500 < k < 3000 and np.all(np.isnan(above[k:])) and np.all(np.isfinite(above[:k]))


def test_batched_runs_flag_divergence_per_run():
    x0 = np.array([[1.0, 1.0], [1.0, 1.0]])
    steps = np.array([[1.0], [2.5]])      # one step size per run, broadcasting against x
    X = opt.run(opt.gd(steps), F.grad, x0, 2000)
    assert X.shape == (2001, 2, 2)
    assert opt.diverged(X).tolist() == [False, True]
    single = opt.run(opt.gd(1.0), F.grad, [1.0, 1.0], 2000)
    # Not bit for bit: a batched matmul may take another SIMD path than a single one (AVX-512 with
    # numpy 2.4 differs in the last bit from step 77 on, max relative difference 2.2e-15). rtol
    # 1e-12 leaves ~500 ulps for that round-off yet fails on any real difference of the update.
    np.testing.assert_allclose(X[:, 0], single, rtol=1e-12, atol=0)


def test_scaled_gd_with_H_equal_Q_and_newton_solve_in_one_step():
    f = Quadratic(Q, c=[0.3, -0.7])
    x0 = np.array([3.0, -4.0])
    X = opt.run(opt.scaled_gd(1.0, H=Q), f.grad, x0, 1)
    np.testing.assert_allclose(X[1], f.minimizer(), atol=1e-12)
    X = opt.run(opt.newton(), f.grad, x0, 1)                   # the Hessian found through f.grad
    np.testing.assert_allclose(X[1], f.minimizer(), atol=1e-12)
    X = opt.run(opt.newton(hessian=f.hessian), lambda x: Q @ x + f.c, x0, 1)
    np.testing.assert_allclose(X[1], f.minimizer(), atol=1e-12)


@pytest.mark.parametrize("H", [None, np.diag(Q)])
def test_measured_rate_at_best_step_matches_theory(H):
    gamma, rho = F.optimal_step(H), F.optimal_rate(H)
    optimizer = opt.gd(gamma) if H is None else opt.scaled_gd(gamma, H)
    K = 40
    X = opt.run(optimizer, F.grad, [1.0, 1.0], K)
    measured = (np.linalg.norm(X[K]) / np.linalg.norm(X[0])) ** (1.0 / K)
    assert measured == pytest.approx(rho, rel=0.01)
    expected = 0.838 if H is None else 0.316
    assert rho == pytest.approx(expected, abs=5e-4)


@pytest.mark.parametrize("make, message", [
    (lambda: opt.gd(0.0), "step must be a positive"),
    (lambda: opt.gd(-1.0), "step must be a positive"),
    (lambda: opt.gd(np.nan), "step must be a positive"),
    (lambda: opt.scaled_gd(0.1, H=[[1.0, 2.0], [2.0, 1.0]]), "positive definite"),
    (lambda: opt.scaled_gd(0.1, H=[[1.0, 0.5], [0.0, 1.0]]), "symmetric"),
    (lambda: opt.scaled_gd(0.1, H=[1.0, 0.0]), "positive definite"),
    (lambda: opt.scaled_gd(0.1, H=[[np.nan, 0.0], [0.0, 1.0]]), "NaN"),
    (lambda: opt.scaled_gd(0.1, H=np.ones((2, 2, 2))), "n x n matrix or a length-n vector"),
    (lambda: opt.run(opt.scaled_gd(0.1, H=[1.0, 2.0, 3.0]), F.grad, [1.0, 1.0], 3), "n = 3"),
    (lambda: opt.run(opt.gd(0.1), F.grad, [np.nan, 1.0], 3), "x0 contains NaN"),
    (lambda: opt.run(opt.gd(0.1), F.grad, [1.0, 1.0], -1), "steps must be"),
    (lambda: opt.run(opt.gd(0.1), lambda x: np.ones(3), [1.0, 1.0], 2), "grad\\(x\\) returned shape"),
    (lambda: opt.run(opt.gd(lambda k: -1.0), F.grad, [1.0, 1.0], 2), r"step\(1\) must be"),
    (lambda: opt.adam(b_m=1.0), r"b_m must lie in \[0, 1\)"),
    (lambda: opt.adam(b_v=-0.1), r"b_v must lie in \[0, 1\)"),
    (lambda: opt.adam(eps=-1e-8), "eps must be a finite number >= 0"),
    (lambda: opt.adam(step=0.0), "step must be a positive"),
    (lambda: opt.rmsprop(b_v=1.5), "b_v must lie"),
    (lambda: opt.adamax(b_m=1.0), "b_m must lie"),
    (lambda: opt.adagrad(eps=-1.0), "eps must be"),
    (lambda: opt.adadelta(rho=1.0), "rho must lie"),
    (lambda: opt.adadelta(eps=0.0), "adadelta needs eps > 0"),
    (lambda: opt.sgd_momentum(momentum=1.0), "momentum must lie"),
    (lambda: opt.filtered_sgd(b_m=2.0), "b_m must lie"),
])
def test_bad_input_raises_clear_value_error(make, message):
    with pytest.raises(ValueError, match=message):
        make()


# --- BFGS ------------------------------------------------------------------------------------
def _bfgs_by_hand(grad, x0, steps, gamma=1.0):
    """BFGS written out: the direct update of H_k, then x <- x - gamma H_k^{-1} g."""
    x = np.array(x0, dtype=float)
    H = np.eye(x.size)
    X, Hs = [x], []
    x_old = g_old = None
    for _ in range(steps):
        g = grad(x)
        if x_old is not None:
            s, y = x - x_old, g - g_old
            H = H - np.outer(H @ s, H @ s) / (s @ H @ s) + np.outer(y, y) / (y @ s)
        x_old, g_old = x, g
        x = x - gamma * np.linalg.solve(H, g)
        X.append(x)
        Hs.append(H)
    return np.array(X), Hs


def test_bfgs_matches_the_update_written_out_and_satisfies_the_secant_condition():
    from course_utils.objectives import Quadratic

    f = Quadratic([[0.1, -0.1], [-0.1, 1.0]])
    x0 = [-4.0, 1.5]
    X_hand, H_hand = _bfgs_by_hand(f.grad, x0, 6)
    X, states = opt.run(opt.bfgs(1.0), f.grad, x0, 6, return_states=True)
    np.testing.assert_allclose(X, X_hand, rtol=1e-12, atol=1e-14)
    for k in range(2, 7):                        # H_k s_k = y_k, with y_k = Q s_k on a quadratic
        s = X[k - 1] - X[k - 2]
        np.testing.assert_allclose(states[k].H @ s, f.Q @ s, rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(states[k].H, H_hand[k - 1], rtol=1e-12, atol=1e-14)
        assert np.all(np.linalg.eigvalsh(states[k].H) > 0)


def test_bfgs_learns_q_and_beats_gd_at_its_best_step():
    from course_utils.objectives import Quadratic

    f = Quadratic([[0.1, -0.1], [-0.1, 1.0]])
    x0 = np.array([-4.0, 1.5])
    X, states = opt.run(opt.bfgs(1.0), f.grad, x0, 10, return_states=True)
    assert np.linalg.norm(states[-1].H - f.Q) < 1e-3
    assert np.linalg.norm(states[1].H - f.Q) > 0.5          # it starts at the identity
    k_bfgs = np.flatnonzero(np.linalg.norm(X, axis=1) < 1e-8 * np.linalg.norm(x0))[0]
    G = opt.run(opt.gd(f.optimal_step()), f.grad, x0, 500)
    k_gd = np.flatnonzero(np.linalg.norm(G, axis=1) < 1e-8 * np.linalg.norm(x0))[0]
    assert k_bfgs <= 8 and k_gd > 10 * k_bfgs


def test_bfgs_batched_runs_equal_single_runs_and_bad_input_is_clear():
    from course_utils.objectives import Quadratic

    f = Quadratic([[2.0, 0.3, 0.0], [0.3, 1.0, 0.1], [0.0, 0.1, 0.5]])
    X0 = np.random.default_rng(0).standard_normal((4, 3))
    batched = opt.run(opt.bfgs(0.8), f.grad, X0, 15)
    for r in range(4):
        single = opt.run(opt.bfgs(0.8), f.grad, X0[r], 15)
        np.testing.assert_allclose(batched[:, r], single, rtol=1e-10, atol=1e-13)
    with pytest.raises(ValueError, match="H0"):
        opt.bfgs(1.0, H0=[[1.0, 2.0], [0.0, 1.0]]).init(np.zeros(2))
    with pytest.raises(ValueError, match="positive definite"):
        opt.bfgs(1.0, H0=[1.0, -1.0]).init(np.zeros(2))
    with pytest.raises(ValueError, match="step"):
        opt.bfgs(-1.0)


def test_bfgs_skips_an_update_without_positive_curvature():
    bf = opt.bfgs(1.0)
    state = bf.init(np.zeros(2))
    _, state = bf.update(np.array([1.0, 0.0]), state, np.zeros(2))
    _, state = bf.update(np.array([0.0, 0.0]), state, np.array([1.0, 0.0]))   # y^T s = -1 < 0
    np.testing.assert_array_equal(state.H, np.eye(2))
