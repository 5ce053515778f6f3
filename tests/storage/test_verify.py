"""Tamper evidence: each way of rewriting the database file behind timeline's back is
detected by `timeline verify` and named."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Connection, create_engine, text

from tests.conftest import Run, is_postgres
from timeline.core.chain import record_hash
from timeline.core.codec import canonical
from timeline.storage.db import resolve_url

THREAD = "russia-nato-security-guarantees"


@contextmanager
def tampering(db_url: str) -> Iterator[Connection]:
    """A raw connection with the append-only guard dropped, as an attacker would."""
    engine = create_engine(resolve_url(db_url))
    try:
        with engine.begin() as conn:
            if is_postgres(db_url):
                conn.execute(text("ALTER TABLE events DISABLE TRIGGER USER"))
            else:
                conn.execute(text("DROP TRIGGER events_append_only_update"))
                conn.execute(text("DROP TRIGGER events_append_only_delete"))
            yield conn
    finally:
        engine.dispose()


def verify(run: Run) -> tuple[int, list[str]]:
    result = run("verify")
    return result.exit_code, result.stdout.splitlines()


def _seq_of(conn: Connection, event_id: str) -> int:
    return conn.execute(
        text("SELECT seq FROM events WHERE thread = :t AND event_id = :i"),
        {"t": THREAD, "i": event_id},
    ).scalar_one()


def test_a_modified_payload_is_named(imported: Run, db_url: str) -> None:
    with tampering(db_url) as conn:
        conn.execute(
            text(
                "UPDATE events SET payload = replace(payload, 'open-door', "
                "'closed-door') WHERE event_id = 'replies-open-door'"
            )
        )
    code, lines = verify(imported)
    assert code == 1
    assert f"{THREAD}/replies-open-door: modified row: its content does not match its hash" in lines
    errors = [x for x in imported("verify").stderr.splitlines() if not x.startswith("Note: ")]
    assert errors == ["Error: 1 problem in 27 records in 3 threads"]  # (Note: on PostgreSQL)


def test_a_modified_query_column_is_named_even_when_the_payload_is_intact(
    imported: Run, db_url: str
) -> None:
    with tampering(db_url) as conn:
        conn.execute(
            text("UPDATE events SET known = '2022-01-26' WHERE event_id = 'replies-open-door'")
        )
    code, lines = verify(imported)
    assert code == 1
    assert lines[0] == (
        f"{THREAD}/replies-open-door: modified row: column known differs from the hashed payload"
    )


def test_a_deleted_row_is_named(imported: Run, db_url: str) -> None:
    with tampering(db_url) as conn:
        seq = _seq_of(conn, "geneva-ssd")
        conn.execute(text("DELETE FROM events WHERE seq = :s"), {"s": seq})
    code, lines = verify(imported)
    assert code == 1
    assert (
        f"{THREAD}/nato-russia-council: deleted row: seq {seq} missing before seq {seq + 1}"
        in lines
    )
    assert (
        f"{THREAD}/nato-russia-council: deleted row: version 3 of {THREAD} is missing "
        "before version 4" in lines
    )


def test_a_deleted_last_row_shows_in_the_projection(imported: Run, db_url: str) -> None:
    with tampering(db_url) as conn:
        conn.execute(text("DELETE FROM events WHERE seq = (SELECT max(seq) FROM events)"))
    code, lines = verify(imported)
    assert code == 1
    assert lines == [
        "russian-troops-georgia-moldova-ukraine: projection differs from the log: "
        "it has 7 events up to seq 27, the log 6 up to seq 26"
    ]


def test_swapped_rows_are_named_as_reordered(imported: Run, db_url: str) -> None:
    with tampering(db_url) as conn:
        a, b = _seq_of(conn, "nato-russia-council"), _seq_of(conn, "osce-permanent-council")
        # swap their places in the log: seq and version, keeping each row's content
        conn.execute(text("UPDATE events SET seq = -1, version = -1 WHERE seq = :a"), {"a": a})
        conn.execute(
            text("UPDATE events SET seq = :a, version = version - 1 WHERE seq = :b"),
            {"a": a, "b": b},
        )
        conn.execute(
            text(
                "UPDATE events SET seq = :b, version = (SELECT version + 1 FROM "
                "events WHERE seq = :a) WHERE seq = -1"
            ),
            {"a": a, "b": b},
        )
    code, lines = verify(imported)
    assert code == 1
    assert lines == [
        f"{THREAD}/osce-permanent-council: rows reordered: its link points to "
        f"{THREAD}/nato-russia-council, but it is stored after {THREAD}/geneva-ssd",
        f"{THREAD}/nato-russia-council: rows reordered: its link points to "
        f"{THREAD}/geneva-ssd, but it is stored after {THREAD}/osce-permanent-council",
        f"{THREAD}/blinken-lavrov-geneva: rows reordered: its link points to "
        f"{THREAD}/osce-permanent-council, but it is stored after {THREAD}/nato-russia-council",
        # the tree stored as the records came in commits to their old order
        "merkle tree: 2 stored nodes differ from the tree of the log's records (the first: "
        "level 3, node 1); `timeline rebuild --only tree` makes it again",
    ]


def test_a_relinked_row_is_named_as_a_broken_link(imported: Run, db_url: str) -> None:
    # a careful forger rewrites prev_hash and recomputes the row's own hash to match
    with tampering(db_url) as conn:
        kind, payload, recorded_at, title = conn.execute(
            text(
                "SELECT kind, payload, recorded_at, thread_title FROM events "
                "WHERE event_id = 'geneva-ssd' AND thread = :t"
            ),
            {"t": THREAD},
        ).one()
        forged_prev = hashlib.sha256(b"forged").hexdigest()
        conn.execute(
            text(
                "UPDATE events SET prev_hash = :p, hash = :h "
                "WHERE event_id = 'geneva-ssd' AND thread = :t"
            ),
            {
                "t": THREAD,
                "p": forged_prev,
                "h": record_hash(kind, payload, forged_prev, recorded_at, title),
            },
        )
    code, lines = verify(imported)
    assert code == 1
    assert f"{THREAD}/geneva-ssd: broken link: prev_hash matches no record of the thread" in lines


def test_the_hash_is_reproducible_from_the_documented_canonical_form(
    imported: Run, db_url: str
) -> None:
    engine = create_engine(resolve_url(db_url))
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT kind, payload, prev_hash, recorded_at, thread_title, "
                "hash FROM events ORDER BY seq"
            )
        ).all()
    engine.dispose()
    for kind, payload, prev, recorded_at, title, stored in rows:
        doc = {
            "kind": kind,
            "payload": json.loads(payload),
            "prev": prev,
            "recorded_at": recorded_at,
            "thread_title": title,
        }
        assert hashlib.sha256(canonical(doc).encode("utf-8")).hexdigest() == stored
        assert canonical(json.loads(payload)) == payload  # stored payloads are canonical


@pytest.mark.parametrize("title", ["El Pai\u0301s", "El País"])
def test_unicode_is_normalised_so_equal_text_hashes_equal(run: Run, title: str) -> None:
    result = run(
        "add",
        "--thread",
        "t",
        "--id",
        "e",
        "--date",
        "2022-02-02",
        "--type",
        "disclosure",
        "--actor",
        title,
        "--title",
        "Published",
    )
    assert result.exit_code == 0
    (rec,) = json.loads(run("log", "--format", "json").stdout)
    assert rec["actors"] == ["El País"]


def test_a_correction_of_several_fields_in_any_order_verifies(imported: Run) -> None:
    # the row's descriptive column once listed the fields in the order given, while the
    # hashed payload sorts them: verify cried wolf on an untouched database
    result = imported(
        "correct",
        "russia-nato-security-guarantees/geneva-ssd",
        "--title",
        "Strategic Security Dialogue in Geneva",
        "--summary",
        "Deputy Secretary Sherman and Deputy Foreign Minister Ryabkov meet in Geneva.",
    )
    assert result.exit_code == 0, result.output
    result = imported("verify")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Verified 28 records in 3 threads")


def test_a_deleted_row_is_never_named_for_another_thread(imported: Run, db_url: str) -> None:
    # the arms-control thread's last record, followed in seq by the guarantees thread's
    # first: nothing in the chains says whose it was, so the log is named, not the next row
    with tampering(db_url) as conn:
        seq = conn.execute(
            text("SELECT max(seq) FROM events WHERE thread = 'arms-control-missile-deployment'")
        ).scalar_one()
        conn.execute(text("DELETE FROM events WHERE seq = :s"), {"s": seq})
    code, lines = verify(imported)
    assert code == 1
    assert f"log: deleted row: seq {seq} missing before seq {seq + 1}" in lines
    assert not any(line.startswith(f"{THREAD}/") and "deleted" in line for line in lines)


def test_a_tampered_checkpoint_is_named(
    imported: Run, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from timeline.core import checkpoints

    monkeypatch.setattr(checkpoints, "SPACING", 4)
    assert imported("rebuild", "--only", "checkpoints").exit_code == 0
    assert verify(imported)[0] == 0
    engine = create_engine(resolve_url(db_url))
    try:
        with engine.begin() as conn:
            day = conn.execute(
                text("SELECT max(day) FROM checkpoints WHERE thread = :t"), {"t": THREAD}
            ).scalar_one()
            conn.execute(
                text(
                    "UPDATE checkpoints SET state = replace(state, 'Russia', 'Russland') "
                    "WHERE thread = :t AND day = :d"
                ),
                {"t": THREAD, "d": day},
            )
    finally:
        engine.dispose()
    code, lines = verify(imported)
    assert code == 1
    shown = day if isinstance(day, str) else day.isoformat()
    assert f"{THREAD}: projection differs from the log: the checkpoint of {shown}" in lines


def test_damaged_search_index_pages_are_named_and_rebuild_mends_them(
    imported: Run, db_url: str
) -> None:
    if is_postgres(db_url):
        pytest.skip("FTS5 is SQLite's; PostgreSQL's indexes: the amcheck test below")
    # the index's structure record says "empty": quick_check sees sound pages, and every
    # search found nothing while verify said intact (before FTS5's integrity-check)
    engine = create_engine(resolve_url(db_url))
    try:
        with engine.begin() as conn:
            conn.execute(
                text("UPDATE event_texts_fts_data SET block = X'00000000000000' WHERE id = 10")
            )
    finally:
        engine.dispose()
    assert imported("log", "--text", "nato").stdout == "No events match.\n"
    code, lines = verify(imported)
    assert (code, lines) == (
        1,
        ["search index: damaged: FTS5's integrity-check fails: database disk image is malformed"],
    )
    assert imported("rebuild").exit_code == 0
    assert imported("verify").exit_code == 0
    assert (
        "russia-nato-security-guarantees/nato-russia-council"
        in imported("log", "--text", "nato").stdout
    )


def test_postgresql_indexes_are_checked_by_amcheck_or_said_unchecked(
    imported: Run, db_url: str
) -> None:
    if not is_postgres(db_url):
        pytest.skip("amcheck is PostgreSQL's")
    engine = create_engine(resolve_url(db_url))
    try:
        with engine.begin() as conn:
            conn.execute(text("DROP EXTENSION IF EXISTS amcheck"))
        result = imported("verify")
        assert result.exit_code == 0
        assert result.stderr == (
            "Note: not checked: the B-tree indexes: PostgreSQL's amcheck extension is not "
            "installed (CREATE EXTENSION amcheck, as a superuser, to check them)\n"
        )
        with engine.begin() as conn:
            conn.execute(text("CREATE EXTENSION amcheck"))
        result = imported("verify")
        assert (result.exit_code, result.stderr) == (0, "")
    finally:
        engine.dispose()
