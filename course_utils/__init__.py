"""course_utils: the helper package of the course "Stochastic gradient descent: implicit regularization".

Organized by kind of helper:

- :mod:`course_utils.objectives`  functions with gradients (quadratics, least squares), batched;
  the finite-sum protocol ``FiniteSum``
- :mod:`course_utils.optimizers`  ``(init, update)`` optimizers, :func:`~course_utils.optimizers.make`
  and the :func:`run` loop
- :mod:`course_utils.metric`      a metric H, diagonal or full: apply, solve, norm, square root
- :mod:`course_utils.models`      the numbers behind each app (no front end), cached with
  :class:`course_utils.cache.BoundedCache`
- :mod:`course_utils.plots`       plot helpers (``ax=None``, return artists)
- :mod:`course_utils.widgets`     slider apps built once, updated in place (the recipe is in its
  docstring: model, view with named artists, ``update(values)``)
- :mod:`course_utils.exercises`   the shared exercise checker
- :mod:`course_utils.projection`, :mod:`course_utils.problems`, :mod:`course_utils.datasets`  the
  ‖·‖_H projection onto a solution set, the lessons' small problems, the data sets
- :mod:`course_utils.nets`, :mod:`course_utils.training`, :mod:`course_utils.experiments`,
  :mod:`course_utils.landscape`  the residual ReLU network of lesson 04, its batched trainer, the
  σ experiment and loss landscapes

Vocabulary: ``step`` is the step size everywhere (γ in the formulas); iteration counts are
``iterations`` (or ``steps`` where nothing else is near). Everything but ``plots``, ``widgets`` and
``style`` imports neither matplotlib nor ipywidgets (``tests/test_repo.py`` checks it).
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
