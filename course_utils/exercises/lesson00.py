"""The demonstration exercise of notebook 00 (what a verdict looks like; no lesson's answer)."""

from . import digits_verdict, register


@register("00-demo",
          hint="One gradient step maps x to x - γ·f'(x) = (1 - 4γ)·x. The iterates shrink to 0 "
               "exactly when that factor has absolute value below 1.",
          prompt="Largest stable step γ of gradient descent on f(x) = 2x² (so f'(x) = 4x), "
                 "to 3 significant digits.",
          precision="3 significant digits")
def _demo(answer):
    return digits_verdict(answer, 0.5, digits=3)
