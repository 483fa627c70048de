"""``python -m compare``: the command line (see ``compare.cli``)."""

import sys

from .cli import main

sys.exit(main())
