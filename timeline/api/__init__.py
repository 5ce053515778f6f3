"""The library face: what a Python program (and timeline's own CLI and web service) needs
to use timeline.

    import timeline

    with timeline.open("timeline.db") as tl:
        tl.import_paths(["events/"])
        for state in tl.as_of("2022-02-02"):
            print(state.thread, state.status)

``open`` gives a ``Timeline``: every use case by name, returning the value objects the
CLI renders (``ThreadState``, ``Record``, ``EventView``, ``History``, ``Diff``...).
Days may be given as ``datetime.date``, ``YYYY-MM-DD`` text or 'today'; what is
recorded is stamped with the Timeline's clock (this machine's, unless fixed).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from timeline.api._days import Clock, Day
from timeline.api.face import Access, Timeline
from timeline.core.errors import TimelineError
from timeline.core.filters import EventFilter

if TYPE_CHECKING:
    from collections.abc import Sequence

    from timeline.core.proofs import Verified
    from timeline.usecases import (
        AddResult,
        Bearer,
        CodedImport,
        Grant,
        ImportResult,
        Rebuilt,
        Recent,
        VerifyResult,
        Window,
    )
    from timeline.usecases.exporting import ExportFormat

__all__ = [
    "Access",
    "AddResult",
    "Bearer",
    "Clock",
    "CodedImport",
    "Day",
    "EventFilter",
    "ExportFormat",
    "Grant",
    "ImportResult",
    "Rebuilt",
    "Recent",
    "Timeline",
    "VerifyResult",
    "Window",
    "bundled_events",
    "database_error",
    "open",
    "verify_proof",
]


def open(
    db: str | Path | None = None,
    *,
    access: Access = "write",
    busy_timeout: float | None = None,
    now: dt.datetime | None = None,
    today: dt.date | None = None,
) -> Timeline:
    """The timeline database ``db`` (an SQLite file path or an SQLAlchemy URL; None: the
    per-user default, its folder created if need be), opened on first use.

    ``access``: ``write`` creates the database or migrates its schema as needed;
    ``read`` needs an existing timeline database at the current schema and changes
    nothing; ``inspect`` takes any timeline database as it is. ``busy_timeout``: how long
    an SQLite writer waits for others (seconds). ``now``: a fixed clock (and ``today``,
    what 'today' means; default: ``now``'s own date) for reproducible runs."""
    if db is None:
        from timeline.storage.settings import default_db_url

        url, create_dirs = default_db_url(), True
    else:
        url, create_dirs = str(db), False
    clock = Clock(now, today)
    return Timeline(
        url, access=access, busy_timeout=busy_timeout, create_dirs=create_dirs, clock=clock
    )


def bundled_events() -> Path:
    """The folder of event files that ships with timeline (the El País story)."""
    here = Path(__file__).resolve().parent.parent  # the timeline package
    for candidate in (here / "_data" / "events", here.parent / "events"):
        if candidate.is_dir():
            return candidate
    raise TimelineError("the bundled events are missing from this installation")


def verify_proof(bundle: str, keys: Sequence[str] = ()) -> tuple[Verified, bool]:
    """Check a proof bundle (``Timeline.prove``, its JSON text) with no database: what it
    proved, and whether with a key given in ``keys`` (verifier keys, ``name+id+key``);
    with none given, the keys the bundle names are used, which proves only that whoever
    made the bundle held them. TimelineError says why a bundle proves nothing."""
    import json

    from timeline.core.proofs import BundleError, verify_bundle
    from timeline.core.signing import SignatureError, VerifierKey

    try:
        doc = json.loads(bundle)
    except (ValueError, RecursionError) as e:
        raise TimelineError(f"not a proof bundle: not JSON ({e})") from None
    if not isinstance(doc, dict):
        raise TimelineError("not a proof bundle: not a JSON object")
    named = doc.get("keys")
    if not isinstance(named, list) or not all(isinstance(k, str) for k in named):
        named = []
    try:
        trusted = [VerifierKey.parse(k) for k in keys]
        if not trusted and not named:
            raise BundleError("it names no keys, and none was given")
        given = trusted or [VerifierKey.parse(k) for k in named]
        return verify_bundle(doc, given), bool(trusted)
    except (BundleError, SignatureError) as e:
        raise TimelineError(f"the proof does not hold: {e}") from None


def database_error(error: Exception) -> str | None:
    """What went wrong, in a line, when ``error`` is the database driver's (None if it
    is not)."""
    if not type(error).__module__.startswith("sqlalchemy"):
        return None
    from timeline.storage.db import error_reason

    return error_reason(error)


# what the use cases answer with, loaded on first use (their modules load SQLAlchemy,
# which a command that reads through a snapshot never needs)
_RESULTS = (
    "AddResult",
    "Bearer",
    "CodedImport",
    "Grant",
    "ImportResult",
    "Rebuilt",
    "Recent",
    "VerifyResult",
    "Window",
)


def __getattr__(name: str) -> Any:
    if name in _RESULTS:
        from timeline import usecases

        return getattr(usecases, name)
    if name == "ExportFormat":
        from timeline.usecases.exporting import ExportFormat

        return ExportFormat
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
