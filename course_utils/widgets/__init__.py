"""Widget factories. The numeric model lives elsewhere (objectives, optimizers, ...); a factory
builds its figure once, wires sliders to a callback that updates the figure's artists, and returns
the widget. Nothing here recomputes what a control did not change.
"""

from .core import App, BlitFigure, LiveFigure, log_slider, png_rgb, slider  # noqa: F401

__all__ = ["App", "BlitFigure", "LiveFigure", "log_slider", "png_rgb", "slider"]
