r"""Loss-landscape pictures of :math:`\ell(\alpha,\beta)`: a clipped image or filled contours with a
linear or logarithmic colour scale, the zero-loss region in white with its edge drawn, and a
3-D surface.

Conventions shared by every helper here (and by :func:`course_utils.widgets.minima.landscape_app`):

* values above ``z_max`` are clipped to ``z_max`` (the slides cut the landscape so that two minima
  fit one colour scale);
* the region where the loss is **exactly 0** is white, and its edge is a black line (the
  zero-loss contour), so a zero-loss valley is visible at every ``z_max``;
* ``log=True`` colours :math:`\log_{10}` of the loss between ``LOG_FLOOR`` (1e-3) and ``z_max``:
  a landscape whose losses are all far below ``z_max`` is one colour on a linear scale (say
  z_max = 1e9 with losses of order 10) but shows its structure on a log scale. :func:`uniform_note`
  says when a panel is one colour and why.
"""

from __future__ import annotations

import numpy as np
from matplotlib.colors import LogNorm, Normalize

from .core import get_ax

__all__ = ["clip", "landscape_contour", "landscape_image", "landscape_surface", "zero_contour",
           "uniform_note", "landscape_norm", "masked_values", "LOG_FLOOR"]

#: Lowest loss of the logarithmic colour scale (smaller positive losses get its colour).
LOG_FLOOR = 1e-3


def clip(Z, z_max):
    """``min(Z, z_max)``: the slides cut the landscape at ``z_max`` so both minima fit one scale."""
    if not (np.isfinite(z_max) and z_max > 0):
        raise ValueError(f"z_max must be a positive number; got {z_max!r}")
    return np.minimum(np.asarray(Z, dtype=float), z_max)


def landscape_norm(z_max, log=False):
    """The colour normalization: linear on [0, z_max], or logarithmic on [LOG_FLOOR, z_max]."""
    clip(0.0, z_max)
    if log:
        if z_max <= LOG_FLOOR:
            raise ValueError(f"z_max must exceed {LOG_FLOOR:g} on a log colour scale; got {z_max!r}")
        return LogNorm(vmin=LOG_FLOOR, vmax=z_max)
    return Normalize(vmin=0.0, vmax=z_max)


def _masked(Z, z_max, log):
    Zc = clip(Z, z_max)
    if log:
        Zc = np.maximum(Zc, LOG_FLOOR)
    return np.ma.masked_where(np.asarray(Z) == 0, Zc)      # loss exactly 0 -> white ("bad")


def _cmap(cmap):
    import matplotlib
    return matplotlib.colormaps[cmap].with_extremes(bad="white")


def uniform_note(Z, z_max, log=False):
    """A short reason when a panel is (almost) one colour, else ``""``.

    Linear scale: every nonzero loss below 2 % of ``z_max`` ("max 3.1 ≪ z_max: one colour"). Any scale:
    at least 95 % of the nonzero losses clipped at ``z_max``, or loss 0 everywhere.
    """
    Z = np.asarray(Z, dtype=float)
    pos = Z[Z > 0]
    if pos.size == 0:
        return "loss 0 on the whole grid"
    if not log and pos.max() < 0.02 * z_max:
        return f"max {pos.max():.2g} ≪ z_max: one colour"
    clipped = np.mean(pos >= z_max)
    if clipped >= 0.95:
        return f"{100 * clipped:.0f} % clipped at z_max"
    return ""


def zero_contour(alphas, betas, Z, ax, color="k", linewidth=1.6):
    """The edge of the zero-loss region (a ContourSet), or None when the grid has no edge."""
    zero = (np.asarray(Z) == 0).astype(float)
    if zero.min() == zero.max():
        return None
    return ax.contour(alphas, betas, zero, levels=[0.5], colors=color, linewidths=linewidth)


def _labels(ax):
    ax.set_xlabel(r"$\alpha$ (along $d_1$)")
    ax.set_ylabel(r"$\beta$ (along $d_2$)")


def landscape_contour(alphas, betas, Z, z_max, ax=None, levels=12, title=None, cmap="viridis",
                      log=False):
    """Filled contours of ``min(Z, z_max)`` (``log``: logarithmic levels), the zero-loss region
    white with its edge in black, θ_end as a red star.

    Returns a dict with ``contourf``, ``zero`` (the zero-loss contour or None) and ``marker``.
    """
    ax = get_ax(ax)
    norm = landscape_norm(z_max, log)
    lv = (np.geomspace(LOG_FLOOR, z_max, levels + 1) if log else np.linspace(0, z_max, levels + 1))
    cf = ax.contourf(alphas, betas, _masked(Z, z_max, log), levels=lv, cmap=_cmap(cmap), norm=norm)
    zero = zero_contour(alphas, betas, Z, ax)
    (mark,) = ax.plot([0], [0], "r*", ms=12, label=r"$\theta_{\rm end}$")
    _labels(ax)
    if title:
        ax.set_title(title)
    return {"contourf": cf, "zero": zero, "marker": mark}


def landscape_image(alphas, betas, Z, z_max, ax=None, title=None, cmap="viridis", log=False):
    """The same picture as an image, fast to update: ``image.set_data(...)`` with
    :func:`masked_values` and ``image.set_norm(landscape_norm(z_max, log))``. Returns a dict with
    ``image``, ``zero`` (the zero-loss contour or None) and ``marker``."""
    ax = get_ax(ax)
    img = ax.imshow(_masked(Z, z_max, log), origin="lower", cmap=_cmap(cmap),
                    norm=landscape_norm(z_max, log),
                    extent=(alphas[0], alphas[-1], betas[0], betas[-1]), aspect="auto",
                    interpolation="nearest")
    zero = zero_contour(alphas, betas, Z, ax)
    (mark,) = ax.plot([0], [0], "r*", ms=12)
    _labels(ax)
    ax.grid(False)
    if title:
        ax.set_title(title)
    return {"image": img, "zero": zero, "marker": mark}


def masked_values(Z, z_max, log=False):
    """What :func:`landscape_image` shows: ``min(Z, z_max)`` with the zero-loss points masked."""
    return _masked(Z, z_max, log)


def landscape_surface(alphas, betas, Z, z_max, ax, title=None, cmap="viridis", stride=2):
    """A 3-D surface of ``min(Z, z_max)`` on an axes made with ``projection="3d"``; returns it."""
    A, B = np.meshgrid(alphas, betas)
    surf = ax.plot_surface(A, B, clip(Z, z_max), cmap=cmap, vmin=0, vmax=z_max,
                           rstride=stride, cstride=stride, linewidth=0, antialiased=False)
    ax.set_zlim(0, z_max)
    ax.set_xlabel(r"$\alpha$")
    ax.set_ylabel(r"$\beta$")
    ax.set_zlabel("loss (clipped)")
    if title:
        ax.set_title(title)
    return surf
