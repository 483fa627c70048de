"""``python -m compare``: the command line (see ``compare.cli.main``)."""

import signal
import sys

signal.signal(signal.SIGTERM, signal.default_int_handler)  # SIGTERM while still importing: as Ctrl-C
try:
    from .cli.main import main

    status = main()
except KeyboardInterrupt:  # Ctrl-C while still importing: no traceback either
    print("interrupted", file=sys.stderr)
    status = 130
sys.exit(status)
