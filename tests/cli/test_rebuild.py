"""`timeline rebuild`: each projection on its own, only what is out of step, and a
rebuild stopped half-way goes on (the property behind it: test_rebuild_property)."""

from __future__ import annotations

from unittest import mock

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import Run
from timeline import api, usecases
from timeline.core import progress
from timeline.core.errors import DatabaseError
from timeline.storage.db import resolve_url

THREAD = "russia-nato-security-guarantees"
ADD = (
    "--thread",
    THREAD,
    "--date",
    "2022-02-03",
    "--title",
    "Talks",
    "--type",
    "meeting",
    "--actor",
    "Russia",
)


def progress_rows(db_url: str) -> dict[str, tuple[int, int, str | None, str | None]]:
    engine = create_engine(resolve_url(db_url))
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT name, version, through, resume, stale FROM progress"))
            return {name: (v, t, r, s) for name, v, t, r, s in rows}
    finally:
        engine.dispose()


def test_every_projection_is_in_step_after_an_import_and_nothing_is_rebuilt(
    imported: Run, db_url: str
) -> None:
    head = progress_rows(db_url)["tree"][1]
    assert head > 0
    assert progress_rows(db_url) == {
        name: (version, head, None, None) for name, version in progress.VERSIONS.items()
    }
    result = imported("rebuild")
    assert result.stdout == (
        "Nothing to rebuild: every projection is in step with the log "
        "(`timeline rebuild --all` replays them all the same)\n"
    )
    assert imported("rebuild", "--only", "search", "--only", "tree").stdout == (
        "Rebuilt the search index of 3 threads from 27 records\n"
        "Rebuilt the Merkle tree of 3 threads from 27 records\n"
    )
    assert imported("rebuild", "--all").stdout == (
        "Rebuilt the thread states and checkpoints of 3 threads from 27 records\n"
        "Rebuilt the search index of 3 threads from 27 records\n"
        "Rebuilt the Merkle tree of 3 threads from 27 records\n"
    )


def test_an_unknown_projection_is_refused(imported: Run) -> None:
    result = imported("rebuild", "--only", "everything")
    assert result.exit_code != 0
    assert "Error:" in result.stderr and "everything" in result.stderr
    assert "Traceback" not in result.output


class Stop(Exception):
    pass


def _stop(_names: object, _done: int, _total: int) -> None:
    raise Stop  # as Ctrl-C after the first step


def test_a_stopped_rebuild_refuses_its_reads_and_appends_and_a_plain_rebuild_finishes_it(
    imported: Run, db_url: str
) -> None:
    before = imported("log", "--text", "nato").stdout
    with api.open(db_url) as tl, pytest.raises(Stop):
        tl.rebuild(["search"], step=_stop)
    assert progress_rows(db_url)["search"][2] is not None  # where it stood
    # a search is refused, with the way out; what needs no search answers
    result = imported("log", "--text", "nato")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: the search index is being rebuilt, or its rebuild was stopped half-way: "
        "`timeline rebuild` finishes it\n"
    )
    assert imported("asof", "2022-02-02").exit_code == 0
    # an append would leave the index behind the log: refused, nothing written
    added = imported("add", *ADD)
    assert added.exit_code == 1
    assert "the search index is being rebuilt" in added.stderr
    assert imported("verify").exit_code == 1
    assert imported("rebuild").stdout == (
        "Finished rebuilding the search index of 3 threads from 27 records\n"
    )
    assert imported("log", "--text", "nato").stdout == before
    assert imported("verify").exit_code == 0
    added = imported("add", *ADD)
    assert added.exit_code == 0, added.output


