"""The log as a Merkle tree, exactly as RFC 9162 §2.1 defines it. Pure: no I/O.

A leaf is ``SHA-256(0x00 || bytes)``, an inner node ``SHA-256(0x01 || left || right)``,
and a tree of ``n`` leaves splits at ``k``, the largest power of two below ``n``: its
hash is that of the node over the tree of the first ``k`` leaves and the tree of the
rest (the empty tree's hash is ``SHA-256()``). The tree over the log's records in
``seq`` order commits to every record and to their order: a root published once is
extended by every later root, which a *consistency proof* shows, and an *inclusion
proof* shows one record was among the first ``n``, each in O(log n) hashes.

The proofs are made from ``subtree(lo, hi)``, the hash of the tree over the leaves
``lo`` to ``hi - 1`` (only ever a tree RFC 9162 splits off: a stored node, or a few
hashed together), so that the store reads O(log n) rows per proof. The verifiers follow
RFC 9162 §2.1.3.2 and §2.1.4.2, and refuse what lenient verifiers have been caught
taking: a proof longer or shorter than its sizes give, a first size above the second, a
consistency proof from the empty tree. A proof binds its sizes only as far as they
shape it (a consistency proof from 3 to 7 leaves is also one from 3 to 5: the verifier
never learns whether a hash covers one leaf or three): a signed checkpoint binds each
size to its root. This module needs only ``hashlib``: another program may copy it to
check a proof.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

__all__ = [
    "EMPTY_ROOT",
    "Frontier",
    "ProofError",
    "consistency_proof",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "perfect_ranges",
    "record_leaf",
    "root_of",
    "split",
    "tree_nodes",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

Subtree = Callable[[int, int], bytes]  # (lo, hi) -> the hash of the leaves lo..hi-1


class ProofError(ValueError):
    """A proof that does not show what it claims (its text says why)."""


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def record_leaf(seq: int, record_hash: str) -> bytes:
    """The leaf of a log record: its ``seq`` and the hash that chains it into its thread
    (``chain.record_hash``, over its kind, payload, stamp, title and the previous hash),
    as ASCII ``"SEQ HASH"``: the tree commits to every record's content and place."""
    return leaf_hash(f"{seq} {record_hash}".encode("ascii"))


def split(n: int) -> int:
    """The largest power of two below ``n`` (n > 1): where RFC 9162 splits a tree."""
    return 1 << ((n - 1).bit_length() - 1)


def root_of(leaves: Sequence[bytes]) -> bytes:
    """The tree hash of some leaf hashes (RFC 9162's MTH over the leaves' data)."""
    if not leaves:
        return EMPTY_ROOT
    level = list(leaves)
    # level by level, pairing from the left: a node without a partner is carried up as
    # it is, which builds the same tree as splitting at the largest power of two
    while len(level) > 1:
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def perfect_ranges(size: int) -> list[tuple[int, int, int]]:
    """The perfect subtrees a tree of ``size`` leaves is made of, largest first, as
    (level, first leaf, end): one per bit set in ``size``."""
    out, lo = [], 0
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            out.append((level, lo, lo + (1 << level)))
            lo += 1 << level
    return out


