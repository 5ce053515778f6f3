"""The Merkle tree of RFC 9162: roots, inclusion and consistency proofs and their
verifiers, held to published vectors (transparency-dev/merkle, vendored in
``data/merkle_vectors.json``), to RFC 9162's recursive definitions, and to an
independent implementation (pymerkle, a test-only dependency: it is GPL)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pymerkle
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import examples
from timeline.core.merkle import (
    EMPTY_ROOT,
    ProofError,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_of,
    split,
    verify_consistency,
    verify_inclusion,
)

VECTORS = json.loads((Path(__file__).parent / "data" / "merkle_vectors.json").read_text())

# transparency-dev/merkle's reference tree: its leaves' data and each size's root
LEAF_INPUTS = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
ROOTS = [
    EMPTY_ROOT.hex(),
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
REFERENCE = [leaf_hash(x) for x in LEAF_INPUTS]


def _b64(values: Sequence[str] | None) -> list[bytes]:
    return [base64.b64decode(v) for v in values or ()]


def _subtree(leaves: Sequence[bytes]) -> Callable[[int, int], bytes]:
    return lambda lo, hi: root_of(leaves[lo:hi])


# ---- RFC 9162's definitions, written as the RFC writes them (recursively) ------------


def mth(leaves: Sequence[bytes]) -> bytes:
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaves[0]
    k = split(len(leaves))
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def path(m: int, leaves: Sequence[bytes]) -> list[bytes]:
    if len(leaves) == 1:
        return []
    k = split(len(leaves))
    if m < k:
        return [*path(m, leaves[:k]), mth(leaves[k:])]
    return [*path(m - k, leaves[k:]), mth(leaves[:k])]


def subproof(m: int, leaves: Sequence[bytes], whole: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if whole else [mth(leaves)]
    k = split(n)
    if m <= k:
        return [*subproof(m, leaves[:k], whole), mth(leaves[k:])]
    return [*subproof(m - k, leaves[k:], False), mth(leaves[:k])]


# ---- the reference tree and the vectors ----------------------------------------------


def test_the_roots_of_the_reference_tree_are_the_published_ones() -> None:
    assert [root_of(REFERENCE[:n]).hex() for n in range(9)] == ROOTS


@pytest.mark.parametrize("case", VECTORS["inclusion"], ids=lambda c: c["file"])
def test_inclusion_vectors(case: dict[str, Any]) -> None:
    args = (case["leafIdx"], case["treeSize"], base64.b64decode(case["leafHash"]))
    proof, root = _b64(case["proof"]), base64.b64decode(case["root"])
    if case["wantErr"]:
        with pytest.raises(ProofError):
            verify_inclusion(*args, proof, root)
    else:
        verify_inclusion(*args, proof, root)


@pytest.mark.parametrize("case", VECTORS["consistency"], ids=lambda c: c["file"])
def test_consistency_vectors(case: dict[str, Any]) -> None:
    sizes = (case["size1"], case["size2"])
    roots = (base64.b64decode(case["root1"] or ""), base64.b64decode(case["root2"] or ""))
    if case["wantErr"]:
        with pytest.raises(ProofError):
            verify_consistency(*sizes, *roots, _b64(case["proof"]))
    else:
        verify_consistency(*sizes, *roots, _b64(case["proof"]))


def test_the_proofs_made_of_the_reference_tree_are_the_published_ones() -> None:
    made = 0
    for case in VECTORS["inclusion"]:
        index, size = case["leafIdx"], case["treeSize"]
        leaf = base64.b64decode(case["leafHash"])
        if case["wantErr"] or size > len(REFERENCE) or REFERENCE[index] != leaf:
            continue
        assert inclusion_proof(index, size, _subtree(REFERENCE)) == _b64(case["proof"])
        made += 1
    for case in VECTORS["consistency"]:
        size1, size2 = case["size1"], case["size2"]
        if case["wantErr"] or size2 > len(REFERENCE) or size1 == size2:
            continue
        assert consistency_proof(size1, size2, _subtree(REFERENCE)) == _b64(case["proof"])
        made += 1
    assert made >= 8  # the happy paths of each folder


# ---- the verifier bugs others shipped ----------------------------------------------------


def test_an_inclusion_proof_with_a_hash_too_many_or_too_few_is_refused() -> None:
    proof = inclusion_proof(2, 7, _subtree(REFERENCE))
    root = root_of(REFERENCE[:7])
    verify_inclusion(2, 7, REFERENCE[2], proof, root)
    for wrong in ([*proof, proof[0]], [*proof, root], proof[:-1], [REFERENCE[3], *proof]):
        with pytest.raises(ProofError):
            verify_inclusion(2, 7, REFERENCE[2], wrong, root)


def test_an_inclusion_proof_for_another_size_or_index_is_refused() -> None:
    proof = inclusion_proof(4, 6, _subtree(REFERENCE))
    verify_inclusion(4, 6, REFERENCE[4], proof, root_of(REFERENCE[:6]))
    for index, size in ((4, 5), (4, 7), (4, 8), (5, 6), (0, 6), (6, 6), (-1, 6)):
        with pytest.raises(ProofError):
            verify_inclusion(index, size, REFERENCE[4], proof, root_of(REFERENCE[:6]))


def test_a_consistency_proof_for_the_wrong_second_size_is_refused() -> None:
    proof = consistency_proof(3, 7, _subtree(REFERENCE))
    r3, r7 = root_of(REFERENCE[:3]), root_of(REFERENCE[:7])
    verify_consistency(3, 7, r3, r7, proof)
    # (5, 6 and 8 give this proof the same shape, and so the same hashes: a proof binds
    # the second size only so far, which is why a checkpoint signs the size with the root)
    for size2 in (4, 9, 14, 16):
        with pytest.raises(ProofError):
            verify_consistency(3, size2, r3, r7, proof)


def test_a_first_size_above_the_second_or_an_empty_first_tree_is_refused() -> None:
    r3, r7 = root_of(REFERENCE[:3]), root_of(REFERENCE[:7])
    with pytest.raises(ProofError, match="prefix of a smaller"):
        verify_consistency(7, 3, r7, r3, consistency_proof(3, 7, _subtree(REFERENCE)))
    with pytest.raises(ProofError, match="empty tree"):
        verify_consistency(0, 7, EMPTY_ROOT, r7, [])
    with pytest.raises(ProofError):
        consistency_proof(7, 3, _subtree(REFERENCE))
    with pytest.raises(ProofError):
        consistency_proof(0, 3, _subtree(REFERENCE))


def test_equal_sizes_need_an_empty_proof_and_the_same_root() -> None:
    r5 = root_of(REFERENCE[:5])
    assert consistency_proof(5, 5, _subtree(REFERENCE)) == []
    verify_consistency(5, 5, r5, r5, [])
    with pytest.raises(ProofError):
        verify_consistency(5, 5, r5, root_of(REFERENCE[:4]), [])
    with pytest.raises(ProofError):
        verify_consistency(5, 5, r5, r5, [r5])


# ---- any tree: RFC 9162's definitions, and every changed byte caught -----------------

leaf_lists = st.lists(st.binary(max_size=6), min_size=1, max_size=40).map(
    lambda data: [leaf_hash(d) for d in data]
)


@given(leaves=leaf_lists, data=st.data())
@settings(max_examples=examples(150), deadline=None)
def test_every_proof_of_any_tree_is_rfc_9162s_and_verifies(
    leaves: list[bytes], data: st.DataObject
) -> None:
    n = len(leaves)
    subtree = _subtree(leaves)
    assert root_of(leaves) == mth(leaves)
    index = data.draw(st.integers(0, n - 1))
    size = data.draw(st.integers(index + 1, n))
    proof = inclusion_proof(index, size, subtree)
    assert proof == path(index, leaves[:size])
    verify_inclusion(index, size, leaves[index], proof, mth(leaves[:size]))
    size1 = data.draw(st.integers(1, n))
    size2 = data.draw(st.integers(size1, n))
    proof = consistency_proof(size1, size2, subtree)
    assert proof == subproof(size1, leaves[:size2], True)
    verify_consistency(size1, size2, mth(leaves[:size1]), mth(leaves[:size2]), proof)


def _flip(value: bytes, bit: int) -> bytes:
    out = bytearray(value)
    out[bit // 8 % len(out)] ^= 1 << (bit % 8)
    return bytes(out)


@given(leaves=leaf_lists.filter(lambda x: len(x) > 1), data=st.data())
@settings(max_examples=examples(150), deadline=None)
def test_any_changed_bit_in_a_leaf_a_path_or_a_root_fails(
    leaves: list[bytes], data: st.DataObject
) -> None:
    n = len(leaves)
    subtree, bit = _subtree(leaves), data.draw(st.integers(0, 255))
    index = data.draw(st.integers(0, n - 1))
    proof, root = inclusion_proof(index, n, subtree), mth(leaves)
    at = data.draw(st.integers(-2, len(proof) - 1))  # -2: the leaf, -1: the root
    leaf = _flip(leaves[index], bit) if at == -2 else leaves[index]
    changed = [_flip(p, bit) if i == at else p for i, p in enumerate(proof)]
    with pytest.raises(ProofError):
        verify_inclusion(index, n, leaf, changed, _flip(root, bit) if at == -1 else root)
    size1 = data.draw(st.integers(1, n - 1))
    proof = consistency_proof(size1, n, subtree)
    roots = [mth(leaves[:size1]), root]
    at = data.draw(st.integers(-2, len(proof) - 1))  # -2, -1: the roots
    if at < 0:
        roots[at] = _flip(roots[at], bit)
    changed = [_flip(p, bit) if i == at else p for i, p in enumerate(proof)]
    with pytest.raises(ProofError):
        verify_consistency(size1, n, roots[0], roots[1], changed)


# ---- an independent implementation --------------------------------------------------------


@given(data=st.lists(st.binary(max_size=8), min_size=1, max_size=40))
@settings(max_examples=examples(60), deadline=None)
def test_pymerkle_builds_the_same_root_for_every_size(data: list[bytes]) -> None:
    tree = pymerkle.InmemoryTree(algorithm="sha256")
    for n, value in enumerate(data, 1):
        tree.append_entry(value)
        assert tree.get_root(n) == root_of([leaf_hash(d) for d in data[:n]])
