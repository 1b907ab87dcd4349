"""CSV that spreadsheets open safely: text cells that a spreadsheet would run as a formula are
neutralised (OWASP "CSV injection"), numbers stay numbers, and quoting follows RFC 4180."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import NamedTuple

# A cell starting with one of these is taken as a formula (or, for TAB/CR, can shift into one).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | None


class CsvPage(NamedTuple):
    """A page of an export being streamed: CSV lines without the header, and their rows."""

    text: str
    rows: int


def safe_cell(value: Cell) -> str | int:
    """Integers pass as they are (a negative amount stays a number); text starting with a
    formula trigger gets a leading single quote; None is an empty cell."""
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def csv_lines(rows: Iterable[Iterable[Cell]]) -> str:
    """The rows as CRLF-terminated CSV text, every cell made safe."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return out.getvalue()
