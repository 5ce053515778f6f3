"""The log's Merkle tree (RFC 9162): the stored nodes proofs are read from.

A projection of the log: the hash of every perfect subtree of 2**TREE_LEVEL leaves or
more, filled from the log already there (each record's seq and hash); the log itself is
not touched.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "merkle_nodes",
        sa.Column("level", sa.SmallInteger, nullable=False),
        sa.Column("idx", _SEQ, nullable=False),
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx", name="pk_merkle_nodes"),
        sqlite_with_rowid=False,  # the key is the row: one B-tree, not two
    )
    conn = op.get_bind()
    _grant_as_thread_states(conn)
    # after the upgrade's last migration (see env.py), with today's code
    conn.info.setdefault("timeline_fills", {})["tree"] = _fill


def _grant_as_thread_states(conn: sa.Connection) -> None:
    """PostgreSQL: a role granted the projection table (``timeline db grant``) gets the
    tree too, as a grant made after this revision gives it."""
    if conn.dialect.name != "postgresql":
        return
    grants = conn.execute(
        sa.text(
            "SELECT DISTINCT grantee FROM information_schema.role_table_grants "
            "WHERE table_name = 'thread_states' AND grantee <> current_user"
        )
    )
    quote = conn.dialect.identifier_preparer.quote
    for (grantee,) in grants:
        conn.execute(sa.text(f"GRANT SELECT, INSERT, DELETE ON merkle_nodes TO {quote(grantee)}"))


def _fill(conn: sa.Connection) -> None:
    """The tree of the log already there, as ``rebuild`` makes it."""
    from timeline.storage import Writer

    w = Writer(conn)
    w.log.tree.rebuild(w.log.leaves())


def downgrade() -> None:
    op.drop_table("merkle_nodes")
