r"""Loss-landscape pictures: a clipped surface and clipped filled contours of :math:`\ell(\alpha,\beta)`."""

from __future__ import annotations

import numpy as np

from .core import get_ax

__all__ = ["clip", "landscape_contour", "landscape_image", "landscape_surface"]


def clip(Z, z_max):
    """``min(Z, z_max)``: the slides cut the landscape at ``z_max`` so both minima fit one scale."""
    if not (np.isfinite(z_max) and z_max > 0):
        raise ValueError(f"z_max must be a positive number; got {z_max!r}")
    return np.minimum(np.asarray(Z, dtype=float), z_max)


def landscape_contour(alphas, betas, Z, z_max, ax=None, levels=12, title=None, cmap="viridis"):
    """Filled contours of ``min(Z, z_max)`` with the zero-loss region outlined in white.

    Returns a dict with ``contourf``, ``zero`` (the contour of loss 0) and ``marker`` (θ_end).
    """
    ax = get_ax(ax)
    Zc = clip(Z, z_max)
    cf = ax.contourf(alphas, betas, Zc, levels=np.linspace(0, z_max, levels + 1), cmap=cmap)
    zero = ax.contour(alphas, betas, (Z > 0).astype(float), levels=[0.5], colors="w",
                      linewidths=1.2)
    (mark,) = ax.plot([0], [0], "r*", ms=10, label=r"$\theta_{\rm end}$")
    ax.set_xlabel(r"$\alpha$ (along $d_1$)")
    ax.set_ylabel(r"$\beta$ (along $d_2$)")
    if title:
        ax.set_title(title)
    return {"contourf": cf, "zero": zero, "marker": mark}


def landscape_image(alphas, betas, Z, z_max, ax=None, title=None, cmap="viridis"):
    """The same picture as an image (fast to update: ``image.set_data(clip(Z, z_max))``,
    ``image.set_clim(0, z_max)``). Returns a dict with ``image`` and ``marker``."""
    ax = get_ax(ax)
    img = ax.imshow(clip(Z, z_max), origin="lower", cmap=cmap, vmin=0, vmax=z_max,
                    extent=(alphas[0], alphas[-1], betas[0], betas[-1]), aspect="auto",
                    interpolation="nearest")
    (mark,) = ax.plot([0], [0], "r*", ms=10)
    ax.set_xlabel(r"$\alpha$ (along $d_1$)")
    ax.set_ylabel(r"$\beta$ (along $d_2$)")
    ax.grid(False)
    if title:
        ax.set_title(title)
    return {"image": img, "marker": mark}


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
