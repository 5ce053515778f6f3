"""Thread states count their events by type and keep the events just before the last.

No table changes: the projections (thread states and checkpoints) are replayed from the
log, whose records are not touched, so that every stored state has the new fields.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # after the upgrade's last migration (see env.py), with today's code
    op.get_bind().info.setdefault("timeline_fills", {})["checkpoints"] = _fill


def _fill(conn: sa.Connection) -> None:
    """Replay the projections of the log already there, as ``rebuild`` does."""
    from timeline.storage import Writer
    from timeline.usecases._checkpoints import replay_log

    replay_log(Writer(conn))


def downgrade() -> None:
    """Nothing to undo: the older code reads the states and ignores the new fields."""
