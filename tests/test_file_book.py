"""The file port working on the package itself: what it rewrites, what it keeps byte for
byte, and values that come back the same through python-calamine, openpyxl, LibreOffice
and the port."""

from __future__ import annotations

import html
import io
import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE as OPENPYXL_ILLEGAL
from python_calamine import CalamineWorkbook

from smsync_xl import macros
from smsync_xl.book import sheet_xml
from smsync_xl.book.layout import (
    HEADER_ROW,
    INCLUDE,
    LOG,
    SAGE_COLUMNS,
    SAGE_ONLY,
    SETUP,
    TABLE_COLUMNS,
    TURBO_ONLY,
    column_letter,
    entity_columns,
    shown_fields,
)
from smsync_xl.book.package import Package, read_parts, write_parts
from smsync_xl.book.sheet_xml import SheetXml
from smsync_xl.core.errors import WorkbookError
from smsync_xl.core.fields import ENTITIES
from smsync_xl.files.package_files import workbook_path

from .test_independent_readers import libreoffice
from .workbook_helpers import Dialogs, demo_workbook, edit_workbook, hide_rows, open_book

SAGE_PART = "xl/worksheets/sheet2.xml"
TURBO_PART = "xl/worksheets/sheet3.xml"
LOG_PART = "xl/worksheets/sheet4.xml"
LAST = column_letter(len(SAGE_COLUMNS) - 1)
NAME = [c.title for c in SAGE_COLUMNS].index("Name")
LIMIT = [c.title for c in SAGE_COLUMNS].index("Credit Limit")

LONG = "Northern Illinois Aggregate Haulers " * 30
AWKWARD: list[tuple[object, object]] = [
    # (written, read back)
    ("=SUM(A1:A9) Excavating", "=SUM(A1:A9) Excavating"),
    ("+1 555 0100", "+1 555 0100"),
    ("-Minus", "-Minus"),
    ("@Front Desk", "@Front Desk"),
    ("00123", "00123"),
    ("", None),
    (None, None),
    (0, 0),
    (1.5, 1.5),
    (-7, -7),
    (True, True),
    (LONG, LONG),
    (
        "bell\x07 nul\x00 esc\x1b tab\t line\nfeed cr\r end",
        "bell nul esc tab\t line\nfeed cr\r end",
    ),
    ("  padded  ", "  padded  "),
    ("\x01\x02", None),
    ("a & b < c > d \"e\" 'f'", "a & b < c > d \"e\" 'f'"),
    ("Café Müller ✓ → 😀", "Café Müller ✓ → 😀"),
    ("x" * 32_767, "x" * 32_767),
]


@pytest.fixture
def book(tmp_path):
    return demo_workbook(tmp_path)


def members(path: Path) -> dict[str, bytes]:
    return read_parts(path.read_bytes())


def stored(path: Path) -> dict[str, tuple[int, int, bytes]]:
    """Each member as stored: CRC, compressed size and the compressed bytes."""
    data = path.read_bytes()
    found = {}
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
            found[info.filename] = (info.CRC, info.compress_size, data[start:][:64])
    return found


def changed(before: Path, after: Path) -> set[str]:
    old, new = members(before), members(after)
    assert set(new) <= set(old)
    return {name for name in old if old[name] != new.get(name)}


def test_refresh_rewrites_only_the_sheets_and_tables_it_fills(book, tmp_path):
    original = tmp_path / "original.xlsm"
    original.write_bytes(book.read_bytes())
    assert macros.refresh(open_book(book, Dialogs(True, False)))
    assert changed(original, book) == {
        SAGE_PART,
        TURBO_PART,
        LOG_PART,
        "xl/tables/table1.xml",
        "xl/tables/table2.xml",  # the Log's table still has one row: its ref stays
        "xl/workbook.xml",  # the active sheet is Sage50-only now
    }
    # untouched parts are copied as stored, not even recompressed
    old, new = stored(original), stored(book)
    for name in set(old) - changed(original, book):
        assert old[name] == new[name], name
    with zipfile.ZipFile(book) as archive:
        assert archive.testzip() is None
        assert archive.namelist() == zipfile.ZipFile(original).namelist()


def test_check_all_rewrites_the_sage50_only_sheet_and_nothing_else(book, tmp_path):
    assert macros.refresh(open_book(book, Dialogs(True, False)))
    refreshed = tmp_path / "refreshed.xlsm"
    refreshed.write_bytes(book.read_bytes())
    assert macros.check_all(open_book(book))
    assert changed(refreshed, book) == {SAGE_PART}


def test_the_ribbon_vba_styles_names_and_validations_stay(book, tmp_path):
    original = members(book)
    assert macros.refresh(open_book(book, Dialogs(True, False)))
    assert macros.check_all(open_book(book))
    assert macros.synchronize(open_book(book, Dialogs(True)))
    after = members(book)
    for part in (
        "xl/vbaProject.bin",
        "customUI/customUI.xml",
        "customUI/customUI14.xml",
        "_rels/.rels",
        "[Content_Types].xml",
        "xl/styles.xml",
        "xl/worksheets/sheet1.xml",
        "xl/worksheets/sheet5.xml",
        "xl/_rels/workbook.xml.rels",
    ):
        assert after[part] == original[part], part
    names = re.compile(rb"<definedNames>.*</definedNames>")
    assert names.search(after["xl/workbook.xml"]).group(0) == names.search(
        original["xl/workbook.xml"]
    ).group(0)
    for part in (SAGE_PART, TURBO_PART):
        tail = re.compile(rb"</sheetData>.*", re.DOTALL)
        assert tail.search(after[part]).group(0) == tail.search(original[part]).group(0)


def table_refs(path: Path, table: str = "xl/tables/table1.xml") -> tuple[str, str, str]:
    parts = members(path)
    xml = parts[table].decode()
    sheet = parts[SAGE_PART].decode()
    return (
        re.search(r'<table\b[^>]*\sref="([^"]*)"', xml).group(1),
        re.search(r'<autoFilter\b[^>]*\sref="([^"]*)"', xml).group(1),
        re.search(r'<dimension ref="([^"]*)"', sheet).group(1),
    )


def sage_row(record_id: str) -> list[object]:
    row: list[object] = [None] * len(SAGE_COLUMNS)
    row[1], row[2], row[NAME] = "NEW", record_id, f"Name of {record_id}"
    row[-3] = f"customers:{record_id}"
    row[-2] = "fingerprint"
    return row


def test_the_table_ref_autofilter_and_dimension_follow_the_rows(book):
    port = open_book(book)
    port.write_table(SAGE_ONLY, [sage_row(f"ID{n}") for n in range(3)])
    port.finish()
    assert table_refs(book) == (f"A5:{LAST}8",) * 2 + (f"A1:{LAST}8",)
    port = open_book(book)
    port.write_table(SAGE_ONLY, [sage_row("ONLY")])
    port.finish()
    assert table_refs(book) == (f"A5:{LAST}6",) * 2 + (f"A1:{LAST}6",)
    sheet = load_workbook(book)[SAGE_ONLY]
    assert all(c.value is None for row in sheet.iter_rows(min_row=7) for c in row)
    port = open_book(book)
    port.write_table(SAGE_ONLY, [])
    port.finish()
    assert table_refs(book)[:2] == (f"A5:{LAST}6",) * 2
    assert open_book(book).read_table(SAGE_ONLY).rows == []
    assert open_book(book).read_range(SAGE_ONLY, "A1")[0][0].startswith("Sage50-only:")


