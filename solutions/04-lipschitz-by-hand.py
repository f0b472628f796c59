# Solution: the Lipschitz bound of the tiny residual network, by hand.
import numpy as np

from course_utils.exercises.lesson04 import tiny_params

(W1, _), (W2, _), (W3, _) = tiny_params()
s1 = np.linalg.norm(W1, 2)          # plain layer
s2 = np.linalg.norm(W2, 2)          # residual layer: x -> x + relu(W2 x + b2) is (1 + ||W2||)-Lipschitz
s3 = np.linalg.norm(W3)             # a row vector: its spectral norm is its length, 5
answer = s1 * (1 + s2) * s3
print(f"||W1|| = {s1:.4f}, ||W2|| = {s2:.4f}, ||W3|| = {s3:.4f}, L_m = {answer:.4f}")
