"""Scheduled events: the day each was announced, beside the day it takes place.

A scheduled event's ``known`` column holds the day it counts as an event (the later of
its announcement and the first day of its date), so that replays and checkpoints need
nothing new; ``announced`` holds the day it was announced, and a partial index finds a
thread's scheduled events (few) for ``asof``'s upcoming list. No record existed before
this revision that was scheduled: the column starts empty and the log is not touched.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_SCHEDULED = sa.text("announced IS NOT NULL")


def upgrade() -> None:
    op.add_column("events", sa.Column("announced", sa.Date, nullable=True))
    op.create_index(
        "ix_events_scheduled",
        "events",
        ["thread", "announced"],
        sqlite_where=_SCHEDULED,
        postgresql_where=_SCHEDULED,
    )


def downgrade() -> None:
    op.drop_index("ix_events_scheduled", table_name="events")
    op.drop_column("events", "announced")
