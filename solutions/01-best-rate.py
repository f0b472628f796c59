# Solution: the contraction factor of scaled GD on Q_EX with H = diag(1, 4) at its best step.
import numpy as np

from course_utils.exercises.lesson01 import Q_EX

h = np.array([1.0, 4.0])
s = 1.0 / np.sqrt(h)
lam = np.linalg.eigvalsh(Q_EX * np.outer(s, s))     # eigenvalues of H^{-1/2} Q H^{-1/2}, ascending
gamma = 2.0 / (lam[0] + lam[-1])                    # the best constant step
answer = float(np.max(np.abs(1.0 - gamma * lam)))   # = (kappa - 1) / (kappa + 1)
kappa = lam[-1] / lam[0]
print(f"gamma = {gamma:.4f}, rho = {answer:.4f}, (kappa-1)/(kappa+1) = {(kappa - 1) / (kappa + 1):.4f}")
