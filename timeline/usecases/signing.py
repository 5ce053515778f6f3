"""Use cases of the signed checkpoints (see ``core.signing``): a signing key, kept in a
file outside the database with its public half published in the log; a checkpoint,
the log's tree head signed with it and appended; and the checkpoints so far."""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from timeline.core.errors import Missing, TimelineError
from timeline.core.model import TREE, Key, Record, TreeHead, TreeKey
from timeline.core.proofs import consistency_bundle, inclusion_bundle
from timeline.core.signing import (
    Checkpoint,
    SignatureError,
    SignedCheckpoint,
    SignerKey,
    VerifierKey,
    open_note,
    parse_checkpoint,
    sign_note,
)
from timeline.formats.backup import backup_line
from timeline.storage import EventStore, Reader
from timeline.usecases._append import append

__all__ = [
    "SignedCheckpoint",
    "checkpoint_sizes",
    "create_key",
    "cut_at",
    "keys",
    "prove_consistency",
    "prove_inclusion",
    "public_key_path",
    "published_keys",
    "read_key",
    "sign_checkpoint",
    "signed_checkpoints",
]


def read_key(path: Path) -> SignerKey:
    """The signing key in the file ``path`` (as ``create_key`` writes it)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TimelineError(
            f"no signing key at {path}: `timeline key create NAME` makes one"
        ) from None
    except (OSError, UnicodeDecodeError) as e:
        raise TimelineError(f"cannot read the signing key {path}: {e}") from None
    try:
        return SignerKey.parse(text)
    except SignatureError as e:
        raise TimelineError(f"{path}: not a signing key: {e}") from None


def published_keys(r: Reader) -> list[VerifierKey]:
    keys = []
    for rec in r.log.records([TREE]):
        if isinstance(rec.entry, TreeKey):
            try:
                keys.append(VerifierKey.parse(rec.entry.vkey))
            except SignatureError as e:  # a row changed behind timeline's back
                raise TimelineError(f"{rec.entry.key}: {e} (`timeline verify` names it)") from None
    return keys


def _next_key_id(r: Reader) -> str:
    n = len(published_keys(r)) + 1
    while r.log.find([Key(TREE, f"key-{n}")]):
        n += 1
    return f"key-{n}"


def public_key_path(path: Path) -> Path:
    """Where ``create_key`` writes the public half of the key in ``path``: ``path.pub``."""
    return path.with_name(path.name + ".pub")


def _create(path: Path, mode: int) -> int:
    try:
        return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        raise TimelineError(f"{path} exists: a signing key is never overwritten") from None
    except OSError as e:
        raise TimelineError(f"cannot create {path}: {e.strerror or e}") from None


def create_key(store: EventStore, name: str, path: Path, now: dt.datetime) -> VerifierKey:
    """A new Ed25519 key named ``name`` (a schema-less URL is the custom:
    ``example.org/timeline``), its private half written to ``path`` (readable by its
    owner only), its public half to ``path.pub`` (to hand to readers; neither is ever
    overwritten) and published in the log."""
    try:
        key = SignerKey.from_seed(name, secrets.token_bytes(32))
    except SignatureError as e:
        raise TimelineError(str(e)) from None
    public = public_key_path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise TimelineError(f"cannot create {path.parent}: {e.strerror or e}") from None
    made: list[Path] = []
    try:
        for where, mode, text in [(public, 0o644, key.verifier.text), (path, 0o600, key.text)]:
            fd = _create(where, mode)
            made.append(where)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text + "\n")
        with store.writing([TREE]) as w:
            entry = TreeKey(TREE, _next_key_id(w), key.verifier.text, now.date())
            append(w, [(entry, None)], now)
    except BaseException:
        for where in made:
            where.unlink(missing_ok=True)  # no key on disk that the log does not know
        raise
    return key.verifier


def sign_checkpoint(
    store: EventStore, path: Path, now: dt.datetime, *, daily: bool = False
) -> tuple[SignedCheckpoint, bool]:
    """Sign the log's tree head, as it stands, with the key in ``path`` (published in
    this log), and append the checkpoint: the log holds its first ``size`` records, and
    the checkpoint record is the next one. (The checkpoint, whether it is new): when the
    log's last record is a checkpoint of this key already, nothing is signed and that
    one is it; so too, if ``daily``, when this key signed one on ``now``'s day."""
    key = read_key(path)
    with store.writing(None) as w:  # the whole log: its head does not move meanwhile
        published = published_keys(w)
        if key.verifier not in published:
            raise TimelineError(
                f"the key in {path} ({key.name}) is not published in this log: a "
                "reader could not find it"
            )
        size = w.log.head()
        last = w.log.records_after(size - 1, None, 1) if size else []
        if last and isinstance(last[0].entry, TreeHead):  # nothing new since it
            standing = _signed(last[0], published)
            if standing.key == key.verifier:  # (another key signs it anew)
                return standing, False
        if daily:
            today = [
                x for x in w.log.records([TREE])
                if isinstance(x.entry, TreeHead) and x.entry.known == now.date()
            ]  # fmt: skip
            mine = [s for s in (_signed(x, published) for x in today) if s.key == key.verifier]
            if mine:
                return mine[-1], False
        note = sign_note(Checkpoint(key.name, size, w.log.tree.root(size)).text, key)
        entry = TreeHead(TREE, f"checkpoint-{size}", size, note, now.date())
        (record,) = append(w, [(entry, None)], now)
    return _signed(record, [key.verifier]), True


