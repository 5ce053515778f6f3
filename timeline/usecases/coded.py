"""Importing machine-coded event data (GDELT 2.0 exports, ICEWS and POLECAT files):
read the rows (a file, a ``.zip`` as GDELT publishes them, or standard input;
``formats.datasets``), fold them into the events they report (``formats.coded``), put
each in a thread, and record them as an import of event files records its events: all
or nothing, in one transaction.

An event is recorded once, however many batches give it: a later batch that gives an
event already recorded (its id: its day, code and parties) adds nothing to it, even
with other sources. What was first seen stands, as its ``known`` day does.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import itertools
import sys
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Literal

from timeline.core.cameo import DIPLOMATIC_PLOVER, DIPLOMATIC_ROOTS, NAMES, plover_type
from timeline.core.errors import InvalidEvent, Problem, TimelineError
from timeline.core.model import Record, Written
from timeline.core.validate import entry_from_input
from timeline.formats.coded import CodedEvent, Selection, dyad
from timeline.formats.datasets import (
    BadHeader,
    BadRow,
    Mentioned,
    gdelt_mentions,
    gdelt_rows,
    icews_rows,
    is_mentions,
    polecat_rows,
)
from timeline.formats.eventfile import RawEvent
from timeline.formats.rules import Rule, match, parse_rules
from timeline.storage import EventStore
from timeline.usecases._append import bulk
from timeline.usecases._spill import Spill
from timeline.usecases.importing import BATCH, DryRun, Importer, ImportResult
from timeline.usecases.recording import future_problem

__all__ = ["CodedImport", "Coding", "import_coded"]

MAX_LINE = 1 << 20  # characters: a longer line is no row of any dataset
READERS = {"gdelt": gdelt_rows, "icews": icews_rows, "polecat": polecat_rows}
_SCHEMES: dict[str, Literal["cameo", "plover"]] = {"polecat": "plover"}


@dataclass(frozen=True)
class Coding:
    """How coded rows become events: the dataset's ``format``; the thread (``thread``,
    or ``thread_by`` dyad: one per set of parties' countries); the CAMEO codes kept
    (prefixes; None: the diplomatic roots) and the parties' countries (any of them;
    empty: all); the files' encoding; how many bad rows an import tolerates."""

    format: Literal["gdelt", "icews", "polecat"]
    thread: str | None = None
    thread_by: Literal["dyad"] | None = None
    rules: str | None = None  # a rules file (``formats.rules``)
    codes: tuple[str, ...] | None = None
    countries: tuple[str, ...] = ()
    encoding: str | None = None  # None: the dataset's (POLECAT: ISO-8859-1; else UTF-8)
    max_bad: int = 100


@dataclass
class CodedImport:
    """What an import of coded data read and did: the rows read, the events they
    report (``result``: those added and already present), the rows folded into
    another's event, left out by the codes or the countries, and the bad ones (named)."""

    result: ImportResult
    rows: int = 0
    events: int = 0
    folded: int = 0
    outside: int = 0
    other_parties: int = 0
    no_country: int = 0  # events no dyad thread takes: no party has a country
    unmatched: list[str] = field(default_factory=list)  # events no rule takes: their titles
    mention_files: int = 0  # GDELT Mentions files read beside the exports
    mentions: int = 0
    bad: list[Problem] = field(default_factory=list)
    replaced: int = 0  # characters the encoding could not read (U+FFFD)


def _selection(coding: Coding) -> Selection:
    countries = frozenset(c.strip().casefold() for c in coding.countries)
    if coding.codes is not None and not coding.codes:
        raise TimelineError("--codes: name at least one code (or leave it out: the default)")
    if coding.format == "polecat":  # PLOVER events
        events = tuple(c.upper() for c in coding.codes or DIPLOMATIC_PLOVER)
        for event in events:
            if plover_type(event) is None:
                raise TimelineError(f"--codes: {event!r} is no PLOVER event (CONSULT, AGREE...)")
        return Selection(events, countries, exact=True)
    codes = coding.codes if coding.codes is not None else DIPLOMATIC_ROOTS
    for code in codes:
        if not (code.isdigit() and (code in NAMES or (len(code) == 1 and code != "0"))):
            raise TimelineError(f"--codes: {code!r} is no CAMEO root or code (01 to 20, 046...)")
    return Selection(tuple(codes), countries)


def _lines(stream: IO[str], source: str, bad: list[Problem]) -> Iterator[str]:
    """The stream's lines; a line longer than ``MAX_LINE`` is read through, never held,
    and named (it counts as a bad row: the reader sees it empty)."""
    n = 0
    while True:
        line = stream.readline(MAX_LINE)
        if not line:
            return
        n += 1
        if len(line) >= MAX_LINE and not line.endswith("\n"):
            while (rest := stream.readline(MAX_LINE)) and not rest.endswith("\n"):
                pass
            bad.append(Problem(source, n, f"a line longer than {MAX_LINE:,} characters"))
            yield "\n"
            continue
        yield line


