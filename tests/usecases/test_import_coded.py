"""Importing the real GDELT and ICEWS files (tests/data/coded/, with their provenance):
every count the import reports derived here on its own, from the files as the csv
module reads them; the Normandy-format talks of 1 June 2018 one event with its four
parties and its sources; the back-dated GDELT rows known after their date; a second
import adds nothing; hostile files end in one line, with nothing written."""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import json
import random
import zipfile
from collections import defaultdict
from pathlib import Path

import pytest

from tests.conftest import REPO, Run, count_rows, fresh_database
from timeline.core.cameo import DIPLOMATIC_ROOTS

DATA = REPO / "tests" / "data" / "coded"
GDELT = DATA / "gdelt2-20191024143000.export.CSV"
ICEWS = DATA / "icews-events.2018.sample.tab"
NOW = "2026-11-28T12:00:00Z"


def _gdelt_rows() -> list[list[str]]:
    with GDELT.open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def _icews_rows() -> list[dict[str, str]]:
    with ICEWS.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def _expected_events(rows: list[tuple[str, str, str, str, tuple[object, ...]]]) -> int:
    """The events rows of (day, code, publisher, story, parties) report, counted the
    long way: a story's parties coded in every pair among three or more are one event,
    else each pair is; the same day, code and parties from several stories, one."""
    stories: dict[tuple[str, str, str, str], set[frozenset[object]]] = defaultdict(set)
    for day, code, publisher, story, parties in rows:
        stories[day, code, publisher, story].add(frozenset(parties))
    events = set()
    for (day, code, _, _), pairs in stories.items():
        names = set().union(*pairs)
        groups: list[set[object]] = []  # connected parties, by repeated merging
        for pair in pairs:
            touching = [g for g in groups if g & pair]
            merged = set(pair).union(*touching)
            groups = [g for g in groups if g not in touching] + [merged]
        assert set().union(*groups) == names
        for group in groups:
            inside = [p for p in pairs if p <= group]
            every_pair = {frozenset(c) for c in itertools.combinations(group, 2)}
            if len(group) >= 3 and every_pair <= set(inside):
                events.add((day, code, frozenset(group)))
            else:
                events.update((day, code, p) for p in inside)
    return len(events)


def test_a_gdelt_batch_is_folded_counted_and_recorded_once(run: Run, db_url: str) -> None:
    rows = _gdelt_rows()
    assert len(rows) == 2111 and {len(r) for r in rows} == {61}
    kept = [r for r in rows if r[28] in DIPLOMATIC_ROOTS]  # EventRootCode
    parties = [
        tuple(
            dict.fromkeys(
                (name, r[c] or None)
                for name, c in ((r[6] or r[7] or r[5], 7), (r[16] or r[17] or r[15], 17))
                if name
            )
        )
        for r in kept
    ]
    events = _expected_events(
        [(r[1], r[26], r[60], r[60], p) for r, p in zip(kept, parties, strict=True)]
    )
    result = run("import", "--format", "gdelt", str(GDELT), "--thread", "gdelt-batch")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"Read 2,111 rows: {events:,} events; rows {len(kept) - events:,} repeating another's "
        f"event (folded into it), {len(rows) - len(kept):,} outside the codes, 0 bad",
        f"Imported {events:,} events, 0 already present; new threads: gdelt-batch",
    ]
    assert count_rows(db_url) == events
    again = run("import", "--format", "gdelt", str(GDELT), "--thread", "gdelt-batch")
    assert again.stdout.splitlines()[1] == f"Imported 0 events, {events:,} already present"
    assert count_rows(db_url) == events


def test_back_dated_gdelt_rows_are_known_on_the_day_gdelt_first_saw_them(run: Run) -> None:
    added = dt.date(2019, 10, 24)  # DATEADDED of every row of the batch
    back_dated = {
        (r[1], r[26]) for r in _gdelt_rows() if r[28] in DIPLOMATIC_ROOTS and r[1] < "20191024"
    }
    assert len(back_dated) > 20
    assert run("import", "--format", "gdelt", str(GDELT), "--thread", "batch").exit_code == 0
    log = json.loads(run("log", "--format", "json").stdout)
    late = {
        (e["date"].replace("-", ""), e["codes"]["cameo"]) for e in log if e["known"] != e["date"]
    }
    assert late == back_dated
    assert all(e["known"] == added.isoformat() for e in log)  # first seen: the batch's day
    assert all(e["date"] <= e["known"] for e in log)


