"""One checking helper for the exercises of every notebook.

An exercise is registered under a name such as ``"01-stable-step"`` with a function that judges an
answer and a hint. :func:`check` says right or wrong, and on wrong gives the hint: it points the
way (which slide, condition or quantity to use), never the answer nor the result of a step.
Worked solutions live in the repository's ``solutions/`` folder, one file per exercise, named after it (``solutions/01-stable-step.py``); :func:`solution` prints one on demand.

Example
-------
>>> from course_utils.exercises import check
>>> check("00-demo", 1.0)                      # doctest: +ELLIPSIS
✗ 00-demo: not yet. Hint: ...

Precision. A number is right when it agrees with the exact value to the significant digits the
exercise states (:func:`digits_verdict`; 3 unless a prompt says otherwise): for an exact value
π = 3.14159..., 3.14 is right, 3.15 gets "close: check your rounding" (less than one unit of the
last stated digit off: rounded the wrong way, or cut off) instead of a hint, and 3.17 (1 % off) is
wrong. A function given as an answer is replayed against the package's reference; whatever it
raises is reported as "your function raised ...".

Answers. ``None`` (the placeholder of every exercise cell) gets "you have not answered yet",
nothing else. A number or a vector is anything numpy reads as numbers (``1.5``, ``[1, 2]``, a
tuple, an array); a string is refused with the same message everywhere, even one that looks like a
number (``"1.5"``): drop the quotes (:func:`as_numbers`).
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

__all__ = ["Exercise", "Feedback", "register", "register_function", "check", "hint", "solution",
           "exercises", "close", "digits_verdict", "as_numbers", "CLOSE", "SOLUTIONS_DIR", "NOT_ANSWERED"]

SOLUTIONS_DIR = Path(__file__).resolve().parents[2] / "solutions"

_REGISTRY: dict[str, "Exercise"] = {}
_loaded = False


#: The verdict on ``None``, the placeholder every exercise cell starts with.
NOT_ANSWERED = "you have not answered yet (replace None with your answer and run the cell again)"

#: What a judge returns for a near miss: wrong, but only in the rounding (see :func:`digits_verdict`).
CLOSE = "close"


@dataclass(frozen=True)
class Exercise:
    """``judge(answer) -> bool or CLOSE`` (may raise ValueError/TypeError with a message), a hint,
    the prompt and the precision the answer is judged to (said in every verdict)."""

    name: str
    judge: Callable[[Any], Any]
    hint: str
    prompt: str = ""
    precision: str = ""


class _StudentError(Exception):
    """Raised in place of whatever a student's function raised, so :func:`check` can say so."""

    def __init__(self, exc):
        super().__init__(exc)
        self.exc = exc


