"""Event files as a spreadsheet: one entry per row of a CSV file, under a header naming
timeline's fields, which ``timeline export events --format csv`` writes and
``timeline import`` reads back unchanged. Pure: text in, text out.

A cell holds one field. Lists are ``;``-separated (``United States; NATO``); a source is
``name <url> (date)`` (url and date optional); a position ``actor: issue = stance``; a
``known_to`` entry ``actor: date``; a code ``scheme: code``. Inside a part, a backslash
keeps the next character as it is (``\\;``, ``\\:``, ``\\=``, ``\\<``, ``\\(``, ``\\\\``).
An empty cell is a field not given. A correction is a row of ``type`` correction whose
filled field cells are what it sets (a new type in ``set_type``; the fields it empties
listed in ``clears``); a retraction a row of ``type`` retraction. A thread's
title goes in ``thread_title``, on any of its rows.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula:
such a cell is written with a leading apostrophe (after any it already has), as OWASP
advises, and read back without it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from timeline.core.errors import Problem
from timeline.core.views import SharedThread
from timeline.formats.eventfile import ParsedFile, RawEvent
from timeline.formats.share import entry_fields

__all__ = ["COLUMNS", "csv_events", "shared_csv"]

COLUMNS = (
    "thread",
    "thread_title",
    "id",
    "type",
    "date",
    "known",
    "actors",
    "title",
    "summary",
    "sources",
    "status",
    "positions",
    "refs",
    "known_to",
    "scheduled",
    "codes",
    "corrects",
    "set_type",
    "clears",
    "retracts",
    "reason",
    "note",
)
# what a correction's row may fill (CORRECTABLE but ``known``, which is the correction's)
_SETTABLE = frozenset(COLUMNS[4:16]) - {"known", "scheduled"}
# what ``clears`` gives a field: the empty value of its kind (``field: null`` for None
# where that is not it: a correction may have written either)
_EMPTY: dict[str, Any] = {k: [] for k in ("actors", "sources", "positions", "refs")} | {
    "known_to": {},
    "codes": {},
}
FIELD_LIMIT = 1 << 24  # characters in a cell (the csv module's default is 131,072)
_FORMULA = re.compile(r"'*[=+\-@]")
_SPECIAL = ";:=<>()\\"


# ---- cells --------------------------------------------------------------------------------


def _esc(text: str) -> str:
    return "".join("\\" + c if c in _SPECIAL else c for c in text)


def _parts(cell: str, sep: str) -> list[str]:
    """``cell`` cut at each unescaped ``sep``, escapes kept (``_plain`` drops them)."""
    out, part, i = [], [], 0
    while i < len(cell):
        c = cell[i]
        if c == "\\" and i + 1 < len(cell):
            part.append(cell[i : i + 2])
            i += 2
            continue
        if cell.startswith(sep, i):
            out.append("".join(part))
            part, i = [], i + len(sep)
            continue
        part.append(c)
        i += 1
    out.append("".join(part))
    return out


def _plain(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text).strip()


def _cut(item: str, sep: str) -> tuple[str, str]:
    """``item`` cut at its first unescaped ``sep``, escapes kept."""
    left, *rest = _parts(item, sep)
    if not rest:
        raise ValueError(f"{_plain(item)!r} has no {sep.strip()!r}")
    return left, sep.join(rest)


def _items(cell: str) -> list[str]:
    return [p for p in _parts(cell, ";") if p.strip()]


def _write_list(items: Iterable[str]) -> str:
    return "; ".join(_esc(str(x)) for x in items)


def _write_source(s: Mapping[str, Any]) -> str:
    out = _esc(s["name"])
    if s.get("url"):
        out += f" <{_esc(s['url'])}>"
    if s.get("date"):
        out += f" ({_esc(str(s['date']))})"
    return out


def _closing(text: str, end: str) -> bool:
    """Does ``text`` end with ``end`` unescaped?"""
    return text.endswith(end) and (len(text) - len(text[:-1].rstrip("\\")) - 1) % 2 == 0


def _read_source(item: str) -> dict[str, str]:
    """``name <url> (date)``: its brackets are its own, every other one escaped."""
    raw, source = item.strip(), {}
    for key, opening, closing in (("date", " (", ")"), ("url", " <", ">")):
        pieces = _parts(raw, opening)
        if len(pieces) == 2 and _closing(pieces[1], closing):
            raw, source[key] = pieces[0], _plain(pieces[1][:-1])
    return {"name": _plain(raw), **dict(reversed(list(source.items())))}


def _write(field: str, value: Any) -> str:
    """The cell of a field, as ``entry_fields`` gives it."""
    if value is None:
        return ""
    if field in ("actors", "refs", "clears"):
        return _write_list(value)
    if field == "sources":
        return "; ".join(_write_source(s) for s in value)
    if field == "positions":
        return "; ".join(
            f"{_esc(p['actor'])}: {_esc(p['issue'])} = {_esc(p['stance'])}" for p in value
        )
    if field in ("known_to", "codes"):
        return "; ".join(f"{_esc(k)}: {_esc(str(v))}" for k, v in value.items())
    if field == "scheduled":
        return "true" if value else ""
    return str(value)


def _read(field: str, cell: str) -> Any:
    """A field from its cell: ValueError for one that does not read."""
    if field in ("actors", "refs"):
        return [_plain(x) for x in _items(cell)]
    if field == "sources":
        return [_read_source(x) for x in _items(cell)]
    if field == "positions":
        out = []
        for item in _items(cell):
            actor, rest = _cut(item, ": ")
            issue, stance = _cut(rest, " = ")
            out.append({"actor": _plain(actor), "issue": _plain(issue), "stance": _plain(stance)})
        return out
    if field in ("known_to", "codes"):
        return {_plain(k): _plain(v) for k, v in (_cut(item, ": ") for item in _items(cell))}
    if field == "scheduled":
        if cell.strip().lower() not in ("true", "false", "yes", "no", ""):
            raise ValueError(f"scheduled {cell!r}: true or false")
        return cell.strip().lower() in ("true", "yes")
    return cell


def _cleared(field: str, value: Any) -> str:
    """A field a correction empties, as ``clears`` lists it."""
    return f"{field}: null" if value is None and field in _EMPTY else field


def _safe(cell: str) -> str:
    return "'" + cell if _FORMULA.match(cell) else cell


def _unsafe(cell: str) -> str:
    return cell[1:] if cell.startswith("'") and _FORMULA.match(cell[1:]) else cell


# ---- writing --------------------------------------------------------------------------------


def shared_csv(threads: Sequence[SharedThread]) -> str:
    """The threads' entries as a spreadsheet (RFC 4180, CRLF line ends), a row each,
    the first row of each thread with its title."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(COLUMNS)
    for t in threads:
        for n, r in enumerate(t.records):
            fields = dict(entry_fields(r.entry))
            changes = dict(fields.pop("set", None) or {})
            if "type" in changes:
                fields["set_type"] = changes.pop("type")
            cleared = [_cleared(k, v) for k, v in changes.items() if v in (None, [], {})]
            if cleared:
                fields["clears"] = cleared
            fields.update(changes)  # a correction's fields are the cells it fills
            if n == 0 and t.title is not None:
                fields["thread_title"] = t.title
            w.writerow(_safe(_write(c, fields.get(c))) for c in COLUMNS)
    return out.getvalue()


