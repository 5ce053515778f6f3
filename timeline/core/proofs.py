"""Proof bundles, and their check with no database and no network. Pure: no I/O.

An *inclusion bundle* shows that a record was in the log when a checkpoint was signed:
the record (as a backup line holds it), the audit path of its leaf, and the signed
checkpoint. Checking it recomputes the record's hash from its fields
(``chain.record_hash``), its leaf (``merkle.record_leaf``), and the root the path leads
to, and opens the checkpoint with the key. A *consistency bundle* shows that the log
at one checkpoint is a prefix of the log at a later one: the two checkpoints and the
path between them. Both are JSON objects, naming the keys that signed them (``keys``:
a convenience; a reader checks with keys it trusts). To check one, a reader needs this
module, ``merkle``, ``signing``, ``chain.record_hash`` and ``codec.canonical``, and the
``cryptography`` package for Ed25519.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from timeline.core.chain import record_hash
from timeline.core.codec import canonical
from timeline.core.merkle import ProofError, record_leaf, verify_consistency, verify_inclusion
from timeline.core.signing import (
    Checkpoint,
    SignatureError,
    VerifierKey,
    open_note,
    parse_checkpoint,
)

__all__ = [
    "CONSISTENCY",
    "INCLUSION",
    "BundleError",
    "Verified",
    "consistency_bundle",
    "inclusion_bundle",
    "verify_bundle",
]

INCLUSION = "timeline-inclusion-proof/1"
CONSISTENCY = "timeline-consistency-proof/1"
# what a bundle's record holds: what its hash covers, its seq (which the leaf covers),
# its name (checked against its payload's) and the hash; nothing a reader cannot check
RECORD_FIELDS = frozenset(
    {"seq", "recorded_at", "kind", "thread", "id", "thread_title", "payload", "prev_hash", "hash"}
)
BUNDLE_FIELDS = {
    INCLUSION: frozenset({"format", "record", "path", "checkpoint", "keys"}),
    CONSISTENCY: frozenset({"format", "old", "new", "path", "keys"}),
}


class BundleError(ValueError):
    """A bundle that does not prove what it says (its text says why)."""


@dataclass(frozen=True)
class Verified:
    """What a bundle proved: the log (its origin) and the key that signed it; for an
    inclusion, the record (``thread/id``, ``seq``) among the first ``size`` records; for
    a consistency, that the first ``old_size`` records are those of the log at ``size``."""

    kind: str
    origin: str
    key: str  # the key's name
    size: int
    record: str | None = None
    seq: int | None = None
    old_size: int | None = None


def _b64(values: Sequence[bytes]) -> list[str]:
    return [base64.b64encode(v).decode() for v in values]


def inclusion_bundle(
    record: Mapping[str, Any], path: Sequence[bytes], note: str, key: VerifierKey
) -> dict[str, Any]:
    """The bundle of a record (its backup line, as a JSON object: what a reader cannot
    check of it is left out), its audit path in the tree a checkpoint signs, the
    checkpoint's note, and the key that signed it."""
    return {
        "format": INCLUSION,
        "record": {k: v for k, v in record.items() if k in RECORD_FIELDS or k == "recorded_by"},
        "path": _b64(path),
        "checkpoint": note,
        "keys": [key.text],
    }


def consistency_bundle(
    old_note: str, new_note: str, path: Sequence[bytes], keys: Sequence[VerifierKey]
) -> dict[str, Any]:
    """The bundle that shows the log at the checkpoint ``old_note`` is a prefix of the
    log at ``new_note`` (``keys``: those that signed the two)."""
    return {
        "format": CONSISTENCY,
        "old": old_note,
        "new": new_note,
        "path": _b64(path),
        "keys": list(dict.fromkeys(k.text for k in keys)),
    }


