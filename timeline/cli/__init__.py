"""The `timeline` command: parse options, call one use case, render.

Heavy imports (SQLAlchemy, Alembic, YAML) happen inside the commands, so that
`timeline --help` stays fast. Commands live by what they do: recording (record.py),
amending (amend.py), reading (read.py), briefing (brief.py), exporting (export.py),
looking after the database (admin.py), signing its checkpoints (signing.py), serving
over HTTP (serve.py) and the tokens that may write through it (tokens.py).
"""

from timeline.cli import (  # noqa: F401 - registers them
    admin,
    amend,
    brief,
    export,
    read,
    record,
    serve,
    signing,
    tokens,
)
from timeline.cli._app import app

__all__ = ["app", "main"]


def main() -> None:
    app()
