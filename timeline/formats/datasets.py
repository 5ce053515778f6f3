"""Machine-coded event data read row by row: GDELT 2.0 exports and Mentions files,
ICEWS event files, POLECAT files. Pure: lines of text in, rows out (``coded`` folds
them into the events they report).

Each dataset's days: GDELT's ``SQLDATE`` is the day the event took place, and its
``DATEADDED`` (UTC) the moment GDELT first saw it, which is when it became known to
anyone reading GDELT: ``known`` is that day (never before the event's own day).
POLECAT's ``Publication Date`` is the day its report was published: ``known``. ICEWS
gives no publication day: ``known`` is the event's day.

GDELT and ICEWS type events with CAMEO codes; POLECAT with PLOVER events (``CONSULT``).
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

from timeline.core.cameo import is_code, plover_type

__all__ = [
    "FORMATS",
    "Actor",
    "BadHeader",
    "BadRow",
    "CodedRow",
    "Mention",
    "Mentioned",
    "gdelt_mentions",
    "gdelt_rows",
    "icews_rows",
    "is_mentions",
    "polecat_rows",
]

Format = Literal["gdelt", "icews", "polecat"]
FORMATS: tuple[Format, ...] = ("gdelt", "icews", "polecat")

GDELT_COLUMNS = 61  # the GDELT 2.0 event codebook's
_G_ID, _G_DATE, _G_CODE, _G_ADDED, _G_URL = 0, 1, 26, 59, 60
_G_ACTORS = ((5, 6, 7), (15, 16, 17))  # (code, name, country code) of Actor1, Actor2
ICEWS_NEEDS = (
    "Event ID",
    "Event Date",
    "Source Name",
    "Source Country",
    "CAMEO Code",
    "Target Name",
    "Target Country",
    "Story ID",
    "Publisher",
)


@dataclass(frozen=True, slots=True)
class Actor:
    """A party as the dataset names it (its name, or its code where it has none), and
    its country (a code in GDELT, a name in ICEWS; None if the dataset gives none)."""

    name: str
    country: str | None


@dataclass(frozen=True, slots=True)
class CodedRow:
    """One row of a dataset: an event as one report coded it, in one direction."""

    line: int
    date: dt.date
    known: dt.date
    code: str  # a CAMEO code, or a PLOVER event (``scheme``)
    actors: tuple[Actor, ...]  # source, then target (either may be missing)
    story: str  # what tells of it: an ICEWS story, a GDELT source article
    source: str  # who tells of it: a publisher, a web site
    url: str | None = None
    scheme: Literal["cameo", "plover"] = "cameo"  # what ``code`` is
    mentions: tuple[tuple[str, str | None], ...] = ()  # later reports (GDELT Mentions)


@dataclass(frozen=True, slots=True)
class BadRow:
    """A row that does not read as its dataset writes rows: skipped, and reported."""

    line: int
    reason: str


class BadHeader(BadRow):
    """A header that is not the dataset's: the file is not of that format at all."""


def _day(text: str, what: str) -> dt.date:
    text = text.strip()
    try:
        if len(text) >= 8 and text[:8].isdigit() and "-" not in text:
            return dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise ValueError(f"{what} {text!r} is not a day") from None


def _code(text: str) -> str:
    code = text.strip()
    if not is_code(code):
        raise ValueError(f"CAMEO code {code!r} is not in the CAMEO codebook")
    return code


def _host(url: str) -> str | None:
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return host.removeprefix("www.") if host else None


@dataclass(frozen=True, slots=True)
class Mention:
    """One GDELT Mentions row: a report of an event (its GLOBALEVENTID) on a day."""

    line: int
    event: str
    day: dt.date
    source: str
    url: str | None


@dataclass
class Mentioned:
    """What the Mentions files say of one event: its first report's day, and who
    reported it (by site, one address each)."""

    first: dt.date
    sources: dict[str, str | None] = field(default_factory=dict)


