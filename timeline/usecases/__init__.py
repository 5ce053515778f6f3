"""The use cases: one transaction each, on an ``EventStore`` (or, for the reads of
asof, a ``Snapshot``). Time is passed in (``now``), never read here, so reports are
reproducible.

Writes (and verify): ``recording`` (add, correct, retract, an entry from the API),
``naming`` (retitle, alias), ``access`` (tokens), ``importing`` (event files, all or
nothing), ``maintenance`` (open, rebuild, verify, restore, revision, grant).

Reads: asof, threads, log, history, diff, export (``reading``); secrets, lag, actors and
issues (``knowledge``); upcoming events (``scheduled``); event files to share
(``sharing``); the log by position (``paging``); each thread's latest events
(``latest``). Each reads inside one transaction (one snapshot of the log) and hands the
records to a pure view (``core.views``). ``known_by``/``as_of`` pick the view of the
world; ``recorded_before`` replays what this database held at an earlier moment, and
``at_seq`` the log as it stood when its last record was that one, so an old report or
answer can be reproduced exactly.

The names load on first use, so that a command that reads through a ``Snapshot`` (the
reads of ``reading``, ``scheduled``) never imports SQLAlchemy, which the writes do. (No
module is named as a name here: importing it would hide the name.)
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from timeline.usecases._common import Readable
    from timeline.usecases.coded import CodedImport, import_coded
    from timeline.usecases.importing import ImportResult, expand_paths, import_paths
    from timeline.usecases.knowledge import lag, names, published, report, secrets
    from timeline.usecases.latest import (
        Recent,
        Window,
        event_as_known,
        known_lately,
        recent,
        window,
    )
    from timeline.usecases.maintenance import (
        VerifyResult,
        digest,
        grant_appender,
        open_store,
        quick_problems,
        restore,
        schema_revision,
        sqlite_file,
        verify,
    )
    from timeline.usecases.naming import record_alias, retitle
    from timeline.usecases.paging import head, records_after, standing
    from timeline.usecases.reading import (
        actor_names,
        all_records,
        as_of,
        count,
        diff,
        export_batches,
        history,
        log,
        raw_log,
        stored_as_of,
        thread_slugs,
        threads,
        title,
        viewpoint_as_of,
    )
    from timeline.usecases.rebuilding import PROJECTIONS, Rebuilt, rebuild
    from timeline.usecases.recording import (
        AddResult,
        add_event,
        generate_id,
        record_amendment,
        record_entry,
    )
    from timeline.usecases.scheduled import upcoming
    from timeline.usecases.sharing import shared
    from timeline.usecases.signing import (
        SignedCheckpoint,
        checkpoint_sizes,
        create_key,
        cut_at,
        keys,
        prove_consistency,
        prove_inclusion,
        public_key_path,
        read_key,
        sign_checkpoint,
        signed_checkpoints,
    )
    from timeline.usecases.tokens import (
        Bearer,
        Grant,
        create_token,
        grants,
        revoke_token,
        token_holder,
    )

__all__ = [
    "PROJECTIONS",
    "AddResult",
    "Bearer",
    "CodedImport",
    "Grant",
    "ImportResult",
    "Readable",
    "Rebuilt",
    "Recent",
    "SignedCheckpoint",
    "VerifyResult",
    "Window",
    "actor_names",
    "add_event",
    "all_records",
    "as_of",
    "checkpoint_sizes",
    "count",
    "create_key",
    "create_token",
    "cut_at",
    "diff",
    "digest",
    "event_as_known",
    "expand_paths",
    "export_batches",
    "generate_id",
    "grant_appender",
    "grants",
    "head",
    "history",
    "import_coded",
    "import_paths",
    "keys",
    "known_lately",
    "lag",
    "log",
    "names",
    "open_store",
    "prove_consistency",
    "prove_inclusion",
    "public_key_path",
    "published",
    "quick_problems",
    "raw_log",
    "read_key",
    "rebuild",
    "recent",
    "record_alias",
    "record_amendment",
    "record_entry",
    "records_after",
    "report",
    "restore",
    "retitle",
    "revoke_token",
    "schema_revision",
    "secrets",
    "shared",
    "sign_checkpoint",
    "signed_checkpoints",
    "sqlite_file",
    "standing",
    "stored_as_of",
    "thread_slugs",
    "threads",
    "title",
    "token_holder",
    "upcoming",
    "verify",
    "viewpoint_as_of",
    "window",
]

_HOMES = {
    "CodedImport": "coded",
    "import_coded": "coded",
    "AddResult": "recording",
    "Bearer": "tokens",
    "Grant": "tokens",
    "ImportResult": "importing",
    "Readable": "_common",
    "Recent": "latest",
    "Window": "latest",
    "event_as_known": "latest",
    "window": "latest",
    "SignedCheckpoint": "signing",
    "VerifyResult": "maintenance",
    "actor_names": "reading",
    "add_event": "recording",
    "all_records": "reading",
    "as_of": "reading",
    "checkpoint_sizes": "signing",
    "count": "reading",
    "create_key": "signing",
    "cut_at": "signing",
    "create_token": "tokens",
    "diff": "reading",
    "digest": "maintenance",
    "expand_paths": "importing",
    "export_batches": "reading",
    "generate_id": "recording",
    "grant_appender": "maintenance",
    "grants": "tokens",
    "head": "paging",
    "history": "reading",
    "import_paths": "importing",
    "keys": "signing",
    "lag": "knowledge",
    "log": "reading",
    "names": "knowledge",
    "open_store": "maintenance",
    "prove_consistency": "signing",
    "prove_inclusion": "signing",
    "public_key_path": "signing",
    "published": "knowledge",
    "quick_problems": "maintenance",
    "raw_log": "reading",
    "read_key": "signing",
    "rebuild": "rebuilding",
    "Rebuilt": "rebuilding",
    "PROJECTIONS": "rebuilding",
    "recent": "latest",
    "known_lately": "latest",
    "record_alias": "naming",
    "record_amendment": "recording",
    "record_entry": "recording",
    "records_after": "paging",
    "standing": "paging",
    "report": "knowledge",
    "restore": "maintenance",
    "retitle": "naming",
    "revoke_token": "tokens",
    "schema_revision": "maintenance",
    "secrets": "knowledge",
    "shared": "sharing",
    "sign_checkpoint": "signing",
    "signed_checkpoints": "signing",
    "sqlite_file": "maintenance",
    "stored_as_of": "reading",
    "thread_slugs": "reading",
    "threads": "reading",
    "title": "reading",
    "token_holder": "tokens",
    "upcoming": "scheduled",
    "viewpoint_as_of": "reading",
    "verify": "maintenance",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{home}"), name)
