"""Every optimizer against its update equations written out by hand, plus the theory it must obey."""

import warnings

import numpy as np
import pytest

from course_utils import optimizers as opt
from course_utils.objectives import Quadratic

Q = np.array([[0.1, -0.1], [-0.1, 1.0]])
F = Quadratic(Q)
G_SEQ = np.array([[0.3, -2.0, 1e-3], [-0.1, -1.5, 2e-3], [0.4, 0.5, -1e-3]])   # g_1, g_2, g_3


def steps_of(optimizer, grads=G_SEQ, **call):
    """The updates dx_1, dx_2, ... of ``optimizer`` on a gradient sequence (rows of ``grads``, or
    ``grads[:, k]`` for a batch of runs ``(R, K, n)``), and the last state."""
    grads = np.asarray(grads)
    seq = grads if grads.ndim == 2 else np.moveaxis(grads, -2, 0)
    state = optimizer.init(np.zeros(seq.shape[1:]))
    out = []
    for g in seq:
        dx, state = optimizer.update(g, state, None, **call)
        out.append(dx)
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
    """The three updates of each optimizer of SPECS, written out, and its state after them: the
    fields by name, each the quantity its docstring names."""
    g1, g2, g3 = grads
    if name == "gd":
        return -0.1 * grads, {"count": 3, "h": np.ones(3)}
    if name == "scaled_gd":
        h = np.array([2.0, 0.5, 4.0])
        return -0.1 * grads / h, {"count": 3, "h": h}
    if name == "sgd_momentum":
        b1 = g1
        b2 = 0.9 * b1 + (1 - 0.2) * g2
        b3 = 0.9 * b2 + (1 - 0.2) * g3
        return -0.05 * np.array([b1, b2, b3]), {"count": 3, "buffer": b3, "h": np.ones(3)}
    if name == "filtered_sgd":
        m1 = 0.1 * g1
        m2 = 0.9 * m1 + 0.1 * g2
        m3 = 0.9 * m2 + 0.1 * g3
        return -0.05 * np.array([m1, m2, m3]), {"count": 3, "m_hat": m3, "h": np.ones(3)}
    if name == "adagrad":
        s1 = g1 ** 2
        s2 = s1 + g2 ** 2
        s3 = s2 + g3 ** 2
        return (-0.1 * np.array([g1 / (np.sqrt(s1) + 1e-10), g2 / (np.sqrt(s2) + 1e-10),
                                 g3 / (np.sqrt(s3) + 1e-10)]),
                {"count": 3, "sum_sq": s3, "h": np.sqrt(s3) + 1e-10})
    if name == "rmsprop":
        v1 = 0.01 * g1 ** 2
        v2 = 0.99 * v1 + 0.01 * g2 ** 2
        v3 = 0.99 * v2 + 0.01 * g3 ** 2
        return (-0.01 * np.array([g1 / (np.sqrt(v1) + 1e-8), g2 / (np.sqrt(v2) + 1e-8),
                                  g3 / (np.sqrt(v3) + 1e-8)]),
                {"count": 3, "v_hat": v3, "h": np.sqrt(v3) + 1e-8})
    if name == "adam":
        m3 = 0.1 * (0.81 * g1 + 0.9 * g2 + g3)                        # sum of (1-b) b^(3-j) g_j
        v3 = 0.001 * (0.999 ** 2 * g1 ** 2 + 0.999 * g2 ** 2 + g3 ** 2)
        return (by_hand_adam(grads, 1e-3, 0.9, 0.999, 1e-8),
                {"count": 3, "m_hat": m3, "v_hat": v3, "h": np.sqrt(v3 / (1 - 0.999 ** 3)) + 1e-8})
    if name == "adamax":
        m1 = 0.1 * g1
        u1 = np.maximum(0.0, np.abs(g1) + 1e-8)
        m2 = 0.9 * m1 + 0.1 * g2
        u2 = np.maximum(0.999 * u1, np.abs(g2) + 1e-8)
        m3 = 0.9 * m2 + 0.1 * g3
        u3 = np.maximum(0.999 * u2, np.abs(g3) + 1e-8)
        return (-2e-3 * np.array([m1 / (1 - 0.9) / u1, m2 / (1 - 0.9 ** 2) / u2, m3 / (1 - 0.9 ** 3) / u3]),
                {"count": 3, "m_hat": m3, "u": u3, "h": u3})
    if name == "adadelta":
        eps, rho = 1e-6, 0.9
        v = u = 0.0
        out = []
        for g in grads:
            u_before = u
            v = rho * v + (1 - rho) * g * g
            delta = np.sqrt(u + eps) / np.sqrt(v + eps) * g
            u = rho * u + (1 - rho) * delta * delta
            out.append(-1.0 * delta)
        return np.array(out), {"count": 3, "v_hat": v, "u_hat": u,
                               "h": np.sqrt(v + eps) / np.sqrt(u_before + eps)}
    raise KeyError(name)


