"""Signed checkpoints: a key whose private half stays in a file and whose public half
is in the log; checkpoints of the log signed with it, appended, listed, restored, and
checked against the log's Merkle tree by verify and by restore."""

from __future__ import annotations

import base64
import dataclasses
import json
import stat
from pathlib import Path

import pytest

from tests.conftest import Run
from timeline.core.audit import audit
from timeline.core.merkle import record_leaf, root_of
from timeline.core.model import TreeHead
from timeline.core.signing import (
    Checkpoint,
    SignerKey,
    VerifierKey,
    open_note,
    parse_checkpoint,
    sign_note,
)
from timeline.usecases import open_store

NAME = "timeline.example/desk"
THREAD = "russia-nato-security-guarantees"


@pytest.fixture
def keyed(imported: Run, tmp_path: Path) -> tuple[Run, Path, VerifierKey]:
    key = tmp_path / "signing.key"
    result = imported("key", "create", NAME, "--key", str(key))
    assert result.exit_code == 0, result.output
    first, vkey = result.stdout.splitlines()
    assert first == f"Created a signing key for {NAME}; its public key, in the log and {key}.pub:"
    return imported, key, VerifierKey.parse(vkey)


def test_a_key_is_a_private_file_and_a_public_record(keyed: tuple[Run, Path, VerifierKey]) -> None:
    run, key, verifier = keyed
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert SignerKey.parse(key.read_text()).verifier == verifier
    public = key.with_name("signing.key.pub")
    assert stat.S_IMODE(public.stat().st_mode) == 0o644  # to hand to readers
    assert public.read_text() == verifier.text + "\n"
    raw = json.loads(run("log", "--raw", "--format", "json").stdout)
    assert raw[-1]["kind"] == "tree-key" and raw[-1]["vkey"] == verifier.text
    assert run("key", "list").stdout == verifier.text + "\n"
    again = run("key", "create", NAME, "--key", str(key))
    assert again.exit_code == 1
    assert again.stderr == f"Error: {key}.pub exists: a signing key is never overwritten\n"
    # a stray public file alone refuses too, and leaves nothing behind
    other = key.with_name("other.key")
    other.with_name("other.key.pub").write_text("stale\n")
    refused = run("key", "create", NAME, "--key", str(other))
    assert refused.exit_code == 1 and not other.exists()
    assert run("key", "list").stdout == verifier.text + "\n"


def test_a_bad_key_name_writes_no_file_and_no_record(imported: Run, tmp_path: Path) -> None:
    before = imported("log", "--raw", "--format", "json").stdout
    result = imported("key", "create", "two words", "--key", str(tmp_path / "k"))
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: a key name is non-empty text without spaces")
    assert not (tmp_path / "k").exists() and not (tmp_path / "k.pub").exists()
    assert imported("log", "--raw", "--format", "json").stdout == before


def test_a_checkpoint_signs_the_tree_of_the_records_before_it(
    keyed: tuple[Run, Path, VerifierKey], db_url: str
) -> None:
    run, key, verifier = keyed
    result = run("checkpoint", "--key", str(key))
    assert result.exit_code == 0, result.output
    head, blank, *note = result.stdout.splitlines(keepends=True)
    assert (head, blank) == ("Signed the log's first 28 records (checkpoint at seq 29):\n", "\n")
    text, keys = open_note("".join(note), [verifier])
    assert keys == [verifier]
    signed = parse_checkpoint(text)
    store = open_store(db_url)
    try:
        with store.reading() as r:
            leaves = [record_leaf(seq, h) for seq, h in r.log.leaves()]
    finally:
        store.close()
    assert signed == Checkpoint(NAME, 28, root_of(leaves[:28]))
    again = run("checkpoint", "--key", str(key))
    assert again.stdout == (
        "Nothing recorded since the checkpoint at seq 29 (the first 28 records): it "
        "stands, nothing signed\n"
    )
    listed = json.loads(run("checkpoints", "--format", "json").stdout)
    assert [(c["seq"], c["size"], c["key"]) for c in listed] == [(29, 28, verifier.text)]
    assert listed[0]["root"] == base64.b64encode(signed.root).decode()
    assert run("checkpoints").stdout.splitlines()[1].split() == [
        "28",
        listed[0]["root"],
        "2026-11-28",
        NAME,
    ]


