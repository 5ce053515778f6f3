"""Proofs over random logs, in the store, on every backend: logs grown by imports and
single adds of random sizes, signed at random points. Every inclusion proof (of any
record, against any checkpoint that covers it) and every consistency proof (between
any two checkpoints) verifies with the key; any single changed value in the record,
byte in the path, in the checkpoint or in its signature makes it prove nothing."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import BACKENDS, examples, fresh_database
from timeline.core.model import Key
from timeline.core.proofs import BundleError, verify_bundle
from timeline.core.signing import VerifierKey
from timeline.storage import EventStore
from timeline.usecases import (
    add_event,
    create_key,
    import_paths,
    open_store,
    prove_consistency,
    prove_inclusion,
    sign_checkpoint,
    signed_checkpoints,
)

START = dt.datetime(2026, 11, 28, 9, 0, tzinfo=dt.UTC)

steps = st.lists(
    st.one_of(
        st.tuples(st.just("import"), st.integers(1, 20)),
        st.tuples(st.just("add"), st.integers(1, 3)),
        st.tuples(st.just("sign"), st.just(0)),
    ),
    min_size=1,
    max_size=8,
)


def _event(n: int) -> dict[str, Any]:
    day = dt.date(2021, 1, 1) + dt.timedelta(days=n)
    return {
        "thread": f"talks-{n % 3}",
        "id": f"e{n}",
        "date": day.isoformat(),
        "type": "meeting",
        "actors": ["Finland", "Norway"],
        "title": f"Round {n} — «{n % 7}»",
    }


def _grow(store: EventStore, folder: Path, plan: list[tuple[str, int]]) -> VerifierKey:
    """The log the plan makes, with a key, signed at the plan's points and at its end."""
    key = folder / "signing.key"
    verifier = create_key(store, "example.org/prop", key, START)
    n = 0
    for tick, (kind, count) in enumerate([*plan, ("sign", 0)], start=1):
        now = START + dt.timedelta(minutes=tick)
        if kind == "sign":
            sign_checkpoint(store, key, now)
        elif kind == "import":
            path = folder / f"batch-{n}.jsonl"
            path.write_text("".join(json.dumps(_event(n + i)) + "\n" for i in range(count)))
            import_paths(store, [str(path)], now)
            n += count
        else:
            for _ in range(count):
                add_event(store, _event(n), now)
                n += 1
    return verifier


def _leaves_of(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """The path to every text and whole number in a JSON value."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves_of(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _leaves_of(v, (*path, i))
    elif isinstance(value, str | int) and not isinstance(value, bool):
        yield path


def _changed(value: str | int, at: int) -> str | int:
    if isinstance(value, int):
        return value + 1
    if not value:
        return "x"
    i = at % len(value)
    return value[:i] + ("x" if value[i] != "x" else "y") + value[i + 1 :]


def _flip(encoded: str, at: int, bit: int) -> str:
    raw = bytearray(base64.b64decode(encoded))
    raw[at % len(raw)] ^= 1 << bit
    return base64.b64encode(bytes(raw)).decode()


def _altered_note(note: str, at: int, bit: int, in_signature: bool) -> str:
    text, _, signature = note.rpartition("\n\n")
    if in_signature:
        dash, name, encoded = signature.rstrip("\n").split(" ")
        return f"{text}\n\n{dash} {name} {_flip(encoded, at, bit)}\n"
    origin, size, root = text.split("\n")[:3]
    return f"{origin}\n{size}\n{_flip(root, at, bit)}\n\n{signature}"


def _refused(bundle: dict[str, Any], keys: list[VerifierKey]) -> bool:
    try:
        verify_bundle(bundle, keys)
    except BundleError:
        return True
    return False


@pytest.mark.parametrize("backend", BACKENDS)
@settings(
    max_examples=examples(25),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(plan=steps, data=st.data())
def test_every_proof_of_a_random_log_verifies_and_any_change_proves_nothing(
    backend: str, plan: list[tuple[str, int]], data: st.DataObject
) -> None:
    with tempfile.TemporaryDirectory() as tmp, fresh_database(backend, Path(tmp)) as url:
        store = open_store(url)
        try:
            verifier = _grow(store, Path(tmp), plan)
            keys = [verifier]
            sizes = [c.size for c in signed_checkpoints(store)]
            # every consistency proof between two checkpoints verifies
            for old in sizes:
                for new in (s for s in sizes if s >= old):
                    proved = verify_bundle(prove_consistency(store, old, new), keys)
                    assert (proved.old_size, proved.size) == (old, new)
            # an inclusion proof of any record, against any checkpoint covering it
            seq = data.draw(st.integers(1, sizes[-1]), label="seq")
            size = data.draw(st.sampled_from([s for s in sizes if s >= seq]), label="size")
            with store.reading() as r:
                (record,) = r.log.records_after(seq - 1, None, 1)
            name = Key(record.entry.thread, record.entry.id)
            bundle = prove_inclusion(store, name, size)
            proved = verify_bundle(bundle, keys)
            assert (proved.seq, proved.size, proved.record) == (seq, size, str(name))
        finally:
            store.close()
    at = data.draw(st.integers(0, 10_000), label="at")
    bit = data.draw(st.integers(0, 7), label="bit")
    # any one value of the record changed
    where = data.draw(st.sampled_from(list(_leaves_of(bundle["record"]))), label="field")
    altered = copy.deepcopy(bundle)
    holder = altered["record"]
    for step in where[:-1]:
        holder = holder[step]
    holder[where[-1]] = _changed(holder[where[-1]], at)
    assert _refused(altered, keys), where
    # any bit of the path, of the checkpoint's root, of its signature
    if bundle["path"]:
        altered = copy.deepcopy(bundle)
        i = at % len(bundle["path"])
        altered["path"][i] = _flip(bundle["path"][i], at, bit)
        assert _refused(altered, keys)
    for in_signature in (False, True):
        altered = copy.deepcopy(bundle)
        altered["checkpoint"] = _altered_note(bundle["checkpoint"], at, bit, in_signature)
        assert _refused(altered, keys)
