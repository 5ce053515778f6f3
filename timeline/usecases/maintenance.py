"""Looking after a database: open it, rebuild and verify the projections, restore a
backup, show its revision, grant a role."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from timeline.core.audit import audit
from timeline.core.chain import (
    ChainRow,
    Finding,
    check_chains,
    check_projections,
    clock_ahead,
    fold_digest,
    log_digest,
    parse_digest,
)
from timeline.core.checkpoints import wrong_checkpoints
from timeline.core.codec import format_recorded_at
from timeline.core.errors import DatabaseError, ImportErrors, Problem, TimelineError
from timeline.core.merkle import record_leaf, root_of, tree_nodes
from timeline.core.model import SYSTEM_THREADS, FoldRecord, Hidden
from timeline.core.progress import LABELS, VERSIONS, out_of_step, unusable
from timeline.core.projector import project
from timeline.core.signing import SignatureError, VerifierKey, open_note, parse_checkpoint
from timeline.storage import EventStore, Writer
from timeline.usecases._append import bulk
from timeline.usecases._checkpoints import REPLAY_GROUP, by_thread
from timeline.usecases._search import group_versions, replay_projections
from timeline.usecases.signing import published_keys

Access = Literal["write", "read", "inspect"]

__all__ = [
    "Access",
    "VerifyResult",
    "digest",
    "grant_appender",
    "open_store",
    "restore",
    "schema_revision",
    "sqlite_file",
    "verify",
]


def open_store(
    db: str,
    *,
    access: Access = "write",
    create_dirs: bool = False,
    busy_timeout: float | None = None,
) -> EventStore:
    """Open the database at ``db``: an SQLite file path or an SQLAlchemy URL.

    ``access``: ``write`` creates the database or migrates it if behind; ``read``
    needs an existing timeline database at the current schema and changes nothing
    (a missing SQLite file is an error, not a new file); ``inspect`` opens any
    timeline database as it is. ``create_dirs`` creates a missing folder for an SQLite
    file (written to only); ``busy_timeout``: how long an SQLite writer waits for
    another to finish (seconds).
    """
    from timeline.storage.db import BUSY_TIMEOUT_S, ensure_schema, make_engine, resolve_url

    timeout = BUSY_TIMEOUT_S if busy_timeout is None else busy_timeout
    engine = make_engine(
        resolve_url(db),
        create_dirs=create_dirs and access == "write",
        must_exist=access != "write",
        busy_timeout=timeout,
        writes=access == "write",
    )
    ensure_schema(engine, access)
    return EventStore(engine, timeout)


def sqlite_file(db: str) -> Path | None:
    """The file of an SQLite database given as a path or URL (None for other backends)."""
    from timeline.storage.db import sqlite_path

    return sqlite_path(db)


def schema_revision(store: EventStore) -> str | None:
    """The database's schema revision (None: no schema)."""
    from timeline.storage.db import current_revision

    return current_revision(store.engine)


def grant_appender(store: EventStore, role: str) -> None:
    """Let a PostgreSQL ``role`` read and append, but never change or delete the log."""
    from timeline.storage import db

    db.grant_appender(store.engine, role)


@dataclass
class VerifyResult:
    records: int
    threads: int
    findings: list[Finding]
    digest: str  # of the log as it is: publish it, check it later with expect
    unchecked: list[str] = field(default_factory=list)  # what this database cannot check


def digest(store: EventStore) -> str:
    """The log digest (``chain.log_digest``) of the whole log."""
    with store.reading() as r:
        return log_digest(r.log.thread_hashes())


def _expect(rows: list[ChainRow], expected: str, unchecked: list[str]) -> list[Finding]:
    """Does the log still extend a digest published earlier? (A digest of the form
    before the order of seq counted is recognised, and ``unchecked`` says so.)"""
    try:
        count = parse_digest(expected)
    except ValueError as e:
        raise TimelineError(f"--expect: {e}") from None
    if count > len(rows):
        return [
            Finding(
                "log",
                f"the log holds {len(rows)} records, fewer than the {count} of "
                f"digest {expected}: records were removed or rolled back",
            )
        ]
    folded = fold_digest((r.thread, r.hash) for r in rows[:count])
    if expected == folded.heads_only:
        unchecked.append(
            f"the order of records across threads: digest {expected} has the earlier "
            "form, of each thread's last hash only"
        )
    elif expected != folded.value:
        return [
            Finding(
                "log",
                f"the log no longer extends digest {expected}: its first "
                f"{count} records were rewritten or reordered",
            )
        ]
    return []


