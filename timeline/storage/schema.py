"""SQLAlchemy Core tables: the append-only log and the projection table (Alembic's target).

The schema is created and changed only by the migrations in ``alembic/versions``;
``timeline._version.SCHEMA_HEAD`` names the newest one so that opening a database can
tell, without loading Alembic, whether it is behind (a test keeps the two in step).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# 64-bit on PostgreSQL; plain INTEGER on SQLite, where only that is a rowid alias.
_SEQ = BigInteger().with_variant(Integer(), "sqlite")

events = Table(
    "events",
    metadata,
    # Global order of appends, assigned by the store under the write lock.
    Column("seq", _SEQ, primary_key=True, autoincrement=False),
    Column("thread", String(80), nullable=False),
    Column("event_id", String(80), nullable=False),
    # 1, 2, ... within the thread; unique, so two writers cannot both take a slot.
    Column("version", Integer, nullable=False),
    # "event", "correction" or "retraction"
    Column("kind", String(16), nullable=False),
    # thread/id of the event a correction or retraction is about
    Column("target", String(170), nullable=True),
    # Query columns copied from the payload; the payload is the record.
    Column("date_text", String(16), nullable=False),
    Column("date_first", Date, nullable=False),
    Column("date_last", Date, nullable=False),
    Column("known", Date, nullable=False),
    Column("known_given", Boolean, nullable=False),  # False: known defaulted from date
    # A scheduled event's announcement (then ``known`` is the day it takes place).
    Column("announced", Date, nullable=True),
    Column("type", String(32), nullable=False),
    # What the projector reads, so replays need not decode whole payloads:
    Column("title", Text, nullable=False),
    Column("actors", Text, nullable=False),  # JSON list of names
    Column("status", String(16), nullable=True),
    Column("positions", Text, nullable=True),  # JSON list of [actor, issue, stance]
    Column("thread_title", Text, nullable=True),
    # UTC, ISO 8601 with microseconds and "Z": the same text on every backend.
    Column("recorded_at", String(32), nullable=False),
    Column("payload_schema", SmallInteger, nullable=False),
    Column("payload", Text, nullable=False),
    # The hash chain of the thread (see chain.py): tamper evidence.
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    # The name of the token a record came with through `timeline serve` (hashed too).
    Column("recorded_by", String(80), nullable=True),
    UniqueConstraint("thread", "version"),
    UniqueConstraint("thread", "event_id"),
)
# Each index serves a read: a thread's records known in a range of days (asof from a
# checkpoint), and a thread's corrections and retractions (few: the migration makes it
# a partial index, WHERE target IS NOT NULL; said here without the dialect options,
# which would load every dialect's module on the read path of every command).
Index("ix_events_thread_known", events.c.thread, events.c.known)
Index("ix_events_amendments", events.c.thread, events.c.target)
Index("ix_events_scheduled", events.c.thread, events.c.announced)  # WHERE announced IS NOT NULL
# Where each event lies (WHERE kind = 'event'): a timeline's window, each thread's latest
# events and the days they span are read from it alone, never from the wide rows.
Index(
    "ix_events_dates",
    events.c.thread,
    events.c.date_first,
    events.c.date_last,
    events.c.known,
    events.c.announced,
    events.c.type,
    events.c.event_id,
)

# The current state of each thread (every event, whatever its known date), updated
# in the same transaction as each append; `timeline rebuild` replays it from the log.
thread_states = Table(
    "thread_states",
    metadata,
    Column("thread", String(80), primary_key=True),
    Column("title", Text, nullable=True),
    Column("title_seq", _SEQ, nullable=False),  # the record that set the title (0: none)
    Column("status", String(16), nullable=False),
    Column("events", Integer, nullable=False),
    Column("horizon", Date, nullable=False),  # latest known day among its records
    Column("max_seq", _SEQ, nullable=False),
    Column("state", Text, nullable=False),
)

# Replays of each thread as known at the end of past days (see checkpoints.py), so
# that asof on any day folds only the records known after the latest one before it.
checkpoints = Table(
    "checkpoints",
    metadata,
    Column("thread", String(80), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("state", Text, nullable=True),  # None: nothing shown by then
    Column("horizon", Date, nullable=False),
    Column("max_seq", _SEQ, nullable=False),
    Column("records", Integer, nullable=False),
)

# The search index (see texts.py): one row per version of an event's text, each for a
# stretch of days [since, until) (NULL: open). The engine's own structures come with the
# migration and are not declared here: on SQLite the FTS5 table event_texts_fts (its
# content is this table, kept in step by the store as it writes it); on PostgreSQL a
# generated tsvector column, tsv, and its GIN index.
event_texts = Table(
    "event_texts",
    metadata,
    Column("id", _SEQ, primary_key=True, autoincrement=True),
    Column("thread", String(80), nullable=False),
    Column("event_id", String(80), nullable=False),
    Column("since", Date, nullable=True),
    Column("until", Date, nullable=True),
    Column("body", Text, nullable=False),
)
Index("ix_event_texts_key", event_texts.c.thread, event_texts.c.event_id)

# The log's Merkle tree (see merkle.py): the hash of every perfect subtree of at least
# 2**TREE_LEVEL leaves, by level and index (the n-th node of its level from the left),
# written in the same transaction as the records that complete it. The smaller ones are
# hashed from the records when a proof needs them: a quarter of a row per record instead
# of two. A projection of the log: `timeline rebuild` replays it, `verify` recomputes it.
TREE_LEVEL = 3
merkle_nodes = Table(
    "merkle_nodes",
    metadata,
    Column("level", SmallInteger, primary_key=True),
    Column("idx", _SEQ, primary_key=True),
    Column("hash", LargeBinary(32), nullable=False),
)  # WITHOUT ROWID on SQLite (the migration says so: a dialect option here would load it)

# Each projection's progress (see progress.py): the version of the code that made it,
# the last seq it has folded, where a rebuild of it stands, what verify found wrong.
# Written in the same transaction as the projection's own rows.
progress = Table(
    "progress",
    metadata,
    Column("name", String(16), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("through", _SEQ, nullable=False),
    Column("resume", Text, nullable=True),
    Column("stale", Text, nullable=True),
    Column("rebuilt", Integer, nullable=False, server_default="0"),  # rebuilds finished
)
