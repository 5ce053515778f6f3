"""Reads event files (YAML, JSON, JSON Lines) into raw events that remember their line.

Pure: takes the text and a name for messages, does no I/O. Validation of the
fields themselves is ``codec.event_from_input``'s job; this module only finds the
events, their thread and where each field was written.

A file holds one thread::

    thread: russia-nato-security-guarantees
    title: Russia–US/NATO security guarantees
    events:
      - {id: ..., date: 2022-01-26, ...}

An event may name another ``thread:``. JSON uses the same shape; JSON Lines holds
one event object per line, each with its ``thread`` (and optionally ``thread_title``).
Dates stay text as written: YAML's date-guessing is turned off so that
``2022-02-30`` reaches the date parser (and its message) instead of failing in YAML.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from json.decoder import JSONObject  # type: ignore[attr-defined]  # not in typeshed
from json.scanner import py_make_scanner  # type: ignore[attr-defined]  # not in typeshed
from typing import Any

from timeline.core.errors import Problem, TimelineError
from timeline.core.validate import text_field
from timeline.formats.backup import is_backup_line

__all__ = ["SUFFIXES", "ParsedFile", "RawEvent", "jsonl_events", "line_of", "load_yaml", "parse"]

SUFFIXES = (".yaml", ".yml", ".json", ".jsonl")
_FILE_KEYS = ("thread", "title", "events")


@dataclass(frozen=True)
class RawEvent:
    """One event as written: its fields, the file's thread, and where it stands."""

    source: str
    line: int | None
    data: Mapping[str, Any]
    thread: str | None = None
    key_lines: Mapping[str, int] = field(default_factory=dict)

    def line_of(self, key: str | None) -> int | None:
        line = self.key_lines.get(key, -1) if key else -1
        return line if line > 0 else self.line  # -1: merged from an alias