def test_the_normandy_format_talks_are_one_event_with_four_parties(run: Run) -> None:
    normandy = {"Germany", "France", "Russian Federation", "Ukraine"}
    rows = _icews_rows()
    assert len(rows) == 3705
    stories: dict[tuple[str, str], set[frozenset[str]]] = defaultdict(set)
    for r in rows:
        if r["Event Date"] == "2018-06-01" and r["CAMEO Code"] == "040":
            pair = frozenset((r["Source Country"], r["Target Country"]))
            if pair <= normandy and len(pair) == 2:
                stories[r["Publisher"], r["Story ID"]].add(pair)
    every_pair = {frozenset(c) for c in itertools.combinations(normandy, 2)}
    publishers = {p for (p, _), pairs in stories.items() if every_pair <= pairs}
    assert len(publishers) >= 2
    result = run("import", "--format", "icews", str(ICEWS), "--thread-by", "dyad")
    assert result.exit_code == 0, result.output
    thread = "france-germany-russian-federation-ukraine"
    log = json.loads(run("log", "--thread", thread, "--format", "json").stdout)
    (talks,) = [e for e in log if e["codes"]["cameo"] == "040"]
    assert talks["date"] == talks["known"] == "2018-06-01"  # ICEWS gives no later day
    assert set(talks["actors"]) == {"Germany", "France", "Russia", "Ukraine"}
    assert talks["type"] == "talks" and talks["codes"]["plover"] == "CONSULT"
    assert {s["name"] for s in talks["sources"]} >= publishers


