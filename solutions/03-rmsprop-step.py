# Solution: one RMSprop update, PyTorch's convention (ε after the square root, no bias correction).
import numpy as np


def rmsprop_step(g, v, step, b_v, eps):
    v = b_v * v + (1.0 - b_v) * g * g          # the running average of g² (v starts at 0)
    dx = -step * g / (np.sqrt(v) + eps)        # H_k = diag(sqrt(v) + eps); x <- x + dx
    return dx, v


answer = rmsprop_step