def test_signing_needs_a_key_the_log_publishes(imported: Run, tmp_path: Path) -> None:
    missing = imported("checkpoint", "--key", str(tmp_path / "nope.key"))
    assert missing.exit_code == 1
    assert missing.stderr == (
        f"Error: no signing key at {tmp_path / 'nope.key'}: `timeline key create NAME` makes one\n"
    )
    elsewhere = tmp_path / "other.key"
    elsewhere.write_text(SignerKey.from_seed(NAME, bytes(range(32))).text + "\n")
    refused = imported("checkpoint", "--key", str(elsewhere))
    assert refused.exit_code == 1
    assert "is not published in this log" in refused.stderr
    assert imported("checkpoints").stdout == "No checkpoints: `timeline checkpoint` signs one\n"


def test_a_restored_log_keeps_its_checkpoints_and_a_forged_one_is_refused(
    keyed: tuple[Run, Path, VerifierKey], tmp_path: Path, db_url: str
) -> None:
    run, key, _ = keyed
    assert run("checkpoint", "--key", str(key)).exit_code == 0
    backup = tmp_path / "backup.jsonl"
    assert run("export", "jsonl", "-o", str(backup)).exit_code == 0
    env = {"TIMELINE_DB": str(tmp_path / "restored.db")}
    assert run("restore", str(backup), env=env).exit_code == 0
    assert run("checkpoints", env=env).stdout == run("checkpoints").stdout
    # the same key signing another root: the note verifies, the log's records refute it
    store = open_store(db_url)
    try:
        with store.reading() as r:
            records = r.log.records()
    finally:
        store.close()
    i = next(i for i, r in enumerate(records) if isinstance(r.entry, TreeHead))
    signer = SignerKey.parse(key.read_text())
    forged_note = sign_note(Checkpoint(NAME, 28, bytes(32)).text, signer)
    forged = dataclasses.replace(records[i].entry, note=forged_note)
    records[i] = dataclasses.replace(records[i], entry=forged)
    assert audit(records) == [
        (i, f"{forged.key}: its note signs another root than the log's records make")
    ]


def test_a_checkpoint_for_another_size_than_the_log_before_it_is_refused(
    keyed: tuple[Run, Path, VerifierKey], db_url: str
) -> None:
    run, key, _ = keyed
    assert run("checkpoint", "--key", str(key)).exit_code == 0
    store = open_store(db_url)
    try:
        with store.reading() as r:
            records = r.log.records()
    finally:
        store.close()
    i = len(records) - 1
    entry = records[i].entry
    assert isinstance(entry, TreeHead)
    records[i] = dataclasses.replace(records[i], entry=dataclasses.replace(entry, size=27))
    (problem,) = audit(records)
    assert problem == (
        i,
        f"{entry.key}: a checkpoint signs the log just before it (28 records), not 27",
    )


def test_every_day_signs_one_checkpoint_a_day_however_often_it_runs(
    keyed: tuple[Run, Path, VerifierKey],
) -> None:
    run, key, _ = keyed
    daily = ("checkpoint", "--key", str(key), "--every", "day")
    first = run(*daily, now="2026-11-28T13:00:00Z")
    assert first.stdout.startswith("Signed the log's first 28 records (checkpoint at seq 29)")
    assert run("retitle", THREAD, "Security guarantees", now="2026-11-28T14:00:00Z").exit_code == 0
    again = run(*daily, now="2026-11-28T23:59:00Z")
    assert again.stdout == (
        "Signed today already: the checkpoint at seq 29 (the first 28 records); nothing "
        "signed until tomorrow\n"
    )
    # the next day it signs again
    tomorrow = run(*daily, now="2026-11-29T00:01:00Z")
    assert tomorrow.stdout.startswith("Signed the log's first 30 records (checkpoint at seq 31)")
    idle = run(*daily, now="2026-11-30T00:01:00Z")  # nothing new: nothing to sign
    assert idle.stdout.startswith("Nothing recorded since the checkpoint at seq 31")
    assert run("checkpoint", "--key", str(key), "--every", "week").exit_code == 2
