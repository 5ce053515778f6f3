"""The checkpoints a log holds, as text and JSON. Pure: no I/O."""

from __future__ import annotations

import base64
from collections.abc import Sequence

from timeline.core.codec import pretty
from timeline.core.signing import SignedCheckpoint

__all__ = ["checkpoints_json", "checkpoints_text"]


def checkpoints_text(found: Sequence[SignedCheckpoint]) -> str:
    if not found:
        return "No checkpoints: `timeline checkpoint` signs one\n"
    lines = ["    size  root                                          signed      key"]
    for c in found:
        root = base64.b64encode(c.root).decode()
        lines.append(f"{c.size:>8}  {root}  {c.signed.isoformat()}  {c.key.name}")
    return "\n".join(lines) + "\n"


def checkpoints_json(found: Sequence[SignedCheckpoint]) -> str:
    rows = [
        {
            "seq": c.seq,
            "size": c.size,
            "root": base64.b64encode(c.root).decode(),
            "signed": c.signed.isoformat(),
            "key": c.key.text,
            "note": c.note,
        }
        for c in found
    ]
    return pretty(rows) + "\n"
