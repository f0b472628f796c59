# Solution: predict ||theta_0|| at sigma = 0.5 from the norms at sigma = 0.01 and sigma = 1.
import numpy as np

from course_utils.exercises.lesson04 import NORM_AT

# ||theta0(s)||^2 = s^2 S_res + max(1, s)^2 S_plain   (same directions for every s)
A = np.array([[0.01 ** 2, 1.0], [1.0, 1.0]])
S_res, S_plain = np.linalg.solve(A, [NORM_AT[0.01] ** 2, NORM_AT[1.0] ** 2])
answer = np.sqrt(0.5 ** 2 * S_res + 1.0 * S_plain)
print(f"S_res = {S_res:.3f}, S_plain = {S_plain:.3f}, predicted ||theta0|| = {answer:.4f}")