@dataclass
class ParsedFile:
    source: str
    events: list[RawEvent] = field(default_factory=list)
    # thread -> (title, line) as given by the file
    titles: dict[str, tuple[str, int | None]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


class _LineList(list[Any]):
    """A list that knows the line of each item."""

    item_lines: list[int] = []  # noqa: RUF012 - replaced per instance


class _LineDict(dict[str, Any]):
    """A mapping that knows the line it starts on and the line of each key."""

    line: int | None = None
    key_lines: dict[str, int] = {}  # noqa: RUF012 - replaced per instance


def parse(text: str, source: str) -> ParsedFile:
    """Parse an event file; ``source`` (its path) is used in messages and on events."""
    out = ParsedFile(source)
    lower = source.lower()
    if lower.endswith(".jsonl"):
        _parse_jsonl(text, out)
        return out
    try:
        doc = _load_json(text) if lower.endswith(".json") else _load_yaml(text)
    except _SyntaxProblem as e:
        out.problems.append(Problem(source, e.line, e.message))
        return out
    except RecursionError:
        out.problems.append(Problem(source, None, "nested too deeply to be an event file"))
        return out
    _parse_document(doc, out)
    return out


def _parse_document(doc: Any, out: ParsedFile) -> None:
    src = out.source
    if doc is None:
        out.problems.append(Problem(src, None, "the file is empty"))
        return
    if isinstance(doc, list):  # a bare list of events, each naming its thread
        _read_events(doc, None, None, out)
    elif isinstance(doc, Mapping):
        thread = _read_header(doc, out)
        items = doc.get("events")
        if "events" not in doc:
            out.problems.append(Problem(src, _line(doc), "missing 'events:' (the list of events)"))
        elif not isinstance(items, list):
            out.problems.append(
                Problem(src, _key_line(doc, "events"), "'events' must be a list of events")
            )
        else:
            _read_events(items, thread, _line(doc), out)
    else:
        message = "expected a mapping with thread, title and events (or a list of events)"
        out.problems.append(Problem(src, None, message))


def _title(title: object, what: str, where: int | None, out: ParsedFile) -> str | None:
    """The thread title as stored (the rule of every text field), or None with the
    problem noted."""
    try:
        return text_field(title, what, one_line=True, name=True)
    except ValueError as e:
        out.problems.append(Problem(out.source, where, str(e)))
        return None


def _read_header(doc: Mapping[str, Any], out: ParsedFile) -> str | None:
    """The file's thread (and title, into ``out.titles``); unknown keys are problems."""
    src = out.source
    for k in doc:
        if k not in _FILE_KEYS:
            message = f"unknown top-level key {k!r} (valid: {', '.join(_FILE_KEYS)})"
            out.problems.append(Problem(src, _key_line(doc, k), message))
    thread = doc.get("thread")
    if thread is not None and not isinstance(thread, str):
        out.problems.append(Problem(src, _key_line(doc, "thread"), "thread must be a slug"))
        thread = None
    if "title" not in doc or doc["title"] is None:
        return thread
    line = _key_line(doc, "title")
    title = _title(doc["title"], "the thread title", line, out)
    if title is not None and thread is None:
        out.problems.append(Problem(src, line, "a title needs the file's thread: add 'thread:'"))
    elif title is not None and thread is not None:
        out.titles[thread] = (title, line)
    return thread


def _read_events(items: list[Any], thread: str | None, line: int | None, out: ParsedFile) -> None:
    src = out.source
    if not items:
        out.problems.append(Problem(src, line, "the file has no events"))
    item_lines = getattr(items, "item_lines", [])
    for n, item in enumerate(items):
        if not isinstance(item, Mapping):
            where = item_lines[n] if n < len(item_lines) else _line(item) or line
            out.problems.append(Problem(src, where, "each event must be a mapping of fields"))
            continue
        out.events.append(RawEvent(src, _line(item), item, thread, getattr(item, "key_lines", {})))


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data = dict(pairs)
    if len(data) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _SyntaxProblem(None, f"duplicate key {key!r}")
            seen.add(key)
    return data


_JSONL = json.JSONDecoder(object_pairs_hook=_unique_keys)


def _jsonl_object(raw: str, n: int, out: ParsedFile) -> dict[str, Any] | None:
    """One line's event object, or None (with the problem noted)."""
    try:
        obj = _JSONL.decode(raw)
    except RecursionError:
        out.problems.append(Problem(out.source, n, "nested too deeply to be an event"))
        return None
    except json.JSONDecodeError as e:
        out.problems.append(Problem(out.source, n, f"invalid JSON: {e.msg} (column {e.colno})"))
        return None
    except _SyntaxProblem as e:
        out.problems.append(Problem(out.source, n, f"invalid JSON: {e.message}"))
        return None
    if not isinstance(obj, dict):
        out.problems.append(Problem(out.source, n, "each line must be one event object"))
        return None
    return obj


def _jsonl_title(obj: dict[str, Any], n: int, out: ParsedFile) -> None:
    """A line's ``thread_title``: one per thread across the file."""
    raw = obj.pop("thread_title", None)
    if raw is None:
        return
    title = _title(raw, "thread_title", n, out)
    if title is not None and isinstance(obj.get("thread"), str):
        thread = obj["thread"]
        seen = out.titles.setdefault(thread, (title, n))
        if seen[0] != title:
            message = f"thread {thread} is titled {seen[0]!r} on line {seen[1]}"
            out.problems.append(Problem(out.source, n, message))


def _parse_jsonl(text: str, out: ParsedFile) -> None:
    # split on "\n" only: str.splitlines() would also cut at U+2028 and friends,
    # which JSON allows unescaped inside strings
    out.events.extend(jsonl_events(text.split("\n"), out))


def jsonl_events(lines: Iterable[str], out: ParsedFile) -> Iterator[RawEvent]:
    """The events of a JSONL file, one line at a time, so that a file of any size is
    read in bounded memory: its problems and thread titles go into ``out`` as they are
    met. ``lines``: the file's lines, split on "\n" only (a text file's own iteration)."""
    first = True
    for n, raw in enumerate(lines, start=1):
        obj = _jsonl_object(raw, n, out) if raw.strip() else None
        if obj is None:
            continue
        if first and is_backup_line(obj):
            out.problems.append(
                Problem(
                    out.source,
                    n,
                    "this is a backup made by `timeline "
                    "export jsonl`: `timeline restore FILE` puts it back",
                )
            )
            return
        first = False
        _jsonl_title(obj, n, out)
        yield RawEvent(out.source, n, obj, None)


# ---- YAML with line numbers -----------------------------------------------------------


class _SyntaxProblem(Exception):
    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line, self.message = line, message


def _line(value: object) -> int | None:
    return getattr(value, "line", None)


def _key_line(doc: Mapping[str, Any], key: str) -> int | None:
    return getattr(doc, "key_lines", {}).get(key, _line(doc))


_YAML_LOADER: Any = None


def _yaml_loader() -> Any:
    global _YAML_LOADER
    if _YAML_LOADER is not None:
        return _YAML_LOADER
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Loader(base):  # type: ignore[misc, valid-type]  # base is chosen at run time
        pass

    # Plain scalars stay text: YAML 1.1 would read 2022-01-26 as a date (and fail on
    # 2022-02-30 before our parser could say why), 007 as 7, 0x1f as 31, 33:42 as 2022,
    # and "no" or "NO" (Norway) as false. Event fields are all text.
    guessed = {
        "tag:yaml.org,2002:timestamp",
        "tag:yaml.org,2002:int",
        "tag:yaml.org,2002:float",
        "tag:yaml.org,2002:bool",
    }
    Loader.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag not in guessed]
        for first, resolvers in base.yaml_implicit_resolvers.items()
    }

    def construct_map(loader: Any, node: Any) -> Any:
        data = _LineDict()
        data.line = node.start_mark.line + 1
        data.key_lines = {}
        yield data
        explicit = sum(1 for k, _ in node.value if k.tag != "tag:yaml.org,2002:merge")
        loader.flatten_mapping(node)  # merged pairs first, then the mapping's own
        merged = len(node.value) - explicit
        for i, (key_node, value_node) in enumerate(node.value):
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                key = str(key)
            if key in data and i >= merged and data.key_lines.get(key, -1) >= 0:
                raise yaml.MarkedYAMLError(
                    problem=f"duplicate key {key!r}", problem_mark=key_node.start_mark
                )
            # a key from a merge (<<) may be overridden; one written twice may not
            data.key_lines[key] = key_node.start_mark.line + 1 if i >= merged else -1
            data[key] = loader.construct_object(value_node, deep=True)

    def construct_seq(loader: Any, node: Any) -> Any:
        data = _LineList()
        data.item_lines = [item.start_mark.line + 1 for item in node.value]
        yield data
        data.extend(loader.construct_object(item, deep=True) for item in node.value)

    Loader.add_constructor("tag:yaml.org,2002:map", construct_map)
    Loader.add_constructor("tag:yaml.org,2002:seq", construct_seq)
    _YAML_LOADER = Loader
    return Loader