def test_append_rows_grows_the_log_table(book):
    port = open_book(book)
    port.append_rows(LOG, [["t1", "me", "co", "Refresh", "1", None, None]])
    port.append_rows(LOG, [["t2", "me", "co", "Refresh", "2", None, None]] * 2)
    assert [r[4] for r in port.read_table(LOG).rows] == ["1", "2", "2"]
    port.finish()
    assert table_refs(book, "xl/tables/table3.xml")[:2] == ("A5:G8",) * 2
    assert [r[4] for r in open_book(book).read_table(LOG).rows] == ["1", "2", "2"]


def awkward_rows() -> list[list[object]]:
    rows = []
    for index, (value, _) in enumerate(AWKWARD):
        row = sage_row(f"R{index}")
        row[NAME] = value
        row[LIMIT] = value if not isinstance(value, str) else None
        rows.append(row)
    return rows


def expected(column: int, reader: str) -> list[object]:
    found = []
    for value, back in AWKWARD:
        if column == LIMIT and isinstance(value, str):
            back = None
        if reader == "calamine":
            back = "" if back is None else float(back) if type(back) is int else back
        found.append(back)
    return found


def test_awkward_values_come_back_the_same_through_every_reader(book):
    port = open_book(book)
    port.write_table(SAGE_ONLY, awkward_rows())
    for column in (NAME, LIMIT):  # before the save, from what was written
        assert [r[column] for r in port.read_table(SAGE_ONLY).rows] == expected(column, "port")
    port.finish()

    table = open_book(book).read_table(SAGE_ONLY)
    for column in (NAME, LIMIT):
        assert [r[column] for r in table.rows] == expected(column, "port")

    rows = CalamineWorkbook.from_path(str(book)).get_sheet_by_name(SAGE_ONLY).to_python()
    body = rows[HEADER_ROW : HEADER_ROW + len(AWKWARD)]
    for column in (NAME, LIMIT):
        assert [r[column] for r in body] == expected(column, "calamine")

    sheet = load_workbook(book)[SAGE_ONLY]
    for column in (NAME, LIMIT):
        cells = [sheet.cell(HEADER_ROW + 1 + i, column + 1) for i in range(len(AWKWARD))]
        assert [c.value for c in cells] == expected(column, "openpyxl")
        # text is text, never a formula; the columns keep the builder's formats
        assert all(c.data_type in ("s", "n", "b") for c in cells)
        formats = {c.number_format for c in cells}
        assert formats == {"@"} if column == NAME else formats == {"#,##0.00"}


def test_libreoffice_reads_the_awkward_values(book, tmp_path):
    soffice = libreoffice()
    if soffice is None:
        pytest.skip("LibreOffice not installed (apt-get install libreoffice-calc-nogui)")
    port = open_book(book)
    port.write_table(SAGE_ONLY, awkward_rows())
    port.finish()
    rows = CalamineWorkbook.from_path(str(convert(soffice, book, "ods", tmp_path)))
    body = rows.get_sheet_by_name(SAGE_ONLY).to_python()[HEADER_ROW : HEADER_ROW + len(AWKWARD)]

    def seen(value: object) -> object:
        """LibreOffice keeps a carriage return as a line break, and its tab as
        <text:tab/>, which python-calamine's ODS reader leaves out."""
        return value.replace("\r", "\n").replace("\t", "") if isinstance(value, str) else value

    assert [seen(r[NAME]) for r in body] == [seen(v) for v in expected(NAME, "calamine")]
    assert all(r[-1] == 1 for r in body)  # the Visible formula, calculated


def convert(soffice: str, path: Path, target: str, folder: Path) -> Path:
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{folder}/profile",
            "--headless",
            "--convert-to",
            target,
            "--outdir",
            str(folder),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return folder / f"{path.stem}.{target.split(':')[0]}"


def test_a_workbook_saved_by_another_program_goes_through_every_step(book, tmp_path):
    """Saved by LibreOffice, as a bookkeeper's Excel would save it: shared strings,
    the program's own row and view attributes (tabSelected="false", hidden="false"),
    cached formula results. Check All, Synchronize and Refresh work on it, and the
    result opens again in LibreOffice and openpyxl."""
    soffice = libreoffice()
    if soffice is None:
        pytest.skip("LibreOffice not installed (apt-get install libreoffice-calc-nogui)")
    assert macros.refresh(open_book(book, Dialogs(True, False)))
    saved = convert(soffice, book, "xlsm:Calc MS Excel 2007 VBA XML", tmp_path / "saved")
    parts = members(saved)
    assert "xl/sharedStrings.xml" in parts
    # saved while the Setup sheet was showing
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(b'activeTab="1"', b'activeTab="0"')
    for part, selected in (("xl/worksheets/sheet1.xml", b"true"), (SAGE_PART, b"false")):
        parts[part] = re.sub(rb'tabSelected="\w+"', b'tabSelected="' + selected + b'"', parts[part])
    book.write_bytes(write_parts(parts))
    assert macros.check_all(open_book(book))
    dialogs = Dialogs(True)
    finished = macros.synchronize(open_book(book, dialogs))
    assert finished is not None and finished.synchronized is not None, dialogs.alerts
    assert finished.synchronized.summary().startswith("Import completed: 10 created, 8 updated")
    table = open_book(book).read_table(SAGE_ONLY)
    results = {r[2]: r[table.column("Result")] for r in table.rows}
    assert results["PROSPECT1"] == "created" and results["DIFFNAME"].startswith("updated")
    assert macros.refresh(open_book(book, Dialogs(True, False)))
    ids = [r[2] for r in open_book(book).read_table(SAGE_ONLY).rows]
    assert "PROSPECT1" not in ids and "PROSPECT5" in ids
    views = [
        re.search(r"<sheetView\b[^>]*>", xml.decode()).group(0)
        for name, xml in members(book).items()
        if name.startswith("xl/worksheets/sheet")
    ]
    assert all(v.count("tabSelected") <= 1 for v in views), views  # never twice
    assert ['tabSelected="true"' in v or 'tabSelected="1"' in v for v in views] == [
        False,
        True,
        False,
        False,
        False,
    ]
    assert load_workbook(book)[SAGE_ONLY]["C6"].value == ids[0]
    again = convert(soffice, book, "ods", tmp_path / "again")
    rows = CalamineWorkbook.from_path(str(again)).get_sheet_by_name(SAGE_ONLY).to_python()
    assert [r[2] for r in rows[HEADER_ROW : HEADER_ROW + len(ids)]] == ids


def test_hidden_rows_survive_a_write_column(book):
    assert macros.refresh(open_book(book, Dialogs(True, False)))
    hide_rows(book, SAGE_ONLY, (7, 9))
    port = open_book(book)
    table = port.read_table(SAGE_ONLY)
    assert port.hidden_rows(SAGE_ONLY) == {1, 3}
    port.write_column(SAGE_ONLY, INCLUDE, ["x"] * len(table.rows))
    port.finish()
    assert open_book(book).hidden_rows(SAGE_ONLY) == {1, 3}
    sheet = load_workbook(book)[SAGE_ONLY]
    assert {n for n in range(6, 6 + len(table.rows)) if sheet.row_dimensions[n].hidden} == {7, 9}
    assert all(r[0] == "x" for r in open_book(book).read_table(SAGE_ONLY).rows)


