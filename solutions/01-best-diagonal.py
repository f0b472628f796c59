# Solution: the best diagonal metric for Q_EX. Only the ratio t = h2/h1 matters; scan it.
import numpy as np

from course_utils.exercises.lesson01 import Q_EX

t = np.geomspace(1e-2, 1e2, 4001)
s = np.stack([np.ones_like(t), 1.0 / np.sqrt(t)], axis=-1)        # diag(H)^{-1/2}, one row per t
M = Q_EX * s[:, :, None] * s[:, None, :]                         # H^{-1/2} Q H^{-1/2}, batched
lam = np.linalg.eigvalsh(M)                                      # shape (4001, 2), ascending
kappa = lam[:, 1] / lam[:, 0]
answer = np.array([1.0, t[np.argmin(kappa)]])
# The scan lands on t = Q[1,1]/Q[0,0]: scaling to unit diagonal (H = diag(Q)) is optimal for 2x2.
print(answer, np.diag(Q_EX) / Q_EX[0, 0])
