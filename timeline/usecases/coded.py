"""Importing machine-coded event data (GDELT 2.0 exports, ICEWS event files): read the
rows (a file, a ``.zip`` as GDELT publishes them, or standard input), fold them into the
events they report (``formats.coded``), put each in a thread, and record them as an
import of event files records its events: all or nothing, in one transaction.

An event is recorded once, however many batches give it: a later batch that gives an
event already recorded (its id: its day, code and parties) adds nothing to it, even
with other sources. What was first seen stands, as its ``known`` day does.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import sys
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Literal

from timeline.core.cameo import DIPLOMATIC_PLOVER, DIPLOMATIC_ROOTS, NAMES, plover_type
from timeline.core.errors import Problem, TimelineError
from timeline.core.model import Record, Written
from timeline.formats.coded import (
    BadHeader,
    BadRow,
    CodedEvent,
    Folder,
    Mentioned,
    Selection,
    dyad,
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
from timeline.usecases.importing import BATCH, DryRun, Importer, ImportResult

__all__ = ["CodedImport", "Coding", "import_coded"]

MAX_LINE = 1 << 20  # characters: a longer line is no row of any dataset
READERS = {"gdelt": gdelt_rows, "icews": icews_rows, "polecat": polecat_rows}


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
    """The text streams a name gives: a file, each file of a ``.zip``, or stdin (-)."""
    if name == "-":
        yield "<stdin>", io.TextIOWrapper(sys.stdin.buffer, encoding=encoding, errors="replace")
        return
    path = Path(name)
    if not path.is_file():
        raise TimelineError(f"{name}: no such file")
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            for member in z.infolist():
                if not member.is_dir():
                    with z.open(member) as raw:
                        text = io.TextIOWrapper(raw, encoding=encoding, errors="replace")
                        yield f"{name}:{member.filename}", text
        return
    with path.open(encoding=encoding, errors="replace", newline="") as f:
        yield name, f


class _CodedImporter(Importer):
    """The import of event files, fed the events that coded rows fold into."""

    def __init__(
        self, store: EventStore, now: dt.datetime, coding: Coding, rules: list[Rule]
    ) -> None:
        super().__init__(store, now, None)
        self.coding, self.rules = coding, rules
        self.report = CodedImport(self.result)

    def fold_files(self, names: list[str]) -> Iterator[list[RawEvent]]:
        """Every file's rows, folded together (an event two files give is one): the
        events to record, as event files give them, a batch at a time (each made as
        the import takes it: the events, not their fields, are held)."""
        coding = self.coding
        folder = Folder(coding.format, _selection(coding))
        encoding = coding.encoding or ("iso-8859-1" if coding.format == "polecat" else "utf-8")
        mentioned = self._mentioned(names, encoding) if coding.format == "gdelt" else None
        bad: list[Problem] = []
        for name in names:
            for source, stream in _open(name, encoding):
                lines = self._counted(_lines(stream, source, bad))
                if mentioned is not None:
                    first = next(lines, "")
                    if is_mentions(first):
                        continue  # read already
                    rows = gdelt_rows(itertools.chain([first], lines), mentioned)
                else:
                    rows = READERS[coding.format](lines)
                for row in rows:
                    if isinstance(row, BadHeader):  # not this format at all
                        raise TimelineError(f"{source}:1: {row.reason}")
                    folder.add(row, source)
                bad += (Problem(source, b.line, b.reason) for b in folder.bad)
                folder.bad = []
        events = folder.events()
        folder.stories.clear()  # the events hold what the stories told
        r = self.report
        r.rows, r.events = folder.rows, len(events)
        r.folded = folder.kept() - len(events)
        r.outside, r.other_parties = folder.outside, folder.other_parties
        r.bad = bad + r.bad
        if len(r.bad) > coding.max_bad:
            raise TimelineError(
                f"{len(r.bad)} bad rows, more than --max-bad {coding.max_bad}: nothing "
                f"imported (the first: {r.bad[0]})"
            )
        raws = (raw for raw in map(self._raw, events) if raw is not None)
        return iter(lambda: list(itertools.islice(raws, BATCH)), [])

    def _mentioned(self, names: list[str], encoding: str) -> dict[str, Mentioned]:
        """What the GDELT Mentions files among ``names`` say, by event (their bad rows
        are the import's too)."""
        found: dict[str, Mentioned] = {}
        for name in names:
            if name == "-":  # read once, as an export
                continue
            for source, stream in _open(name, encoding):
                lines = _lines(stream, source, self.report.bad)
                first = next(lines, "")
                if not is_mentions(first):
                    continue
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
        return found

    def _counted(self, lines: Iterable[str]) -> Iterator[str]:
        for line in lines:
            self.report.replaced += line.count("\ufffd")
            yield line

    def _raw(self, event: CodedEvent) -> RawEvent | None:
        """The event as an event file gives it, in its thread (None: no dyad thread
        takes it, and it is counted)."""
        if self.coding.thread is not None:
            return RawEvent(event.file, event.line, event.fields(self.coding.thread))
        if self.rules:
            rule = match(self.rules, event)
            if rule is None:
                fields = event.fields("unmatched")
                self.report.unmatched.append(f"{fields['date']} {fields['title']}")
                return None
            if rule.title is not None:
                self.titles.setdefault(rule.thread, (rule.title, self.coding.rules or event.file))
            return RawEvent(event.file, event.line, event.fields(rule.thread))
        found = dyad(event)
        if found is None:
            self.report.no_country += 1
            return None
        thread, title = found
        self.titles.setdefault(thread, (title, event.file))
        return RawEvent(event.file, event.line, event.fields(thread))

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
    with bulk():
        importer = _CodedImporter(store, now, coding, rules)
        importer.today = today or now.date()
        batches = importer.fold_files(names)
        importer.result.files = len(names)
        with suppress(DryRun):  # what it would have done is in the report
            importer.run_batches(batches, dry_run=dry_run)
    return importer.report
