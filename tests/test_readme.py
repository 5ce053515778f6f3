"""Every `$ timeline ...` example in the README runs, in order, against one fresh database,
and prints exactly what the README shows.

Conventions of the README's ```console blocks: commands run in a folder holding the
coded data samples of a clone (tests/data/coded), with
TIMELINE_DB=timeline.db and TIMELINE_NOW=2026-11-28T09:00:00Z unless the line sets
another `NAME=value` first; `| head -N` and `| tail -N` are honoured; an output with
a `...` line is an excerpt (its other lines must appear in that order). A ```yaml block
whose first line is `# NAME` is written to file NAME before the next command runs.

After changing the README's commands, `python -m tests.test_readme --update` rewrites
the outputs of the non-excerpt blocks from a real run.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from tests.conftest import REPO
from timeline.cli import app

README = REPO / "README.md"
BLOCK = re.compile(r"```(console|yaml)\n(.*?)```", re.S)
DEFAULT_ENV = {"TIMELINE_DB": "timeline.db", "TIMELINE_NOW": "2026-11-28T09:00:00Z"}


@dataclass
class Example:
    command: str
    shown: list[str]  # the output lines as the README shows them
    start: int  # offsets of the output in the README text
    end: int

    @property
    def excerpt(self) -> bool:
        return "..." in self.shown


def examples(text: str) -> Iterator[Example | tuple[str, str]]:
    """Console examples, and (file name, content) for files the README writes."""
    for block in BLOCK.finditer(text):
        kind, body = block.group(1), block.group(2)
        if kind == "yaml":
            first, _, rest = body.partition("\n")
            if first.startswith("# ") and first.endswith(".yaml"):
                yield first[2:], rest
            continue
        offset = block.start(2)
        parts = re.split(r"^(\$ .*\n)", body, flags=re.M)
        pos = offset + len(parts[0])
        for i in range(1, len(parts), 2):
            command, output = parts[i], parts[i + 1]
            start = pos + len(command)
            yield Example(command[2:].strip(), output.splitlines(), start, start + len(output))
            pos = start + len(output)


@contextmanager
def _cwd(path: Path) -> Iterator[None]:
    old = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


def run(command: str) -> list[str]:
    """Run one README command line (in the current folder) and return its output lines."""
    words = shlex.split(command)
    env = dict(DEFAULT_ENV)
    while words and re.fullmatch(r"[A-Z_]+=.*", words[0]):
        name, _, value = words.pop(0).partition("=")
        env[name] = value
    pipe = None
    if "|" in words:
        i = words.index("|")
        words, pipe = words[:i], words[i + 1 :]
    assert words[0] == "timeline", command
    result = CliRunner().invoke(app, words[1:], env=env, catch_exceptions=False)
    lines = (result.stdout + result.stderr).splitlines()
    if pipe:
        n = int(pipe[1].lstrip("-n").lstrip("-") or 10)
        lines = lines[:n] if pipe[0] == "head" else lines[-n:]
    return lines


SAMPLES = "tests/data/coded"  # the real coded data the README imports, as in a clone


def run_all(text: str) -> list[tuple[Example, list[str]]]:
    out = []
    with tempfile.TemporaryDirectory() as tmp, _cwd(Path(tmp)):
        shutil.copytree(REPO / SAMPLES, Path(tmp) / SAMPLES)
        for item in examples(text):
            if isinstance(item, tuple):
                Path(item[0]).write_text(item[1])
            else:
                out.append((item, run(item.command)))
    return out


def _in_order(wanted: list[str], actual: list[str]) -> bool:
    it = iter(actual)
    return all(any(line == a for a in it) for line in wanted if line != "...")


def test_every_readme_example_prints_what_the_readme_shows() -> None:
    results = run_all(README.read_text())
    assert len(results) >= 15
    for example, actual in results:
        if example.excerpt:
            assert _in_order(example.shown, actual), example.command
        else:
            assert example.shown == actual, example.command


PYTHON = re.compile(r"```python\n(>>> .*?)```", re.S)


def test_the_python_examples_in_the_readme_run_as_shown() -> None:
    import doctest

    blocks = PYTHON.findall(README.read_text())
    assert blocks, "the README has a 'Using timeline from Python' section"
    parser, runner = doctest.DocTestParser(), doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    with tempfile.TemporaryDirectory() as tmp, _cwd(Path(tmp)):
        for n, block in enumerate(blocks):
            test = parser.get_doctest(block, {}, f"README python block {n + 1}", "README.md", 0)
            runner.run(test)
    assert runner.summarize(verbose=False).failed == 0


def update() -> None:
    text = README.read_text()
    for example, actual in reversed(run_all(text)):
        if not example.excerpt:
            text = (
                text[: example.start]
                + "".join(f"{line}\n" for line in actual)
                + text[example.end :]
            )
    README.write_text(text)


if __name__ == "__main__" and "--update" in sys.argv:
    update()
