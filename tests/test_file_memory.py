"""Check All and Synchronize on a large Sage50-only sheet without parsing it whole: the
rows' facts they read (hidden rows, Include formulas without a result) come from the
part's bytes, the Include and Result columns are written into those bytes as the
workbook is saved, and a sheet let go during Synchronize keeps only its header rows.
The file comes out byte for byte as from the sheet parsed whole."""

from __future__ import annotations

import gc
import shutil
import tracemalloc
from pathlib import Path

import pytest

from smsync_xl import macros
from smsync_xl.book import file as file_module
from smsync_xl.book.layout import INCLUDE, RESULT, SAGE_COLUMNS, SAGE_ONLY, SUMMARY_CELL
from smsync_xl.book.package import Package
from smsync_xl.book.sheet_xml import SheetXml
from smsync_xl.core.ports import Uncalculated

from .test_file_book import SAGE_PART, sage_row
from .workbook_helpers import demo_workbook, edit_workbook, open_book

ROWS = 3000


@pytest.fixture
def large(tmp_path: Path) -> Path:
    """A workbook whose Sage50-only table holds ``ROWS`` rows, some of them DIFFERENT,
    INVALID or hidden, one Include cell a formula without a saved result."""
    path = demo_workbook(tmp_path)
    rows = [sage_row(f"C{n:05d}") for n in range(ROWS)]
    for n, row in enumerate(rows):
        row[1] = ("NEW", "DIFFERENT", "INVALID")[n % 3]
        row[[c.title for c in SAGE_COLUMNS].index("Changes")] = "Phone" if n % 3 == 1 else None
    port = open_book(path)
    port.write_table(SAGE_ONLY, rows)
    port.finish()
    return path


def part_size(path: Path) -> int:
    return len(Package(path.read_bytes()).read(SAGE_PART))


class Parses:
    """The rows of every sheet the FileBook parses whole."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.rows: list[int] = []
        parses = self

        class Counted(SheetXml):
            def __init__(self, xml: str) -> None:
                super().__init__(xml)
                parses.rows.append(len(self.rows))

        monkeypatch.setattr(file_module, "SheetXml", Counted)


def test_check_all_reads_and_writes_the_sheet_without_parsing_its_rows(large, monkeypatch):
    parses = Parses(monkeypatch)
    assert macros.check_all(open_book(large))
    assert max(parses.rows, default=0) < 50, parses.rows  # before: every row, 3,005
    table = open_book(large).read_table(SAGE_ONLY)
    ticks = [row[table.column(INCLUDE)] for row in table.rows]
    assert ticks.count("x") == 2 * ROWS // 3


def test_synchronizes_result_is_written_without_the_sheet_held_or_parsed(large):
    """After the ticks are read, the sheet let go holds only its header rows, and the
    Result column and the summary are written and saved holding about the part's
    bytes: before, the values stayed and the whole sheet was parsed again."""
    size = part_size(large)
    port = open_book(large)
    gc.collect()
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        table = port.read_table(SAGE_ONLY)
        assert len(table.rows) == ROWS
        del table
        port.release(SAGE_ONLY, written=True)
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - start
        tracemalloc.reset_peak()
        start = tracemalloc.get_traced_memory()[0]
        port.write_column(SAGE_ONLY, RESULT, [f"Created as C{n:05d}" for n in range(ROWS)])
        port.write_cell(SAGE_ONLY, SUMMARY_CELL, "3000 created.")
        port.finish()
        peak = tracemalloc.get_traced_memory()[1] - start
    finally:
        tracemalloc.stop()
    assert held < size * 0.1, (held, size)  # before: the sheet's values, 0.68x
    # the part's bytes and the pieces being compressed, 2.4x; before, 4.2x: the part
    # read as text (zipfile's growing read), its rows parsed, the sheet's values kept
    assert peak < size * 3, (peak, size)
    table = open_book(large).read_table(SAGE_ONLY)
    assert table.rows[-1][table.column(RESULT)] == f"Created as C{ROWS - 1:05d}"
    assert open_book(large).read_range(SAGE_ONLY, SUMMARY_CELL) == [["3000 created."]]


def parsed_whole(port: file_module.FileBook) -> file_module.FileBook:
    port._sheet_xml(SAGE_ONLY)  # the way every sheet was written before
    return port


@pytest.mark.parametrize("parse", [False, True])
def test_the_saved_sheet_is_the_same_as_from_the_sheet_parsed_whole(large, tmp_path, parse):
    """Hidden rows, a formula typed in Include, and rows and cells Excel would not write
    come out as when the sheet is parsed whole (``parse``: that way, for comparison)."""

    def bookkeeper(workbook) -> None:  # openpyxl drops empty cells, as Excel does
        sheet = workbook[SAGE_ONLY]
        for row in (7, 9, 40):
            sheet.row_dimensions[row].hidden = True
        sheet["A12"] = "=TRUE()"

    edit_workbook(large, bookkeeper)
    expected = tmp_path / "expected.xlsm"
    shutil.copyfile(large, expected)
    for path, whole in ((large, parse), (expected, True)):
        port = open_book(path)
        table = port.read_table(SAGE_ONLY)
        assert isinstance(table.rows[6][table.column(INCLUDE)], Uncalculated)
        assert port.hidden_rows(SAGE_ONLY) == {1, 3, 34}
        port = parsed_whole(port) if whole else port
        port.write_column(SAGE_ONLY, INCLUDE, ["x"] * 20)
        port.write_column(SAGE_ONLY, RESULT, ["done", "second", 7, True, "  a & b <c>  "])
        port.write_cell(SAGE_ONLY, "AZ99", "beyond the table")
        port.finish()
    assert Package(large.read_bytes()).read(SAGE_PART) == Package(expected.read_bytes()).read(
        SAGE_PART
    )


def test_check_all_rewrites_only_the_include_cells_it_changes(large):
    """Saved by another program (Excel, here openpyxl: empty cells left out), a sheet
    Check All changes nothing on is left exactly as it was."""
    assert macros.check_all(open_book(large))
    edit_workbook(large, lambda workbook: None)
    before = Package(large.read_bytes()).read(SAGE_PART)
    assert macros.check_all(open_book(large))
    assert Package(large.read_bytes()).read(SAGE_PART) == before


def sheets_read_whole(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The sheets a FileBook reads whole (python-calamine's grid), in order, from now."""
    whole: list[str] = []
    grid = file_module.FileBook._grid

    def counted(self: file_module.FileBook, sheet: str) -> object:
        whole.append(sheet)
        return grid(self, sheet)

    monkeypatch.setattr(file_module.FileBook, "_grid", counted)
    return whole


