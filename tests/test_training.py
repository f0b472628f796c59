"""The batched trainer equals training each run alone."""

import numpy as np
import pytest

from course_utils import nets, training
from course_utils.datasets.spirals import two_spirals

SMALL = nets.NetSpec((2, 16, 16, 16, 1))


def _configs():
    return [training.RunConfig(0.5, "adam", 3e-2), training.RunConfig(1.0, "sgd", 0.1),
            training.RunConfig(0.1, "adam", 1e-2), training.RunConfig(0.3, "sgd", 0.2)]


def test_batched_trainer_equals_single_runs():
    X, y = two_spirals(40, turns=0.5)
    cfg = _configs()
    together = training.train(cfg, X, y, seed=3, max_epochs=220, spec=SMALL)
    # some runs finish (and leave the stack) before others: the dropping is exercised
    assert any(r.converged for r in together) and len({r.epochs for r in together}) > 1
    for c, r in zip(cfg, together):
        alone = training.train([c], X, y, seed=3, max_epochs=220, spec=SMALL)[0]
        assert alone.epochs == r.epochs and alone.iterations == r.iterations
        assert np.allclose(alone.theta_end, r.theta_end, rtol=0, atol=1e-10)
        assert np.allclose(alone.history["loss"], r.history["loss"], rtol=0, atol=1e-10)
        assert np.array_equal(alone.theta0, r.theta0)


def test_runs_stop_at_zero_loss_and_leave_the_stack():
    X, y = two_spirals(40, turns=0.5)
    res = training.train([training.RunConfig(0.5, "adam", 3e-2), training.RunConfig(0.5, "sgd", 1e-4)],
                         X, y, seed=3, max_epochs=150, spec=SMALL)
    adam, sgd = res
    assert adam.converged and adam.final_loss == 0.0 and adam.train_accuracy == 1.0
    assert adam.history["loss"][-1] == 0.0 and np.all(adam.history["loss"][:-1] > 0)
    assert sgd.epochs >= adam.epochs
    assert adam.lipschitz_end == pytest.approx(SMALL.lipschitz(adam.theta_end))


def test_same_sigma_same_start_for_both_algorithms():
    X, y = two_spirals(20)
    res = training.train([(2.0, "adam", 1e-2), (2.0, "sgd", 1e-3)], X, y, max_epochs=1, spec=SMALL)
    assert np.array_equal(res[0].theta0, res[1].theta0)


def test_bad_config_raises():
    with pytest.raises(ValueError, match="algorithm"):
        training.RunConfig(1.0, "lbfgs", 0.1)
    with pytest.raises(ValueError, match="step"):
        training.RunConfig(1.0, "sgd", -0.1)


def test_runs_of_several_seeds_in_one_stack_equal_their_single_seed_runs():
    X, y = two_spirals(40, turns=0.5)
    cfg = [training.RunConfig(0.5, "adam", 3e-2, seed=s) for s in (3, 8)] + \
          [training.RunConfig(0.3, "sgd", 0.2, seed=s) for s in (8, 3)]
    together = training.train(cfg, X, y, max_epochs=60, spec=SMALL)
    for c, r in zip(cfg, together):
        alone = training.train([(c.sigma, c.algorithm, c.step)], X, y, seed=c.seed, max_epochs=60,
                               spec=SMALL)[0]
        assert r.seed == c.seed and alone.epochs == r.epochs
        np.testing.assert_allclose(r.theta_end, alone.theta_end, rtol=0, atol=1e-10)
        np.testing.assert_array_equal(r.theta0, alone.theta0)
    # different seeds: different starts and different batches
    assert not np.allclose(together[0].theta0, together[1].theta0)


def test_in_place_adam_and_sgd_equal_the_package_optimizers():
    from course_utils import optimizers
    rng = np.random.default_rng(0)
    R, P = 11, 37                                    # more rows than one chunk of _InPlaceAdam
    steps = rng.uniform(1e-3, 1e-1, R)
    th_fast, th_ref = [rng.standard_normal((R, P))] * 2
    th_fast, th_ref = th_fast.copy(), th_ref.copy()
    fast = training._InPlaceAdam(steps, 0.9, 0.999, 1e-8, P)
    ref = optimizers.adam(steps[:, None])
    state = ref.init(th_ref)
    sgd_fast, sgd_ref = training._InPlaceSGD(steps, P), optimizers.gd(steps[:, None])
    s_fast, s_ref = th_fast.copy(), th_ref.copy()
    sgd_state = sgd_ref.init(s_ref)
    for _ in range(6):
        g = rng.standard_normal((R, P)) * 10.0 ** rng.integers(-6, 6)
        fast.apply(th_fast, g)
        step, state = ref.update(g, state, th_ref)
        th_ref = th_ref + step
        sgd_fast.apply(s_fast, g)
        step, sgd_state = sgd_ref.update(g, sgd_state, s_ref)
        s_ref = s_ref + step
    np.testing.assert_allclose(th_fast, th_ref, rtol=1e-15, atol=0)
    np.testing.assert_allclose(s_fast, s_ref, rtol=1e-15, atol=0)
    # and a hand-written first Adam step: -gamma g / (|g| + eps)
    one = training._InPlaceAdam(steps[:1], 0.9, 0.999, 1e-8, 3)
    x, g = np.zeros((1, 3)), np.array([[3.0, -1e-4, 0.0]])
    one.apply(x, g)
    np.testing.assert_allclose(x, -steps[0] * g / (np.abs(g) + 1e-8), rtol=1e-12, atol=0)
