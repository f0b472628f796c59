"""Input validation shared by the numeric modules.

Every public function of the package validates what it is given *before* numpy sees it, so a
student who passes a wrong shape or a NaN reads a sentence about their input, not a traceback
from deep inside ``numpy.linalg``.
"""

from __future__ import annotations

import numbers

import numpy as np


def as_array(x, name, *, ndim=None, min_ndim=None, shape=None, allow_nan=False):
    """Return ``x`` as a float64 array after checking its shape and that it is finite."""
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be an array of numbers; got {type(x).__name__}") from exc
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional; got shape {arr.shape}")
    if min_ndim is not None and arr.ndim < min_ndim:
        raise ValueError(f"{name} must have at least {min_ndim} dimension(s); got shape {arr.shape}")
    if shape is not None:
        for axis, (got, want) in enumerate(zip(arr.shape[::-1], shape[::-1])):
            if want is not None and got != want:
                raise ValueError(
                    f"{name} has shape {arr.shape}; expected its last dimensions to be {shape}"
                )
    if not allow_nan and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite entries")
    return arr


def as_vector(x, name, n=None):
    """A 1-D finite float vector (of length ``n`` when given)."""
    v = as_array(x, name, ndim=1)
    if n is not None and v.shape[0] != n:
        raise ValueError(f"{name} must have length {n}; got length {v.shape[0]}")
    return v


def as_points(x, name, n):
    """A finite array of points of shape ``(..., n)``."""
    arr = as_array(x, name, min_ndim=1)
    if arr.shape[-1] != n:
        raise ValueError(f"{name} must have shape (..., {n}); got shape {arr.shape}")
    return arr


def as_symmetric(M, name, n=None):
    """A square symmetric finite matrix."""
    M = as_array(M, name, ndim=2)
    if M.shape[0] != M.shape[1]:
        raise ValueError(f"{name} must be square; got shape {M.shape}")
    if n is not None and M.shape[0] != n:
        raise ValueError(f"{name} must be {n}x{n}; got shape {M.shape}")
    scale = max(1.0, float(np.max(np.abs(M))))
    if not np.allclose(M, M.T, rtol=0.0, atol=1e-12 * scale):
        raise ValueError(f"{name} must be symmetric; got {name} - {name}.T with max entry "
                         f"{np.max(np.abs(M - M.T)):.3g}")
    return 0.5 * (M + M.T)


def as_metric(H, name="H", n=None):
    """A positive-definite metric: a symmetric PD matrix, or a vector of positive diagonal entries.

    Returns ``(H, is_diagonal)`` with ``H`` a 1-D array when diagonal, a 2-D array otherwise.
    """
    H_arr = as_array(H, name)
    if H_arr.ndim == 1:
        if n is not None and H_arr.shape[0] != n:
            raise ValueError(f"{name} as a vector means diag({name}) and must have length {n}; "
                             f"got length {H_arr.shape[0]}")
        if np.any(H_arr <= 0):
            raise ValueError(f"{name} must be positive definite: every diagonal entry must be > 0; "
                             f"got {np.array2string(H_arr, precision=4)}")
        return H_arr, True
    if H_arr.ndim != 2:
        raise ValueError(f"{name} must be an n x n matrix or a length-n vector (its diagonal); "
                         f"got shape {H_arr.shape}")
    H_arr = as_symmetric(H_arr, name, n)
    lam_min = float(np.linalg.eigvalsh(H_arr)[0])
    scale = float(np.max(np.abs(H_arr)))
    if lam_min <= 1e-14 * max(scale, 1e-300):
        raise ValueError(f"{name} must be positive definite; its smallest eigenvalue is {lam_min:.4g}")
    return H_arr, False


def positive(value, name):
    """A positive finite scalar (or array of them, e.g. one step size per run)."""
    if isinstance(value, (str, bytes, bool)):
        raise TypeError(f"{name} must be a positive finite number; got {type(value).__name__} {value!r}")
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a positive finite number; got {type(value).__name__}") from exc
    if not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise ValueError(f"{name} must be a positive finite number; got {value!r}")
    return float(arr) if arr.ndim == 0 else arr


def nonnegative(value, name):
    """A finite scalar >= 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0; got {value!r}")
    return float(value)


def decay(value, name):
    """An averaging factor b in [0, 1)."""
    if not isinstance(value, numbers.Real) or not (0.0 <= value < 1.0):
        raise ValueError(f"{name} must lie in [0, 1); got {value!r}")
    return float(value)


def positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer; got {value!r}")
    return int(value)


def nonnegative_int(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ValueError(f"{name} must be an integer >= 0; got {value!r}")
    return int(value)


def available_memory():
    """Bytes of memory available to a new allocation now: ``MemAvailable`` of /proc/meminfo
    (Linux: free memory plus what the kernel can reclaim), else the free physical pages, else
    8 GiB where the system tells nothing."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        import os

        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return 8 * 2**30


#: the share of the available memory one array (or one call's arrays) may take
MEMORY_SHARE = 0.5


def check_memory(nbytes, name, value, what, *, hint=""):
    """Raise a ValueError naming ``name`` when ``nbytes`` (what ``what`` would take) exceeds
    :data:`MEMORY_SHARE` of :func:`available_memory`, before anything is allocated."""
    budget = MEMORY_SHARE * available_memory()
    if nbytes > budget:
        raise ValueError(
            f"{name}={value!r} is too many: {what} would take {nbytes / 2**30:.3g} GiB, more than "
            f"{MEMORY_SHARE:.0%} of the memory available now ({budget / MEMORY_SHARE / 2**30:.3g} GiB)"
            + (f". {hint}" if hint else ""))
    return nbytes


def size(value, name, *, minimum=1):
    """An integer count >= ``minimum`` (not a bool, not a float): sizes, chunks, iterations."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer >= {minimum}; got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}")
    return int(value)


def seed(value, name="seed"):
    """A seed for ``np.random.default_rng``: an integer >= 0 (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer >= 0; got {type(value).__name__} {value!r}")
    if value < 0:
        raise ValueError(f"{name} must be an integer >= 0; got {value!r}")
    return int(value)