def test_refresh_reads_the_table_it_replaces_by_its_columns_not_whole(large, monkeypatch):
    """Refresh needs of the large table it replaces only the ticks, Keys, Fingerprints
    and typed IDs (``REFRESH_COLUMNS``): the sheet is not read whole (before: every
    cell of its 3,000 rows); a row the bookkeeper ticked whose record is listed again
    keeps its tick, one whose record is gone loses it."""
    port = open_book(large)
    table = port.read_table(SAGE_ONLY)
    rows = [list(row) for row in table.rows]
    rows[0][table.column(INCLUDE)] = "x"
    port.write_table(SAGE_ONLY, rows)
    port.finish()
    whole = sheets_read_whole(monkeypatch)
    assert macros.refresh(open_book(large))
    assert SAGE_ONLY not in whole, whole
    monkeypatch.undo()
    after = open_book(large).read_table(SAGE_ONLY)
    assert len(after.rows) < ROWS and not any(row[after.column(INCLUDE)] for row in after.rows)


def test_synchronize_reads_the_ticks_by_their_columns_not_the_whole_sheet(tmp_path, monkeypatch):
    """Synchronize needs of the Sage50-only table only Include, Key, Fingerprint, ID and
    the typed SMSTurbo ID (``SYNCHRONIZE_COLUMNS``): the sheet is not read whole, and
    what it brings over is what was ticked."""
    path = demo_workbook(tmp_path)
    assert macros.refresh(open_book(path))
    assert macros.check_all(open_book(path))
    ticked = sum(1 for row in open_book(path).read_table(SAGE_ONLY).rows if row[0] == "x")
    whole = sheets_read_whole(monkeypatch)
    finished = macros.synchronize(open_book(path))
    assert finished is not None and SAGE_ONLY not in whole, whole
    assert f"{ticked} " in str(finished) or ticked == 0, finished


def test_synchronize_runs_with_the_cycle_collector_paused(large):
    """Reading the ticks of a large sheet and writing its Result make many rows and no
    reference cycles: the collector, woken by them again and again, would walk every
    live object each time (about 0.25 s at 30,000 rows). Synchronize runs with it
    paused, and sets it back on."""
    assert macros.check_all(open_book(large))
    collections: list[int] = []

    def counted(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collections.append(info["generation"])

    gc.collect()
    gc.callbacks.append(counted)
    try:
        finished = macros.synchronize(open_book(large))
    finally:
        gc.callbacks.remove(counted)
    assert finished is not None
    table = open_book(large).read_table(SAGE_ONLY)
    assert table.rows[0][table.column(RESULT)]  # every ticked row's Result is written
    # at most the one its new objects start when it is switched back on
    assert len(collections) <= 1, collections
    assert gc.isenabled()


def sqlite_connections_open() -> int:
    import sqlite3

    return sum(1 for o in gc.get_objects() if isinstance(o, sqlite3.Connection))


def test_the_databases_a_button_opened_are_closed_when_it_ends(tmp_path):
    """Excel's Python can live on between buttons: the SQLite connections a button
    opened (SMSTurbo's and Sage 50's, freed only by the collector: Python 3.11's sqlite3
    connection holds a cycle, and collector_paused leaves what a button made in the
    oldest generation) go when the button ends, not at a full collection an idle Excel
    may not run for hours: each button would leave two more files open."""
    path = demo_workbook(tmp_path)
    gc.collect()
    for _ in range(3):
        assert macros.refresh(open_book(path))
        assert sqlite_connections_open() == 0
    assert macros.check_all(open_book(path))
    assert macros.synchronize(open_book(path))
    assert sqlite_connections_open() == 0
