"""Exercises of notebook 02 (convergence to the projection point)."""

import numpy as np

from . import close, digits_verdict, register, register_function
from ..projection import projection_point

# The exercise's problem differs from the notebook's so its numbers give nothing away.
A_EX = np.array([[1.0, -2.0, 0.5], [0.0, 1.0, 1.0]])
B_EX = np.array([1.0, 2.0])
X0_EX = np.array([2.0, -1.0, 0.5])
H_EX = np.array([4.0, 1.0, 0.25])


@register_function(
    "02-projection-formula",
    hint="Use the two conditions of the projection slide: the optimality condition "
         "H(x - x0) ∈ R(Aᵀ) (write it with a multiplier vector λ) and feasibility Ax = b. "
         "Eliminate x: what is left is a small linear system for λ. Solve it with "
         "np.linalg.solve, never with inv.",
    task="A function proj(A, b, x0, H) returning the H-norm projection of x0 onto {x: Ax = b}, H SPD.",
    function="proj", reference="projection_point", on="on random problems", rtol=1e-7)
def _projection_formula(answer, rtol):
    rng = np.random.default_rng(2024)
    for m, n in [(1, 2), (2, 3), (3, 7), (5, 12)]:
        A = rng.standard_normal((m, n))
        b = rng.standard_normal(m)
        x0 = rng.standard_normal(n)
        M = rng.standard_normal((n, n))
        H = M @ M.T + 0.5 * np.eye(n)
        got = answer(A.copy(), b.copy(), x0.copy(), H.copy())
        if not close(got, projection_point(A, b, x0, H), rtol=rtol, atol=1e-9):
            return False
    return True


@register("02-predict-scaled-gd",
          hint="Scaled GD from x0 keeps H x_k - H x0 in R(Aᵀ); its limit solves Ax = b. "
               "Those two conditions pin down the H-norm projection of x0: compute it with "
               "projection_point or your own formula, before running anything.",
          prompt="Where does scaled GD with H = diag(H_EX) started at X0_EX end on A_EX x = B_EX? "
                 "Each coordinate to 3 significant digits.",
          precision="each coordinate to 3 significant digits")
def _predict_scaled_gd(answer):
    return digits_verdict(answer, projection_point(A_EX, B_EX, X0_EX, H_EX), digits=3)
