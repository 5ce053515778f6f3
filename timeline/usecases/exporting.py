"""The exports: iCalendar, TimelineJS, the jsonl backup, and event files to share, each
a piece at a time, from one read of the log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Literal

from timeline.core.access import public_view
from timeline.core.errors import TimelineError
from timeline.core.filters import EventFilter
from timeline.core.signing import SignedCheckpoint
from timeline.core.views import SharedThread
from timeline.storage import EventStore
from timeline.usecases.reading import export_batches, title
from timeline.usecases.sharing import shared
from timeline.usecases.signing import cut_at

ExportFormat = Literal["ics", "jsonl", "timelinejs"]

__all__ = ["ExportFormat", "export_chunks", "share"]


def _names(
    store: EventStore,
    threads: Sequence[str] | None,
    day: dt.date | None,
    viewer: str | None,
    cut: SignedCheckpoint | None,
) -> tuple[str, str]:
    """A calendar's (or timeline's) name and description."""
    name = "timeline: diplomatic events"
    if threads and len(threads) == 1:
        name = f"timeline: {title(store, threads[0]) or threads[0]}"
    desc = "Dated diplomatic events recorded with timeline"
    if day is not None and viewer is not None:
        desc += f", as known to {viewer} on {day.isoformat()}"
    elif day is not None:
        desc += f", as publicly known on {day.isoformat()}"
    if cut is not None:
        desc += f", from the log {cut.origin} at its signed checkpoint of size {cut.size}"
    return name, desc


def export_chunks(
    store: EventStore,
    fmt: ExportFormat,
    *,
    threads: Sequence[str] | None = None,
    as_of: dt.date | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    viewer: str | None = None,
    only: EventFilter | None = None,
    today: dt.date,
    public: bool = False,
    at_checkpoint: int | None = None,
) -> Iterator[bytes]:
    """The export a piece at a time, from one read of the log, whatever its size: ``jsonl``
    (the lossless backup; it takes no filter), ``ics`` (iCalendar) and ``timelinejs``
    (TimelineJS JSON); these two come a batch of threads at a time, each batch's
    events by date. ``viewer``: what that actor knew on ``as_of``. ``today``: for a
    calendar without ``as_of`` (a scheduled event is tentative until its day).
    ``public``: as the public view serves events (``access.public_view``: no
    ``known_to``). ``at_checkpoint``: from the log as its checkpoint of that size holds
    it; without one, at the latest checkpoint if nothing but the log's tree records
    followed it. Either way the export names the checkpoint (``signing.cut_at``)."""
    if fmt == "jsonl" and (public or at_checkpoint is not None):
        raise TimelineError("the backup is the whole log: it has no public view, no checkpoint")
    if fmt == "jsonl":
        from timeline.formats.backup import backup_lines

        with store.reading() as r:
            for line in backup_lines(r.log.iter_records()):
                yield line.encode("utf-8")
        return
    day = as_of
    cut = cut_at(store, at_checkpoint)
    batches = export_batches(
        store,
        threads=list(threads or ()) or None,
        as_of=day,
        since=since,
        until=until,
        viewer=viewer,
        only=only,
        at_seq=None if cut is None else cut.size,
    )
    if public:
        batches = ([public_view(v) for v in batch] for batch in batches)
    name, desc = _names(store, threads, day, viewer, cut)
    if fmt == "ics":
        from timeline.formats.ics import calendar_chunks

        yield from calendar_chunks(batches, name, desc, day or today, cut)
    elif fmt == "timelinejs":
        from timeline.formats.timelinejs import timeline_chunks

        headline = name.removeprefix("timeline: ")
        pieces = timeline_chunks(batches, headline, desc, cut)
        yield from (piece.encode() for piece in pieces)
    else:
        raise TimelineError(f"unknown export format {fmt!r} (valid: ics, jsonl, timelinejs)")


def share(
    store: EventStore,
    fmt: Literal["jsonl", "yaml", "csv"] = "jsonl",
    *,
    threads: Sequence[str] | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> Iterator[bytes]:
    """Event files that ``timeline import`` takes (``formats.share``): the events of
    ``threads`` (all if None) overlapping [since, until] with their corrections and
    retractions, and the events they refer to. YAML holds one thread: name it."""
    wanted = list(dict.fromkeys(threads or ())) or None
    if fmt == "yaml" and (wanted is None or len(wanted) != 1):
        raise TimelineError(
            "--format yaml writes one thread's file: name it with --thread, "
            "or use --format jsonl for several"
        )
    found = shared(store, wanted, since, until)
    return _shared_chunks(found, wanted[0] if fmt == "yaml" and wanted else None, fmt == "csv")


def _shared_chunks(
    found: list[SharedThread], yaml_of: str | None, spreadsheet: bool
) -> Iterator[bytes]:
    from timeline.formats.share import shared_jsonl, shared_yaml

    if spreadsheet:
        from timeline.formats.spreadsheet import shared_csv

        yield shared_csv(found).encode()
    elif yaml_of is not None:
        yield shared_yaml(found, yaml_of).encode()
    else:
        yield from (line.encode() for line in shared_jsonl(found))