def test_clear_filter_shows_the_rows_and_drops_the_filter(book):
    assert macros.refresh(open_book(book, Dialogs(True, False)))
    hide_rows(book, SAGE_ONLY, (6, 8))
    parts = members(book)
    table = parts["xl/tables/table1.xml"].decode()
    filtered = re.sub(
        r'<autoFilter ref="([^"]*)"\s*/>',
        r'<autoFilter ref="\1"><filterColumn colId="1"><filters><filter val="NEW"/>'
        r"</filters></filterColumn></autoFilter>",
        table,
        count=1,
    )
    parts["xl/tables/table1.xml"] = filtered.encode()
    book.write_bytes(write_parts(parts))
    assert "<filterColumn" in members(book)["xl/tables/table1.xml"].decode()
    port = open_book(book)
    assert port.hidden_rows(SAGE_ONLY) == {0, 2}
    port.clear_filter(SAGE_ONLY)
    port.finish()
    assert open_book(book).hidden_rows(SAGE_ONLY) == set()
    assert "<filterColumn" not in members(book)["xl/tables/table1.xml"].decode()


def test_the_active_sheet_alone_has_its_tab_selected(book):
    """Excel saves tabSelected on the sheet it showed: left there, Excel would open
    Setup and Sage50-only grouped."""
    parts = members(book)
    setup = parts["xl/worksheets/sheet1.xml"].decode()
    parts["xl/worksheets/sheet1.xml"] = setup.replace(
        "<sheetView ", '<sheetView tabSelected="1" ', 1
    ).encode()
    book.write_bytes(write_parts(parts))
    assert macros.refresh(open_book(book, Dialogs(True, False)))
    after = members(book)
    assert 'activeTab="1"' in after["xl/workbook.xml"].decode()
    assert "tabSelected" not in after["xl/worksheets/sheet1.xml"].decode()
    assert 'tabSelected="1"' in after[SAGE_PART].decode()
    assert load_workbook(book).active.title == SAGE_ONLY


def test_a_calculation_chain_is_dropped_once_cells_are_rewritten(book):
    parts = members(book)
    parts["xl/calcChain.xml"] = b'<calcChain xmlns="x"><c r="AA6" i="2"/></calcChain>'
    parts["xl/_rels/workbook.xml.rels"] = (
        parts["xl/_rels/workbook.xml.rels"]
        .decode()
        .replace(
            "</Relationships>",
            '<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/calcChain" Target="calcChain.xml"/></Relationships>',
        )
        .encode()
    )
    parts["[Content_Types].xml"] = (
        parts["[Content_Types].xml"]
        .decode()
        .replace(
            "</Types>",
            '<Override PartName="/xl/calcChain.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.calcChain+xml"/></Types>',
        )
        .encode()
    )
    book.write_bytes(write_parts(parts))
    assert macros.refresh(open_book(book, Dialogs(True, False)))
    after = members(book)
    assert "xl/calcChain.xml" not in after
    assert "calcChain" not in after["xl/_rels/workbook.xml.rels"].decode()
    assert "calcChain" not in after["[Content_Types].xml"].decode()
    assert 'fullCalcOnLoad="1"' in after["xl/workbook.xml"].decode()


def test_a_renamed_header_renames_the_tables_column_and_refresh_puts_it_back(book):
    port = open_book(book)
    port.write_cell(SAGE_ONLY, "A5", "Tick")
    port.finish()
    assert '<tableColumn id="1" name="Tick"' in members(book)["xl/tables/table1.xml"].decode()
    assert macros.refresh(open_book(book, Dialogs(True, False)))
    assert '<tableColumn id="1" name="Include"' in members(book)["xl/tables/table1.xml"].decode()


def test_each_sheet_is_read_once_and_the_file_once(book, monkeypatch):
    assert macros.refresh(open_book(book, Dialogs(True, False)))
    assert macros.check_all(open_book(book))
    import python_calamine

    opened: list[object] = []
    sheets: list[str] = []
    real = python_calamine.CalamineWorkbook

    class Counting:
        @staticmethod
        def from_filelike(data):
            opened.append(data)
            workbook = real.from_filelike(data)

            class Reader:
                def get_sheet_by_name(self, name):
                    sheets.append(name)
                    return workbook.get_sheet_by_name(name)

            return Reader()

    monkeypatch.setattr(python_calamine, "CalamineWorkbook", Counting)
    reads: list[Path] = []
    real_read = Path.read_bytes

    def read_bytes(path: Path) -> bytes:
        reads.append(path)
        return real_read(path)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    assert macros.synchronize(open_book(book, Dialogs(True)))
    assert reads.count(book) == 1
    assert len(opened) == 1
    # each sheet read at most once; the two lists' columns come from their bytes (no parse)
    assert sorted(sheets) == sorted({SETUP, LOG})


def test_not_a_worksheet_it_can_edit_is_a_plain_error(book):
    parts = members(book)
    parts[SAGE_PART] = re.sub(
        rb"<(/?)(\w+)", rb"<\1x:\2", parts[SAGE_PART].replace(b"xmlns=", b"xmlns:x=")
    )
    book.write_bytes(write_parts(parts))
    with pytest.raises(WorkbookError, match="the Sage50-only sheet cannot be read"):
        open_book(book).write_column(SAGE_ONLY, INCLUDE, [])


def test_the_illegal_characters_are_openpyxls_and_the_rest_xml_cannot_hold():
    """openpyxl's pattern misses lone surrogates, U+FFFE and U+FFFF: XML 1.0 holds
    neither, and a sheet holding one is not well-formed."""
    for code in range(0x10000):
        character = chr(code)
        cannot = OPENPYXL_ILLEGAL.match(character) or 0xD800 <= code <= 0xDFFF or code >= 0xFFFE
        assert bool(sheet_xml.ILLEGAL_CHARACTERS_RE.match(character)) == bool(cannot), hex(code)


# the sheet XML on its own: what Excel and other writers produce


EXCEL_LIKE = (
    '<worksheet xmlns="main"><dimension ref="A1:C3"/><cols><col min="1" max="2" style="4"/>'
    "</cols><sheetData>"
    '<row r="1" spans="1:3"><c r="A1" s="9" t="s"><v>0</v></c><c r="C1"><v>3</v></c></row>'
    '<row spans="1:3" hidden="1"><c t="s"><v>1</v></c><c><v>2</v></c></row>'
    '<row r="5" ht="30" customHeight="1"/>'
    "</sheetData><tableParts/></worksheet>"
)


def cells_of(xml: SheetXml, number: int) -> list[str]:
    return re.findall(r'<c r="([A-Z]+\d+)"', xml.rows[number])


def test_rows_and_cells_without_a_reference_are_numbered_as_excel_does():
    xml = SheetXml(EXCEL_LIKE)
    assert set(xml.rows) == {1, 2, 5}
    assert xml.is_hidden(2) and not xml.is_hidden(1)
    xml.put_cell(2, 3, "new")
    assert cells_of(xml, 2) == ["A2", "B2", "C2"]
    assert xml.is_hidden(2)
    xml.show(2)
    assert not xml.is_hidden(2)


def test_a_cell_keeps_its_style_and_a_new_one_takes_its_columns():
    xml = SheetXml(EXCEL_LIKE)
    xml.put_cell(1, 1, "replaced")
    xml.put_cell(1, 2, 5)
    assert 'r="A1" s="9" t="inlineStr"' in xml.rows[1]
    assert '<c r="B1" s="4"><v>5</v></c>' in xml.rows[1]
    assert cells_of(xml, 1) == ["A1", "B1", "C1"]
    assert "spans" not in xml.rows[1]


def test_replacing_table_cells_keeps_the_rows_other_cells_and_attributes():
    xml = SheetXml(EXCEL_LIKE)
    xml.replace_cells(1, 1, 2, '<c r="A1"/><c r="B1"/>')
    assert xml.rows[1] == '<row r="1"><c r="A1"/><c r="B1"/><c r="C1"><v>3</v></c></row>'
    xml.replace_cells(5, 1, 2, "")
    assert xml.rows[5] == '<row r="5" ht="30" customHeight="1"/>'
    xml.replace_cells(1, 1, 3, "")
    assert 1 not in xml.rows


