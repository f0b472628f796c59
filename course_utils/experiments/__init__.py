r"""The lecture's σ experiment ("sharp versus flat minima"), cached, with a command-line interface.

Ten networks (2 -> 15 x 25 -> 1, residual, ReLU; :mod:`course_utils.nets`) are trained on two
interleaved spirals (n = 100, 1.5 turns) with the hinge loss and no regularization, for the
initialization scales σ in {0.01, 0.1, 1, 5, 10}, by Adam and by SGD (mini-batches of 20, the same
batch order for both), each until the full training loss is exactly 0 (checked once per epoch).
:func:`sharp_flat` returns the runs and caches them, so widgets switch between them instantly.

Many seeds: :func:`sweep` trains the experiment for several seeds at once (all runs of all seeds
in one batched stack per worker thread) and :func:`measure` adds what a single seed cannot show:
test accuracy on held-out points (the *test set* is ``two_spirals(1000, noise=0.03, seed=1)``,
:func:`test_data`), the measured Lipschitz constant (largest :math:`\|\nabla_x m(x)\|` over a
fine grid of the data box :math:`[-1.2, 1.2]^2`, always :math:`\le L_m`), the sharpness (the top
eigenvalue of the Gauss-Newton matrix :math:`J^TJ/N` of the outputs at θ_end -- not of the Hessian
of the hinge loss, which is 0 at a point of zero loss) and the flat radius
(:func:`course_utils.landscape.flat_radius`, median over 10 unit directions).

Command line::

    python -m course_utils.experiments sharp-flat                   # the markdown table, seed 0
    python -m course_utils.experiments sharp-flat --seeds 0-9       # ten seeds (also 13,21 or 0-3,7)
    python -m course_utils.experiments sharp-flat --json            # one record per run
    python -m course_utils.experiments sharp-flat --seed 3 --adam-step 1e-3 --sigmas 0.01,1
    python -m course_utils.experiments sharp-flat --sgd-step 0.3,0.3,0.1,1.5e-6,3e-10
    python -m course_utils.experiments sharp-flat --fair --adam-step 1e-3   # the fair protocol
    python -m course_utils.experiments sharp-flat --seeds 0-9 --save runs.npz [--force]
    python -m course_utils.experiments tune-steps                   # the protocol's step choice
    python -m course_utils.experiments build-study [--add-fair]     # make study

The step sizes: ``--adam-step`` is Adam's γ and ``--sgd-step`` SGD's, each one number for every σ
or a comma-separated list with one per σ (``--sgd-steps``, the spelling of issue #12, is
accepted as well). ``--fair`` takes both from the fair protocol (:mod:`.protocol`: one rule for
both optimizers, chosen per σ, stored with the study) and trains every run
:data:`.protocol.EXTRA_EPOCHS` epochs past its first zero-loss epoch (``--extra-epochs N`` sets
that alone). In Python the same is the ``step`` argument of :func:`sweep` and :func:`sharp_flat`:
``step={"adam": 1e-3, "sgd": (0.3, 0.3, 0.1, 1.5e-6, 3e-10)}``, and ``extra_epochs=``.

``--save`` writes exactly the file named, which must end in ``.npz`` (``out.txt`` or ``adir`` is
refused, not turned into ``out.txt.npz``); its folder is checked before training, and an
existing file is kept unless ``--force``. ``--seeds`` may ask for at most 10,000 seeds, and runs
whose memory would exceed half of what is available are refused before anything is allocated.
Ctrl-C stops every worker within about a second, prints and saves the runs that had finished,
and exits with status 130.

A progress bar goes to stderr. A run that diverges is reported as such (``diverged`` in the table,
``null`` numbers in the JSON), never a crash. This package imports neither matplotlib nor ipywidgets. Its modules, by kind: :mod:`.config`
(σ, default steps, data, argument checks), :mod:`.runs` (training, cached), :mod:`.protocol` (the
fair step-size rule), :mod:`.measures` (what an end point is measured by), :mod:`.stats`
(intervals and verdicts), :mod:`.tables` (records and markdown), :mod:`.study` (the shipped
study), :mod:`.cli` (the command line). Everything is importable from the package itself.
"""

from .. import landscape, nets, training  # noqa: F401  (experiments.training as before the split)
from .config import (ADAM_STEP, PLANE_TEST_SET, SGD_STEPS, SIGMAS, SLIDES, TEST_SET, _algorithms,
                     _seeds, _sigmas, check_step, data, parse_seeds, plane_test_data, sgd_step,
                     test_data)
from .runs import SweepResults, cache_clear, sharp_flat, sweep
from .measures import (DECISION_GRID, LANDSCAPE_N, LANDSCAPE_SPANS, decision_arrays, decision_signs,
                       landscape_grids, largest_stable_step, lipschitz_measured, measure,
                       output_scale)
from . import protocol
from .tables import records, save_npz, slides_markdown, table_markdown
from .study import (FAIR_DEFAULT, STUDY_DIR, STUDY_NAME, STUDY_SEEDS, STUDY_SETTINGS, Study,
                    StudyCorrupt, add_fair_settings, build_study, fair_setting_names, load_study,
                    read_study_arrays, save_study)
from .cli import ProgressBar, main

__all__ = ["SweepResults", "SIGMAS", "SGD_STEPS", "ADAM_STEP", "SLIDES", "TEST_SET", "data", "test_data",
           "sharp_flat", "sweep", "check_step", "decision_signs", "measure", "lipschitz_measured",
           "largest_stable_step",
           "parse_seeds", "records", "save_npz", "table_markdown", "slides_markdown",
           "ProgressBar", "main", "STUDY_SETTINGS", "LANDSCAPE_SPANS", "Study",
           "load_study", "build_study", "save_study", "landscape_grids", "StudyCorrupt",
           "add_fair_settings", "read_study_arrays", "fair_setting_names", "FAIR_DEFAULT",
           "plane_test_data", "PLANE_TEST_SET", "output_scale", "protocol"]
