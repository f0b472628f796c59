"""The σ experiment's CLI and table."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from course_utils import experiments, training
from course_utils.experiments import SweepResults

ROOT = Path(__file__).resolve().parents[1]
FIELDS = {"seed", "sigma", "algorithm", "step", "iterations", "final_loss", "train_accuracy",
          "test_accuracy", "norm_theta0", "norm_theta_end", "lipschitz_theta0", "lipschitz_end",
          "lipschitz_measured", "sharpness", "flat_radius"}


def test_cli_json_has_the_fields(tmp_path):
    out = subprocess.run([sys.executable, "-m", "course_utils.experiments", "sharp-flat", "--json",
                          "--sigmas", "1,10", "--max-epochs", "2", "--seeds", "1,4",
                          "--sgd-step", "0.03,1e-10", "--save", str(tmp_path / "runs.npz")],
                         capture_output=True, text=True, cwd=ROOT, check=True)
    runs = json.loads(out.stdout)
    assert len(runs) == 8
    assert [(r["seed"], r["sigma"], r["algorithm"]) for r in runs[:4]] == [
        (1, 1.0, "adam"), (1, 10.0, "adam"), (1, 1.0, "sgd"), (1, 10.0, "sgd")]
    assert [r["step"] for r in runs[:4]] == [1e-2, 1e-2, 0.03, 1e-10]
    for r in runs:
        assert FIELDS <= set(r)
        assert r["iterations"] == 10
        assert 0 < r["lipschitz_measured"] <= r["lipschitz_end"]
        assert r["flat_radius"] is None                    # not at zero loss after 2 epochs
    assert "runs finished" in out.stderr
    saved = np.load(tmp_path / "runs.npz")
    assert saved["theta_end"].shape == (8, 9201)
    assert [(int(k), float(s), str(a)) for k, s, a in
            zip(saved["seed"], saved["sigma"], saved["algorithm"])] == \
        [(r["seed"], r["sigma"], r["algorithm"]) for r in runs]
    # the saved end points are the runs' own: recompute one run's final norm
    assert np.isclose(np.linalg.norm(saved["theta_end"][5]), runs[5]["norm_theta_end"], rtol=1e-12)


def test_cli_table_and_bad_input():
    out = subprocess.run([sys.executable, "-m", "course_utils.experiments", "sharp-flat",
                          "--sigmas", "10", "--max-epochs", "1", "--quiet"],
                         capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.startswith("| σ |") and out.stderr == ""
    bad = subprocess.run([sys.executable, "-m", "course_utils.experiments", "sharp-flat",
                          "--sigmas", "-1"], capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode != 0 and "sigma" in bad.stderr


def test_cache_returns_the_same_object():
    a = experiments.sharp_flat(0, (10.0,), max_epochs=1)
    b = experiments.sharp_flat(0, (10.0,), max_epochs=1)
    assert a is b
    assert "| 10 |" in experiments.table_markdown(a)
    assert experiments.slides_markdown().count("\n") == 6


def test_sweep_split_over_threads_gives_the_same_runs():
    # the seeds are split over the workers (one stack per thread);
    # a run's numbers must not depend on which stack (thread) trained it
    one = experiments.sweep((3, 4), max_epochs=4, workers=1)
    two = experiments.sweep((3, 4), max_epochs=4, workers=2)
    assert one is not two and len(one) == len(two) == 20
    for a, b in zip(one, two):
        assert (a.seed, a.sigma, a.algorithm) == (b.seed, b.sigma, b.algorithm)
        np.testing.assert_array_equal(a.theta_end, b.theta_end)
        assert a.epochs == b.epochs == 4 or a.converged
    assert len({r.norm_theta_end for r in one}) == 20


def cli(tmp_path, *args):
    """The runs' (algorithm, sigma, step) and norms of theta_end, from ``--save`` (no measuring)."""
    subprocess.run([sys.executable, "-m", "course_utils.experiments", "sharp-flat", "--quiet",
                    "--max-epochs", "1", "--save", str(tmp_path / "r.npz"), "--force", *args],
                   capture_output=True, text=True, cwd=ROOT, check=True)
    saved = np.load(tmp_path / "r.npz")
    return ([(str(a), float(s), float(g)) for a, s, g in
             zip(saved["algorithm"], saved["sigma"], saved["step"])],
            np.linalg.norm(saved["theta_end"], axis=1))