def _field(bundle: Mapping[str, Any], name: str, kind: type) -> Any:
    value = bundle.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise BundleError(f"the bundle's {name!r} is missing or not a {kind.__name__}")
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise BundleError(f"the bundle's {name!r} is not text") from None
    return value


def _path(bundle: Mapping[str, Any]) -> list[bytes]:
    values = _field(bundle, "path", list)
    try:
        return [base64.b64decode(v, validate=True) for v in values]
    except (binascii.Error, ValueError, TypeError):
        raise BundleError("the bundle's path holds something that is not base64") from None


def _head(note: str, keys: Sequence[VerifierKey]) -> tuple[Checkpoint, VerifierKey]:
    text, (key, *_) = open_note(note, list(keys))
    head = parse_checkpoint(text)
    if head.origin != key.name:
        raise BundleError(f"the checkpoint is of the log {head.origin!r}, signed by {key.name}")
    return head, key


def _record_leaf(record: Mapping[str, Any]) -> tuple[int, bytes, str]:
    """(seq, leaf, thread/id) of a record given as a backup line: its hash recomputed."""
    unchecked = set(record) - RECORD_FIELDS - {"recorded_by"}
    if unchecked:
        raise BundleError(f"the record holds what its hash does not cover: {sorted(unchecked)}")
    seq = _field(record, "seq", int)
    hashed = record_hash(
        _field(record, "kind", str),
        canonical(_field(record, "payload", dict)),
        _field(record, "prev_hash", str),
        _field(record, "recorded_at", str),
        record.get("thread_title"),
        record.get("recorded_by"),
    )
    if hashed != record.get("hash"):
        raise BundleError("the record's fields do not give its hash: it was altered")
    # the name the hash covers is the payload's: the line's own copy must agree
    payload = record["payload"]
    thread, event_id = payload.get("thread"), payload.get("id")
    if (record.get("thread"), record.get("id")) != (thread, event_id):
        raise BundleError("the record's thread/id is not its payload's: it was altered")
    return seq, record_leaf(seq, hashed), f"{thread}/{event_id}"


def verify_bundle(bundle: Mapping[str, Any], keys: Sequence[VerifierKey]) -> Verified:
    """Check a bundle with ``keys`` (those a reader trusts): what it proved, or
    BundleError saying why it proves nothing."""
    try:
        kind = bundle.get("format")
        expected = BUNDLE_FIELDS.get(kind) if isinstance(kind, str) else None
        extra = set(bundle) - expected if expected is not None else set()
        if extra:
            raise BundleError(f"the bundle holds what no check covers: {sorted(extra)}")
        if kind == INCLUSION:
            return _inclusion(bundle, keys)
        if kind == CONSISTENCY:
            return _consistency(bundle, keys)
    except (ProofError, SignatureError) as e:
        raise BundleError(str(e)) from None
    raise BundleError(f"not a proof bundle of timeline (format {kind!r})")


def _inclusion(bundle: Mapping[str, Any], keys: Sequence[VerifierKey]) -> Verified:
    head, key = _head(_field(bundle, "checkpoint", str), keys)
    seq, leaf, name = _record_leaf(_field(bundle, "record", dict))
    if not 0 < seq <= head.size:
        raise BundleError(f"seq {seq} is not among the {head.size} records the checkpoint signs")
    verify_inclusion(seq - 1, head.size, leaf, _path(bundle), head.root)
    return Verified(INCLUSION, head.origin, key.name, head.size, name, seq)


def _consistency(bundle: Mapping[str, Any], keys: Sequence[VerifierKey]) -> Verified:
    old, _ = _head(_field(bundle, "old", str), keys)
    new, other = _head(_field(bundle, "new", str), keys)
    if new.origin != old.origin:
        raise BundleError(f"the checkpoints are of two logs: {old.origin}, {new.origin}")
    verify_consistency(old.size, new.size, old.root, new.root, _path(bundle))
    return Verified(CONSISTENCY, new.origin, other.name, new.size, old_size=old.size)
