"""Alembic environment: migrates the connection timeline hands over, or the configured database."""

from __future__ import annotations

import os

from alembic import context
from timeline.storage import schema

config = context.config
target_metadata = schema.metadata


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
        # A migration that fills a projection from the log registers its fill instead of
        # running it: the fill replays with today's code, which reads today's columns,
        # so it runs once every migration of this upgrade has run (see FILLS).
        for fill in connection.info.pop(FILLS, {}).values():
            fill(connection)


FILLS = "timeline_fills"


connection = config.attributes.get("connection")
if connection is not None:  # called by timeline.storage.db.upgrade inside its transaction
    _run(connection)
else:  # `alembic upgrade head` from the command line
    from timeline.storage.db import make_engine, resolve_url
    from timeline.storage.settings import default_db_url

    url = context.get_x_argument(as_dictionary=True).get("db") or os.environ.get("TIMELINE_DB")
    url = resolve_url(url) if url else default_db_url()
    engine = make_engine(url, create_dirs=True)
    with engine.connect() as conn:
        conn = conn.execution_options(timeline_write=True)
        _run(conn)
        if conn.in_transaction():
            conn.commit()
