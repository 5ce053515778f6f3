"""The two paths of event validation agree: the quick one (``_plain_event``) takes an
event only if the long one (``_checked_event``, every problem collected) reads it the
same, field for field.

Hypothesis writes events as users do and then spoils some fields with what users get
wrong or write unusually: blanks, wrong types, YAML's numbers and booleans, text with
controls, line breaks, padding or decomposed accents, dates out of order, refs to the
event itself, repeated stances, unknown fields.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import examples
from tests.core.test_canonical import raw_events
from timeline.core.errors import InvalidEvent
from timeline.core.model import Event
from timeline.core.validate import event_from_input
from timeline.core.validate.event import EVENT_FIELDS, _checked_event, _plain_event

ODD_VALUES = st.sampled_from(
    [
        None,
        "",
        [],
        {},
        0,
        1,
        2022,
        1.5,
        True,
        False,
        "true",
        "false",
        "  padded  ",
        "two\nlines",
        "bell\x07",
        "line\u2028separator",
        unicodedata.normalize("NFD", "El País"),
        "El País",
        "Bad Slug",
        "ok-slug",
        "2022-02-30",
        "2021-12",
        "2022-01-26",
        "2022-02?",
        "1999",
        "javascript:alert(1)",
        "https://www.elpais.com/",
        ["Russia", "Russia"],
        ["Russia", 7],
        [{"name": "El País"}],
        [{"name": "NATO", "url": " https://www.nato.int/ ", "date": "2022"}],
        [{"name": "NATO", "oops": 1}],
        [{"actor": "Russia", "issue": "NATO", "stance": "no"}] * 2,
        {"Russia": "2022-01-26"},
        {"Russia": "1990"},
    ]
)
FIELDS = st.sampled_from([*EVENT_FIELDS, "typo"])


@st.composite
def spoilt_events(draw: st.DrawFn) -> dict[str, Any]:
    raw = draw(raw_events())
    for field in draw(st.lists(FIELDS, max_size=3)):
        if draw(st.booleans()):
            raw.pop(field, None)
        else:
            raw[field] = draw(ODD_VALUES)
    if draw(st.booleans()):  # a ref to the event itself, or to another
        raw["refs"] = draw(st.sampled_from([raw.get("id"), f"{raw.get('thread')}/x", ["a", "a"]]))
    return raw


def long_way(raw: dict[str, Any], thread: str | None) -> Event | None:
    try:
        return _checked_event(raw, thread)
    except InvalidEvent:
        return None


@settings(max_examples=examples(2000), deadline=None)
@given(spoilt_events(), st.sampled_from([None, "file-thread"]))
def test_the_quick_path_takes_an_event_only_as_the_long_path_reads_it(
    raw: dict[str, Any], thread: str | None
) -> None:
    quick = _plain_event(raw, thread)
    if quick is not None:
        assert quick == long_way(raw, thread)


@settings(max_examples=examples(300), deadline=None)
@given(raw_events())
def test_the_quick_path_takes_every_valid_event_of_the_usual_shape(raw: dict[str, Any]) -> None:
    # any text, sources, positions, refs and known_to; not scheduled, ids written as text
    expected = long_way(raw, None)
    if expected is not None:
        assert _plain_event(raw, None) == expected == event_from_input(raw)
