"""verify never cries wolf: any sequence of valid commands leaves a log it accepts.

Hypothesis drives the library face with adds (scheduled ones too), corrections of any
subset of fields, retractions, imports, new thread titles and actor aliases in any text;
commands the rules refuse are simply refused. Then verify must find nothing, rebuild
must give back the same projection table, and a backup must restore to the same log."""

from __future__ import annotations

import contextlib
import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import examples
from tests.core.test_canonical import CHANGEABLE, LINE, raw_events
from timeline.core.dates import parse_edtf
from timeline.core.errors import TimelineError
from timeline.core.model import Key
from timeline.usecases import (
    add_event,
    digest,
    import_paths,
    open_store,
    record_alias,
    record_amendment,
    retitle,
    verify,
)
from timeline.usecases.exporting import export_chunks

THREADS = ["geneva-talks", "nato-russia-council"]
START = dt.datetime(2026, 11, 28, 9, 0, tzinfo=dt.UTC)

operations = st.lists(
    st.one_of(
        st.tuples(st.just("add"), raw_events()),
        st.tuples(st.just("import"), st.lists(raw_events(), min_size=1, max_size=3)),
        st.tuples(
            st.just("correct"),
            st.integers(0, 50),
            raw_events(),
            # a list, in the order drawn: the order fields are given in must not matter
            st.lists(st.sampled_from(CHANGEABLE), min_size=1, max_size=4, unique=True),
            st.one_of(st.none(), st.dates(dt.date(2020, 1, 1), dt.date(2030, 1, 1))),
        ),
        st.tuples(
            st.just("retract"),
            st.integers(0, 50),
            st.one_of(st.none(), st.dates(dt.date(2020, 1, 1), dt.date(2030, 1, 1))),
        ),
        st.tuples(st.just("schedule"), raw_events(), st.integers(1, 400)),
        st.tuples(st.just("retitle"), st.integers(0, 1), st.text(max_size=30)),
        st.tuples(st.just("alias"), st.integers(0, 50), LINE),
    ),
    min_size=1,
    max_size=8,
)


def _event(raw: dict[str, Any], n: int) -> dict[str, Any]:
    return {**raw, "thread": THREADS[n % 2], "id": f"e{n}", "refs": []}


def _run(
    store: Any, op: tuple[Any, ...], n: int, now: dt.datetime, folder: Path, keys: list[str]
) -> None:
    kind = op[0]
    if kind == "add":
        record = add_event(store, _event(op[1], n), now).record
        keys.append(str(record.entry.key))
    elif kind == "import":
        import json

        path = folder / f"import{n}.jsonl"
        events = [_event(raw, n * 10 + i) for i, raw in enumerate(op[1])]
        path.write_text("".join(json.dumps(e, default=str) + "\n" for e in events))
        import_paths(store, [path], now)
        keys += [f"{e['thread']}/{e['id']}" for e in events]
    elif kind == "schedule":  # announced up to 400 days before its date begins
        event = _event(op[1], n)
        first = parse_edtf(str(event["date"])).first
        event |= {"scheduled": True, "known": (first - dt.timedelta(days=op[2])).isoformat()}
        record = add_event(store, event, now, allow_future=True).record
        keys.append(str(record.entry.key))
    elif kind == "retitle":
        retitle(store, THREADS[op[1]], op[2], now)
    elif kind == "alias" and keys:  # one of an event's actors, under another name
        with store.reading() as r:
            (record,) = r.log.find([Key.parse(keys[op[1] % len(keys)])]).values()
        actors = getattr(record.entry, "actors", None) or ["nobody"]
        record_alias(store, op[2], actors[0], now)
    elif keys and kind in ("correct", "retract"):
        target = keys[op[1] % len(keys)]
        if kind == "correct":
            changes = {k: op[2][k] for k in op[3] if k in op[2]}
            fields = {"type": "correction", "corrects": target, "set": changes or {"title": "x"}}
            known = op[4]
        else:
            fields = {"type": "retraction", "retracts": target, "reason": "withdrawn"}
            known = op[2]
        if known is not None:
            fields["known"] = known.isoformat()
        record = record_amendment(store, fields, now).record
        keys.append(str(record.entry.key))


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operations)
def test_any_sequence_of_valid_commands_leaves_a_log_that_verify_accepts(
    ops: list[tuple[Any, ...]],
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        store = open_store(str(folder / "timeline.db"))
        keys: list[str] = []
        try:
            for n, op in enumerate(ops):
                with contextlib.suppress(TimelineError):  # refused: nothing was written
                    _run(store, op, n, START + dt.timedelta(minutes=n), folder, keys)
            result = verify(store)
            assert result.findings == [], [str(f) for f in result.findings]
            with store.reading() as r:
                before = r.projections.states()
            from timeline.usecases import rebuild, restore

            rebuild(store)
            with store.reading() as r:
                assert r.projections.states() == before
            backup = folder / "backup.jsonl"
            backup.write_bytes(b"".join(export_chunks(store, "jsonl", today=dt.date.today())))
            restored = open_store(str(folder / "restored.db"))
            try:
                restore(restored, str(backup))
                assert digest(restored) == result.digest
                assert verify(restored).findings == []
            finally:
                restored.close()
        finally:
            store.close()