def _against(rows: list[ChainRow], note: str, keys: Sequence[VerifierKey]) -> list[Finding]:
    """Does the log still extend a signed checkpoint (its note) a reader kept? Its
    signature is checked with ``keys`` (the log's own and those the reader trusts);
    the root of the log's first ``size`` records, recomputed, must be the signed one."""
    try:
        text, _ = open_note(note, list(keys))
        head = parse_checkpoint(text)
    except SignatureError as e:
        return [Finding("checkpoint", f"does not open with the log's keys or --key's: {e}")]
    if head.size > len(rows):
        return [
            Finding(
                "log",
                f"the log holds {len(rows)} records, fewer than the {head.size} the "
                "checkpoint signs: records were removed or rolled back",
            )
        ]
    root = root_of([record_leaf(r.seq, r.hash) for r in rows[: head.size]])
    if root != head.root:
        return [
            Finding(
                "log",
                f"the log no longer extends the checkpoint of size {head.size}: its "
                f"first {head.size} records were rewritten or reordered",
            )
        ]
    return []


def verify(
    store: EventStore,
    expect: str | None = None,
    now: dt.datetime | None = None,
    against: str | None = None,
    keys: Sequence[VerifierKey] = (),
) -> VerifyResult:
    """Walk every hash chain and the sequence numbers; replay the projections in memory
    and compare them with the stored ones; ask the database to check its own pages.
    ``expect``: a digest published earlier, which the log must still extend; ``now``:
    the clock, which no ``recorded_at`` may lie after (by more than the tolerance);
    ``against``: a signed checkpoint (its note) the log must still extend, opened with
    the keys the log publishes and ``keys``."""
    with store.writing(None) as w, bulk():  # a still log: concurrent writers wait
        w.upkeep.enforced = False  # each projection is checked, whatever its state
        findings = [Finding("database", f"damaged: {p}") for p in w.corruption()[:20]]
        engine = w.search.search_problem()
        unchecked: list[str] = []
        wrong: dict[str, list[Finding]] = {}  # by projection
        if engine is not None:
            wrong["search"] = [Finding("search index", f"damaged: {engine}")]
        else:
            damaged, skipped = w.search.index_problem()
            wrong["search"] = [Finding(damaged[0], f"damaged: {damaged[1]}")] if damaged else []
            unchecked += [skipped] if skipped else []
        rows = sorted(w.log.chain_rows(), key=lambda r: r.seq)
        findings += check_chains(rows)
        wrong["tree"] = _check_tree(w, rows)
        findings += _check_clock(rows, now or dt.datetime.now(dt.UTC))
        if expect is not None:
            findings += _expect(rows, expect, unchecked)
        if against is not None:
            try:
                known = [*published_keys(w), *keys]
            except TimelineError:  # a key record changed: named by check_chains
                known = list(keys)
            findings += _against(rows, against, known)
        stored = w.projections.states()
        stored_hidden = set(w.projections.horizons()) - set(stored)
        hidden: dict[str, Hidden] = {}
        try:
            # the log's thread of names has no projections
            records = [r for r in w.log.iter_fold_records() if r.entry.thread not in SYSTEM_THREADS]
            replayed = project(records, hidden=hidden)
            replayed_hidden = set(hidden)
        except (TimelineError, ValueError, KeyError, TypeError) as e:
            # a tampered row may no longer even read as a record
            findings.append(Finding("projection", f"the log cannot be replayed: {e}"))
            replayed, replayed_hidden = dict(stored), stored_hidden
        else:
            wrong["checkpoints"] = _check_checkpoints(w, by_thread(records))
        columns = w.projections.summary_mismatches(replayed, hidden)
        wrong["states"] = check_projections(
            stored, replayed, stored_hidden, replayed_hidden, columns
        )
        if not findings and not any(wrong.values()):  # on a log whose rows are as written
            findings += _check_rules(w)
        checked = set(VERSIONS) - {"search"}
        if not findings and not any(v for k, v in wrong.items() if k != "search"):
            # the index is derived from a sound log: checked against it only (and named
            # event by event, where the engine's own check found it damaged)
            wrong["search"] += _check_texts(w)
            checked.add("search")
        behind = _check_progress(w, rows[-1].seq if rows else 0)
        if not findings:  # the log sound: a rebuild of what is wrong erases no evidence
            # what was found wrong is marked; what was checked and found right, cleared
            w.mark_stale(
                {
                    n: str(wrong[n][0]) if wrong.get(n) else None
                    for n in VERSIONS
                    if n in checked or wrong.get(n)
                }
            )
        findings += [f for name in VERSIONS for f in wrong.get(name, ())] + behind
    threads = len({r.thread for r in rows} - set(SYSTEM_THREADS))  # the negotiations
    digest = log_digest((r.thread, r.hash) for r in rows)
    return VerifyResult(len(rows), threads, findings, digest, unchecked)


