r"""Widget apps: sliders wired to a figure that is built once and updated in place.

Every app follows one recipe, in three parts:

1. **A model** (in :mod:`course_utils.models`): numbers only, no ipywidgets and no matplotlib, so
   it can be imported and tested without a front end. Expensive results (runs, sweeps, grids) go
   through one :class:`course_utils.cache.BoundedCache`, so sliding back never recomputes.
2. **A view**: a function that builds the figure once (a :class:`LiveFigure` or
   :class:`BlitFigure`) and returns its moving artists in a dict by name.
3. **An update** ``update(values)``: ``values`` is a dict of the controls' values by name; it asks
   the model for numbers and sets them on the named artists (``set_data``, ``set_text``), then
   refreshes the figure once. At most 60 lines; nothing is recomputed that a control did not
   change.

:class:`App` ties them together: ``App(controls, live, update, model=..., artists=...,
observe=True)`` exposes ``.model``, ``.controls`` and ``.artists`` by name, wires every control to
``update``, and adds the lecturer's reset button and presets.

Example
-------
>>> import numpy as np
>>> from course_utils.cache import BoundedCache
>>> class PowerModel:                               # 1. numbers only
...     def __init__(self):
...         self.curve = BoundedCache(lambda p: np.linspace(0, 1, 50) ** p, maxsize=4)
>>> def power_view():                               # 2. built once, artists by name
...     live = LiveFigure(figsize=(3, 2))
...     (line,) = live.axes.plot(np.linspace(0, 1, 50), np.zeros(50))
...     live.axes.set(xlabel="x", ylabel="$x^p$", ylim=(0, 1))
...     return live, {"curve": line}
>>> def power_app(p=2.0):
...     model, (live, artists) = PowerModel(), power_view()
...     def update(values):                         # 3. numbers onto named artists
...         artists["curve"].set_ydata(model.curve(values["p"]))
...         live.refresh()
...     controls = {"p": slider(p, 0.5, 4.0, step=0.5, description="p")}
...     app = App(controls, live, update, model=model, artists=artists, observe=True)
...     app.redraw()
...     return app
>>> app = power_app()
>>> app.controls["p"].value = 3.0
>>> float(app.artists["curve"].get_ydata()[-1]), app.model.curve.computed
(1.0, 2)
"""

from .core import (App, BlitFigure, LiveFigure, fit_projector, log_slider, on_grid,  # noqa: F401
                   png_rgb, same_value, set_value, slider)

__all__ = ["App", "BlitFigure", "LiveFigure", "fit_projector", "log_slider", "on_grid", "png_rgb",
           "same_value", "set_value", "slider"]
