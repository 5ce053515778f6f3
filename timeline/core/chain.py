"""The hash chain that makes the log tamper-evident, and the checks ``timeline verify`` runs
(chains, sequence numbers, projections).
Pure: no I/O.

Each record stores ``hash`` = lowercase hex SHA-256 of the UTF-8 bytes of the canonical
JSON (``codec.canonical``: keys sorted by code point, no whitespace, strings NFC,
non-ASCII unescaped) of

    {"kind": "event" | "correction" | "retraction",
     "payload": <the record's payload object, as stored>,
     "prev": <hash of the previous record in the same thread, "" for the first>,
     "recorded_at": "YYYY-MM-DDTHH:MM:SS.ffffffZ",
     "recorded_by": <text>,  (only when the record has one: the token's name)
     "thread_title": <text or null>}

Dates inside the payload are ISO 8601 text (EDTF dates as written). Each thread is its
own chain, so writers to different threads never contend for a chain head.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass

from timeline.core.codec import canonical, canonical_without_floats, format_recorded_at
from timeline.core.model import ThreadState

__all__ = [
    "CLOCK_TOLERANCE",
    "ChainRow",
    "Finding",
    "LogDigest",
    "check_chains",
    "check_projections",
    "clock_ahead",
    "fold_digest",
    "log_digest",
    "parse_digest",
    "record_hash",
]


def record_hash(
    kind: str,
    payload_json: str,
    prev: str,
    recorded_at: str,
    thread_title: str | None,
    recorded_by: str | None = None,
) -> str:
    """The hash of one record; ``payload_json`` is the stored (canonical) payload text."""
    # the canonical form of {"kind", "payload", "prev", "recorded_at", ["recorded_by",]
    # "thread_title"}, built around the payload text, which is already canonical; a
    # record with no recorded_by hashes as records did before it existed
    quoted = canonical_without_floats  # texts and null
    by = "" if recorded_by is None else f'"recorded_by":{quoted(recorded_by)},'
    text = (
        f'{{"kind":{quoted(kind)},"payload":{payload_json},"prev":{quoted(prev)},'
        f'"recorded_at":{quoted(recorded_at)},{by}"thread_title":{quoted(thread_title)}}}'
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainRow:
    """What verify reads of one stored row."""

    seq: int
    thread: str
    event_id: str
    version: int
    kind: str
    recorded_at: str
    thread_title: str | None
    payload: str
    prev_hash: str
    hash: str
    column_mismatch: str | None = None  # a query column that disagrees with the payload
    recorded_by: str | None = None


@dataclass(frozen=True)
class Finding:
    """One problem found: where, and what is wrong."""

    where: str  # thread/id, or thread
    problem: str

    def __str__(self) -> str:
        return f"{self.where}: {self.problem}"


def _label(row: ChainRow) -> str:
    return f"{row.thread}/{row.event_id}"


def check_chains(rows: Iterable[ChainRow]) -> list[Finding]:
    """Every problem in the rows: modified, deleted, repeated or reordered rows and broken
    links.

    Rows may come in any order. Global ``seq`` must run 1..n without gaps; within a
    thread, ``version`` must run 1..n and each row's ``prev_hash`` must be the hash of
    the row before it.
    """
    findings: list[Finding] = []
    by_thread: dict[str, list[ChainRow]] = {}
    all_rows = sorted(rows, key=lambda r: r.seq)
    for r in all_rows:
        by_thread.setdefault(r.thread, []).append(r)

    findings += _check_times(all_rows)
    expected = 1
    for r in all_rows:
        if r.seq < expected:  # sorted: the same seq again
            findings.append(Finding(_label(r), f"repeated row: seq {r.seq} appears twice"))
            continue
        if r.seq != expected:
            missing = f"seq {expected}" + (f"..{r.seq - 1}" if r.seq - 1 > expected else "")
            owner = _owner(by_thread, expected, r.seq - 1)
            where = _label(owner) if owner is not None else "log"
            findings.append(Finding(where, f"deleted row: {missing} missing before seq {r.seq}"))
        expected = r.seq + 1

    for thread, chain in sorted(by_thread.items()):
        findings += _check_thread(thread, chain)
    return findings


def _owner(by_thread: dict[str, list[ChainRow]], first: int, last: int) -> ChainRow | None:
    """The row after a gap of seq first..last in the thread the missing rows belonged to:
    the thread whose versions skip over exactly there. None if no thread does (the last
    records of a thread: the projection and a published digest show those)."""
    for rows in by_thread.values():
        chain = sorted(rows, key=lambda r: r.version)
        if chain[0].version > 1 and last < chain[0].seq:  # its first records are gone
            return chain[0]
        for before, after in itertools.pairwise(chain):
            skipped = after.version > before.version + 1
            if skipped and before.seq < first and last < after.seq:
                return after
    return None


def _check_times(by_seq: Sequence[ChainRow]) -> list[Finding]:
    """recorded_at never goes back along seq (the store makes sure of it)."""
    return [
        Finding(
            _label(r),
            f"recorded_at goes back: seq {r.seq} ({r.recorded_at}) is recorded "
            f"before seq {before.seq} ({before.recorded_at})",
        )
        for before, r in itertools.pairwise(by_seq)
        if r.recorded_at < before.recorded_at
    ]


# How far a stored recorded_at may lie ahead of this machine's clock: clocks of the
# machines sharing a database disagree by a little. A log stamped further ahead (a
# clock set forward, a crafted backup) would make every later record take that stamp
# (recorded_at never goes back along seq) and end --recorded-before for good: such a
# restore is refused, verify names such stamps, and a write after one is refused.
CLOCK_TOLERANCE = dt.timedelta(minutes=5)


def clock_ahead(stamp: str, now: dt.datetime) -> str | None:
    """Why a stored ``recorded_at`` lies too far after ``now`` (None: it does not)."""
    limit = format_recorded_at(now + CLOCK_TOLERANCE)
    if stamp <= limit:
        return None
    return (
        f"recorded_at {stamp} is after now ({format_recorded_at(now)}) by more than "
        f"{int(CLOCK_TOLERANCE.total_seconds() // 60)} minutes"
    )


def _link_problem(r: ChainRow, before: ChainRow | None, by_hash: Mapping[str, ChainRow]) -> str:
    """What is wrong with a row whose link is not the hash of the row stored before it."""
    linked = by_hash.get(r.prev_hash)
    if linked is not None:
        after = f", but it is stored after {_label(before)}" if before else ""
        return f"rows reordered: its link points to {_label(linked)}{after}"
    if r.version == 1:
        return "broken link: the first record of the thread must not link to another"
    if r.prev_hash == "":
        return "broken link: it does not link to the record before it"
    return "broken link: prev_hash matches no record of the thread"


def _check_thread(thread: str, by_seq: Sequence[ChainRow]) -> list[Finding]:
    findings: list[Finding] = []
    by_hash = {r.hash: r for r in by_seq}
    for r in by_seq:
        digest = record_hash(
            r.kind, r.payload, r.prev_hash, r.recorded_at, r.thread_title, r.recorded_by
        )
        if digest != r.hash:
            findings.append(Finding(_label(r), "modified row: its content does not match its hash"))
        elif r.column_mismatch:
            findings.append(
                Finding(
                    _label(r),
                    f"modified row: column {r.column_mismatch} differs from the hashed payload",
                )
            )
    chain = sorted(by_seq, key=lambda r: r.version)
    if [r.seq for r in chain] != [r.seq for r in by_seq]:
        findings.append(Finding(thread, "rows reordered: versions do not follow the order of seq"))
    previous, before = "", None
    expected_version = 1
    for r in chain:
        if r.version < expected_version:  # sorted: the same version again
            findings.append(
                Finding(_label(r), f"repeated row: version {r.version} of {thread} appears twice")
            )
            continue
        if r.version != expected_version:
            findings.append(
                Finding(
                    _label(r),
                    f"deleted row: version {expected_version} of "
                    f"{thread} is missing before version {r.version}",
                )
            )
        elif r.prev_hash != previous:
            findings.append(Finding(_label(r), _link_problem(r, before, by_hash)))
        expected_version = r.version + 1
        previous, before = r.hash, r
    return findings


def check_projections(
    stored: Mapping[str, ThreadState],
    replayed: Mapping[str, ThreadState],
    stored_hidden: Set[str],
    replayed_hidden: Set[str],
    columns: Mapping[str, str],
) -> list[Finding]:
    """How the projection table differs from a replay of the log.

    ``stored``/``replayed``: the states (threads that show an event); ``*_hidden``: the
    threads that show none; ``columns``: threads whose summary columns disagree with the
    replay, with the first such column.
    """
    findings: list[Finding] = []
    differs = "projection differs from the log"
    for thread, column in sorted(columns.items()):
        if stored.get(thread) == replayed.get(thread):  # else the state is reported below
            findings.append(Finding(thread, f"{differs}: column {column} of the projection table"))
    for thread in sorted(set(replayed_hidden) ^ set(stored_hidden)):
        why = (
            "shows no event"
            if thread in replayed_hidden
            else "is missing from the table or shows no event there"
        )
        findings.append(Finding(thread, f"{differs}: the thread {why}"))
    for thread in sorted(set(stored) | set(replayed)):
        s, r = stored.get(thread), replayed.get(thread)
        if s is None:
            findings.append(
                Finding(
                    thread,
                    "projection missing: the thread is in the log but not in the projection table",
                )
            )
        elif r is None:
            findings.append(
                Finding(
                    thread, "projection stale: the projection table has a thread the log does not"
                )
            )
        elif s != r:
            why = (
                f"it has {s.events} events up to seq {s.max_seq}, the log {r.events} up to "
                f"seq {r.max_seq}"
                if (s.events, s.max_seq) != (r.events, r.max_seq)
                else "its state differs from a replay of the log"
            )
            findings.append(Finding(thread, f"{differs}: {why}"))
    return findings


class LogDigest:
    """The log digest, folded a record at a time in seq order: ``N:hex``, where N is
    the number of records and hex the lowercase SHA-256 of their hashes in seq order,
    each as its 64 hex digits and a line feed (``jq -r 'select(.hash).hash'`` of a
    backup, piped to ``sha256sum``, gives it). Each record's hash commits to its content
    and to its thread's chain before it; their order commits to ``seq`` across threads.

    A log extends an earlier digest when its first N records give that digest again:
    publish the digest beside an export, and ``verify --expect`` shows that nothing
    published was later removed, rolled back, rewritten or reordered.

    ``heads_only`` is the form digests had before (the SHA-256 of the canonical JSON
    ``{"heads": {thread: hash of its last record}, "records": N}``): one published then
    is still recognised, though it cannot tell the order of records across threads.
    """

    def __init__(self) -> None:
        self.count = 0
        self._order = hashlib.sha256()
        self._heads: dict[str, str] = {}

    def add(self, thread: str, record_hash: str) -> None:
        self.count += 1
        self._order.update(f"{record_hash}\n".encode())
        self._heads[thread] = record_hash

    @property
    def value(self) -> str:
        return f"{self.count}:{self._order.hexdigest()}"

    @property
    def heads_only(self) -> str:
        text = canonical({"heads": self._heads, "records": self.count})
        return f"{self.count}:{hashlib.sha256(text.encode('utf-8')).hexdigest()}"


def log_digest(records: Iterable[tuple[str, str]]) -> str:
    """The digest (``LogDigest``) of (thread, hash) of records in seq order."""
    return fold_digest(records).value


def fold_digest(records: Iterable[tuple[str, str]]) -> LogDigest:
    """``LogDigest`` of (thread, hash) of records in seq order."""
    folded = LogDigest()
    for thread, record_hash in records:
        folded.add(thread, record_hash)
    return folded


def parse_digest(text: str) -> int:
    """The record count of a digest ``N:hex``; ValueError if it is not one."""
    count, sep, hexdigest = text.strip().partition(":")
    if (
        not sep
        or not count.isdigit()
        or len(hexdigest) != 64
        or not all(c in "0123456789abcdef" for c in hexdigest)
    ):
        raise ValueError(
            f"{text!r} is not a log digest (N:64 hex digits, as `timeline digest` prints it)"
        )
    return int(count)
