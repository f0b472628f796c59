"""Widget factories. The numeric model lives elsewhere (objectives, optimizers, ...); a factory
builds its figure once, wires sliders to a callback that updates the figure's artists, and returns
the widget. Nothing here recomputes what a control did not change.
"""

from .core import (App, BlitFigure, LiveFigure, fit_projector, log_slider, png_rgb,  # noqa: F401
                   same_value, slider)

__all__ = ["App", "BlitFigure", "LiveFigure", "fit_projector", "log_slider", "png_rgb", "same_value",
           "slider"]
