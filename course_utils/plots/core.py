"""Generic 2-D optimization plots: level sets, iterate paths, H-norm ellipses, convergence curves."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..metric import Metric


def get_ax(ax=None, figsize=(5.0, 4.0)):
    """Return ``ax``, or the axes of a new figure (pyplot's when available, so it shows inline)."""
    if ax is not None:
        return ax
    try:
        import matplotlib.pyplot as plt
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    except ImportError:  # pragma: no cover - pyplot always exists with matplotlib
        ax = Figure(figsize=figsize, layout="constrained").add_subplot()
    return ax


def grid_values(func, xlim, ylim, n=201):
    """Evaluate a batched ``func`` on an ``n x n`` grid in one call; returns ``(X, Y, Z)``."""
    x = np.linspace(*xlim, n)
    y = np.linspace(*ylim, n)
    X, Y = np.meshgrid(x, y)
    Z = np.asarray(func(np.stack([X, Y], axis=-1)))
    return X, Y, Z


def contours(func, xlim, ylim, ax=None, levels=12, n=201, filled=False, log_levels=True,
             cmap="viridis", **kwargs):
    """Level sets of a 2-D function ``func`` (batched: ``func(points[..., 2]) -> values[...]``).

    ``levels`` an int picks that many levels between the grid's minimum and maximum, spaced
    geometrically above the minimum when ``log_levels`` (so the narrow valleys of an ill-conditioned
    quadratic show), or an explicit increasing sequence. Returns the ``ContourSet``.
    """
    ax = get_ax(ax)
    X, Y, Z = grid_values(func, xlim, ylim, n)
    if np.isscalar(levels) or np.ndim(levels) == 0:
        zmin, zmax = float(np.nanmin(Z)), float(np.nanmax(Z))
        if log_levels:
            span = max(zmax - zmin, 1e-12)
            levels = zmin + span * np.geomspace(1e-3, 1.0, int(levels))
        else:
            levels = np.linspace(zmin, zmax, int(levels) + 2)[1:-1]
    draw = ax.contourf if filled else ax.contour
    cs = draw(X, Y, Z, levels=levels, cmap=cmap, **kwargs)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    return cs


def path(iterates, ax=None, label=None, color="C3", marker="o", markersize=3.5, **kwargs):
    """The polyline through the iterates (rows of ``iterates``, shape ``(k, 2)``); returns a Line2D."""
    ax = get_ax(ax)
    X = np.asarray(iterates, dtype=float)
    (line,) = ax.plot(X[:, 0], X[:, 1], marker=marker, markersize=markersize, color=color,
                      label=label, lw=1.2, **kwargs)
    return line


def level_sets_with_path(func, iterates, xlim, ylim, ax=None, label=None, levels=12, **kwargs):
    """Level sets of ``func`` with an iterate path, a start marker and the minimizer marker.

    Returns a dict with the artists: ``contours``, ``path``, ``start``.
    """
    ax = get_ax(ax)
    cs = contours(func, xlim, ylim, ax=ax, levels=levels)
    line = path(iterates, ax=ax, label=label, **kwargs)
    X = np.asarray(iterates, dtype=float)
    (start,) = ax.plot(X[:1, 0], X[:1, 1], "s", color="k", markersize=7, label="$x_0$")
    ax.set_aspect("equal", adjustable="box")
    return {"contours": cs, "path": line, "start": start}


def convergence(errors, ax=None, label=None, **kwargs):
    """``errors[k]`` (e.g. f(x_k) - f*) against k on a log y axis; returns the Line2D.

    Non-positive or NaN entries (a solved or diverged run) are not drawn.
    """
    ax = get_ax(ax)
    e = np.asarray(errors, dtype=float)
    e = np.where(e > 0, e, np.nan)
    (line,) = ax.semilogy(np.arange(e.size), e, label=label, **kwargs)
    ax.set_xlabel("iteration $k$")
    return line


def rate_line(rate, steps, start=1.0, ax=None, label=None, **kwargs):
    r"""The reference line :math:`\text{start}\cdot\text{rate}^k`, k = 0..steps; returns the Line2D."""
    ax = get_ax(ax)
    k = np.arange(steps + 1)
    kwargs.setdefault("ls", "--")
    kwargs.setdefault("color", "0.4")
    (line,) = ax.semilogy(k, start * float(rate) ** k, label=label, **kwargs)
    return line


def ellipse_points(H, center, radius=1.0, n=200):
    r"""Points of the H-norm sphere :math:`\{x : \|x - c\|_H = r\}` in 2-D, shape ``(n, 2)``
    (:meth:`course_utils.metric.Metric.sphere`)."""
    return Metric(H, 2).sphere(center, radius, n)


def ellipse(H, center, radius=1.0, ax=None, n=200, **kwargs):
    r"""Draw the H-norm level set :math:`\|x - c\|_H = r`; returns the Line2D."""
    ax = get_ax(ax)
    pts = ellipse_points(H, center, radius, n)
    (line,) = ax.plot(pts[:, 0], pts[:, 1], **kwargs)
    return line


def step_arrow(x_from, x_to, ax=None, color="k", **kwargs):
    """An arrow for one step; returns the ``FancyArrowPatch`` annotation (update with ``xy``/``xyann``)."""
    ax = get_ax(ax)
    return ax.annotate("", xy=tuple(x_to), xytext=tuple(x_from),
                       arrowprops=dict(arrowstyle="->", color=color, lw=1.8, **kwargs))


def banner(ax, text="diverges", color="C3", visible=False, fontsize=16):
    """A large message across the middle of ``ax`` (e.g. "diverges: γ > 2/λmax"), hidden by default.

    Returns the Text artist: a widget toggles ``set_visible`` / ``set_text`` instead of letting an
    overflowing run spew warnings.
    """
    return ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center",
                   fontsize=fontsize, color=color, weight="bold", visible=visible, zorder=10,
                   bbox=dict(boxstyle="round", fc="white", ec=color, alpha=0.9))


