r"""Plots for adaptive methods: summand level sets, per-coordinate effective steps, moment estimates.

Each helper takes ``ax=None`` (a new figure when omitted), uses the explicit Axes API and returns
the artists it made, so a widget can update them (``set_data``) instead of redrawing.
"""

from __future__ import annotations

import numpy as np

from .core import get_ax, grid_values

__all__ = ["summand_level_sets", "effective_steps", "moment_estimates", "distances",
           "stall_radius", "circle_points", "path_over_summands"]


def _minimizer(problem):
    """A :class:`course_utils.objectives.FiniteSum`'s minimizer (least squares: the minimum-norm one)."""
    return np.asarray(problem.minimizer(), dtype=float)


def summand_level_sets(problem, xlim, ylim, ax=None, levels=None, n=161, alpha=0.55, lw=1.0, mark_minimizers=True, mark_solution=True):
    r"""Level sets of every summand :math:`f_i` of a 2-D finite-sum problem, one colour each.

    ``problem`` has ``summand_values(points) -> (..., m)`` (a :class:`~course_utils.objectives.
    LeastSquares` or :class:`~course_utils.problems.QuadraticSum`). By default each summand's level
    set is drawn at the level :math:`f_i(x^\star)`, so every curve passes through the minimizer
    :math:`x^\star` of the sum: for least squares a pair of parallel lines, for quadratics an
    ellipse (summand i in colour ``Ci``). ``levels`` may instead be a number or one number per summand.

    With ``mark_minimizers`` the summands' own minimizers are drawn too (the line
    :math:`a_i^Tx = b_i` thinly, or the centre :math:`c_i` as a cross); ``mark_solution`` marks
    :math:`x^\star` with a star.

    Returns a dict: ``contours`` (list of ContourSets), ``minimizers`` (list of artists),
    ``solution`` (Line2D or None).
    """
    ax = get_ax(ax)
    X, Y, Z = grid_values(problem.summand_values, xlim, ylim, n)      # Z: (n, n, m), one call
    m = Z.shape[-1]
    xs = _minimizer(problem)
    if levels is None:
        lv = np.asarray(problem.summand_values(xs), dtype=float)
    else:
        lv = np.broadcast_to(np.asarray(levels, dtype=float), (m,))
    colours = [f"C{i % 10}" for i in range(m)]
    sets = []
    for i in range(m):
        level = max(float(lv[i]), 1e-12)
        sets.append(ax.contour(X, Y, Z[..., i], levels=[level], colors=[colours[i]], alpha=alpha,
                               linewidths=lw))
    marks = []
    if mark_minimizers:
        if hasattr(problem, "centers"):
            c = problem.centers
            marks.append(ax.scatter(c[:, 0], c[:, 1], marker="x", s=28, c=colours, alpha=0.9,
                                    zorder=3, label="summand minimizers $c_i$"))
        elif hasattr(problem, "A"):
            for i, (a, b) in enumerate(zip(problem.A, problem.b)):
                p = a * b / (a @ a)                                    # the point of a_i^T x = b_i
                marks.append(ax.axline(tuple(p), tuple(p + np.array([-a[1], a[0]])),
                                       color=colours[i], lw=0.6, ls=":", alpha=0.9))
    star = None
    if mark_solution:
        (star,) = ax.plot([xs[0]], [xs[1]], "*", color="k", markersize=10, zorder=6,
                          label=r"minimizer $x^\star$")
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    return {"contours": sets, "minimizers": marks, "solution": star}


def effective_steps(h, step=1.0, ax=None, labels=None, colors=None, start=1, **kwargs):
    r"""Each coordinate's effective step :math:`\gamma_k/h_{i,k}` against the iteration k (log y).

    ``h`` is the metric diagonals, shape ``(K, n)`` (row k-1 is :math:`\operatorname{diag}H_k`,
    e.g. ``[metric_diagonal(s) for s in states[1:]]``); ``step`` is the step size
    :math:`\gamma_k`, a number or a length-K array (one per row of ``h``).
    Returns the list of Line2D, one per coordinate.

    >>> import matplotlib.pyplot as plt
    >>> lines = effective_steps([[1.0, 4.0], [2.0, 8.0]], step=0.5)
    >>> lines[1].get_ydata().tolist()                    # 0.5/4, 0.5/8
    [0.125, 0.0625]
    >>> plt.close("all")
    """
    ax = get_ax(ax)
    h = np.asarray(h, dtype=float)
    step = np.asarray(step, dtype=float)
    eff = (step[:, None] if step.ndim else step) / h
    k = np.arange(start, start + h.shape[0])
    n = h.shape[1]
    labels = labels or [f"$\\gamma/h_{{{i + 1},k}}$" for i in range(n)]
    colors = colors or [f"C{i}" for i in range(n)]
    lines = [ax.semilogy(k, eff[:, i], label=labels[i], color=colors[i], **kwargs)[0]
             for i in range(n)]
    ax.set_xlabel("iteration $k$")
    ax.set_ylabel(r"effective step $\gamma/h_{i,k}$")
    return lines


