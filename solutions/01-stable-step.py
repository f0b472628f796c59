# Solution: largest stable step of scaled GD on Q_EX with H = diag(1, 4).
import numpy as np

from course_utils.exercises.lesson01 import Q_EX

h = np.array([1.0, 4.0])
s = 1.0 / np.sqrt(h)
lam_max = np.linalg.eigvalsh(Q_EX * np.outer(s, s))[-1]   # eigenvalues of H^{-1/2} Q H^{-1/2}
answer = 2.0 / lam_max
print(f"gamma_max = {answer:.4f}")