# --- small helpers for widgets: create an artist once, then move it ----------------------------
def point(x, ax=None, marker="o", color="k", markersize=8, **kwargs):
    """One marker at the 2-D point ``x``; returns the Line2D (move it with :func:`set_points`)."""
    ax = get_ax(ax)
    x = np.asarray(x, dtype=float).reshape(-1, 2)
    (line,) = ax.plot(x[:, 0], x[:, 1], ls="none", marker=marker, color=color,
                      markersize=markersize, **kwargs)
    return line


def set_points(line, points):
    """Set a Line2D's data to the rows of ``points`` (shape ``(k, 2)``, or one point ``(2,)``).

    Returns the line. NaN rows (a diverged run) are simply not drawn.
    """
    P = np.asarray(points, dtype=float).reshape(-1, 2)
    line.set_data(P[:, 0], P[:, 1])
    return line


def set_ellipse(line, H, center, radius=1.0, n=200):
    r"""Move a Line2D made by :func:`ellipse` to :math:`\|x - c\|_H = r`; hide it when the center
    or radius is not finite (e.g. a diverged run). Returns the line."""
    c = np.asarray(center, dtype=float)
    ok = bool(np.all(np.isfinite(c)) and np.isfinite(radius) and radius > 0)
    if ok:
        set_points(line, ellipse_points(H, c, radius, n))
    line.set_visible(ok)
    return line


def move_arrow(arrow, x_from, x_to):
    """Move an arrow made by :func:`step_arrow`; hide it when either end is not finite."""
    a = np.asarray(x_from, dtype=float)
    b = np.asarray(x_to, dtype=float)
    ok = bool(np.all(np.isfinite(a)) and np.all(np.isfinite(b)))
    if ok:
        arrow.xy = tuple(b)
        arrow.set_position(tuple(a))
    arrow.set_visible(ok)
    return arrow


def log_rate_values(rate, steps, start=1.0, power=1, floor=1e-300, ceil=1e300):
    r""":math:`\text{start}\cdot\text{rate}^{\,\text{power}\cdot k}`, k = 0..steps, computed in log
    space and clipped to [floor, ceil], so a rate of 0 or > 1 never warns about log(0) or overflow.
    Entries that underflow the floor are NaN (not drawn on a log axis)."""
    k = np.arange(steps + 1)
    rate = float(rate)
    start = float(start)
    if not start > 0.0:                 # x_0 = x*: nothing to contract, nothing to draw
        return np.full(k.shape, np.nan)
    if rate <= 0.0:
        out = np.full(k.shape, np.nan)
        out[0] = start
        return out
    logv = np.log(start) + power * k * np.log(rate)
    out = np.exp(np.clip(logv, np.log(floor), np.log(ceil)))
    return np.where(logv < np.log(floor), np.nan, out)