def moment_estimates(g, raw, corrected, second_moment, ax=None, coordinate=0, show_samples=True):
    r"""A variance (second-moment) estimate over the stream: samples :math:`g_k^2` (dots),
    :math:`\hat v_k` without and with bias correction, and the true :math:`E[g^2]` (dashed).

    ``g``, ``raw``, ``corrected`` are ``(K, n)`` arrays (k = 1..K); ``second_moment`` is ``(n,)``.
    Returns a dict of artists: ``samples``, ``raw``, ``corrected``, ``true``.
    """
    ax = get_ax(ax)
    g = np.asarray(g, dtype=float)
    k = np.arange(1, g.shape[0] + 1)
    i = coordinate
    samples = None
    if show_samples:
        (samples,) = ax.semilogy(k, g[:, i] ** 2, ".", color="0.65", markersize=3,
                                 label=f"samples $g_{{k,{i + 1}}}^2$")
    (raw_line,) = ax.semilogy(k, np.asarray(raw)[:, i], color="C3", lw=1.8,
                              label=r"$\hat v_k$ (no bias correction)")
    (corr_line,) = ax.semilogy(k, np.asarray(corrected)[:, i], color="C0", lw=1.8,
                               label=r"$\hat v_k/(1-b_v^k)$ (bias-corrected)")
    true = ax.axhline(float(np.asarray(second_moment)[i]), color="k", ls="--", lw=1.4,
                      label=r"true $E[g^2]=\mu^2+\sigma^2$")
    ax.set_xlabel("iteration $k$")
    ax.set_ylabel(f"second moment, coordinate {i + 1}")
    return {"samples": samples, "raw": raw_line, "corrected": corr_line, "true": true}


def distances(iterates, point, ax=None, label=None, **kwargs):
    r""":math:`\|x_k - x^\star\|` against k on a log y axis; returns the Line2D."""
    ax = get_ax(ax)
    d = np.linalg.norm(np.asarray(iterates, dtype=float) - np.asarray(point, dtype=float), axis=-1)
    (line,) = ax.semilogy(np.arange(d.size), d, label=label, **kwargs)
    ax.set_xlabel("iteration $k$")
    ax.set_ylabel(r"$\|x_k - x^\star\|$")
    return line


def stall_radius(center, radius, ax=None, n=120, **kwargs):
    r"""A circle of the given radius around ``center`` (the "ball" a fixed-step method stalls in).

    Returns the Line2D (update it with ``set_data(*circle_points(center, radius))``)."""
    ax = get_ax(ax)
    x, y = circle_points(center, radius, n)
    kwargs.setdefault("color", "k")
    kwargs.setdefault("lw", 1.0)
    kwargs.setdefault("ls", "--")
    (line,) = ax.plot(x, y, **kwargs)
    return line


def circle_points(center, radius, n=120):
    """The x and y coordinates of ``n`` points on a circle."""
    t = np.linspace(0.0, 2.0 * np.pi, n)
    c = np.asarray(center, dtype=float)
    return c[0] + radius * np.cos(t), c[1] + radius * np.sin(t)


def path_over_summands(problem, iterates, xlim, ylim, ax=None, radius=None, center=None,
                       color="C3", title=None, n=121, ball_fill=None, ball_lw=1.8):
    r"""One stochastic run over the level sets of the summands: the path, its start (square),
    :math:`x^\star` (star) and, when ``radius`` is given, a dashed circle of that radius around
    ``center`` (default :math:`x^\star`): the ball the run stalls in. With ``ball_fill`` (a colour)
    the ball is also filled, translucent, above the path, so that a ball a few pixels wide still
    shows on a projector; ``ball_lw`` is the circle's line width.

    Returns a dict of artists: ``path``, ``ball`` (or None), ``disc`` (the filled ball, or None;
    move it with ``set_xy``), ``start``, ``summands``.
    """
    ax = get_ax(ax)
    summands = summand_level_sets(problem, xlim, ylim, ax=ax, n=n, alpha=0.45, lw=0.9)
    X = np.asarray(iterates, dtype=float)
    (line,) = ax.plot(X[:, 0], X[:, 1], "-", color=color, lw=1.0, alpha=0.85, zorder=4)
    (start,) = ax.plot(X[:1, 0], X[:1, 1], "s", color="k", markersize=5, zorder=5,
                       label="$x_0$")
    ball = disc = None
    if radius is not None:
        c = _minimizer(problem) if center is None else center
        ball = stall_radius(c, radius, ax=ax, zorder=6, lw=ball_lw)
        if ball_fill is not None:
            (disc,) = ax.fill(*circle_points(c, radius), color=ball_fill, alpha=0.35, lw=0, zorder=5)
    if title:
        ax.set_title(title)
    return {"path": line, "ball": ball, "disc": disc, "start": start, "summands": summands}
