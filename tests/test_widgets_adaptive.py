"""The apps of notebook 03: the models (no front end) against closed forms and optimizers.run, the
named artists against the models, the bounded caches."""

import ast
import inspect
import subprocess
import sys
import warnings

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from course_utils import optimizers as opt  # noqa: E402
from course_utils.models import adaptive as am  # noqa: E402
from course_utils.problems import QuadraticSum, lines_problem, noisy_gradient_stream  # noqa: E402
from course_utils.widgets import adaptive as ad  # noqa: E402

HYPER = dict(b_m=0.8, b_v=0.99, eps=1e-6)


@pytest.fixture(autouse=True)
def no_runtime_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        yield


def reference(model, method, step, batch_size=1, **hyper):
    """``optimizers.run(optimizers.make(...))`` on the problem's own sampler: what a run must be."""
    hyper = {h: hyper[h] for h in model.HYPER[method]}
    return opt.run(opt.make(model.OPTIMIZERS[method], step, **hyper), model.sampler(batch_size),
                   model.x0, model.iterations)


# ---------------------------------------------------------------------------------------------
# models: numbers only
# ---------------------------------------------------------------------------------------------
def test_the_model_module_imports_no_front_end():
    code = ("import sys, course_utils.models.adaptive\n"
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('ipywidgets', 'matplotlib'))\n"
            "assert not bad, bad\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_ema_equals_the_closed_form_with_and_without_bias_correction():
    g = noisy_gradient_stream([1.0, 0.0], [0.3, 2.0], steps=50, seed=0)
    b = 0.9
    k = np.arange(1, 51)
    # u_k = (1 - b) sum_{j <= k} b^(k - j) s_j: a lower-triangular weight matrix
    W = np.tril((1 - b) * b ** (k[:, None] - k[None, :]).astype(float))
    np.testing.assert_allclose(am.ema(g ** 2, b), W @ g ** 2, rtol=1e-13)
    np.testing.assert_allclose(am.ema(g ** 2, b, bias_correction=True),
                               W @ g ** 2 / (1 - b ** k)[:, None], rtol=1e-13)
    np.testing.assert_allclose(am.ema(g, b, bias_correction=True)[0], g[0], rtol=1e-15)  # k = 1
    np.testing.assert_allclose(am.ema(np.full(30, 2.5), 0.99, bias_correction=True), 2.5,
                               rtol=1e-12)                          # a constant: unchanged
    with pytest.raises(ValueError, match="b"):
        am.ema(g, 1.0)


def test_variance_model_estimates_are_cached_within_a_bound():
    model = am.VarianceModel(steps=80, max_estimates=3)
    raw, corrected = model.estimates(0.75)
    g2 = noisy_gradient_stream((1.0, 0.0), (0.3, 2.0), 80, seed=0) ** 2
    np.testing.assert_allclose(raw, am.ema(g2, 0.75), rtol=1e-14)
    np.testing.assert_allclose(corrected, am.ema(g2, 0.75, bias_correction=True), rtol=1e-14)
    np.testing.assert_allclose(model.second_moment, [1.09, 4.0], rtol=1e-14)
    for b_v in (0.5, 0.6, 0.7, 0.5):
        model.estimates(b_v)
    assert model.estimates.computed == 4 and len(model.estimates) == 3
    model.estimates(0.75)                               # evicted (least recently used): again
    assert model.estimates.computed == 5
    with pytest.raises(ValueError, match="b_v"):
        model.estimates(1.0)


@pytest.mark.parametrize("batch_size", [1, 3])
def test_model_runs_equal_make_and_run_on_the_same_batches(batch_size):
    model = am.FilteredRunsModel(iterations=120)
    for method in model.METHODS:
        X = model.run(method, 0.15, batch_size=batch_size, **HYPER)
        np.testing.assert_allclose(X, reference(model, method, 0.15, batch_size, **HYPER),
                                   rtol=0, atol=1e-12)
    assert model.computed == {"sgd": 1, "filtered": 1, "adam": 1}


def test_model_on_least_squares_equals_make_and_run():
    """Needs ``LeastSquares.minimizer()`` (the finite-sum protocol of issue #11)."""
    ls = lines_problem(m=6, seed=1)
    model = am.FilteredRunsModel(problem=ls, x0=(-0.5, 2.0), iterations=150)
    np.testing.assert_allclose(model.xstar, np.linalg.lstsq(ls.A, ls.b, rcond=None)[0], rtol=1e-10)
    for method in model.METHODS:
        np.testing.assert_allclose(model.run(method, 0.05, batch_size=2, **HYPER),
                                   reference(model, method, 0.05, 2, **HYPER), rtol=0, atol=1e-12)


