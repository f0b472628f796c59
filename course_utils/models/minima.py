"""The numbers behind notebook 04's apps (:mod:`course_utils.widgets.minima`): the runs of the σ
experiment, their decision regions and the loss landscapes around their end points.

* :class:`SigmaRuns`: the runs of one seed at a given step size (a
  :class:`course_utils.experiments.SweepResults`), where each run's m(x) > 0 on a grid, and axis
  limits that hold the L_m histories of all its runs.
* :class:`Landscapes`: loss grids around SGD's and Adam's θ_end at one σ, on the same directions.

Both read the study shipped with the package (:func:`course_utils.experiments.load_study`: seed 0,
Adam steps 1e-3, 3e-3, 1e-2, decision grids of 161 x 161 points, landscape grids of 51 x 51) when
it holds what is asked, and otherwise train or compute it once: every result goes through a
:class:`course_utils.cache.BoundedCache`. ``step`` arguments are the dicts of
:func:`course_utils.experiments.sharp_flat` (``{"adam": γ, "sgd": γ or one γ per σ}``; a missing
key is the default step).

This module imports neither matplotlib nor ipywidgets.
"""

from __future__ import annotations

import numpy as np

from .. import _checks, experiments, training
from ..cache import BoundedCache

__all__ = ["SigmaRuns", "Landscapes", "ADAM_STEPS", "shipped_study"]

#: The Adam steps whose runs the shipped study holds (the apps offer these).
ADAM_STEPS = (1e-3, 3e-3, 1e-2)


def shipped_study():
    """The study shipped with the package, or None when its files are missing."""
    try:
        return experiments.load_study()
    except FileNotFoundError:
        return None


def _study(study):
    """``True``: the shipped study (if present); ``None`` or ``False``: none; else a Study."""
    if study is True:
        return shipped_study()
    return study or None


class SigmaRuns:
    r"""The runs of the σ experiment for one seed, per step size, and their decision regions.

    Parameters
    ----------
    seed : the seed of the runs (the study holds seed 0; another seed is trained on first use)
    lim, n : the decision grid, ``n x n`` points over ``[-lim, lim]^2``
    study : ``True`` (the shipped study, if present), ``None`` (train everything) or a Study

    ``progress``, a callable ``(done, total, epoch)`` or None, is told about a training's progress.

    Example
    -------
    >>> model = SigmaRuns(n=41)
    >>> model.results({"adam": 1e-3}).get(0.01, "adam").config.step
    0.001
    >>> model.decision(0.01, "adam", {"adam": 1e-3}).shape, model.ready({"adam": 1e-3})
    ((41, 41), True)
    """

    def __init__(self, seed=0, lim=1.15, n=161, study=True):
        self.seed = training.check_seed(seed)
        self.lim = _checks.positive(lim, "lim")
        self.n = _checks.positive_int(n, "n")
        self.study = _study(study)
        self.progress = None
        self._results = BoundedCache(self._load_or_train, maxsize=len(ADAM_STEPS) + 1)
        self._decision = BoundedCache(self._decision_of, maxsize=4 * 2 * len(experiments.SIGMAS))

    def ready(self, step=None):
        """Whether :meth:`results` at ``step`` is at hand (stored or cached: no training)."""
        step = experiments.check_step(step)
        return step in self._results or self._stored(step) is not None

    def results(self, step=None):
        """The runs at ``step``: a SweepResults, Adam's then SGD's, each in the order of σ."""
        return self._results(experiments.check_step(step))

    def decision(self, sigma, algorithm, step=None):
        """Where the run's m(x) > 0 on the grid: ``(n, n)`` booleans, rows following x2."""
        return self._decision(float(sigma), algorithm, experiments.check_step(step))

    def lipschitz_limits(self, step=None, sigma=None):
        """Log-axis limits ``((x0, x1), (y0, y1))`` that hold the L_m history (epoch, L_m) of every
        run at ``step`` (or, with ``sigma``, of both runs at that σ, with a decade of room above
        and below, so that at σ = 5 and 10, where L_m is 10^12 to 10^16 from the start, the curves
        sit inside the axes rather than on the top edge), so that switching the algorithm does not
        move the axes."""
        runs = self.results(step)
        if sigma is not None:
            runs = [r for r in runs if np.isclose(r.sigma, float(sigma), rtol=1e-12)]
        hist = [r.history for r in runs]
        hi_x = max(float(np.max(h["lipschitz_epoch"])) for h in hist)
        lo_y = min(float(np.min(h["lipschitz"])) for h in hist)
        hi_y = max(float(np.max(h["lipschitz"])) for h in hist)
        pad = 10.0 if sigma is not None else 3.0
        return (0.5, 1.5 * max(hi_x, 1.0)), (lo_y / pad, hi_y * pad)

    def _stored(self, step):
        """The study's setting holding the runs of this seed at ``step``, or None."""
        st = self.study
        if st is not None and st.has_results(self.seed, step):
            return st.setting_of(step)
        return None

    def _load_or_train(self, step):
        sgd_only = {"sgd": step["sgd"]}             # SGD's runs do not depend on Adam's step
        setting = self._stored(step)
        if setting is not None:
            return experiments.SweepResults(
                self.study.results(setting, algorithms="adam")
                + self.study.results(self._stored(sgd_only), algorithms="sgd"))
        full = experiments.sharp_flat(self.seed, step=sgd_only, progress=self.progress)
        if step["adam"] == experiments.ADAM_STEP:
            return full
        adam = experiments.sharp_flat(self.seed, step=step, algorithms="adam",
                                      progress=self.progress)
        return experiments.SweepResults(adam + full.select("sgd"))

    def _decision_of(self, sigma, algorithm, step):
        st = self.study
        setting = self._stored(step if algorithm == "adam" else {"sgd": step["sgd"]})
        if setting is not None and st.decision_grid == {"n": self.n, "lim": self.lim}:
            return st.decision(sigma, algorithm, setting) > 0
        theta = self.results(step).get(sigma, algorithm).theta_end
        return experiments.decision_signs(theta, self.lim, self.n)


