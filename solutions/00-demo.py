# Solution: largest stable step of gradient descent on f(x) = 2x².
# x_{k+1} = x_k - γ·4x_k = (1 - 4γ) x_k converges iff |1 - 4γ| < 1, i.e. 0 < γ < 2/4.
lam = 4.0                  # f''(x)
answer = 2.0 / lam
print(f"gamma_max = {answer:.4f}")
