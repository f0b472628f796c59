"""Plot helpers. Each takes ``ax=None`` (a new figure when omitted), uses the explicit
Figure/Axes API and returns the artists it made, so a widget can update them later.
"""

from .core import (  # noqa: F401
    banner, contours, convergence, ellipse, ellipse_points, get_ax, grid_values,
    level_sets_with_path, log_rate_values, move_arrow, path, point, rate_line, set_ellipse,
    set_points, step_arrow,
)

__all__ = [
    "banner", "contours", "convergence", "ellipse", "ellipse_points", "get_ax", "grid_values",
    "level_sets_with_path", "log_rate_values", "move_arrow", "path", "point", "rate_line",
    "set_ellipse", "set_points", "step_arrow",
]
