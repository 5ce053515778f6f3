"""JSON text as timeline writes it: the canonical form that is hashed, and compact JSON.
Pure: no I/O.

The canonical form (see README, "Tamper evidence"): object keys sorted at every level
by code point, no whitespace, non-ASCII characters as UTF-8 (JSON's mandatory escapes
only), every string in Unicode NFC. ``tests/test_canonical.py`` checks it against the
``rfc8785`` package (JSON Canonicalization Scheme) on the values timeline stores; JCS
sorts keys by UTF-16 code unit instead, which differs only for keys (``known_to``'s
actor names) that mix characters above U+FFFF with ones in U+E000..U+FFFF.
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from typing import Any

import orjson

__all__ = [
    "canonical",
    "canonical_without_floats",
    "dumps",
    "dumps_without_floats",
    "format_recorded_at",
    "nfc",
    "nfc_all",
    "pretty",
]

_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_CANONICAL = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def nfc(text: str) -> str:
    """One spelling per text: "é" typed as e + combining accent becomes "é"."""
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def nfc_all(value: Any) -> Any:
    """Plain data with every text in it (keys too) in NFC, as ``canonical`` hashes it."""
    if isinstance(value, str):
        return nfc(value)
    if isinstance(value, dict):
        return {nfc_all(k): nfc_all(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [nfc_all(v) for v in value]
    return value


def canonical(value: Any) -> str:
    """The canonical JSON text of plain data, as hashed."""
    text = _CANONICAL.encode(value)
    # Fast path: recorded text is already NFC. Checking the whole JSON text is the same
    # as checking each string, since quotes (ASCII) separate them.
    if text.isascii() or unicodedata.is_normalized("NFC", text):
        return text
    return _CANONICAL.encode(nfc_all(value))


def canonical_without_floats(value: Any) -> str:
    """``canonical(value)`` for data that holds no float (an event's payload: texts,
    booleans, lists and objects), made by orjson, 4x faster: the same bytes, since both
    sort keys by code point and escape only what JSON must ("\\", '"' and C0
    controls, in the same spellings). Floats are what they would spell differently
    (``1e+16`` against ``1e16``, ``NaN`` against ``null``), hence the name;
    ``tests/test_canonical.py`` holds the two to the same text."""
    try:
        text = orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
    except orjson.JSONEncodeError:  # a lone surrogate, an integer past 64 bits, a key not str
        return canonical(value)
    if text.isascii() or unicodedata.is_normalized("NFC", text):
        return text
    return canonical(value)


def dumps(value: Any) -> str:
    """Compact, deterministic JSON (non-ASCII kept as is; keys in the order given)."""
    return _ENCODER.encode(value)


def dumps_without_floats(value: Any) -> str:
    """``dumps(value)`` for data that holds no float, by orjson (see
    ``canonical_without_floats``): keys in the order given, texts as they are."""
    try:
        return orjson.dumps(value).decode()
    except orjson.JSONEncodeError:  # a lone surrogate, an integer past 64 bits, a key not str
        return dumps(value)


def pretty(value: Any) -> str:
    """JSON for people: two-space indent, non-ASCII as is, keys in the order given; the
    same text as ``json.dumps(value, ensure_ascii=False, indent=2)``, made by orjson
    (the standard library encodes indented JSON in Python: 0.5 s for the 12 MB of
    ``asof --format json`` over 1,000 threads, against 0.04 s)."""
    return orjson.dumps(value, option=orjson.OPT_INDENT_2).decode()


def format_recorded_at(when: dt.datetime) -> str:
    """UTC, microseconds, trailing Z: sorts as text and reads the same on every backend."""
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
