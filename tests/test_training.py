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
