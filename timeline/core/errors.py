"""The errors timeline raises on purpose; the CLI turns each into one ``Error: ...`` line. Pure."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ConflictError",
    "DatabaseError",
    "Forbidden",
    "ImportErrors",
    "InvalidDate",
    "InvalidEvent",
    "KeyTaken",
    "Missing",
    "Problem",
    "TimelineError",
    "UnknownName",
    "UnknownThread",
    "UnreadableRecord",
]


class TimelineError(Exception):
    """Base of every error that is the user's to fix (bad input, missing thing)."""


class InvalidDate(TimelineError):
    """A date that is not valid EDTF / not a real calendar day."""


class InvalidEvent(TimelineError):
    """An event that breaks rules: one (field, message) per problem, field None if general."""

    def __init__(self, problems: list[tuple[str | None, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(message for _, message in problems))


class KeyTaken(InvalidEvent):
    """An entry whose thread/id holds a different record already."""


class UnknownThread(TimelineError):
    pass


class Missing(TimelineError):
    """A record or a checkpoint asked for by name that the log does not hold."""


class UnknownName(TimelineError):
    """An actor or issue the log does not name."""


class ConflictError(TimelineError):
    """The same thread/id recorded with different content."""


class Forbidden(TimelineError):
    """A request for what its reader may not see or do (the service's 403)."""


class DatabaseError(TimelineError):
    """The database cannot be opened, is locked too long, or refuses the operation."""


class UnreadableRecord(UserWarning):
    """A stored record that no longer reads as one (a crafted row, or one an old version
    wrote that today's rules refuse): reads leave it out and say so with this warning;
    ``verify`` names it."""

    def __init__(self, seq: object, why: Exception) -> None:
        self.seq = seq
        super().__init__(
            f"record {seq} cannot be read ({type(why).__name__}: {why}) and is left out; "
            "`timeline verify` reports it"
        )


@dataclass(frozen=True)
class Problem:
    """One problem in an input file, reported as ``file:line: message``."""

    source: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line else self.source
        return f"{where}: {self.message}"


class ImportErrors(TimelineError):
    """Every problem found in a batch of input; nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