def test_the_dimension_covers_every_cell():
    xml = SheetXml(EXCEL_LIKE)
    xml.put_cell(7, 4, "far")
    text = b"".join(xml.chunks()).decode()
    assert '<dimension ref="A1:D7"/>' in text
    assert text.endswith("</sheetData><tableParts/></worksheet>")


def col_elements(xml: SheetXml) -> list[str]:
    return re.findall(r"<col [^>]*/>", xml.head)


def test_a_column_spanned_by_one_col_is_split_to_hide_it_and_shown_again():
    xml = SheetXml(EXCEL_LIKE)
    assert xml.show_column(2, False, 12)
    assert col_elements(xml) == [
        '<col min="1" max="1" style="4"/>',
        '<col min="2" max="2" style="4" width="12" hidden="1"/>',
    ]
    assert not xml.show_column(2, False, 12)  # already hidden: nothing changes
    assert xml.show_column(2, True, 12)
    assert col_elements(xml)[1] == '<col min="2" max="2" style="4" width="12"/>'
    assert xml.styles == {1: 4, 2: 4}


def test_a_column_hidden_by_zero_width_is_shown_at_its_width_and_cols_are_added():
    xml = SheetXml(EXCEL_LIKE.replace('style="4"/>', 'width="0" customWidth="1"/>'))
    assert xml.show_column(1, True, 18)
    assert col_elements(xml)[0] == '<col min="1" max="1" width="18" customWidth="1"/>'
    bare = SheetXml('<worksheet xmlns="main"><sheetFormatPr/><sheetData/></worksheet>')
    assert not bare.show_column(3, True, 9)  # a column without <col> shows already
    assert bare.show_column(3, False, 9)
    assert bare.head.endswith(
        '<sheetFormatPr/><cols><col min="3" max="3" width="9" hidden="1"/></cols><sheetData>'
    )


@pytest.mark.parametrize("entity", ENTITIES.values(), ids=list(ENTITIES))
def test_each_entity_shows_only_its_columns_in_the_file(book, entity):
    """What Refresh does for each entity, read back by openpyxl: the other entities'
    columns hidden, the always-hidden ones still hidden, the rest shown."""
    port = open_book(book)
    for sheet in (SAGE_ONLY, TURBO_ONLY):
        port.show_columns(sheet, entity_columns(TABLE_COLUMNS[sheet], entity))
    port.finish()
    saved = load_workbook(book)
    for sheet in (SAGE_ONLY, TURBO_ONLY):
        columns = TABLE_COLUMNS[sheet]
        dimensions = saved[sheet].column_dimensions
        hidden = {c.title for i, c in enumerate(columns) if dimensions[column_letter(i)].hidden}
        assert hidden >= {c.title for c in columns if c.hidden}
        shown_by_field = {c.field for c in columns if c.field and c.title not in hidden}
        assert shown_by_field == shown_fields(entity), sheet


def test_a_prefixed_sheet_is_refused():
    with pytest.raises(sheet_xml.SheetXmlError, match="prefix"):
        SheetXml('<x:worksheet xmlns:x="main"><x:sheetData/></x:worksheet>')


# the package on its own


class Unseekable(io.RawIOBase):
    """A stream zipfile cannot seek back in: it writes data descriptors after each
    member, as streaming writers do."""

    def __init__(self) -> None:
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, chunk) -> int:
        self.data += chunk
        return len(chunk)


def test_the_package_copies_members_as_stored_and_replaces_only_the_named_ones():
    stream = Unseekable()
    with zipfile.ZipFile(stream, "w") as archive:
        archive.writestr("stored.txt", b"kept as stored " * 50, zipfile.ZIP_STORED)
        archive.writestr("deflated.xml", b"<a>kept</a>" * 500, zipfile.ZIP_DEFLATED)
        archive.writestr("Résumé/ünïcode.xml", b"<b/>", zipfile.ZIP_DEFLATED)
        archive.writestr("replaced.xml", b"old", zipfile.ZIP_DEFLATED)
        archive.writestr("dropped.xml", b"gone", zipfile.ZIP_DEFLATED)
    original = bytes(stream.data)
    assert zipfile.ZipFile(io.BytesIO(original)).getinfo("stored.txt").flag_bits & 0x08
    package = Package(original)
    out = io.BytesIO()
    package.write(
        out,
        {
            "replaced.xml": lambda: iter([b"new ", b"in ", b"pieces"]),
            "dropped.xml": None,
            "added.xml": b"<added/>",
        },
    )
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as written:
        assert written.testzip() is None
        assert written.namelist() == [
            "stored.txt",
            "deflated.xml",
            "Résumé/ünïcode.xml",
            "replaced.xml",
            "added.xml",
        ]
        assert written.read("replaced.xml") == b"new in pieces"
        assert written.read("added.xml") == b"<added/>"
        assert written.getinfo("stored.txt").compress_type == zipfile.ZIP_STORED
        for name in ("stored.txt", "deflated.xml", "Résumé/ünïcode.xml"):
            assert written.read(name) == package.read(name)


EXCEL_LAST_ROW = 1_048_576


@pytest.mark.parametrize("sheet", [SAGE_ONLY, TURBO_ONLY])
def test_validation_and_formats_cover_every_row_excel_has(book, sheet):
    """100,000 customers fill rows 6 to 100,005: the tick check, the greying and the status
    colours must reach them (and every row after), before and after a Refresh."""
    assert macros.refresh(open_book(book, Dialogs(True, False)))
    for path in (workbook_path(), book):
        worksheet = load_workbook(path)[sheet]
        ranges = [str(v.sqref) for v in worksheet.data_validations.dataValidation]
        ranges += [str(f.sqref) for f in worksheet.conditional_formatting]
        assert ranges
        for found in ranges:
            assert re.fullmatch(rf"[A-Z]+{HEADER_ROW + 1}:[A-Z]+{EXCEL_LAST_ROW}", found), found


def test_a_formula_without_a_saved_result_is_told_from_one_with_a_result():
    xml = SheetXml(
        "<worksheet><sheetData>"
        '<row r="6"><c r="A6"><f>TRUE()</f><v /></c><c r="B6" t="b"><f>TRUE()</f><v>1</v></c>'
        '<c r="C6"><f>1&lt;2</f></c><c r="D6" t="inlineStr"><is><t>x</t></is></c>'
        '<c r="E6" t="b"><f t="shared" si="0"/><v>0</v></c></row>'
        "</sheetData></worksheet>"
    )
    assert xml.uncalculated(6, 1) == "=TRUE()"
    assert xml.uncalculated(6, 3) == "=1<2"
    assert [xml.uncalculated(6, c) for c in (2, 4, 5, 6)] == [None] * 4
    assert xml.uncalculated(7, 1) is None


def refresh_not_in_sync(path: Path) -> macros.Finished:
    finished = macros.refresh(open_book(path, Dialogs(True, False)))
    assert finished
    return finished


def sheet_cells(path: Path, sheet: str) -> dict[str, object]:
    worksheet = load_workbook(path)[sheet]
    return {c.coordinate: c.value for row in worksheet.iter_rows() for c in row if c.value}


