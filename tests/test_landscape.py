"""Loss landscapes: the batched grid equals point-by-point evaluation; sharpness numbers."""

import numpy as np

from course_utils import landscape, nets
from course_utils.datasets.spirals import two_spirals

SMALL = nets.NetSpec((2, 6, 6, 1))


def test_grid_equals_point_by_point():
    X, y = two_spirals(20)
    theta = nets.init_theta(1.0, np.random.default_rng(0), SMALL)
    d1, d2 = landscape.directions(theta, seed=1, spec=SMALL)
    al, be = np.linspace(-1, 1, 7), np.linspace(-0.5, 0.5, 5)
    Z = landscape.loss_grid(theta, d1, d2, X, y, al, be, spec=SMALL, chunk=4)
    assert Z.shape == (5, 7)
    for i, b in enumerate(be):
        for j, a in enumerate(al):
            assert np.isclose(Z[i, j], SMALL.loss(theta + a * d1 + b * d2, X, y), rtol=1e-12, atol=0)


def test_directions_plain_unit_and_filter_normalized():
    theta = nets.init_theta(2.0, np.random.default_rng(0), SMALL)
    d1, _ = landscape.directions(theta, seed=0, kind="plain", spec=SMALL)
    assert np.isclose(np.linalg.norm(d1), 1.0)
    f1, _ = landscape.directions(theta, seed=0, kind="filter", spec=SMALL)
    th = theta[None].copy()
    for D, T in zip(SMALL.neuron_rows(f1[None].copy()), SMALL.neuron_rows(th)):
        assert np.allclose(np.linalg.norm(D, axis=-1), np.linalg.norm(T, axis=-1))


def test_flat_radius_finds_the_first_increase():
    X, y = two_spirals(20)
    theta = nets.init_theta(1.0, np.random.default_rng(0), SMALL)
    # make a zero-loss point by scaling up the output of a fitted-looking net: use the margin
    m = SMALL.forward(theta, X)
    # a network with zero loss on its own sign labels scaled to margin >= 1
    y_fit = np.sign(m)
    scale = 1.0 / np.min(np.abs(m)) * 1.5
    theta_fit = theta.copy()
    last = SMALL.layers[-1].block
    theta_fit[last] *= scale
    assert SMALL.loss(theta_fit, X, y_fit) == 0.0
    d = landscape.random_direction(SMALL.size, np.random.default_rng(1))
    t = landscape.flat_radius(theta_fit, d, X, y_fit, t_max=10.0, spec=SMALL)[0]
    assert 0 < t < 10
    assert SMALL.loss(theta_fit + 0.999 * t * d, X, y_fit) == 0.0 or \
        SMALL.loss(theta_fit - 0.999 * t * d, X, y_fit) == 0.0
    assert max(SMALL.loss(theta_fit + 1.001 * t * d, X, y_fit),
               SMALL.loss(theta_fit - 1.001 * t * d, X, y_fit)) > 0


def test_gauss_newton_top_equals_dense_eigenvalue():
    X, _ = two_spirals(10)
    theta = nets.init_theta(1.0, np.random.default_rng(0), SMALL)
    J = SMALL.jacobian(theta, X)
    dense = np.linalg.eigvalsh(J.T @ J / X.shape[0])[-1]
    assert np.isclose(landscape.gauss_newton_top(theta, X, SMALL), dense, rtol=1e-10)


def test_uniform_note_and_masked_values():
    from course_utils.plots.landscapes import LOG_FLOOR, masked_values, uniform_note
    Z = np.array([[0.0, 3.0], [10.0, 20.0]])
    assert uniform_note(Z, 1e9) == "max 20 ≪ z_max: one colour"
    assert uniform_note(Z, 1e9, log=True) == ""
    assert uniform_note(Z, 100.0) == ""
    assert uniform_note(np.zeros((2, 2)), 10.0) == "loss 0 on the whole grid"
    assert uniform_note(Z + 50 * (Z > 0), 5.0) == "100 % clipped at z_max"
    assert uniform_note(Z + 50 * (Z > 0), 5.0, log=True) == "100 % clipped at z_max"
    m = masked_values(Z, 15.0, log=True)
    assert m.mask.tolist() == [[True, False], [False, False]]
    np.testing.assert_array_equal(m.data[1], [10.0, 15.0])
    assert masked_values(np.array([[1e-9]]), 15.0, log=True).data[0, 0] == LOG_FLOOR
