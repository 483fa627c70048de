"""The README's Python examples run, and its two set-up commands are the ones CI runs."""

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_readme_python_examples_run():
    namespace: dict = {}
    blocks = re.findall(r"```python\n(.*?)```", README, re.S)
    assert blocks
    for block in blocks:
        if "def test_" in block:  # a pattern for the reader's own suite, not a script
            compile(block, "README.md", "exec")
            continue
        if block.startswith("Op("):  # a row of the table, quoted: it must be the row as written
            words = " ".join(block.split())
            assert words in " ".join((ROOT / "toygrad" / "ops.py").read_text().split())
            continue
        exec(compile(block, "README.md", "exec"), namespace)


def test_readme_opens_with_the_two_commands_ci_runs():
    first = re.search(r"```bash\n(.*?)```", README, re.S).group(1).splitlines()
    assert first == [
        "python -m pip install -e . && python -m compare report",
        "python -m pip install -e '.[test]' && python -m pytest",
    ]
    ci = (ROOT / ".ci" / "run").read_text()
    assert all(line in ci for line in first)
