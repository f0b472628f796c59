"""The apps of notebook 03: models against optimizers.run, artists against the models, caching."""

import warnings

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from course_utils import optimizers as opt  # noqa: E402
from course_utils.problems import lines_problem, noisy_gradient_stream  # noqa: E402
from course_utils.widgets import adaptive as ad  # noqa: E402


@pytest.fixture(autouse=True)
def no_runtime_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        yield


def test_ema_matches_the_recursion_and_bias_correction():
    g = noisy_gradient_stream([1.0, 0.0], [0.3, 2.0], steps=50, seed=0)
    raw = ad.ema(g ** 2, 0.9)
    v = np.zeros(2)
    for k in range(50):
        v = 0.9 * v + 0.1 * g[k] ** 2
        np.testing.assert_allclose(raw[k], v, rtol=1e-14)
    corrected = ad.ema(g ** 2, 0.9, bias_correction=True)
    np.testing.assert_allclose(corrected[0], g[0] ** 2, rtol=1e-14)       # exact at k = 1
    np.testing.assert_allclose(raw[0], 0.1 * g[0] ** 2, rtol=1e-14)


@pytest.mark.parametrize("problem", [None, lines_problem(m=6, seed=1)])
@pytest.mark.parametrize("batch_size", [1, 3])
def test_model_runs_equal_optimizers_run(problem, batch_size):
    model = ad.FilteredRunsModel(problem=problem, steps=120)
    for method in model.METHODS:
        X = model.run(method, 0.15, b_m=0.8, b_v=0.99, eps=1e-6, batch_size=batch_size)
        ref = opt.run(model.optimizer(method, 0.15, 0.8, 0.99, 1e-6), model.sampler(batch_size),
                      model.x0, model.steps)
        np.testing.assert_allclose(X, ref, rtol=1e-10, atol=1e-12)


def test_run_on_batches_flags_divergence_like_run():
    model = ad.FilteredRunsModel(problem=lines_problem(m=6, seed=1), steps=200)
    X = model.run("sgd", 5.0)                    # far beyond the stable step
    ref = opt.run(opt.gd(5.0), model.sampler(1), model.x0, model.steps)
    assert opt.diverged(X) and opt.diverged(ref)
    assert opt.divergence_step(X) == opt.divergence_step(ref)
    k = opt.divergence_step(X)
    np.testing.assert_allclose(X[:k], ref[:k], rtol=1e-10)
    assert np.isnan(model.stall_distance(X))


def test_caching_recomputes_only_the_runs_that_depend_on_a_change():
    model = ad.FilteredRunsModel(steps=60)
    model.runs(0.2, 0.9, 0.999, 1e-8, 1)
    assert model.computed == {"sgd": 1, "filtered": 1, "adam": 1}
    model.runs(0.2, 0.9, 0.999, 1e-3, 1)                                   # ε: Adam only
    assert model.computed == {"sgd": 1, "filtered": 1, "adam": 2}
    model.runs(0.2, 0.9, 0.99, 1e-3, 1)                                    # b_v: Adam only
    assert model.computed == {"sgd": 1, "filtered": 1, "adam": 3}
    model.runs(0.2, 0.5, 0.99, 1e-3, 1)                                    # b_m: not SGD
    assert model.computed == {"sgd": 1, "filtered": 2, "adam": 4}
    model.runs(0.3, 0.5, 0.99, 1e-3, 1)                                    # γ: all
    assert model.computed == {"sgd": 2, "filtered": 3, "adam": 5}
    model.runs(0.2, 0.9, 0.999, 1e-8, 1)                                   # back: all cached
    assert model.computed == {"sgd": 2, "filtered": 3, "adam": 5}


def test_filtered_app_artists_follow_the_sliders():
    model = ad.FilteredRunsModel(steps=150)
    app = ad.filtered_sgd_app(model=model)
    c = app.controls
    assert set(c) == {"gamma", "b_m", "b_v", "eps", "batch_size"}
    axes = app.live.axes
    settings = [dict(gamma=0.05), dict(b_m=0.5), dict(b_v=0.9), dict(eps=1e-2), dict(batch_size=4),
                dict(gamma=0.5, b_m=0.0)]
    for change in settings:
        renders = app.live.renders
        for name, value in change.items():
            c[name].value = value
        assert app.live.renders > renders
        p = {name: w.value for name, w in c.items()}
        for ax, method in zip(axes[:3], model.METHODS):
            ref = opt.run(model.optimizer(method, p["gamma"], p["b_m"], p["b_v"], p["eps"]),
                          model.sampler(p["batch_size"]), model.x0, model.steps)
            path = ax.lines[[ln.get_color() for ln in ax.lines].index(ad.COLOURS[method])]
            np.testing.assert_allclose(np.column_stack(path.get_data()), ref, rtol=1e-10,
                                       atol=1e-12)
            dist = [ln for ln in axes[3].lines if ln.get_label() == ad.NAMES[method]][0]
            np.testing.assert_allclose(dist.get_ydata(), np.linalg.norm(ref - model.xstar, axis=1),
                                       rtol=1e-9, atol=1e-12)
        assert "mean distance" in app.children[0].value
    png = app.live.image.value
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_filtered_app_eps_change_does_not_recompute_sgd():
    model = ad.FilteredRunsModel(steps=80)
    app = ad.filtered_sgd_app(model=model)
    before = dict(model.computed)
    for eps in (1e-6, 1e-4, 1e-2, 1.0):
        app.controls["eps"].value = eps
    assert model.computed["sgd"] == before["sgd"]
    assert model.computed["filtered"] == before["filtered"]
    assert model.computed["adam"] == before["adam"] + 4


