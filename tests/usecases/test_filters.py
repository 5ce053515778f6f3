"""--actor, --type, --issue and --status on every reading command: events matched as
the view sees them (corrected, as known on its day); asof keeps whole threads."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import Run, asof_json

THREAD = "russia-nato-security-guarantees"
ENLARGEMENT = "NATO enlargement"


def _log(run: Run, *args: str) -> list[dict[str, Any]]:
    result = run("log", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _ids(items: list[dict[str, Any]]) -> set[str]:
    return {i["id"] for i in items}


def _keys(items: list[dict[str, Any]]) -> set[str]:
    return {f"{i['thread']}/{i['id']}" for i in items}


def test_log_keeps_the_events_every_option_matches(imported: Run) -> None:
    demands = _log(imported, "--actor", "Russia", "--type", "demand")
    assert {(i["type"], "Russia" in i["actors"]) for i in demands} == {("demand", True)}
    assert len(demands) == 3
    both = _ids(_log(imported, "--actor", "OSCE")) | _ids(_log(imported, "--actor", "El País"))
    assert _ids(_log(imported, "--actor", "OSCE", "--actor", "El País")) == both  # any of them
    enlargement = _log(imported, "--issue", ENLARGEMENT)
    assert enlargement and all(
        any(p["issue"] == ENLARGEMENT for p in i["positions"]) for i in enlargement
    )
    assert {i["status"] for i in _log(imported, "--status", "stalled")} == {"stalled"}
    everything = _log(imported)
    position_holders = {
        i["id"] for i in everything if any(p["actor"] == "NATO" for p in i.get("positions", ()))
    }
    assert position_holders <= _ids(_log(imported, "--actor", "NATO"))


def test_a_filter_matches_the_event_as_corrected_on_the_views_day(imported: Run) -> None:
    target = f"{THREAD}/geneva-ssd"
    fixed = imported("correct", target, "--type", "meeting", "--known", "2022-01-20")
    assert fixed.exit_code == 0, fixed.output
    assert target in _keys(_log(imported, "--type", "talks", "--known-by", "2022-01-15"))
    assert target not in _keys(_log(imported, "--type", "talks", "--known-by", "2022-01-25"))
    assert target in _keys(_log(imported, "--type", "meeting"))
    raw = json.loads(imported("log", "--raw", "--format", "json", "--type", "talks").stdout)
    kinds = [(i.get("kind", "event"), i["id"]) for i in raw]
    assert ("event", "geneva-ssd") in kinds
    assert any(kind == "correction" and i.startswith("geneva-ssd-fix") for kind, i in kinds)


def test_asof_keeps_the_threads_a_filter_asks_about(imported: Run) -> None:
    def threads(*args: str) -> set[str]:
        return {t["thread"] for t in asof_json(imported, "2022-02-02", *args)["threads"]}

    everything = threads()
    assert len(everything) == 3
    assert threads("--actor", "El País") == {THREAD}
    assert threads("--issue", ENLARGEMENT) == {THREAD}
    assert threads("--status", "stalled") == {THREAD}
    assert threads("--type", "disclosure") == {THREAD}
    assert threads("--actor", "Russia") == everything
    assert threads("--type", "disclosure", "--as", "Russia") == {THREAD}
    # a disclosure that is not yet public does not count
    assert "El País" not in json.dumps(asof_json(imported, "2022-02-01", "--type", "disclosure"))


def test_history_diff_secrets_and_exports_take_the_same_filters(imported: Run) -> None:
    history = json.loads(imported("history", THREAD, "--format", "json", "--type", "offer").stdout)
    assert {e["type"] for e in history["events"]} == {"offer"}
    diff = json.loads(
        imported(
            "diff", "2022-01-01", "2022-02-02", "--format", "json", "--issue", ENLARGEMENT
        ).stdout
    )
    [thread] = diff["threads"]
    assert thread["status"] is None  # a status change is not about an issue
    positions = thread["positions"]
    assert {p["issue"] for p in [*positions["added"], *positions["dropped"]]} == {ENLARGEMENT}
    assert {c["issue"] for c in positions["changed"]} == {ENLARGEMENT}
    status = json.loads(
        imported(
            "diff", "2022-01-01", "2022-02-02", "--format", "json", "--status", "stalled"
        ).stdout
    )
    assert [t["status"] for t in status["threads"]] == [{"from": "open", "to": "stalled"}]
    secrets = json.loads(
        imported("secrets", "2022-01-28", "--format", "json", "--issue", ENLARGEMENT).stdout
    )
    assert _ids(secrets["secrets"]) == {"replies-open-door"}
    ics = imported("export", "ics", "--type", "confirmation").stdout
    assert ics.count("BEGIN:VEVENT") == 1 and "us-confirms-authenticity" in ics
    slides = json.loads(imported("export", "timelinejs", "--actor", "OSCE").stdout)
    assert [s["unique_id"] for s in slides["events"]] == [f"{THREAD}_osce-permanent-council"]


def test_a_name_the_log_lacks_or_a_word_outside_a_vocabulary_is_one_line(imported: Run) -> None:
    statuses = "open, negotiating, stalled, agreed, in-force, suspended, terminated"
    cases = [
        (("log", "--actor", "Rusia"), "no actor 'Rusia' in the log; did you mean 'Russia'?"),
        (
            ("log", "--issue", "nato enlargement"),
            f"no issue 'nato enlargement' in the log; did you mean '{ENLARGEMENT}'?",
        ),
        (
            ("asof", "2022-02-02", "--status", "frozen"),
            f"unknown --status 'frozen' (valid: {statuses})",
        ),
    ]
    for args, message in cases:
        result = imported(*args)
        assert (result.exit_code, result.stderr) == (1, f"Error: {message}\n"), args
    result = imported("export", "ics", "--type", "leak")
    assert result.exit_code == 1 and result.stderr.startswith(
        "Error: unknown --type 'leak' (valid:"
    )


def test_asof_by_type_follows_recorded_before(imported: Run) -> None:
    added = imported(
        "add", "--thread", THREAD, "--date", "2022-01-20", "--type", "denial",
        "--actor", "Russia", "--title", "Denies", now="2026-11-29T11:00:00Z",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    args = ("asof", "2022-02-01", "--type", "denial", "--format", "json")
    now = json.loads(imported(*args).stdout)
    before = json.loads(imported(*args, "--recorded-before", "2026-11-29T10:30:00Z").stdout)
    assert THREAD in {t["thread"] for t in now["threads"]}
    # the thread was there then, its denial not yet
    assert THREAD not in {t["thread"] for t in before["threads"]}
