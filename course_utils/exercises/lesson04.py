"""Exercises of notebook 04 (sharp versus flat minima)."""

import numpy as np

from . import close, register
from .. import nets

#: A tiny residual net for the by-hand exercise: 2 -> 3 (plain), 3 -> 3 (residual), 3 -> 1 (linear).
TINY_WIDTHS = (2, 3, 3, 1)


def tiny_params():
    """The parameters ``[(W1, b1), (W2, b2), (W3, b3)]`` of the exercise's tiny network."""
    W1 = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    W2 = np.array([[0.0, 0.5, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, -0.25]])
    W3 = np.array([[3.0, 0.0, 4.0]])
    return [(W1, np.zeros(3)), (W2, np.ones(3)), (W3, np.zeros(1))]


@register("04-lipschitz-by-hand",
          hint="L_m = ||W1||_2 * (1 + ||W2||_2) * ||W3||_2: the middle layer is residual. The spectral "
               "norm is the largest singular value (np.linalg.norm(W, 2)); W3 is a row vector, so its "
               "norm is its Euclidean length.",
          prompt="The Lipschitz bound L_m of the tiny network tiny_params().")
def _lipschitz_by_hand(answer):
    return close(answer, nets.lipschitz_bound(tiny_params()), rtol=1e-6)


NORM_AT = {0.01: float(np.linalg.norm(nets.init_theta(0.01, np.random.default_rng(0)))),
           1.0: float(np.linalg.norm(nets.init_theta(1.0, np.random.default_rng(0))))}


@register("04-predict-norm",
          hint="With the same random directions, ||θ0(σ)||² = σ² S_res + max(1, σ)² S_plain, where S_res "
               "and S_plain are the squared norms of the residual and the other layers at scale 1. "
               "The two given norms (σ = 0.01 and σ = 1) are two linear equations for S_res, S_plain.",
          prompt="Predict ||θ0|| for σ = 0.5 (seed 0) from NORM_AT[0.01] and NORM_AT[1.0].")
def _predict_norm(answer):
    truth = float(np.linalg.norm(nets.init_theta(0.5, np.random.default_rng(0))))
    return close(answer, truth, rtol=1e-3)
