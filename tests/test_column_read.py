"""Check All reads a few columns of the Sage50-only sheet from its bytes
(``SheetRows.column_values``) instead of the whole sheet: each column read so gives the
values a full read (python-calamine) gives, and every cell it does not read plainly
sends the sheet back to the full read. A Check All that reads columns leaves the same
workbook, byte for byte, as one that reads the whole sheet."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook
from python_calamine import CalamineWorkbook

from smsync_xl import macros
from smsync_xl.book.file import FileBook, _from_reader
from smsync_xl.book.layout import INCLUDE, SAGE_COLUMNS, SAGE_ONLY, column_letter
from smsync_xl.book.package import read_parts, write_parts
from smsync_xl.book.sheet_stream import NotPlain, SheetRows
from smsync_xl.book.sheets import TICK_COLUMNS

from .test_file_book import SAGE_PART, convert
from .test_independent_readers import libreoffice
from .workbook_helpers import Dialogs, demo_workbook, edit_workbook, hide_rows, open_book

SHEET = "xl/worksheets/sheet1.xml"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHARED = (
    f'<sst xmlns="{MAIN}" count="3" uniqueCount="3"><si><t>shared</t></si>'
    "<si><r><t>rich </t></r><r><rPr><b/></rPr><t>run</t></r></si>"
    '<si><t xml:space="preserve"> spaced </t></si></sst>'
)
PLAIN_ROWS = (
    # column A: every cell in a shape read from the bytes
    '<row r="1"><c r="A1" t="inlineStr"><is><t>Include</t></is></c>'
    '<c r="B1" t="inlineStr"><is><t>B</t></is></c></row>'
    '<row r="2"><c r="A2" t="inlineStr"><is><t>a &amp; b &lt; c &gt; "d" &apos;e&apos;</t>'
    "</is></c></row>"
    '<row r="3"><c r="B3" t="s"><v>0</v></c>'
    '<c r="A3" s="1" t="inlineStr"><is><t xml:space="preserve">  padded\ttab  </t></is></c>'
    "</row>"
    '<row r="4"><c r="A4" s="1"/><c r="B4" t="s"><v>2</v></c></row>'
    '<row r="5"><c r="A5" t="inlineStr"><is><t/></is></c></row>'
    '<row r="6"><c r="A6" t="b"><v>1</v></c></row>'
    '<row r="7"><c r="A7" t="b"><v>0</v></c><c r="AA7" t="inlineStr"><is><t>far</t></is></c>'
    "</row>"
    '<row r="8"><c r="A8" t="inlineStr"><is><t>Caf\u00e9 \u2713 &#8594; &#x1F600; line&#10;'
    "feed</t></is></c></row>"
    '<row r="9" hidden="1"><c r="A9" t="inlineStr"><is><t>\u2713</t></is></c></row>'
    '<row r="10"><c r="A10" t="inlineStr"><is><t>lead_in\nand out</t></is></c></row>'
    '<row r="11"><c r="A11" t="inlineStr"></c><c r="AA11" t="inlineStr"><is><t>AA</t></is>'
    "</c></row>"
)
NOT_PLAIN = {
    "shared string": '<c r="A12" t="s"><v>0</v></c>',
    "shared rich text": '<c r="A12" t="s"><v>1</v></c>',
    "inline rich text": (
        '<c r="A12" t="inlineStr"><is><r><t>rich </t></r><r><rPr><b/></rPr><t>run</t></r></is></c>'
    ),
    "number": '<c r="A12"><v>1</v></c>',
    "a space as a character reference": '<c r="A12" t="inlineStr"><is><t>&#32;x</t></is></c>',
    "text a full read trims": '<c r="A12" t="inlineStr"><is><t> lead</t></is></c>',
    "text of two parts a full read trims": '<c r="A12" t="inlineStr"><is><t>a_b </t></is></c>',
    "typed number": '<c r="A12" t="n"><v>1.5</v></c>',
    "formula with a cached value": '<c r="A12" t="str"><f>"x"</f><v>x</v></c>',
    "formula with a cached boolean": '<c r="A12" t="b"><f>TRUE()</f><v>1</v></c>',
    "formula without a cached value": '<c r="A12"><f>TRUE()</f></c>',
    "error": '<c r="A12" t="e"><v>#N/A</v></c>',
    "escaped character": '<c r="A12" t="inlineStr"><is><t>a_x000D_b</t></is></c>',
    "phonetic run": (
        '<c r="A12" t="inlineStr"><is><t>x</t><rPh sb="0" eb="1"><t>y</t></rPh></is></c>'
    ),
}


def workbook_with(rows: str) -> bytes:
    """A one-sheet workbook (with shared strings) whose sheet holds ``rows``."""
    book = Workbook()
    book.active["A1"] = "shared"
    buffer = io.BytesIO()
    book.save(buffer)
    parts = read_parts(buffer.getvalue())
    parts[SHEET] = f'<worksheet xmlns="{MAIN}"><sheetData>{rows}</sheetData></worksheet>'.encode()
    parts["xl/sharedStrings.xml"] = SHARED.encode()
    return write_parts(parts)


def full_read(data: bytes) -> list[list[object]]:
    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
    return [[_from_reader(v) for v in row] for row in rows.to_python(skip_empty_area=False)]


def sheet_rows(data: bytes) -> SheetRows:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        rows = SheetRows.of(archive.read(SHEET))
    assert rows is not None
    return rows


def agrees(data: bytes, column: int) -> bool:
    """The column read from the bytes is the full read's, cell for cell (False: the
    bytes send it to the full read)."""
    grid = full_read(data)
    try:
        values = sheet_rows(data).column_values([column])[column]
    except NotPlain:
        return False
    expected = {
        number: row[column - 1]
        for number, row in enumerate(grid, start=1)
        if column <= len(row) and row[column - 1] is not None
    }
    assert {n: (type(v), v) for n, v in values.items()} == {
        n: (type(v), v) for n, v in expected.items()
    }
    return True


def test_plain_cells_read_from_the_bytes_are_the_full_reads():
    data = workbook_with(PLAIN_ROWS)
    assert agrees(data, 1)
    assert agrees(data, 27)  # AA: a column beyond Z, its cells in few rows
    assert not agrees(data, 2)  # shared strings
    values = sheet_rows(data).column_values([1])[1]
    assert values[6] is True and values[7] is False and 4 not in values and 5 not in values


def test_columns_read_in_one_pass_are_each_column_read_alone():
    """Columns whose letters begin alike (A, AA) read together give what each gives
    alone; a column of no cells gives none."""
    data = workbook_with(PLAIN_ROWS)
    together = sheet_rows(data).column_values([27, 1, 3])
    alone = {c: sheet_rows(data).column_values([c])[c] for c in (1, 3, 27)}
    assert together == alone and list(together) == [27, 1, 3]
    assert together[27] == {7: "far", 11: "AA"} and together[3] == {}
    assert len(together[1]) > 5


@pytest.mark.parametrize("kind", sorted(NOT_PLAIN))
def test_a_cell_not_read_plainly_sends_the_column_to_the_full_read(kind):
    data = workbook_with(PLAIN_ROWS + f'<row r="12">{NOT_PLAIN[kind]}</row>')
    assert not agrees(data, 1)
    assert agrees(data, 27)


def test_cells_without_references_send_the_sheet_to_the_full_read():
    data = workbook_with(PLAIN_ROWS + '<row r="12"><c t="inlineStr"><is><t>x</t></is></c></row>')
    assert not agrees(data, 1)
    assert not agrees(data, 27)


UNREFERENCED = {
    "attributes in another order": '<c s="1" r="A12" t="inlineStr"><is><t>x</t></is></c>',
    "two spaces": '<c  r="A12" t="inlineStr"><is><t>x</t></is></c>',
    "a tab": '<c\tr="A12" t="inlineStr"><is><t>x</t></is></c>',
    "single quotes": "<c r='A12' t=\"inlineStr\"><is><t>x</t></is></c>",
    "a rich text run's color": (
        '<c r="A12" t="inlineStr"><is><r><rPr><color rgb="FFFF0000"/></rPr><t>red</t></r></is></c>'
    ),
    "a rich text run's charset and condense": (
        '<c r="A12" t="inlineStr"><is><r><rPr><charset val="1"/><condense val="0"/></rPr>'
        "<t>x</t></r></is></c>"
    ),
}


@pytest.mark.parametrize("kind", sorted(UNREFERENCED))
def test_a_tag_starting_c_without_a_reference_first_sends_the_sheet_to_the_full_read(kind):
    """Every ``<c`` must open ``<c r="``: found in one pass, as counting both would."""
    data = workbook_with(PLAIN_ROWS + f'<row r="12">{UNREFERENCED[kind]}</row>')
    rows = sheet_rows(data)
    start, end = rows._rows
    assert rows.data.count(b"<c", start, end) != rows.data.count(b'<c r="', start, end)
    assert not rows._cells_have_references()
    assert not agrees(data, 1)
    assert sheet_rows(workbook_with(PLAIN_ROWS))._cells_have_references()


