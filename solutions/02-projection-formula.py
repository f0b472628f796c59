# Solution: the H-norm projection of x0 onto {x : Ax = b} from the KKT conditions.
#   minimize ||x - x0||_H^2  s.t.  Ax = b   <=>   H(x - x0) = A^T lam  and  Ax = b.
# Eliminating x = x0 + H^{-1} A^T lam gives (A H^{-1} A^T) lam = b - A x0 (m x m, SPD).
import numpy as np


def answer(A, b, x0, H):
    HinvAT = np.linalg.solve(H, A.T)                   # H^{-1} A^T without forming H^{-1}
    lam = np.linalg.solve(A @ HinvAT, b - A @ x0)
    return x0 + HinvAT @ lam

# (For an ill-conditioned H, course_utils.projection.projection_point uses a Cholesky factor
#  H = L L^T and a minimum-norm least-squares solve instead of the m x m normal equations.)
