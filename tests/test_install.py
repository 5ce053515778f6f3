"""`pip install .` (not editable) into a fresh venv works from outside the checkout."""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

import pytest

from tests.conftest import REPO
from timeline._version import SCHEMA_HEAD


@pytest.mark.slow
def test_a_plain_install_carries_its_migrations_and_bundled_events(tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    bin_dir = env_dir / ("Scripts" if sys.platform == "win32" else "bin")
    subprocess.run(
        [bin_dir / "python", "-m", "pip", "install", "--quiet", str(REPO)],
        check=True,
        capture_output=True,
        cwd=tmp_path,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    def timeline(*args: str) -> str:
        out = subprocess.run(
            [bin_dir / "timeline", "--db", "mine.db", *args],
            cwd=elsewhere,
            capture_output=True,
            text=True,
            check=True,
        )
        return out.stdout

    assert timeline("import", "--bundled").startswith("Imported 3 files: 27 added")
    assert timeline("db", "current") == f"mine.db: schema {SCHEMA_HEAD}, 27 records\n"
    assert "El País" in timeline("asof", "2022-02-02")
    # the installed package runs its own copy, not the checkout's
    where = subprocess.run(
        [bin_dir / "python", "-c", "import timeline; print(timeline.__file__)"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert str(env_dir) in where
