"""A row of progress for each projection (``core.progress``): the version of the code
that made it, the last seq it has folded, where a rebuild of it stands, what verify
found wrong with it, and how many times it was rebuilt (an answer held by the service
depends on that as on the log's head), so that ``timeline rebuild`` replays only what
is out of step, one projection at a time, and a rebuild stopped half-way goes on.

Each projection was made in step with the log by the migrations before this one: each
row starts at version 1, through the log's last seq.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
NAMES = ("states", "checkpoints", "search", "tree")


def upgrade() -> None:
    table = op.create_table(
        "progress",
        sa.Column("name", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("through", _SEQ, nullable=False),
        sa.Column("resume", sa.Text, nullable=True),
        sa.Column("stale", sa.Text, nullable=True),
        sa.Column("rebuilt", sa.Integer, nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("name", name="pk_progress"),
    )
    conn = op.get_bind()
    head = conn.execute(sa.text("SELECT coalesce(max(seq), 0) FROM events")).scalar()
    op.bulk_insert(table, [{"name": n, "version": 1, "through": head} for n in NAMES])
    _grant_as_thread_states(conn)


def _grant_as_thread_states(conn: sa.Connection) -> None:
    """PostgreSQL: a role that may write the projection table (``timeline db grant``)
    may read the progress and move it along with its appends, as a grant made after
    this revision lets it (one that may only read it, only read the progress)."""
    if conn.dialect.name != "postgresql":
        return
    grants = conn.execute(
        sa.text(
            "SELECT grantee, bool_or(privilege_type = 'UPDATE') "
            "FROM information_schema.role_table_grants "
            "WHERE table_name = 'thread_states' AND grantee <> current_user GROUP BY grantee"
        )
    )
    quote = conn.dialect.identifier_preparer.quote
    for grantee, writes in grants:
        privileges = "SELECT, UPDATE" if writes else "SELECT"
        conn.execute(sa.text(f"GRANT {privileges} ON progress TO {quote(grantee)}"))


def downgrade() -> None:
    op.drop_table("progress")
