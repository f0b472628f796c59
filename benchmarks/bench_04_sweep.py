"""Benchmark of lesson 04: the σ sweep stacked vs one configuration at a time, the 51 x 51 landscape
of one pair of runs, and the widget callbacks (σ slider with cached runs) vs a naive full redraw.

    python benchmarks/bench_04_sweep.py

Not a test: timings depend on the machine (and on what else runs on it). OpenBLAS threads are left
as the environment sets them (print shows OPENBLAS_NUM_THREADS).
"""

import os
import statistics
import time

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from course_utils import experiments, landscape, nets, training  # noqa: E402
from course_utils.plots.classifiers import decision_regions, decision_values  # noqa: E402
from course_utils.widgets.minima import landscape_app, sigma_app  # noqa: E402


def clock(fn):
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - t0, time.process_time() - c0


def main():
    print(f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', '(unset)')}")
    X, y = experiments.data()
    configs = [training.RunConfig(s, "adam", experiments.ADAM_STEP) for s in experiments.SIGMAS] + \
              [training.RunConfig(s, "sgd", experiments.sgd_step(s)) for s in experiments.SIGMAS]
    stacked, wall, cpu = clock(lambda: training.train(configs, X, y, seed=0))
    print(f"sweep, 10 runs stacked:        {wall:6.2f} s wall, {cpu:6.2f} s CPU")
    singles, wall1, cpu1 = clock(lambda: [training.train([c], X, y, seed=0)[0] for c in configs])
    print(f"sweep, one run at a time:      {wall1:6.2f} s wall, {cpu1:6.2f} s CPU")
    assert all(np.allclose(a.theta_end, b.theta_end, rtol=0, atol=1e-10) for a, b in zip(stacked, singles))

    by = {(r.sigma, r.algorithm): r for r in stacked}
    ab = np.linspace(-1, 1, 51)

    def pair():
        for alg in ("sgd", "adam"):
            th = by[(10.0, alg)].theta_end
            d1, d2 = landscape.directions(th, seed=0)
            landscape.loss_grid(th, d1, d2, X, y, ab, ab)
    _, wall, cpu = clock(pair)
    print(f"51 x 51 landscape, one pair:   {wall:6.2f} s wall, {cpu:6.2f} s CPU")

    # widget callbacks: sigma slider with cached runs
    experiments.sharp_flat(seed=0)           # fill the cache (same runs as above)
    app = sigma_app()
    sig = app.controls["sigma"]
    values = [s for s in experiments.SIGMAS]
    times = []
    for k in range(25):
        t0 = time.perf_counter()
        sig.value = values[k % len(values)] if sig.value != values[k % len(values)] else values[(k + 1) % 5]
        times.append(time.perf_counter() - t0)
    print(f"sigma slider (cached runs):    median {1e3 * statistics.median(times):6.1f} ms per move")

    spec = nets.default_spec()
    naive = []
    for k in range(20):
        t0 = time.perf_counter()
        fig = Figure(figsize=(9.0, 3.9))
        ax = fig.subplots()
        v = decision_values(spec, by[(values[k % 5], "sgd")].theta_end, n=121)[0]
        decision_regions(v, X, y, ax=ax)
        fig.canvas.print_png(__import__("io").BytesIO()) if hasattr(fig.canvas, "print_png") else None
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        FigureCanvasAgg(fig).print_png(__import__("io").BytesIO())
        naive.append(time.perf_counter() - t0)
    print(f"naive redraw (new figure):     median {1e3 * statistics.median(naive):6.1f} ms per move")

    lapp = landscape_app()
    zm = lapp.controls["z_max"]
    times = []
    opts = [o[1] for o in zm.options]
    for k in range(20):
        t0 = time.perf_counter()
        zm.value = opts[k % len(opts)] if zm.value != opts[k % len(opts)] else opts[(k + 1) % len(opts)]
        times.append(time.perf_counter() - t0)
    print(f"landscape z_max slider:        median {1e3 * statistics.median(times):6.1f} ms per move")


if __name__ == "__main__":
    main()