def test_an_icews_file_is_folded_and_counted_and_a_dry_run_writes_nothing(
    run: Run, db_url: str
) -> None:
    rows = _icews_rows()
    kept = [r for r in rows if r["CAMEO Code"][:2] in DIPLOMATIC_ROOTS]
    events = _expected_events(
        [
            (
                r["Event Date"],
                r["CAMEO Code"],
                r["Publisher"],
                r["Story ID"],
                tuple(
                    dict.fromkeys(
                        (r[f"{side} Name"], r[f"{side} Country"] or None)
                        for side in ("Source", "Target")
                        if r[f"{side} Name"]
                    )
                ),
            )
            for r in kept
        ]
    )
    args = ["import", "--format", "icews", str(ICEWS), "--thread", "icews"]
    dry = run(*args, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert dry.stdout.splitlines() == [
        f"Read 3,705 rows: {events:,} events; rows {len(kept) - events:,} repeating another's "
        f"event (folded into it), {len(rows) - len(kept):,} outside the codes, 0 bad",
        f"Would import {events:,} events, 0 already present; new threads: icews",
    ]
    assert count_rows(db_url) == 0
    assert run(*args).stdout.splitlines()[1].startswith(f"Imported {events:,} events")


def test_a_story_told_across_a_shuffled_file_and_two_files_folds_the_same(
    run: Run, db_url: str, tmp_path: Path
) -> None:
    """The rows are folded on disk, sorted: where a story's rows lie (far apart, in two
    files) changes nothing but the order the events are recorded in."""
    header, *lines = ICEWS.read_text(encoding="utf-8").splitlines(keepends=True)
    random.Random(7).shuffle(lines)
    half = len(lines) // 2
    one, two = tmp_path / "one.tab", tmp_path / "two.tab"
    one.write_text(header + "".join(lines[:half]), encoding="utf-8")
    two.write_text(header + "".join(lines[half:]), encoding="utf-8")

    def events(db: str, *files: Path) -> dict[str, tuple[object, ...]]:
        env = {"TIMELINE_DB": db}
        run("import", "--format", "icews", *map(str, files), "--thread", "t", env=env)
        return {
            e["id"]: (
                e["date"],
                e["known"],
                e["type"],
                frozenset(e["actors"]),
                frozenset(s["name"] for s in e["sources"]),
            )
            for e in json.loads(run("log", "--format", "json", env=env).stdout)
        }

    whole = events(db_url, ICEWS)
    assert len(whole) > 100
    backend = "postgresql" if db_url.startswith("postgresql") else "sqlite"
    (tmp_path / "second").mkdir()
    with fresh_database(backend, tmp_path / "second") as second:
        assert events(second, one, two) == whole


def test_codes_and_countries_narrow_an_import_and_the_rest_is_counted(run: Run) -> None:
    rows = _icews_rows()
    consult = [r for r in rows if r["CAMEO Code"].startswith("04")]
    theirs = [r for r in consult if "Ukraine" in (r["Source Country"], r["Target Country"])]
    result = run(
        "import", "--format", "icews", str(ICEWS), "--thread", "consult",
        "--codes", "04", "--actor-country", "ukraine", "--dry-run",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    first = result.stdout.splitlines()[0]
    assert first.endswith(
        f", {len(rows) - len(consult):,} outside the codes, "
        f"{len(consult) - len(theirs):,} of other countries, 0 bad"
    )
    bad_code = run("import", "--format", "icews", str(ICEWS), "--thread", "x", "--codes", "4x")
    assert bad_code.exit_code == 1
    assert bad_code.stderr.startswith("Error: --codes: '4x' is no CAMEO root or code")


def test_a_zip_as_gdelt_publishes_it_and_standard_input_read_as_the_file(
    run: Run, tmp_path: Path
) -> None:
    packed = tmp_path / "20191024143000.export.CSV.zip"
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(GDELT, "20191024143000.export.CSV")
    args = ["import", "--format", "gdelt", "--thread", "batch", "--dry-run"]
    plain = run(*args, str(GDELT)).stdout
    assert plain.startswith("Read 2,111 rows: ")
    assert run(*args, str(packed)).stdout == plain
    assert run(*args, "-", input=GDELT.read_text(encoding="utf-8")).stdout == plain


def test_a_bad_row_is_named_and_skipped_up_to_max_bad(run: Run, tmp_path: Path) -> None:
    lines = GDELT.read_text(encoding="utf-8").splitlines(keepends=True)
    dirty = tmp_path / "dirty.CSV"
    short = "\t".join(lines[3].split("\t")[:40]) + "\n"
    wide = "\t".join(["x"] * 10_000) + "\n"
    trailing = lines[5].rstrip("\n") + "\t\t\n"  # trailing tabs: tolerated
    dirty.write_text("".join([*lines[:3], short, wide, trailing, *lines[6:10]]))
    result = run("import", "--format", "gdelt", str(dirty), "--thread", "t", "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        f"Warning: {dirty}:4: 40 columns, not GDELT 2.0's 61: skipped",
        f"Warning: {dirty}:5: 10000 columns, not GDELT 2.0's 61: skipped",
    ]
    assert result.stdout.startswith("Read 10 rows: ")  # 8 good ones
    assert result.stdout.splitlines()[0].endswith(", 2 bad")
    refused = run("import", "--format", "gdelt", str(dirty), "--thread", "t", "--max-bad", "1")
    assert refused.exit_code == 1
    assert refused.stderr == (
        f"Error: 2 bad rows, more than --max-bad 1: nothing imported (the first: {dirty}:4: "
        "40 columns, not GDELT 2.0's 61)\n"
    )


@pytest.mark.parametrize("hostile", ["binary", "long line", "icews as gdelt", "gdelt as icews"])
def test_a_hostile_file_is_one_line_and_nothing_written(
    run: Run, db_url: str, tmp_path: Path, hostile: str
) -> None:
    path, fmt = tmp_path / "hostile", "gdelt"
    if hostile == "binary":
        path.write_bytes(bytes(range(256)) * 4000)
    elif hostile == "long line":  # far past a line's limit: read through, never held
        path.write_text("1\t" * 3_000_000 + "\n" + "".join(GDELT.read_text().splitlines(True)[:3]))
    elif hostile == "icews as gdelt":
        path.write_bytes(ICEWS.read_bytes())
    else:
        path.write_bytes(GDELT.read_bytes())
        fmt = "icews"
    result = run("import", "--format", fmt, str(path), "--thread", "t")
    if hostile == "long line":  # one bad row, named; the rest imported
        assert result.exit_code == 0, result.output
        assert result.stderr.startswith(f"Warning: {path}:1: a line longer than 1,048,576")
        return
    assert result.exit_code == 1, result.output
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("Error: ")
    assert "Traceback" not in result.output
    assert count_rows(db_url) == 0


def test_coded_options_without_a_coded_format_are_refused(run: Run) -> None:
    result = run("import", str(GDELT), "--thread", "t")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: --thread, --thread-by, --rules, --codes")
    none = run("import", "--format", "gdelt", str(GDELT))
    assert none.stderr.startswith("Error: coded data has no negotiation threads: name one")


POLECAT = DATA / "polecat-sample.tsv"


def test_a_polecat_file_is_read_as_iso_8859_1_and_typed_by_plover(run: Run) -> None:
    raw = POLECAT.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # as POLECAT publishes it: ISO-8859-1
    result = run("import", "--format", "polecat", str(POLECAT), "--thread-by", "dyad")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        f"Warning: {POLECAT}:8: Event Date '2023-02-30' is not a day: skipped",
        f"Warning: {POLECAT}:9: Event Type 'nonsense' is not a PLOVER event: skipped",
    ]
    assert result.stdout.splitlines()[0] == (
        "Read 9 rows: 4 events; rows 1 repeating another's event (folded into it), "
        "2 outside the codes, 2 bad"
    )
    log = {e["id"].split("-")[2]: e for e in json.loads(run("log", "--format", "json").stdout)}
    consult = log["consult"]  # one meeting, coded both ways by two publishers
    assert consult["actors"] == ["Germany", "France"] and consult["type"] == "talks"
    assert [s["name"] for s in consult["sources"]] == ["Reuters", "Agence France-Presse"]
    assert consult["known"] == "2023-03-01"  # the first publication
    agree = log["agree"]  # a Latin-1 name, and a report three days after the event
    assert agree["actors"] == ["Pedro Sánchez", "Emmanuel Macron"]
    assert (agree["date"], agree["known"], agree["type"]) == ("2023-03-01", "2023-03-04", "offer")
    assert log["reject"]["actors"] == ["Russia", "Belarus", "Ukraine"]  # a cell of two
    assert log["reject"]["thread"] == "blr-rus-ukr"
    assert log["request"]["codes"] == {"plover": "REQUEST"}
    narrowed = run(
        "import", "--format", "polecat", str(POLECAT), "--thread", "t", "--codes", "consult",
        "--dry-run",
    )  # fmt: skip
    assert narrowed.stdout.splitlines()[0].startswith("Read 9 rows: 1 event; ")
    assert run(
        "import", "--format", "polecat", str(POLECAT), "--thread", "t", "--codes", "046"
    ).stderr.startswith("Error: --codes: '046' is no PLOVER event")


def test_rules_put_events_in_threads_and_what_no_rule_takes_is_counted(
    run: Run, db_url: str, tmp_path: Path
) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "rules:\n"
        "  - thread: normandy-format\n"
        "    title: Normandy format\n"
        "    countries: [Russian Federation, Ukraine, germany, FRANCE]\n"
        "  - thread: russia-ukraine\n"
        "    countries: [Russian Federation, Ukraine]\n"
        "    codes: ['0']\n"
        "  - thread: reuters-on-china\n"
        "    countries: [China]\n"
        "    words: [reuters]\n"
    )
    result = run("import", "--format", "icews", str(ICEWS), "--rules", str(rules))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    events = int(lines[0].split(": ")[1].split(" ")[0].replace(",", ""))
    unmatched = int(lines[1].split(" ")[2].replace(",", ""))
    assert lines[1] == f"Not recorded: {unmatched:,} events no rule takes:"
    assert lines[-1].startswith(f"Imported {events - unmatched:,} events")
    assert count_rows(db_url) == events - unmatched
    log = json.loads(run("log", "--format", "json").stdout)
    normandy = [e for e in log if e["thread"] == "normandy-format"]
    assert {e["codes"]["cameo"] for e in normandy} == {"036", "040"}  # the first rule wins
    assert all(len(e["actors"]) == 4 for e in normandy)
    russia_ukraine = [e for e in log if e["thread"] == "russia-ukraine"]
    assert russia_ukraine and all(e["codes"]["cameo"][0] == "0" for e in russia_ukraine)
    china = [e for e in log if e["thread"] == "reuters-on-china"]
    assert china and all("Reuters News" in {s["name"] for s in e["sources"]} for e in china)
    listed = json.loads(run("threads", "--format", "json").stdout)["threads"]
    assert {t["thread"]: t["title"] for t in listed}["normandy-format"] == "Normandy format"


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("rules: []\n", "{f}: a rules file holds 'rules:', a list of rules"),
        (
            "rules:\n  - thread: Not A Slug\n    codes: ['04']\n",
            "{f}:2: thread 'Not A Slug' is not a slug",
        ),
        ("rules:\n  - thread: t\n", "{f}:2: the rule for t matches everything"),
        ("rules:\n  - thread: t\n    colour: red\n", "{f}:2: unknown field 'colour'"),
        ("rules: [\n", "{f}:2: invalid YAML"),
    ],
)
def test_a_bad_rules_file_is_one_line_naming_file_and_line(
    run: Run, db_url: str, tmp_path: Path, text: str, error: str
) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(text)
    result = run("import", "--format", "icews", str(ICEWS), "--rules", str(rules))
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: " + error.format(f=rules)), result.stderr
    assert count_rows(db_url) == 0


