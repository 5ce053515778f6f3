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


@pytest.mark.parametrize(
    "module", sorted(str(p.relative_to(REPO)) for p in (REPO / "timeline").rglob("*.py"))
)
def test_no_module_grows_past_400_lines(module: str) -> None:
    # past that, a module holds more than one use case: split it by use case
    assert len((REPO / module).read_text().splitlines()) <= 400