# ---- reading ----------------------------------------------------------------------------


def csv_events(text: str, source: str) -> ParsedFile:
    """The entries of a spreadsheet (see the module); its problems by ``file:line``."""
    out = ParsedFile(source)
    csv.field_size_limit(max(csv.field_size_limit(), FIELD_LIMIT))
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        _read_rows(reader, source, out)
    except csv.Error as e:  # an unclosed quote, a cell past the limit...
        out.problems.append(Problem(source, reader.line_num or 1, f"not CSV: {e}"))
    return out


def _read_rows(reader: Any, source: str, out: ParsedFile) -> None:
    header = next(reader, None)
    if header is None:
        out.problems.append(Problem(source, 1, "an empty file: expected a header row"))
        return
    names = [h.strip() for h in header]
    unknown = [h for h in names if h not in COLUMNS]
    if unknown or "thread" not in names:
        why = f"unknown column {unknown[0]!r}" if unknown else "no 'thread' column"
        out.problems.append(Problem(source, 1, f"{why} (valid: {', '.join(COLUMNS)})"))
        return
    line = 1
    for cells in reader:
        line = reader.line_num if reader.line_num else line + 1
        start = line - sum(c.count("\n") for c in cells)
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(names):
            message = f"{len(cells)} cells, not the header's {len(names)}"
            out.problems.append(Problem(source, start, message))
            continue
        row = {h: _unsafe(c) for h, c in zip(names, cells, strict=True) if c.strip()}
        try:
            entry = _entry(row)
        except ValueError as e:
            out.problems.append(Problem(source, start, str(e)))
            continue
        title = row.get("thread_title")
        if title is not None and "thread" in row:
            seen = out.titles.setdefault(row["thread"], (title.strip(), start))
            if seen[0] != title.strip():
                message = f"thread {row['thread']} is titled {seen[0]!r} on line {seen[1]}"
                out.problems.append(Problem(source, start, message))
        out.events.append(RawEvent(source, start, entry))


def _entry(row: Mapping[str, str]) -> dict[str, Any]:
    kind = row.get("type", "").strip()
    fields = {k: v for k, v in row.items() if k != "thread_title"}
    if kind == "correction":
        entry: dict[str, Any] = {k: v for k, v in fields.items() if k not in _SETTABLE}
        entry["set"] = {k: _read(k, v) for k, v in fields.items() if k in _SETTABLE}
        if "set_type" in entry:
            entry["set"]["type"] = entry.pop("set_type")
        for item in (_plain(x) for x in _items(entry.pop("clears", ""))):
            name, null = item.removesuffix(": null"), item.endswith(": null")
            if name not in _SETTABLE or name in entry["set"]:
                raise ValueError(f"clears {name!r}: a field this correction does not set")
            entry["set"][name] = None if null else _EMPTY.get(name)
        return entry
    for only in ("set_type", "clears"):
        if only in fields:
            raise ValueError(f"{only} is for a correction: what it sets")
    return {k: v if k in ("thread", "id", "type") else _read(k, v) for k, v in fields.items()}
