"""The HTML report as a person sees it: opened in headless Chromium, offline.

A copy of the page gets two small probe scripts (the page itself has none): one
at the top records every error and ``console.error``, one at the end measures
each figure and table as laid out; ``--dump-dom`` then hands back the probe's
findings. Every host name resolves nowhere, so a page that fetched anything
would record an error.
"""

import json
import re
import shutil
import subprocess

import pytest

CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed "
                                                         "(Debian: apt install chromium); the page is not opened")

TOP = """<script>window.__errors = [];
addEventListener("error", e => __errors.push(String(e.message || (e.target && e.target.outerHTML) || e.type)), true);
const __console_error = console.error;
console.error = (...args) => { __errors.push(args.join(" ")); __console_error(...args); };</script>"""
END = """<script>
const box = e => { const r = e.getBoundingClientRect(); return {w: r.width, h: r.height}; };
const probe = {
  errors: __errors,
  figures: [...document.querySelectorAll("figure")].map(f => {
    const svg = f.querySelector("svg");
    return {name: svg && svg.dataset.figure, ...box(svg || f), lines: svg ? svg.querySelectorAll("path").length : 0,
            caption: f.querySelector("figcaption").textContent.length};
  }),
  tables: [...document.querySelectorAll("table")].map(t => ({...box(t), rows: t.rows.length})),
  page: {w: document.documentElement.scrollWidth, viewport: innerWidth},
};
const out = document.createElement("pre"); out.id = "probe"; out.textContent = JSON.stringify(probe);
document.body.appendChild(out);
</script>"""


def open_in_chromium(path, tmp_path, width=1280):
    """The probe's findings for the page at ``path``, and Chromium's own log."""
    probed = tmp_path / "probed.html"
    page = path.read_text()
    probed.write_text(page.replace("<head>", "<head>" + TOP, 1).replace("</body>", END + "</body>", 1))
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
           f"--user-data-dir={tmp_path / 'profile'}", '--host-resolver-rules=MAP * ~NOTFOUND',
           f"--window-size={width},900", "--virtual-time-budget=5000", "--enable-logging=stderr", "--v=0",
           "--dump-dom", probed.as_uri()]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    found = re.search(r'<pre id="probe">(.*?)</pre>', done.stdout, flags=re.S)
    assert found, f"Chromium gave no page (exit {done.returncode}): {done.stderr[-2000:]}"
    return json.loads(found.group(1).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")), done.stderr


def test_report_loads_in_chromium_without_errors_and_every_figure_has_a_size(quick_report, tmp_path):
    _, _, _, path = quick_report
    probe, log = open_in_chromium(path, tmp_path)
    assert probe["errors"] == []
    console = [line for line in log.splitlines() if "CONSOLE" in line and ("rror" in line or "Uncaught" in line)]
    assert console == []
    names = [f["name"] for f in probe["figures"]]
    assert names == ["ratio-depth", "ratio-op", "cost", "swell", "training-0", "training-1"]
    for f in probe["figures"]:
        assert f["w"] > 300 and f["h"] > 150, f  # laid out at a readable size, not collapsed
        assert f["w"] <= probe["page"]["viewport"], f  # and no wider than the window
        assert f["lines"] > 20 and f["caption"] > 40, f
    assert len(probe["tables"]) >= 7 and all(t["w"] > 0 and t["h"] > 0 and t["rows"] > 1 for t in probe["tables"])


def test_report_fits_a_narrow_window_without_sideways_scrolling(quick_report, tmp_path):
    _, _, _, path = quick_report
    probe, _ = open_in_chromium(path, tmp_path, width=800)
    assert probe["errors"] == []
    assert probe["page"]["w"] <= probe["page"]["viewport"]  # wide tables scroll inside their own box
    assert all(f["w"] <= probe["page"]["viewport"] for f in probe["figures"])
