"""The input rules, applied again to a whole log: what ``restore`` checks before it puts a
backup back. Pure: no I/O.

A backup's hashes prove that it is what some database held, not that the records obey
the rules ``add`` and ``import`` enforce: a crafted backup with valid hashes could
otherwise carry a status no one can record, a known day before the event's date, a ref
to nothing, or a correction no view can survive. Each record is rebuilt from its input
form through the same gate as user input (``validate``), and must come out identical;
refs and targets must name records of the log; every amendment must keep every view of
its event valid (``amend.check_views``), as when it was recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from timeline.core.access import SCOPES, in_force
from timeline.core.amend import check_views, fill_target
from timeline.core.errors import InvalidEvent
from timeline.core.mapper import entry_to_payload
from timeline.core.merkle import Frontier, record_leaf
from timeline.core.model import (
    ALIASES,
    TOKENS,
    TREE,
    Alias,
    Amendment,
    Correction,
    Entry,
    Event,
    Key,
    Label,
    Record,
    Retitle,
    Token,
    TreeHead,
    TreeKey,
    Written,
)
from timeline.core.names import Names, alias_problem
from timeline.core.signing import SignatureError, VerifierKey, open_note, parse_checkpoint
from timeline.core.validate import entry_from_input, text_field

__all__ = ["audit", "input_form"]


def input_form(entry: Written) -> dict[str, Any]:
    """The entry as a user would have written it: what ``validate`` turns back into it."""
    p = entry_to_payload(entry)
    given = p.pop("known_given")
    if not given:
        del p["known"]
    if not isinstance(entry, Event):
        p["type"] = p.pop("kind")
    return p


def _rebuilt(entry: Written, records: dict[Key, Record]) -> str | None:
    """Why the entry is not what the input rules make of its input form (None if it is)."""
    try:
        again = entry_from_input(input_form(entry))
        if not isinstance(again, Event):
            target = records.get(again.target)
            again = fill_target(again, None if target is None else target.entry)
    except InvalidEvent as e:
        return "; ".join(message for _, message in e.problems)
    if again != entry:
        return "its payload is not what the input rules make of it (altered)"
    return None


def _event_of(amendment: Amendment, records: dict[Key, Record]) -> Record | None:
    target = records.get(amendment.target)
    if target is not None and isinstance(target.entry, Correction):
        return records.get(target.entry.target)
    return target


def _amendment_problem(
    amendment: Amendment, records: dict[Key, Record], earlier: dict[Key, list[Record]]
) -> str | None:
    event = _event_of(amendment, records)
    if event is None or not isinstance(event.entry, Event):
        return f"it amends {amendment.target}, which is not an event recorded before it"
    key = event.entry.key
    fixes = [r.entry.key for r in earlier.get(key, []) if isinstance(r.entry, Correction)]
    stored = [*earlier.get(key, []), *(r for f in fixes for r in earlier.get(f, []))]
    try:
        check_views(amendment, event, sorted(stored, key=lambda r: r.seq))
    except InvalidEvent as e:
        return "; ".join(message for _, message in e.problems)
    return None


def audit(records: Sequence[Record]) -> list[tuple[int, str]]:
    """Every record that breaks the input rules: (its index in ``records``, why), in seq
    order. ``records`` are a whole log in seq order."""
    problems: list[tuple[int, str]] = []
    every = {r.entry.key: r for r in records}
    seen: dict[Key, Record] = {}
    earlier: dict[Key, list[Record]] = {}  # amendments recorded so far, by their target
    tree, labels = _Tree(), _Labels()
    for i, record in enumerate(records):
        entry = record.entry
        signed = tree.take(record)  # a key or a checkpoint: why it is wrong, if it is
        if isinstance(entry, Label):
            why = signed if isinstance(entry, TreeKey | TreeHead) else labels.take(entry, record)
            if why is not None:
                problems.append((i, f"{entry.key}: {why}"))
            seen[entry.key] = record
            continue
        why = _rebuilt(entry, seen)
        if why is None and isinstance(entry, Event):
            missing = [str(r) for r in entry.refs if not isinstance(_entry(every, r), Event)]
            why = f"refs: no event {', '.join(missing)} in the log" if missing else None
        elif why is None and not isinstance(entry, Event):
            why = _amendment_problem(entry, seen, earlier)
        if why is not None:
            problems.append((i, f"{entry.key}: {why}"))
        seen[entry.key] = record
        if not isinstance(entry, Event):
            earlier.setdefault(entry.target, []).append(record)
    return problems


class _Labels:
    """The aliases and the tokens in force as ``audit`` walks the log."""

    def __init__(self) -> None:
        self.names = Names()
        self.tokens: dict[str, str] = {}
        self.tokens_seen: list[Record] = []

    def take(self, entry: Retitle | Alias | Token, record: Record) -> str | None:
        """Why the title, alias or token record is wrong (None: it is right, and is
        now in force)."""
        why = _label_problem(entry, record, self.names, self.tokens)
        if why is None and isinstance(entry, Alias):
            self.names = Names({**self.names.pairs, entry.alias: entry.canonical})
        elif why is None and isinstance(entry, Token):
            self.tokens = in_force([*self.tokens_seen, record])
            self.tokens_seen.append(record)
        return why


class _Tree:
    """The log's Merkle tree as ``audit`` walks the log, and the keys published so far:
    a checkpoint must be signed by one of them, over the tree of the records before it."""

    def __init__(self) -> None:
        self.frontier = Frontier()
        self.keys: list[VerifierKey] = []

    def take(self, record: Record) -> str | None:
        """Add the record to the tree; why it is not a key or checkpoint ``timeline``
        records, if it is one and is not (None otherwise)."""
        entry = record.entry
        why = None
        if isinstance(entry, TreeKey | TreeHead) and entry.thread != TREE:
            why = "a key or a checkpoint lives in the log's thread of its tree heads"
        elif record.thread_title is not None and isinstance(entry, TreeKey | TreeHead):
            why = "a key or a checkpoint names no thread title"
        elif isinstance(entry, TreeKey):
            why = self._key(entry) if isinstance(entry.vkey, str) else "its key is not text"
        elif isinstance(entry, TreeHead):
            sound = isinstance(entry.note, str) and type(entry.size) is int
            why = self._head(entry, record.seq) if sound else "its size or note is malformed"
        if record.seq == self.frontier.size + 1:  # a gap is named by the chain checks
            self.frontier.push(record_leaf(record.seq, record.hash))
        return why

    def _key(self, entry: TreeKey) -> str | None:
        try:
            key = VerifierKey.parse(entry.vkey)
        except SignatureError as e:
            return str(e)
        if key.text != entry.vkey:
            return "its key is not written as a verifier key is"
        self.keys.append(key)
        return None

    def _head(self, entry: TreeHead, seq: int) -> str | None:
        if entry.size != seq - 1:
            return (
                f"a checkpoint signs the log just before it ({seq - 1} records), not {entry.size}"
            )
        try:
            text, (key, *_) = open_note(entry.note, self.keys)
            head = parse_checkpoint(text)
        except SignatureError as e:
            return f"its note: {e}"
        if head.origin != key.name or head.size != entry.size:
            return "its note signs another log or another size"
        if self.frontier.size == entry.size and head.root != self.frontier.root():
            return "its note signs another root than the log's records make"
        return None


def _token_problem(entry: Token, tokens: dict[str, str]) -> str | None:
    if entry.thread != TOKENS:
        return "a token lives in the log's thread of tokens"
    if entry.digest is None:
        if entry.scopes is not None:
            return "a revocation names no scopes"
        return None if entry.name in tokens else f"it revokes {entry.name!r}, which holds none"
    if len(entry.digest) != 64 or entry.digest.strip("0123456789abcdef"):
        return "its digest is not a SHA-256 in hex"
    if entry.scopes is not None and (
        not entry.scopes or list(entry.scopes) != [s for s in SCOPES if s in entry.scopes]
    ):
        return f"its scopes are not some of {', '.join(SCOPES)}, each once, in that order"
    return f"{entry.name!r} holds a token already" if entry.name in tokens else None


def _label_problem(
    entry: Retitle | Alias | Token, record: Record, names: Names, tokens: dict[str, str]
) -> str | None:
    """Why a title, alias or token record is not what ``timeline retitle``, ``alias`` or
    ``token`` records (None if it is)."""
    if isinstance(entry, Token):
        given: tuple[str, ...] = (entry.name,)
    else:
        given = (entry.title,) if isinstance(entry, Retitle) else (entry.alias, entry.canonical)
    try:
        texts = tuple(text_field(t, "a name", one_line=True, name=True) for t in given)
    except ValueError as e:
        return str(e)
    if texts != given:
        return "its text is not what the input rules make of it (altered)"
    if isinstance(entry, Token):
        return _token_problem(entry, tokens)
    if isinstance(entry, Retitle):
        return None if record.thread_title == entry.title else "its title column was altered"
    if entry.thread != ALIASES or record.thread_title is not None:
        return "an alias lives in the log's thread of names, untitled"
    return alias_problem(entry.alias, entry.canonical, names)


def _entry(records: dict[Key, Record], key: Key) -> Entry | None:
    record = records.get(key)
    return None if record is None else record.entry
