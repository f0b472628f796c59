"""Latency of notebook 01's GD explorer: the γ-slider callback vs a naive full redraw.

    python benchmarks/bench_01_sliders.py

The callback recomputes the 200 iterates (a new step γ is a new run), moves the artists and renders the
figure to PNG with Agg, as in the notebook. The naive version builds a new figure with its contours,
path and convergence curve and renders it. Prints the median over the slider moves (target: the
callback at most 50 ms).
"""

from __future__ import annotations

import io
import statistics
import time

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from course_utils import optimizers, plots  # noqa: E402
from course_utils.objectives import Quadratic  # noqa: E402
from course_utils.widgets import descent  # noqa: E402

F = Quadratic([[0.1, -0.1], [-0.1, 1.0]])
X0 = np.array([-4.0, 1.5])
STEPS = 200
GAMMAS = np.linspace(0.2, 2.3, 30)   # 30 moves, some past the stability bound 1.978


def naive(gamma):
    fig = Figure(figsize=(10.5, 4.0), dpi=80, layout="constrained")
    ax, axc = fig.subplots(ncols=2, width_ratios=[1.3, 1])
    X = optimizers.run(optimizers.gd(gamma), F.grad, X0, STEPS)
    plots.contours(F.value, (-5, 5), (-2.5, 2.5), ax=ax, levels=10, n=121, cmap="Blues_r")
    plots.path(X, ax=ax)
    ok = np.all(np.isfinite(X), axis=-1)
    gap = np.full(STEPS + 1, np.nan)
    gap[ok] = F.value(X[ok]) - F.min_value()
    plots.convergence(gap, ax=axc)
    FigureCanvasAgg(fig).print_png(io.BytesIO())


def timed(fn, values):
    """Median wall time and median CPU time of this process (ms); on a shared machine the CPU
    time is the steadier number."""
    wall, cpu = [], []
    for v in values:
        t, c = time.perf_counter(), time.process_time()
        fn(v)
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return 1e3 * statistics.median(wall), 1e3 * statistics.median(cpu)


def main():
    app = descent.gd_explorer(F, step=1.0, x0=X0, iterations=STEPS)
    gam = app.controls["step"]

    def move(v):
        gam.value = float(v)          # the observer runs the callback: run + artists + refresh

    renders = app.live.renders
    cb = timed(move, GAMMAS)
    assert app.live.renders - renders == len(GAMMAS), "one render per slider move"
    k = app.controls["k"]
    computed = app.model.runs.computed
    kk = timed(lambda v: setattr(k, "value", int(v)), np.arange(0, 60, 2))
    assert app.model.runs.computed == computed, "the iteration slider must not rerun the optimizer"
    nv = timed(naive, GAMMAS)
    print(f"gd_explorer γ slider, {len(GAMMAS)} moves (wall / CPU medians):")
    print(f"  callback (200 iterates + artists + PNG): {cb[0]:6.1f} / {cb[1]:6.1f} ms  (target <= 50 ms)")
    print(f"  naive full redraw (new figure)         : {nv[0]:6.1f} / {nv[1]:6.1f} ms")
    print(f"gd_explorer iteration slider, 30 moves (cached run): {kk[0]:.1f} / {kk[1]:.1f} ms")


if __name__ == "__main__":
    main()
