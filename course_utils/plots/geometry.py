r"""Geometry of projections: affine solution sets, H-norm level sets touching them, 3-D views.

Helpers take ``ax=None`` (a new figure when omitted), use the explicit Axes API and return their
artists. The 3-D helpers need an ``Axes3D`` (``fig.add_subplot(projection="3d")``).
"""

from __future__ import annotations

import numpy as np

from .. import _checks
from ..metric import Metric
from .core import ellipse_points, get_ax

__all__ = ["line_segment", "solution_line", "touching_ellipses", "touching_radii",
           "plane_3d", "line_3d", "path_3d", "point_3d", "distance_panel"]


def line_segment(a, beta, xlim, ylim):
    r"""Two points of the line :math:`a^Tx = \beta` spanning the box ``xlim x ylim``, shape (2, 2)."""
    a = _checks.as_vector(a, "a", 2)
    a1, a2 = a
    if a1 == 0 and a2 == 0:
        raise ValueError("a must be nonzero")
    if abs(a2) >= abs(a1):
        x1 = np.array(xlim, dtype=float)
        return np.stack([x1, (beta - a1 * x1) / a2], axis=-1)
    x2 = np.array(ylim, dtype=float)
    return np.stack([(beta - a2 * x2) / a1, x2], axis=-1)


def solution_line(a, beta, xlim, ylim, ax=None, label=r"solution set $\{x: Ax = b\}$", **kwargs):
    r"""Draw the solution set :math:`\{x : a^Tx = \beta\}` of one equation in the plane; a Line2D."""
    ax = get_ax(ax)
    seg = line_segment(a, beta, xlim, ylim)
    kwargs.setdefault("color", "k")
    kwargs.setdefault("lw", 2.2)
    (line,) = ax.plot(seg[:, 0], seg[:, 1], label=label, **kwargs)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    return line


def touching_radii(H, x0, x_hat, fractions=(0.35, 0.7, 1.0)):
    r"""Radii :math:`f\,\|\hat x - x_0\|_H` of the level sets drawn by :func:`touching_ellipses`."""
    d = np.asarray(x_hat, dtype=float) - np.asarray(x0, dtype=float)
    return Metric(H, 2).norm(d) * np.asarray(fractions, dtype=float)


def touching_ellipses(H, x0, x_hat, ax=None, fractions=(0.35, 0.7, 1.0), color="C1", n=160,
                      **kwargs):
    r"""Level sets :math:`\|x - x_0\|_H = r` around ``x0``; the last (fraction 1) touches the
    solution line at the projection point ``x_hat``. Returns the list of Line2D (update their data
    with :func:`course_utils.plots.core.ellipse_points` and :func:`touching_radii`)."""
    ax = get_ax(ax)
    lines = []
    for i, r in enumerate(touching_radii(H, x0, x_hat, fractions)):
        pts = ellipse_points(H, x0, r, n)
        last = i == len(fractions) - 1
        (ln,) = ax.plot(pts[:, 0], pts[:, 1], color=color, lw=1.8 if last else 0.9,
                        alpha=1.0 if last else 0.6, **kwargs)
        lines.append(ln)
    return lines


# --- 3-D ------------------------------------------------------------------------------------
def plane_3d(a, beta, center, half_width, ax, color="0.45", alpha=0.35, n=2):
    r"""The plane :math:`a^Tx = \beta` in 3-D as a square patch of half-width ``half_width`` around
    the projection of ``center`` onto it; returns the Poly3DCollection."""
    a = _checks.as_vector(a, "a", 3)
    c = np.asarray(center, dtype=float)
    na = np.linalg.norm(a)
    if na == 0:
        raise ValueError("a must be nonzero")
    u = a / na
    p = c - (a @ c - beta) / na * u                    # the point of the plane nearest to center
    # an orthonormal basis (e1, e2) of the plane's directions
    e1 = np.linalg.svd(u[None, :])[2][1]
    e2 = np.cross(u, e1)
    s = np.linspace(-half_width, half_width, n)
    S, T = np.meshgrid(s, s)
    P = p + S[..., None] * e1 + T[..., None] * e2
    return ax.plot_surface(P[..., 0], P[..., 1], P[..., 2], color=color, alpha=alpha,
                           edgecolor="none", shade=False)


def line_3d(A, b, center, half_length, ax, **kwargs):
    r"""The line :math:`\{x : Ax = b\}` (A is 2 x 3 of rank 2) through the projection of ``center``;
    returns the Line3D."""
    A = _checks.as_array(A, "A", shape=(2, 3))
    b = _checks.as_vector(b, "b", 2)
    c = np.asarray(center, dtype=float)
    direction = np.cross(A[0], A[1])
    if np.linalg.norm(direction) == 0:
        raise ValueError("the two rows of A must be independent to define a line")
    direction /= np.linalg.norm(direction)
    Q, _ = np.linalg.qr(A.T)
    p = c - Q @ (Q.T @ c) + np.linalg.lstsq(A, b, rcond=None)[0]      # nearest point of the line
    t = np.array([-half_length, half_length])
    pts = p + t[:, None] * direction
    kwargs.setdefault("color", "k")
    kwargs.setdefault("lw", 2.2)
    (ln,) = ax.plot(pts[:, 0], pts[:, 1], pts[:, 2], **kwargs)
    return ln


def path_3d(X, ax, label=None, color="C0", marker="o", markersize=2.5, **kwargs):
    """The polyline through the rows of ``X`` (shape ``(k, 3)``) in a 3-D axes; returns the Line3D."""
    X = _checks.as_array(X, "X", ndim=2, shape=(None, 3))
    (ln,) = ax.plot(X[:, 0], X[:, 1], X[:, 2], color=color, marker=marker, markersize=markersize,
                    lw=1.4, label=label, **kwargs)
    return ln


def point_3d(x, ax, label=None, color="k", marker="*", s=140, **kwargs):
    """One marked point in a 3-D axes; returns the PathCollection."""
    x = _checks.as_vector(x, "x", 3)
    return ax.scatter([x[0]], [x[1]], [x[2]], color=color, marker=marker, s=s, label=label,
                      depthshade=False, **kwargs)


def distance_panel(curves, ax=None, ylabel=r"$\|x_k - \hat x\|_2$", floor=1e-16, **kwargs):
    r"""Semilog curves ``{label: values[k]}`` (values ``(K,)`` or ``(K, R)`` for R runs, drawn as
    the median with a band from min to max); zeros are floored at ``floor``. Returns
    ``{label: Line2D}``."""
    ax = get_ax(ax)
    out = {}
    for i, (label, v) in enumerate(curves.items()):
        v = np.asarray(v, dtype=float)
        v = np.maximum(v, floor)
        k = np.arange(v.shape[0])
        color = kwargs.get("color", f"C{i}")
        if v.ndim == 2 and v.shape[1] > 1:
            ax.fill_between(k, v.min(axis=1), v.max(axis=1), color=color, alpha=0.2, lw=0)
            v = np.median(v, axis=1)
        elif v.ndim == 2:
            v = v[:, 0]
        (ln,) = ax.semilogy(k, v, color=color, label=label, lw=1.8)
        out[label] = ln
    ax.set_xlabel("iteration $k$")
    ax.set_ylabel(ylabel)
    return out
