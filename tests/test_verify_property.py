"""verify never cries wolf: any sequence of valid commands leaves a log it accepts.

Hypothesis drives the library face with adds, corrections of any subset of fields,
retractions and imports; commands the rules refuse are simply refused. Then verify must
find nothing, and rebuild must give back the same projection table."""

from __future__ import annotations

import contextlib
import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import timeline
from tests.test_canonical import CHANGEABLE, raw_events
from timeline.errors import TimelineError
from timeline.service import record_amendment

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
        record = timeline.add(store, _event(op[1], n), now=now)
        keys.append(str(record.entry.key))
    elif kind == "import":
        import json

        path = folder / f"import{n}.jsonl"
        events = [_event(raw, n * 10 + i) for i, raw in enumerate(op[1])]
        path.write_text("".join(json.dumps(e, default=str) + "\n" for e in events))
        timeline.import_paths(store, [path], now=now)
        keys += [f"{e['thread']}/{e['id']}" for e in events]
    elif keys:
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
        record = record_amendment(store, fields, now)
        keys.append(str(record.entry.key))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operations)
def test_any_sequence_of_valid_commands_leaves_a_log_that_verify_accepts(
    ops: list[tuple[Any, ...]],
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        store = timeline.open_store(folder / "timeline.db")
        keys: list[str] = []
        try:
            for n, op in enumerate(ops):
                with contextlib.suppress(TimelineError):  # refused: nothing was written
                    _run(store, op, n, START + dt.timedelta(minutes=n), folder, keys)
            result = timeline.verify(store)
            assert result.findings == [], [str(f) for f in result.findings]
            with store.reading() as r:
                before = r.states()
            from timeline.service import rebuild

            rebuild(store)
            with store.reading() as r:
                assert r.states() == before
        finally:
            store.engine.dispose()
