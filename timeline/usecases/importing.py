"""Importing event files: all or nothing, in bounded memory, whatever their size.

The files are read a batch of events at a time (a JSONL file line by line): each batch
is validated, compared with what is recorded and appended in the one write
transaction of the import, and let go. Corrections and retractions wait until every
event is in (they may come before the event they amend), and so do the checks of
refs; then the threads touched get their states and checkpoints (``reproject``). Any
problem anywhere rolls the whole transaction back: nothing is written.

The database indexes the text of each batch's new events while the next batch is
checked on another thread, so that an import takes two cores.
"""

from __future__ import annotations

import datetime as dt
from array import array
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from timeline.core.amend import fill_target
from timeline.core.errors import ImportErrors, InvalidEvent, Problem
from timeline.core.mapper import entry_content, first_difference
from timeline.core.model import Amendment, Correction, Entry, Event, Key, Record, Written
from timeline.core.validate import entry_from_input
from timeline.formats.eventfile import SUFFIXES, ParsedFile, RawEvent, jsonl_events, parse
from timeline.formats.spreadsheet import csv_events
from timeline.storage import EventStore, Writer
from timeline.usecases._append import Progress, bulk
from timeline.usecases._checkpoints import reproject
from timeline.usecases._search import index_amended
from timeline.usecases.recording import NameCheck, check_amendment, future_problem, missing_refs

__all__ = ["ImportResult", "expand_paths", "import_paths"]

BATCH = 5000  # events validated, compared and appended at a time


class DryRun(Exception):  # not an error: how a dry run leaves its transaction
    """A dry run's import, done and rolled back: what it would have done (``result``)."""

    def __init__(self, result: ImportResult) -> None:
        super().__init__("dry run")
        self.result = result


@dataclass
class ImportResult:
    files: int = 0
    added: int = 0
    present: int = 0
    later: int = 0  # entries known after the import's known_by: left for a later import
    new_threads: list[str] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def import_paths(
    store: EventStore,
    paths: Iterable[str],
    now: dt.datetime,
    progress: Progress | None = None,
    *,
    today: dt.date | None = None,
    allow_future: bool = False,
    known_by: dt.date | None = None,
    spreadsheets: bool = False,
) -> ImportResult:
    """Import event files: the events new to the log, then their corrections and
    retractions, each in file order, in one transaction. ``progress(done, total)``
    counts the files' characters read. ``known_by``: only the entries public by that
    day (the rest counted as ``later``): a story recorded as it became known.

    On any problem nothing is written and ImportErrors lists every problem found.
    Re-importing an identical record is skipped and counted as already present.
    """
    with bulk():
        importer = Importer(store, now, progress)
        importer.today, importer.allow_future = today or now.date(), allow_future
        importer.known_by, importer.spreadsheets = known_by, spreadsheets
        return importer.run(paths)


Batch = dict[Key, tuple[Written, RawEvent]]
Titles = dict[str, tuple[str, str]]  # thread -> (title, where it was written)


