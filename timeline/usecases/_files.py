"""The files an import reads: those named, and the event files in folders named."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from timeline.core.errors import Problem
from timeline.formats.eventfile import SUFFIXES

__all__ = ["expand_paths"]


def _folder(p: Path, name: str) -> tuple[list[Path], list[Problem]]:
    found = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUFFIXES)
    if found:
        return found, []
    return [], [
        Problem(name, None, "no event files (*.yaml, *.yml, *.json, *.jsonl) in this folder")
    ]


def expand_paths(paths: Iterable[str]) -> tuple[list[Path], list[Problem]]:
    """Files named, and event files found (recursively) in folders named, in a stable order."""
    files: list[Path] = []
    problems: list[Problem] = []
    for name in paths:
        p = Path(name)
        if p.is_dir():
            found, missing = _folder(p, name)
            files += found
            problems += missing
        elif p.exists() and not p.is_file():
            problems.append(Problem(name, None, "not a regular file or folder"))
        elif not p.is_file():
            problems.append(Problem(name, None, "no such file or folder"))
        elif p.suffix.lower() not in SUFFIXES:
            problems.append(
                Problem(name, None, "not an event file: expected .yaml, .yml, .json or .jsonl")
            )
        else:
            files.append(p)
    return files, problems
