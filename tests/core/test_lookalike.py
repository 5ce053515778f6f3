"""Names that look alike: a new actor (or issue) whose UTS #39 skeleton is that of a
name the log already gives is recorded, with a warning naming the recorded one and the
characters that differ. Before this, `Russiа` (Cyrillic а) beside `Russia` was a second
actor without a word, and `--as Russia` missed its events."""

from __future__ import annotations

import json
from pathlib import Path

import confusables
import pytest

from tests.conftest import Run
from timeline.core.validate.lookalike import Lookalikes, skeleton

THREAD = "russia-nato-security-guarantees"
CYRILLIC_A = "Russi\u0430"  # the last letter is U+0430 CYRILLIC SMALL LETTER A


def _add(run: Run, *actors: str, title: str = "Talks", extra: tuple[str, ...] = ()) -> object:
    args = ["add", "--thread", "talks", "--date", "2022-01-10", "--type", "talks"]
    args += [a for actor in actors for a in ("--actor", actor)]
    return run(*args, "--title", title, *extra)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Russia", CYRILLIC_A),
        ("NATO", "N\u0410TO"),  # Cyrillic capital А
        ("NATO", "NAT0"),  # digit zero
        ("America", "Arnerica"),  # r n
        ("OSCE", "\U0001d40eSCE"),  # mathematical bold O
        ("enlargement", "enIargement"),  # capital I
    ],
)
def test_names_that_look_alike_have_one_skeleton(one: str, other: str) -> None:
    assert one != other
    assert skeleton(one) == skeleton(other)
    # the confusables package's own pairwise matcher agrees (an independent reading)
    assert confusables.is_confusable(one, other)


def test_the_skeleton_maps_compatibility_forms_the_pairwise_matcher_does_not() -> None:
    assert skeleton("\uff35kraine") == skeleton("Ukraine")  # fullwidth U
    assert skeleton("Paci\ufb01c") == skeleton("Pacific")  # the ligature fi


@pytest.mark.parametrize(
    ("one", "other"), [("Russia", "Prussia"), ("Russia", "russia"), ("Iran", "Iraq")]
)
def test_names_that_differ_have_other_skeletons(one: str, other: str) -> None:
    assert skeleton(one) != skeleton(other)
    assert Lookalikes("actor", [one]).check(other) is None


def test_the_warning_names_the_recorded_name_and_the_characters_that_differ() -> None:
    names = Lookalikes("actor", ["Russia", "NATO"])
    assert names.check(CYRILLIC_A) == (
        f"actor {CYRILLIC_A!r} looks like the actor 'Russia' but is another name "
        "(U+0430 CYRILLIC SMALL LETTER A); if they are one actor, write it as 'Russia'"
    )
    assert names.check(CYRILLIC_A) is None  # told once: it is a name of the log now
    assert names.check("Russia") is None
    # new names are checked against each other too
    assert names.check("Ukraine") is None
    assert "looks like the actor 'Ukraine'" in str(names.check("Ukr\u0430ine"))


def test_add_records_a_lookalike_actor_and_warns(run_ok: Run, run: Run) -> None:
    assert _add(run_ok, "Russia", "NATO").stderr == ""  # type: ignore[attr-defined]
    result = _add(run, CYRILLIC_A, "N\u0410TO", title="Talks again")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert result.stderr.splitlines() == [  # type: ignore[attr-defined]
        f"Warning: actor {CYRILLIC_A!r} looks like the actor 'Russia' but is another name "
        "(U+0430 CYRILLIC SMALL LETTER A); if they are one actor, write it as 'Russia' "
        "(or make it an alias: `timeline alias`)",
        "Warning: actor 'N\u0410TO' looks like the actor 'NATO' but is another name "
        "(U+0410 CYRILLIC CAPITAL LETTER A); if they are one actor, write it as 'NATO' "
        "(or make it an alias: `timeline alias`)",
    ]
    actors = json.loads(run_ok("actors", "--format", "json").stdout)["actors"]
    assert sorted(a["name"] for a in actors) == sorted(["NATO", "N\u0410TO", "Russia", CYRILLIC_A])
    # a name the log gives is not new: no warning the second time
    assert _add(run_ok, CYRILLIC_A, title="Third").stderr == ""  # type: ignore[attr-defined]


def test_an_alias_counts_as_a_name_the_log_gives(run_ok: Run) -> None:
    _add(run_ok, "Russia")
    run_ok("alias", "Russian Federation", "Russia")
    out = _add(run_ok, "Russian Feder\u0430tion", title="Later")
    assert "looks like the actor 'Russian Federation'" in out.stderr  # type: ignore[attr-defined]


def test_an_issue_that_looks_like_a_recorded_one_warns(run_ok: Run) -> None:
    _add(run_ok, "NATO", extra=("--position", "NATO|enlargement|open door"))
    out = _add(run_ok, "NATO", title="Again", extra=("--position", "NATO|enIargement|closed"))
    assert out.stderr == (  # type: ignore[attr-defined]
        "Warning: issue 'enIargement' looks like the issue 'enlargement' but is another name "
        "(U+0049 LATIN CAPITAL LETTER I); if they are one issue, write it as 'enlargement'\n"
    )


def test_import_warns_with_the_file_and_line(imported: Run, tmp_path: Path) -> None:
    events = [
        {"id": "a", "date": "2022-03-01", "type": "statement", "actors": ["Ukraine"]},
        {"id": "b", "date": "2022-03-02", "type": "statement", "actors": ["Ukr\u0430ine"]},
        {"id": "c", "date": "2022-03-03", "type": "statement", "actors": ["Ru\u0455sia"]},
    ]
    path = tmp_path / "more.jsonl"
    lines = (json.dumps({"thread": THREAD, "title": "T"} | e) + "\n" for e in events)
    path.write_text("".join(lines))
    result = imported("import", str(path))
    assert result.exit_code == 0, result.output
    # Ukraine is recorded; its lookalike on line 2 and a Russia with a Cyrillic s on line 3
    assert [line.split(": actor ")[0] for line in result.stderr.splitlines()] == [
        f"Warning: {path}:2",
        f"Warning: {path}:3",
    ]
    assert "U+0455 CYRILLIC SMALL LETTER DZE" in result.stderr
    assert "3 added" in result.stdout


def test_a_correction_that_sets_a_lookalike_warns(imported: Run) -> None:
    result = imported("correct", f"{THREAD}/replies-delivered", "--actor", "NAT\u039f")
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith(
        "Warning: actor 'NAT\u039f' looks like the actor 'NATO' but is another name "
        "(U+039F GREEK CAPITAL LETTER OMICRON)"
    )
