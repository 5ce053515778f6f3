"""GDELT 2.0 export rows made in the shape of the shipped batch, as many as a benchmark
asks for: ``gdelt_corpus(out, rows, seed)``.

The real batch (``tests/data/coded``) is 2,111 rows from 425 articles (its SOURCEURL):
one article is several rows, coded both ways round, several codes, sometimes three or
more parties pair by pair. Each made article replays one real article whole, under a
new address and new GLOBALEVENTIDs, on one of the corpus's days (a GDELT day is 100,000
to 200,000 rows: the corpus spans as many days as its size needs), with some of its
countries swapped for others of the batch, so that the parties vary as much as a real
day's. An event's lag stays the real row's: 2.4 % of the rows are dated days before
GDELT first saw them.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from pathlib import Path

TEMPLATE = Path(__file__).parent.parent / "tests/data/coded/gdelt2-20191024143000.export.CSV"
ROWS_A_DAY = 150_000
_ID, _DATE, _MONTH, _YEAR, _FRACTION, _ADDED, _URL = 0, 1, 2, 3, 4, 59, 60
_COUNTRIES = (7, 17)  # Actor1CountryCode, Actor2CountryCode


def _day(text: str) -> dt.date:
    return dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))


def gdelt_corpus(out: Path, rows: int, seed: int) -> int:
    """Write ``rows`` GDELT export rows to ``out`` (whole articles: a few more rows than
    asked, at most one article's); the rows written."""
    rng = random.Random(seed)
    articles: dict[str, list[list[str]]] = defaultdict(list)
    for line in TEMPLATE.read_text(encoding="utf-8").splitlines():
        cols = line.split("\t")
        articles[cols[_URL]].append(cols)
    groups = list(articles.values())
    countries = sorted({c[i] for g in groups for c in g for i in _COUNTRIES if c[i]})
    days = max(1, -(-rows // ROWS_A_DAY))
    written = 0
    with out.open("w", encoding="utf-8", newline="\n") as f:
        while written < rows:
            group = rng.choice(groups)
            shift = dt.timedelta(days=rng.randrange(days))
            swap = {c: rng.choice(countries) for c in countries if rng.random() < 0.9}
            host = group[0][_URL].split("/")[2] if "://" in group[0][_URL] else "example.org"
            url = f"https://{host}/story/{written}"
            minute = f"{rng.randrange(24):02d}{rng.randrange(0, 60, 15):02d}00"
            for cols in group:
                row = list(cols)
                added = _day(cols[_ADDED]) + shift
                date = added - (_day(cols[_ADDED]) - _day(cols[_DATE]))
                row[_ID] = str(1_000_000_000 + written)
                row[_DATE] = f"{date:%Y%m%d}"
                row[_MONTH], row[_YEAR] = f"{date:%Y%m}", f"{date:%Y}"
                row[_FRACTION] = f"{date.year + (date.timetuple().tm_yday - 1) / 365:.4f}"
                row[_ADDED] = f"{added:%Y%m%d}{minute}"
                row[_URL] = url
                for i in _COUNTRIES:
                    row[i] = swap.get(row[i], row[i])
                f.write("\t".join(row) + "\n")
                written += 1
    return written
