"""Checkpoints for asof on any day, and indexes that serve the reads timeline makes.

Adds the ``checkpoints`` projection (filled here from the log, as ``rebuild`` would)
and the title's record to the thread states;
replaces the indexes on kind (three values), target (mostly NULL) and known with one on
(thread, known) and a partial one on each thread's corrections and retractions. The log
itself is not touched: every record and hash stays as it was.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_AMENDMENT = sa.text("target IS NOT NULL")


def upgrade() -> None:
    op.drop_index("ix_events_kind", table_name="events")
    op.drop_index("ix_events_target", table_name="events")
    op.drop_index("ix_events_known", table_name="events")
    op.create_index("ix_events_thread_known", "events", ["thread", "known"])
    op.create_index(
        "ix_events_amendments",
        "events",
        ["thread", "target"],
        sqlite_where=_AMENDMENT,
        postgresql_where=_AMENDMENT,
    )
    op.add_column("thread_states", sa.Column("title_seq", _SEQ, nullable=False, server_default="0"))
    op.execute(
        "UPDATE thread_states SET title_seq = COALESCE((SELECT max(seq) FROM events "
        "WHERE events.thread = thread_states.thread AND thread_title IS NOT NULL), 0)"
    )
    op.create_table(
        "checkpoints",
        sa.Column("thread", sa.String(80), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("state", sa.Text, nullable=True),
        sa.Column("horizon", sa.Date, nullable=False),
        sa.Column("max_seq", _SEQ, nullable=False),
        sa.Column("records", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("thread", "day", name="pk_checkpoints"),
    )
    _grant_as_thread_states(op.get_bind())
    # after the upgrade's last migration (see env.py): replays read today's columns
    op.get_bind().info.setdefault("timeline_fills", {})["checkpoints"] = _fill


def _grant_as_thread_states(conn: sa.Connection) -> None:
    """PostgreSQL: a role granted the projection table (``timeline db grant``) gets the
    checkpoints too, as a grant made after this revision gives them."""
    if conn.dialect.name != "postgresql":
        return
    grants = conn.execute(
        sa.text(
            "SELECT grantee, privilege_type FROM information_schema.role_table_grants "
            "WHERE table_name = 'thread_states' AND grantee <> current_user"
        )
    )
    quote = conn.dialect.identifier_preparer.quote
    for grantee, privilege in grants:
        conn.execute(sa.text(f"GRANT {privilege} ON checkpoints TO {quote(grantee)}"))


def _fill(conn: sa.Connection) -> None:
    """Replay the projections of the log already there, as ``rebuild`` does."""
    from timeline.storage import Writer
    from timeline.usecases._checkpoints import replay_log

    replay_log(Writer(conn))


def downgrade() -> None:
    op.drop_table("checkpoints")
    op.drop_column("thread_states", "title_seq")
    op.drop_index("ix_events_amendments", table_name="events")
    op.drop_index("ix_events_thread_known", table_name="events")
    op.create_index("ix_events_known", "events", ["known"])
    op.create_index("ix_events_target", "events", ["target"])
    op.create_index("ix_events_kind", "events", ["kind"])
