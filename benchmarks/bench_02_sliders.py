"""Latency of the notebook-02 App (projection picture): each slider callback vs a naive redraw.

    python benchmarks/bench_02_sliders.py

For every slider, 24 moves through its range; each move = recompute what changed + update the
artists + render the PNG (the App's callback, with blitting). The naive baseline builds a new
figure and redraws everything from scratch for each move. Prints both medians in ms; the target
is a median <= 50 ms per callback. The CPU-time column (time.process_time) is what the callback
costs when other processes compete for the cores (wall time then overstates it).
"""

from __future__ import annotations

import io
import statistics
import time

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from course_utils.models.projection import LinePicture  # noqa: E402
from course_utils.plots.core import ellipse_points  # noqa: E402
from course_utils.plots.geometry import line_segment, touching_radii  # noqa: E402
from course_utils.widgets.projection import projection_app  # noqa: E402

MOVES = 24
TARGET_MS = 50.0


def naive_redraw(model, x0, h, step_fraction, step, lim=(-3.5, 3.5)):
    """What a straightforward callback does: a new figure, every run recomputed (a new, empty
    cache), full render."""
    pic = LinePicture(model.a, model.beta, gd_iterations=model.iterations["gd"],
                      sgd_iterations=model.iterations["sgd"])
    fig = Figure(figsize=(8.0, 5.4), dpi=80, layout="constrained")
    ax = fig.subplots()
    seg = line_segment(pic.a, pic.beta, lim, lim)
    ax.plot(seg[:, 0], seg[:, 1], "k", lw=2.2, label="solution set")
    p, p_h = pic.projection(x0), pic.projection(x0, h)
    for r in touching_radii(h, x0, p_h):
        pts = ellipse_points(h, x0, r)
        ax.plot(pts[:, 0], pts[:, 1], color="C1")
    for name, X in {"GD": pic.gd(x0, step_fraction), "scaled GD": pic.scaled_gd(x0, h, step_fraction),
                    "SGD": pic.sgd(x0, step_fraction), "Adam": pic.adam(x0, step)}.items():
        ax.plot(X[:, 0], X[:, 1], "o-", markersize=3, label=name)
    ax.plot(*p, "*", markersize=16)
    ax.plot(*p_h, "*", markersize=16)
    ax.set_xlim(*lim)
    ax.set_ylim(*lim)
    ax.set_aspect("equal")
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0))
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def main():
    app = projection_app()
    c = app.controls
    sweeps = {
        "x0_1": ("x0_1", np.linspace(-2.8, 2.8, MOVES)),
        "x0_2": ("x0_2", np.linspace(-2.8, 2.8, MOVES)),
        "h1": ("h1", np.geomspace(0.15, 8.0, MOVES)),
        "h2": ("h2", np.geomspace(0.15, 8.0, MOVES)),
        "step_fraction": ("step_fraction", np.linspace(0.1, 0.9, MOVES)),
        "step (Adam)": ("step", np.geomspace(0.22, 1.4, MOVES)),
    }
    print(f"{'slider':<13} {'callback median':>16} {'(CPU time)':>11} {'naive redraw median':>20}")
    worst = 0.0
    for label, (key, values) in sweeps.items():
        start = {k: w.value for k, w in c.items()}
        fast, cpu = [], []
        for v in values:
            t, t_cpu = time.perf_counter(), time.process_time()
            c[key].value = float(v)              # fires the App's callback
            fast.append(time.perf_counter() - t)
            cpu.append(time.process_time() - t_cpu)
        slow = []
        for v in values[::3]:
            args = {k: w.value for k, w in c.items()} | {key: float(v)}
            t = time.perf_counter()
            naive_redraw(app.model, np.array([args["x0_1"], args["x0_2"]]),
                         np.array([args["h1"], args["h2"]]), args["step_fraction"], args["step"])
            slow.append(time.perf_counter() - t)
        for k, w in c.items():
            w.value = start[k]
        med = 1e3 * statistics.median(fast)
        worst = max(worst, med)
        print(f"{label:<13} {med:>13.1f} ms {1e3 * statistics.median(cpu):>8.1f} ms "
              f"{1e3 * statistics.median(slow):>17.1f} ms")
    print(f"worst callback median {worst:.1f} ms (target <= {TARGET_MS:.0f} ms): "
          f"{'OK' if worst <= TARGET_MS else 'SLOW'}")


if __name__ == "__main__":
    main()
