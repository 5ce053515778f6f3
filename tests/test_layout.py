"""The dependency direction holds: the pure core imports no database, CLI or environment."""

from __future__ import annotations

import ast

import pytest

from tests.conftest import REPO

PURE = [
    "dates.py",
    "errors.py",
    "model.py",
    "codec.py",
    "projector.py",
    "amend.py",
    "chain.py",
    "formats/eventfile.py",
    "formats/render.py",
    "formats/changes.py",
    "formats/ics.py",
    "formats/timelinejs.py",
    "formats/backup.py",
]
FORBIDDEN = (
    "sqlalchemy",
    "alembic",
    "typer",
    "timeline.store",
    "timeline.db",
    "timeline.service",
    "timeline.queries",
    "timeline.cli",
    "os",
    "subprocess",
)


@pytest.mark.parametrize("module", PURE)
def test_pure_modules_import_no_database_cli_or_environment(module: str) -> None:
    tree = ast.parse((REPO / "timeline" / module).read_text())
    typing_only = {
        id(n)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and ast.unparse(block.test) == "TYPE_CHECKING"
        for n in ast.walk(block)
    }
    imported = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:  # names for type checkers, never imported at run time
            continue
        if isinstance(node, ast.Import):
            imported.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
    bad = {m for m in imported for f in FORBIDDEN if m == f or m.startswith(f + ".")}
    assert bad == set()
    assert "datetime.now" not in (REPO / "timeline" / module).read_text()