def test_what_the_bookkeeper_put_under_a_table_moves_down_as_it_grows(book):
    """The table takes the empty row under it, then rows are inserted above the first
    thing below: a note, a note far right, a merged block, a hyperlink, a validation and a
    conditional format all move down together, none is overwritten or swallowed."""
    from openpyxl.formatting.rule import CellIsRule
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    port = open_book(book)
    port.write_table(SAGE_ONLY, [sage_row("ONLY")])  # the table: rows 5 and 6
    port.finish()

    def place(workbook) -> None:
        sheet = workbook[SAGE_ONLY]
        sheet["B8"] = "my note"
        sheet["AM9"] = "far right"
        sheet.merge_cells("C10:E11")
        sheet["C10"] = "merged block"
        sheet["F12"] = "link"
        sheet["F12"].hyperlink = "https://example.com/"
        choices = DataValidation(type="list", formula1='"yes,no"')
        sheet.add_data_validation(choices)
        choices.add("G13")
        sheet.conditional_formatting.add(
            "H14", CellIsRule(operator="equal", formula=["1"], font=Font(bold=True))
        )

    edit_workbook(book, place)
    refresh_not_in_sync(book)
    rows = open_book(book).read_table(SAGE_ONLY).rows
    last = HEADER_ROW + len(rows)
    assert len(rows) == 30 and table_refs(book)[0] == f"A5:{LAST}{last}"
    sheet = load_workbook(book)[SAGE_ONLY]
    assert sheet[f"B{last + 1}"].value == "my note"  # row 7 was free: taken first
    assert sheet[f"AM{last + 2}"].value == "far right"
    assert [str(r) for r in sheet.merged_cells.ranges] == [f"C{last + 3}:E{last + 4}"]
    assert sheet[f"C{last + 3}"].value == "merged block"
    assert sheet[f"F{last + 5}"].value == "link"
    assert sheet[f"F{last + 5}"].hyperlink.target == "https://example.com/"
    validations = {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation}
    assert validations[f"G{last + 6}"] == '"yes,no"'
    assert f"A{HEADER_ROW + 1}:A1048576" in validations  # the tick check still covers all
    formats = [str(f.sqref) for f in sheet.conditional_formatting]
    assert f"H{last + 7}" in formats and f"A{HEADER_ROW + 1}:{LAST}1048576" in formats
    assert all(r[2] not in ("my note", "merged block") for r in rows)


def test_a_note_under_the_log_moves_down_as_runs_are_logged(book):
    edit_workbook(book, lambda workbook: workbook[LOG].cell(HEADER_ROW + 2, 1, "keep me"))
    for number in range(3):
        refresh_not_in_sync(book)
        log = open_book(book).read_table(LOG)
        assert [r[3] for r in log.rows] == ["Refresh"] * (number + 1)
        below = max(HEADER_ROW + 2, HEADER_ROW + 1 + len(log.rows))
        assert sheet_cells(book, LOG)[f"A{below}"] == "keep me"


def add_table_column(path: Path, sheet_name: str, at: int, title: str, value: str) -> None:
    """What Excel does when the bookkeeper inserts a column inside the table: the cells
    from that column on move right, and the table gets a column of that name."""
    from openpyxl.worksheet.table import TableColumn

    def change(workbook) -> None:
        sheet = workbook[sheet_name]
        table = next(iter(sheet.tables.values()))
        sheet.insert_cols(at)
        sheet.cell(HEADER_ROW, at, title)
        sheet.cell(HEADER_ROW + 1, at, value)
        last = column_letter(len(table.tableColumns))
        rows = table.ref.split(":")[1].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        table.ref = table.autoFilter.ref = f"A{HEADER_ROW}:{last}{rows}"
        table.tableColumns.insert(at - 1, TableColumn(id=100, name=title))

    edit_workbook(path, change)


def test_a_column_added_inside_a_table_is_named_and_nothing_is_written(book, tmp_path):
    refresh_not_in_sync(book)
    add_table_column(book, SAGE_ONLY, 5, "My notes", "call back")
    sheet_before = sheet_cells(book, SAGE_ONLY)
    table_before = members(book)["xl/tables/table1.xml"]
    dialogs = Dialogs(True, False)
    assert macros.refresh(open_book(book, dialogs)) is None
    message = dialogs.alerts[-1]
    assert "the table SageOnly has 36 columns where SMSync fills 35" in message
    assert "'My notes' (column E) was added to it" in message
    assert "Sage50-only sheet, header row 5" in message and "Nothing was changed." in message
    assert sheet_cells(book, SAGE_ONLY) == sheet_before
    assert members(book)["xl/tables/table1.xml"] == table_before


def test_a_formula_under_a_growing_table_is_refused_before_anything_is_written(book):
    port = open_book(book)
    port.write_table(SAGE_ONLY, [sage_row("ONLY")])
    port.finish()
    edit_workbook(book, lambda workbook: workbook[SAGE_ONLY].cell(9, 2, "=1+1"))
    before = {s: sheet_cells(book, s) for s in (SAGE_ONLY, TURBO_ONLY)}
    dialogs = Dialogs(True, False)
    assert macros.refresh(open_book(book, dialogs)) is None
    message = dialogs.alerts[-1]
    assert message.startswith("Sage50-only sheet, cell B9: the table SageOnly needs 27 more")
    assert "a cell under it holds a formula" in message and "Press the button in Excel" in message
    assert {s: sheet_cells(book, s) for s in (SAGE_ONLY, TURBO_ONLY)} == before


def test_a_deleted_table_column_is_put_back_with_a_consistent_table(book):
    """Excel removes a table column when the bookkeeper deletes it (and moves the rules
    of the columns right of it along); Refresh writes it again at the right, leaving the
    others where they are, and the table lists each once, ids kept, count right."""
    refresh_not_in_sync(book)

    def delete_column(workbook) -> None:
        sheet = workbook[SAGE_ONLY]
        table = sheet.tables["SageOnly"]
        sheet.delete_cols(4)
        del table.tableColumns[3]
        rows = table.ref.split(":")[1].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        last = column_letter(len(table.tableColumns) - 1)
        table.ref = table.autoFilter.ref = f"A{HEADER_ROW}:{last}{rows}"

    edit_workbook(book, delete_column)
    refresh_not_in_sync(book)
    xml = members(book)["xl/tables/table1.xml"].decode()
    names = re.findall(r'<tableColumn\b[^>]*\sname="([^"]*)"', xml)
    titles = [c.title for c in SAGE_COLUMNS]
    titles.append(titles.pop(3))
    assert names == [html.escape(t) for t in titles]
    assert f'<tableColumns count="{len(SAGE_COLUMNS)}"' in xml
    ids = [int(i) for i in re.findall(r'<tableColumn\b[^>]*\sid="(\d+)"', xml)]
    assert len(set(ids)) == len(ids)
    assert open_book(book).read_table(SAGE_ONLY).header == titles


def test_a_note_excel_took_into_the_table_is_named_and_nothing_is_written(book):
    """Typed right under a table, a row becomes part of it in Excel: it has no record, and
    Refresh names it instead of writing over it."""
    refresh_not_in_sync(book)
    rows = len(open_book(book).read_table(SAGE_ONLY).rows)
    note = HEADER_ROW + rows + 1

    def type_under(workbook) -> None:
        sheet = workbook[SAGE_ONLY]
        sheet.cell(note, 3, "ask Pat about these")
        table = sheet.tables["SageOnly"]
        table.ref = table.autoFilter.ref = f"A{HEADER_ROW}:{LAST}{note}"

    edit_workbook(book, type_under)
    before = sheet_cells(book, SAGE_ONLY)
    workbook = book.read_bytes()
    dialogs = Dialogs(True, False)
    assert macros.refresh(open_book(book, dialogs)) is None
    message = dialogs.alerts[-1]
    assert message.startswith(f"Sage50-only sheet, cell C{note}: row {note} of the table")
    assert "'ask Pat about these'" in message and "no SMSync record" in message
    assert "paste it two or more rows under the table" in message
    assert sheet_cells(book, SAGE_ONLY) == before
    assert book.read_bytes() == workbook  # not even a Log row: nothing was changed