MENTIONS = DATA / "gdelt2-mentions-20170701234500.sample.csv"


def _mention(event: str, when: str, site: str, url: str) -> str:
    """A raw GDELT 2.0 Mentions row (16 tab-separated columns, no header)."""
    cols = [event, "20191024143000", when, "1", site, url, "1", "-1", "-1", "-1", "1", "100"]
    return "\t".join([*cols, "1000", "0.5", "", ""]) + "\n"


def test_mentions_beside_an_export_give_its_first_report_and_every_site(
    run: Run, tmp_path: Path
) -> None:
    with MENTIONS.open(encoding="utf-8", newline="") as f:
        sample = list(csv.DictReader(f))
    assert len(sample) == 1635
    # the real sample (gdeltPyR's CSV) is of other days: it changes no event
    args = ["import", "--format", "gdelt", "--thread", "batch", "--dry-run"]
    alone = run(*args, str(GDELT)).stdout
    beside = run(*args, str(MENTIONS), str(GDELT))
    assert beside.exit_code == 0, beside.output
    assert beside.stdout == f"Read 1,635 mentions in 1 Mentions file beside the exports\n{alone}"
    # raw Mentions rows of two of the batch's events: one reported two days before
    # GDELT added it, and by another site; the other by a second site the same day
    mentions = tmp_path / "20191024143000.mentions.CSV"
    mentions.write_text(
        _mention("881990833", "20191022101500", "example.org", "https://example.org/belarus")
        + _mention("881990835", "20191024143000", "example.net", "https://example.net/visit")
    )
    result = run("import", "--format", "gdelt", "--thread", "batch", str(mentions), str(GDELT))
    assert result.exit_code == 0, result.output
    log = json.loads(run("log", "--format", "json").stdout)
    by_url = {s.get("url"): e for e in log for s in e["sources"]}
    early = by_url["https://example.org/belarus"]
    assert (early["date"], early["known"]) == ("2018-10-24", "2019-10-22")
    assert {s["name"] for s in early["sources"]} == {"belsat.eu", "example.org"}
    same_day = by_url["https://example.net/visit"]
    assert same_day["known"] == "2019-10-24"
    assert {s["name"] for s in same_day["sources"]} == {"bernama.com", "example.net"}


