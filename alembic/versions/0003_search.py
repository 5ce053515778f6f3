"""Full-text search: the event_texts projection and the database's own engine over it.

SQLite: an FTS5 table (unicode61, diacritics removed) whose content is event_texts,
kept in step by the store as it writes them. PostgreSQL: the unaccent extension, an
immutable wrapper of it, a generated tsvector column ('simple' configuration) and its
GIN index. The index is filled from the log, as ``rebuild`` would; the log itself is
not touched.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

SQLITE = [
    # its content is event_texts: the store adds and removes its rows as it writes
    # event_texts (a batch at a time, much faster than a trigger per row)
    "CREATE VIRTUAL TABLE event_texts_fts USING fts5(body, content='event_texts', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
]
POSTGRESQL = [
    "ALTER TABLE event_texts ADD COLUMN tsv tsvector GENERATED ALWAYS AS "
    "(to_tsvector('simple', timeline_unaccent(body))) STORED",
    "CREATE INDEX ix_event_texts_tsv ON event_texts USING gin (tsv)",
]


def _unaccent(conn: sa.Connection) -> None:
    """PostgreSQL: the unaccent extension, and ``timeline_unaccent``: unaccent() is only
    STABLE (its dictionary could change) and a generated column needs an IMMUTABLE
    function, so the usual wrapper, naming the extension's schema so that it means the
    same whatever a session's search_path."""
    conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS unaccent"))
    schema = conn.execute(
        sa.text(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
            "WHERE e.extname = 'unaccent'"
        )
    ).scalar_one()
    s = conn.dialect.identifier_preparer.quote(schema)
    conn.execute(
        sa.text(
            "CREATE FUNCTION timeline_unaccent(text) RETURNS text LANGUAGE sql IMMUTABLE "
            f"PARALLEL SAFE STRICT AS $$ SELECT {s}.unaccent('{s}.unaccent'::regdictionary, $1) $$"
        )
    )


def upgrade() -> None:
    op.create_table(
        "event_texts",
        sa.Column("id", _SEQ, primary_key=True, autoincrement=True),
        sa.Column("thread", sa.String(80), nullable=False),
        sa.Column("event_id", sa.String(80), nullable=False),
        sa.Column("since", sa.Date, nullable=True),
        sa.Column("until", sa.Date, nullable=True),
        sa.Column("body", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_event_texts"),
    )
    op.create_index("ix_event_texts_key", "event_texts", ["thread", "event_id"])
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        _unaccent(conn)
    for statement in SQLITE if conn.dialect.name == "sqlite" else POSTGRESQL:
        op.execute(statement)
    _grant_as_thread_states(conn)
    # after the upgrade's last migration (see env.py): replays read today's columns
    conn.info.setdefault("timeline_fills", {})["texts"] = _fill


def _grant_as_thread_states(conn: sa.Connection) -> None:
    """PostgreSQL: a role granted the projection table (``timeline db grant``) gets the
    search index too, as a grant made after this revision gives it."""
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
        conn.execute(sa.text(f"GRANT SELECT, INSERT, DELETE ON event_texts TO {quote(grantee)}"))
        conn.execute(sa.text(f"GRANT USAGE ON SEQUENCE event_texts_id_seq TO {quote(grantee)}"))


def _fill(conn: sa.Connection) -> None:
    """Index the log already there, as ``rebuild`` does."""
    from timeline.storage import Writer
    from timeline.usecases._search import replay_texts

    replay_texts(Writer(conn))


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        op.execute("DROP TABLE event_texts_fts")
    op.drop_table("event_texts")
    if conn.dialect.name == "postgresql":
        op.execute("DROP FUNCTION timeline_unaccent(text)")
