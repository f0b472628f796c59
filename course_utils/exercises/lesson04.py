"""Exercises of notebook 04 (sharp versus flat minima)."""

import numpy as np

from . import CLOSE, digits_verdict, register
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
          hint="Use the slide's bound for residual networks: which layers of tiny_params() are residual, and "
               "what replaces ||W_j||_2 for them? The spectral norm is the largest singular value "
               "(np.linalg.norm(W, 2)).",
          prompt="The Lipschitz bound L_m of the tiny network tiny_params(), to 3 significant digits.",
          precision="3 significant digits")
def _lipschitz_by_hand(answer):
    return digits_verdict(answer, nets.lipschitz_bound(tiny_params()), digits=3)


NORM_AT = {0.01: float(np.linalg.norm(nets.init_theta(0.01, np.random.default_rng(0)))),
           1.0: float(np.linalg.norm(nets.init_theta(1.0, np.random.default_rng(0))))}


@register("04-predict-norm",
          hint="Read the initialization slide: how does each layer's part of θ0 scale with σ? Split ||θ0||² "
               "into the residual layers and the others (same random directions for every σ); the two "
               "given norms are then two equations.",
          prompt="Predict ||θ0|| for σ = 0.5 (seed 0) from NORM_AT[0.01] and NORM_AT[1.0], to 4 "
                 "significant digits (the σ = 0.01 term shows in the 4th digit).",
          precision="4 significant digits")
def _predict_norm(answer):
    truth = float(np.linalg.norm(nets.init_theta(0.5, np.random.default_rng(0))))
    verdict = digits_verdict(answer, truth, digits=4)
    # The shortcut S_plain = NORM_AT[0.01]^2 (dropping 0.01^2 S_res) is off in the 4th digit:
    # it must get the hint, not "check your rounding".
    if verdict is CLOSE and digits_verdict(answer, _shortcut(), digits=4) is True:
        return False
    return verdict


def _shortcut():
    n_small, n_one = NORM_AT[0.01], NORM_AT[1.0]
    return float(np.sqrt(0.25 * (n_one ** 2 - n_small ** 2) + n_small ** 2))