def test_lag_by_code_shows_how_late_each_code_became_known(run: Run) -> None:
    assert run("import", "--format", "gdelt", str(GDELT), "--thread", "batch").exit_code == 0
    log = json.loads(run("log", "--format", "json").stdout)
    late: dict[str, list[int]] = defaultdict(list)
    for e in log:
        days = (dt.date.fromisoformat(e["known"]) - dt.date.fromisoformat(e["date"])).days
        if days > 0:
            late[f"cameo {e['codes']['cameo']}"].append(days)
    found = json.loads(run("lag", "--by", "code", "--format", "json").stdout)["threads"]
    assert {g["thread"]: (g["events"], g["max_days"]) for g in found} == {
        code: (len(days), max(days)) for code, days in late.items()
    }
    assert found[0]["title"] == "Make statement"  # cameo 010, the codebook's name
    text = run("lag", "--by", "code").stdout
    assert "cameo 010 — Make statement" in text


def test_log_keeps_the_events_of_a_code(run: Run) -> None:
    assert run("import", "--format", "icews", str(ICEWS), "--thread-by", "dyad").exit_code == 0
    every = json.loads(run("log", "--format", "json").stdout)
    for code, keep in [
        ("04", lambda c: c["cameo"].startswith("04")),
        ("040", lambda c: c["cameo"] == "040"),
        ("plover:consult", lambda c: c.get("plover") == "CONSULT"),
        ("cameo:036", lambda c: c["cameo"] == "036"),
    ]:
        kept = json.loads(run("log", "--code", code, "--format", "json").stdout)
        assert [e["id"] for e in kept] == [e["id"] for e in every if keep(e["codes"])], code
    both = json.loads(run("log", "--code", "036", "--code", "040", "--format", "json").stdout)
    assert {e["codes"]["cameo"] for e in both} == {"036", "040"}
    bad = run("log", "--code", "plover:")
    assert bad.exit_code == 1 and bad.stderr.startswith("Error: --code 'plover:'")


