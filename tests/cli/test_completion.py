"""Shell completion, as a shell asks for it (Typer's bash protocol): thread slugs and actor
names from the database the command line names, types and statuses from their lists."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Run

TIMELINE = Path(sys.executable).parent / "timeline"
pytestmark = pytest.mark.slow  # a process per completion


def complete(words: str, db: str | Path) -> list[str]:
    env = {
        **os.environ,
        "TIMELINE_DB": str(db),
        "_TIMELINE_COMPLETE": "complete_bash",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1)),
    }
    done = subprocess.run([TIMELINE], env=env, capture_output=True, text=True, check=True)
    assert done.stderr == ""
    return [line for line in done.stdout.splitlines() if line]


def test_threads_and_actors_come_from_the_database(imported: Run, db_url: str) -> None:
    assert complete("timeline log --thread russ", db_url) == [
        "russia-nato-security-guarantees",
        "russian-troops-georgia-moldova-ukraine",
    ]
    assert complete("timeline history a", db_url) == ["arms-control-missile-deployment"]
    assert complete("timeline asof 2022-02-02 --as U", db_url) == ["Ukraine", "United States"]
    assert complete("timeline export ics --actor N", db_url) == ["NATO"]


def test_types_and_statuses_come_from_their_lists(tmp_path: Path) -> None:
    nothing = tmp_path / "none.db"
    assert complete("timeline add --type con", nothing) == ["confirmation"]
    assert complete("timeline log --status s", nothing) == ["stalled", "suspended"]
    assert complete("timeline log --thread ", nothing) == []  # no database: no names
    assert not nothing.exists()  # and none made
