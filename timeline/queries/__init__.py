"""Use cases that read: asof, threads, log, history, diff, export (``reading``); secrets,
lag, actors and issues (``knowledge``); upcoming events (``scheduled``); event files to
share (``sharing``); the log by position (``paging``); each thread's latest events
(``recent``). Each reads inside one
transaction (one snapshot of the log) and hands the records to a pure view (``views``).

``known_by``/``as_of`` pick the view of the world; ``recorded_before`` replays what this
database held at an earlier moment, and ``at_seq`` the log as it stood when its last
record was that one, so an old report or answer can be reproduced exactly.
"""

from timeline.queries._common import Readable
from timeline.queries.knowledge import lag, names, report, secrets
from timeline.queries.paging import head, records_after
from timeline.queries.reading import (
    all_records,
    as_of,
    count,
    diff,
    export_batches,
    history,
    log,
    raw_log,
    stored_as_of,
    threads,
    title,
)
from timeline.queries.recent import Recent, recent
from timeline.queries.scheduled import upcoming
from timeline.queries.sharing import shared

__all__ = [
    "Readable",
    "Recent",
    "all_records",
    "as_of",
    "count",
    "diff",
    "export_batches",
    "head",
    "history",
    "lag",
    "log",
    "names",
    "raw_log",
    "recent",
    "records_after",
    "report",
    "secrets",
    "shared",
    "stored_as_of",
    "threads",
    "title",
    "upcoming",
]
