"""One bounded cache for every app model: remember the last few expensive results by key.

An app's model computes runs (hundreds of optimizer steps, a sweep of trainings, a landscape grid);
sliding back to a value seen a moment ago must not recompute them, and a long class must not fill
the memory. :class:`BoundedCache` keeps the ``maxsize`` most recently used results and counts the
computations (``.computed``), which is what the tests assert. :func:`key` turns arrays into
hashable keys.

This module imports neither matplotlib nor ipywidgets.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

__all__ = ["BoundedCache", "key"]


def key(value):
    """A hashable stand-in for ``value``: arrays and lists become nested tuples (with the shape),
    floats stay floats, ``None`` stays ``None``.

    >>> key(np.array([[1.0, 0.0], [0.0, 2.0]]))
    ((2, 2), (1.0, 0.0, 0.0, 2.0))
    >>> key(0.5), key(None)
    (0.5, None)
    """
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, dict):
        return tuple(sorted((k, key(v)) for k, v in value.items()))
    arr = np.asarray(value)
    if arr.dtype == object:
        return tuple(key(v) for v in value)
    if arr.ndim == 0:
        return arr.item()
    return (arr.shape, tuple(arr.ravel().tolist()))


class BoundedCache:
    """``cache(*args)`` returns ``compute(*args)``, computed once per key while it is among the
    ``maxsize`` most recently used keys (least recently used dropped first).

    Arguments are made hashable with :func:`key`. ``computed`` counts calls of ``compute``.

    Example
    -------
    >>> calls = []
    >>> square = BoundedCache(lambda x: calls.append(x) or x * x, maxsize=2)
    >>> square(3), square(3), square.computed
    (9, 9, 1)
    >>> _ = square(4), square(5); square(3), square.computed      # 3 was dropped, recomputed
    (9, 4)
    """

    def __init__(self, compute, maxsize=8):
        if int(maxsize) < 1:
            raise ValueError(f"BoundedCache: maxsize must be >= 1; got {maxsize!r}")
        self.compute = compute
        self.maxsize = int(maxsize)
        self.computed = 0
        self._store = OrderedDict()

    def __call__(self, *args):
        k = tuple(key(a) for a in args)
        if k in self._store:
            self._store.move_to_end(k)
            return self._store[k]
        value = self.compute(*args)
        self.computed += 1
        self._store[k] = value
        if len(self._store) > self.maxsize:
            self._store.popitem(last=False)
        return value

    def __len__(self):
        return len(self._store)

    def __contains__(self, args):
        args = args if isinstance(args, tuple) else (args,)
        return tuple(key(a) for a in args) in self._store

    def clear(self):
        """Forget every stored result (``computed`` keeps counting)."""
        self._store.clear()
