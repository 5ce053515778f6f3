"""Each projection's progress: which version of its code made it, how far along the log
it has folded, and where a rebuild of it stands.

A projection is a table (or tables) made from the log alone: the thread states, the
checkpoints, the search index and the Merkle tree. Each has a row of progress, written
in the same transaction as its own rows, so that ``timeline rebuild`` replays only the
projections out of step with the log, one at a time, and a rebuild that was stopped
half-way goes on from where it stood.

A projection's ``VERSIONS`` number goes up whenever a change of its code makes what it
stored before wrong (a new column of the state, another text indexed): a database made
by the older code then says so, instead of answering from rows this code would not
write, until ``timeline rebuild`` replays that projection (and only that one).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["LABELS", "VERSIONS", "Progress", "named", "out_of_step", "unusable"]

# name -> version of the code that makes it (see the module's docstring)
VERSIONS: dict[str, int] = {"states": 1, "checkpoints": 1, "search": 1, "tree": 1}
# name -> what a message calls it
LABELS: dict[str, str] = {
    "states": "thread states",
    "checkpoints": "checkpoints",
    "search": "search index",
    "tree": "Merkle tree",
}


@dataclass(frozen=True)
class Progress:
    """One projection's row of progress.

    ``through``: the last seq it has folded (0: none); ``resume``: None when it is
    whole, else where its rebuild stands (``""``: begun, nothing replayed yet), which
    the rebuild reads back to go on; ``stale``: what ``verify`` found wrong with it
    (None: nothing), so that a plain ``rebuild`` replays it; ``rebuilt``: how many
    rebuilds of it finished (an answer made from it depends on that too)."""

    name: str
    version: int
    through: int
    resume: str | None = None
    stale: str | None = None
    rebuilt: int = 0


def named(names: Sequence[str]) -> str:
    """Projections as a message names them: "the thread states and checkpoints"."""
    labels = [LABELS[n] for n in names]
    joined = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
    return f"the {joined}"


def _plural(name: str) -> bool:
    return LABELS[name].endswith("s")


def unusable(p: Progress) -> str | None:
    """Why no read or append may use the projection as it is (None: they may): a
    rebuild of it under way or stopped half-way, or rows made by another version."""
    label, many = LABELS[p.name], _plural(p.name)
    if p.resume is not None:
        return (
            f"the {label} {'are' if many else 'is'} being rebuilt, or {'their' if many else 'its'}"
            " rebuild was stopped half-way: `timeline rebuild` finishes it"
        )
    want = VERSIONS[p.name]
    if p.version != want:
        which = "an older" if p.version < want else "a newer"
        return (
            f"the {label} {'were' if many else 'was'} made by {which} version of timeline "
            f"(its version {p.version}; this one makes version {want}): "
            f"`timeline rebuild` makes {'them' if many else 'it'} again"
        )
    return None


def out_of_step(p: Progress, head: int) -> str | None:
    """Why ``rebuild`` should replay the projection (None: it is in step with a log
    whose last seq is ``head``)."""
    why = unusable(p)
    if why is not None:
        return why
    if p.stale is not None:
        return f"`timeline verify` found the {LABELS[p.name]} wrong: {p.stale}"
    if p.through != head:
        have = "have" if _plural(p.name) else "has"
        return f"the {LABELS[p.name]} {have} folded the log through seq {p.through}, not {head}"
    return None
