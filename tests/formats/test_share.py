"""export events: a slice of the log as event files another database imports, with
the same answers; importing it again adds nothing, and a changed event is a conflict."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import Run

THREAD = "russia-nato-security-guarantees"
ARMS = "arms-control-missile-deployment"
VOLATILE = ("seq", "version", "recorded_at", "thread_title")


def _stable(doc: Any) -> Any:
    """A JSON answer without what only this database assigned (seq, times)."""
    if isinstance(doc, dict):
        return {k: _stable(v) for k, v in doc.items() if k not in VOLATILE}
    if isinstance(doc, list):
        return [_stable(v) for v in doc]
    return doc


def _json(run: Run, *args: str, env: dict[str, str] | None = None) -> Any:
    result = run(*args, "--format", "json", env=env)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_a_thread_exported_and_imported_elsewhere_answers_the_same(
    imported: Run, run: Run, tmp_path: Path
) -> None:
    imported("correct", f"{THREAD}/geneva-ssd", "--title", "Geneva talks", "--known", "2022-01-11")
    imported("retract", f"{THREAD}/osce-permanent-council", "--reason", "off topic")
    for fmt in ("jsonl", "yaml"):
        out = tmp_path / f"share.{fmt}"
        result = imported("export", "events", "--thread", THREAD, "--format", fmt, "-o", str(out))
        assert result.exit_code == 0, result.output
        other = {"TIMELINE_DB": str(tmp_path / f"other-{fmt}.db")}
        loaded = run("import", str(out), env=other)
        assert loaded.exit_code == 0, loaded.output
        for day in ("2022-01-10", "2022-01-11", "2022-02-02", "2022-03-01"):
            here = _json(imported, "asof", day, "--thread", THREAD)
            there = _json(run, "asof", day, "--thread", THREAD, env=other)
            assert _stable(here) == _stable(there), (fmt, day)
        here = _json(imported, "history", THREAD)
        there = _json(run, "history", THREAD, env=other)
        assert _stable(here) == _stable(there), fmt
        assert run("verify", env=other).exit_code == 0


def test_the_events_a_slice_refers_to_come_with_it(imported: Run, tmp_path: Path) -> None:
    out = tmp_path / "arms.jsonl"
    assert imported("export", "events", "--thread", ARMS, "-o", str(out)).exit_code == 0
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    threads = {x["thread"] for x in lines}
    assert threads == {ARMS, THREAD}  # its refs name events of the other thread
    refs = {r for x in lines for r in x.get("refs", ())}
    keys = {f"{x['thread']}/{x['id']}" for x in lines}
    assert {r if "/" in r else f"{ARMS}/{r}" for r in refs} <= keys
    assert lines[0]["thread_title"] == "Arms control and missile deployment in Europe"


def test_since_and_until_keep_the_events_of_those_dates(imported: Run, tmp_path: Path) -> None:
    out = tmp_path / "feb.yaml"
    args = ("export", "events", "--thread", THREAD, "--since", "2022-02", "--format", "yaml")
    assert imported(*args, "-o", str(out)).exit_code == 0
    doc = yaml.safe_load(out.read_text())
    assert doc["thread"] == THREAD and doc["title"] == "Russia–US/NATO security guarantees"
    own = {e["id"]: e for e in doc["events"] if "thread" not in e}
    february = _json(imported, "log", "--thread", THREAD, "--since", "2022-02")
    assert {e["id"] for e in february} == {i for i, e in own.items() if e["date"] >= "2022-02"}
    referred = {r.split("/")[-1] for e in doc["events"] for r in e.get("refs", ())}
    assert {i for i, e in own.items() if e["date"] < "2022-02"} <= referred  # brought along


def test_importing_a_colleagues_file_adds_what_is_new_and_names_conflicts(
    imported: Run, run: Run, tmp_path: Path
) -> None:
    out = tmp_path / "share.jsonl"
    imported("export", "events", "-o", str(out))
    again = imported("import", str(out))
    assert again.exit_code == 0 and "0 added" in again.stdout  # the same: nothing new
    lines = out.read_text().splitlines()
    changed = json.loads(lines[1])
    changed["title"] = "Something else"
    lines[1] = json.dumps(changed, ensure_ascii=False)
    lines.append(
        json.dumps(
            {"thread": "new-thread", "id": "a", "date": "2022-03-01", "type": "statement",
             "actors": ["Russia"], "title": "New"}
        )
    )  # fmt: skip
    out.write_text("\n".join(lines) + "\n")
    before = imported("log", "--raw", "--format", "jsonl").stdout
    result = imported("import", str(out))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {out}:2: event {ARMS}/")
    assert result.stderr.endswith("with a different title\n")
    assert imported("log", "--raw", "--format", "jsonl").stdout == before  # all or nothing


def test_yaml_holds_one_thread(imported: Run) -> None:
    result = imported("export", "events", "--format", "yaml")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: --format yaml writes one thread's file: name it with --thread, "
        "or use --format jsonl for several\n"
    )


def test_an_event_a_correction_refers_to_comes_along(run_ok: Run, run: Run, tmp_path: Path) -> None:
    add = ("add", "--type", "statement", "--actor", "Russia", "--title", "Said")
    run_ok(*add, "--thread", "beta", "--date", "2022-01-05", "--id", "b1")
    run_ok(*add, "--thread", "alpha", "--date", "2022-01-10", "--id", "a1")
    run_ok("correct", "alpha/a1", "--ref", "beta/b1", "--known", "2022-01-12")
    out = tmp_path / "alpha.jsonl"
    run_ok("export", "events", "--thread", "alpha", "-o", str(out))
    assert {json.loads(x)["thread"] for x in out.read_text().splitlines()} == {"alpha", "beta"}
    other = {"TIMELINE_DB": str(tmp_path / "other.db")}
    loaded = run("import", str(out), env=other)
    assert loaded.exit_code == 0, loaded.output
