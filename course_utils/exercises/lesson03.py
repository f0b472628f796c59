"""Exercises of notebook 03 (inside Adam: adaptive diagonal metrics, filtered gradients)."""

import numpy as np

from . import as_numbers, close, digits_verdict, pair, register, register_function
from .. import optimizers as opt

# A fixed gradient sequence (one row per step) on which an answer is replayed. Coordinates of very
# different sizes, a sign change and a zero, so a wrong ε placement or a missing square shows.
G_SEQ = np.array([[0.5, -20.0, 0.0], [-0.3, -15.0, 1e-3], [0.8, 5.0, -2e-3], [0.1, -1.0, 0.0],
                  [-1.2, 30.0, 5e-4]])
#: The settings of the RMSprop exercise, passed to the student's function in this order.
RMSPROP_SETTINGS = {"step": 0.01, "b_v": 0.9, "eps": 1e-6}

# The gradient of the "first Adam step" exercise, with Adam's defaults γ = 1e-3, ε = 1e-8.
G_FIRST = np.array([250.0, -0.004, 2e-8, 0.0])


@register_function(
    "03-rmsprop-step",
    hint="Read the RMSprop row of the table in section 'Choose the metric: RMSprop and Adam' "
         "(the v line of Adam, without m and without bias correction, v starting from 0). "
         "Check where ε goes relative to the square root: PyTorch's convention, as in that table.",
    task="Write rmsprop_step(g, v, step, b_v, eps) -> (dx, v_new): one RMSprop update (PyTorch "
         "convention) at step size `step`. `dx` is what is added to x.",
    function="rmsprop_step", reference="opt.rmsprop", on="on a fixed gradient sequence", rtol=1e-9)
def _rmsprop_step(answer, rtol):
    reference = opt.rmsprop(**RMSPROP_SETTINGS)
    state = reference.init(np.zeros(G_SEQ.shape[1]))
    v = np.zeros(G_SEQ.shape[1])
    for g in G_SEQ:
        want, state = reference.update(g, state)
        out = answer(g.copy(), v.copy(), *RMSPROP_SETTINGS.values())
        dx, v = (as_numbers(a) for a in pair(out, "rmsprop_step", "(dx, v_new)"))
        if not (close(dx, want, rtol=rtol, atol=1e-14) and close(v, state.v_hat, rtol=rtol, atol=1e-16)):
            return False
    return True


@register("03-first-adam-step",
          hint="Write m_1 and v_1 from m_0 = v_0 = 0, then apply both bias corrections at k = 1: "
               "what is left of g in m̂_1 and in v̂_1? Then mind the coordinates where |g| is not much "
               "larger than ε.",
          prompt="The first Adam step (γ = 1e-3, b_m = 0.9, b_v = 0.999, ε = 1e-8) for g = G_FIRST, "
                 "as a vector (what is added to x), each entry to 3 significant digits.",
          precision="each entry to 3 significant digits")
def _first_adam_step(answer):
    return digits_verdict(answer, -1e-3 * G_FIRST / (np.abs(G_FIRST) + 1e-8), digits=3)
