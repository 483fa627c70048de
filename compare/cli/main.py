"""The command line: ``python -m compare report | check | swell | train | bench | selftest | engines``.

Every subcommand is a module with ``NAME``, ``HELP``, ``add_arguments(parser)``
and ``run(args) -> int``; this file only gathers them. Exit status: 0 when
everything agrees, 1 when a check disagrees (or a mutant survives, or training
refuses to start), 2 for a usage error (one line on stderr, no traceback),
130 when interrupted. The library raises ordinary exceptions; a ``ValueError``
from it (bad settings, a point outside the domain: ``DomainError`` is one) is
a usage error here.
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from . import bench, check, engines, report, selftest, swell, train
from ..errors import UsageError

__all__ = ["main", "build_parser", "COMMANDS"]

COMMANDS = (report, check, swell, train, bench, selftest, engines)


class _Parser(argparse.ArgumentParser):
    """argparse, with a usage error as one line and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message} (see --help)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m compare",
        description="Automatic, symbolic and finite-difference gradients, side by side.",
        epilog="Exit status: 0 all agree, 1 a disagreement, 2 a usage error, 130 interrupted.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for command in COMMANDS:
        p = sub.add_parser(command.NAME, help=command.HELP, description=command.HELP)
        command.add_arguments(p)
        p.set_defaults(run=command.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        if not argv or argv[0].startswith("-") and argv[0] not in ("-h", "--help"):
            argv = ["report", *argv]  # report is the default command
        args = parser.parse_args(argv)
        return args.run(args)
    except ValueError as exc:  # UsageError, and the library's ValueError family
        print(str(exc).splitlines()[0], file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
