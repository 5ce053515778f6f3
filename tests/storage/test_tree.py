"""The log's Merkle tree in the store, on every backend: built in the transaction of
every append (one record, a batch, an import, a restore), its roots and proofs those
of RFC 9162 over the records in seq order, read from O(log n) rows; rebuilt by
``rebuild``, recomputed by ``verify``."""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from timeline.core.merkle import (
    ProofError,
    record_leaf,
    root_of,
    tree_nodes,
    verify_consistency,
    verify_inclusion,
)
from timeline.storage import EventStore
from timeline.usecases import add_event, import_paths, open_store, rebuild, restore, verify
from timeline.usecases.exporting import export_chunks

NOW = dt.datetime(2026, 11, 28, 12, tzinfo=dt.UTC)


def _events(path: Path, first: int, n: int) -> Path:
    """``n`` events over five threads, numbered from ``first``."""
    with path.open("w") as out:
        for i in range(first, first + n):
            day = dt.date(2020, 1, 1) + dt.timedelta(days=i)
            out.write(
                json.dumps(
                    {
                        "thread": f"talks-{i % 5}",
                        "id": f"e{i}",
                        "date": day.isoformat(),
                        "type": "meeting",
                        "actors": ["Finland", "Norway"],
                        "title": f"Round {i}",
                    }
                )
                + "\n"
            )
    return path


@pytest.fixture
def store(db_url: str, tmp_path: Path) -> Iterator[EventStore]:
    """A log grown by imports of several sizes (each one transaction) and single adds:
    151 records."""
    s = open_store(db_url)
    first = 0
    for n in (1, 2, 5, 8, 9, 60, 3):
        import_paths(s, [str(_events(tmp_path / f"batch-{first}.jsonl", first, n))], NOW)
        first += n
    for i in range(first, first + 63):
        fields = {"thread": "talks-9", "id": f"e{i}", "date": "2021-06-01", "type": "statement"}
        add_event(s, {**fields, "actors": ["Finland"], "title": f"Statement {i}"}, NOW)
    yield s
    s.close()


def _leaves(store: EventStore) -> list[bytes]:
    with store.reading() as r:
        return [record_leaf(seq, h) for seq, h in r.log.leaves()]


def test_every_root_is_rfc_9162s_over_the_records_in_seq_order(store: EventStore) -> None:
    leaves = _leaves(store)
    assert len(leaves) == 151
    with store.reading() as r:
        for size in range(len(leaves) + 1):
            assert r.log.tree.root(size) == root_of(leaves[:size]), size


def test_every_proof_read_from_the_store_verifies(store: EventStore) -> None:
    leaves = _leaves(store)
    n = len(leaves)
    pick = random.Random(7)
    with store.reading() as r:
        for _ in range(60):
            size = pick.randint(1, n)
            index = pick.randrange(size)
            root = r.log.tree.root(size)
            verify_inclusion(index, size, leaves[index], r.log.tree.inclusion(index, size), root)
            size1 = pick.randint(1, size)
            proof = r.log.tree.consistency(size1, size)
            verify_consistency(size1, size, r.log.tree.root(size1), root, proof)
        with pytest.raises(ProofError):  # a record that is not the leaf
            verify_inclusion(3, n, leaves[4], r.log.tree.inclusion(3, n), r.log.tree.root(n))


def test_the_store_holds_only_the_nodes_of_eight_leaves_and_more(store: EventStore) -> None:
    with store.reading() as r:
        stored = r.log.tree.stored()
        size, want = tree_nodes(r.log.leaves(), r.log.tree.level)
    assert size == 151 and r.log.tree.level == 3
    assert stored == want
    assert len(stored) == 151 // 8 + 151 // 16 + 151 // 32 + 151 // 64 + 151 // 128


def test_a_proof_reads_a_few_rows_not_the_log(
    store: EventStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    from timeline.storage.driver import Driver

    reads: list[int] = []
    rows = Driver.rows

    def counted(self: Driver, sql: str, params: tuple[object, ...] = ()) -> list[object]:
        found = rows(self, sql, params)
        reads.append(len(found))
        return found

    monkeypatch.setattr(Driver, "rows", counted)
    with store.reading() as r:
        r.log.tree.inclusion(100, 151)
        r.log.tree.consistency(77, 151)
        r.log.tree.root(151)
    assert len(reads) <= 24 and max(reads) <= 8  # a node or a few records a read


def test_rebuild_and_restore_make_the_same_tree(store: EventStore, tmp_path: Path) -> None:
    with store.reading() as r:
        before = r.log.tree.stored()
        root = r.log.tree.root(151)
    with store.writing(None) as w:
        w.log.tree.clear()
    assert [f.where for f in verify(store).findings] == ["merkle tree"]
    rebuild(store)
    with store.reading() as r:
        assert r.log.tree.stored() == before
    assert verify(store).findings == []
    backup = tmp_path / "backup.jsonl"
    backup.write_bytes(b"".join(export_chunks(store, "jsonl", today=NOW.date())))
    other = open_store(str(tmp_path / "restored.db"))
    try:
        assert restore(other, str(backup)) == 151
        with other.reading() as r:
            assert r.log.tree.stored() == before
            assert r.log.tree.root(151) == root
    finally:
        other.close()


def test_verify_names_a_changed_node_and_rebuild_puts_it_right(store: EventStore) -> None:
    with store.writing(None) as w:
        w.log.tree._conn.execute(  # behind timeline's back, as a forger would
            text("UPDATE merkle_nodes SET hash = :h WHERE level = 4 AND idx = 2"),
            {"h": bytes(32)},
        )
    (finding,) = verify(store).findings
    assert str(finding) == (
        "merkle tree: 1 stored node differs from the tree of the log's records (the first: "
        "level 4, node 2); `timeline rebuild --only tree` makes it again"
    )
    rebuild(store)
    assert verify(store).findings == []