MENTIONS_COLUMNS = 16  # the GDELT 2.0 Mentions codebook's
MENTIONS_HEADER = "globaleventid,"  # the same columns as CSV, with a lower-case header


def is_mentions(first_line: str) -> bool:
    """Does a GDELT file's first line say it is a Mentions file, not an export?"""
    text = first_line.lstrip("\ufeff").rstrip("\r\n")
    return text.lower().startswith(MENTIONS_HEADER) or len(text.split("\t")) == MENTIONS_COLUMNS


def gdelt_mentions(lines: Iterable[str]) -> Iterator[Mention | BadRow]:
    """The rows of a GDELT 2.0 Mentions file: raw (tab-separated, 16 columns, no
    header), or as CSV with the codebook's names as a lower-case header."""
    it = iter(lines)
    first = next(it, "")
    if first.lstrip("\ufeff").lower().startswith(MENTIONS_HEADER):
        csv.field_size_limit(max(csv.field_size_limit(), 1 << 24))  # past the default's 128 K
        reader = csv.reader(it, strict=True)
        # the line a row starts on: the header is line 1, a quoted cell may hold lines
        rows: Iterator[tuple[int, list[str]]] = (
            (reader.line_num + 1 - sum(c.count("\n") for c in cols), cols) for cols in reader
        )
    else:
        rows = enumerate(
            (line.rstrip("\r\n").split("\t") for line in itertools.chain([first], it)), 1
        )
    for n, cols in rows:
        if not any(c.strip() for c in cols):
            continue
        if len(cols) < 6:
            yield BadRow(n, f"{len(cols)} columns, not a GDELT Mentions row")
            continue
        try:
            day = _day(cols[2], "MentionTimeDate")
        except ValueError as e:
            yield BadRow(n, str(e))
            continue
        url = cols[5].strip()
        web = url if url.startswith(("http://", "https://")) and _host(url) else None
        yield Mention(n, cols[0].strip(), day, cols[4].strip() or _host(url) or "GDELT", web)


def gdelt_rows(
    lines: Iterable[str], mentioned: Mapping[str, Mentioned] | None = None
) -> Iterator[CodedRow | BadRow]:
    """The rows of a GDELT 2.0 events export (tab-separated, no header, 61 columns;
    trailing empty columns are tolerated, short rows are bad). ``mentioned``: what
    Mentions files say of the events, by GLOBALEVENTID: an event is known from its
    first report, and every site that reported it is a source."""
    for n, line in enumerate(lines, 1):
        text = line.rstrip("\r\n")
        if not text.strip():
            continue
        cols = text.split("\t")
        while len(cols) > GDELT_COLUMNS and cols[-1] == "":
            cols.pop()
        if len(cols) != GDELT_COLUMNS:
            yield BadRow(n, f"{len(cols)} columns, not GDELT 2.0's {GDELT_COLUMNS}")
            continue
        try:
            date = _day(cols[_G_DATE], "SQLDATE")
            added = _day(cols[_G_ADDED], "DATEADDED")
            code = _code(cols[_G_CODE])
        except ValueError as e:
            yield BadRow(n, str(e))
            continue
        actors = []
        for code_col, name_col, country_col in _G_ACTORS:
            name = cols[name_col].strip() or cols[country_col].strip() or cols[code_col].strip()
            if name:
                actors.append(Actor(name, cols[country_col].strip() or None))
        if not actors:
            yield BadRow(n, "no actor: both Actor1 and Actor2 are empty")
            continue
        url = cols[_G_URL].strip()
        host = _host(url) if url.startswith(("http://", "https://")) else None
        web, source = (url, host) if host else (None, url or "GDELT")
        known, later = added, tuple[tuple[str, str | None], ...]()
        m = (mentioned or {}).get(cols[_G_ID].strip())
        if m is not None:
            known, later = min(added, m.first), tuple(m.sources.items())
        yield CodedRow(
            n, date, max(date, known), code, tuple(actors), url or cols[_G_ID], source,
            web, mentions=later,
        )  # fmt: skip


