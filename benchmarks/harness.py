"""Harness benchmark: functions checked per second by depth, SymEngine + balls against the SymPy path.

    python benchmarks/harness.py [--n 20] [--depth 1..10] [--seed 0] [--points 3] [--format simple] [--json PATH]

The same as ``python -m compare bench --harness``; what it measures is in
:mod:`compare.harness_bench`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from compare.cli import bench  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python benchmarks/harness.py", description=bench.HELP)
    bench.add_arguments(parser)
    return bench.run(parser.parse_args(["--harness", *(sys.argv[1:] if argv is None else argv)]))


if __name__ == "__main__":
    sys.exit(main())
