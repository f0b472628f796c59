"""Latency of the slider callbacks of notebook 03 (not a test): ``python benchmarks/bench_03_sliders.py``.

For each main slider of each app: the median time of >= 20 moves to new values (recompute what
changed + update artists + render the PNG), against a naive full redraw (a new figure built and
rendered from scratch, every run recomputed). Target: <= 50 ms median per callback.
"""

from __future__ import annotations

import time

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

from course_utils.models.adaptive import FilteredRunsModel  # noqa: E402
from course_utils.widgets import adaptive as ad  # noqa: E402

MOVES = 24


def median_ms(fn, values):
    times = []
    for v in values:
        t = time.perf_counter()
        fn(v)
        times.append(time.perf_counter() - t)
    return 1e3 * float(np.median(times))


def naive_filtered(value, name):
    """Build the whole app anew (fresh model: nothing cached) and render it."""
    params = dict(step=0.2, b_m=0.9, b_v=0.999, eps=1e-8, batch_size=1)
    params[name] = value
    app = ad.filtered_sgd_app(model=FilteredRunsModel(), **params)
    app.live.png()


def naive_variance(value):
    app = ad.variance_estimate_app(b_v=value)
    app.live.png()


def main():
    sweeps = {
        "step": np.geomspace(0.01, 0.8, MOVES),
        "b_m": np.linspace(0.0, 0.98, MOVES),
        "b_v": np.linspace(0.6, 0.999, MOVES),
        "eps": np.geomspace(1e-8, 0.5, MOVES),
        "batch_size": np.resize(np.arange(1, 9), MOVES),
    }
    app = ad.filtered_sgd_app()
    print(f"filtered_sgd_app: median callback over {MOVES} moves (ms), naive full redraw (ms)")
    worst = 0.0
    for name, values in sweeps.items():
        values = [int(v) if name == "batch_size" else float(v) for v in values]
        fast = median_ms(lambda v, n=name: setattr(app.controls[n], "value", v), values)
        naive = median_ms(lambda v, n=name: naive_filtered(v, n), values[:5])
        worst = max(worst, fast)
        print(f"  {name:10s} {fast:7.1f}   naive {naive:7.1f}")
    app2 = ad.variance_estimate_app()
    values = list(np.linspace(0.5, 0.99, MOVES))
    fast = median_ms(lambda v: setattr(app2.controls["b_v"], "value", float(v)), values)
    naive = median_ms(naive_variance, values[:5])
    worst = max(worst, fast)
    print("variance_estimate_app:")
    print(f"  {'b_v':10s} {fast:7.1f}   naive {naive:7.1f}")
    print(f"worst median {worst:.1f} ms: {'within' if worst <= 50 else 'ABOVE'} the 50 ms target")


if __name__ == "__main__":
    main()
