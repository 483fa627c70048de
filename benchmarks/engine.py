"""Engine benchmark: toygrad against micrograd 0.1.0 (and PyTorch), side by side.

    python benchmarks/engine.py [--repeats 7] [--chain 100000] [--micrograd-repeats 3] [--format simple] [--json PATH]

The same as ``python -m compare bench``; the code and what it measures are in
:mod:`compare.bench`. micrograd and torch come from the ``bench`` extra:
``pip install -e '.[bench]'``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from compare.cli import bench  # noqa: E402  (imports neither torch nor SymPy)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python benchmarks/engine.py", description=bench.HELP)
    bench.add_arguments(parser)
    return bench.run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