def test_rows_above_the_header_are_read_cell_for_cell():
    data = workbook_with(PLAIN_ROWS)
    grid = full_read(data)
    for number in (1, 2, 7, 10, 11):
        expected = {c: v for c, v in enumerate(grid[number - 1], start=1) if v is not None}
        assert sheet_rows(data).row_values(number) == expected


# The whole Check All: reading the columns, or the whole sheet, gives the same workbook.

INCLUDE_LETTER = column_letter([c.title for c in SAGE_COLUMNS].index(INCLUDE))


@pytest.fixture
def refreshed(tmp_path):
    book = demo_workbook(tmp_path)
    assert macros.refresh(open_book(book, Dialogs(True, False)))
    return book


def whole_sheet(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(FileBook, "_read_columns", lambda *_: None)


def check_all_both_ways(book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> bytes:
    """Check All on a copy reading the columns and on one reading the whole sheet: the
    same messages and the same parts; returns the Sage50-only part."""
    fast, whole = tmp_path / "fast.xlsm", tmp_path / "whole.xlsm"
    fast.write_bytes(book.read_bytes())
    whole.write_bytes(book.read_bytes())
    fast_dialogs, whole_dialogs = Dialogs(), Dialogs()
    fast_result = macros.check_all(open_book(fast, fast_dialogs))
    with monkeypatch.context() as patched:
        whole_sheet(patched)
        whole_result = macros.check_all(open_book(whole, whole_dialogs))
    assert fast_result == whole_result
    assert fast_dialogs.alerts == whole_dialogs.alerts
    assert read_parts(fast.read_bytes()) == read_parts(whole.read_bytes())
    return read_parts(fast.read_bytes())[SAGE_PART]


def read_both_ways(book: Path, monkeypatch: pytest.MonkeyPatch) -> bool:
    """The tick columns read alone equal the full read's; True when they were read
    from the bytes."""
    port = open_book(book)
    only = port.read_table(SAGE_ONLY, TICK_COLUMNS)
    from_bytes = SAGE_ONLY in port._columns
    full = open_book(book).read_table(SAGE_ONLY)
    assert only.header == full.header and only.first_row == full.first_row
    assert len(only.rows) == len(full.rows)
    for title in TICK_COLUMNS:
        index = full.column(title)
        assert [r[index] for r in only.rows] == [r[index] for r in full.rows], title
    return from_bytes


def test_a_workbook_smsync_saved_is_read_from_its_bytes(refreshed, tmp_path, monkeypatch):
    port = open_book(refreshed)
    table = port.read_table(SAGE_ONLY)
    awkward = ["a & b <c> \"d\" 'e'", "  padded  ", "Café ✓ → 😀", "tab\there", "x"]
    for offset, value in enumerate(awkward):
        port.write_cell(SAGE_ONLY, f"{INCLUDE_LETTER}{table.first_row + offset}", value)
    port.write_cell(SAGE_ONLY, f"{INCLUDE_LETTER}{table.first_row + 5}", True)
    port.finish()
    assert read_both_ways(refreshed, monkeypatch)
    check_all_both_ways(refreshed, tmp_path, monkeypatch)


def test_hidden_rows_and_ticks_are_the_same_read_from_the_bytes(refreshed, tmp_path, monkeypatch):
    hide_rows(refreshed, SAGE_ONLY, (7, 9))  # saved by openpyxl: its own empty cells
    assert b't="n" />' in read_parts(refreshed.read_bytes())[SAGE_PART]
    assert read_both_ways(refreshed, monkeypatch)
    assert open_book(refreshed).hidden_rows(SAGE_ONLY) == {1, 3}
    check_all_both_ways(refreshed, tmp_path, monkeypatch)
    assert macros.check_all(open_book(refreshed))  # saved by SMSync since
    assert read_both_ways(refreshed, monkeypatch)
    check_all_both_ways(refreshed, tmp_path, monkeypatch)


@pytest.mark.parametrize(
    "typed",
    [
        ("TRUE()", None),  # a formula without a saved result: refused
        ("TRUE()", True),  # with one: read whole, as today
        (None, 1),  # a number
        (None, "rubbish"),
    ],
)
def test_odd_include_cells_give_the_same_check_all(refreshed, tmp_path, monkeypatch, typed):
    formula, value = typed

    def change(book: Workbook) -> None:
        cell = book[SAGE_ONLY][f"{INCLUDE_LETTER}7"]
        cell.value = f"={formula}" if formula else value

    edit_workbook(refreshed, change)
    parts = read_parts(refreshed.read_bytes())
    if formula and value is not None:
        parts[SAGE_PART] = parts[SAGE_PART].replace(
            f"<f>{formula}</f><v></v>".encode(), f"<f>{formula}</f><v>1</v>".encode()
        )
        parts[SAGE_PART] = parts[SAGE_PART].replace(
            f'<c r="{INCLUDE_LETTER}7"'.encode(), f'<c r="{INCLUDE_LETTER}7" t="b"'.encode()
        )
    refreshed.write_bytes(write_parts(parts))
    check_all_both_ways(refreshed, tmp_path, monkeypatch)


def test_a_workbook_libreoffice_saved_gives_the_same_check_all(refreshed, tmp_path, monkeypatch):
    soffice = libreoffice()
    if soffice is None:
        pytest.skip("LibreOffice not installed (apt-get install libreoffice-calc-nogui)")
    saved = convert(soffice, refreshed, "xlsm:Calc MS Excel 2007 VBA XML", tmp_path / "saved")
    assert not read_both_ways(saved, monkeypatch)  # shared strings: read whole
    check_all_both_ways(saved, tmp_path, monkeypatch)


def test_a_table_ending_in_empty_rows_gives_the_same_check_all(refreshed, tmp_path, monkeypatch):
    """The full read ends at the last row holding something: rows under it are written
    as a full read writes them."""
    port = open_book(refreshed)
    table = port.read_table(SAGE_ONLY)
    last = table.first_row + len(table.rows) - 1
    for number in (last - 1, last):
        for column in range(1, len(SAGE_COLUMNS) + 1):
            port.write_cell(SAGE_ONLY, f"{column_letter(column - 1)}{number}", None)
    port.finish()
    check_all_both_ways(refreshed, tmp_path, monkeypatch)
