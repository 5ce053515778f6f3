"""The append-only event log, its append-only guard, and the thread projection table.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# The database itself refuses UPDATE and DELETE on the log, whatever program tries.
_SQLITE_GUARD = [
    """CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
       BEGIN SELECT RAISE(ABORT, 'events is append-only: UPDATE is not allowed'); END""",
    """CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
       BEGIN SELECT RAISE(ABORT, 'events is append-only: DELETE is not allowed'); END""",
]
_POSTGRES_GUARD = [
    """CREATE FUNCTION timeline_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'events is append-only: % is not allowed', TG_OP; END $$""",
    """CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
       FOR EACH ROW EXECUTE FUNCTION timeline_events_append_only()""",
    """CREATE TRIGGER events_append_only_truncate BEFORE TRUNCATE ON events
       FOR EACH STATEMENT EXECUTE FUNCTION timeline_events_append_only()""",
]


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("seq", _SEQ, primary_key=True, autoincrement=False),
        sa.Column("thread", sa.String(80), nullable=False),
        sa.Column("event_id", sa.String(80), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("target", sa.String(170), nullable=True),
        sa.Column("date_text", sa.String(16), nullable=False),
        sa.Column("date_first", sa.Date, nullable=False),
        sa.Column("date_last", sa.Date, nullable=False),
        sa.Column("known", sa.Date, nullable=False),
        sa.Column("known_given", sa.Boolean, nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("actors", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=True),
        sa.Column("positions", sa.Text, nullable=True),
        sa.Column("thread_title", sa.Text, nullable=True),
        sa.Column("recorded_at", sa.String(32), nullable=False),
        sa.Column("payload_schema", sa.SmallInteger, nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_events"),
        sa.UniqueConstraint("thread", "version", name="uq_events_thread_version"),
        sa.UniqueConstraint("thread", "event_id", name="uq_events_thread_event_id"),
    )
    op.create_index("ix_events_known", "events", ["known"])
    op.create_index("ix_events_target", "events", ["target"])
    op.create_index("ix_events_kind", "events", ["kind"])
    op.create_table(
        "thread_states",
        sa.Column("thread", sa.String(80), nullable=False),
        sa.Column("title", sa.Text, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("events", sa.Integer, nullable=False),
        sa.Column("horizon", sa.Date, nullable=False),
        sa.Column("max_seq", _SEQ, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("thread", name="pk_thread_states"),
    )
    dialect = op.get_bind().dialect.name
    guard = {"sqlite": _SQLITE_GUARD, "postgresql": _POSTGRES_GUARD}.get(dialect)
    if guard is None:
        raise RuntimeError(f"timeline has no append-only guard for {dialect}")
    for statement in guard:
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER events_append_only_truncate ON events")
        op.execute("DROP TRIGGER events_append_only ON events")
        op.execute("DROP FUNCTION timeline_events_append_only()")
    else:
        op.execute("DROP TRIGGER events_append_only_update")
        op.execute("DROP TRIGGER events_append_only_delete")
    op.drop_table("thread_states")
    op.drop_index("ix_events_kind", table_name="events")
    op.drop_index("ix_events_target", table_name="events")
    op.drop_index("ix_events_known", table_name="events")
    op.drop_table("events")
