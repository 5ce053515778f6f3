"""The pure core never reads the clock (time is passed in). Which modules may import what
is held by import-linter's contracts in pyproject.toml, run by `make lint`; this test runs
them too, so that a plain `pytest` catches a broken layer."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO

PURE = sorted(
    str(p.relative_to(REPO / "timeline"))
    for folder in ("core", "formats")  # the pure packages (pyproject.toml names them too)
    for p in (REPO / "timeline" / folder).rglob("*.py")
)


@pytest.mark.parametrize("module", PURE)
def test_pure_modules_never_read_the_clock(module: str) -> None:
    text = (REPO / "timeline" / module).read_text()
    assert "datetime.now" not in text and ".now(" not in text and "date.today" not in text


@pytest.mark.slow
def test_the_import_contracts_hold() -> None:
    lint = shutil.which("lint-imports") or str(Path(REPO / ".venv" / "bin" / "lint-imports"))
    result = subprocess.run([lint], cwd=REPO, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout
    assert "0 broken" in result.stdout


def _source_lines() -> list[tuple[str, int, str, str]]:
    """(module, line number, line, the line before) of every line in timeline/."""
    out = []
    for path in sorted((REPO / "timeline").rglob("*.py")):
        lines = path.read_text().splitlines()
        for n, line in enumerate(lines, 1):
            out.append((str(path.relative_to(REPO)), n, line, lines[n - 2] if n > 1 else ""))
    return out


def test_no_assert_steers_the_code() -> None:
    # python -O drops them: an invariant worth checking raises an exception of its own
    found = [f"{m}:{n}" for m, n, line, _ in _source_lines() if line.lstrip().startswith("assert ")]
    assert found == []


def test_every_type_ignore_says_why() -> None:
    # a reason after it on its line, or a comment on the line above
    found = [
        f"{m}:{n}"
        for m, n, line, before in _source_lines()
        if "# type: ignore" in line
        and "#" not in line.split("# type: ignore", 1)[1]
        and not before.lstrip().startswith("#")
    ]
    assert found == []
