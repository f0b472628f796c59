"""The apps of notebook 04 and their models show the runs they claim to show, draw the zero-loss
edge, accept the slides' z_max presets and a log colour scale, and blit what they draw.

Every expected value is computed without the classes under test: the study's records from its
JSON file, θ_end and L_m histories and stored grids from its npz file, decision regions from the
network's forward pass, landscapes from :mod:`course_utils.landscape`. Each test also checks that
its expectation tells the selected run from another one, so a model that returned the wrong run
would fail it."""

import json
import warnings

import numpy as np
import pytest

from course_utils import experiments, landscape, nets
from course_utils.models.minima import Landscapes, SigmaRuns
from course_utils.plots.landscapes import LOG_FLOOR, clip
from course_utils.widgets import minima

SPEC = nets.default_spec()
FILES = experiments.STUDY_DIR / experiments.STUDY_NAME


@pytest.fixture(scope="module")
def stored():
    """The study's files, read directly (not through experiments.Study)."""
    meta = json.loads(FILES.with_suffix(".json").read_text())
    with np.load(FILES.with_suffix(".npz")) as npz:
        arrays = {k: npz[k] for k in npz.files}
    return meta, arrays


def setting(meta, step):
    """The setting name with this Adam step and SGD's default steps, from the JSON."""
    sgd = [experiments.SGD_STEPS[s] for s in experiments.SIGMAS]
    (name,) = [d["name"] for d in meta["settings"] if d["adam_step"] == step and d["sgd_steps"] == sgd]
    return name


def theta_end(stored, sigma, algorithm, step=experiments.ADAM_STEP):
    meta, arrays = stored
    name = setting(meta, step) if algorithm == "adam" else "main"
    row = arrays["theta_rows"].tolist().index(f"{name}|{sigma:g}|{algorithm}")
    return arrays["theta_end"][row]


def history(stored, sigma, algorithm, step=experiments.ADAM_STEP):
    meta, arrays = stored
    name = setting(meta, step) if algorithm == "adam" else "main"
    k = arrays["hist_keys"].tolist().index(f"{name}|{sigma:g}|{algorithm}")
    end = int(np.sum(arrays["hist_len"][:k + 1]))
    start = end - int(arrays["hist_len"][k])
    return arrays["hist_epoch"][start:end], arrays["hist_lipschitz"][start:end]


def record(stored, sigma, algorithm, step=experiments.ADAM_STEP):
    meta, _ = stored
    name = setting(meta, step) if algorithm == "adam" else "main"
    (rec,) = [r for r in meta["records"] if r["setting"] == name and r["seed"] == 0
              and r["sigma"] == sigma and r["algorithm"] == algorithm]
    return rec


def regions(theta, n, lim=1.15):
    """m(x) > 0 on the n x n grid, rows following x2: the forward pass of the network."""
    g = np.linspace(-lim, lim, n)
    x1, x2 = np.meshgrid(g, g)
    return (SPEC.forward(theta, np.column_stack([x1.ravel(), x2.ravel()])) > 0).reshape(n, n)


def full_render(live):
    for a in live.dynamic:
        a.set_animated(False)
    live.fig.canvas.draw()
    out = np.asarray(live.fig.canvas.buffer_rgba()).copy()
    for a in live.dynamic:
        a.set_animated(True)
    return out


# ------------------------------------------------------------------------------------ the models
def test_sigma_runs_are_the_stored_runs_of_each_step(stored, monkeypatch):
    def no_training(*args, **kwargs):
        raise AssertionError("the study holds these runs: nothing may be trained")

    monkeypatch.setattr(experiments.training, "train", no_training)
    model = SigmaRuns(n=41)
    for step in minima.ADAM_STEPS:
        runs = model.results({"adam": step})
        assert [(r.algorithm, r.sigma) for r in runs] == [
            (a, s) for a in ("adam", "sgd") for s in experiments.SIGMAS]
        for r in runs:
            rec = record(stored, r.sigma, r.algorithm, step)
            assert r.config.step == rec["step"] == (step if r.algorithm == "adam"
                                                    else experiments.SGD_STEPS[r.sigma])
            assert (r.iterations, r.lipschitz_end) == (rec["iterations"], rec["lipschitz_end"])
            np.testing.assert_array_equal(r.theta_end, theta_end(stored, r.sigma, r.algorithm, step))
            np.testing.assert_array_equal(r.history["lipschitz"],
                                          history(stored, r.sigma, r.algorithm, step)[1])
    # the Adam runs differ between steps (so a model mixing them up would fail above)
    lm = [record(stored, 0.01, "adam", step)["lipschitz_end"] for step in minima.ADAM_STEPS]
    assert len(set(lm)) == len(lm)
    assert model.ready({"adam": 3e-3}) and not SigmaRuns(seed=1).ready()


