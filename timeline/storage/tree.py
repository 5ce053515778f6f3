"""The log's Merkle tree (see ``merkle``): its stored nodes, the proofs read from them,
and the nodes each append completes, in the append's transaction.

Leaf ``i`` is the record of seq ``i + 1`` (``merkle.record_leaf``: its seq and hash).
The table holds every perfect subtree of ``2**TREE_LEVEL`` leaves or more; a smaller one
is hashed from its records (at most that many rows, by the primary key). A root, an
inclusion proof and a consistency proof each read O(log n) rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection

from timeline.core.errors import DatabaseError
from timeline.core.merkle import (
    EMPTY_ROOT,
    Frontier,
    consistency_proof,
    inclusion_proof,
    node_hash,
    perfect_ranges,
    record_leaf,
    root_of,
    split,
)
from timeline.storage.driver import Driver
from timeline.storage.progress import Upkeep
from timeline.storage.schema import TREE_LEVEL

__all__ = ["TreeReader", "TreeWriter"]

_SMALL = 1 << TREE_LEVEL  # leaves under the smallest stored node
_BATCH = 5000  # nodes inserted at a time by a rebuild


class TreeReader:
    """Reads of the tree: any subtree's hash, a root, the proofs."""

    def __init__(self, db: Driver, upkeep: Upkeep) -> None:
        self._db = db
        self._upkeep = upkeep

    def _node(self, level: int, index: int) -> bytes:
        self._upkeep.require("tree")
        mark = self._db.mark
        rows = self._db.rows(
            f"SELECT hash FROM merkle_nodes WHERE level = {mark} AND idx = {mark}", (level, index)
        )
        if not rows:
            raise DatabaseError(
                f"the Merkle tree lacks its node {level}/{index}: "
                "`timeline rebuild --only tree` makes it again from the log"
            )
        return bytes(rows[0][0])

    def _leaves(self, lo: int, hi: int) -> list[bytes]:
        """The leaves ``lo`` to ``hi - 1``: the records of seq ``lo + 1`` to ``hi``."""
        mark = self._db.mark
        rows = self._db.rows(
            f"SELECT seq, hash FROM events WHERE seq > {mark} AND seq <= {mark} ORDER BY seq",
            (lo, hi),
        )
        if [seq for seq, _ in rows] != list(range(lo + 1, hi + 1)):
            raise DatabaseError(
                f"the log lacks records between seq {lo + 1} and {hi}: it has no Merkle tree "
                "there (`timeline verify` names what is missing)"
            )
        return [record_leaf(seq, h) for seq, h in rows]

    def subtree(self, lo: int, hi: int) -> bytes:
        """The hash of the tree over the leaves ``lo`` to ``hi - 1``."""
        n = hi - lo
        if n <= 0:
            return EMPTY_ROOT
        if n & (n - 1) == 0 and lo % n == 0 and n >= _SMALL:  # a stored node
            level = n.bit_length() - 1
            return self._node(level, lo >> level)
        if n <= _SMALL:
            return root_of(self._leaves(lo, hi))
        k = split(n)
        return node_hash(self.subtree(lo, lo + k), self.subtree(lo + k, hi))

    def root(self, size: int) -> bytes:
        """The tree hash of the log's first ``size`` records."""
        return self.subtree(0, size)

    def inclusion(self, index: int, size: int) -> list[bytes]:
        """The audit path of leaf ``index`` (seq ``index + 1``) in the tree of ``size``."""
        return inclusion_proof(index, size, self.subtree)

    def consistency(self, size1: int, size2: int) -> list[bytes]:
        """The proof that the tree of ``size1`` is a prefix of the tree of ``size2``."""
        return consistency_proof(size1, size2, self.subtree)

    @property
    def level(self) -> int:
        """The smallest level stored: nodes of ``2**level`` leaves and more."""
        return TREE_LEVEL

    def stored(self) -> dict[tuple[int, int], bytes]:
        """Every stored node, by (level, index): what ``verify`` compares."""
        rows = self._db.rows("SELECT level, idx, hash FROM merkle_nodes")
        return {(level, index): bytes(h) for level, index, h in rows}


class TreeWriter(TreeReader):
    """Writes of the tree: the nodes completed by appended records, or all of them."""

    def __init__(self, conn: Connection, db: Driver, upkeep: Upkeep) -> None:
        super().__init__(db, upkeep)
        self._conn = conn
        self._frontier: Frontier | None = None  # the tree as this transaction left it

    def extend(self, leaves: Sequence[tuple[int, str]]) -> None:
        """Add the records just inserted, (seq, hash) in seq order, and store the nodes
        they complete."""
        if not leaves:
            return
        first = leaves[0][0]
        frontier = self._frontier
        if frontier is None or frontier.size != first - 1:
            frontier = self._read_frontier(first - 1)
        nodes: list[tuple[int, int, bytes]] = []
        for seq, h in leaves:
            if seq != frontier.size + 1:
                raise DatabaseError(
                    f"seq {seq} does not follow seq {frontier.size}: the log's Merkle "
                    "tree needs every seq in order"
                )
            nodes += frontier.push(record_leaf(seq, h))
        self._frontier = frontier
        self._insert([n for n in nodes if n[0] >= TREE_LEVEL])

    def _read_frontier(self, size: int) -> Frontier:
        """The tree of the first ``size`` leaves, as ``Frontier`` holds it (a read per
        perfect subtree, each a stored node or a few records)."""
        try:
            return Frontier(size, [self.subtree(lo, hi) for _, lo, hi in perfect_ranges(size)])
        except DatabaseError:
            raise DatabaseError(
                f"the log's Merkle tree cannot grow past seq {size}: records or tree nodes "
                "before it are missing (`timeline verify` names them; a log whose records "
                "were removed is put right by restoring a backup)"
            ) from None

    def rebuild(self, leaves: Iterable[tuple[int, str]]) -> int:
        """Drop the tree and make it again from the records, (seq, hash) in seq order, up
        to the first seq missing (a log with a gap has no tree past it; ``verify`` names
        the gap); the number of leaves."""
        self.clear()
        frontier = Frontier()
        batch: list[tuple[int, str]] = []
        for leaf in leaves:
            if leaf[0] != frontier.size + len(batch) + 1:
                break
            batch.append(leaf)
            if len(batch) == _BATCH:
                self._frontier = frontier
                self.extend(batch)
                batch = []
        self._frontier = frontier
        self.extend(batch)
        return frontier.size

    def clear(self) -> None:
        self._conn.exec_driver_sql("DELETE FROM merkle_nodes")
        self._frontier = None

    def _insert(self, nodes: Sequence[tuple[int, int, bytes]]) -> None:
        if not nodes:
            return
        mark = self._db.mark
        sql = f"INSERT INTO merkle_nodes (level, idx, hash) VALUES ({mark}, {mark}, {mark})"
        rows: list[Any] = list(nodes)
        self._conn.exec_driver_sql(sql, rows)