def test_set_columns_keeps_each_columns_element_by_name_and_drops_lost_filters():
    from smsync_xl.book.table_xml import TablePart

    table = TablePart(
        '<table id="1" name="T" displayName="T" ref="A5:C9"><autoFilter ref="A5:C9">'
        '<filterColumn colId="0"><filters><filter val="x"/></filters></filterColumn>'
        '<filterColumn colId="2"><filters><filter val="y"/></filters></filterColumn>'
        '</autoFilter><tableColumns count="3"><tableColumn id="1" name="A"/>'
        '<tableColumn id="7" name="B" dataDxfId="3"><calculatedColumnFormula>1+1'
        '</calculatedColumnFormula></tableColumn><tableColumn id="2" name="C"/></tableColumns>'
        "</table>"
    )
    table.set_columns(["B", "A"])
    assert table.changed and table.column_names() == ["B", "A"]
    assert '<tableColumns count="2"><tableColumn id="7" name="B" dataDxfId="3">' in table.xml
    assert "<calculatedColumnFormula>1+1" in table.xml
    assert 'colId="0"' in table.xml and 'colId="2"' not in table.xml
    table.set_columns(["B", "A", "New &"])
    assert '<tableColumn id="8" name="New &amp;"/>' in table.xml
    assert table.column_names() == ["B", "A", "New &"]


def test_inserted_rows_move_cells_and_every_range_below_and_stretch_those_across():
    xml = SheetXml(
        '<worksheet><dimension ref="A1"/><sheetData><row r="6"><c r="A6"><v>1</v></c></row>'
        '<row r="8" ht="30" customHeight="1"><c r="B8" t="inlineStr"><is><t>note</t></is></c>'
        '<c r="AM8" s="2"/></row></sheetData>'
        '<mergeCells count="2"><mergeCell ref="C8:D9"/><mergeCell ref="A7:A8"/></mergeCells>'
        '<conditionalFormatting sqref="A6:B1048576 E8"><cfRule type="expression"/>'
        '</conditionalFormatting><dataValidations count="1"><dataValidation sqref="F10"/>'
        '</dataValidations><hyperlinks><hyperlink ref="G8" r:id="rId1"/></hyperlinks>'
        "<extLst><x14:dataValidation><xm:sqref>H8:H9</xm:sqref></x14:dataValidation></extLst>"
        "</worksheet>"
    )
    assert xml.first_used_row(after=6) == (7, "A7")  # the merged block's top
    assert xml.formula_from(7) is None
    xml.insert_rows(8, 3)
    assert sorted(xml.rows) == [6, 11]
    assert xml.rows[11].startswith('<row r="11" ht="30" customHeight="1"><c r="B11" ')
    assert '<c r="AM11" s="2"/>' in xml.rows[11]
    for part in (
        '<mergeCell ref="C11:D12"/>',
        '<mergeCell ref="A7:A11"/>',
        'sqref="A6:B1048576 E11"',
        'sqref="F13"',
        '<hyperlink ref="G11" ',
        "<xm:sqref>H11:H12</xm:sqref>",
    ):
        assert part in xml.tail, part
    assert b'<dimension ref="A6:AM11"/>' in b"".join(xml.chunks())


def _named_note(workbook) -> None:
    from openpyxl.workbook.defined_name import DefinedName

    workbook.defined_names["MyNote"] = DefinedName("MyNote", attr_text="'Sage50-only'!$B$9")


def _validation_from(sheet: str, cell: str, source: str):
    def change(workbook) -> None:
        from openpyxl.worksheet.datavalidation import DataValidation

        choices = DataValidation(type="list", formula1=source)
        workbook[sheet].add_data_validation(choices)
        choices.add(cell)

    return change


def _format_by(sheet: str, cell: str, formula: str):
    def change(workbook) -> None:
        from openpyxl.formatting.rule import FormulaRule
        from openpyxl.styles import Font

        rule = FormulaRule(formula=[formula], font=Font(bold=True))
        workbook[sheet].conditional_formatting.add(cell, rule)

    return change


def _link_to(sheet: str, cell: str, location: str):
    def change(workbook) -> None:
        from openpyxl.worksheet.hyperlink import Hyperlink

        workbook[sheet][cell] = "go"
        workbook[sheet][cell].hyperlink = Hyperlink(ref=cell, location=location)

    return change


def _chart_on_setup(workbook) -> None:
    from openpyxl.chart import BarChart, Reference

    chart = BarChart()
    chart.add_data(Reference(workbook[SAGE_ONLY], min_col=2, min_row=9, max_row=10))
    workbook[SETUP].add_chart(chart, "K2")


@pytest.mark.parametrize(
    ("reference", "refused"),
    [
        (_named_note, "a defined name points below it"),
        (_chart_on_setup, "a chart takes its data from there"),
        (
            lambda wb: wb[SETUP].cell(40, 9, "='Sage50-only'!B9"),
            "the formula in cell I40 of the Setup sheet points there",
        ),
        (lambda wb: wb[SETUP].cell(40, 9, "='Sage50-only'!A2"), None),
        (lambda wb: wb[SETUP].cell(40, 9, "=B9+LOG10(100)"), None),
        (
            lambda wb: wb[SAGE_ONLY].cell(1, 36, "=B9"),
            "the formula in cell AJ1 of the Sage50-only sheet points there",
        ),
        (
            _validation_from(SAGE_ONLY, "AK2", "$B$9:$B$10"),
            "the data validation on cell AK2 of the Sage50-only sheet uses cells there",
        ),
        (
            _format_by(SAGE_ONLY, "AK2", '$B$9="my note"'),
            "the conditional format on cell AK2 of the Sage50-only sheet uses cells there",
        ),
        (
            _link_to(SAGE_ONLY, "AK2", "B9"),
            "the hyperlink in cell AK2 of the Sage50-only sheet leads there",
        ),
        (
            _link_to(SETUP, "I40", "'Sage50-only'!B9"),
            "the hyperlink in cell I40 of the Setup sheet leads there",
        ),
        (
            _validation_from(SETUP, "I40", "'Sage50-only'!$B$9:$B$10"),
            "the data validation on cell I40 of the Setup sheet uses cells there",
        ),
        (
            _format_by(SETUP, "I40", "'Sage50-only'!$B$9=1"),
            "the conditional format on cell I40 of the Setup sheet uses cells there",
        ),
    ],
    ids=[
        "defined name",
        "chart on another sheet",
        "formula below",
        "formula above",
        "another sheet's own rows",
        "same-sheet formula",
        "same-sheet validation list",
        "same-sheet format",
        "same-sheet hyperlink",
        "hyperlink from another sheet",
        "validation list from another sheet",
        "format on another sheet",
    ],
)
def test_what_points_at_moving_rows_is_refused_by_the_headless_port(book, reference, refused):
    port = open_book(book)
    port.write_table(SAGE_ONLY, [sage_row("ONLY")])
    port.finish()

    def change(workbook) -> None:
        workbook[SAGE_ONLY]["B9"] = "my note"
        reference(workbook)

    edit_workbook(book, change)
    before = book.read_bytes()
    dialogs = Dialogs(True, False)
    finished = macros.refresh(open_book(book, dialogs))
    if refused is None:
        assert finished
        rows = len(open_book(book).read_table(SAGE_ONLY).rows)
        assert sheet_cells(book, SAGE_ONLY)[f"B{HEADER_ROW + rows + 1}"] == "my note"
        return
    assert finished is None
    assert dialogs.alerts[-1].startswith("Sage50-only sheet, cell B9: the table SageOnly needs")
    assert refused in dialogs.alerts[-1]
    assert "Nothing was changed." in dialogs.alerts[-1]
    assert book.read_bytes() == before  # nothing written, no Log row either


