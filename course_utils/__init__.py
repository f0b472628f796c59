"""course_utils: the helper package of the course "Stochastic gradient descent: implicit regularization".

Organized by kind of helper:

- :mod:`course_utils.objectives`  functions with gradients (quadratics, least squares), batched
- :mod:`course_utils.optimizers`  ``(init, update)`` optimizers and the :func:`run` loop
- :mod:`course_utils.plots`       plot helpers (``ax=None``, return artists)
- :mod:`course_utils.widgets`     slider apps built once, updated in place
- :mod:`course_utils.exercises`   the shared exercise checker

The numeric modules (objectives, optimizers, ...) import neither matplotlib nor ipywidgets.
"""

from . import objectives, optimizers  # noqa: F401
from .objectives import LeastSquares, Quadratic, quadratic_model  # noqa: F401
from .optimizers import (  # noqa: F401
    adadelta, adagrad, adam, adamax, diverged, filtered_sgd, gd, newton, rmsprop, run, scaled_gd,
    sgd_momentum,
)

__version__ = "0.1.0"

__all__ = [
    "objectives", "optimizers", "Quadratic", "LeastSquares", "quadratic_model",
    "gd", "scaled_gd", "newton", "sgd_momentum", "filtered_sgd", "adagrad", "rmsprop", "adam",
    "adamax", "adadelta", "run", "diverged",
]