def test_sigma_runs_trains_what_the_study_lacks_once(stored, monkeypatch):
    """Without the study, Adam's runs at a new step are trained alone and SGD's are reused."""
    calls = []
    study = experiments.load_study()

    def fake_sharp_flat(seed, step=None, algorithms=("adam", "sgd"), progress=None):
        calls.append((step, algorithms))
        adam = (step or {}).get("adam", experiments.ADAM_STEP)
        runs = study.results(study.setting_of({"adam": adam}))
        return runs if algorithms == ("adam", "sgd") else runs.select(algorithms)

    monkeypatch.setattr(experiments, "sharp_flat", fake_sharp_flat)
    model = SigmaRuns(n=41, study=None)
    assert not model.ready({"adam": 1e-3})
    runs = model.results({"adam": 1e-3})
    assert [r.config.step for r in runs.select("adam")] == [1e-3] * 5
    np.testing.assert_array_equal(runs.get(1.0, "adam").theta_end, theta_end(stored, 1.0, "adam", 1e-3))
    np.testing.assert_array_equal(runs.get(1.0, "sgd").theta_end, theta_end(stored, 1.0, "sgd"))
    default_sgd = tuple(experiments.SGD_STEPS[s] for s in experiments.SIGMAS)
    assert calls == [({"sgd": default_sgd}, ("adam", "sgd")),
                     ({"adam": 1e-3, "sgd": default_sgd}, "adam")]
    model.results({"adam": 1e-3})
    assert len(calls) == 2 and model.ready({"adam": 1e-3})        # cached
    # decision regions of a trained run: the forward pass on the model's grid
    np.testing.assert_array_equal(model.decision(0.1, "adam", {"adam": 1e-3}),
                                  regions(theta_end(stored, 0.1, "adam", 1e-3), 41))


def test_decision_regions_stored_and_computed(stored):
    meta, arrays = stored
    n = arrays["decision_n"].item()
    model = SigmaRuns()                                           # the stored grid: 161 x 161
    for s, a, step in [(0.01, "adam", 1e-3), (10.0, "sgd", 1e-2), (1.0, "adam", 1e-2)]:
        row = arrays["theta_rows"].tolist().index(
            f"{setting(meta, step) if a == 'adam' else 'main'}|{s:g}|{a}")
        bits = np.unpackbits(arrays["decision_bits"][row], count=n * n).reshape(n, n).astype(bool)
        np.testing.assert_array_equal(model.decision(s, a, {"adam": step}), bits)
    small = SigmaRuns(n=41)                                       # another grid: computed
    want = regions(theta_end(stored, 0.01, "adam"), 41)
    np.testing.assert_array_equal(small.decision(0.01, "adam"), want)
    assert not np.array_equal(want, regions(theta_end(stored, 0.01, "sgd"), 41))


def test_landscapes_stored_and_computed(stored):
    meta, arrays = stored
    X, y = experiments.data()
    model = Landscapes()
    ab, Z = model.grid(10.0, "filter")
    k = arrays["grid_keys"].tolist().index("10|filter|adam")
    np.testing.assert_array_equal(Z["adam"], arrays["grids"][k])
    assert ab[-1] == meta["landscape"]["spans"]["filter"] and ab.size == meta["landscape"]["n"]
    # another size: computed, on the same directions as the study's (landscape.directions, seed 0)
    ab9, Z9 = Landscapes(n=9).grid(1.0, "plain")
    np.testing.assert_array_equal(ab9, np.linspace(-1, 1, 9))
    for alg in ("sgd", "adam"):
        th = theta_end(stored, 1.0, alg)
        d1, d2 = landscape.directions(th, seed=0, kind="plain")
        want = landscape.loss_grid(th, d1, d2, X, y, ab9, ab9)
        np.testing.assert_allclose(Z9[alg], want, rtol=1e-12, atol=0)
        assert want[4, 4] == 0.0 and want.max() > 0
    assert not np.allclose(Z9["sgd"], Z9["adam"])
    with pytest.raises(ValueError, match="kind"):
        model.grid(1.0, "pca")