def test_cli_step_options_and_the_hidden_alias(tmp_path):
    """--adam-step, --sgd-step (one number for every sigma, or one per sigma) and --sgd-steps
    (issue #12's spelling, not shown in the help) set the steps the runs record."""
    one, norms_one = cli(tmp_path, "--sigmas", "1,10", "--adam-step", "3e-3", "--sgd-step", "0.02")
    assert one == [("adam", 1.0, 3e-3), ("adam", 10.0, 3e-3), ("sgd", 1.0, 0.02), ("sgd", 10.0, 0.02)]
    alias, norms_alias = cli(tmp_path, "--sigmas", "1,10", "--sgd-steps", "0.03,1e-10")
    assert [g for _, _, g in alias] == [experiments.ADAM_STEP] * 2 + [0.03, 1e-10]
    assert not np.allclose(norms_alias, norms_one, rtol=1e-6)       # the steps were used
    helptext = subprocess.run([sys.executable, "-m", "course_utils.experiments", "sharp-flat", "--help"],
                              capture_output=True, text=True, cwd=ROOT, check=True).stdout
    assert "--adam-step" in helptext and "--sgd-step " in helptext and "--sgd-steps" in helptext
    assert "--sgd-steps SGD" not in helptext           # the alias has no line of its own
    bad = subprocess.run([sys.executable, "-m", "course_utils.experiments", "sharp-flat",
                          "--sgd-step", "0.1,0.2"], capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode == 2 and "one SGD step per sigma" in bad.stderr


def test_step_dict_sets_the_runs_steps_and_missing_keys_are_the_defaults():
    res = experiments.sharp_flat(0, (0.01, 10.0), step={"adam": 3e-3}, max_epochs=1)
    assert [r.config.step for r in res] == [3e-3, 3e-3, experiments.SGD_STEPS[0.01],
                                            experiments.SGD_STEPS[10.0]]
    res = experiments.sweep((2,), (0.01, 10.0), step={"sgd": (0.2, 1e-9)}, max_epochs=1)
    assert [r.config.step for r in res] == [experiments.ADAM_STEP] * 2 + [0.2, 1e-9]
    assert experiments.check_step(None, (1.0,)) == {"adam": 1e-2, "sgd": (0.03,)}


@pytest.mark.parametrize("step, error, match", [
    (1e-3, TypeError, "step must be a dict"),
    ({"adm": 1e-3}, ValueError, r"unknown key.*'adm'"),
    ({"adam": 0.0}, ValueError, r"step\['adam'\] must be a positive"),
    ({"sgd": (0.1, 0.1)}, ValueError, r"one SGD step per sigma; got 2 for 5"),
    ({"sgd": "0.1"}, TypeError, r"step\['sgd'\]"),
    ({"sgd": (0.1, -1, 0.1, 0.1, 0.1)}, ValueError, r"step\['sgd'\] must be a positive"),
])
def test_bad_step_is_named(step, error, match):
    with pytest.raises(error, match=match):
        experiments.check_step(step)
    with pytest.raises(error, match=match):
        experiments.sharp_flat(0, step=step, max_epochs=1)
    with pytest.raises(error, match=match):
        experiments.sweep((0,), step=step, max_epochs=1)


def test_study_settings_are_step_dicts():
    study = experiments.load_study()
    raw = json.loads((experiments.STUDY_DIR / f"{experiments.STUDY_NAME}.json").read_text())
    for d in raw["settings"]:                       # the JSON's own field names, mapped on load
        adam = d["adam_step"] if isinstance(d["adam_step"], float) else tuple(d["adam_step"])
        assert study.settings[d["name"]] == {"adam": adam, "sgd": tuple(d["sgd_steps"])}
        if not d["name"].startswith("fair: "):       # the fair settings also train past zero loss
            assert study.setting_of(study.settings[d["name"]]) == d["name"]
    assert study.setting_of({"adam": 1e-3}) == "adam 1e-3" and study.setting_of() == "main"
    assert study.setting_of({"sgd": (0.3, 0.3, 0.1, 1.5e-6, 3e-10)}) == "sgd near limit"
    assert study.setting_of({"adam": 5e-3}) is None
    assert study.setting_of({"sgd": (0.1, 0.05, 0.03, 1e-6, 3e-10)}) is None      # 1e-10 != 3e-10
    assert study.has_results(0, {"adam": 3e-3}) and not study.has_results(1, {"adam": 3e-3})
    assert not study.has_results(0, {"adam": 5e-3})
    assert set(experiments.STUDY_SETTINGS) | set(experiments.fair_setting_names()) == set(study.settings)
    for name, step in experiments.STUDY_SETTINGS.items():
        assert experiments.check_step(step) == {"adam": study.settings[name]["adam"],
                                                "sgd": study.settings[name]["sgd"]}


# ------------------------------------------------------------------------------ SweepResults
def fake_run(sigma, algorithm, seed):
    """A RunResult whose numbers say which run it is (no training)."""
    cfg = training.RunConfig(sigma, algorithm, 0.1, seed=seed)
    tag = 1000 * seed + 10 * sigma + (algorithm == "sgd")
    return training.RunResult(config=cfg, theta0=np.zeros(2), theta_end=np.full(2, tag),
                              iterations=1, epochs=1, converged=False, diverged=False,
                              final_loss=tag, train_accuracy=0.5, lipschitz_theta0=1.0,
                              lipschitz_end=1.0, seed=seed)


@pytest.fixture
def runs():
    return SweepResults(fake_run(s, a, k) for k in (3, 5) for a in ("adam", "sgd") for s in (0.1, 10.0))


def test_sweep_results_get_with_and_without_seed(runs):
    assert runs.get(10.0, "sgd", seed=5).final_loss == 5000 + 100 + 1
    assert runs.get(0.1, "adam", seed=3).final_loss == 3000 + 1
    one = runs.select(seed=5)
    assert one.get(0.1, "sgd").final_loss == 5000 + 1 + 1        # one seed held: no seed needed
    with pytest.raises(KeyError, match=r"2 runs for sigma=0.1, algorithm=sgd: "
                                       r"pass seed= \(one of \[3, 5\]\)"):
        runs.get(0.1, "sgd")
    with pytest.raises(KeyError, match="no run for sigma=1, algorithm=sgd, seed=5"):
        runs.get(1.0, "sgd", seed=5)
    with pytest.raises(KeyError, match="no run"):
        runs.get(0.1, "lbfgs", seed=3)


def test_sweep_results_order_and_select(runs):
    assert runs.seeds == (3, 5) and runs.algorithms == ("adam", "sgd") and runs.sigmas == (0.1, 10.0)
    assert [r.final_loss for r in runs.select("sgd")] == [3002, 3101, 5002, 5101]
    assert [r.final_loss for r in runs.select("adam", seed=3)] == [3001, 3100]
    assert isinstance(runs.select("adam"), SweepResults) and len(runs.select(seed=9)) == 0
    # the trainers' order: per seed, Adam's runs then SGD's, each in the order of sigmas
    res = experiments.sweep((4, 2), (10.0, 0.01), max_epochs=1)
    assert [(r.seed, r.algorithm, r.sigma) for r in res] == [
        (k, a, s) for k in (4, 2) for a in ("adam", "sgd") for s in (10.0, 0.01)]
    assert res.get(0.01, "sgd", seed=2) is res[7]


def test_sweep_results_are_immutable_and_slices_stay_sweep_results(runs):
    with pytest.raises(TypeError):
        runs[0] = runs[1]
    with pytest.raises(AttributeError):
        runs.extra = 1
    with pytest.raises(AttributeError):
        runs[0].final_loss = 0.0
    with pytest.raises(ValueError):
        runs[0].theta_end[0] = 1.0
    head = runs[:4]
    assert isinstance(head, SweepResults) and head.seeds == (3,) and head.get(10.0, "adam").final_loss == 3100
    assert isinstance(runs[::-1], SweepResults) and runs[::-1][0] is runs[-1]
    assert isinstance(runs[2], training.RunResult) and "8 runs" in repr(runs)


def test_cli_adam_step_accepts_one_per_sigma(tmp_path):
    """--adam-step, like --sgd-step, takes one number or a comma-separated list, one per sigma
    (the fair protocol chooses Adam's step per σ)."""
    runs, _ = cli(tmp_path, "--sigmas", "1,10", "--adam-step", "1e-3,1e-2", "--sgd-step", "0.02")
    assert runs[:2] == [("adam", 1.0, 1e-3), ("adam", 10.0, 1e-2)]
    assert experiments.check_step({"adam": (1e-3, 1e-2)}, sigmas=(1.0, 10.0))["adam"] == (1e-3, 1e-2)
    with pytest.raises(ValueError, match=r"step\['adam'\].*one Adam step per sigma"):
        experiments.check_step({"adam": (1e-3, 1e-2, 3e-3)}, sigmas=(1.0, 10.0))


def test_extra_epochs_train_past_zero_loss_and_sgd_does_not_move():
    """extra_epochs=E: every run goes E epochs past its first zero-loss epoch. At zero hinge loss
    every mini-batch gradient is exactly 0, so SGD's θ does not change; Adam's momentum moves it."""
    X, y = experiments.data()
    base = training.train([(10.0, "sgd", 3e-10, 0), (10.0, "adam", 1e-2, 0)], X, y)
    more = training.train([(10.0, "sgd", 3e-10, 0), (10.0, "adam", 1e-2, 0)], X, y, extra_epochs=7)
    for b, m in zip(base, more):
        assert b.converged and b.first_zero_epoch == b.epochs
        assert m.first_zero_epoch == b.first_zero_epoch and m.epochs == b.epochs + 7
    np.testing.assert_array_equal(more[0].theta_end, base[0].theta_end)
    assert np.linalg.norm(more[1].theta_end - base[1].theta_end) > 0
