"""An index of where each event lies: its thread and days, its type and id.

What a window of the timeline counts (``storage.plain``'s ``tallies``), each thread's
latest events (the page) and the days each thread's events span are read from it alone,
a tenth of the table's width, instead of scanning every record with its payload. Partial:
events only (corrections, retractions and the log's own records are not placed).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_EVENT = sa.text("kind = 'event'")
COLUMNS = ["thread", "date_first", "date_last", "known", "announced", "type", "event_id"]


def upgrade() -> None:
    op.create_index(
        "ix_events_dates", "events", COLUMNS, sqlite_where=_EVENT, postgresql_where=_EVENT
    )


def downgrade() -> None:
    op.drop_index("ix_events_dates", table_name="events")