def _signed(record: Record, published: list[VerifierKey]) -> SignedCheckpoint:
    entry = record.entry
    if not isinstance(entry, TreeHead):
        raise TypeError(f"{entry.key} is not a checkpoint")
    try:
        text, (key, *_) = open_note(entry.note, published)
        head = parse_checkpoint(text)
    except SignatureError as e:  # a row changed behind timeline's back
        raise TimelineError(f"{entry.key}: {e} (`timeline verify` names it)") from None
    return SignedCheckpoint(record.seq, head.size, head.root, key, entry.known, entry.note)


def signed_checkpoints(store: EventStore, size: int | None = None) -> list[SignedCheckpoint]:
    """Every checkpoint the log holds, in order, each opened with the keys it publishes;
    or the one of ``size`` (``Missing`` if it holds none)."""
    with store.reading() as r:
        found = _heads(r)
    return found if size is None else [_covering(found, size, 0)]


def _heads(r: Reader) -> list[SignedCheckpoint]:
    published = published_keys(r)
    return [_signed(x, published) for x in r.log.records([TREE]) if isinstance(x.entry, TreeHead)]


def keys(store: EventStore) -> list[VerifierKey]:
    """The keys the log publishes, in order."""
    with store.reading() as r:
        return published_keys(r)


def _covering(found: list[SignedCheckpoint], size: int | None, least: int) -> SignedCheckpoint:
    """The checkpoint of ``size`` (None: the latest), which must sign ``least`` records."""
    if size is not None:
        chosen = [c for c in found if c.size == size]
        if not chosen:
            sizes = ", ".join(str(c.size) for c in found) or "none yet"
            raise Missing(f"no checkpoint of size {size} (the log has: {sizes})")
        head = chosen[0]
    elif found:
        head = found[-1]
    else:
        raise Missing("the log holds no checkpoint: `timeline checkpoint` signs one")
    if head.size < least:
        raise TimelineError(
            f"the checkpoint of size {head.size} signs the first {head.size} records, not "
            f"seq {least}: `timeline checkpoint` signs the log as it stands"
        )
    return head


def prove_inclusion(
    store: EventStore,
    key: Key,
    size: int | None = None,
    shown: Callable[[Record], bool] | None = None,
) -> dict[str, Any]:
    """The bundle that shows the record ``key`` among the records a checkpoint signs
    (the checkpoint of ``size``; None: the latest). ``shown``: whether the one asking
    may see the record whole (a bundle holds it whole); one they may not is as missing
    as one never recorded."""
    with store.reading() as r:
        found = r.log.find([key]).get(key)
        if found is None or (shown is not None and not shown(found)):
            raise Missing(f"no record {key} in the log")
        signed = _heads(r)
        head = _covering(signed, size, found.seq)
        path = r.log.tree.inclusion(found.seq - 1, head.size)
    line = json.loads(backup_line(found))
    return inclusion_bundle(line, path, head.note, head.key)


def prove_consistency(store: EventStore, old: int, new: int | None = None) -> dict[str, Any]:
    """The bundle that shows the log at the checkpoint of size ``old`` is a prefix of
    the log at the checkpoint of size ``new`` (None: the latest)."""
    with store.reading() as r:
        signed = _heads(r)
        first = _covering(signed, old, 0)
        last = _covering(signed, new, first.size)
        path = r.log.tree.consistency(first.size, last.size)
    return consistency_bundle(first.note, last.note, path, [first.key, last.key])


def cut_at(store: EventStore, size: int | None) -> SignedCheckpoint | None:
    """The checkpoint an answer is cut at: the one of ``size``; None: the latest, when
    nothing but the log's own tree records (keys, checkpoints) came after it, so that
    the answer at the head is the answer at it; else none."""
    with store.reading() as r:
        if size is not None:
            return _covering(_heads(r), size, 0)
        tree = r.log.records([TREE])  # few: only the last checkpoint's note is opened
        heads = [(x, x.entry) for x in tree if isinstance(x.entry, TreeHead)]
        if not heads:
            return None
        last, head = heads[-1]
        after = sum(1 for x in tree if x.seq > head.size)
        if r.log.head() - head.size != after:
            return None
        return _signed(last, published_keys(r))


def checkpoint_sizes(store: EventStore) -> list[int]:
    """The sizes the log's checkpoints sign, in order (their notes not opened)."""
    with store.reading() as r:
        return [x.entry.size for x in r.log.records([TREE]) if isinstance(x.entry, TreeHead)]