def edit_part(path: Path, name: str, change) -> None:
    parts = read_parts(path.read_bytes())
    parts[name] = change(parts[name].decode("utf-8")).encode("utf-8")
    path.write_bytes(write_parts(parts))


def test_a_shared_formula_whose_copies_reach_moving_rows_is_refused(book):
    """Only a shared formula's first cell holds its text: its copies (B42:B46 here)
    reach further down, to row 9, as far as its range says."""
    port = open_book(book)
    port.write_table(SAGE_ONLY, [sage_row("ONLY")])
    port.finish()
    edit_workbook(book, lambda workbook: workbook[SAGE_ONLY].cell(9, 2, "my note"))
    shared = (
        '<row r="42"><c r="B42"><f t="shared" ref="B42:B46" si="0">\'Sage50-only\'!B5</f>'
        "<v>0</v></c></row>"
        + "".join(
            f'<row r="{n}"><c r="B{n}"><f t="shared" si="0"/><v>0</v></c></row>'
            for n in range(43, 47)
        )
    )
    edit_part(
        book,
        "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace("</sheetData>", shared + "</sheetData>"),
    )
    before = book.read_bytes()
    dialogs = Dialogs(True, False)
    assert macros.refresh(open_book(book, dialogs)) is None
    assert "the formula in cell B42 of the Setup sheet points there" in dialogs.alerts[-1]
    assert book.read_bytes() == before


def test_a_pivottable_whose_source_reaches_moving_rows_is_refused(book):
    port = open_book(book)
    port.write_table(SAGE_ONLY, [sage_row("ONLY")])
    port.finish()
    edit_workbook(book, lambda workbook: workbook[SAGE_ONLY].cell(9, 2, "my note"))
    parts = read_parts(book.read_bytes())
    parts["xl/pivotCache/pivotCacheDefinition1.xml"] = (
        b'<pivotCacheDefinition><cacheSource type="worksheet"><worksheetSource ref="A8:B12" '
        b'sheet="Sage50-only"/></cacheSource></pivotCacheDefinition>'
    )
    book.write_bytes(write_parts(parts))
    before = book.read_bytes()
    dialogs = Dialogs(True, False)
    assert macros.refresh(open_book(book, dialogs)) is None
    assert "a PivotTable takes its data from there" in dialogs.alerts[-1]
    assert book.read_bytes() == before


def test_references_are_read_as_excel_writes_them():
    from smsync_xl.book.references import rows_pointed_at

    def rows(formula: str, own: bool = True, spread: int = 0) -> list[int]:
        return list(rows_pointed_at(formula, "Sage50-only", own, spread))

    assert rows("SUM(A20:$B$21)+LOG10(7)+ATAN2(1,2)") == [20, 21]
    assert rows('IF(A1="B30","C40",D50)') == [1, 50]
    assert rows("'Sage50-only'!$3:$5+Setup!A9+'It''s'!A7", own=False) == [3, 5]
    assert rows("SageOnly[[#This Row],[Key]]+SUBTOTAL(103,A6)") == [6]
    assert rows("A2+$A$2", spread=10) == [12, 2]
    assert rows("A:A+Taxes2020") == []


def test_rows_pushed_past_the_last_row_drop_off_only_when_they_hold_nothing():
    """Hidden or formatted rows and cells at the bottom drop off, as in Excel; nothing is
    written past row 1,048,576 and no range ends above where it starts."""
    xml = SheetXml(
        "<worksheet><sheetData>"
        '<row r="20"><c r="B20" t="inlineStr"><is><t>note</t></is></c></row>'
        '<row r="1048560" hidden="1"/><row r="1048574" hidden="1"/>'
        '<row r="1048575" s="3" customFormat="1"><c r="C1048575" s="3"/></row>'
        '<row r="1048576" hidden="1"/></sheetData>'
        '<conditionalFormatting sqref="AK:AK 3:4 B6:B1048576"><cfRule type="expression"/>'
        "</conditionalFormatting></worksheet>"
    )
    assert xml.pushed_off(20, 7) is None
    xml.insert_rows(20, 7)
    assert sorted(xml.rows) == [27, 1_048_567] and xml.is_hidden(1_048_567)
    assert 'sqref="AK:AK 3:4 B6:B1048576"' in xml.tail
    assert b"1048577" not in b"".join(xml.chunks())
    xml.put_cell(1_048_570, 4, "typed")
    assert xml.pushed_off(20, 7) == "D1048570"
    whole_rows = SheetXml(
        '<worksheet><sheetData/><dataValidations count="1"><dataValidation sqref="30:31"/>'
        "</dataValidations></worksheet>"
    )
    assert whole_rows.first_used_row(after=6) == (30, "A30")
    whole_rows.insert_rows(30, 2)
    assert 'sqref="32:33"' in whole_rows.tail


@pytest.mark.parametrize(
    ("bottom", "cell"),
    [
        ('<row r="1048573"><c r="E1048573"><v>1</v></c></row>', "E1048573"),
        ("", "B1048576"),
    ],
    ids=["a value near the bottom", "a validation on the last row"],
)
def test_what_would_be_pushed_off_the_sheet_is_named_and_nothing_is_written(book, bottom, cell):
    port = open_book(book)
    port.write_table(SAGE_ONLY, [sage_row("ONLY")])
    port.finish()
    validation = (
        '<dataValidation type="whole" sqref="B1048576" allowBlank="1"><formula1>1</formula1>'
        "</dataValidation>"
    )

    def change(xml: str) -> str:
        xml = xml.replace(
            "</sheetData>",
            '<row r="9"><c r="B9" t="inlineStr"><is><t>my note</t></is></c></row>'
            + bottom
            + "</sheetData>",
        )
        if not bottom:
            xml = re.sub(
                r'<dataValidations count="(\d+)">',
                lambda m: f'<dataValidations count="{int(m[1]) + 1}">{validation}',
                xml,
                count=1,
            )
        return xml

    edit_part(book, SAGE_PART, change)
    before = book.read_bytes()
    dialogs = Dialogs(True, False)
    assert macros.refresh(open_book(book, dialogs)) is None
    message = dialogs.alerts[-1]
    assert message.startswith(f"Sage50-only sheet, cell {cell}: the table SageOnly needs 27")
    assert f"would push cell {cell} past Excel's last row (1,048,576)" in message
    assert f"Move what is in cell {cell} and below it" in message
    assert book.read_bytes() == before


def test_a_whole_column_or_row_in_a_format_or_validation_is_read(book):
    edit_part(
        book,
        SAGE_PART,
        lambda xml: xml.replace(
            "</sheetData>",
            '</sheetData><conditionalFormatting sqref="AK:AK $3:$3"><cfRule type="expression" '
            'priority="99" dxfId="0"><formula>TRUE</formula></cfRule></conditionalFormatting>',
            1,
        ),
    )
    refresh_not_in_sync(book)
    assert 'sqref="AK:AK $3:$3"' in members(book)[SAGE_PART].decode()


