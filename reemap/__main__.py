"""``python -m reemap``: the same command line as the ``reemap`` script."""

import sys

from reemap.cli import main

sys.exit(main())
