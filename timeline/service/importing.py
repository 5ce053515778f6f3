"""Importing event files: validate everything, then append what is new, all or nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from timeline.amend import fill_target
from timeline.errors import ImportErrors, InvalidEvent, Problem
from timeline.formats.eventfile import SUFFIXES, RawEvent, parse
from timeline.mapper import entry_content, first_difference
from timeline.model import RECORD_KINDS, Amendment, Correction, Entry, Event, Key, Record
from timeline.service._append import Progress, append, bulk
from timeline.service.recording import check_amendment, future_problem, missing_refs
from timeline.store import EventStore, Writer
from timeline.validate import entry_from_input

__all__ = ["ImportResult", "expand_paths", "import_paths"]


@dataclass
class ImportResult:
    files: int = 0
    added: int = 0
    present: int = 0
    new_threads: list[str] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def _folder(p: Path, name: str) -> tuple[list[Path], list[Problem]]:
    found = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUFFIXES)
    if found:
        return found, []
    return [], [
        Problem(name, None, "no event files (*.yaml, *.yml, *.json, *.jsonl) in this folder")
    ]


def expand_paths(paths: Iterable[str]) -> tuple[list[Path], list[Problem]]:
    """Files named, and event files found (recursively) in folders named, in a stable order."""
    files: list[Path] = []
    problems: list[Problem] = []
    for name in paths:
        p = Path(name)
        if p.is_dir():
            found, missing = _folder(p, name)
            files += found
            problems += missing
        elif p.exists() and not p.is_file():
            problems.append(Problem(name, None, "not a regular file or folder"))
        elif not p.is_file():
            problems.append(Problem(name, None, "no such file or folder"))
        elif p.suffix.lower() not in SUFFIXES:
            problems.append(
                Problem(name, None, "not an event file: expected .yaml, .yml, .json or .jsonl")
            )
        else:
            files.append(p)
    return files, problems


def import_paths(
    store: EventStore,
    paths: Iterable[str],
    now: dt.datetime,
    progress: Progress | None = None,
    *,
    today: dt.date | None = None,
    allow_future: bool = False,
) -> ImportResult:
    """Validate everything in the files first; then append all new records in one
    transaction (events first, then corrections and retractions, each in file order).

    On any problem nothing is written and ImportErrors lists every problem found.
    Re-importing an identical record is skipped and counted as already present.
    """
    with bulk():
        importer = _Import(store, now, progress)
        importer.today, importer.allow_future = today or now.date(), allow_future
        return importer.run(paths)


Batch = dict[Key, tuple[Entry, RawEvent]]
Titles = dict[str, tuple[str, str]]  # thread -> (title, where it was written)


class _Import:
    def __init__(self, store: EventStore, now: dt.datetime, progress: Progress | None) -> None:
        self.store, self.now, self.progress = store, now, progress
        self.problems: list[Problem] = []
        self.result = ImportResult()
        self.filled: dict[Key, Entry] = {}  # batch entries as they will be recorded
        self.pending: dict[Key, list[Amendment]] = {}  # by the event they amend
        self.today, self.allow_future = now.date(), False

    def problem(self, raw: RawEvent, field_name: str | None, message: str) -> None:
        self.problems.append(Problem(raw.source, raw.line_of(field_name), message))

    def invalid(self, raw: RawEvent, e: InvalidEvent) -> None:
        for f, m in e.problems:
            self.problem(raw, f, m)

    def run(self, paths: Iterable[str]) -> ImportResult:
        raws, titles = self.read(paths)
        batch = self.validate(raws)
        threads = {e.thread for e, _ in batch.values()} | set(titles)
        with self.store.writing(threads) as w:
            stored = self.stored(w, batch)
            new = self.compare(w, batch, stored)
            if self.problems:
                raise ImportErrors(self.problems)  # leaves the transaction: nothing written
            records = append(w, self.titled(w, new, titles), self.now, self.progress)
        self.result.added = len(records)
        return self.result

    # ---- read and validate, before the database is touched ---------------------------

    def read(self, paths: Iterable[str]) -> tuple[list[RawEvent], Titles]:
        files, self.problems = expand_paths(paths)
        self.result.files = len(files)
        raws: list[RawEvent] = []
        titles: Titles = {}
        for path in files:
            try:
                text = path.read_text(encoding="utf-8-sig")  # a BOM is not content
            except (OSError, UnicodeDecodeError) as e:
                self.problems.append(Problem(str(path), None, f"cannot read: {e}"))
                continue
            parsed = parse(text, str(path))
            self.problems += parsed.problems
            raws += parsed.events
            for thread, (title, line) in parsed.titles.items():
                self.title(titles, thread, title, str(path), line)
        return raws, titles

    def title(self, titles: Titles, thread: str, title: str, path: str, line: int | None) -> None:
        """One title per thread across the files."""
        where = f"{path}:{line}" if line else path
        seen = titles.setdefault(thread, (title, where))
        if seen[0] != title:
            self.problems.append(
                Problem(path, line, f"thread {thread} is titled {seen[0]!r} in {seen[1]}")
            )

    def validate(self, raws: list[RawEvent]) -> Batch:
        """Each entry on its own; within the batch a key may repeat only with the same content."""
        batch: Batch = {}
        for raw in raws:
            try:
                entry = entry_from_input(raw.data, raw.thread)
            except InvalidEvent as e:
                self.invalid(raw, e)
                continue
            seen = batch.setdefault(entry.key, (entry, raw))
            where = f"{seen[1].source}:{seen[1].line}"
            if seen[1] is raw:
                continue
            if seen[0].kind != entry.kind:
                self.problem(
                    raw,
                    "id",
                    f"{entry.key} is already used by the {seen[0].kind} at "
                    f"{where}: choose another id",
                )
            elif entry_content(seen[0]) == entry_content(entry):
                self.result.present += 1
            else:
                self.problem(raw, None, f"{entry.kind} {entry.key} differs from the one at {where}")
        return batch

    # ---- compare with what is recorded ----------------------------------------------

    def stored(self, w: Writer, batch: Batch) -> dict[Key, Record]:
        """The recorded entries the batch names: its own keys, and amendments' targets."""
        targets = {e.target for e, _ in batch.values() if not isinstance(e, Event)}
        stored = w.find({e.key for e, _ in batch.values()} | targets)
        # retractions of stored corrections need the corrected events as well
        stored.update(
            w.find(r.entry.target for r in list(stored.values()) if isinstance(r.entry, Correction))
        )
        return stored

    def compare(self, w: Writer, batch: Batch, stored: dict[Key, Record]) -> list[Entry]:
        """The entries not yet recorded (events first), amendments checked against their
        targets; every problem found is noted."""
        new: list[Entry] = []
        for kind in RECORD_KINDS:
            for entry, raw in batch.values():
                placed = self.place(w, entry, raw, stored) if entry.kind == kind else None
                if placed is not None:
                    new.append(placed)
        events = [e for e in new if isinstance(e, Event)]
        for ref in sorted(missing_refs(w, events, batch)):
            for e in events:
                if ref in e.refs:
                    self.problem(
                        batch[e.key][1],
                        "refs",
                        f"refs: no event {ref} is recorded or in this import",
                    )
        return new

    def place(
        self, w: Writer, entry: Entry, raw: RawEvent, stored: dict[Key, Record]
    ) -> Entry | None:
        """The entry as it will be recorded, or None: already recorded, or a problem."""
        if not isinstance(entry, Event):
            target = stored.get(entry.target)
            try:
                entry = fill_target(
                    entry, self.filled.get(entry.target) if target is None else target.entry
                )
            except InvalidEvent as e:
                self.invalid(raw, e)
                return None
        refusal, warning = future_problem(entry, self.today, self.allow_future)
        if refusal is not None:
            self.problem(raw, "known", refusal)
            return None
        if warning is not None:
            self.result.warnings.append(Problem(raw.source, raw.line_of("date"), warning))
        self.filled[entry.key] = entry
        old = stored.get(entry.key)
        if old is not None:
            self.same_as_recorded(entry, raw, old)
            return None
        if isinstance(entry, Event) or self.fits(w, entry, raw, stored):
            return entry
        return None

    def same_as_recorded(self, entry: Entry, raw: RawEvent, old: Record) -> None:
        if old.kind != entry.kind:
            self.problem(
                raw,
                "id",
                f"{entry.key} is already recorded (seq {old.seq}) as a "
                f"{old.kind}: choose another id",
            )
        elif entry_content(old.entry) == entry_content(entry):
            self.result.present += 1
        else:
            name = first_difference(old.entry, entry)
            self.problem(
                raw,
                name,
                f"{entry.kind} {entry.key} is already recorded "
                f"(seq {old.seq}) with a different {name}",
            )

    def fits(self, w: Writer, entry: Amendment, raw: RawEvent, stored: dict[Key, Record]) -> bool:
        """Every view of the amended event stays valid (with the batch's earlier ones)."""
        target = stored.get(entry.target)
        target_entry = self.filled[entry.target] if target is None else target.entry
        event_key = (
            target_entry.target if isinstance(target_entry, Correction) else target_entry.key
        )
        event = stored.get(event_key) or Record(0, 0, self.now, self.filled[event_key])
        try:
            check_amendment(w, entry, event, self.pending.get(event_key, []))
        except InvalidEvent as e:
            self.invalid(raw, e)
            return False
        self.pending.setdefault(event_key, []).append(entry)
        return True

    def titled(self, w: Writer, new: list[Entry], titles: Titles) -> list[tuple[Entry, str | None]]:
        """Each new entry with the thread title it records, if any (one per thread)."""
        states = w.states({e.thread for e in new} | set(titles))
        items: list[tuple[Entry, str | None]] = []
        named: set[str] = set()
        for entry in new:
            title = None
            if isinstance(entry, Event) and entry.thread in titles and entry.thread not in named:
                named.add(entry.thread)
                current = states.get(entry.thread)
                if current is None or current.title != titles[entry.thread][0]:
                    title = titles[entry.thread][0]
            items.append((entry, title))
        for thread, (title, where) in titles.items():
            current = states.get(thread)
            if thread not in named and current is not None and current.title != title:
                self.result.warnings.append(
                    Problem(
                        where,
                        None,
                        (
                            f"thread {thread} keeps its recorded title {current.title!r}: a new "
                            "title is recorded only with a new event"
                        ),
                    )
                )
        self.result.new_threads = sorted(
            {e.thread for e in new if isinstance(e, Event)} - set(states)
        )
        return items