class Importer:
    def __init__(self, store: EventStore, now: dt.datetime, progress: Progress | None) -> None:
        self.store, self.now, self.progress = store, now, progress
        self.today, self.allow_future = now.date(), False
        self.known_by: dt.date | None = None
        self.spreadsheets = False  # every file a CSV spreadsheet, whatever its name
        self.problems: list[Problem] = []
        self.result = ImportResult()
        self.titles: Titles = {}
        self.named: set[str] = set()  # threads whose new title is placed on a record
        self.recorded: dict[str, str | None] = {}  # title of each thread met that had records
        self.met: set[str] = set()  # threads met so far
        self.touched: set[str] = set()  # threads appended to
        self.amendments: Batch = {}  # kept until every event is in
        self.filled: dict[Key, Amendment] = {}  # amendments as they will be recorded
        self.pending: dict[Key, list[Amendment]] = {}  # by the event they amend
        self.refs: list[tuple[Event, RawEvent]] = []  # events that name others
        self.sources: list[str] = []
        # where each record this import appends came from, by seq - first_seq
        self.first_seq = 0
        self.unindexed = 0  # first seq of the new events not yet in the search index
        self.at_file, self.at_line = array("I"), array("I")
        self.names = NameCheck()  # the log's names, read at the first batch
        self.read, self.total = 0, 0

    def problem(self, raw: RawEvent, field_name: str | None, message: str) -> None:
        self.problems.append(Problem(raw.source, raw.line_of(field_name), message))

    def invalid(self, raw: RawEvent, e: InvalidEvent) -> None:
        for f, m in e.problems:
            self.problem(raw, f, m)

    def run(self, paths: Iterable[str]) -> ImportResult:
        files, self.problems = expand_paths(paths, spreadsheets=self.spreadsheets)
        self.result.files = len(files)
        self.total = sum(f.stat().st_size for f in files)
        return self.run_batches(self.batches(files))

    def run_batches(
        self, batches: Iterable[list[RawEvent]], *, dry_run: bool = False
    ) -> ImportResult:
        """Check and append the events, a batch at a time, in one transaction; then
        their amendments; then the threads' states. ``dry_run``: all of it, then the
        transaction is rolled back (``DryRun``, holding the result)."""
        with self.store.writing(None) as w, ThreadPoolExecutor(max_workers=1) as pool:
            w.log.bulk()
            for raws in batches:
                # while a batch is checked (Python, on another thread), the database
                # indexes the text of the one before (its own work, not holding
                # Python's lock): the two take two cores
                checking = pool.submit(self.validate, raws)
                self.index_new(w)
                self.events(w, checking.result())
            self.index_new(w)
            self.amend(w)
            self.check_refs(w)
            self.title_warnings()
            self.last_checks()
            if self.problems:
                raise ImportErrors(self.problems)  # leaves the transaction: nothing written
            if self.touched:
                reproject(w, self.touched, self.first_seq)
            self.result.new_threads = sorted(self.touched - set(self.recorded))
            if dry_run:
                raise DryRun(self.result)  # leaves the transaction: nothing written
        return self.result

    # ---- reading ------------------------------------------------------------------------

    def batches(self, files: list[Path]) -> Iterator[list[RawEvent]]:
        """The files' events, BATCH at a time; their problems and titles are noted."""
        batch: list[RawEvent] = []
        for path in files:
            out = ParsedFile(str(path))
            try:
                with path.open(encoding="utf-8-sig") as f:  # a BOM is not content
                    for raw in self.file_events(f, out):
                        batch.append(raw)
                        if len(batch) >= BATCH:
                            self.take(out)
                            yield batch
                            batch = []
            except (OSError, UnicodeDecodeError) as e:
                self.problems.append(Problem(str(path), None, f"cannot read: {e}"))
            self.take(out)
        if batch:
            yield batch

    def file_events(self, lines: Iterable[str], out: ParsedFile) -> Iterator[RawEvent]:
        """A JSONL file a line at a time (counting what is read); others whole."""
        if out.source.lower().endswith(".jsonl") and not self.spreadsheets:
            yield from jsonl_events(self.counted(lines), out)
            return
        text = "".join(self.counted(lines))
        if self.spreadsheets or out.source.lower().endswith(".csv"):
            parsed = csv_events(text, out.source)
        else:
            parsed = parse(text, out.source)
        out.titles, out.problems = parsed.titles, parsed.problems
        yield from parsed.events

    def counted(self, lines: Iterable[str]) -> Iterator[str]:
        for line in lines:
            self.read += len(line)
            yield line

    def take(self, out: ParsedFile) -> None:
        """A file's problems and titles met so far (titles: one per thread across files)."""
        self.problems += out.problems
        out.problems = []
        for thread, (title, line) in out.titles.items():
            where = f"{out.source}:{line}" if line else out.source
            seen = self.titles.setdefault(thread, (title, where))
            if seen[0] != title:
                self.problems.append(
                    Problem(out.source, line, f"thread {thread} is titled {seen[0]!r} in {seen[1]}")
                )
        out.titles = {}
        if self.progress is not None:
            self.progress(min(self.read, self.total), self.total)

    # ---- events, a batch at a time ------------------------------------------------------

    def events(self, w: Writer, batch: Batch) -> None:
        stored = w.log.find(batch)
        self.meet(w, {key.thread for key in batch})
        new = [(e, raw) for e, raw in batch.values() if self.place_event(e, raw, stored)]
        self.refs += [(e, raw) for e, raw in new if isinstance(e, Event) and e.refs]
        records = self.append(w, [(e, self.title_of(e)) for e, _ in new], [raw for _, raw in new])
        if records and not self.unindexed:
            self.unindexed = records[0].seq

    def index_new(self, w: Writer) -> None:
        """Index the text of the new events appended since the last call (all of them
        before any amendment is appended, which indexes its event again)."""
        if self.unindexed:
            w.search.save_texts_from(self.unindexed)
            self.unindexed = 0

    def validate(self, raws: list[RawEvent]) -> Batch:
        """The batch's events, each checked on its own; corrections and retractions are
        put aside. A key may repeat only with the same content. (Runs on another thread
        than the rest: it touches only the problems, the amendments and the count of
        those present, which nothing else does meanwhile.)"""
        batch: Batch = {}
        for raw in raws:
            try:
                entry = entry_from_input(raw.data, raw.thread)
            except InvalidEvent as e:
                self.invalid(raw, e)
                continue
            if self.known_by is not None and entry.known > self.known_by:
                self.result.later += 1
                continue
            kept = batch if isinstance(entry, Event) else self.amendments
            seen = kept.setdefault(entry.key, (entry, raw))
            if seen[1] is not raw:
                self.repeated(entry, raw, seen[0], f"{seen[1].source}:{seen[1].line}")
        return batch

    def repeated(self, entry: Written, raw: RawEvent, first: Entry, where: str) -> None:
        """An entry whose key this import already gave, at ``where``."""
        if first.kind != entry.kind:
            message = (
                f"{entry.key} is already used by the {first.kind} at {where}: choose another id"
            )
            self.problem(raw, "id", message)
        elif entry_content(first) == entry_content(entry):
            self.result.present += 1
        else:
            self.problem(raw, None, f"{entry.kind} {entry.key} differs from the one at {where}")

    def meet(self, w: Writer, threads: set[str]) -> None:
        """Note the recorded title of threads met for the first time."""
        new = threads - self.met
        self.met |= new
        self.recorded.update((t, title) for t, (title, _) in w.projections.titles(new).items())

    def title_of(self, entry: Written) -> str | None:
        """The thread title a new record carries: the import's title for its thread, on
        the first new record of the thread, if it is not the recorded one."""
        thread = entry.thread
        if thread not in self.titles or thread in self.named or not isinstance(entry, Event):
            return None
        self.named.add(thread)
        title = self.titles[thread][0]
        return None if self.recorded.get(thread) == title else title

    def place_event(self, entry: Written, raw: RawEvent, stored: dict[Key, Record]) -> bool:
        """Is the entry new and fit to be recorded? (If not, the reason is noted.)"""
        refusal, warning = future_problem(entry, self.today, self.allow_future)
        if refusal is not None:
            self.problem(raw, "known", refusal)
            return False
        if warning is not None:
            self.result.warnings.append(Problem(raw.source, raw.line_of("date"), warning))
        old = stored.get(entry.key)
        if old is not None:
            self.same_as_recorded(entry, raw, old)
            return False
        return True

    def same_as_recorded(self, entry: Written, raw: RawEvent, old: Record) -> None:
        where = self.where(old.seq)
        if where is not None:  # appended by this import
            self.repeated(entry, raw, old.entry, where)
        elif old.kind != entry.kind:
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

    def append(
        self, w: Writer, items: list[tuple[Written, str | None]], raws: list[RawEvent]
    ) -> list[Record]:
        for (entry, _), raw in zip(items, raws, strict=True):  # new names like old ones
            found = self.names.warnings(w, entry)
            self.result.warnings += (Problem(raw.source, raw.line, m) for m in found)
        records = w.log.append(items, self.now)
        if not records:
            return records
        index_amended(w, records)
        if not self.first_seq:
            self.first_seq = records[0].seq
        for raw in raws:
            if not self.sources or self.sources[-1] != raw.source:
                self.sources.append(raw.source)
            self.at_file.append(len(self.sources) - 1)
            self.at_line.append(raw.line or 0)
        self.touched.update(r.entry.thread for r in records)
        self.result.added += len(records)
        return records

    def where(self, seq: int) -> str | None:
        """file:line of a record this import appended (None: recorded before)."""
        i = seq - self.first_seq
        if not self.first_seq or not 0 <= i < len(self.at_line):
            return None
        return f"{self.sources[self.at_file[i]]}:{self.at_line[i]}"

    # ---- once every event is in ---------------------------------------------------------

    def amend(self, w: Writer) -> None:
        """The corrections, then the retractions, each in file order and checked against
        what it amends (recorded, or earlier in this import)."""
        batch = self.amendments
        stored = w.log.find(
            {e.key for e, _ in batch.values()} | {e.target for e in self._amending()}
        )
        # what the corrections among the targets correct, recorded or in this import
        stored.update(w.log.find(self._corrected(stored)))
        self.meet(w, {key.thread for key in batch})
        new: list[tuple[Written, RawEvent]] = []
        for kind in ("correction", "retraction"):  # a retraction may name a correction
            for entry, raw in batch.values():
                filled = self.place_amendment(w, entry, raw, stored) if entry.kind == kind else None
                if filled is not None:
                    new.append((filled, raw))
        self.append(w, [(e, None) for e, _ in new], [raw for _, raw in new])

    def _amending(self) -> list[Amendment]:
        return [e for e, _ in self.amendments.values() if not isinstance(e, Event)]

    def _corrected(self, stored: dict[Key, Record]) -> set[Key]:
        corrections = [r.entry for r in stored.values() if isinstance(r.entry, Correction)]
        corrections += [e for e in self._amending() if isinstance(e, Correction)]
        return {c.target for c in corrections}

    def place_amendment(
        self, w: Writer, entry: Written, raw: RawEvent, stored: dict[Key, Record]
    ) -> Amendment | None:
        """The amendment as it will be recorded (its default known filled in), or None:
        already recorded, or a problem (noted)."""
        if isinstance(entry, Event):  # only amendments are put aside: never expected
            raise TypeError(f"{entry.key} is an event, not an amendment")
        target = stored.get(entry.target)
        try:
            filled = fill_target(
                entry, self.filled.get(entry.target) if target is None else target.entry
            )
        except InvalidEvent as e:
            self.invalid(raw, e)
            return None
        if not self.place_event(filled, raw, stored):
            return None
        self.filled[filled.key] = filled
        return filled if self.fits(w, filled, raw, stored) else None

    def fits(self, w: Writer, entry: Amendment, raw: RawEvent, stored: dict[Key, Record]) -> bool:
        """Every view of the amended event stays valid (with the import's earlier ones)."""
        target = stored.get(entry.target)
        target_entry = self.filled[entry.target] if target is None else target.entry
        event_key = (
            target_entry.target if isinstance(target_entry, Correction) else target_entry.key
        )
        event = stored[event_key]
        try:
            check_amendment(w, entry, event, self.pending.get(event_key, []))
        except InvalidEvent as e:
            self.invalid(raw, e)
            return False
        self.pending.setdefault(event_key, []).append(entry)
        return True

    def check_refs(self, w: Writer) -> None:
        """Every ref names an event recorded before or in this import."""
        for ref in sorted(missing_refs(w, (e for e, _ in self.refs))):
            for e, raw in self.refs:
                if ref in e.refs:
                    self.problem(raw, "refs", f"refs: no event {ref} is recorded or in this import")

    def last_checks(self) -> None:
        """What a kind of import checks once every entry is in, before anything is
        written (a problem noted here leaves the transaction: nothing written)."""

    def title_warnings(self) -> None:
        """Titles given that no new record carries: of a thread with no new event, or
        met only after every new event of its thread had been appended."""
        for thread, (title, where) in self.titles.items():
            recorded = self.recorded.get(thread)
            if thread in self.named or (thread in self.recorded and recorded == title):
                continue
            if thread in self.touched:
                message = (
                    f"thread {thread}: its title {title!r} comes after its new events in "
                    "this import and is not recorded; import the file that titles it first"
                )
            elif thread in self.recorded:
                message = (
                    f"thread {thread} keeps its recorded title {recorded!r}: a new "
                    "title is recorded only with a new event"
                )
            else:
                continue
            self.result.warnings.append(Problem(where, None, message))


# ---- the files an import reads: those named, and the event files in folders named --


def _folder(p: Path, name: str) -> tuple[list[Path], list[Problem]]:
    found = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUFFIXES)
    if found:
        return found, []
    return [], [
        Problem(name, None, "no event files (*.yaml, *.yml, *.json, *.jsonl) in this folder")
    ]


def expand_paths(
    paths: Iterable[str], *, spreadsheets: bool = False
) -> tuple[list[Path], list[Problem]]:
    """Files named, and event files found (recursively) in folders named, in a stable
    order. A spreadsheet (``.csv``) is taken when named, never found in a folder (where
    a dataset's CSV files may lie); with ``spreadsheets``, every file named is one."""
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
        elif p.suffix.lower() not in (*SUFFIXES, ".csv") and not spreadsheets:
            problems.append(
                Problem(
                    name, None, "not an event file: expected .yaml, .yml, .json, .jsonl or .csv"
                )
            )
        else:
            files.append(p)
    return files, problems