def test_a_diverging_run_is_flagged_like_run():
    model = am.FilteredRunsModel(iterations=200)
    X = model.run("sgd", 5.0)                    # far beyond the stable step
    ref = reference(model, "sgd", 5.0)
    assert opt.diverged(X) and opt.diverged(ref)
    k = opt.divergence_step(X)
    assert k == opt.divergence_step(ref) and k < 200
    np.testing.assert_allclose(X[:k], ref[:k], rtol=1e-10)
    assert np.isnan(model.stall_distance(X))


def test_caching_recomputes_only_the_runs_that_depend_on_a_change():
    model = am.FilteredRunsModel(iterations=60)
    model.runs(0.2, 0.9, 0.999, 1e-8, 1)
    assert model.computed == {"sgd": 1, "filtered": 1, "adam": 1}
    model.runs(0.2, 0.9, 0.999, 1e-3, 1)                                   # ε: Adam only
    assert model.computed == {"sgd": 1, "filtered": 1, "adam": 2}
    model.runs(0.2, 0.9, 0.99, 1e-3, 1)                                    # b_v: Adam only
    assert model.computed == {"sgd": 1, "filtered": 1, "adam": 3}
    model.runs(0.2, 0.5, 0.99, 1e-3, 1)                                    # b_m: not SGD
    assert model.computed == {"sgd": 1, "filtered": 2, "adam": 4}
    model.runs(0.3, 0.5, 0.99, 1e-3, 1)                                    # step: all
    assert model.computed == {"sgd": 2, "filtered": 3, "adam": 5}
    model.runs(0.2, 0.9, 0.999, 1e-8, 1)                                   # back: all cached
    assert model.computed == {"sgd": 2, "filtered": 3, "adam": 5}
    model.runs(0.2, 0.9, 0.999, 1e-8, 2)                                   # batch size: all
    assert model.computed == {"sgd": 3, "filtered": 4, "adam": 6}
    assert model.batches.computed == 2
    assert model.key("sgd", 0.2, eps=1.0) == (0.2, 1)
    assert model.key("adam", 0.2, 0.5, 0.9, 1e-3, 4) == (0.2, 4, 0.5, 0.9, 1e-3)
    with pytest.raises(ValueError, match="method"):
        model.run("lion", 0.2)


def test_the_run_caches_are_bounded_and_keep_the_runs_used_last():
    model = am.FilteredRunsModel(iterations=50, max_runs=10)
    steps = np.geomspace(0.01, 0.5, 40)
    for s in steps:                                  # 40 slider moves of γ: 120 runs computed
        model.runs(s, 0.9, 0.999, 1e-8, 1)
    assert {m: len(c) for m, c in model.cache.items()} == {"sgd": 10, "filtered": 10, "adam": 10}
    assert model.computed == {"sgd": 40, "filtered": 40, "adam": 40}
    model.runs(steps[-1], 0.9, 0.999, 1e-8, 1)       # the last setting is still cached
    assert model.computed == {"sgd": 40, "filtered": 40, "adam": 40}
    model.runs(steps[0], 0.9, 0.999, 1e-8, 1)        # the first one was evicted
    assert model.computed == {"sgd": 41, "filtered": 41, "adam": 41}
    with pytest.raises(ValueError, match="max_runs"):
        am.FilteredRunsModel(max_runs=0)
    with pytest.raises(ValueError, match="iterations"):
        am.FilteredRunsModel(iterations=0)


@pytest.mark.parametrize("problem", [am.FilteredRunsModel().problem, lines_problem(m=6, seed=1)])
def test_reshuffled_batches_are_the_samplers_batches(problem):
    H, l = am.batch_sequence(problem, 2, seed=4, iterations=30)
    g = problem.sampler(2, seed=4, unbiased=True)
    x = np.random.default_rng(1).standard_normal((30, problem.n))
    np.testing.assert_allclose(np.einsum("ki,kij->kj", x, H) - l, [g(xk) for xk in x],
                               rtol=1e-12, atol=1e-12)
    H1, l1 = am.batch_sequence(problem, 2, seed=4, iterations=30, unbiased=False)
    np.testing.assert_allclose(H1 * problem.m / 2, H, rtol=1e-14)


def test_iid_and_reshuffled_batches():
    p = am.FilteredRunsModel().problem
    H, l = am.batch_sequence(p, 1, 0, 16, sampling="reshuffle")
    Hi, li = am.batch_sequence(p, 1, 0, 400, sampling="iid")
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
        am.FilteredRunsModel(sampling="bootstrap")
    with pytest.raises(ValueError, match="sampling"):
        am.batch_sequence(p, 1, 0, 16, sampling="bootstrap")
    with pytest.raises(ValueError, match="batch_size"):
        am.batch_sequence(p, 9, 0, 16)


