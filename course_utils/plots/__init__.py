"""Plot helpers. Each takes ``ax=None`` (a new figure when omitted), uses the explicit
Figure/Axes API and returns the artists it made, so a widget can update them later.
"""

from .core import (  # noqa: F401
    banner, contours, convergence, ellipse, get_ax, grid_values, level_sets_with_path, path,
    rate_line, step_arrow,
)

__all__ = [
    "banner", "contours", "convergence", "ellipse", "get_ax", "grid_values",
    "level_sets_with_path", "path", "rate_line", "step_arrow",
]
