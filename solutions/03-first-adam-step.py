# Solution: Adam's first step. With m_0 = v_0 = 0 the bias corrections give m_1 = g, v_1 = g², so
# x_1 - x_0 = -γ g / (|g| + ε): about -γ·sign(g), except where |g| is comparable to ε (or zero).
import numpy as np

from course_utils.exercises.lesson03 import G_FIRST

gamma, eps = 1e-3, 1e-8
answer = -gamma * G_FIRST / (np.abs(G_FIRST) + eps)
print(answer)          # about [-0.001, 0.001, -0.00066667, 0]: 2e-8 is only twice ε
