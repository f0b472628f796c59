"""``python -m course_utils.experiments ...``: the command line (:mod:`.cli`)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