def _open(name: str, encoding: str) -> Iterator[tuple[str, IO[str]]]:
    """The text streams a name gives: a file, each file of a ``.zip``, or stdin (-).
    Lines end at "\n" only: a stray "\r" inside a cell is the cell's."""
    if name == "-":
        stdin = io.TextIOWrapper(
            sys.stdin.buffer, encoding=encoding, errors="replace", newline="\n"
        )
        try:
            yield "<stdin>", stdin
        finally:
            stdin.detach()  # standard input stays open for whoever reads it next
        return
    path = Path(name)
    if path.is_dir():
        raise TimelineError(f"{name}: a folder, not a file of coded data")
    if not path.exists():
        raise TimelineError(f"{name}: no such file")
    if path.is_file() and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            for member in z.infolist():
                if not member.is_dir():
                    with z.open(member) as raw:
                        text = io.TextIOWrapper(
                            raw, encoding=encoding, errors="replace", newline="\n"
                        )
                        yield f"{name}:{member.filename}", text
        return
    with path.open(encoding=encoding, errors="replace", newline="\n") as f:
        yield name, f


_UNREADABLE = (OSError, EOFError, zipfile.BadZipFile, RuntimeError, NotImplementedError)


def _rows(n: int) -> str:
    return f"{n} bad row{'s' if n != 1 else ''}"


def _readable(encoding: str) -> str:
    """``encoding``, if it is a text encoding Python knows; else one error line."""
    try:
        info = codecs.lookup(encoding)
    except LookupError:
        raise TimelineError(f"--encoding {encoding!r}: no such encoding") from None
    if not getattr(info, "_is_text_encoding", True):
        raise TimelineError(f"--encoding {encoding!r}: not a text encoding")
    return info.name