class Landscapes:
    r"""Loss grids around θ_end of SGD and Adam at one σ, on the same directions and axes.

    ``grid(sigma, kind)`` is ``(ab, {"sgd": Z, "adam": Z})``: ``Z[i, j]`` is the training loss at
    :math:`\theta_{\rm end} + a_j d_1 + b_i d_2` for ``ab`` the ``n`` values of ``[-span, span]``,
    with the directions of :func:`course_utils.experiments.landscape_grids` (``kind`` "plain":
    unit directions, "filter": filter-normalized). From the study when it has them (seed 0,
    ``n = 51``, the default spans), else computed from the runs of ``seed`` and cached.

    Parameters
    ----------
    seed, n : the runs' seed and the grid size
    spans : kind -> half-width of the grid (default :data:`course_utils.experiments.LANDSCAPE_SPANS`)
    study : as for :class:`SigmaRuns`

    Example
    -------
    >>> ab, Z = Landscapes().grid(10.0, "plain")
    >>> ab.shape, Z["sgd"].shape, float(Z["adam"][25, 25])        # θ_end itself: loss 0
    ((51,), (51, 51), 0.0)
    """

    def __init__(self, seed=0, n=experiments.LANDSCAPE_N, spans=None, study=True):
        self.seed = training.check_seed(seed)
        self.n = _checks.positive_int(n, "n")
        self.spans = dict(experiments.LANDSCAPE_SPANS, **(spans or {}))
        self.study = _study(study)
        self.runs = SigmaRuns(self.seed, study=self.study)
        self._grids = BoundedCache(self._load_or_compute,
                                   maxsize=len(self.spans) * len(experiments.SIGMAS))

    def ready(self, sigma, kind):
        """Whether :meth:`grid` is at hand (stored or cached: no computing)."""
        return (float(sigma), kind) in self._grids or self._stored(kind)

    def grid(self, sigma, kind):
        """``(ab, {"sgd": Z, "adam": Z})`` around the end points of σ's runs (see the class)."""
        if kind not in self.spans:
            raise ValueError(f"kind must be one of {sorted(self.spans)}; got {kind!r}")
        if float(sigma) not in experiments.SIGMAS:
            raise ValueError(f"sigma must be one of {experiments.SIGMAS}; got {sigma!r}")
        return self._grids(float(sigma), kind)

    def _stored(self, kind):
        st = self.study
        return (st is not None and self.seed == st.seeds[0] and self.n == st.meta["landscape"]["n"]
                and self.spans[kind] == st.meta["landscape"]["spans"][kind])

    def _load_or_compute(self, sigma, kind):
        if self._stored(kind):
            return self.study.grid(sigma, kind)
        runs = self.runs.results()
        return experiments.landscape_grids(
            runs.get(sigma, "sgd").theta_end, runs.get(sigma, "adam").theta_end, kind,
            span=self.spans[kind], n=self.n)