def test_notes_beside_a_table_narrowed_by_a_deleted_column_are_named_not_overwritten(book):
    """The bookkeeper deleted a table column in Excel, then typed beside the narrower
    table: Refresh would write the column back over the notes, so it names the first."""
    refresh_not_in_sync(book)
    rows = len(open_book(book).read_table(SAGE_ONLY).rows)

    def delete_column(workbook) -> None:
        sheet = workbook[SAGE_ONLY]
        table = sheet.tables["SageOnly"]
        sheet.delete_cols(4)
        del table.tableColumns[3]
        last = column_letter(len(table.tableColumns) - 1)
        table.ref = table.autoFilter.ref = f"A{HEADER_ROW}:{last}{HEADER_ROW + rows}"
        sheet.cell(HEADER_ROW + 2, len(SAGE_COLUMNS), "my note beside")

    edit_workbook(book, delete_column)
    before = book.read_bytes()
    dialogs = Dialogs(True, False)
    assert macros.refresh(open_book(book, dialogs)) is None
    message = dialogs.alerts[-1]
    cell = f"{LAST}{HEADER_ROW + 2}"
    assert message.startswith(f"Sage50-only sheet, cell {cell}: the table SageOnly has 34")
    assert "(a column was deleted)" in message and "'my note beside'" in message
    assert f"Move what lies in column {LAST} beside the table" in message
    assert book.read_bytes() == before


def test_hidden_empty_rows_a_table_grows_into_are_shown(book):
    """Rows hidden under the table (scratch rows the bookkeeper hid) become table rows:
    shown, so their records are seen and Check All ticks them."""
    hide_rows(book, SAGE_ONLY, [8, 9])
    refresh_not_in_sync(book)
    port = open_book(book)
    assert len(port.read_table(SAGE_ONLY).rows) > 4
    assert port.hidden_rows(SAGE_ONLY) == set()
    assert macros.check_all(open_book(book))


def test_a_formula_whose_saved_result_is_the_empty_string_is_not_ticked():
    xml = SheetXml(
        "<worksheet><sheetData>"
        '<row r="6"><c r="A6" t="str"><f>IF(B6="","","x")</f><v/></c>'
        '<c r="B6" t="str"><f>""</f><v></v></c></row>'
        "</sheetData></worksheet>"
    )
    assert xml.uncalculated(6, 1) is None
    assert xml.uncalculated(6, 2) is None


def test_text_that_looks_like_an_xml_escape_keeps_its_underscores(book):
    """ST_Xstring: Excel and python-calamine read ``_x0041_`` in a cell as ``A``, so the
    port writes its underscore as ``_x005F_``; a round trip keeps the text exactly."""
    looks_escaped = ["_x0041_", "a_x005F_b", "_x0041_x0042_", "_X0041_", "_x00_", " _x00e9_ "]
    rows = []
    for index, value in enumerate(looks_escaped):
        row = sage_row(f"R{index}")
        row[NAME] = value
        rows.append(row)
    port = open_book(book)
    port.write_table(SAGE_ONLY, rows)
    port.write_cell(SAGE_ONLY, "A1", "_x0041_ title")
    port.finish()
    xml = members(book)[SAGE_PART].decode()
    assert "<t>_x005F_x0041_</t>" in xml and "<t>_x005F_x0041_ title</t>" in xml
    assert [r[NAME] for r in open_book(book).read_table(SAGE_ONLY).rows] == looks_escaped
    assert open_book(book).read_range(SAGE_ONLY, "A1") == [["_x0041_ title"]]
    calamine = CalamineWorkbook.from_path(str(book)).get_sheet_by_name(SAGE_ONLY).to_python()
    assert [r[NAME] for r in calamine[HEADER_ROW : HEADER_ROW + len(rows)]] == looks_escaped


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_a_hidden_sage50_only_sheet_is_never_made_the_active_tab(book, state):
    """Excel cannot open on a hidden sheet: activeTab and tabSelected stay as they were."""
    parts = members(book)
    workbook = parts["xl/workbook.xml"].decode()
    tag = re.search(rf'<sheet [^>]*name="{SAGE_ONLY}"[^>]*?(/?)>', workbook)
    hidden = re.sub(r'\sstate="[^"]*"', "", tag.group(0)).replace(
        " name=", f' state="{state}" name=', 1
    )
    parts["xl/workbook.xml"] = workbook.replace(tag.group(0), hidden).encode()
    book.write_bytes(write_parts(parts))
    before = re.search(r"<workbookView\b[^>]*>", parts["xl/workbook.xml"].decode()).group(0)
    assert macros.refresh(open_book(book, Dialogs(True, False)))
    after = members(book)
    assert re.search(r"<workbookView\b[^>]*>", after["xl/workbook.xml"].decode()).group(0) == (
        before
    )
    assert "tabSelected" not in after[SAGE_PART].decode()
    assert load_workbook(book)[SAGE_ONLY].sheet_state == state


def test_refresh_clears_a_filter_that_hides_no_row_and_the_sheets_filter_mode(book):
    assert macros.refresh(open_book(book, Dialogs(True, False)))
    parts = members(book)
    table = parts["xl/tables/table1.xml"].decode()
    parts["xl/tables/table1.xml"] = re.sub(
        r'<autoFilter ref="([^"]*)"\s*/>',
        r'<autoFilter ref="\1"><filterColumn colId="1"><customFilters>'
        r'<customFilter operator="notEqual" val="no such status"/></customFilters>'
        r"</filterColumn></autoFilter>",
        table,
        count=1,
    ).encode()
    sheet = parts[SAGE_PART].decode()
    parts[SAGE_PART] = sheet.replace("<sheetPr ", '<sheetPr filterMode="1" ', 1).encode()
    book.write_bytes(write_parts(parts))
    port = open_book(book)
    assert port.hidden_rows(SAGE_ONLY) == set() and port.filtered(SAGE_ONLY)
    finished = macros.refresh(open_book(book, Dialogs(True, False)))
    assert finished is not None and f"The filter on {SAGE_ONLY} was cleared" in finished.summary
    after = members(book)
    assert "<filterColumn" not in after["xl/tables/table1.xml"].decode()
    assert "filterMode" not in after[SAGE_PART].decode()
    assert not open_book(book).filtered(SAGE_ONLY)


def test_a_total_row_is_never_data_and_refresh_turns_it_off_and_says_so(book):
    """Excel's Total Row is the table's last row (totalsRowCount): kept on a resized
    table, the last data row would become it."""
    assert macros.refresh(open_book(book, Dialogs(True, False)))
    count = len(open_book(book).read_table(SAGE_ONLY).rows)
    total = HEADER_ROW + count + 1

    def add_total_row(workbook) -> None:
        sheet = workbook[SAGE_ONLY]
        table = next(iter(sheet.tables.values()))
        table.ref = f"A{HEADER_ROW}:{LAST}{total}"
        table.autoFilter.ref = f"A{HEADER_ROW}:{LAST}{total - 1}"
        table.totalsRowCount = 1
        sheet[f"C{total}"] = "Total"

    edit_workbook(book, add_total_row)
    port = open_book(book)
    assert port.total_row(SAGE_ONLY)
    assert len(port.read_table(SAGE_ONLY).rows) == count  # the Total Row is not a record
    finished = macros.refresh(open_book(book, Dialogs(True, False)))
    assert finished is not None and f"The Total Row on {SAGE_ONLY} was turned off" in (
        finished.summary
    )
    table = members(book)["xl/tables/table1.xml"].decode()
    assert "totalsRowCount" not in table and 'totalsRowShown="0"' in table
    assert table_refs(book)[0] == f"A{HEADER_ROW}:{LAST}{total - 1}"
    assert load_workbook(book)[SAGE_ONLY][f"C{total}"].value is None
    assert not open_book(book).total_row(SAGE_ONLY)
