"""The CAMEO table timeline ships: generated from the real codebook (cp1252, not UTF-8)
and the PLOVER project's table, every code of them typed."""

from __future__ import annotations

import csv
import io
import subprocess
import sys

import pytest

from tests.conftest import REPO
from timeline.core.cameo import (
    DIPLOMATIC_ROOTS,
    NAMES,
    TYPES,
    is_code,
    plover_of,
    plover_type,
    timeline_type,
)
from timeline.core.cameo_table import PLOVER
from timeline.core.model import EVENT_TYPES

DATA = REPO / "tests" / "data" / "coded"


def test_the_shipped_table_is_what_the_generator_makes_of_the_codebook() -> None:
    checked = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "make-cameo-table"), "--check"],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr


def test_the_codebook_is_cp1252_and_every_code_is_in_the_table() -> None:
    raw = (DATA / "cameo-codes.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # its 8-bit quotes are not UTF-8
    rows = list(csv.DictReader(io.StringIO(raw.decode("cp1252"))))
    assert len(rows) == 312
    assert {r["code"]: r["name"].strip() for r in rows} == NAMES
    assert NAMES["044"] == "Meet at a 'third' location"
    assert NAMES["0871"] == "Declare truce, ceasefire"
    assert [c for c in NAMES if len(c) == 2] == [f"{n:02d}" for n in range(1, 21)]


def test_every_code_has_a_timeline_type_and_all_but_two_roots_a_plover_event() -> None:
    assert set(TYPES.values()) <= set(EVENT_TYPES)
    for code in NAMES:
        assert timeline_type(code) in EVENT_TYPES, code
        # PLOVER has no statements or appeals (CAMEO 01, 02): its table maps no code of them
        assert (plover_of(code) is None) == (code[:2] in ("01", "02")), code
    cases = {
        "036": "talks", "040": "talks", "046": "talks", "042": "meeting", "057": "signing",
        "100": "demand", "1056": "demand", "120": "rejection", "125": "rejection",
        "161": "suspension", "166": "withdrawal", "0871": "agreement", "016": "denial",
        "020": "proposal", "030": "offer", "111": "statement", "190": "statement",
    }  # fmt: skip
    assert {code: timeline_type(code) for code in cases} == cases
    assert is_code("046") and not is_code("999") and not is_code("46")


def test_a_plover_event_takes_the_type_most_of_its_cameo_codes_have() -> None:
    assert PLOVER["046"] == "CONSULT" and plover_type("CONSULT") == "talks"
    assert plover_type("reject") == "rejection"  # as POLECAT writes it, or not
    assert plover_type("SANCTION") == "suspension"
    assert plover_type("NOT-AN-EVENT") is None
    assert all(plover_type(event) in EVENT_TYPES for event in set(PLOVER.values()))


def test_the_diplomatic_roots_are_roots_of_the_codebook() -> None:
    assert all(NAMES[root].isupper() for root in DIPLOMATIC_ROOTS)
    assert NAMES["04"] == "CONSULT" and "09" not in DIPLOMATIC_ROOTS


def test_the_diplomatic_plover_events_are_those_mostly_under_the_diplomatic_roots() -> None:
    from timeline.core.cameo import DIPLOMATIC_PLOVER

    assert DIPLOMATIC_PLOVER == (
        "ACCUSE", "AGREE", "CONCEDE", "CONSULT", "COOPERATE", "REJECT", "REQUEST",
        "RETREAT", "SANCTION", "SUPPORT",
    )  # fmt: skip
