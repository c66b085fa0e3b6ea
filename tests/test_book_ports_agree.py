"""The two workbook ports read one layout: the same rows written through Excel (the
xlwings stand-in) and through the file port land in the same place, in the sheet's
column order, and read back the same. A behaviour declared in ``layout`` that one port
stopped reading would show here as the two disagreeing."""

from __future__ import annotations

import shutil

import pytest
from openpyxl import load_workbook

from smsync_xl.book.excel import ExcelBook
from smsync_xl.book.layout import (
    HEADER_ROW,
    SAGE_ONLY,
    TABLE_COLUMNS,
    TABLE_NAMES,
    column_titles,
    entity_columns,
    in_sheet_order,
    table_area,
    table_column,
    table_records,
)
from smsync_xl.book.sheet_xml import column_letters
from smsync_xl.core.fields import ENTITIES
from smsync_xl.files.package_files import workbook_path

from .workbook_helpers import open_book
from .xlwings_standin import Book, Excel

ROWS = 3
SHEET = SAGE_ONLY


def _rows(sheet: str) -> list[list[object]]:
    """Text in every column but the calculated one (each port writes its formula)."""
    return [
        [None if c.formula else f"{c.title} {n}" for c in TABLE_COLUMNS[sheet]] for n in range(ROWS)
    ]


def _without_formulas(header: list[str], rows: list[list[object]]) -> list[list[object]]:
    calculated = {header.index(c.title) for c in TABLE_COLUMNS[SHEET] if c.formula}
    return [[v for i, v in enumerate(row) if i not in calculated] for row in rows]


@pytest.mark.parametrize("sheet", list(TABLE_NAMES))
def test_layout_declares_the_table_area_and_column_order(sheet):
    width = len(TABLE_COLUMNS[sheet])
    assert table_area(sheet, 0) == (HEADER_ROW, 1, HEADER_ROW + 1, width)
    assert table_area(sheet, 7) == (HEADER_ROW, 1, HEADER_ROW + 7, width)
    assert table_records([[None] * width]) == []
    assert table_records([["x", None]]) == [["x", None]]
    titles = column_titles(sheet)
    assert [table_column(sheet, t).title for t in titles] == titles
    dragged = [titles[-1], *titles[:-1]]
    columns, rows = in_sheet_order(sheet, dragged, [list(range(width))])
    assert [c.title for c in columns] == dragged
    assert rows == [[width - 1, *range(width - 1)]]


def test_both_ports_write_a_dragged_table_alike(tmp_path):
    """Excel's Include column dragged to the far right: both ports write the header and
    rows in that order, into the area the layout declares, every cell in its column's
    number format, hide and show the same columns, and read the same back."""
    width = len(TABLE_COLUMNS[SHEET])
    (tmp_path / "excel").mkdir()
    shutil.copyfile(workbook_path(), tmp_path / "excel" / "SMSync.xlsm")
    excel = Excel()
    book = Book(tmp_path / "excel" / "SMSync.xlsm", excel)
    live = ExcelBook(book)
    excel.drag_column(SHEET, 1, width)
    dragged = [*column_titles(SHEET)[1:], column_titles(SHEET)[0]]

    shutil.copyfile(workbook_path(), tmp_path / "SMSync.xlsm")
    headless = open_book(tmp_path / "SMSync.xlsm")
    for number, title in enumerate(dragged, start=1):
        headless.write_cell(SHEET, f"{column_letters(number)}{HEADER_ROW}", title)

    shown = entity_columns(TABLE_COLUMNS[SHEET], ENTITIES["materials"])
    for port in (live, headless):
        port.write_table(SHEET, _rows(SHEET))
        port.show_columns(SHEET, shown)
    headless.finish()
    live_table = live.read_table(SHEET)
    file_table = open_book(tmp_path / "SMSync.xlsm").read_table(SHEET)

    assert live_table.header == file_table.header == dragged
    assert live_table.first_row == file_table.first_row == HEADER_ROW + 1
    assert len(live_table.rows) == len(file_table.rows) == ROWS
    assert _without_formulas(dragged, live_table.rows) == _without_formulas(
        dragged, file_table.rows
    )
    _, _, last_row, last_column = table_area(SHEET, ROWS)
    ref = f"A{HEADER_ROW}:{column_letters(last_column)}{last_row}"
    live_range = book.sheets[SHEET].tables[TABLE_NAMES[SHEET]].range
    assert (live_range.row, live_range.column) == (HEADER_ROW, 1)
    assert (live_range.last_cell.row, live_range.last_cell.column) == (last_row, last_column)
    saved = load_workbook(tmp_path / "SMSync.xlsm")[SHEET]
    for title, show in shown.items():
        column = dragged.index(title) + 1
        live_hidden = excel.column_widths[SHEET].get(column) == 0
        file_hidden = any(
            d.hidden for d in saved.column_dimensions.values() if d.min <= column <= d.max
        )
        assert live_hidden == file_hidden == (not show), title
    assert saved.tables[TABLE_NAMES[SHEET]].ref == ref
    for column, title in enumerate(dragged, start=1):
        wanted = table_column(SHEET, title).number_format
        for row in range(HEADER_ROW + 1, last_row + 1):
            assert excel.number_format(SHEET, (row, column)) == wanted, (title, row)
            assert saved.cell(row, column).number_format == wanted, (title, row)