def _gdelt_line(
    event: str, day: str, code: str, a: tuple[str, str], b: tuple[str, str], url: str
) -> str:
    cols = [""] * 61
    cols[0], cols[1], cols[26], cols[28] = event, day, code, code[:2]
    cols[6], cols[7], cols[16], cols[17] = a[0], a[1], b[0], b[1]
    cols[59], cols[60] = "20191024143000", url
    return "\t".join(cols) + "\n"


def test_one_article_two_pairs_each_its_own_mentions_and_parties_by_country(
    run: Run, tmp_path: Path
) -> None:
    export = tmp_path / "export.CSV"
    url = "https://example.com/talks"
    export.write_text(
        _gdelt_line("1", "20191018", "040", ("RUSSIA", "RUS"), ("UKRAINE", "UKR"), url)
        + _gdelt_line("2", "20191018", "040", ("FRANCE", "FRA"), ("GERMANY", "DEU"), url)
        + _gdelt_line("3", "20191024", "040", ("GOVERNMENT", "USA"), ("GOVERNMENT", "RUS"), url)
    )
    mentions = tmp_path / "mentions.CSV"
    mentions.write_text(_mention("1", "20191020000000", "early.org", "https://early.org/1"))
    result = run("import", "--format", "gdelt", str(mentions), str(export), "--thread-by", "dyad")
    assert result.exit_code == 0, result.output
    log = {e["thread"]: e for e in json.loads(run("log", "--format", "json").stdout)}
    assert log["rus-ukr"]["known"] == "2019-10-20"
    assert {s["name"] for s in log["rus-ukr"]["sources"]} == {"example.com", "early.org"}
    assert log["deu-fra"]["known"] == "2019-10-24"  # not the other pair's mention
    assert {s["name"] for s in log["deu-fra"]["sources"]} == {"example.com"}
    assert log["rus-usa"]["actors"] == ["GOVERNMENT (USA)", "GOVERNMENT (RUS)"]


