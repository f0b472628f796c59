"""Exercises of notebook 01 (scaled gradient method)."""

import numpy as np

from . import as_numbers, digits_verdict, register
from ..objectives import Quadratic

# The Q of the exercises differs from the lecture's so the notebook's numbers are no give-away.
Q_EX = np.array([[2.0, 0.6], [0.6, 0.5]])


@register("01-stable-step",
          hint="Scaled GD iterates e_{k+1} = (I - γ H⁻¹Q) e_k. It converges iff every eigenvalue of "
               "H⁻¹Q (the same as those of H^{-1/2} Q H^{-1/2}) satisfies |1 - γλ| < 1.",
          prompt="Largest stable step of scaled GD on Q_EX with H = diag(1, 4), to 3 significant digits.",
          precision="3 significant digits")
def _stable_step(answer):
    return digits_verdict(answer, Quadratic(Q_EX).stable_step_bound(H=[1.0, 4.0]), digits=3)


@register("01-best-diagonal",
          hint="Only the ratio h2/h1 matters. Write κ(P^{-1/2} Q P^{-1/2}) for P = diag(1, t) and "
               "minimize over t > 0, or scan t on a log grid and refine.",
          prompt="A diagonal H (length-2 vector) minimizing κ(H^{-1/2} Q_EX H^{-1/2}); its ratio "
                 "h2/h1 is judged, to 3 significant digits.",
          precision="the ratio h2/h1 to 3 significant digits")
def _best_diagonal(answer):
    h = as_numbers(answer)
    if h.shape != (2,) or not np.all(h > 0):
        raise ValueError("give the diagonal as two positive numbers")
    # Forsythe & Straus (1955): for a 2x2 SPD matrix, scaling to unit diagonal (H = diag(Q))
    # minimizes the condition number over all diagonal H; only the ratio h2/h1 matters.
    return digits_verdict(h[1] / h[0], Q_EX[1, 1] / Q_EX[0, 0], digits=3)


@register("01-best-rate",
          hint="Take the eigenvalues λ of H^{-1/2} Q H^{-1/2}. The error obeys e_{k+1} = (I - γH⁻¹Q)e_k, "
               "so the factor per step is max|1 - γλ|; at the best constant step 2/(λmin + λmax) it "
               "equals (κ - 1)/(κ + 1) with κ = λmax/λmin.",
          prompt="The contraction factor per step of scaled GD on Q_EX with H = diag(1, 4) at its best "
                 "constant step, to 3 significant digits.",
          precision="3 significant digits")
def _best_rate(answer):
    return digits_verdict(answer, Quadratic(Q_EX).optimal_rate(H=[1.0, 4.0]), digits=3)