#: name -> (step, hyper-parameters) for opt.make: the settings of the by-hand updates above.
SPECS = {
    "gd": (0.1, {}),
    "scaled_gd": (0.1, {"H": [2.0, 0.5, 4.0]}),
    "sgd_momentum": (0.05, {"momentum": 0.9, "dampening": 0.2}),
    "filtered_sgd": (0.05, {"b_m": 0.9}),
    "adagrad": (0.1, {}),
    "rmsprop": (0.01, {}),
    "adam": (1e-3, {}),
    "adamax": (2e-3, {}),
    "adadelta": (1.0, {}),
}
MAKERS = {name: (lambda name=name: opt.make(name, SPECS[name][0], **SPECS[name][1])) for name in SPECS}


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_first_three_steps_match_update_equations(name):
    steps, _ = steps_of(MAKERS[name]())
    np.testing.assert_allclose(steps, by_hand(name, G_SEQ)[0], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_every_state_field_is_the_quantity_it_is_named_after(name):
    _, state = steps_of(MAKERS[name]())
    expected = by_hand(name, G_SEQ)[1]
    assert state._fields == tuple(expected), type(state).__name__        # names, in order
    assert state.count == 3
    for field, value in expected.items():
        np.testing.assert_allclose(getattr(state, field), value, rtol=1e-12, atol=1e-300, err_msg=field)
    np.testing.assert_array_equal(opt.metric_diagonal(state), state.h)


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


def test_adam_is_invariant_to_rescaling_a_coordinate_of_the_gradient():
    # f(x) = ½ Σ λ_i x_i² and f_D(x) = ½ Σ d_i λ_i x_i²: the same minimizer, coordinate i of every
    # gradient multiplied by d_i. Powers of two make that rescaling exact in floating point, so
    # Adam (whose m_k and sqrt(v_k) scale by d_i together) must give the same iterates bit for bit.
    lam = np.array([1.0, 10.0, 0.1])
    d = np.array([1.0, 2.0 ** 10, 2.0 ** -7])
    f, f_D = Quadratic(np.diag(lam)), Quadratic(np.diag(d * lam))
    x0 = np.array([1.0, -0.5, 2.0])
    np.testing.assert_array_equal(f_D.grad(x0), d * f.grad(x0))           # really rescaled ...
    assert np.abs(f_D.grad(x0) / f.grad(x0) - 1).max() > 1000              # ... and by a lot
    X = opt.run(opt.adam(0.01, eps=1e-300), f.grad, x0, 300)
    X_D = opt.run(opt.adam(0.01, eps=1e-300), f_D.grad, x0, 300)
    np.testing.assert_array_equal(X_D, X)
    assert np.linalg.norm(X[-1]) < 0.1 * np.linalg.norm(x0)                # and the runs go somewhere
    # with the default eps = 1e-8: the same up to the eps effect
    X_eps = opt.run(opt.adam(0.01), f_D.grad, x0, 300)
    np.testing.assert_allclose(X_eps, X, rtol=0, atol=1e-4)         # |g_3| ~ 1e-3: eps/|g| ~ 1e-5
    # GD at a step stable on both is not invariant: coordinate 2 converges far faster on f_D
    G = opt.run(opt.gd(1e-4), f.grad, x0, 300)
    G_D = opt.run(opt.gd(1e-4), f_D.grad, x0, 300)
    assert not opt.diverged(G) and not opt.diverged(G_D)
    assert abs(G[-1, 1] - G_D[-1, 1]) > 0.3 and abs(G_D[-1, 1]) < 1e-10


def test_filtered_sgd_with_bias_correction_matches_its_update_equations():
    # m̂_k = b m̂_{k-1} + (1 - b) g_k, dx_k = -γ m̂_k / (1 - b^k)
    b, gamma = 0.8, 0.05
    m1 = (1 - b) * G_SEQ[0]
    m2 = b * m1 + (1 - b) * G_SEQ[1]
    m3 = b * m2 + (1 - b) * G_SEQ[2]
    expected = -gamma * np.array([m1 / (1 - b), m2 / (1 - b ** 2), m3 / (1 - b ** 3)])
    steps, state = steps_of(opt.filtered_sgd(gamma, b_m=b, bias_correction=True))
    np.testing.assert_allclose(steps, expected, rtol=1e-12, atol=1e-16)
    np.testing.assert_allclose(steps[0], -gamma * G_SEQ[0], rtol=1e-12)     # m̂_1/(1 - b) = g_1
    np.testing.assert_allclose(state.m_hat, m3, rtol=1e-12)                 # the state: uncorrected
    plain, _ = steps_of(opt.filtered_sgd(gamma, b_m=b))
    np.testing.assert_allclose(plain, -gamma * np.array([m1, m2, m3]), rtol=1e-12, atol=1e-16)
    ratio = steps / plain                          # the correction enlarges step k by 1/(1 - b^k)
    np.testing.assert_allclose(ratio, 1 / (1 - b ** np.arange(1, 4))[:, None] * np.ones(3), rtol=1e-12)


def test_filtered_gradient_and_metric_readout():
    _, state = steps_of(opt.adam(), G_SEQ)
    m = 0.0
    for g in G_SEQ:
        m = 0.9 * m + 0.1 * g
    np.testing.assert_allclose(opt.filtered_gradient(state), m, rtol=1e-14)
    _, state = steps_of(MAKERS["sgd_momentum"](), G_SEQ)
    np.testing.assert_allclose(opt.filtered_gradient(state), by_hand("sgd_momentum", G_SEQ)[1]["buffer"])
    _, state = steps_of(opt.rmsprop(), G_SEQ)
    v = 0.0
    for g in G_SEQ:
        v = 0.99 * v + 0.01 * g * g
    np.testing.assert_allclose(opt.metric_diagonal(state), np.sqrt(v) + 1e-8, rtol=1e-14)
    with pytest.raises(ValueError, match="RMSpropState holds no filtered gradient"):
        opt.filtered_gradient(state)


# --- the step size at update time --------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(MAKERS))
def test_a_step_given_at_update_time_equals_building_the_optimizer_with_it(name):
    step, hyper = SPECS[name]
    for other in (0.37 * step, lambda k: step / k):
        built, _ = steps_of(opt.make(name, other, **hyper))
        given, _ = steps_of(opt.make(name, step, **hyper), step=other)
        np.testing.assert_array_equal(given, built)
        assert not np.allclose(given, steps_of(opt.make(name, step, **hyper))[0])   # it did change
        alone, _ = steps_of(opt.make(name, None, **hyper), step=other)              # no default step
        np.testing.assert_array_equal(alone, built)


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_one_step_per_run_on_a_batch_equals_each_run_alone(name):
    step, hyper = SPECS[name]
    grads = np.stack([G_SEQ, -2.0 * G_SEQ[::-1], 0.5 * G_SEQ])              # (R, K, n): 3 runs
    per_run = step * np.array([[1.0], [0.3], [2.5]])                           # (R, 1)
    batch, state = steps_of(opt.make(name, step, **hyper), grads, step=per_run)
    for r in range(3):
        alone, _ = steps_of(opt.make(name, per_run[r, 0], **hyper), grads[r])
        np.testing.assert_allclose(batch[:, r], alone, rtol=1e-15, atol=0)
    assert opt.metric_diagonal(state).shape == (3, 3)


def test_changing_the_step_and_dropping_runs_needs_no_new_optimizer():
    adam = opt.adam(None)
    grads = np.stack([G_SEQ, -G_SEQ, 3.0 * G_SEQ])
    steps = np.array([[0.1], [0.2], [0.3]])
    state = adam.init(np.zeros((3, 3)))
    dx1, state = adam.update(grads[:, 0], state, step=steps)
    state = opt.take_runs(state, np.array([True, False, True]))                 # run 1 finished
    steps = steps[[0, 2]] / 2                                                  # and the step halves
    dx2, state = adam.update(grads[[0, 2], 1], state, step=steps)
    for r, row in ((0, 0), (2, 1)):
        schedule = lambda k, s=0.1 * (r + 1): s if k == 1 else s / 2
        alone, _ = steps_of(opt.adam(schedule), grads[r, :2])
        np.testing.assert_allclose([dx1[r], dx2[row]], alone, rtol=1e-15, atol=0)
    assert state.m_hat.shape == (2, 3) and state.count == 2
    with pytest.raises(ValueError, match="not a batch of runs"):
        opt.take_runs(opt.adam(0.1).init(np.zeros(3)), [0])


@pytest.mark.parametrize("call, message", [
    (lambda: steps_of(opt.adam(None)), "built with step=None"),
    (lambda: steps_of(opt.adam(0.1), step=0.0), "step must be a positive"),
    (lambda: steps_of(opt.adam(0.1), step=lambda k: -1.0), r"step\(1\) must be a positive"),
    (lambda: steps_of(opt.gd(0.1), step=np.array([0.1, 0.2])), r"step of shape \(2,\) does not broadcast"),
    (lambda: steps_of(opt.gd(np.ones((2, 1))), G_SEQ), r"step of shape \(2, 1\) does not broadcast"),
    (lambda: steps_of(opt.gd(0.1), hessian=np.eye(3)), "GD uses no Hessian; only newton takes hessian="),
])
def test_a_bad_step_or_hessian_at_update_time_is_a_clear_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --- make: the one name -> optimizer factory ------------------------------------------------------
FACTORY_OF = {"gd": opt.gd, "sgd": opt.gd, "scaled_gd": opt.scaled_gd, "newton": opt.newton,
              "sgd_momentum": opt.sgd_momentum, "momentum": opt.sgd_momentum,
              "filtered_sgd": opt.filtered_sgd, "adagrad": opt.adagrad, "rmsprop": opt.rmsprop,
              "adam": opt.adam, "adamax": opt.adamax, "adadelta": opt.adadelta, "bfgs": opt.bfgs}
HYPER = {"scaled_gd": {"H": [2.0, 0.5, 4.0]}, "newton": {"hessian": np.diag([2.0, 0.5, 4.0])},
         "sgd_momentum": {"momentum": 0.5}, "momentum": {"momentum": 0.5, "dampening": 0.5},
         "filtered_sgd": {"b_m": 0.8}, "adagrad": {"initial_accumulator_value": 0.1}, "rmsprop": {"b_v": 0.9},
         "adam": {"b_m": 0.8, "b_v": 0.99}, "adamax": {"b_v": 0.99}, "adadelta": {"rho": 0.8},
         "bfgs": {"H0": [1.0, 2.0, 3.0]}}


@pytest.mark.parametrize("name", opt.NAMES)
def test_make_builds_every_named_optimizer_as_its_factory_does(name):
    assert set(opt.NAMES) == set(FACTORY_OF)
    f = Quadratic(np.diag([2.0, 0.5, 4.0]), c=[1.0, -1.0, 0.5])
    hyper = HYPER.get(name, {})
    made, direct = opt.make(name, 0.05, **hyper), FACTORY_OF[name](0.05, **hyper)
    assert made.name == direct.name and made.needs_hessian == direct.needs_hessian
    np.testing.assert_array_equal(opt.run(made, f.grad, [1.0, 1.0, 1.0], 5),
                                  opt.run(direct, f.grad, [1.0, 1.0, 1.0], 5))
    plain = opt.run(FACTORY_OF[name](0.05, **{k: v for k, v in hyper.items() if k in ("H", "hessian")}),
                    f.grad, [1.0, 1.0, 1.0], 5)
    if set(hyper) - {"H", "hessian"}:                  # the hyper-parameters reached the factory
        assert not np.allclose(plain, opt.run(made, f.grad, [1.0, 1.0, 1.0], 5))


def test_make_aliases_case_and_errors():
    assert opt.make("sgd", 0.1).name == opt.make("GD", 0.1).name == "GD"
    assert opt.make("momentum", 0.1).name == "SGD + momentum"
    assert opt.make("Filtered-SGD", 0.1).name == opt.make("filtered sgd", 0.1).name == "filtered SGD"
    with pytest.raises(ValueError, match=r"unknown optimizer 'adamw'; choose one of gd, sgd, .*bfgs"):
        opt.make("adamw", 0.1)
    with pytest.raises(ValueError, match=r"unknown hyper-parameter\(s\) \['beta1'\]; adam takes "
                                         r"\['b_m', 'b_v', 'eps'\]"):
        opt.make("adam", 0.1, beta1=0.9)
    with pytest.raises(ValueError, match="step must be a positive"):
        opt.make("adam", -0.1)


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
def _bfgs_by_hand(grad, x0, steps, step=1.0):
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
        x = x - step * np.linalg.solve(H, g)
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