# ------------------------------------------------------------------------------------ the apps
@pytest.fixture(scope="module")
def sigma_app():
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        return minima.sigma_app(n=41)


@pytest.mark.parametrize("sigma, algorithm, step", [(0.01, "adam", 1e-2), (1.0, "sgd", 1e-2),
                                                    (10.0, "adam", 1e-2), (0.1, "adam", 1e-3)])
def test_sigma_app_shows_the_selected_run(stored, sigma_app, sigma, algorithm, step):
    sigma_app.controls["step"].value = step
    sigma_app.controls["sigma"].value = sigma
    sigma_app.controls["algorithm"].value = algorithm
    th = theta_end(stored, sigma, algorithm, step)
    want = regions(th, 41)
    other = "sgd" if algorithm == "adam" else "adam"
    assert not np.array_equal(want, regions(theta_end(stored, sigma, other, step), 41))
    np.testing.assert_array_equal(np.asarray(sigma_app.artists["regions"].get_array()), want)
    for alg, line in sigma_app.artists["lipschitz"].items():
        epochs, lm = history(stored, sigma, alg, step)
        np.testing.assert_array_equal(line.get_ydata(), lm)
        np.testing.assert_array_equal(line.get_xdata(), np.maximum(epochs, 0.5))
        assert line.get_linewidth() == (3.0 if alg == algorithm else 1.2)
    # one L_m scale for both runs of this σ and step: the axes hold both histories with a decade
    # of room each way (issue 23: at σ = 5, 10 a scale for all σ pinned the curves to the top)
    hist = [history(stored, sigma, a, step) for a in ("sgd", "adam")]
    ax = sigma_app.artists["lipschitz"]["adam"].axes
    assert ax.get_ylim() == pytest.approx((min(h[1].min() for h in hist) / 10,
                                           max(h[1].max() for h in hist) * 10), rel=1e-12)
    assert sigma_app.live.axes[1].get_legend().get_texts()[1].get_text() == f"Adam (γ = {step:g})"
    assert ax.get_xlim() == pytest.approx((0.5, 1.5 * max(h[0].max() for h in hist)), rel=1e-12)
    th0 = nets.init_theta(sigma, np.random.default_rng(0))
    rec = record(stored, sigma, algorithm, step)
    assert sigma_app.artists["title"].get_text() == (
        f"{'Adam' if algorithm == 'adam' else 'SGD'}, σ = {sigma:g}: ‖θ‖ {np.linalg.norm(th0):.3g} → "
        f"{np.linalg.norm(th):.3g}\n$L_m$ {SPEC.lipschitz(th0):.1e} → {rec['lipschitz_end']:.1e}")


def test_default_app_shows_the_stored_decision_regions(stored):
    app = minima.sigma_app(sigma=1.0, algorithm="adam")
    want = regions(theta_end(stored, 1.0, "adam"), 161)
    np.testing.assert_array_equal(np.asarray(app.artists["regions"].get_array()), want)
    app.controls["algorithm"].value = "sgd"
    np.testing.assert_array_equal(np.asarray(app.artists["regions"].get_array()),
                                  regions(theta_end(stored, 1.0, "sgd"), 161))
    app.reset()
    assert app.controls["algorithm"].value == "adam"
    np.testing.assert_array_equal(np.asarray(app.artists["regions"].get_array()), want)


def test_sigma_app_opens_at_a_step(stored):
    app = minima.sigma_app(sigma=0.01, algorithm="adam", n=41, step={"adam": 3e-3})
    assert app.controls["step"].value == 3e-3
    np.testing.assert_array_equal(np.asarray(app.artists["regions"].get_array()),
                                  regions(theta_end(stored, 0.01, "adam", 3e-3), 41))


