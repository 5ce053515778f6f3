"""The README is part of the product: every command is in it, and every command explains itself.

The command list comes from the Typer app itself, so a new command cannot be forgotten.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import typer
from typer.testing import CliRunner

from tests.conftest import REPO
from timeline.cli import app

README = (REPO / "README.md").read_text()


def _commands(group: object, prefix: str = "") -> Iterator[str]:
    for name, command in sorted(getattr(group, "commands", {}).items()):
        if getattr(command, "commands", None):
            yield from _commands(command, f"{prefix}{name} ")
        else:
            yield f"{prefix}{name}"


COMMANDS = list(_commands(typer.main.get_command(app)))


def test_the_command_list_is_read_from_the_app() -> None:
    assert {"asof", "import", "restore", "export ics", "db grant"} <= set(COMMANDS)
    assert len(COMMANDS) >= 18


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_is_in_the_readme_and_has_help_with_an_example(command: str) -> None:
    assert f"timeline {command}" in README
    result = CliRunner().invoke(app, [*command.split(), "--help"])
    assert result.exit_code == 0
    assert "Example: timeline " in " ".join(result.output.split())


def test_the_readme_names_the_two_commands_a_new_user_runs() -> None:
    assert "make demo" in README and "make test" in README


def test_the_layout_block_names_every_module_and_nothing_that_is_gone() -> None:
    block = README.split("## Layout", 1)[1].split("```", 2)[1]
    named = {line.split()[0] for line in block.splitlines() if line.startswith("timeline/")}
    for name in named:
        assert (REPO / name).exists(), f"the README's Layout names {name}, which is gone"
    for path in (REPO / "timeline").rglob("*.py"):
        rel = path.relative_to(REPO).as_posix()
        folder = rel.rsplit("/", 1)[0] + "/"
        assert rel in named or folder in named, f"the README's Layout does not name {rel}"


@pytest.mark.parametrize("command", COMMANDS)
def test_help_shows_what_each_value_is_never_a_python_type(command: str) -> None:
    shown = CliRunner().invoke(app, [*command.split(), "--help"]).output
    for python in ("<str>", "<int>", "<float>", "<bool>", "list[", "<datetime>"):
        assert python not in shown, (command, python)


def test_add_help_lists_the_valid_types_and_statuses() -> None:
    shown = " ".join(CliRunner().invoke(app, ["add", "--help"]).output.split())
    assert "talks, meeting, agreement" in shown and "stalled, agreed, in-force" in shown
