"""Options that carry structured values: ``--source NAME=URL``, ``--position
ACTOR|ISSUE|STANCE``, ``--known-to ACTOR=DATE`` -> the fields of an event file."""

from __future__ import annotations

from timeline.errors import TimelineError

__all__ = ["split_known_to", "split_position", "split_source"]


def split_source(value: str) -> dict[str, str]:
    name, sep, url = value.partition("=")
    return {"name": name.strip(), "url": url.strip()} if sep else {"name": value.strip()}


def split_known_to(values: list[str]) -> dict[str, str]:
    """``--known-to ACTOR=DATE`` (repeated) -> ``{actor: date}``."""
    out: dict[str, str] = {}
    for value in values:
        actor, sep, date = value.rpartition("=")
        if not sep or not actor.strip() or not date.strip():
            raise TimelineError(f"--known-to {value!r}: expected 'ACTOR=DATE'")
        if actor.strip() in out:
            raise TimelineError(f"--known-to names {actor.strip()!r} twice")
        out[actor.strip()] = date.strip()
    return out


def split_position(value: str) -> dict[str, str]:
    parts = value.split("|")
    if len(parts) != 3:
        raise TimelineError(f"--position {value!r}: expected 'ACTOR|ISSUE|STANCE'")
    return dict(zip(("actor", "issue", "stance"), (p.strip() for p in parts), strict=True))
