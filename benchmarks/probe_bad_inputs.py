"""Probe the public API with bad inputs and count the outcomes per category (issue 20).

Each case runs in a forked child (address space capped at ``--memory`` GiB, a ``--timeout``
ceiling), and is classified as

* ``clear``   a ValueError/TypeError raised by course_utils whose message names the argument;
* ``right``   a value, and the right one (checked against a closed form or a hand computation);
* ``silent``  a value where an error was due, or a wrong value;
* ``foreign`` any other exception (numpy's, a MemoryError, an error that does not name the
  argument, a RuntimeWarning turned into an error);
* ``hang``    no answer within the ceiling.

Usage: ``python benchmarks/probe_bad_inputs.py [--root PATH] [--json]`` (``--root`` imports
course_utils from another checkout, e.g. ``git archive main`` unpacked, to count the old code).
This is a measurement, not a test: tests/test_bad_inputs*.py hold the cases as tests.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import sys
import traceback
import warnings
from collections import Counter
from pathlib import Path


def cases():
    """[(name, category, call, argument or checker)]: ``argument`` (str) when an error naming it
    is due; ``checker(value) -> bool`` when a value is the right answer."""
    import numpy as np

    import course_utils.optimizers as opt
    from course_utils import landscape, nets, problems, projection
    from course_utils.datasets.spirals import two_spirals
    from course_utils.datasets.wilson import make_wilson
    from course_utils.objectives import LeastSquares, Quadratic, reshuffling_batches

    nan, inf = float("nan"), float("inf")
    Q = Quadratic([[1.0, 0.0], [0.0, 2.0]])
    out = []

    def err(cat, name, call, arg):
        out.append((name, cat, call, arg))

    def val(cat, name, call, check):
        out.append((name, cat, call, check))

    # -- optimizers: the gradient given to update ------------------------------------------
    for o in ("gd", "adam", "rmsprop", "adagrad", "adamax", "adadelta", "sgd_momentum", "filtered_sgd"):
        f = getattr(opt, o)
        err("optimizer g", f"{o}.update(g=[nan, 1])",
            lambda f=f: f(0.1).update(np.array([nan, 1.0]), f(0.1).init(np.zeros(2))), "g")
        err("optimizer g", f"{o}.update(g=[inf, 1])",
            lambda f=f: f(0.1).update(np.array([inf, 1.0]), f(0.1).init(np.zeros(2))), "g")
        err("optimizer g", f"{o}.update(g (2,2) vs state (2,))",
            lambda f=f: f(0.1).update(np.ones((2, 2)), f(0.1).init(np.zeros(2))), "g")
        err("optimizer g", f"{o}.update(g (3,) vs state (2,))",
            lambda f=f: f(0.1).update(np.ones(3), f(0.1).init(np.zeros(2))), "g")
        err("optimizer g", f"{o}.update(g='a')",
            lambda f=f: f(0.1).update("a", f(0.1).init(np.zeros(2))), "g")
    # -- optimizers: factories --------------------------------------------------------------
    for o in ("gd", "adam", "rmsprop", "adagrad", "adamax", "sgd_momentum", "filtered_sgd"):
        f = getattr(opt, o)
        for bad in (-1.0, 0.0, nan, inf, "0.1"):
            err("optimizer factory", f"{o}(step={bad!r})", lambda f=f, bad=bad: f(bad), "step")
    for b in (1.0, -0.1, nan, 2):
        err("optimizer factory", f"adam(b_m={b!r})", lambda b=b: opt.adam(0.1, b_m=b), "b_m")
        err("optimizer factory", f"adam(b_v={b!r})", lambda b=b: opt.adam(0.1, b_v=b), "b_v")
    err("optimizer factory", "sgd_momentum(momentum=1.5)", lambda: opt.sgd_momentum(0.1, momentum=1.5), "momentum")
    err("optimizer factory", "sgd_momentum(momentum=nan)", lambda: opt.sgd_momentum(0.1, momentum=nan), "momentum")
    err("optimizer factory", "make('nope')", lambda: opt.make("nope", 0.1), "optimizer")
    # -- run ----------------------------------------------------------------------------------
    err("run", "run(bfgs, x0=ones(2000), 1000, return_states=True)",
        lambda: opt.run(opt.bfgs(), lambda x: x, np.ones(2000), 1000, return_states=True), "steps")
    err("run", "run(gd, x0=ones(10**6), 10**4)",
        lambda: opt.run(opt.gd(0.1), lambda x: x, np.ones(10**6), 10**4), "steps")
    err("run", "run(x0=[nan, 1])", lambda: opt.run(opt.gd(0.1), Q.grad, [nan, 1.0], 3), "x0")
    err("run", "run(x0=[])", lambda: opt.run(opt.gd(0.1), Q.grad, [], 3), "x0")
    err("run", "run(steps=-1)", lambda: opt.run(opt.gd(0.1), Q.grad, [1.0, 1.0], -1), "steps")
    err("run", "run(steps=2.5)", lambda: opt.run(opt.gd(0.1), Q.grad, [1.0, 1.0], 2.5), "steps")
    err("run", "run(steps=True)", lambda: opt.run(opt.gd(0.1), Q.grad, [1.0, 1.0], True), "steps")
    err("run", "run(grad returns (3,))", lambda: opt.run(opt.gd(0.1), lambda x: np.ones(3), [1.0, 1.0], 2), "grad")
    err("run", "run(blowup=-1)", lambda: opt.run(opt.gd(0.1), Q.grad, [1.0, 1.0], 2, blowup=-1), "blowup")
    val("run", "run(steps=0) is [x0]", lambda: opt.run(opt.gd(0.1), Q.grad, [1.0, 1.0], 0),
        lambda X: X.shape == (1, 2) and np.all(X[0] == 1.0))
    val("run", "run(gd(0.5)) one step by hand", lambda: opt.run(opt.gd(0.5), Q.grad, [1.0, 1.0], 1),
        lambda X: np.allclose(X[1], [0.5, 0.0]))
    # -- objectives ---------------------------------------------------------------------------
    err("objectives", "Quadratic(Q=[[1, 2]])", lambda: Quadratic([[1.0, 2.0]]), "Q")
    err("objectives", "Quadratic(Q=nan)", lambda: Quadratic([[nan, 0], [0, 1.0]]), "Q")
    err("objectives", "Quadratic(Q=[[1,2],[0,1]])", lambda: Quadratic([[1.0, 2.0], [0.0, 1.0]]), "Q")
    err("objectives", "Quadratic.grad(x (3,))", lambda: Q.grad(np.ones(3)), "x")
    err("objectives", "Quadratic.value(x=[nan, 0])", lambda: Q.value([nan, 0.0]), "x")
    err("objectives", "LeastSquares(A (2,2), b (3,))", lambda: LeastSquares(np.eye(2), np.ones(3)), "b")
    err("objectives", "LeastSquares(A=[])", lambda: LeastSquares(np.zeros((0, 2)), np.zeros(0)), "A")
    err("objectives", "reshuffling_batches(m=0)", lambda: reshuffling_batches(0, 1, 0), "m")
    err("objectives", "reshuffling_batches(batch_size=-2)", lambda: reshuffling_batches(5, -2, 0), "batch_size")
    err("objectives", "reshuffling_batches(seed=-1)", lambda: reshuffling_batches(5, 2, -1), "seed")
    err("objectives", "LeastSquares.sampler(batch_size=0)",
        lambda: LeastSquares(np.eye(2), np.ones(2)).sampler(0), "batch_size")
    val("objectives", "Quadratic.minimizer", lambda: Quadratic([[2.0, 0], [0, 4.0]], c=[2.0, 4.0]).minimizer(),
        lambda x: np.allclose(x, [-1.0, -1.0]))            # f = x^T Q x / 2 + c^T x
    # -- problems and data sets ------------------------------------------------------------------
    err("data", "two_spirals(10**9)", lambda: two_spirals(10**9), "n")
    err("data", "two_spirals(0)", lambda: two_spirals(0), "n")
    err("data", "two_spirals(7)", lambda: two_spirals(7), "n")
    err("data", "two_spirals(noise=nan)", lambda: two_spirals(10, noise=nan), "noise")
    err("data", "two_spirals(noise=1, seed=-1)", lambda: two_spirals(10, noise=1.0, seed=-1), "seed")
    err("data", "two_spirals(n=10.0)", lambda: two_spirals(10.0), "n")
    err("data", "make_wilson(20000, 20000)", lambda: make_wilson(20000, 20000), "n_train")
    err("data", "make_wilson(seed=-3)", lambda: make_wilson(4, 2, seed=-3), "seed")
    err("data", "make_wilson(p=nan)", lambda: make_wilson(4, 2, p=nan), "p")
    err("data", "make_wilson(n_train=0)", lambda: make_wilson(0, 2), "n_train")
    err("data", "lines_problem(seed=-1)", lambda: problems.lines_problem(seed=-1), "seed")
    err("data", "lines_problem(m=10**9)", lambda: problems.lines_problem(m=10**9), "m")
    err("data", "ellipses_problem(m=10**9)", lambda: problems.ellipses_problem(m=10**9), "m")
    err("data", "ellipses_problem(seed=-1)", lambda: problems.ellipses_problem(seed=-1), "seed")
    err("data", "noisy_gradient_stream(steps=10**10)",
        lambda: problems.noisy_gradient_stream([0.0, 1.0], [1.0, 1.0], 10**10), "steps")
    err("data", "noisy_gradient_stream(seed=-1)",
        lambda: problems.noisy_gradient_stream([0.0, 1.0], [1.0, 1.0], 3, seed=-1), "seed")
    err("data", "noisy_gradient_stream(std=[nan, 1])",
        lambda: problems.noisy_gradient_stream([0.0, 1.0], [nan, 1.0], 3), "std")
    err("data", "noisy_oracle(seed=-1)", lambda: problems.noisy_oracle(Q.grad, 1.0, seed=-1), "seed")
    val("data", "two_spirals(4) by hand", lambda: two_spirals(4, turns=0.5),
        lambda r: np.allclose(r[0], [[0, 0.5], [0, -0.5], [-1, 0], [1, 0]], atol=1e-12))
    # -- models/adaptive batch_sequence ------------------------------------------------------------
    from course_utils.models.adaptive import batch_sequence
    p = problems.ellipses_problem(m=8, seed=0, condition=6.0)
    err("data", "batch_sequence(p, 2, 0, 10**8)", lambda: batch_sequence(p, 2, 0, 10**8), "iterations")
    err("data", "batch_sequence(p, 2, -1, 3)", lambda: batch_sequence(p, 2, -1, 3), "seed")
    err("data", "batch_sequence(p, 0, 0, 3)", lambda: batch_sequence(p, 0, 0, 3), "batch_size")
    # -- nets and landscape -----------------------------------------------------------------------
    spec = nets.default_spec()
    th = nets.init_theta(1.0, np.random.default_rng(0))
    X, y = two_spirals(20)
    for c in (-1, 0, 2.5, True):
        err("nets", f"loss(chunk={c!r})", lambda c=c: spec.loss(th, X, y, chunk=c), "chunk")
        err("nets", f"input_gradient(chunk={c!r})", lambda c=c: spec.input_gradient(th, X, chunk=c), "chunk")
        err("nets", f"loss_grid(chunk={c!r})",
            lambda c=c: landscape.loss_grid(th, th, th, X, y, [0.0, 1.0], [0.0], chunk=c), "chunk")
    err("nets", "loss(theta nan)", lambda: spec.loss(np.full_like(th, nan), X, y), "theta")
    err("nets", "loss(y (3,))", lambda: spec.loss(th, X, np.ones(3)), "y")
    err("nets", "loss(X (20, 3))", lambda: spec.loss(th, np.ones((20, 3)), y), "X")
    err("nets", "init_theta(sigmas=-1)", lambda: nets.init_theta(-1.0, np.random.default_rng(0)), "sigmas")
    err("nets", "init_theta(sigmas=nan)", lambda: nets.init_theta(nan, np.random.default_rng(0)), "sigmas")
    err("nets", "init_theta(rng=0)", lambda: nets.init_theta(1.0, 0), "rng")
    err("landscape", "loss_grid(alphas 3000 x betas 3000)",
        lambda: landscape.loss_grid(th, th, th, X, y, np.zeros(3000), np.zeros(3000)), "alphas")
    err("landscape", "directions(seed=-1)", lambda: landscape.directions(th, seed=-1), "seed")
    err("landscape", "directions(kind='x')", lambda: landscape.directions(th, kind="x"), "kind")
    err("landscape", "random_direction(size=0)", lambda: landscape.random_direction(0, np.random.default_rng(0)), "size")
    err("landscape", "loss_along(ts=[nan])", lambda: landscape.loss_along(th, th, [nan], X, y), "ts")
    val("nets", "loss(chunk=1) == loss()", lambda: (spec.loss(np.stack([th, th]), X, y, chunk=1),
                                                    spec.loss(np.stack([th, th]), X, y)),
        lambda r: np.allclose(r[0], r[1], rtol=1e-12))
    # -- metric and projection --------------------------------------------------------------------
    from course_utils.metric import Metric
    err("metric", "Metric([1, -1])", lambda: Metric([1.0, -1.0]), "H")
    err("metric", "Metric([[1, 2], [2, 1]])", lambda: Metric([[1.0, 2.0], [2.0, 1.0]]), "H")
    err("metric", "Metric([nan, 1])", lambda: Metric([nan, 1.0]), "H")
    err("metric", "Metric.sphere(n=0)", lambda: Metric([1.0, 1.0]).sphere([0.0, 0.0], n=0), "n")
    err("metric", "Metric.sphere(n=10**10)", lambda: Metric([1.0, 1.0]).sphere([0.0, 0.0], n=10**10), "n")
    err("projection", "projection_point(A nan)", lambda: projection.projection_point([[nan, 1.0]], [1.0], [0.0, 0.0]), "A")
    err("projection", "projection_point(x0 (3,))", lambda: projection.projection_point([[1.0, 1.0]], [1.0], [0.0, 0.0, 0.0]), "x0")
    err("projection", "projection_point(b (2,))", lambda: projection.projection_point([[1.0, 1.0]], [1.0, 2.0], [0.0, 0.0]), "b")
    val("projection", "projection_point by hand", lambda: projection.projection_point([[1.0, 1.0]], [2.0], [0.0, 0.0]),
        lambda x: np.allclose(x, [1.0, 1.0]))
    return out


def widget_cases():
    """App factories (matplotlib Agg, no display)."""
    import numpy as np

    from course_utils.objectives import Quadratic
    Q = Quadratic([[0.1, -0.1], [-0.1, 1.0]])
    out = []
    from course_utils.widgets import adaptive, descent, minima
    out.append(("gd_explorer(x0=(100, 100))", "apps", lambda: descent.gd_explorer(Q, x0=(100.0, 100.0)), "x0"))
    out.append(("gd_explorer(iterations=10**9)", "apps", lambda: descent.gd_explorer(Q, iterations=10**9), "iterations"))
    out.append(("gd_explorer(iterations=0)", "apps", lambda: descent.gd_explorer(Q, iterations=0), "iterations"))
    out.append(("gd_explorer(x0=[nan, 0])", "apps", lambda: descent.gd_explorer(Q, x0=(np.nan, 0.0)), "x0"))
    out.append(("variance_estimate_app(b_v=0.999)", "apps", lambda: adaptive.variance_estimate_app(b_v=0.999), "b_v"))
    out.append(("variance_estimate_app(b_v=0.1)", "apps", lambda: adaptive.variance_estimate_app(b_v=0.1), "b_v"))
    out.append(("variance_estimate_app(steps=10**10)", "apps", lambda: adaptive.variance_estimate_app(steps=10**10), "steps"))
    out.append(("variance_estimate_app(seed=-1)", "apps", lambda: adaptive.variance_estimate_app(seed=-1), "seed"))
    out.append(("sigma_app(n=20000)", "apps", lambda: minima.sigma_app(n=20000), "n"))
    out.append(("sigma_app(n=0)", "apps", lambda: minima.sigma_app(n=0), "n"))
    return [(n, c, f, a) for n, c, f, a in out]


def more_cases():
    from course_utils import landscape, nets, training
    from course_utils.datasets.spirals import two_spirals
    from course_utils.exercises import digits_verdict
    import numpy as np

    # a point of zero loss: a wide random net, kept on the points it classifies with margin >= 1
    th = nets.init_theta(10.0, np.random.default_rng(0))
    Xa, _ = two_spirals(400)
    m = nets.default_spec().forward(th, Xa)
    X, y = Xa[np.abs(m) >= 1][:40], np.sign(m[np.abs(m) >= 1][:40])
    assert X.shape[0] > 0 and nets.default_spec().loss(th, X, y) == 0.0
    return [
        ("flat_radius(t_max=-1)", "landscape", lambda: landscape.flat_radius(th, th, X, y, t_max=-1), "t_max"),
        ("flat_radius(t_max=nan)", "landscape", lambda: landscape.flat_radius(th, th, X, y, t_max=float("nan")), "t_max"),
        ("train(0 data points)", "training",
         lambda: training.train([(1.0, "sgd", 0.1)], np.zeros((0, 2)), np.zeros(0), max_epochs=2), "X"),
        ("digits_verdict(digits=-5)", "exercises", lambda: digits_verdict(1.0, 1.0, digits=-5), "digits"),
        ("digits_verdict(digits=2.5)", "exercises", lambda: digits_verdict(1.0, 1.0, digits=2.5), "digits"),
        ("digits_verdict(answer=nan) is False", "exercises", lambda: digits_verdict(float("nan"), 1.0),
         lambda v: v is False),
        ("flat_radius(t_max=1) in (0, 1]", "landscape", lambda: landscape.flat_radius(th, th, X, y, t_max=1.0),
         lambda r: np.all((r > 0) & (r <= 1.0))),
    ]


def classify(call, expected, mem_gib, timeout):
    """Run ``call`` in a forked child; return (category, detail)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:                                         # the child
        os.close(r)
        import resource
        lim = int(mem_gib * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (lim, lim))
        signal.alarm(timeout)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", RuntimeWarning)
                value = call()
            if isinstance(expected, str):
                res = ("silent", f"returned {type(value).__name__}")
            else:
                res = ("right", "") if expected(value) else ("silent", "a wrong value")
        except (ValueError, TypeError) as e:
            frames = traceback.extract_tb(e.__traceback__)
            where = frames[-1].filename if frames else ""
            msg = str(e)
            ours = "/course_utils/" in where.replace("\\", "/")
            names = isinstance(expected, str) and re.search(rf"\b{re.escape(expected)}\b", msg)
            res = ("clear", msg[:120]) if (ours and names) else ("foreign", f"{type(e).__name__}: {msg[:120]} [{Path(where).name}]")
        except BaseException as e:                       # noqa: BLE001 - what it raised is the datum
            if isinstance(e, TimeoutError) and str(e) == "alarm":
                res = ("hang", "")
            else:
                res = ("foreign", f"{type(e).__name__}: {str(e)[:120]}")
        os.write(w, json.dumps(res).encode())
        os._exit(0)
    os.close(w)
    import select
    ready, _, _ = select.select([r], [], [], timeout + 30)
    data = os.read(r, 65536) if ready else b""
    os.close(r)
    if not data:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    _, status = os.waitpid(pid, 0)
    if not data:
        return ("hang", "no answer") if not os.WIFSIGNALED(status) or os.WTERMSIG(status) in (
            signal.SIGKILL, signal.SIGALRM) else ("foreign", f"killed by signal {os.WTERMSIG(status)}")
    return tuple(json.loads(data))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=str(Path(__file__).resolve().parents[1]))
    ap.add_argument("--memory", type=float, default=3.0, help="GiB of address space per case")
    ap.add_argument("--timeout", type=int, default=20)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    sys.path.insert(0, a.root)
    os.environ.setdefault("MPLBACKEND", "Agg")
    signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(TimeoutError("alarm")))
    import course_utils
    assert Path(course_utils.__file__).resolve().is_relative_to(Path(a.root).resolve()), course_utils.__file__
    all_cases = []
    for make in (cases, widget_cases, more_cases):
        for c in make():
            all_cases.append(c if make is not cases else (c[0], c[1], c[2], c[3]))
    results = []
    for name, cat, call, exp in all_cases:
        kind, detail = classify(call, exp, a.memory, a.timeout)
        results.append({"case": name, "group": cat, "outcome": kind, "detail": detail})
        if not a.json:
            print(f"{kind:8s} {cat:18s} {name}  {detail}", flush=True)
    totals = Counter(r["outcome"] for r in results)
    if a.json:
        print(json.dumps({"totals": totals, "cases": results}, indent=1))
    else:
        print(f"\n{len(results)} cases:", ", ".join(f"{k} {totals.get(k, 0)}"
                                                for k in ("clear", "right", "silent", "foreign", "hang")))


if __name__ == "__main__":
    main()
