"""The dependency direction holds: the pure core imports no database, CLI or environment."""

from __future__ import annotations

import ast

import pytest

from tests.conftest import REPO

PURE = ["dates.py", "errors.py", "model.py", "codec.py", "projector.py",
        "formats/eventfile.py", "formats/render.py"]
FORBIDDEN = ("sqlalchemy", "alembic", "typer", "timeline.store", "timeline.db",
             "timeline.service", "timeline.cli", "os", "subprocess")


@pytest.mark.parametrize("module", PURE)
def test_pure_modules_import_no_database_cli_or_environment(module: str) -> None:
    tree = ast.parse((REPO / "timeline" / module).read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
    bad = {m for m in imported for f in FORBIDDEN if m == f or m.startswith(f + ".")}
    assert bad == set()
    assert "datetime.now" not in (REPO / "timeline" / module).read_text()
