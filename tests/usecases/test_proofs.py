"""Proof bundles, checked as a reader checks them: with no database, from the bundle
and a public key alone. A record's inclusion in a signed checkpoint, and one
checkpoint's log as a prefix of a later one's; every altered part refused; and the
reader's case: a log rewritten after a checkpoint cannot be proven to extend it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.conftest import Run
from tests.storage.test_verify import tampering
from timeline import api
from timeline.core.errors import TimelineError

THREAD = "russia-nato-security-guarantees"
RECORD = f"{THREAD}/el-pais-publishes"


@pytest.fixture
def signed(imported: Run, tmp_path: Path) -> tuple[Run, Path, str]:
    """The bundled story, a key, and a checkpoint of the first 28 records."""
    key = tmp_path / "signing.key"
    created = imported("key", "create", "example.org/timeline", "--key", str(key))
    assert created.exit_code == 0, created.output
    assert imported("checkpoint", "--key", str(key)).exit_code == 0
    return imported, key, created.stdout.splitlines()[1]


def _bundle(run: Run, tmp_path: Path, *args: str) -> tuple[Path, dict[str, object]]:
    out = tmp_path / f"proof-{len(list(tmp_path.iterdir()))}.json"
    result = run("prove", *args, "-o", str(out))
    assert result.exit_code == 0, result.output
    return out, json.loads(out.read_text())


def test_a_record_is_proven_among_the_records_a_checkpoint_signs(
    signed: tuple[Run, Path, str], tmp_path: Path
) -> None:
    run, _, vkey = signed
    path, bundle = _bundle(run, tmp_path, RECORD)
    assert bundle["format"] == "timeline-inclusion-proof/1"
    checked = run("verify-proof", str(path), "--key", vkey)
    assert checked.exit_code == 0 and checked.stderr == ""
    assert checked.stdout == (
        f"Verified: {RECORD} (seq 18) is among the first 28 records of example.org/timeline, "
        "as example.org/timeline signed\n"
    )
    # with no key given, the bundle's own: anyone can make a key of any name
    # the public key's file, as `key create` writes it, does as well
    from_file = run("verify-proof", str(path), "--key", f"{tmp_path / 'signing.key'}.pub")
    assert from_file.stdout == checked.stdout
    unkeyed = run("verify-proof", str(path))
    assert unkeyed.exit_code == 2
    assert unkeyed.stdout.startswith("Not verified (no --key): with the keys the bundle names, ")


def test_a_bundle_that_renames_its_record_proves_nothing(
    signed: tuple[Run, Path, str], tmp_path: Path
) -> None:
    run, _, vkey = signed
    _, bundle = _bundle(run, tmp_path, RECORD)
    bundle["record"].update(id="us-confirms-authenticity")  # type: ignore[union-attr]
    with pytest.raises(TimelineError, match="thread/id is not its payload's"):
        api.verify_proof(json.dumps(bundle), [vkey])


@pytest.mark.parametrize(
    "text",
    [
        '{"format": "timeline-inclusion-proof/1", "keys": ["\\ud800+00+AA"]}',
        "[" * 100_000 + "]" * 100_000,
        '{"format": "timeline-inclusion-proof/1", "record": {"kind": "\\udc00"}, "keys": []}',
        "not json",
    ],
    ids=["surrogate-key", "deep", "surrogate-field", "text"],
)
def test_a_crafted_bundle_is_one_error_not_a_traceback(text: str) -> None:
    with pytest.raises(TimelineError):
        api.verify_proof(text, [])


@pytest.mark.parametrize(
    "alter",
    [
        lambda b: b["record"]["payload"].update(title="El País publishes nothing"),
        lambda b: b["record"].update(seq=17),
        lambda b: b["record"].update(recorded_at="2026-11-28T09:00:00.000001Z"),
        lambda b: b["path"].__setitem__(0, b["path"][1]),
        lambda b: b["path"].append(b["path"][0]),
        lambda b: b["path"].pop(),
        lambda b: b.update(checkpoint=b["checkpoint"].replace("\n28\n", "\n29\n")),
        lambda b: b.update(checkpoint=b["checkpoint"][:-6] + "AAAA=\n"),
    ],
    ids=[
        "payload",
        "seq",
        "recorded-at",
        "path-node",
        "path-longer",
        "path-shorter",
        "size",
        "signature",
    ],
)
def test_any_altered_part_of_a_bundle_proves_nothing(
    signed: tuple[Run, Path, str], tmp_path: Path, alter: object
) -> None:
    run, _, vkey = signed
    _, bundle = _bundle(run, tmp_path, RECORD)
    alter(bundle)  # type: ignore[operator]  # the parametrized lambdas
    with pytest.raises(TimelineError, match="the proof does not hold"):
        api.verify_proof(json.dumps(bundle), [vkey])


def test_a_key_the_reader_does_not_trust_proves_nothing(
    signed: tuple[Run, Path, str], tmp_path: Path
) -> None:
    run, _, _ = signed
    path, _ = _bundle(run, tmp_path, RECORD)
    # another key of the same name, published in the same log, that did not sign it
    other = run("key", "create", "example.org/timeline", "--key", str(tmp_path / "other.key"))
    refused = run("verify-proof", str(path), "--key", other.stdout.splitlines()[1])
    assert refused.exit_code == 1
    assert refused.stderr == (
        "Error: the proof does not hold: the note carries no signature of a key given to check it\n"
    )


def test_the_log_at_a_checkpoint_is_proven_a_prefix_of_a_later_one(
    signed: tuple[Run, Path, str], tmp_path: Path
) -> None:
    run, key, vkey = signed
    assert run("retitle", "arms-control-missile-deployment", "Arms control").exit_code == 0
    assert run("checkpoint", "--key", str(key)).exit_code == 0
    path, bundle = _bundle(run, tmp_path, "--consistency", "28")
    assert bundle["format"] == "timeline-consistency-proof/1"
    checked = run("verify-proof", str(path), "--key", vkey)
    assert checked.stdout == (
        "Verified: the first 28 records of example.org/timeline are the first 28 of its 30, "
        "as example.org/timeline signed\n"
    )
    refused = run("prove", "--consistency", "27")
    assert refused.stderr.startswith("Error: no checkpoint of size 27 (the log has: 28, 30)")


def test_a_reader_holding_an_old_checkpoint_catches_a_rewritten_log(
    signed: tuple[Run, Path, str], tmp_path: Path, db_url: str
) -> None:
    run, key, vkey = signed
    old_bundle, _ = _bundle(run, tmp_path, RECORD)
    # the operator rewrites an old record behind timeline's back, makes the tree again
    # from the rewritten log, and signs it
    with tampering(db_url) as conn:
        conn.execute(text("UPDATE events SET hash = :h WHERE seq = 5"), {"h": "0" * 64})
    assert run("rebuild", "--all", "--force").exit_code == 0
    assert run("retitle", "arms-control-missile-deployment", "Arms control").exit_code == 0
    signed_again = run("checkpoint", "--key", str(key))
    assert signed_again.stdout.startswith("Signed the log's first 30 records")
    # the bundle the reader kept still holds against the checkpoint it came with
    assert run("verify-proof", str(old_bundle), "--key", vkey).exit_code == 0
    # but no proof leads from that checkpoint to the new one
    path, _ = _bundle(run, tmp_path, "--consistency", "28")
    refused = run("verify-proof", str(path), "--key", vkey)
    assert refused.exit_code == 1
    assert refused.stderr.startswith("Error: the proof does not hold: the consistency proof")


def _kept_note(run: Run, tmp_path: Path, *size: str) -> Path:
    """The signed note of a checkpoint, as a reader keeps it."""
    note = run("checkpoints", "--format", "note", *(("--size", *size) if size else ()))
    assert note.exit_code == 0, note.output
    path = tmp_path / "checkpoint.txt"
    path.write_text(note.stdout)
    return path


def test_verify_against_a_kept_checkpoint_holds_while_the_log_only_grows(
    signed: tuple[Run, Path, str], tmp_path: Path
) -> None:
    run, key, _ = signed
    kept = _kept_note(run, tmp_path)
    assert kept.read_text().startswith("example.org/timeline\n28\n")
    assert run("retitle", "arms-control-missile-deployment", "Arms control").exit_code == 0
    assert run("checkpoint", "--key", str(key)).exit_code == 0
    checked = run("verify", "--against", str(kept))
    assert checked.exit_code == 0, checked.output
    assert f"The log extends the checkpoint in {kept}\n" in checked.stdout
    assert _kept_note(run, tmp_path, "28").read_text() == kept.read_text()


@pytest.mark.parametrize(
    ("tamper", "finding"),
    [
        (
            "UPDATE events SET hash = '{zero}' WHERE seq = 5",
            "log: the log no longer extends the checkpoint of size 28: its first 28 records "
            "were rewritten or reordered",
        ),
        (
            "DELETE FROM events WHERE seq > 20",
            "log: the log holds 20 records, fewer than the 28 the checkpoint signs: records "
            "were removed or rolled back",
        ),
        (  # two records of different threads change places
            "UPDATE events SET seq = -1 WHERE seq = 3; UPDATE events SET seq = 3 WHERE seq = 20;"
            " UPDATE events SET seq = 20 WHERE seq = -1",
            "log: the log no longer extends the checkpoint of size 28: its first 28 records "
            "were rewritten or reordered",
        ),
    ],
)
def test_a_rewritten_shortened_or_reordered_log_no_longer_extends_a_kept_checkpoint(
    signed: tuple[Run, Path, str], tmp_path: Path, db_url: str, tamper: str, finding: str
) -> None:
    run, key, vkey = signed
    kept = _kept_note(run, tmp_path)
    with tampering(db_url) as conn:
        for statement in tamper.format(zero="0" * 64).split(";"):
            conn.execute(text(statement))
    assert (
        run("rebuild", "--all", "--force").exit_code == 0
    )  # the tree made again from what is left
    # the reader kept the public key too: the log's own went with its tail
    checked = run("verify", "--against", str(kept), "--key", vkey)
    assert checked.exit_code == 1
    assert finding in checked.stdout.splitlines()
    # and the operator, signing the tampered log, has no proof that it extends the old
    assert run("retitle", THREAD, "Security guarantees").exit_code == 0
    signed_again = run("checkpoint", "--key", str(key))
    if signed_again.exit_code != 0:  # the key's record went with the tail: none is signed
        assert "is not published in this log" in signed_again.stderr
        return
    made = run("prove", "--consistency", "28", "-o", str(tmp_path / "p.json"))
    if made.exit_code == 0:  # made from the tampered tree: it does not hold
        refused = run("verify-proof", str(tmp_path / "p.json"), "--key", vkey)
        assert refused.exit_code == 1, refused.output
    else:  # the checkpoint went with the records
        assert made.stderr.startswith("Error: no checkpoint of size 28")


def test_verify_against_a_checkpoint_of_another_key_or_no_note(
    signed: tuple[Run, Path, str], tmp_path: Path
) -> None:
    from timeline.core.signing import Checkpoint, SignerKey, sign_note

    run, _, _ = signed
    other = SignerKey.from_seed("example.org/timeline", bytes(32))
    forged = tmp_path / "forged.txt"
    forged.write_text(sign_note(Checkpoint("example.org/timeline", 28, bytes(32)).text, other))
    unknown = run("verify", "--against", str(forged))
    assert unknown.exit_code == 1
    assert (
        "checkpoint: does not open with the log's keys or --key's: the note carries no "
        "signature of a key given to check it" in unknown.stdout.splitlines()
    )
    # trusted, it opens: and the log is not the one it signs
    trusted = run("verify", "--against", str(forged), "--key", other.verifier.text)
    assert trusted.exit_code == 1
    assert trusted.stdout.startswith("log: the log no longer extends the checkpoint of size 28")
    junk = tmp_path / "junk.txt"
    junk.write_text("not a note\n")
    assert run("verify", "--against", str(junk)).stdout.startswith(
        "checkpoint: does not open with the log's keys or --key's: a signed note is its text"
    )
    missing = run("verify", "--against", str(tmp_path / "absent.txt"))
    assert missing.exit_code == 1 and missing.stderr.startswith("Error: cannot read ")
    bad_key = run("verify", "--against", str(forged), "--key", "nonsense")
    assert bad_key.exit_code == 1 and bad_key.stderr.startswith("Error: --key: ")


def test_an_answer_at_a_checkpoint_stays_the_same_however_the_log_grows(
    signed: tuple[Run, Path, str],
) -> None:
    run, _, _ = signed
    at = ["asof", "2022-02-02", "--format", "json", "--at-checkpoint", "28"]
    before = json.loads(run(*at).stdout)
    assert run("retitle", "russia-nato-security-guarantees", "Security guarantees").exit_code == 0
    assert json.loads(run(*at).stdout) == before
    now = json.loads(run("asof", "2022-02-02", "--format", "json").stdout)
    assert now != before  # the title record came after the checkpoint
    diff = ["diff", "2022-02-01", "2022-02-02", "--format", "json", "--at-checkpoint", "28"]
    assert run(*diff).exit_code == 0
    missing = run("asof", "2022-02-02", "--at-checkpoint", "5")
    assert (
        missing.stderr == "Error: the log holds no checkpoint of size 5: `timeline checkpoints`\n"
    )


def test_a_new_key_signs_anew_and_a_proof_spans_the_two_keys(
    signed: tuple[Run, Path, str], tmp_path: Path
) -> None:
    run, old_key, old_vkey = signed
    new_key = tmp_path / "new.key"
    created = run("key", "create", "example.org/timeline", "--key", str(new_key))
    new_vkey = created.stdout.splitlines()[1]
    assert run("checkpoint", "--key", str(new_key)).stdout.startswith("Signed the log's first 30")
    # the last record is a checkpoint, but of the other key: the old key signs too
    assert run("checkpoint", "--key", str(old_key)).stdout.startswith("Signed the log's first 31")
    path, bundle = _bundle(run, tmp_path, "--consistency", "28", "--checkpoint", "30")
    assert bundle["keys"] == [old_vkey, new_vkey]
    checked = run("verify-proof", str(path), "--key", old_vkey, "--key", new_vkey)
    assert checked.exit_code == 0, checked.output
    assert run("verify-proof", str(path), "--key", old_vkey).exit_code == 1


def test_a_hostile_bundle_reaches_the_terminal_as_text(tmp_path: Path, run: Run) -> None:
    # a bundle made by anyone, with their own key: a record named with terminal codes
    from timeline.core.chain import record_hash
    from timeline.core.codec import canonical
    from timeline.core.merkle import record_leaf
    from timeline.core.signing import Checkpoint, SignerKey, sign_note

    thread = "evil\x1b[2J\x1b]0;pwned\x07"
    payload = {"thread": thread, "id": "x", "kind": "title", "title": "t", "known": "2022-01-01"}
    line = {
        "seq": 1,
        "kind": "title",
        "thread": thread,
        "id": "x",
        "payload": payload,
        "prev_hash": "",
        "recorded_at": "2026-11-28T09:00:00.000000Z",
        "thread_title": "t",
    }
    line["hash"] = record_hash("title", canonical(payload), "", line["recorded_at"], "t")
    key = SignerKey.from_seed("attacker.example/log", bytes(range(32)))
    note = sign_note(Checkpoint(key.name, 1, record_leaf(1, line["hash"])).text, key)
    bundle = {
        "format": "timeline-inclusion-proof/1",
        "record": line,
        "path": [],
        "checkpoint": note,
        "keys": [key.verifier.text],
    }
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(bundle))
    result = run("verify-proof", str(path))
    assert result.exit_code == 2
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert result.stdout.startswith("Not verified (no --key)")
    refused = run("key", "create", "bad\x7fname", "--key", str(tmp_path / "k"))
    assert refused.exit_code == 1 and not (tmp_path / "k").exists()


def test_an_export_cut_at_a_checkpoint_names_it_and_comes_out_the_same_later(
    signed: tuple[Run, Path, str],
) -> None:
    """Each as-of export made right after a checkpoint is cut at it and says so; later,
    however the log grows, ``--at-checkpoint`` makes the same bytes again."""
    from icalendar import Calendar

    run, _, _ = signed
    (head,) = json.loads(run("checkpoints", "--format", "json").stdout)
    stamp = f"example.org/timeline 28 {head['root']}"
    exports = {
        "ics": ["export", "ics", "--asof", "2022-02-02"],
        "timelinejs": ["export", "timelinejs", "--asof", "2022-02-02"],
        "report": ["report", THREAD, "--asof", "2022-02-02"],
        "html": ["report", THREAD, "--asof", "2022-02-02", "--format", "html"],
    }
    then = {name: run(*args).stdout for name, args in exports.items()}
    assert str(Calendar.from_ical(then["ics"])["X-TIMELINE-CHECKPOINT"]) == stamp
    assert json.loads(then["timelinejs"])["checkpoint"] == {
        "origin": "example.org/timeline",
        "size": 28,
        "root": head["root"],
        "signed": head["signed"],
    }
    again = f"timeline report {THREAD} --asof 2022-02-02 --at-checkpoint 28"
    assert then["report"].endswith(
        f"---\n\nFrom the log example.org/timeline at its signed checkpoint of size 28 "
        f"({head['signed']}, root {head['root']}): `{again}` on a copy of that log makes it "
        "again.\n"
    )
    assert f"<code>{again}</code>" in then["html"]
    # the log grows: a correction of a published event changes every answer now...
    corrected = run("correct", f"{THREAD}/el-pais-publishes", "--title", "El País prints them")
    assert corrected.exit_code == 0, corrected.output
    for name, args in exports.items():
        now = run(*args).stdout
        assert now != then[name] and "X-TIMELINE-CHECKPOINT" not in now, name
        assert "checkpoint" not in now.replace("at-checkpoint", ""), name
        # ...but not the answer at the checkpoint
        assert run(*args, "--at-checkpoint", "28").stdout == then[name], name
    missing = run("export", "ics", "--at-checkpoint", "5")
    assert missing.stderr == "Error: no checkpoint of size 5 (the log has: 28)\n"