class Frontier:
    """A tree of ``size`` leaves grown one leaf at a time, holding only the roots of its
    perfect subtrees (``perfect_ranges``): what an append needs to know of the tree, and
    what it completes."""

    def __init__(self, size: int = 0, roots: Sequence[bytes] = ()) -> None:
        levels = [level for level, _, _ in perfect_ranges(size)]
        if len(roots) != len(levels):
            raise ValueError(f"a tree of {size} has {len(levels)} perfect subtrees")
        self.size = size
        self._nodes = list(zip(levels, roots, strict=True))

    def push(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Add a leaf hash; the nodes it completes, as (level, index, hash): the index
        of a node of level L counts the nodes of 2**L leaves from the left."""
        level, value, done = 0, leaf, []
        while self._nodes and self._nodes[-1][0] == level:
            value = node_hash(self._nodes.pop()[1], value)
            level += 1
            done.append((level, self.size >> level, value))
        self._nodes.append((level, value))
        self.size += 1
        return done

    def root(self) -> bytes:
        """The tree hash of the leaves so far."""
        if not self._nodes:
            return EMPTY_ROOT
        value = self._nodes[-1][1]
        for _, left in reversed(self._nodes[:-1]):
            value = node_hash(left, value)
        return value


def tree_nodes(
    leaves: Iterable[tuple[int, str]], min_level: int
) -> tuple[int, dict[tuple[int, int], bytes]]:
    """The tree of records given as (seq, hash) in seq order, up to the first seq
    missing: its size, and every perfect subtree of level ``min_level`` or more, by
    (level, index)."""
    frontier, nodes = Frontier(), {}
    for seq, record_hash in leaves:
        if seq != frontier.size + 1:
            break
        for level, index, value in frontier.push(record_leaf(seq, record_hash)):
            if level >= min_level:
                nodes[level, index] = value
    return frontier.size, nodes


def inclusion_proof(index: int, size: int, subtree: Subtree) -> list[bytes]:
    """RFC 9162's PATH(index, D[size]): the audit path of leaf ``index`` in the tree of
    the first ``size`` leaves, from the leaf's sibling up."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of {size}")
    path: list[bytes] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = split(hi - lo)
        if index < lo + k:
            path.append(subtree(lo + k, hi))
            hi = lo + k
        else:
            path.append(subtree(lo, lo + k))
            lo += k
    return path[::-1]


def consistency_proof(size1: int, size2: int, subtree: Subtree) -> list[bytes]:
    """RFC 9162's PROOF(size1, D[size2]): the nodes that show the tree of the first
    ``size1`` leaves is a prefix of the tree of ``size2``."""
    if not 0 < size1 <= size2:
        raise ProofError(f"no consistency proof from a tree of {size1} to one of {size2}")
    proof: list[bytes] = []
    lo, hi, m, whole = 0, size2, size1, True
    while m != hi - lo:
        k = split(hi - lo)
        if m <= k:
            proof.append(subtree(lo + k, hi))
            hi = lo + k
        else:
            proof.append(subtree(lo, lo + k))
            lo, m, whole = lo + k, m - k, False
    if not whole:  # the old tree is not a node of the new one: say its node
        proof.append(subtree(lo, hi))
    return proof[::-1]


def _hashes(values: Sequence[bytes], what: str) -> None:
    for value in values:
        if len(value) != HASH_SIZE:
            raise ProofError(f"{what}: a hash of {len(value)} bytes, not {HASH_SIZE}")


def _inclusion_length(index: int, size: int) -> int:
    """How many hashes the audit path of ``index`` in a tree of ``size`` holds."""
    inner = (index ^ (size - 1)).bit_length()  # levels below where the paths split
    border = bin(index >> inner).count("1")  # the right border above them
    return inner + border


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """Does ``proof`` show the leaf hash ``leaf`` at ``index`` of the tree of ``size``
    whose hash is ``root``? ProofError if not (RFC 9162 §2.1.3.2)."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of {size}")
    _hashes([leaf, root, *proof], "inclusion proof")
    if len(proof) != _inclusion_length(index, size):
        raise ProofError(
            f"an inclusion proof of leaf {index} in a tree of {size} holds "
            f"{_inclusion_length(index, size)} hashes, not {len(proof)}"
        )
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofError("the inclusion proof is longer than the tree is high")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0 or r != root:
        raise ProofError(f"the inclusion proof does not lead to the root of the tree of {size}")


def verify_consistency(
    size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes]
) -> None:
    """Does ``proof`` show the tree of ``size1`` (hash ``root1``) is a prefix of the
    tree of ``size2`` (hash ``root2``)? ProofError if not (RFC 9162 §2.1.4.2)."""
    _hashes(proof, "consistency proof")
    if size1 > size2:
        raise ProofError(f"a tree of {size1} cannot be a prefix of a smaller one ({size2})")
    if size1 == 0:
        raise ProofError("a consistency proof from the empty tree proves nothing")
    if size1 == size2:
        if proof:
            raise ProofError("two trees of one size need no proof, and this one has some")
        if root1 != root2:
            raise ProofError(f"two different roots for the tree of {size1}")
        return
    if not proof:
        raise ProofError("an empty consistency proof between two sizes")
    path = list(proof)
    if size1 & (size1 - 1) == 0:  # the old tree is a node of the new one: its root
        path.insert(0, root1)
    fr, sr = _consistency_roots(size1, size2, path)
    if fr != root1:
        raise ProofError(f"the consistency proof does not lead to the root of the tree of {size1}")
    if sr != root2:
        raise ProofError(f"the consistency proof does not lead to the root of the tree of {size2}")


def _consistency_roots(size1: int, size2: int, path: Sequence[bytes]) -> tuple[bytes, bytes]:
    """The two roots a consistency path leads to (RFC 9162 §2.1.4.2, steps 3 to 6)."""
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("the consistency proof is longer than the sizes allow")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("the consistency proof is shorter than the sizes need")
    return fr, sr
