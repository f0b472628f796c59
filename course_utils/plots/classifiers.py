"""Decision regions of trained classifiers on a 2-D grid (every grid point in one batched pass)."""

from __future__ import annotations

import numpy as np
from matplotlib.colors import ListedColormap

from .core import get_ax

__all__ = ["decision_values", "decision_regions", "REGION_CMAP"]

REGION_CMAP = ListedColormap(["#f4c7a1", "#a9c9ea"])     # class -1 (orange), class +1 (blue)


def decision_values(spec, thetas, lim=1.15, n=161):
    r"""The outputs :math:`m(x;\theta_r)` on an ``n x n`` grid over ``[-lim, lim]^2`` for every row of
    ``thetas`` ``(R, P)``: one batched forward pass; returns ``(R, n, n)`` (rows follow x2)."""
    g = np.linspace(-lim, lim, n)
    G1, G2 = np.meshgrid(g, g)
    pts = np.stack([G1.ravel(), G2.ravel()], axis=-1)
    thetas = np.atleast_2d(thetas)
    return spec.forward(thetas, pts).reshape(thetas.shape[0], n, n)


def decision_regions(values, X, y, ax=None, lim=1.15, title=None, markersize=12):
    """Draw the sign of ``values`` (an ``(n, n)`` grid from :func:`decision_values`) with the data.

    Returns a dict of artists: ``image`` (update with ``set_data(np.sign(values))``), ``points``,
    ``title``.
    """
    ax = get_ax(ax)
    img = ax.imshow(np.sign(values) > 0, origin="lower", extent=(-lim, lim, -lim, lim),
                    cmap=REGION_CMAP, vmin=0, vmax=1, interpolation="nearest")
    pos = np.asarray(y) > 0
    pts = [ax.scatter(X[pos, 0], X[pos, 1], s=markersize, c="C0", edgecolors="k", linewidths=0.4,
                      label="class +1"),
           ax.scatter(X[~pos, 0], X[~pos, 1], s=markersize, c="C1", edgecolors="k", linewidths=0.4,
                      label="class −1")]
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.grid(False)
    t = ax.set_title(title) if title is not None else None
    return {"image": img, "points": pts, "title": t}
