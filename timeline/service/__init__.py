"""Use cases that write (and verify): one module per use case.

``recording``: add, correct, retract. ``importing``: event files, all or nothing.
``maintenance``: open, rebuild, verify, restore, revision, grant. Time is passed in
(``now``), never read here, so reports are reproducible. Reads are in ``queries``.
"""

from timeline.service._files import expand_paths
from timeline.service.access import Bearer, Grant, create_token, grants, revoke_token, token_holder
from timeline.service.importing import ImportResult, import_paths
from timeline.service.maintenance import (
    VerifyResult,
    digest,
    grant_appender,
    open_store,
    quick_problems,
    rebuild,
    restore,
    schema_revision,
    sqlite_file,
    verify,
)
from timeline.service.naming import record_alias, retitle
from timeline.service.recording import (
    AddResult,
    add_event,
    generate_id,
    record_amendment,
    record_entry,
)

__all__ = [
    "AddResult",
    "Bearer",
    "Grant",
    "ImportResult",
    "VerifyResult",
    "add_event",
    "create_token",
    "digest",
    "expand_paths",
    "generate_id",
    "grant_appender",
    "grants",
    "import_paths",
    "open_store",
    "quick_problems",
    "rebuild",
    "record_alias",
    "record_amendment",
    "record_entry",
    "restore",
    "retitle",
    "revoke_token",
    "schema_revision",
    "sqlite_file",
    "token_holder",
    "verify",
]
