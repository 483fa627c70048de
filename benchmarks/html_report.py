"""What ``report --html`` adds to a report: the report's own time and the page's, side by side, in one run.

    python benchmarks/html_report.py [--quick] [--repeats 3]

Runs the report once (``--json``), then builds its HTML page from that data
``--repeats`` times, each in a fresh process that has already imported what
the report imports: what is timed is exactly what ``--html`` adds (importing
matplotlib, drawing every figure, assembling and writing the page). Wall time
and CPU time of each are printed; on a shared machine the CPU time is the
steadier figure. Needs the ``plot`` extra.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PAGE = """
import json, sys, time
import compare.cli.report  # the report has imported this much already
data = json.load(open(sys.argv[1]))
wall, cpu = time.perf_counter(), time.process_time()
from compare.cli.figures import report_page
from compare.cli.html import write_page
write_page(sys.argv[2], report_page(data))
print(json.dumps({"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu}))
"""


def _child_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python benchmarks/html_report.py", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="time report --quick instead of the default report")
    parser.add_argument("--repeats", type=int, default=3, help="pages built (default 3; the median is shown)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        data_path, page_path = Path(tmp) / "report.json", Path(tmp) / "report.html"
        command = [sys.executable, "-m", "compare", "report", *(["--quick"] if args.quick else []),
                   "--json", str(data_path)]
        wall, cpu = time.perf_counter(), _child_cpu()
        subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        report = {"wall": time.perf_counter() - wall, "cpu": _child_cpu() - cpu}
        pages = []
        for _ in range(args.repeats):
            out = subprocess.run([sys.executable, "-c", PAGE, str(data_path), str(page_path)], cwd=ROOT, check=True,
                                 capture_output=True, text=True)
            pages.append(json.loads(out.stdout))
        size = page_path.stat().st_size
    page = {k: statistics.median(p[k] for p in pages) for k in ("wall", "cpu")}
    name = "report --quick" if args.quick else "report (default)"
    print(f"{'':28}{'wall':>9}{'cpu':>9}")
    print(f"{name:28}{report['wall']:8.2f}s{report['cpu']:8.2f}s")
    print(f"{'--html adds (median of ' + str(args.repeats) + ')':28}{page['wall']:8.2f}s{page['cpu']:8.2f}s")
    print(f"page: {size / 1024:.0f} KiB; --html adds {page['wall'] / report['wall']:.0%} of the report's wall time")
    return 0


if __name__ == "__main__":
    sys.exit(main())
