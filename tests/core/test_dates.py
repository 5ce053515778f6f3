"""EDTF dates and plain days, with the `edtf` package as the oracle for every valid form."""

from __future__ import annotations

import calendar
import datetime as dt
import time

import edtf
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from timeline.core.dates import parse_day, parse_edtf
from timeline.core.errors import InvalidDate

D = dt.date.fromisoformat
FORMS = "expected YYYY, YYYY-MM or YYYY-MM-DD, optionally followed by ~, ? or %"


def _day(st_time: time.struct_time) -> dt.date:
    return dt.date(st_time.tm_year, st_time.tm_mon, st_time.tm_mday)


@st.composite
def edtf_texts(draw: st.DrawFn) -> str:
    """A valid YYYY, YYYY-MM or YYYY-MM-DD (leap days included), maybe with ~, ? or %."""
    year = draw(st.integers(1000, 2999))
    text = f"{year:04d}"
    precision = draw(st.sampled_from(["year", "month", "day"]))
    if precision != "year":
        month = draw(st.integers(1, 12))
        text += f"-{month:02d}"
        if precision == "day":
            day = draw(st.integers(1, calendar.monthrange(year, month)[1]))
            text += f"-{day:02d}"
    return text + draw(st.sampled_from(["", "~", "?", "%"]))


@settings(deadline=None)  # edtf's pyparsing grammar is slow on its first calls
@given(edtf_texts())
@example("2000-02-29")  # a leap day of a century divisible by 400
@example("1900-02")  # a century year that is not a leap year
@example("2024-02-29%")
def test_every_valid_date_covers_the_same_days_as_the_edtf_package_says(text: str) -> None:
    ours = parse_edtf(text)
    theirs = edtf.parse_edtf(text)

    assert ours.text == text
    assert ours.first == _day(theirs.lower_strict())
    assert ours.last == _day(theirs.upper_strict())
    both = theirs.is_uncertain_and_approximate
    assert ours.approximate == (theirs.is_approximate or both)
    assert ours.uncertain == (theirs.is_uncertain or both)
    assert ours.qualified == (text[-1] in "~?%")
    assert ours.precision == {1: "year", 2: "month", 3: "day"}[len(text.rstrip("~?%").split("-"))]


def test_a_month_covers_its_first_to_its_last_day() -> None:
    d = parse_edtf("2021-12")
    assert (d.first, d.last, d.precision) == (D("2021-12-01"), D("2021-12-31"), "month")
    assert str(d) == "2021-12"


def test_february_of_a_leap_year_ends_on_the_29th() -> None:
    assert parse_edtf("2024-02").last == D("2024-02-29")


def test_february_of_a_common_year_ends_on_the_28th() -> None:
    assert parse_edtf("2023-02").last == D("2023-02-28")


def test_a_year_covers_the_whole_year() -> None:
    d = parse_edtf("2022")
    assert (d.first, d.last, d.precision) == (D("2022-01-01"), D("2022-12-31"), "year")


def test_a_day_covers_only_itself() -> None:
    d = parse_edtf("2022-01-26")
    assert (d.first, d.last, d.precision) == (D("2022-01-26"), D("2022-01-26"), "day")
    assert not d.qualified


@pytest.mark.parametrize(
    ("text", "approximate", "uncertain"),
    [("2022-02~", True, False), ("2022-02?", False, True), ("2022-02%", True, True)],
)
def test_a_qualifier_sets_approximate_and_uncertain_without_moving_the_interval(
    text: str, approximate: bool, uncertain: bool
) -> None:
    d = parse_edtf(text)
    assert (d.approximate, d.uncertain, d.qualified) == (approximate, uncertain, True)
    assert (d.first, d.last, d.precision) == (D("2022-02-01"), D("2022-02-28"), "month")
    assert d.text == text


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("2022-13-45", "month must be 01..12"),
        ("2022-02-30", "day must be 01..28 in 2022-02"),
        ("2022-13", "month must be 01..12"),
        ("2022-00", "month must be 01..12"),
        ("2022-01-00", "day must be 01..31 in 2022-01"),
        ("22-01-01", FORMS),
        ("2022-1-5", FORMS),
        ("2022-01-26~?", FORMS),
        ("0000", "year 0000 is not supported"),
        ("", FORMS),
        ("2022/01/26", FORMS),
        ("2022-01-26T10:00", FORMS),
        (" 2022-01-26", FORMS),
        ("2022-01-26\n", FORMS),
    ],
)
def test_an_invalid_date_is_refused_with_the_text_and_the_reason(text: str, says: str) -> None:
    with pytest.raises(InvalidDate) as e:
        parse_edtf(text)
    assert str(e.value) == f"invalid date {text!r}: {says}"


@pytest.mark.parametrize("value", [2022, 2022.0, None, dt.date(2022, 1, 26), b"2022"])
def test_a_date_that_is_not_text_is_refused(value: object) -> None:
    with pytest.raises(InvalidDate) as e:
        parse_edtf(value)  # type: ignore[arg-type]
    assert str(e.value) == f"invalid date {value!r}: {FORMS}"


@pytest.mark.parametrize("value", [["2022"], {"year": 2022}])
def test_an_unhashable_date_is_refused_as_an_invalid_date(value: object) -> None:
    with pytest.raises(InvalidDate):
        parse_edtf(value)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["２０２２-０１", "٢٠٢٢"])
def test_a_date_written_with_non_ascii_digits_is_refused(text: str) -> None:
    with pytest.raises(InvalidDate):
        parse_edtf(text)


def test_a_full_day_parses_to_a_calendar_date() -> None:
    assert parse_day("2022-01-26") == D("2022-01-26")
    assert parse_day("2024-02-29") == D("2024-02-29")


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("2022-02-30", "day must be 01..28 in 2022-02"),
        ("2023-13-01", "month must be 01..12"),
        ("0000-01-01", "year 0000 is not supported"),
        ("2022-02", "expected a full day YYYY-MM-DD"),
        ("2022", "expected a full day YYYY-MM-DD"),
        ("2022-02-02~", "expected a full day YYYY-MM-DD"),
        ("2022-2-2", "expected a full day YYYY-MM-DD"),
        ("", "expected a full day YYYY-MM-DD"),
    ],
)
def test_a_day_must_be_a_real_full_day_without_qualifier(text: str, says: str) -> None:
    with pytest.raises(InvalidDate) as e:
        parse_day(text)
    assert str(e.value) == f"invalid date {text!r}: {says}"


def test_a_day_error_names_what_the_day_is_for() -> None:
    with pytest.raises(InvalidDate) as e:
        parse_day("2022-02-30", "known date")
    assert str(e.value) == "invalid known date '2022-02-30': day must be 01..28 in 2022-02"


def test_a_day_written_with_non_ascii_digits_is_refused() -> None:
    with pytest.raises(InvalidDate):
        parse_day("２０２２-０１-２６")


def test_a_day_that_is_not_text_is_refused_and_named_as_asked() -> None:
    with pytest.raises(InvalidDate) as e:
        parse_day(dt.date(2022, 1, 26), "known date")  # type: ignore[arg-type]
    assert str(e.value) == (
        "invalid known date datetime.date(2022, 1, 26): expected a full day YYYY-MM-DD"
    )
