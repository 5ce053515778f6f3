"""Rules that put coded events in negotiation threads (``timeline import --rules FILE``).
Pure: a YAML document in, rules out.

    rules:
      - thread: normandy-format
        title: Normandy format talks
        countries: [Russian Federation, Ukraine]   # every one of them among the parties
        codes: ["03", "04"]                        # any of these CAMEO prefixes (or PLOVER)
        words: [donbas, minsk]                     # any, in a source's name or address

An event goes to the thread of the first rule it matches; a rule needs at least one of
``countries``, ``codes`` and ``words``, and holds them all. Countries are compared as
the dataset writes them, without case; words without case, in the sources' names and
addresses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from timeline.core.errors import TimelineError
from timeline.core.model import is_slug
from timeline.core.validate import text_field
from timeline.formats.coded import CodedEvent
from timeline.formats.eventfile import line_of, load_yaml

__all__ = ["Rule", "match", "parse_rules"]

_KEYS = ("thread", "title", "countries", "codes", "words")


@dataclass(frozen=True)
class Rule:
    thread: str
    title: str | None
    countries: frozenset[str]
    codes: tuple[str, ...]
    words: tuple[str, ...]

    def matches(self, event: CodedEvent) -> bool:
        held = {a.country.casefold() for a in event.actors if a.country}
        if not self.countries <= held:
            return False
        if self.codes and not (event.code.upper().startswith(self.codes)):
            return False
        if self.words:
            said = " ".join(f"{name} {url or ''}" for name, url in event.sources).casefold()
            return any(word in said for word in self.words)
        return True


def _texts(value: Any, what: str) -> list[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        raise ValueError(f"{what} must be a list of text")
    return [text_field(item, what, one_line=True) for item in items]


def _rule(item: Any) -> Rule:
    if not isinstance(item, Mapping):
        raise ValueError("a rule is a mapping: thread, title, countries, codes, words")
    unknown = [str(k) for k in item if k not in _KEYS]
    if unknown:
        raise ValueError(f"unknown field {unknown[0]!r} (valid: {', '.join(_KEYS)})")
    thread = item.get("thread")
    if not isinstance(thread, str) or not is_slug(thread):
        raise ValueError(f"thread {thread!r} is not a slug (lowercase letters, digits, '-')")
    title = item.get("title")
    countries = _texts(item["countries"], "countries") if "countries" in item else []
    codes = _texts(item["codes"], "codes") if "codes" in item else []
    words = _texts(item["words"], "words") if "words" in item else []
    if not (countries or codes or words):
        raise ValueError(
            f"the rule for {thread} matches everything: give countries, codes or words"
        )
    return Rule(
        thread,
        None if title is None else text_field(title, "title", one_line=True),
        frozenset(c.casefold() for c in countries),
        tuple(c.upper() for c in codes),
        tuple(w.casefold() for w in words),
    )


def parse_rules(text: str, source: str) -> list[Rule]:
    """The rules of a rules file, in order; TimelineError naming ``source:line``."""
    doc = load_yaml(text, source)
    items = doc.get("rules") if isinstance(doc, Mapping) else None
    if not isinstance(items, list) or not items:
        raise TimelineError(f"{source}: a rules file holds 'rules:', a list of rules")
    rules = []
    for item in items:
        try:
            rules.append(_rule(item))
        except ValueError as e:
            line = line_of(item)
            raise TimelineError(f"{source}:{line}: {e}" if line else f"{source}: {e}") from None
    return rules


def match(rules: Sequence[Rule], event: CodedEvent) -> Rule | None:
    """The first rule the event matches (None: none does)."""
    return next((rule for rule in rules if rule.matches(event)), None)