def load_yaml(text: str, source: str) -> Any:
    """A YAML document as event files read it (every scalar text; each mapping knows its
    lines: ``line_of``), or TimelineError naming ``source:line``."""
    try:
        return _load_yaml(text)
    except _SyntaxProblem as e:
        where = f"{source}:{e.line}" if e.line else source
        raise TimelineError(f"{where}: {e.message}") from None
    except RecursionError:
        raise TimelineError(f"{source}: nested too deeply") from None


def line_of(value: object, key: str | None = None) -> int | None:
    """The line a value read by ``load_yaml`` starts on (of ``key``, in a mapping)."""
    if key is not None and isinstance(value, Mapping):
        return _key_line(value, key)
    return _line(value)


def _load_yaml(text: str) -> Any:
    import yaml

    try:
        return yaml.load(text, Loader=_yaml_loader())
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark is not None else None
        raise _SyntaxProblem(line, f"invalid YAML: {e.problem or e.context}") from None
    except yaml.YAMLError as e:
        raise _SyntaxProblem(None, f"invalid YAML: {e}") from None


# ---- JSON with line numbers ------------------------------------------------------------


def _load_json(text: str) -> Any:
    newlines = [i for i, c in enumerate(text) if c == "\n"]

    def parse_object(
        s_and_end: tuple[str, int],
        strict: bool,
        scan_once: Any,
        object_hook: Any,
        object_pairs_hook: Any,
        memo: Any = None,
    ) -> Any:
        start = s_and_end[1]
        line = bisect_right(newlines, start - 1) + 1
        pairs, end = JSONObject(s_and_end, strict, scan_once, None, list, memo)
        data = _LineDict()
        data.line = line
        data.key_lines = {}
        for key, value in pairs:
            if key in data:
                raise _SyntaxProblem(line, f"invalid JSON: duplicate key {key!r}")
            data[key] = value
        return data, end

    decoder = json.JSONDecoder()
    # Hooks the json module reads from the instance but typeshed does not declare; the
    # pure-Python scanner, because the C one would bypass parse_object.
    decoder.parse_object = parse_object  # type: ignore[attr-defined]  # see above
    decoder.scan_once = py_make_scanner(decoder)  # type: ignore[attr-defined]  # see above
    try:
        return decoder.decode(text)
    except json.JSONDecodeError as e:
        raise _SyntaxProblem(e.lineno, f"invalid JSON: {e.msg} (column {e.colno})") from None
