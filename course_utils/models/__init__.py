"""The numbers behind the apps: one model per app, free of ipywidgets and matplotlib.

A model holds a problem and its settings, computes what a view draws (runs, distances, grids) and
caches the expensive parts in a :class:`course_utils.cache.BoundedCache`. It can be imported and
tested without a front end; :mod:`course_utils.widgets` draws it. See the recipe there.
"""
