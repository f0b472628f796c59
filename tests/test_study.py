"""The study shipped with the package (notebook 04 and its apps load it): complete, small, valid
JSON, installed as package data, and reproduced by retraining a subset of its runs."""

import json
import math
import tomllib
from pathlib import Path

import numpy as np
import pytest

from course_utils import experiments, nets, training

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def study():
    return experiments.load_study()


def test_files_are_small_and_valid_json():
    files = [experiments.STUDY_DIR / f"{experiments.STUDY_NAME}.{ext}" for ext in ("json", "npz")]
    assert sum(f.stat().st_size for f in files) <= 5_000_000
    text = files[0].read_text()
    assert "NaN" not in text and "Infinity" not in text
    json.loads(text)


def test_the_study_is_complete(study):
    assert study.seeds == tuple(range(10)) and study.sigmas == experiments.SIGMAS
    assert len(study.records) == len(study.settings) * 10 * 2 * 5
    for rec in study.records:
        if rec["setting"] == "main":
            assert rec["converged"] and rec["final_loss"] == 0.0
            assert rec["flat_radius"] is not None and rec["landscape_zero_fraction"] is not None
        if not rec["diverged"]:
            assert 0 < rec["lipschitz_measured"] <= rec["lipschitz_end"]
            assert 0.5 <= rec["test_accuracy"] <= 1.0
    for (seed, sigma), (ok, bad) in study.stable_sgd_step.items():
        assert 0 < ok < bad < 1.2 * ok            # a tight bracket


def test_shipped_as_package_data():
    conf = tomllib.loads((ROOT / "pyproject.toml").read_text())
    globs = conf["tool"]["setuptools"]["package-data"]["course_utils"]
    for ext in ("json", "npz"):
        assert f"data/*.{ext}" in globs
        assert (experiments.STUDY_DIR / f"{experiments.STUDY_NAME}.{ext}").parent.name == "data"


@pytest.mark.slow
def test_retraining_a_subset_matches_the_study(study):
    X, y = experiments.data()
    # seed 0 at sigma = 5, 10 (both algorithms; their theta_end are stored) and seed 7 at sigma = 10
    cfg = [training.RunConfig(s, a, experiments.ADAM_STEP if a == "adam" else experiments.sgd_step(s), seed=k)
           for k, s in [(0, 5.0), (0, 10.0), (7, 10.0)] for a in ("adam", "sgd")]
    res = training.train(cfg, X, y)
    stored = study.results("main")
    for r in res:
        rec = study.record(r.sigma, r.algorithm, r.seed)
        assert r.iterations == rec["iterations"] and r.converged == rec["converged"]
        for field in ("norm_theta_end", "lipschitz_end"):
            assert math.isclose(getattr(r, field), rec[field], rel_tol=1e-9), field
        if r.seed == 0:
            th = stored.get(r.sigma, r.algorithm).theta_end
            np.testing.assert_allclose(r.theta_end, th, rtol=0, atol=1e-9 * np.abs(th).max())
    # the measured numbers of one run
    r = res[0]
    m = experiments.measure(r)
    rec = study.record(r.sigma, r.algorithm, r.seed)
    assert m["test_accuracy"] == rec["test_accuracy"]
    for field in ("lipschitz_measured", "sharpness", "flat_radius", "flat_radius_filter"):
        assert math.isclose(m[field], rec[field], rel_tol=1e-6), field


def test_results_are_read_only_run_results(study):
    res = study.results("main")
    assert [(r.sigma, r.algorithm) for r in res] == \
        [(s, a) for a in ("adam", "sgd") for s in experiments.SIGMAS]
    r = res[0]
    with pytest.raises(ValueError):
        r.theta_end[0] = 1.0
    np.testing.assert_array_equal(r.theta0, nets.init_theta(r.sigma, np.random.default_rng(0)))
    assert r.lipschitz_end == study.record(r.sigma, "adam")["lipschitz_end"]
    from course_utils.plots.classifiers import decision_values
    assert study.decision_grid == experiments.DECISION_GRID
    for s, a in [(0.01, "adam"), (10.0, "sgd")]:
        th = res.get(s, a).theta_end
        want = decision_values(nets.default_spec(), th[None], **study.decision_grid)[0] > 0
        np.testing.assert_array_equal(study.decision(s, a) > 0, want)
    ab, grids = study.grid(10.0, "plain")
    assert ab[0] == -experiments.LANDSCAPE_SPANS["plain"] and grids["sgd"].shape == (51, 51)


