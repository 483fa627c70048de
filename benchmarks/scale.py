"""How a sweep scales (issue 16): throughput by executor, peak memory by sweep size, side by side in one run.

    python benchmarks/scale.py [--scale-n 3000] [--scale-depth 2] [--scale-sizes 1000,10000]

The same as ``python -m compare bench --scale`` (see ``compare/cli/scale.py``
for what each table measures). Needs the dask extra: ``pip install -e '.[dask]'``.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from compare.cli.main import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(["bench", "--scale", *sys.argv[1:]]))
