"""The README is part of the product: every command is in it, and every command explains itself."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from tests.conftest import REPO
from timeline.cli import app

README = (REPO / "README.md").read_text()
COMMANDS = [
    "add",
    "correct",
    "retract",
    "import",
    "asof",
    "threads",
    "log",
    "history",
    "diff",
    "rebuild",
    "verify",
    "db upgrade",
    "db current",
    "db grant",
    "export ics",
    "export jsonl",
    "export timelinejs",
]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_is_in_the_readme_and_has_help_with_an_example(command: str) -> None:
    assert f"timeline {command}" in README
    result = CliRunner().invoke(app, [*command.split(), "--help"])
    assert result.exit_code == 0
    assert "Example: timeline " in " ".join(result.output.split())


def test_the_readme_names_the_two_commands_a_new_user_runs() -> None:
    assert "make demo" in README and "make test" in README
