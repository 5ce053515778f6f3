"""Who wrote a record through ``timeline serve``: the name of the token it came with.

The column is part of a record's hashed form when set; every record before this
revision has none and hashes as it always did, so the log is not touched.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("events", sa.Column("recorded_by", sa.String(80), nullable=True))


def downgrade() -> None:
    op.drop_column("events", "recorded_by")