def quick_problems(store: EventStore) -> list[str]:
    """``verify``'s quick checks, for a health check: the database's own check of its
    pages (SQLite's quick_check), the search engine, and every seq still held. Each
    problem is a line; [] when all pass."""
    with store.reading() as r:
        found = [f"database damaged: {p}" for p in r.corruption()[:3]]
        unready = {n: why for n, p in r.upkeep.rows().items() if (why := unusable(p))}
        found += list(unready.values())  # being rebuilt: it answers again after
        engine = None if "search" in unready else r.search.search_problem()
        if engine is not None:
            found.append(f"search index damaged: {engine}")
        held, head = r.log.count(), r.log.head()
        if held != head:
            found.append(f"the log holds {held} records, but its seqs run to {head}")
    return found


def _check_tree(w: Writer, rows: Sequence[ChainRow]) -> list[Finding]:
    """The Merkle tree's stored nodes against the tree of the log's records (up to a
    gap in seq, which ``check_chains`` names)."""
    _, want = tree_nodes(((r.seq, r.hash) for r in rows), w.log.tree.level)
    have = w.log.tree.stored()
    wrong = sorted(k for k in want.keys() | have.keys() if want.get(k) != have.get(k))
    if not wrong:
        return []
    level, index = wrong[0]
    n = len(wrong)
    return [
        Finding(
            "merkle tree",
            f"{n} stored node{'s' if n != 1 else ''} differ{'' if n != 1 else 's'} from the "
            f"tree of the log's records (the first: level {level}, node {index}); "
            "`timeline rebuild --only tree` makes it again",
        )
    ]


def _check_progress(w: Writer, head: int) -> list[Finding]:
    """Each projection's progress against the log: made by another version, a rebuild
    of it stopped half-way, or behind the log's last record. (One past it means records
    removed after it was made: the replay of the log names what they changed, and a
    rebuild, which would erase that, is not suggested.)"""
    rows = w.upkeep.rows()
    found = []
    for name in VERSIONS:
        p = rows.get(name)
        if p is None:
            why: str | None = "it has no row of progress"
        elif p.through > head and unusable(p) is None:
            continue
        else:  # what an earlier verify found (``stale``) is found again, or not, here
            why = out_of_step(replace(p, stale=None), head)
        if why is not None:
            if "`" not in why:  # the way out not said yet
                why += f" (`timeline rebuild --only {name}` replays it)"
            found.append(Finding(LABELS[name], why))
    return found


def _check_clock(rows: Sequence[ChainRow], now: dt.datetime) -> list[Finding]:
    """The records stamped after now: recorded_at never goes back along seq, so the
    last is the latest, and the first of those too far ahead is named."""
    ahead = next((r for r in rows if clock_ahead(r.recorded_at, now)), None)
    if ahead is None:
        return []
    why = clock_ahead(ahead.recorded_at, now)
    return [Finding(f"{ahead.thread}/{ahead.event_id}", f"seq {ahead.seq}: {why}")]