def test_stored_runs_are_the_trained_ones(stored):
    """The app's seed-0 runs come from the study; retraining sigma = 10 gives the same end points."""
    for r in experiments.sharp_flat(0, (10.0,)):
        want = theta_end(stored, 10.0, r.algorithm)
        np.testing.assert_allclose(r.theta_end, want, rtol=0, atol=1e-9 * np.abs(want).max())


def test_sigma_app_blitted_frame_equals_a_full_render(sigma_app):
    sigma_app.controls["sigma"].value = 0.1
    fast = np.asarray(sigma_app.live.fig.canvas.buffer_rgba()).copy()
    full = full_render(sigma_app.live)
    assert np.mean(np.any(fast != full, axis=-1)) < 0.0005


def test_landscape_app_clips_at_z_max_masks_zero_and_blits(stored):
    app = minima.landscape_app(n=9)
    app.controls["z_max"].value = 10.0
    X, y = experiments.data()
    ab = np.linspace(-1, 1, 9)
    th = theta_end(stored, 10.0, "sgd")
    Z = landscape.loss_grid(th, *landscape.directions(th, seed=0), X, y, ab, ab)
    img = app.artists["sgd"]["image"]
    data = np.ma.asarray(img.get_array())
    assert data.max() <= 10.0 and img.get_clim() == (0.0, 10.0)
    np.testing.assert_allclose(data.filled(0.0), clip(Z, 10.0), rtol=1e-12, atol=0)
    np.testing.assert_array_equal(np.ma.getmaskarray(data), Z == 0)
    assert np.ma.getmaskarray(data).any() and not np.ma.getmaskarray(data).all()
    fast = np.asarray(app.live.fig.canvas.buffer_rgba()).copy()
    assert np.mean(np.any(fast != full_render(app.live), axis=-1)) < 0.0005


@pytest.mark.parametrize("z_max", [1e3, 1e5, 1e9, 2e4])
def test_landscape_app_takes_the_slides_presets_and_a_log_scale(stored, z_max):
    meta, arrays = stored
    app = minima.landscape_app(sigma=10.0, z_max=z_max, log=True)
    img = app.artists["adam"]["image"]
    assert img.get_clim() == (LOG_FLOOR, z_max) and type(img.norm).__name__ == "LogNorm"
    assert app.controls["z_max"].value == z_max and app.controls["log"].value is True
    # the stored grid: the same span as the notebook's figures, and a drawn zero-loss edge
    Z = arrays["grids"][arrays["grid_keys"].tolist().index("10|plain|adam")]
    np.testing.assert_array_equal(np.ma.getmaskarray(img.get_array()), Z == 0)
    assert img.get_extent()[1] == experiments.LANDSCAPE_SPANS["plain"]
    assert type(app.artists["adam"]["zero"]).__name__ in ("ContourSet", "QuadContourSet")
    assert app.artists["adam"]["zero"] in app.live.dynamic
    app.controls["log"].value = False
    assert img.get_clim() == (0.0, z_max)


def test_linear_z_max_1e9_says_why_the_panel_is_one_colour():
    app = minima.landscape_app(sigma=0.01, z_max=1e9)
    titles = [app.artists[a]["title"].get_text() for a in ("sgd", "adam")]
    assert all("≪ z_max: one colour" in t for t in titles)
    app.controls["log"].value = True
    assert not any("one colour" in app.artists[a]["title"].get_text() for a in ("sgd", "adam"))


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="z_max"):
        minima.landscape_app(z_max=-1.0)
    with pytest.raises(ValueError, match="sigma"):
        minima.sigma_app(sigma=3.0)
    with pytest.raises(ValueError, match="kind"):
        minima.landscape_app(kind="pca")
    with pytest.raises(ValueError, match=r"step\['adam'\] must be one of"):
        minima.sigma_app(step={"adam": 5e-3})
    with pytest.raises(ValueError, match="SGD runs at its default steps"):
        minima.sigma_app(step={"sgd": 0.1})
