"""What every input rule shares: text, dates as written, and collecting problems. Pure."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Sequence
from typing import Any

from timeline.core.codec import nfc
from timeline.core.errors import InvalidDate, InvalidEvent

__all__ = [
    "Checker",
    "Problems",
    "as_date_text",
    "choice",
    "one_line",
    "text_field",
    "valid_unicode",
]

Problems = list[tuple[str | None, str]]


def as_date_text(value: object) -> object:
    """YAML turns 2022-01-26 into a date and 2022 into an int: take both back to text."""
    if value.__class__ is str:
        return value
    if isinstance(value, dt.datetime):
        return value  # a timestamp is not a date; let the parser reject it
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:04d}"
    return value


def valid_unicode(text: str, what: str) -> None:
    if text.isascii():
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(
            f"{what} holds bytes that are not valid text (check the file's or the terminal's "
            "encoding)"
        ) from None


# C0 and C1 controls but the line feed, DEL, and the Unicode line and paragraph
# separators: text that could move a terminal's cursor, hide a line in a calendar or
# split a line of JSON for some readers. NUL is among them (PostgreSQL refuses it).
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029]")
# ... and the line feed: text without any of them is fine on one line or several
_BREAK_OR_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


# The default-ignorable code points that are not format characters (Cf): they show as
# nothing, so "Russia" followed by one is another name that reads the same.
_IGNORABLE = re.compile(
    "[\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u3164\ufe00-\ufe0f\uffa0\U000e0000-\U000e0fff]"
)
_JOINERS = "\u200c\u200d"  # needed inside words of some scripts (Persian, Indic)


def _invisible(text: str) -> str | None:
    """The first character of a name that shows as nothing or reorders what follows:
    a format character (Cf: zero-width spaces, direction marks and overrides, the BOM,
    TAG characters) or another default-ignorable one. ZWNJ and ZWJ are taken between
    two letters of a script other than Latin, where words need them."""
    found = _IGNORABLE.search(text)
    if found is not None:
        return found.group()
    for i, ch in enumerate(text):
        if unicodedata.category(ch) != "Cf":
            continue
        if ch in _JOINERS and 0 < i < len(text) - 1:
            before, after = text[i - 1], text[i + 1]
            if all(
                c.isalpha() and not c.isascii() and "LATIN" not in unicodedata.name(c, "")
                for c in (before, after)
            ):
                continue
        return ch
    return None


def text_field(value: object, what: str, *, one_line: bool = False, name: bool = False) -> str:
    """Non-empty text, stripped, in NFC; ValueError naming ``what`` otherwise.

    One rule for every text a user gives, on every backend: no control character, and
    a line break only where ``one_line`` is False (a summary, a note, a reason). A
    ``name`` (an actor, an issue, an alias, a thread title, a source) also holds no
    character that shows as nothing (``_invisible``): two names that read the same are
    the same name.
    """
    text = value.strip() if isinstance(value, str) else ""
    if text.isascii() and text and _BREAK_OR_CONTROL.search(text) is None:
        return text  # the common case: ASCII is valid text, and in NFC
    if not text:
        raise ValueError(f"{what} must be non-empty text")
    valid_unicode(text, what)
    if one_line and ("\n" in text or "\r" in text):
        raise ValueError(f"{what} must be one line")
    bad = _CONTROL.search(text)
    if bad is not None:
        raise ValueError(
            f"{what} holds the control character U+{ord(bad.group()):04X}, which timeline "
            "does not store"
        )
    hidden = _invisible(text) if name else None
    if hidden is not None:
        raise ValueError(
            f"{what} holds U+{ord(hidden):04X} ({unicodedata.name(hidden, 'unnamed')}), "
            "which shows as nothing or reorders the text: a name that reads the same "
            "would be another name"
        )
    return nfc(text)


def one_line(what: str, *, name: bool = False) -> Callable[[object], str]:
    return lambda value: text_field(value, what, one_line=True, name=name)


def choice(name: str, valid: Sequence[str]) -> Callable[[object], str]:
    def check(value: object) -> str:
        if value not in valid:
            raise ValueError(f"unknown {name} {value!r} (valid: {', '.join(valid)})")
        return str(value)

    return check


class Checker:
    """Collects every problem of one entry instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems: Problems = []

    def add(self, name: str | None, message: str) -> None:
        self.problems.append((name, message))

    def check(self, name: str, fn: Callable[..., Any], *args: Any) -> Any:
        try:
            return fn(*args)
        except (ValueError, InvalidDate) as e:
            self.add(name, str(e))
            return None

    def raise_if_any(self) -> None:
        if self.problems:
            raise InvalidEvent(self.problems)