def test_variance_app_lines_equal_the_estimates():
    app = ad.variance_estimate_app(steps=80, b_v=0.9)
    model_g = noisy_gradient_stream((1.0, 0.0), (0.3, 2.0), 80, seed=0)
    for bv in (0.5, 0.75, 0.99):
        app.controls["b_v"].value = bv
        raw = ad.ema(model_g ** 2, bv)
        corr = ad.ema(model_g ** 2, bv, bias_correction=True)
        for i, ax in enumerate(app.live.axes):
            lines = {ln.get_color(): ln for ln in ax.lines}
            np.testing.assert_allclose(lines["C3"].get_ydata(), raw[:, i], rtol=1e-12)
            np.testing.assert_allclose(lines["C0"].get_ydata(), corr[:, i], rtol=1e-12)
    assert "0.990" in app.children[0].value


def test_blit_render_equals_a_full_render():
    app = ad.filtered_sgd_app(model=ad.FilteredRunsModel(steps=60))
    app.controls["gamma"].value = 0.3
    fast = np.asarray(app.live.fig.canvas.buffer_rgba()).copy()
    for a in app.live.dynamic:
        a.set_animated(False)
    app.live.fig.canvas.draw()
    full = np.asarray(app.live.fig.canvas.buffer_rgba())
    assert np.mean(np.any(fast != full, axis=-1)) < 0.002     # the same picture (antialiasing aside)


def test_the_run_cache_is_bounded_and_keeps_the_runs_used_last():
    model = ad.FilteredRunsModel(steps=50, max_runs=10)
    gammas = np.geomspace(0.01, 0.5, 40)
    for g in gammas:                                 # 40 slider moves of γ: 120 runs computed
        model.runs(g, 0.9, 0.999, 1e-8, 1)
    assert len(model._cache) == 10
    assert model.computed == {"sgd": 40, "filtered": 40, "adam": 40}
    model.runs(gammas[-1], 0.9, 0.999, 1e-8, 1)      # the last setting is still cached
    assert model.computed == {"sgd": 40, "filtered": 40, "adam": 40}
    model.runs(gammas[0], 0.9, 0.999, 1e-8, 1)       # the first one was evicted
    assert model.computed == {"sgd": 41, "filtered": 41, "adam": 41}
    with pytest.raises(ValueError, match="max_runs"):
        ad.FilteredRunsModel(max_runs=0)


def test_filtered_sgd_app_memory_stays_bounded_over_many_updates():
    model = ad.FilteredRunsModel(steps=60)
    app = ad.filtered_sgd_app(model=model)
    for g in np.geomspace(0.002, 0.9, 150):
        app.controls["gamma"].value = float(g)
    assert len(model._cache) <= model.max_runs


def test_iid_and_reshuffled_batches():
    p = ad.FilteredRunsModel().problem
    H, l = ad.batch_sequence(p, 1, 0, 16, sampling="reshuffle")
    Hi, li = ad.batch_sequence(p, 1, 0, 400, sampling="iid")
    per_l = np.einsum("mij,mj->mi", p.Qs, p.centers) * p.m
    # reshuffling: each epoch of 8 steps uses every summand exactly once
    for epoch in (l[:8], l[8:16]):
        assert sorted(map(tuple, np.round(epoch, 12))) == sorted(map(tuple, np.round(per_l, 12)))
    # i.i.d.: some summand repeats inside the first epoch, and every summand is drawn about 1/8
    which = [int(np.argmin(np.linalg.norm(per_l - row, axis=1))) for row in li]
    assert len(set(which[:8])) < 8
    counts = np.bincount(which, minlength=8)
    assert np.all(np.abs(counts - 50) < 5 * np.sqrt(400 * (1 / 8) * (7 / 8)))
    with pytest.raises(ValueError, match="sampling"):
        ad.FilteredRunsModel(sampling="bootstrap")
