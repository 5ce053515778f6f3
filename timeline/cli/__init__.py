"""The `timeline` command: parse options, call one use case, render.

Heavy imports (SQLAlchemy, Alembic, YAML) happen inside the commands, so that
`timeline --help` stays fast. Commands live by what they do: recording (record.py),
amending (amend.py), reading (read.py), briefing (brief.py), exporting (export.py),
looking after the database (admin.py), signing its checkpoints (signing.py), serving
over HTTP (serve.py) and the tokens that may write through it (tokens.py).

The command modules leave out ``from __future__ import annotations``: Typer reads every
command's annotations at each start, and as strings each one is parsed and evaluated
again (about 30 ms of a read command's 160 ms of CPU).
"""

import gc

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

__all__ = ["BULK_COLLECTION", "PYTHON_COLLECTION", "app", "main"]

PYTHON_COLLECTION = gc.get_threshold()  # the interpreter's own, which `serve` puts back

# The cyclic collector's thresholds for a command. A command is a short process whose
# many objects (rows, records, states) are nearly all acyclic and live until it ends:
# each full collection walks all of them and frees nothing, and with Python's default
# (700, 10, 10) it ran often enough to take a third of `asof` over 10,000 threads and a
# fifth of `rebuild` and `export ics` (`make bench`). Young collections still run, so a
# cycle made and dropped within a step is freed; `timeline serve`, a long process,
# puts the defaults back.
BULK_COLLECTION = (700, 10, 1_000_000)


def main() -> None:
    gc.set_threshold(*BULK_COLLECTION)
    app()