def test_batch_sequence_refuses_a_non_quadratic_sum():
    class Quartic:                                   # f_i(x) = ¼‖x - c_i‖⁴: gradients not affine
        m, n = 3, 2
        c = np.arange(6.0).reshape(3, 2)

        def batch_grad(self, x, idx, scale=1.0):
            d = np.asarray(x)[..., None, :] - self.c[idx]
            return scale * np.sum(np.sum(d * d, axis=-1, keepdims=True) * d, axis=-2)

    with pytest.raises(ValueError, match="affine"):
        am.batch_sequence(Quartic(), 1, 0, 5)


# ---------------------------------------------------------------------------------------------
# apps: named artists follow the model
# ---------------------------------------------------------------------------------------------
def test_filtered_app_artists_follow_the_sliders():
    model = am.FilteredRunsModel(iterations=150)
    app = ad.filtered_sgd_app(model=model)
    c, art = app.controls, app.artists
    assert set(c) == {"step", "b_m", "b_v", "eps", "batch_size"} and app.model is model
    assert c["step"].description == "γ"
    settings = [dict(step=0.05), dict(b_m=0.5), dict(b_v=0.9), dict(eps=1e-2), dict(batch_size=4),
                dict(step=0.5, b_m=0.0)]
    for change in settings:
        renders = app.live.renders
        for name, value in change.items():
            c[name].value = value
        assert app.live.renders == renders + len(change)
        v = app.values()
        for method in model.METHODS:
            ref = reference(model, method, v["step"], v["batch_size"], b_m=v["b_m"], b_v=v["b_v"],
                            eps=v["eps"])
            np.testing.assert_allclose(np.column_stack(art[f"{method}_path"].get_data()), ref,
                                       rtol=0, atol=1e-12)
            np.testing.assert_allclose(art[f"{method}_distance"].get_ydata(),
                                       np.linalg.norm(ref - model.xstar, axis=1), rtol=1e-12)
            r = np.mean(np.linalg.norm(ref[-model.tail:] - model.xstar, axis=1))
            bx, by = art[f"{method}_ball"].get_data()
            np.testing.assert_allclose(np.hypot(bx - model.xstar[0], by - model.xstar[1]), r,
                                       rtol=1e-12)
            assert f"{ad.NAMES[method].split(' (')[0]}: {r:.3f}" in art["text"].value
    assert app.live.image.value[:8] == b"\x89PNG\r\n\x1a\n"


def test_filtered_app_says_diverged_and_reset_redraws_once():
    p = am.FilteredRunsModel().problem
    steep = QuadraticSum(p.centers, 4 * p.Qs)       # SGD diverges for a step > 2/4
    app = ad.filtered_sgd_app(model=am.FilteredRunsModel(steep, iterations=80), step=0.2)
    opening = np.column_stack(app.artists["adam_path"].get_data())
    app.controls["step"].value = 1.0
    assert "SGD, fixed step: diverged" in app.artists["text"].value
    app.controls["b_m"].value = 0.3
    renders = app.live.renders
    app.reset()
    assert app.live.renders == renders + 1
    assert app.values()["step"] == 0.2 and app.values()["b_m"] == 0.9
    np.testing.assert_array_equal(np.column_stack(app.artists["adam_path"].get_data()), opening)


def test_filtered_app_presets_use_the_step_control():
    app = ad.filtered_sgd_app(model=am.FilteredRunsModel(iterations=60))
    pick = app.add_presets({"slide 21: b_m = 0": {"step": 0.2, "b_m": 0.0},
                            "γ = 0.05, b_m = 0.9": {"step": 0.05, "b_m": 0.9}})
    pick.value = "γ = 0.05, b_m = 0.9"
    assert app.controls["step"].value == pytest.approx(0.05, rel=1e-9)
    ref = reference(app.model, "filtered", 0.05, b_m=0.9)
    np.testing.assert_allclose(np.column_stack(app.artists["filtered_path"].get_data()), ref,
                               rtol=0, atol=1e-12)


def test_filtered_app_eps_change_does_not_recompute_sgd():
    model = am.FilteredRunsModel(iterations=80)
    app = ad.filtered_sgd_app(model=model)
    before = dict(model.computed)
    for eps in (1e-6, 1e-4, 1e-2, 1.0):
        app.controls["eps"].value = eps
    assert model.computed == dict(before, adam=before["adam"] + 4)