def _guarded(func):
    """Wrap a student's function: any exception it raises becomes a :class:`_StudentError`."""
    def call(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except Exception as exc:             # noqa: BLE001 - anything a student's code raises
            raise _StudentError(exc) from exc
    return call


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


def register(name, hint, prompt="", precision=""):
    """Decorator: register ``judge`` as the checker of exercise ``name``."""
    def deco(judge):
        if name in _REGISTRY:
            raise ValueError(f"exercise {name!r} is registered twice")
        _REGISTRY[name] = Exercise(name, judge, hint, prompt, precision)
        return judge
    return deco


def register_function(name, hint, function, task, reference, on, rtol):
    """Decorator: register ``judge(answer, rtol) -> bool`` as the checker of exercise ``name``,
    whose answer is a function that the judge replays ``on`` some inputs against ``reference``.

    ``function`` is the name the prompt gives the student's function, ``task`` says what it
    computes; the prompt ends with how it is judged and the precision says it again (agreement to
    a relative ``rtol``, which the judge receives). An answer that is not callable is told to give
    the function itself.

    >>> @register_function("00-doc-square", hint="Multiply x by itself.", function="square",
    ...                    task="Write square(x) -> x².", reference="x * x",
    ...                    on="on 0.5, 1 and 3", rtol=1e-12)
    ... def _square(answer, rtol):
    ...     return all(close(answer(x), x * x, rtol=rtol) for x in (0.5, 1.0, 3.0))
    >>> exercises()["00-doc-square"].prompt
    'Write square(x) -> x². Judged on 0.5, 1 and 3 against x * x, to a relative 1e-12.'
    >>> check("00-doc-square", 4.0)                       # doctest: +ELLIPSIS
    ✗ 00-doc-square: not yet (TypeError: give the function square itself (a callable), not its result). ...
    >>> check("00-doc-square", lambda x: x ** 2)
    ✓ 00-doc-square: right (agreement with x * x to a relative 1e-12 on 0.5, 1 and 3).
    >>> del _REGISTRY["00-doc-square"]
    """
    rel = f"{rtol:.0e}".replace("e-0", "e-")
    prompt = f"{task} Judged {on} against {reference}, to a relative {rel}."
    precision = f"agreement with {reference} to a relative {rel} {on}"

    def deco(judge):
        def judge_function(answer):
            if not callable(answer):
                raise TypeError(f"give the function {function} itself (a callable), not its result")
            return judge(answer, rtol)
        register(name, hint, prompt, precision)(judge_function)
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
    if answer is None:
        return Feedback(name, False, f"✗ {name}: {NOT_ANSWERED}.")
    given = _guarded(answer) if callable(answer) else answer
    why = ""
    try:
        verdict = ex.judge(given)
    except _StudentError as err:
        verdict = False
        why = f" (your function raised {type(err.exc).__name__}: {err.exc})"
    except Exception as exc:                 # noqa: BLE001 - a bad answer is never a traceback
        verdict = False
        why = f" ({type(exc).__name__}: {exc})"
    precision = f" ({ex.precision})" if ex.precision else ""
    if verdict is CLOSE or (isinstance(verdict, str) and verdict == CLOSE):
        return Feedback(name, False, f"✗ {name}: close: check your rounding{precision}.")
    if verdict is True or (not isinstance(verdict, str) and bool(verdict)):
        return Feedback(name, True, f"✓ {name}: right{precision}.")
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


def digits_verdict(answer, exact, digits=3, close_units=0.9):
    r"""Judge a number (or an array, entry by entry) given to ``digits`` significant digits.

    Entry i is right when :math:`|a_i - x_i| \le 0.5\,u_i` (it rounds to the exact value), with
    :math:`u_i = 10^{\lfloor\log_{10} s_i\rfloor - digits + 1}` the unit of the last stated digit
    and :math:`s_i = \max(|x_i|, 10^{-3}\max_j |x_j|)` (so an exact 0 is judged at the scale of
    the vector). Returns True when every entry is right, :data:`CLOSE` when every entry is within
    ``close_units`` units (a rounding slip), else False. Raises ValueError on a shape mismatch.

    >>> import math
    >>> digits_verdict(3.14, math.pi), digits_verdict(3.15, math.pi), digits_verdict(3.17, math.pi)
    (True, 'close', False)
    """
    import numbers

    import numpy as np

    if isinstance(digits, bool) or not isinstance(digits, numbers.Integral) or not 1 <= digits <= 17:
        raise ValueError(f"digits must be an integer from 1 to 17 (significant digits); got {digits!r}")
    if isinstance(close_units, bool) or not isinstance(close_units, numbers.Real) or not close_units >= 0.5:
        raise ValueError(f"close_units must be a number >= 0.5 (units of the last digit); got {close_units!r}")
    a = as_numbers(answer)
    x = np.asarray(exact, dtype=float)
    if a.shape != x.shape:
        raise ValueError(f"expected shape {x.shape}, got {a.shape}")
    if not np.all(np.isfinite(a)):
        return False
    scale = np.maximum(np.abs(x), 1e-3 * np.max(np.abs(x)))
    scale = np.where(scale > 0, scale, 1.0)
    unit = 10.0 ** (np.floor(np.log10(scale)) - digits + 1)
    err = np.abs(a - x) / unit
    if np.all(err <= 0.5 * (1 + 1e-9)):
        return True
    if np.all(err <= close_units):
        return CLOSE
    return False


def as_numbers(answer):
    """``answer`` as a float array: a number, a sequence or an array of numbers.

    Raises TypeError for a string (even ``"1.5"``: drop the quotes), for ``None`` inside a
    sequence and for anything numpy cannot read as numbers, with the same message everywhere.

    >>> as_numbers([1, 2.5]), as_numbers(1.5).shape
    (array([1. , 2.5]), ())
    >>> as_numbers("1.5")
    Traceback (most recent call last):
    ...
    TypeError: expected a number, got the string '1.5': drop the quotes
    """
    import numpy as np

    if isinstance(answer, (str, bytes)):
        raise TypeError(f"expected a number, got the string {answer!r}: drop the quotes")
    if isinstance(answer, (list, tuple, np.ndarray)) and any(
            isinstance(v, (str, bytes)) for v in np.ravel(np.asarray(answer, dtype=object))):
        raise TypeError(f"expected numbers, got strings in {answer!r}: drop the quotes")
    try:
        return np.asarray(answer, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"expected a number or a sequence of numbers, got {type(answer).__name__}"
                        f" {answer!r}") from None


def pair(out, what, parts):
    """The two parts of ``out``, a function's result that must be a pair: any sequence of length 2
    (a tuple, a list, an array with 2 rows), never a string or a dict. Raises ValueError naming
    the function ``what`` and its ``parts`` (e.g. ``"(dx, v_new)"``) otherwise."""
    if isinstance(out, (str, bytes, dict)) or not hasattr(out, "__len__") or not hasattr(out, "__getitem__"):
        raise ValueError(f"{what} must return a pair {parts}, got {type(out).__name__}")
    if len(out) != 2:
        raise ValueError(f"{what} must return a pair {parts}, got {len(out)} items")
    return out[0], out[1]


def close(a, b, rtol=1e-6, atol=1e-9):
    """Shape-checked closeness used by the judges (raises ValueError on a shape mismatch, TypeError
    on a string: :func:`as_numbers`)."""
    import numpy as np

    a = as_numbers(a)
    b = np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"expected shape {b.shape}, got {a.shape}")
    return bool(np.allclose(a, b, rtol=rtol, atol=atol))