def test_a_dyad_import_never_renames_a_thread_someone_titled(run: Run, tmp_path: Path) -> None:
    export = tmp_path / "export.CSV"
    export.write_text(
        _gdelt_line("1", "20191024", "040", ("RUSSIA", "RUS"), ("UKRAINE", "UKR"), "https://a.org/")
    )
    added = run(
        "add", "--thread", "rus-ukr", "--thread-title", "Russia and Ukraine, my title",
        "--date", "2019-10-01", "--type", "talks", "--actor", "Russia", "--title", "Mine",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert run("import", "--format", "gdelt", str(export), "--thread-by", "dyad").exit_code == 0
    listed = json.loads(run("threads", "--format", "json").stdout)["threads"]
    assert [t["title"] for t in listed] == ["Russia and Ukraine, my title"]


def test_an_event_the_input_rules_refuse_is_a_bad_row_not_the_import(
    run: Run, db_url: str, tmp_path: Path
) -> None:
    export = tmp_path / "export.CSV"
    export.write_text(
        _gdelt_line("1", "20191024", "040", ("RUSSIA", "RUS"), ("UKRAINE", "UKR"), "https://a.org/")
        + _gdelt_line(
            "2", "20191024", "046", ("A\u200bB", "RUS"), ("UKRAINE", "UKR"), "https://b.org/"
        )
    )
    result = run("import", "--format", "gdelt", str(export), "--thread", "t")
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith(f"Warning: {export}:2: ")
    assert count_rows(db_url) == 1
    refused = run("import", "--format", "gdelt", str(export), "--thread", "u", "--max-bad", "0")
    assert refused.exit_code == 1
    assert refused.stderr.startswith("Error: 1 bad row, more than --max-bad 0: nothing imported")
    assert count_rows(db_url) == 1


def test_line_numbers_hold_past_a_stray_carriage_return(run: Run, tmp_path: Path) -> None:
    rows = ICEWS.read_text(encoding="utf-8").split("\n")
    cols = rows[3].split("\t")
    cols[2] = "Name\rwith a return"
    bad = rows[5].split("\t")
    bad[6] = "999"  # no CAMEO code
    path = tmp_path / "icews.tab"
    path.write_text("\n".join([*rows[:3], "\t".join(cols), rows[4], "\t".join(bad)]) + "\n")
    result = run("import", "--format", "icews", str(path), "--thread", "t", "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith(f"Warning: {path}:6: CAMEO code '999' is not in the CAMEO")


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["--encoding", "nope"], "--encoding 'nope': no such encoding"),
        (["--encoding", "rot13"], "--encoding 'rot13': not a text encoding"),
        (["--known-by", "2020-01-01"], "--bundled, --restore, --known-by and --allow-future"),
        (["--codes", ""], "--codes: name at least one code"),
    ],
)
def test_options_that_cannot_be_are_one_error_line(run: Run, args: list[str], error: str) -> None:
    result = run("import", "--format", "icews", str(ICEWS), "--thread", "t", *args)
    assert result.exit_code == 1 and result.stderr.startswith(f"Error: {error}"), result.stderr


def test_unreadable_inputs_are_one_error_line_and_a_dry_run_creates_nothing(
    run: Run, tmp_path: Path
) -> None:
    corrupt = tmp_path / "corrupt.zip"
    with zipfile.ZipFile(corrupt, "w", zipfile.ZIP_STORED) as z:
        z.writestr("export.CSV", GDELT.read_bytes()[:5000])
    data = bytearray(corrupt.read_bytes())
    data[200] ^= 0xFF  # inside the member: its CRC no longer holds
    corrupt.write_bytes(bytes(data))
    db = tmp_path / "fresh.db"
    at = {"TIMELINE_DB": str(db)}
    for args, error in [
        ([str(corrupt)], f"{corrupt}:export.CSV: cannot read"),
        (["-", "-"], "standard input (-) can be read once"),
        ([str(tmp_path)], f"{tmp_path}: a folder"),
    ]:
        result = run("import", "--format", "gdelt", *args, "--thread", "t", env=at)
        assert result.exit_code == 1 and result.stderr.startswith(f"Error: {error}"), args
        assert "Traceback" not in result.output
    mention = _mention("1", "20191024143000", "a.org", "https://a.org/")
    piped = run("import", "--format", "gdelt", "-", "--thread", "t", input=mention, env=at)
    assert piped.stderr.startswith("Error: standard input holds a GDELT Mentions file")
    dry = run("import", "--format", "gdelt", str(GDELT), "--thread", "t", "--dry-run", env=at)
    assert dry.exit_code == 0 and not db.exists()
