"""One checking helper for the exercises of every notebook.

An exercise is registered under a name such as ``"01-stable-step"`` with a function that judges an
answer and a hint. :func:`check` says right or wrong, and on wrong gives the hint: never the
answer. Worked solutions live in the repository's ``solutions/`` folder, one file per exercise,
named after it (``solutions/01-stable-step.py``); :func:`solution` prints one on demand.

Example
-------
>>> from course_utils.exercises import check
>>> check("01-stable-step", 1.0)               # doctest: +ELLIPSIS
✗ 01-stable-step: not yet. Hint: ...
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

__all__ = ["Exercise", "Feedback", "register", "check", "hint", "solution", "exercises",
           "close", "SOLUTIONS_DIR"]

SOLUTIONS_DIR = Path(__file__).resolve().parents[2] / "solutions"

_REGISTRY: dict[str, "Exercise"] = {}
_loaded = False


@dataclass(frozen=True)
class Exercise:
    """``judge(answer) -> bool`` (may raise ValueError/TypeError with a message), and a hint."""

    name: str
    judge: Callable[[Any], bool]
    hint: str
    prompt: str = ""


@dataclass(frozen=True)
class Feedback:
    name: str
    ok: bool
    message: str

    def __bool__(self):
        return self.ok

    def __repr__(self):
        return self.message

    def _repr_markdown_(self):
        colour = "green" if self.ok else "#b35900"
        return f'<span style="color:{colour}">{self.message}</span>'


def register(name, hint, prompt=""):
    """Decorator: register ``judge`` as the checker of exercise ``name``."""
    def deco(judge):
        if name in _REGISTRY:
            raise ValueError(f"exercise {name!r} is registered twice")
        _REGISTRY[name] = Exercise(name, judge, hint, prompt)
        return judge
    return deco


def _load_banks():
    global _loaded
    if not _loaded:
        for mod in pkgutil.iter_modules(__path__):
            importlib.import_module(f"{__name__}.{mod.name}")
        _loaded = True


def exercises():
    """All registered exercises, by name."""
    _load_banks()
    return dict(sorted(_REGISTRY.items()))


def _get(name):
    _load_banks()
    if name not in _REGISTRY:
        raise ValueError(f"no exercise named {name!r}; known: {', '.join(sorted(_REGISTRY))}")
    return _REGISTRY[name]


def check(name, answer):
    """Judge ``answer`` for exercise ``name``; returns a :class:`Feedback` (truthy when right)."""
    ex = _get(name)
    try:
        ok = bool(ex.judge(answer))
        why = ""
    except (ValueError, TypeError, IndexError, KeyError, AttributeError) as exc:
        ok, why = False, f" ({type(exc).__name__}: {exc})"
    if ok:
        return Feedback(name, True, f"✓ {name}: right.")
    return Feedback(name, False, f"✗ {name}: not yet{why}. Hint: {ex.hint}")


def hint(name):
    """The hint of exercise ``name``."""
    return _get(name).hint


def solution(name):
    """Print the worked solution of exercise ``name`` (from the repository's ``solutions/``)."""
    _get(name)
    path = SOLUTIONS_DIR / f"{name}.py"
    if not path.exists():
        raise ValueError(f"no solution file {path.name} in the solutions/ folder of the repository")
    print(path.read_text(encoding="utf-8"))


def close(a, b, rtol=1e-6, atol=1e-9):
    """Shape-checked closeness used by the judges (raises ValueError on a shape mismatch)."""
    import numpy as np

    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"expected shape {b.shape}, got {a.shape}")
    return bool(np.allclose(a, b, rtol=rtol, atol=atol))
