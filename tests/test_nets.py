"""The network of lesson 04: initialization rules, hand-written backprop, the Lipschitz bound."""

import numpy as np
import pytest
from fd import fd_directional, fd_grad

from course_utils import nets
from course_utils.datasets.spirals import two_spirals

SMALL = nets.NetSpec((2, 6, 6, 6, 1))      # one plain layer, two residual layers, a linear output


@pytest.mark.parametrize("sigma", [0.01, 0.5, 1.0, 5.0])
def test_backprop_matches_central_differences(sigma):
    X, y = two_spirals(20)
    theta = nets.init_theta(sigma, np.random.default_rng(1), SMALL)
    loss, grad = SMALL.loss_and_grad(theta, X, y)
    assert loss > 0
    rng = np.random.default_rng(2)
    for _ in range(3):
        d = rng.standard_normal(SMALL.size)
        fd = fd_directional(lambda t: SMALL.loss(t, X, y), theta, d, h=1e-6 * max(1.0, sigma))
        assert abs(fd - grad @ d) <= 1e-6 * abs(fd)


def test_batched_gradient_equals_single_runs():
    X, y = two_spirals(20)
    thetas = nets.init_theta(np.array([0.1, 1.0, 3.0]), np.random.default_rng(0), SMALL)
    L, G = SMALL.loss_and_grad(thetas, X, y)
    for r in range(3):
        l1, g1 = SMALL.loss_and_grad(thetas[r], X, y)
        # batched and single products may round differently in the last bits (other SIMD paths,
        # other CPUs): equal up to rtol 1e-12, far below any real difference of the formulas
        np.testing.assert_allclose(l1, L[r], rtol=1e-12, atol=0)
        np.testing.assert_allclose(g1, G[r], rtol=1e-12, atol=1e-15 * np.max(np.abs(G[r])))


def test_list_interface_round_trip_and_grad_structure():
    params = nets.init_params(1.0, np.random.default_rng(0))
    assert len(params) == 16 and params[0][0].shape == (25, 2) and params[-1][0].shape == (1, 25)
    theta = nets.flatten(params)
    assert theta.size == nets.default_spec().size == 9201
    back = nets.unflatten(theta)
    assert all(np.array_equal(W, W2) and np.array_equal(b, b2) for (W, b), (W2, b2) in zip(params, back))
    X, y = two_spirals()
    loss, grads = nets.hinge_loss_and_grad(params, X, y)
    assert [g[0].shape for g in grads] == [p[0].shape for p in params]
    assert np.allclose(nets.forward(params, X), nets.default_spec().forward(theta, X))


def test_jacobian_rows_are_output_gradients():
    X, _ = two_spirals(10)
    theta = nets.init_theta(1.0, np.random.default_rng(3), SMALL)
    J = SMALL.jacobian(theta, X)
    d = np.random.default_rng(4).standard_normal(SMALL.size)
    fd = fd_directional(lambda t: SMALL.forward(t, X), theta, d)
    assert np.allclose(J @ d, fd, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("sigma", [0.01, 0.1, 1.0, 5.0, 10.0])
def test_init_follows_the_sigma_rules_exactly(sigma):
    params = nets.init_params(sigma, np.random.default_rng(0))
    spec = nets.default_spec()
    for L, (W, b) in zip(spec.layers, params):
        s = sigma if L.residual else max(1.0, sigma)
        assert np.isclose(np.linalg.norm(W, 2), s, rtol=1e-12)
        assert np.isclose(np.linalg.norm(b), s, rtol=1e-12)
    assert sum(L.residual for L in spec.layers) == 14


def test_lipschitz_bound_is_the_product_formula():
    params = nets.init_params(0.7, np.random.default_rng(5))
    spec = nets.default_spec()
    expected = 1.0
    for L, (W, _) in zip(spec.layers, params):
        s = np.linalg.norm(W, 2)
        expected *= (1 + s) if L.residual else s
    assert np.isclose(nets.lipschitz_bound(params), expected, rtol=1e-12)
    # at initialization the product is known in closed form: (1 + σ)^14 max(1, σ)^2
    for sigma in (0.01, 5.0, 10.0):
        th = nets.init_theta(sigma, np.random.default_rng(0))
        assert np.isclose(spec.lipschitz(th), (1 + sigma) ** 14 * max(1, sigma) ** 2, rtol=1e-10)


def test_bad_input_raises_value_error():
    spec = nets.default_spec()
    with pytest.raises(ValueError, match="P = 9201"):
        spec.forward(np.zeros(10), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="X must have shape"):
        spec.forward(np.zeros(spec.size), np.zeros((3, 3)))
    with pytest.raises(ValueError, match="sigma"):
        nets.init_theta(-1.0, np.random.default_rng(0))


def test_input_gradient_against_finite_differences():
    spec = nets.default_spec()
    theta = nets.init_theta(np.array([0.5, 2.0]), np.random.default_rng(4))
    X = np.random.default_rng(5).uniform(-1.2, 1.2, (7, 2))
    G = spec.input_gradient(theta, X, chunk=3)                   # chunks exercised
    assert G.shape == (2, 7, 2)
    fd = fd_grad(lambda Z: spec.forward(theta, Z), X)             # (2, 7, 2): point by point
    # piecewise linear: central differences are exact away from kinks (none within 1e-6 here)
    np.testing.assert_allclose(G, fd, rtol=1e-5, atol=1e-8 * np.abs(fd).max())
    # never above the bound L_m
    assert np.all(np.linalg.norm(G, axis=-1).max(axis=1) <= spec.lipschitz(theta))


@pytest.mark.parametrize("widths", [(2, 2, 2, 1), (3, 3, 5, 5, 1)])
def test_input_gradient_with_a_residual_first_layer(widths):
    # n_0 = n_1: the first layer is residual, x -> x + relu(W x + b); its skip must reach the input
    spec = nets.NetSpec(widths)
    assert spec.layers[0].residual
    theta = nets.init_theta(np.array([0.7, 1.5]), np.random.default_rng(0), spec)
    X = np.random.default_rng(1).uniform(-1.0, 1.0, (9, widths[0]))
    fd = fd_grad(lambda Z: spec.forward(theta, Z), X)
    np.testing.assert_allclose(spec.input_gradient(theta, X), fd, rtol=1e-6, atol=1e-9)


def test_workspace_gives_the_same_bits_and_is_reused():
    # the trainer reuses preallocated layer buffers; the claim is bit-identity with fresh arrays
    spec = nets.default_spec()
    X, y = two_spirals(20, seed=3)
    theta = nets.init_theta(np.array([0.01, 1.0, 10.0]), np.random.default_rng(5), spec)
    blocks, Xa = spec.blocks(theta), spec.augment(X)
    g0, g1 = np.empty_like(theta), np.empty_like(theta)
    l0 = spec._loss_and_grad(blocks, Xa, y, spec.blocks(g0))
    work = spec.workspace((3, 20))
    for _ in range(2):                                  # second call: the buffers are reused
        l1 = spec._loss_and_grad(blocks, Xa, y, spec.blocks(g1), work=work)
        assert np.array_equal(l0, l1) and np.array_equal(g0, g1)
    assert np.abs(g0).max() > 0
    m0 = spec._forward(blocks, Xa)[0]
    assert np.array_equal(m0, spec._forward(blocks, Xa, work=work)[0])
    assert m0.base is not work["z"][-1]
