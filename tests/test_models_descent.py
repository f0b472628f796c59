"""The model of notebook 01's apps, without any front end: runs, rates, level sets, caching."""

import subprocess
import sys
import warnings

import numpy as np
import pytest

from course_utils import optimizers
from course_utils.metric import Metric
from course_utils.models import descent
from course_utils.objectives import Quadratic

Q = np.array([[0.1, -0.1], [-0.1, 1.0]])
F = Quadratic(Q)
X0 = np.array([-4.0, 1.5])
# eigenvalues of Q in closed form: (tr ± sqrt(tr^2 - 4 det)) / 2, tr = 1.1, det = 0.09
LAM = (1.1 + np.array([-1.0, 1.0]) * np.sqrt(1.1 ** 2 - 4 * 0.09)) / 2


@pytest.fixture(autouse=True)
def no_runtime_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def test_the_model_imports_without_a_front_end():
    code = ("import sys; import course_utils.models.descent, course_utils.models.projection; "
            "bad = [m for m in ('ipywidgets', 'matplotlib') if m in sys.modules]; "
            "assert not bad, bad; print('clean')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == "clean", out.stderr


@pytest.mark.parametrize("step", [0.3, 1.0, 1.818, 1.97, 2.3])
def test_rate_and_bound_are_the_closed_form(step):
    r = descent.descent_run(F, step, X0, 50)
    assert LAM == pytest.approx([0.0890228, 1.0109772], abs=1e-7)
    assert r.rate == pytest.approx(max(abs(1 - step * LAM[0]), abs(1 - step * LAM[1])), rel=1e-12)
    assert r.bound == pytest.approx(2 / LAM[1], rel=1e-12)           # 1.97828...
    assert r.diverges == (step > 2 / LAM[1]) and r.step == step
    assert np.array_equal(r.iterates, optimizers.run(optimizers.gd(step), F.grad, X0, 50))
    assert r.gap[0] == pytest.approx(2.525)                             # f(x0) = x0'Qx0/2, f* = 0


def test_best_step_rate_and_the_scaled_rate():
    best = 2 / LAM.sum()                                                # 2 / trace = 1.818...
    r = descent.descent_run(F, best, X0, 200)
    kappa = LAM[1] / LAM[0]
    assert r.rate == pytest.approx((kappa - 1) / (kappa + 1), rel=1e-12)   # 0.838
    # the gap contracts at most like rho^(2k)
    k = np.arange(201)
    assert np.all(r.gap <= r.gap[0] * r.rate ** (2 * k) * (1 + 1e-9) + 1e-300)
    P = np.diag(Q)
    s = descent.descent_run(F, 1.0, X0, 30, H=P)      # P^-1/2 Q P^-1/2 = [[1, -1/sqrt10], ...]
    assert s.rate == pytest.approx(1 / np.sqrt(10), rel=1e-12)        # 0.3162...
    assert np.array_equal(s.iterates, optimizers.run(optimizers.scaled_gd(1.0, P), F.grad, X0, 30))


def test_past_the_bound_the_run_diverges_silently():
    r = descent.descent_run(F, 2.3, X0, 200)
    assert r.diverges and optimizers.diverged(r.iterates)
    assert np.isnan(r.gap[-1]) and np.isfinite(r.gap[0])


@pytest.mark.parametrize("H", [None, np.array([0.1, 1.0]), Q])
def test_model_level_set_is_the_H_sphere_through_x_k_centred_at_the_next_iterate(H):
    r = descent.descent_run(F, 0.5, X0, 5, H=H)
    pts = descent.model_level_set(r, 2)
    M = Metric(H, 2)
    c, x = r.iterates[3], r.iterates[2]
    assert np.allclose(M.norm(pts - c), M.norm(x - c), rtol=1e-12)
    assert np.all(np.isnan(descent.model_level_set(r, 5)))      # no step after the last iterate


def test_step_model_view_minimum_is_the_gradient_step():
    t = np.linspace(0, 2, 401)
    for H in (None, [0.1, 1.0], Q):
        v = descent.step_model_view(F, X0, 0.5, t, H)
        Hm = np.eye(2) if H is None else (np.diag(H) if np.ndim(H) == 1 else np.asarray(H))
        assert np.allclose(v["x_next"], X0 - 0.5 * np.linalg.solve(Hm, F.grad(X0)))
        assert t[np.argmin(v["model"])] == pytest.approx(0.5)
        assert v["model"][0] == pytest.approx(v["f"][0])                 # touches f at x_k


def test_step_model_numbers_and_cache():
    m = descent.StepModel(F, X0, (0.1, 3.0))
    g = F.grad(X0)
    bound = (g @ g) / (g @ Q @ g)                     # the model lies above f iff step <= 1.0164
    assert bound == pytest.approx(1.0164, abs=1e-4)
    assert m.at(bound * 0.999)["above"] and not m.at(bound * 1.001)["above"]
    v = m.at(0.5)
    assert v["model_min"] == pytest.approx(2.525 - 0.5 / 2 * (g @ g))
    assert v["radius"] == pytest.approx(0.5 * np.linalg.norm(g))
    computed = m.at.computed
    m.at(0.5), m.at(bound * 0.999)
    assert m.at.computed == computed                  # sliding back: cached
    lo, hi = m.value_range()
    assert lo == pytest.approx(2.525 - 3.0 / 2 * (g @ g)) and hi >= 2.525


def test_descent_model_caches_runs_by_step_and_start():
    m = descent.DescentModel(F, iterations=40)
    a = m.runs(1.0, (-4.0, 1.5))
    assert m.runs(1.0, np.array([-4.0, 1.5])) is a and m.runs.computed == 1
    m.runs(1.5, (-4.0, 1.5)), m.runs(1.0, (2.0, -1.0))
    assert m.runs.computed == 3 and m.runs(1.0, (-4.0, 1.5)) is a
    s = m.summary()
    assert s["bound"] == pytest.approx(2 / LAM[1]) and s["best_step"] == pytest.approx(2 / 1.1)
    fr = m.frame(a, 40)
    assert np.array_equal(fr["path"], a.iterates) and np.all(np.isnan(fr["ring"]))


def test_scaled_model_presets_and_metrics():
    m = descent.ScaledDescentModel(F, X0, 40)
    assert m.base.rate == pytest.approx(0.838, abs=5e-4)
    newton = m.runs(m.metric("Q (Newton)"))
    assert newton.step == pytest.approx(1.0) and np.allclose(newton.iterates[1], 0.0, atol=1e-12)
    assert np.array_equal(m.metric("custom diag", 0.5, 2.0), [0.5, 2.0])
    assert m.opening_diagonal("Q (Newton)").tolist() == [0.1, 1.0]
    assert m.opening_diagonal("I", h=[2.0, 3.0]).tolist() == [2.0, 3.0]
    m.runs(m.metric("I")), m.runs(m.metric("custom diag", 1.0, 1.0))
    assert m.runs.computed == 2                       # diag(1, 1) is the preset I: same key


def test_bad_inputs_are_clear_errors():
    with pytest.raises(ValueError, match="step"):
        descent.descent_run(F, -1.0, X0, 5)
    with pytest.raises(ValueError, match="positive definite"):
        descent.descent_run(F, 1.0, X0, 5, H=[1.0, -1.0])
    with pytest.raises(ValueError, match="step_range"):
        descent.StepModel(F, X0, (0.0, 1.0))
    with pytest.raises(ValueError, match="preset"):
        descent.ScaledDescentModel(F, X0, 5).metric("nope")
    with pytest.raises(ValueError, match="iterations"):
        descent.DescentModel(F, iterations=0)
