"""``python -m course_utils.experiments ...``: the command line (:mod:`.cli`)."""

import sys

from .cli import main

sys.exit(main())
