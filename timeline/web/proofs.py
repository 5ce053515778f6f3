"""The log's signed checkpoints and its proofs, under ``/api/v1``: what a reader needs
to check, with no database, that a record was in the log a checkpoint signs, and that
the log at one checkpoint is a prefix of the log at a later one (``core.proofs``).

A checkpoint is served as the signed note itself (C2SP tlog-checkpoint, plain text),
as transparency logs serve theirs; a proof as the bundle ``timeline prove`` writes,
which ``timeline verify-proof`` checks. Once its sizes are fixed, an answer never
changes: sent as immutable. Each reads a few rows of the Merkle tree, never the log.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from timeline.api import Timeline
from timeline.core.access import provable
from timeline.core.codec import pretty
from timeline.core.errors import Missing
from timeline.core.model import TOKENS, Record
from timeline.formats.signing import checkpoints_json
from timeline.web import schemas
from timeline.web.access import Reader, reader_of
from timeline.web.caching import answer
from timeline.web.params import store_of
from timeline.web.problems import Responses, documented
from timeline.web.schemas import ok

__all__ = ["router"]

NOTE = "text/plain; charset=utf-8"
JSON = "application/json"
router = APIRouter(prefix="/api/v1")

Store = Annotated[Timeline, Depends(store_of)]
Asking = Annotated[Reader, Depends(reader_of)]
SIZE = Query(
    ge=1, description="The checkpoint's size (the records it signs) [default: the latest]."
)


NOTE_ANSWER: Responses = {
    200: {
        "description": "The signed note (C2SP tlog-checkpoint), exactly as signed.",
        "content": {NOTE: {"schema": {"type": "string"}}},
    }
}


@router.get(
    "/checkpoint",
    summary="The latest signed checkpoint, as a signed note",
    operation_id="getLatestCheckpoint",
    responses={**NOTE_ANSWER, **documented(404)},
    response_class=Response,
)
def latest(request: Request, store: Store) -> Response:
    """The log's latest checkpoint: a C2SP tlog-checkpoint signed note (the log's name,
    the number of records it signs, its Merkle root in base64, a blank line, the
    signature). Keep it: ``timeline verify --against`` and a consistency proof later
    show the log still extends it."""
    found = store.checkpoints()
    if not found:
        raise Missing("the log holds no checkpoint yet")
    return answer(request, found[-1].note.encode(), NOTE)


@router.get(
    "/checkpoints",
    summary="Every signed checkpoint: size, root, day, key",
    operation_id="listCheckpoints",
    responses=ok(list[schemas.Checkpoint], "Every checkpoint, oldest first."),
    response_class=Response,
)
def every(request: Request, store: Store) -> Response:
    """As ``timeline checkpoints --format json``: each checkpoint's record (``seq``),
    the records it signs (``size``), its root, the day it was signed, the key (as a
    verifier key) and the signed note."""
    return answer(request, checkpoints_json(store.checkpoints()).encode(), JSON)


@router.get(
    "/checkpoints/{size}",
    summary="One signed checkpoint, as a signed note",
    operation_id="getCheckpoint",
    responses={**NOTE_ANSWER, **documented(404, 422)},
    response_class=Response,
)
def one(
    request: Request,
    store: Store,
    size: Annotated[int, Path(ge=1, description="The records the checkpoint signs.")],
) -> Response:
    """The checkpoint that signs the log's first ``size`` records, as a signed note."""
    (found,) = store.checkpoints(size)
    return answer(request, found.note.encode(), NOTE, immutable=True)


@router.get(
    "/proof/inclusion",
    summary="A proof bundle: a record is among the records a checkpoint signs",
    operation_id="proveInclusion",
    responses={
        **ok(schemas.InclusionProof, "The bundle, as `timeline prove` writes it."),
        **documented(400, 404, 422),
    },
    response_class=Response,
)
def inclusion(
    request: Request,
    store: Store,
    reader: Asking,
    thread: Annotated[str, Query(description="The record's thread.")],
    id: Annotated[str, Query(description="The record's id within its thread.")],
    size: Annotated[int | None, SIZE] = None,
) -> Response:
    """The bundle ``timeline prove THREAD/ID`` writes: the record whole, its leaf's
    audit path and the signed checkpoint. A bundle holds its record whole, so the
    public view proves only a record it serves unchanged (public by today, with no
    ``known_to`` and, unless the operator publishes it, no ``recorded_by``): any other
    is a 404, as one never recorded."""

    def shown(record: Record) -> bool:
        if reader.everything:
            return record.entry.thread != TOKENS  # token digests: never
        return provable(record, today=reader.today, recorded_by=reader.show_recorded_by)

    bundle = store.prove(f"{thread}/{id}", checkpoint=size, shown=shown)
    body = (pretty(bundle) + "\n").encode()
    return answer(request, body, JSON, immutable=size is not None)


@router.get(
    "/proof/consistency",
    summary="A proof bundle: the log at one checkpoint is a prefix of the log at another",
    operation_id="proveConsistency",
    responses={
        **ok(schemas.ConsistencyProof, "The bundle, as `timeline prove --consistency` writes it."),
        **documented(400, 404, 422),
    },
    response_class=Response,
)
def consistency(
    request: Request,
    store: Store,
    start: Annotated[int, Query(alias="from", ge=1, description="The older checkpoint's size.")],
    end: Annotated[
        int | None, Query(alias="to", ge=1, description="The newer one's [default: the latest].")
    ] = None,
) -> Response:
    """The bundle ``timeline prove --consistency FROM --checkpoint TO`` writes: both
    signed checkpoints and the Merkle path between them."""
    bundle = store.prove_consistency(start, end)
    body = (pretty(bundle) + "\n").encode()
    return answer(request, body, JSON, immutable=end is not None)