def _check_rules(w: Writer) -> list[Finding]:
    """Records that today's input rules refuse (``audit``, as ``restore`` applies them):
    a crafted row, or one an older version took. Reads leave out those that do not read
    at all; these do read, and are named here so that the operator learns of them."""
    try:
        records = list(w.log.iter_records())
    except DatabaseError:  # a payload schema this version does not know: named already
        return []
    return [
        Finding(str(records[i].entry.key), f"refused by the input rules: {why.split(': ', 1)[-1]}")
        for i, why in audit(records)
    ]


def _check_checkpoints(w: Writer, records: Mapping[str, list[FoldRecord]]) -> list[Finding]:
    """Each stored checkpoint against a full replay of its thread as known on its day."""
    try:
        stored = w.projections.all_checkpoints()
    except DatabaseError as e:
        return [Finding("checkpoints", f"damaged: {e}")]
    findings = []
    for thread, points in sorted(stored.items()):
        if thread not in records:
            findings.append(Finding(thread, "checkpoints stale: the log has no such thread"))
            continue
        for day in wrong_checkpoints(thread, records[thread], points):
            findings.append(
                Finding(thread, f"projection differs from the log: the checkpoint of {day}")
            )
    return findings


def _check_texts(w: Writer) -> list[Finding]:
    """The search index against the text versions of the log's events, a group of whole
    threads at a time (counted: a version held twice differs too)."""
    findings = []
    stale = w.search.text_threads()
    for group in w.log.thread_groups(None, REPLAY_GROUP):
        want = Counter(group_versions(w, group))
        have = Counter(w.search.text_versions(group))
        stale -= set(group)
        for key in sorted({v.key for v in (want - have) + (have - want)}):
            findings.append(Finding(key.thread, f"search index differs from the log: {key}"))
    for thread in sorted(stale):
        findings.append(Finding(thread, "search index stale: the log has no such thread"))
    return findings


def _record_lines(path: str) -> list[int]:
    """The line of each record of a backup that read without a problem: its non-blank
    lines, in order."""
    with open(path, encoding="utf-8-sig") as f:
        return [n for n, line in enumerate(f, start=1) if line.strip()]


def restore(store: EventStore, path: str, now: dt.datetime | None = None) -> int:
    """Restore a backup (``export jsonl``) into an empty database, record for record:
    same seq, recorded_at and hashes. Returns the number of records.

    Every record must also pass the input rules again (``audit``): valid hashes only
    prove that some database held it; and none may be stamped after ``now`` (by more
    than ``chain.CLOCK_TOLERANCE``): every later record would take that stamp."""
    from timeline.formats.backup import read_backup

    try:
        with open(path, encoding="utf-8-sig") as f:
            records, problems = read_backup(f, path)
    except (OSError, UnicodeDecodeError) as e:
        raise ImportErrors([Problem(path, None, f"cannot read: {e}")]) from None
    if problems:
        raise ImportErrors(problems)
    clock = now or dt.datetime.now(dt.UTC)
    refused = audit(records)
    refused += [
        (i, f"{r.entry.key}: {why}")
        for i, r in enumerate(records)
        if (why := clock_ahead(format_recorded_at(r.recorded_at), clock)) is not None
    ][:1]  # recorded_at only grows along the log: the first one says it
    if refused:
        lines = _record_lines(path)
        raise ImportErrors([Problem(path, lines[i], why) for i, why in refused])
    with store.writing(None) as w, bulk():
        present = w.log.count()
        if present:
            raise DatabaseError(
                f"restore needs an empty database: {store.name} already holds "
                f"{present} records (use a new --db)"
            )
        w.log.bulk()
        w.log.restore(records)
        w.upkeep.enforced = False
        replay_projections(w)
        w.upkeep.finish(VERSIONS, w.log.head())
    return len(records)