def test_predict_norm_accepts_the_answer_from_the_printed_numbers():
    """Exercise 04-predict-norm: the notebook prints NORM_AT to 4 decimals; solving the two
    equations with those printed numbers gives 5.7684, which rounds to the exact answer's 5.768
    and is accepted. 5.769 is what dropping the σ = 0.01 residual term gives (S_plain =
    NORM_AT[0.01]², the shortcut the prompt warns about): it is 0.75 units of the 4th digit off
    and stays rejected, with the hint."""
    from course_utils.exercises.lesson04 import NORM_AT, _predict_norm
    a, b = round(NORM_AT[0.01], 4), round(NORM_AT[1.0], 4)
    S_res, S_plain = np.linalg.solve([[0.01 ** 2, 1.0], [1.0, 1.0]], [a * a, b * b])
    printed = float(np.sqrt(0.25 * S_res + S_plain))
    assert abs(printed - 5.7684) < 5e-5
    assert _predict_norm(printed) is True and _predict_norm(round(printed, 3)) is True
    shortcut = float(np.sqrt(0.25 * (b * b - a * a) + a * a))
    assert round(shortcut, 3) == 5.769 and _predict_norm(5.769) is False


def test_the_fair_protocol_is_stored_and_covers_adams_range(study):
    """The study holds the protocol's step choice (every tried step, the rule's pick per σ, picked
    from the window and never an untried value) and, for each Adam step 1e-3, 3e-3, 1e-2 and the
    rule's, ten seeds of every σ, each run trained EXTRA_EPOCHS past its first zero-loss epoch."""
    from course_utils.experiments import protocol
    proto = study.meta["protocol"]
    assert proto["extra_epochs"] == protocol.EXTRA_EPOCHS and proto["directions"] == 30
    for alg in ("adam", "sgd"):
        for s, g in zip(study.sigmas, proto["chosen"][alg]):
            tried = [t for t in proto["tried"] if t["algorithm"] == alg and t["sigma"] == s]
            best = min((t for t in tried if t["epochs"] is not None), key=lambda t: t["epochs"])
            assert best["step"] == g                         # the rule, re-applied to its table
    for name in experiments.fair_setting_names():
        assert name in study.settings
        for s in study.sigmas:
            for k in study.seeds:
                rec = study.record(s, "adam", k, name)
                assert rec["epochs"] == rec["first_zero_epoch"] + protocol.EXTRA_EPOCHS
                assert rec["test_accuracy_plane"] is not None and rec["sharpness_normalized"] > 0
    assert [study.settings[f"fair: adam {g:g}"]["adam"] for g in protocol.ADAM_STEPS] == list(protocol.ADAM_STEPS)


def test_retraining_a_fair_run_matches_the_study(study):
    """Seed 0 at σ = 10 in the fair setting "Adam 1e-2" (SGD at the rule's 3e-10), retrained
    with 100 epochs past zero loss, gives the stored epochs, loss and ‖θ_end‖."""
    from course_utils.experiments import protocol
    X, y = experiments.data()
    name = "fair: adam 0.01"
    sgd = study.settings[name]["sgd"][study.sigmas.index(10.0)]
    res = training.train([training.RunConfig(10.0, "adam", 1e-2, seed=0), training.RunConfig(10.0, "sgd", sgd, seed=0)],
                         X, y, extra_epochs=protocol.EXTRA_EPOCHS)
    for r in res:
        rec = study.record(10.0, r.algorithm, 0, name)
        assert (r.epochs, r.first_zero_epoch) == (rec["epochs"], rec["first_zero_epoch"])
        assert math.isclose(r.norm_theta_end, rec["norm_theta_end"], rel_tol=1e-9)
        assert math.isclose(r.final_loss, rec["final_loss"], rel_tol=1e-9, abs_tol=1e-12)
