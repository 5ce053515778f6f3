"""The stored form of records, in one place: entry <-> payload <-> row <-> chain row.
Pure: no I/O, no SQL (``stateform`` holds the projection table's state column).

A record is stored as its **payload** (plain JSON, canonical text, hashed) plus copies
of a few payload fields in their own columns, for queries and for replays that do not
decode payloads. ``to_row`` writes both; ``record_from_row`` trusts the payload and
``chain_row`` checks that the copies still agree with it (``timeline verify``).

``PAYLOAD_SCHEMA`` names the payload's version. When it changes, ``upcast`` turns an
older payload into the current one on read; rows are never rewritten.
"""

from timeline.core.mapper.payload import (
    PAYLOAD_SCHEMA,
    actor_names,
    canonical_payload,
    differing_fields,
    entry_content,
    entry_from_payload,
    entry_summary,
    entry_to_payload,
    first_difference,
    same_content,
    stored_value,
    upcast,
)
from timeline.core.mapper.rows import (
    COPIED,
    FOLD_FIELDS,
    RECORD_FIELDS,
    ROW_FIELDS,
    chain_row,
    copied_columns,
    fold_record_from_row,
    fold_record_from_values,
    readable,
    record_from_row,
    record_from_values,
    row_values,
    to_row,
)

__all__ = [
    "COPIED",
    "FOLD_FIELDS",
    "PAYLOAD_SCHEMA",
    "RECORD_FIELDS",
    "ROW_FIELDS",
    "actor_names",
    "canonical_payload",
    "chain_row",
    "copied_columns",
    "differing_fields",
    "entry_content",
    "entry_from_payload",
    "entry_summary",
    "entry_to_payload",
    "first_difference",
    "fold_record_from_row",
    "fold_record_from_values",
    "readable",
    "record_from_row",
    "record_from_values",
    "row_values",
    "same_content",
    "stored_value",
    "to_row",
    "upcast",
]
