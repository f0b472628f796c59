# Solution: scaled GD from x0 converges to the H-norm projection of x0 onto {x : A x = b}.
import numpy as np

from course_utils.exercises.lesson02 import A_EX, B_EX, H_EX, X0_EX
from course_utils.projection import projection_point

answer = projection_point(A_EX, B_EX, X0_EX, H_EX)

# check by running it (steps below the stability bound 2 / lambda_max(H^{-1} A^T A)):
from course_utils import optimizers as opt
from course_utils.objectives import LeastSquares

ls = LeastSquares(A_EX, B_EX)
step = 1.0 / np.linalg.eigvalsh((A_EX / H_EX) @ A_EX.T)[-1]
x_end = opt.run(opt.scaled_gd(step, H_EX), ls.grad, X0_EX, steps=2000)[-1]
print(answer, np.abs(x_end - answer).max())