def test_a_projection_made_by_another_version_is_refused_until_it_is_rebuilt(
    imported: Run, db_url: str
) -> None:
    with mock.patch.dict(progress.VERSIONS, {"checkpoints": 2}):
        result = imported("asof", "2022-02-02")
        assert result.exit_code == 1
        assert result.stderr == (
            "Error: the checkpoints were made by an older version of timeline (its version "
            "1; this one makes version 2): `timeline rebuild` makes them again\n"
        )
        assert imported("rebuild").stdout == (
            "Rebuilt the checkpoints of 3 threads from 27 records\n"
        )
        assert progress_rows(db_url)["checkpoints"][0] == 2
        assert imported("asof", "2022-02-02").exit_code == 0
        assert imported("verify").exit_code == 0
    # and the older version, meeting the newer one's, says so too
    result = imported("asof", "2022-02-02")
    assert "made by a newer version of timeline" in result.stderr


def test_verify_marks_what_it_finds_wrong_and_a_plain_rebuild_replays_only_that(
    imported: Run, db_url: str
) -> None:
    engine = create_engine(resolve_url(db_url))
    try:
        with engine.begin() as conn:
            conn.execute(
                text("UPDATE thread_states SET status = 'concluded' WHERE thread = :t"),
                {"t": THREAD},
            )
    finally:
        engine.dispose()
    result = imported("verify")
    assert result.exit_code == 1
    assert progress_rows(db_url)["states"][3] is not None
    assert [n for n, row in progress_rows(db_url).items() if row[3] is not None] == ["states"]
    assert imported("rebuild").stdout == (
        "Rebuilt the thread states of 3 threads from 27 records\n"
    )
    assert imported("verify").exit_code == 0
    assert imported("rebuild").stdout.startswith("Nothing to rebuild")


def test_a_second_rebuild_at_the_same_time_stops_the_first_without_harm(
    imported: Run, db_url: str
) -> None:
    with api.open(db_url) as tl:
        before = imported("log", "--text", "nato").stdout

        def second(_names: object, _done: int, _total: int) -> None:
            # while the first stands after its first step, another runs to the end
            assert tl.rebuild(["search"])[0].resumed

        with pytest.raises(DatabaseError, match="another `timeline rebuild` is rebuilding"):
            usecases.rebuild(tl.store, only=["search"], step=second, group=5)
    assert imported("log", "--text", "nato").stdout == before
    assert imported("verify").exit_code == 0
    assert imported("rebuild").stdout.startswith("Nothing to rebuild")


def test_the_health_check_says_degraded_not_down_while_the_index_is_rebuilt(
    imported: Run, db_url: str
) -> None:
    with api.open(db_url) as tl, pytest.raises(Stop):
        tl.rebuild(["search"], step=_stop)
    with api.open(db_url) as tl:
        assert tl.quick_problems() == [
            "the search index is being rebuilt, or its rebuild was stopped half-way: "
            "`timeline rebuild` finishes it"
        ]


def test_a_clean_verify_clears_what_an_earlier_one_found(imported: Run, db_url: str) -> None:
    engine = create_engine(resolve_url(db_url))
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE progress SET stale = 'found wrong' WHERE name = 'tree'"))
    finally:
        engine.dispose()
    assert imported("verify").exit_code == 0  # the tree is right after all
    assert progress_rows(db_url)["tree"][3] is None
    assert imported("rebuild").stdout.startswith("Nothing to rebuild")


def test_a_row_of_progress_changed_so_that_it_no_longer_reads_is_mended_by_a_rebuild(
    imported: Run, db_url: str
) -> None:
    engine = create_engine(resolve_url(db_url))
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE progress SET resume = 'seq:x' WHERE name = 'search'"))
            if engine.dialect.name == "sqlite":  # (PostgreSQL keeps its columns' types)
                conn.execute(text("UPDATE progress SET version = 'x' WHERE name = 'tree'"))
    finally:
        engine.dispose()
    search = imported("log", "--text", "nato")
    assert search.exit_code == 1 and search.stderr.startswith("Error: the search index")
    assert len(search.stderr.splitlines()) == 1
    assert imported("verify").exit_code == 1
    assert imported("rebuild").exit_code == 0
    assert imported("verify").exit_code == 0
    assert imported("log", "--text", "nato").exit_code == 0
