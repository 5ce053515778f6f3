"""CAMEO event codes, and PLOVER events, as timeline's event types. Pure.

Machine-coded event data (GDELT, ICEWS) types each event with a CAMEO code: two digits
for its root (``04`` consult), three or four for the code (``046`` engage in
negotiation, ``0871`` declare truce). POLECAT types it with a PLOVER event (``CONSULT``).
``timeline_type`` maps a code to one of timeline's types by its longest prefix in
``TYPES``; ``plover_type`` maps a PLOVER event through the CAMEO codes the PLOVER
project maps to it (``cameo_table.PLOVER``): the type most of them have.

The table, and why: a statement is the default (a comment, praise, an accusation, a
threat: something said); an appeal proposes that another act (``proposal``), a demand
demands; intent to cooperate is an ``offer``, but intent to meet or negotiate is talks
(``036``); consulting is talks, and a visit or a meeting at a third place a meeting;
signing a formal agreement is a signing; granting recognition, forgiving and yielding
are acceptances (a truce declared is an agreement); material cooperation and aid are
implementation; a rejection, a veto and a refusal to yield are rejections; reducing
relations is a suspension, an expulsion or withdrawal a withdrawal; a denial of
responsibility is a denial.
"""

from __future__ import annotations

from collections import Counter

from timeline.core.cameo_table import NAMES, PLOVER

__all__ = [
    "DIPLOMATIC_PLOVER",
    "DIPLOMATIC_ROOTS",
    "NAMES",
    "TYPES",
    "is_code",
    "plover_of",
    "plover_type",
    "timeline_type",
]

# statements, appeals, intent to cooperate, consult, diplomatic and material
# cooperation, yield, demand, disapprove, reject, reduce relations: what an import
# keeps unless told otherwise (aid, investigations, threats, protests, force and
# violence are not negotiation, and are counted, not recorded)
DIPLOMATIC_ROOTS = ("01", "02", "03", "04", "05", "06", "08", "10", "11", "12", "16")


def _diplomatic_plover() -> tuple[str, ...]:
    """The PLOVER events most of whose CAMEO codes are under the diplomatic roots."""
    counts: dict[str, list[int]] = {}
    for code, event in PLOVER.items():
        if len(code) > 2:
            counts.setdefault(event, [0, 0])[code[:2] in DIPLOMATIC_ROOTS] += 1
    return tuple(sorted(e for e, (outside, inside) in counts.items() if inside > outside))


# what an import of PLOVER-coded data (POLECAT) keeps unless told otherwise
DIPLOMATIC_PLOVER = _diplomatic_plover()

TYPES = {
    "01": "statement",
    "016": "denial",
    "02": "proposal",
    "03": "offer",
    "036": "talks",
    "04": "talks",
    "042": "meeting",
    "043": "meeting",
    "044": "meeting",
    "05": "statement",
    "054": "acceptance",
    "056": "acceptance",
    "057": "signing",
    "06": "implementation",
    "07": "implementation",
    "08": "acceptance",
    "0871": "agreement",
    "10": "demand",
    "12": "rejection",
    "16": "suspension",
    "166": "withdrawal",
}


def is_code(code: str) -> bool:
    """Is ``code`` a CAMEO event code (of the codebook, 2 to 4 digits)?"""
    return code in NAMES


def timeline_type(code: str) -> str:
    """The timeline type of a CAMEO code: that of its longest prefix in ``TYPES``,
    else a statement."""
    for n in range(len(code), 1, -1):
        found = TYPES.get(code[:n])
        if found is not None:
            return found
    return "statement"


def plover_of(code: str) -> str | None:
    """The PLOVER event of a CAMEO code (the PLOVER project's table; None if it has
    none), of its longest prefix that has one."""
    for n in range(len(code), 1, -1):
        found = PLOVER.get(code[:n])
        if found is not None:
            return found
    return None


def _plover_types() -> dict[str, str]:
    by_event: dict[str, Counter[str]] = {}
    for code, event in sorted(PLOVER.items()):
        if len(code) > 2:  # the codes, not the roots' headings
            by_event.setdefault(event, Counter())[timeline_type(code)] += 1
    return {event: counts.most_common(1)[0][0] for event, counts in by_event.items()}


_BY_PLOVER = _plover_types()


def plover_type(event: str) -> str | None:
    """The timeline type of a PLOVER event: the one most CAMEO codes mapped to it have
    (None: not a PLOVER event of the table)."""
    return _BY_PLOVER.get(event.strip().upper())