def test_variance_app_lines_equal_the_estimates():
    app = ad.variance_estimate_app(steps=80, b_v=0.9)
    g2 = noisy_gradient_stream((1.0, 0.0), (0.3, 2.0), 80, seed=0) ** 2
    for bv in (0.5, 0.75, 0.99):
        app.controls["b_v"].value = bv
        raw, corr = am.ema(g2, bv), am.ema(g2, bv, bias_correction=True)
        for i in range(2):
            np.testing.assert_allclose(app.artists[f"raw_{i + 1}"].get_ydata(), raw[:, i],
                                       rtol=1e-12)
            np.testing.assert_allclose(app.artists[f"corrected_{i + 1}"].get_ydata(), corr[:, i],
                                       rtol=1e-12)
            np.testing.assert_array_equal(app.artists[f"raw_{i + 1}"].get_xdata(), np.arange(1, 81))
    assert "b<sub>v</sub> = 0.990" in app.artists["text"].value and "100 steps" in app.artists["text"].value
    assert app.model.estimates.computed == 5      # 0.9 at the start, the largest b_v (y range), three


def test_blit_render_equals_a_full_render():
    app = ad.filtered_sgd_app(model=am.FilteredRunsModel(iterations=60))
    app.controls["step"].value = 0.3
    fast = np.asarray(app.live.fig.canvas.buffer_rgba()).copy()
    for a in app.live.dynamic:
        a.set_animated(False)
    app.live.fig.canvas.draw()
    full = np.asarray(app.live.fig.canvas.buffer_rgba())
    assert np.mean(np.any(fast != full, axis=-1)) < 0.002     # the same picture (antialiasing aside)


def test_filtered_sgd_app_memory_stays_bounded_over_many_updates():
    model = am.FilteredRunsModel(iterations=60)
    app = ad.filtered_sgd_app(model=model)
    for s in np.geomspace(0.002, 0.9, 150):
        app.controls["step"].value = float(s)
    assert all(len(c) <= model.max_runs for c in model.cache.values())
    assert model.computed["sgd"] > model.max_runs               # it did compute more than it kept


def test_every_function_of_the_widget_module_is_at_most_60_lines():
    tree = ast.parse(inspect.getsource(ad))
    lengths = {f.name: f.end_lineno - f.lineno + 1 for f in ast.walk(tree)
               if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))}
    assert lengths and max(lengths.values()) <= 60, lengths


def test_variance_app_curves_stay_inside_the_axes_for_every_b_v():
    """Issue 23: at a large b_v the raw estimate (1 - b_v) g_1² at k = 1 left the axes."""
    app = ad.variance_estimate_app((1.0, 0.0), (0.3, 2.0), steps=200, seed=0, b_v=0.9)
    for b_v in (0.5, 0.9, 0.99, app.controls["b_v"].max):
        app.controls["b_v"].value = b_v
        for i, ax in enumerate(app.live.axes):
            lo, hi = ax.get_ylim()
            for name in (f"raw_{i + 1}", f"corrected_{i + 1}"):
                y = app.artists[name].get_ydata()
                assert lo < y.min() and y.max() < hi, (b_v, name)
            g1 = app.model.g[0, i] ** 2                                  # by hand: (1 - b_v) g_1²
            assert app.artists[f"raw_{i + 1}"].get_ydata()[0] == pytest.approx((1 - b_v) * g1)
    assert not any(ax.get_legend() for ax in app.live.axes)             # the legend is below them


def test_filtered_app_magnifies_each_ball_below_its_panel():
    """Issue 23: the stall balls were ~20 px on the projector; the lower panels show x* ± ZOOM."""
    from course_utils.widgets.adaptive import ZOOM

    app = ad.filtered_sgd_app(step=0.2, b_m=0.9)
    app.controls["step"].value = 0.1
    art, model = app.artists, app.model
    for m in model.METHODS:
        np.testing.assert_array_equal(np.column_stack(art[f"{m}_zpath"].get_data()),
                                      np.column_stack(art[f"{m}_path"].get_data()))
        bx, by = art[f"{m}_zball"].get_data()
        r = np.hypot(bx - model.xstar[0], by - model.xstar[1])
        run = model.run(m, app.controls["step"].value, b_m=0.9)
        tail = np.linalg.norm(run[-model.tail:] - model.xstar, axis=1).mean()   # by hand
        np.testing.assert_allclose(r, tail, rtol=1e-12)
        np.testing.assert_allclose(art[f"{m}_zdisc"].get_xy()[:-1], np.column_stack([bx, by])[:-1],
                                   atol=1e-12)
    zoom_ax = art["sgd_zball"].axes
    assert zoom_ax.get_xlim() == pytest.approx((model.xstar[0] - ZOOM, model.xstar[0] + ZOOM))
    # the SGD ball fills a good part of its magnified panel (in the top panel: a few per cent)
    r_sgd = model.stall_distance(model.run("sgd", app.controls["step"].value, b_m=0.9))
    assert r_sgd / ZOOM > 0.1
