"""``python -m compare``: the command line (see ``compare.cli.main``)."""

import sys

try:
    from .cli.main import main

    status = main()
except KeyboardInterrupt:  # Ctrl-C while still importing: no traceback either
    print("interrupted", file=sys.stderr)
    status = 130
sys.exit(status)
