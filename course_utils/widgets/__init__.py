"""Widget factories. The numeric model lives elsewhere (objectives, optimizers, ...); a factory
builds its figure once, wires sliders to a callback that updates the figure's artists, and returns
the widget. Nothing here recomputes what a control did not change.
"""

from .core import App, LiveFigure, log_slider, slider  # noqa: F401

__all__ = ["App", "LiveFigure", "log_slider", "slider"]
