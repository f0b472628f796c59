"""The batched trainer equals training each run alone."""

import numpy as np
import pytest

from course_utils import nets, optimizers, training
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


@pytest.mark.parametrize("name", ["adam", "sgd"])
def test_in_place_updates_equal_optimizers_make_also_after_runs_leave(name):
    """The trainer's in-place updates are ``optimizers.make(name, step)``'s, row by row, with
    each row's own step; rows that leave (``take``) do not disturb the others' states."""
    rng = np.random.default_rng(0)
    R, P = 11, 37                                    # more rows than one chunk of _InPlaceAdam
    step = rng.uniform(1e-3, 1e-1, R)
    theta0 = rng.standard_normal((R, P))
    grads = [rng.standard_normal((R, P)) * 10.0 ** rng.integers(-6, 6) for _ in range(8)]
    keep = np.ones(R, dtype=bool)
    keep[[0, 4, 9]] = False
    fast = (training._InPlaceAdam(step, 0.9, 0.999, 1e-8, P) if name == "adam"
            else training._InPlaceSGD(step, P))
    theta, rows = theta0.copy(), np.arange(R)
    for k, g in enumerate(grads):
        if k == 4:                                    # three runs finish after four updates
            fast.take(keep)
            theta, rows = np.ascontiguousarray(theta[keep]), rows[keep]
        fast.apply(theta, g[rows])
    assert theta.shape == (8, P)
    for i, r in enumerate(rows):                      # each remaining run alone, by the package
        opt, x = optimizers.make(name, step[r]), theta0[r]
        state = opt.init(x)
        for g in grads:
            d, state = opt.update(g[r], state, x)
            x = x + d
        np.testing.assert_allclose(theta[i], x, rtol=1e-12, atol=0)
        assert np.max(np.abs(x - theta0[r])) > 1e-4   # the runs did move


def test_first_in_place_adam_step_by_hand():
    """Adam's first step is -gamma g / (|g| + eps), written out."""
    step = np.array([0.05])
    one = training._InPlaceAdam(step, 0.9, 0.999, 1e-8, 3)
    x, g = np.zeros((1, 3)), np.array([[3.0, -1e-4, 0.0]])
    one.apply(x, g)
    np.testing.assert_allclose(x, -0.05 * g / (np.abs(g) + 1e-8), rtol=1e-12, atol=0)


def test_one_optimizer_factory():
    """Training builds no optimizer of its own: the reference is ``optimizers.make``, which
    also checks Adam's parameters given to :func:`training.train`."""
    assert not hasattr(training, "make_optimizer")
    X, y = two_spirals(20)
    with pytest.raises(ValueError, match="b_m"):
        training.train([(1.0, "adam", 1e-2)], X, y, max_epochs=1, spec=SMALL, b_m=1.5)