class _CodedImporter(Importer):
    """The import of event files, fed the events that coded rows fold into."""

    def __init__(
        self, store: EventStore, now: dt.datetime, coding: Coding, rules: list[Rule]
    ) -> None:
        super().__init__(store, now, None)
        self.coding, self.rules = coding, rules
        self.report = CodedImport(self.result)
        self.selection = _selection(coding)
        self.spill: Spill | None = None

    def close(self) -> None:
        if self.spill is not None:
            self.spill.close()

    def fold_files(self, names: list[str], scratch: Path) -> Iterator[list[RawEvent]]:
        """Every file's rows, folded together (an event two files give is one) on disk
        in ``scratch`` (``_spill``): the events to record, as event files give them, a
        batch at a time (each made as the import takes it)."""
        coding = self.coding
        default = "iso-8859-1" if coding.format == "polecat" else "utf-8"
        encoding = _readable(coding.encoding or default)
        if names.count("-") > 1:
            raise TimelineError("standard input (-) can be read once: name it once")
        mentioned = self._mentioned(names, encoding) if coding.format == "gdelt" else None
        spill = self.spill = Spill(scratch, coding.format, _SCHEMES.get(coding.format, "cameo"))
        bad: list[Problem] = []
        for name in names:
            source = name
            try:
                for source, stream in _open(name, encoding):
                    self._fold(spill, source, stream, mentioned, bad)
            except _UNREADABLE as e:
                raise TimelineError(f"{source}: cannot read: {e}") from None
        r = self.report
        r.bad = bad + r.bad
        if len(r.bad) > coding.max_bad:
            raise TimelineError(
                f"{_rows(len(r.bad))}, more than --max-bad {coding.max_bad}: nothing "
                f"imported (the first: {r.bad[0]})"
            )
        r.events = spill.fold()
        r.folded = spill.arrivals - r.events
        raws = (raw for raw in map(self._raw, spill.events()) if raw is not None)
        return iter(lambda: list(itertools.islice(raws, BATCH)), [])

    def _fold(
        self,
        spill: Spill,
        source: str,
        stream: IO[str],
        mentioned: dict[str, Mentioned] | None,
        bad: list[Problem],
    ) -> None:
        """One stream's rows: the kept ones into ``spill``, the bad ones into ``bad``,
        the others counted."""
        lines = self._counted(_lines(stream, source, bad))
        if mentioned is not None:
            first = next(lines, "")
            if is_mentions(first):
                if source == "<stdin>":  # read only now: too late to be beside an export
                    raise TimelineError(
                        "standard input holds a GDELT Mentions file: name Mentions files "
                        "as files, beside their export"
                    )
                bad[:] = [p for p in bad if p.source != source]  # named when read first
                return
            rows = gdelt_rows(itertools.chain([first], lines), mentioned)
        else:
            rows = READERS[self.coding.format](lines)
        r, selection = self.report, self.selection
        for row in rows:
            r.rows += 1
            if isinstance(row, BadHeader):  # not this format at all
                raise TimelineError(f"{source}:1: {row.reason}")
            if isinstance(row, BadRow):
                bad.append(Problem(source, row.line, row.reason))
            elif not selection.keeps_code(row.code):
                r.outside += 1
            elif not selection.keeps_parties(row.actors):
                r.other_parties += 1
            else:
                spill.add(row, source)

    def _mentioned(self, names: list[str], encoding: str) -> dict[str, Mentioned]:
        """What the GDELT Mentions files among ``names`` say, by event (their bad rows
        are the import's too)."""
        found: dict[str, Mentioned] = {}
        for name in names:
            if name == "-":  # read once, as an export
                continue
            source = name
            try:
                for source, stream in _open(name, encoding):
                    self._mentions(source, stream, found)
            except (*_UNREADABLE, csv.Error) as e:
                raise TimelineError(f"{source}: cannot read: {e}") from None
        return found

    def _mentions(self, source: str, stream: IO[str], found: dict[str, Mentioned]) -> None:
        long: list[Problem] = []  # an export's long first line is named when it is read
        lines = _lines(stream, source, long)
        first = next(lines, "")
        if not is_mentions(first):
            return
        self.report.mention_files += 1
        for m in gdelt_mentions(itertools.chain([first], lines)):
            if isinstance(m, BadRow):
                self.report.bad.append(Problem(source, m.line, m.reason))
                continue
            self.report.mentions += 1
            held = found.get(m.event)
            if held is None:
                held = found[m.event] = Mentioned(m.day)
            held.first = min(held.first, m.day)
            held.sources.setdefault(m.source, m.url)
        self.report.bad += long

    def _counted(self, lines: Iterable[str]) -> Iterator[str]:
        for line in lines:
            self.report.replaced += line.count("\ufffd")
            yield line

    def _raw(self, event: CodedEvent) -> RawEvent | None:
        """The event as an event file gives it, in its thread (None: no thread takes it,
        or it breaks the input rules: counted, and named as a bad row)."""
        thread = self._thread(event)
        if thread is None:
            return None
        raw = RawEvent(event.file, event.line, event.fields(thread))
        try:  # a dataset's name or address the rules refuse: that event, not the import
            entry = entry_from_input(raw.data)
        except InvalidEvent as e:
            self.report.bad.append(Problem(event.file, event.line, str(e)))
            return None
        refusal, _ = future_problem(entry, self.today, self.allow_future)
        if refusal is not None:
            self.report.bad.append(Problem(event.file, event.line, refusal))
            return None
        return raw

    def _thread(self, event: CodedEvent) -> str | None:
        """The event's thread (its title noted for a new one); None when no rule or
        dyad takes it, counted."""
        if self.coding.thread is not None:
            return self.coding.thread
        if self.rules:
            rule = match(self.rules, event)
            if rule is None:
                title = event.fields("unmatched")["title"]
                self.report.unmatched.append(f"{event.date.isoformat()} {title}")
                return None
            if rule.title is not None:
                self.titles.setdefault(rule.thread, (rule.title, self.coding.rules or event.file))
            return rule.thread
        found = dyad(event)
        if found is None:
            self.report.no_country += 1
            return None
        thread, title = found
        self.titles.setdefault(thread, (title, event.file))
        return thread

    def title_of(self, entry: Written) -> str | None:
        """A new thread's title; one already recorded keeps its own (a dyad's or a
        rule's title never renames a thread someone titled)."""
        return None if entry.thread in self.recorded else super().title_of(entry)

    def last_checks(self) -> None:
        bad = self.report.bad
        if len(bad) > self.coding.max_bad:
            raise TimelineError(
                f"{_rows(len(bad))}, more than --max-bad {self.coding.max_bad}: nothing "
                f"imported (the first: {bad[0]})"
            )

    def same_as_recorded(self, entry: Written, raw: RawEvent, old: Record) -> None:
        """An event recorded before: the first seen stands (another batch may give it
        with other sources), counted as present."""
        if old.kind == entry.kind and self.where(old.seq) is None:
            self.result.present += 1
            return
        super().same_as_recorded(entry, raw, old)


def _read_rules(path: str) -> list[Rule]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise TimelineError(f"cannot read the rules {path}: {e}") from None
    return parse_rules(text, path)


def import_coded(
    store: EventStore,
    names: Iterable[str],
    coding: Coding,
    now: dt.datetime,
    *,
    today: dt.date | None = None,
    dry_run: bool = False,
) -> CodedImport:
    """Import coded event data (see the module): all or nothing; ``dry_run``: read,
    fold and check everything, count what would be added, write nothing."""
    if sum(x is not None for x in (coding.thread, coding.thread_by, coding.rules)) != 1:
        raise TimelineError(
            "coded data has no negotiation threads: name one with --thread SLUG, make "
            "one per set of parties with --thread-by dyad, or give --rules FILE (one of them)"
        )
    rules = [] if coding.rules is None else _read_rules(coding.rules)
    names = list(names)
    with bulk(), tempfile.TemporaryDirectory(prefix="timeline-fold-") as scratch:
        importer = _CodedImporter(store, now, coding, rules)
        importer.today = today or now.date()
        try:
            batches = importer.fold_files(names, Path(scratch))
            importer.result.files = len(names)
            with suppress(DryRun):  # what it would have done is in the report
                importer.run_batches(batches, dry_run=dry_run)
        finally:
            importer.close()
    return importer.report