def _headed(
    lines: Iterable[str], needs: Sequence[str], dataset: str
) -> Iterator[tuple[int, dict[str, str]] | BadRow]:
    """The rows of a tab-separated file with a header, each as the columns it needs by
    name (extra columns, named or not, are let be; a row short of one is bad)."""
    it = iter(lines)
    header = next(it, "").rstrip("\r\n").lstrip("\ufeff").split("\t")
    where = {name.strip(): i for i, name in enumerate(header)}
    missing = [name for name in needs if name not in where]
    if missing:
        yield BadHeader(1, f"not a {dataset} header: no column {', '.join(missing)}")
        return
    at = {name: where[name] for name in needs}
    width = max(at.values()) + 1
    for n, line in enumerate(it, 2):
        text = line.rstrip("\r\n")
        if not text.strip():
            continue
        cols = text.split("\t")
        if len(cols) < width:
            yield BadRow(n, f"{len(cols)} columns, fewer than the header's {len(header)}")
            continue
        yield n, {name: cols[i].strip() for name, i in at.items()}


def icews_rows(lines: Iterable[str]) -> Iterator[CodedRow | BadRow]:
    """The rows of an ICEWS events file (tab-separated, a header naming its columns)."""
    for item in _headed(lines, ICEWS_NEEDS, "ICEWS"):
        if isinstance(item, BadRow):
            yield item
            continue
        n, row = item
        try:
            date = _day(row["Event Date"], "Event Date")
            code = _code(row["CAMEO Code"])
        except ValueError as e:
            yield BadRow(n, str(e))
            continue
        actors = [
            Actor(row[name], row[country] or None)
            for name, country in (
                ("Source Name", "Source Country"),
                ("Target Name", "Target Country"),
            )
            if row[name]
        ]
        if not actors:
            yield BadRow(n, "no actor: both Source Name and Target Name are empty")
            continue
        story = row["Story ID"] or row["Event ID"]
        yield CodedRow(n, date, date, code, tuple(actors), story, row["Publisher"] or "ICEWS")


POLECAT_NEEDS = (
    "Event ID",
    "Event Date",
    "Event Type",
    "Actor Name",
    "Actor Country",
    "Recipient Name",
    "Recipient Country",
    "Source",
    "Publication Date",
)


def polecat_rows(lines: Iterable[str]) -> Iterator[CodedRow | BadRow]:
    """The rows of a POLECAT file (tab-separated, a header; ISO-8859-1 as published).
    A cell may name several actors, separated by ';', with their countries likewise."""
    for item in _headed(lines, POLECAT_NEEDS, "POLECAT"):
        if isinstance(item, BadRow):
            yield item
            continue
        n, row = item
        try:
            date = _day(row["Event Date"], "Event Date")
            published = _day(row["Publication Date"], "Publication Date")
        except ValueError as e:
            yield BadRow(n, str(e))
            continue
        event = row["Event Type"].upper()
        if plover_type(event) is None:
            yield BadRow(n, f"Event Type {row['Event Type']!r} is not a PLOVER event")
            continue
        actors = [
            Actor(name, country or None)
            for side in ("Actor", "Recipient")
            for name, country in _several(row[f"{side} Name"], row[f"{side} Country"])
        ]
        if not actors:
            yield BadRow(n, "no actor: both Actor Name and Recipient Name are empty")
            continue
        yield CodedRow(
            n, date, max(date, published), event, tuple(actors), row["Event ID"],
            row["Source"] or "POLECAT", scheme="plover",
        )  # fmt: skip


def _several(names: str, countries: str) -> list[tuple[str, str]]:
    """Names and countries of a cell that may hold several, ';'-separated (a country
    for each name, or one for all)."""
    named = [n.strip() for n in names.split(";") if n.strip()]
    where = [c.strip() for c in countries.split(";")]
    if len(where) != len(named):
        where = [where[0] if len(where) == 1 else ""] * len(named)
    return list(zip(named, where, strict=True))
