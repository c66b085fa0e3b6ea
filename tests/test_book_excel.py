"""The xlwings adapter against a recording stand-in of the xlwings calls it makes."""

from __future__ import annotations

import copy
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from smsync_xl import macros
from smsync_xl.book.excel import TITLE, ExcelBook, cell_value
from smsync_xl.book.layout import (
    HEADER_ROW,
    SAGE_COLUMNS,
    SAGE_ONLY,
    SETUP,
    TABLE_COLUMNS,
    TABLE_NAMES,
    TURBO_ONLY,
    setup_layout,
)
from smsync_xl.book.setup_sheet import ENTITY_KEY
from smsync_xl.core.errors import WorkbookError
from smsync_xl.demo.company import create_sage_company, create_smsturbo
from smsync_xl.demo.data import COMPANY_NAME, DemoLists, DemoRecord
from smsync_xl.files.package_files import workbook_path
from smsync_xl.pc.excel_check import filter_on_windows

from .xlwings_standin import Book, Dialog, Excel

COMPANY_QUESTION = "Is this the correct Sage 50 company?"
VIEW_QUESTION = "Do you want to see missing customers only?"
FIRST = HEADER_ROW + 1  # the first body row of a table
# Sage50-only columns (1-based) of the values the tests look at
INCLUDE, STATUS, ID, NAME, ZIP, PHONE1, CREDIT_LIMIT = (
    [c.title for c in SAGE_COLUMNS].index(title) + 1
    for title in ("Include", "Status", "ID", "Name", "ZIP", "Phone 1", "Credit Limit")
)


def customers(count: int) -> list[DemoRecord]:
    return [
        DemoRecord(
            {
                "id": f"C{n:06d}",
                "name": f"=Customer {n}",
                "zip": "02134",
                "phone1": "+1 555 0100",
                "credit_limit": "100.00",
            }
        )
        for n in range(count)
    ]


def standin(folder, count: int, excel: Excel | None = None) -> tuple[Book, Excel]:
    create_sage_company(folder / "sage50_demo.sqlite", DemoLists(customers(count)))
    create_smsturbo(folder / "smsturbo_demo.sqlite", DemoLists())
    shutil.copyfile(workbook_path(), folder / "SMSync.xlsm")
    excel = excel if excel is not None else Excel()
    return Book(folder / "SMSync.xlsm", excel), excel


def first_lines(dialogs: list[Dialog]) -> list[tuple[str, str | None, str]]:
    return [(d.prompt.splitlines()[0], d.title, d.buttons) for d in dialogs]


def refreshed(folder, count: int, excel: Excel | None = None) -> tuple[ExcelBook, Excel]:
    book, excel = standin(folder, count, excel)
    port = ExcelBook(book)
    assert macros.refresh(port), excel.dialogs
    return port, excel


CYCLE = (macros.refresh, macros.check_all, macros.synchronize, macros.refresh)


def run_cycle(book: Book, excel: Excel) -> tuple[list[int], list[list[Dialog]]]:
    """Excel round trips and dialogs of each macro of the cycle."""
    port = ExcelBook(book)
    calls, dialogs = [], []
    for action in CYCLE:
        start, shown = len(excel.calls), len(excel.dialogs)
        assert action(port), excel.dialogs
        calls.append(len(excel.calls) - start)
        dialogs.append(excel.dialogs[shown:])
    return calls, dialogs


def smsturbo_customer_ids(folder) -> list[str]:
    with closing(sqlite3.connect(folder / "smsturbo_demo.sqlite")) as db:
        return sorted(row[0] for row in db.execute("SELECT CustomerID FROM Customers"))


def test_excel_calls_do_not_grow_with_rows(tmp_path):
    small, large = tmp_path / "small", tmp_path / "large"
    small.mkdir()
    large.mkdir()
    small_book, small_excel = standin(small, 10)
    large_book, large_excel = standin(large, 10_000)
    small_calls, small_dialogs = run_cycle(small_book, small_excel)
    large_calls, large_dialogs = run_cycle(large_book, large_excel)
    assert small_calls == large_calls
    # a Refresh: the ticks to keep, the room each table needs (checked before anything is
    # written, and again as it is written), both tables' formats, filters, blocks and
    # shown columns, each table's filter state, Total Row and column order, the Log row and
    # the dialogs
    assert all(0 < calls < 250 for calls in small_calls), small_calls
    refresh = [(COMPANY_QUESTION, TITLE, "yes_no"), (VIEW_QUESTION, TITLE, "yes_no")]
    for count, dialogs in ((10, small_dialogs), (10_000, large_dialogs)):
        assert [first_lines(d) for d in dialogs] == [
            refresh,
            [],
            [
                (
                    f"Bring {count} customers from Sage 50 company '{COMPANY_NAME}' into SMSTurbo?",
                    TITLE,
                    "yes_no",
                ),
                (
                    f"Import completed: {count} created, 0 updated, 0 skipped, 0 conflicts",
                    TITLE,
                    "ok",
                ),
            ],
            refresh,
        ]
    for folder, count in ((small, 10), (large, 10_000)):
        ids = [f"C{n:06d}" for n in range(count)]
        assert smsturbo_customer_ids(folder) == [*ids, "ZZDEFAULT"]


def test_text_goes_to_excel_as_text(tmp_path):
    _, excel = refreshed(tmp_path, 3)
    cells, text = excel.cells[SAGE_ONLY], excel.text_cells[SAGE_ONLY]
    for column, value in ((NAME, "=Customer 0"), (STATUS, "NEW")):
        assert cells[(FIRST, column)] == value
        assert (FIRST, column) in text, value
    assert cells[(FIRST, CREDIT_LIMIT)] == 100.0
    assert (FIRST, CREDIT_LIMIT) not in text


def test_text_columns_hold_the_text_as_given(tmp_path):
    port, excel = refreshed(tmp_path, 3)
    cells = excel.cells[SAGE_ONLY]
    assert [cells[(FIRST, c)] for c in (ID, ZIP, PHONE1)] == ["C000000", "02134", "+1 555 0100"]
    row = port.read_table(SAGE_ONLY).rows[0]
    assert [row[c - 1] for c in (ID, ZIP, PHONE1)] == ["C000000", "02134", "+1 555 0100"]


def test_synchronize_in_excel_with_text_columns(tmp_path):
    book, excel = standin(tmp_path, 3)
    port = ExcelBook(book)
    assert macros.refresh(port)
    assert macros.check_all(port)
    assert macros.synchronize(port), excel.dialogs
    assert smsturbo_customer_ids(tmp_path) == ["C000000", "C000001", "C000002", "ZZDEFAULT"]


def test_show_entity_in_excel_hides_the_other_lists_columns(tmp_path):
    book, excel = standin(tmp_path, 1)
    port = ExcelBook(book)
    reason = [c.title for c in SAGE_COLUMNS].index("Reason") + 1
    excel.column_widths.setdefault(SAGE_ONLY, {})[reason] = 99  # widened by the bookkeeper
    assert macros.show_entity("vendors", port), excel.dialogs
    records = setup_layout().setting(ENTITY_KEY).cell  # formatted Text (@)
    assert port.read_range(SETUP, records) == [["Vendors"]]
    assert macros.refresh(port), excel.dialogs

    def hidden(sheet: str) -> set[str]:
        widths = excel.column_widths[sheet]
        titles = [c.title for c in TABLE_COLUMNS[sheet]]
        return {t for n, t in enumerate(titles, start=1) if widths.get(n) == 0}

    assert {"Credit Limit", "Unit", "Description"} <= hidden(SAGE_ONLY)
    assert not {"Name", "Credit Status", "Phone 1"} & hidden(SAGE_ONLY)
    assert macros.show_entity("materials", port), excel.dialogs
    assert {"Name", "Credit Status", "Phone 1"} <= hidden(SAGE_ONLY)
    assert not {"Description", "Unit", "Price", "Sales GL #", "Inactive"} & hidden(TURBO_ONLY)
    assert macros.show_entity("customers", port), excel.dialogs
    assert "Credit Limit" not in hidden(SAGE_ONLY) and "Unit" in hidden(SAGE_ONLY)
    assert excel.column_widths[SAGE_ONLY][reason] == 99  # a column every list shows
    key = [c.title for c in SAGE_COLUMNS].index("Key") + 1
    excel.column_widths[SAGE_ONLY][key] = 10  # the bookkeeper chose Unhide all
    assert macros.refresh(port), excel.dialogs
    assert excel.column_widths[SAGE_ONLY][key] == 0  # hidden again
    city = [c.title for c in SAGE_COLUMNS].index("City") + 1
    excel.column_widths[SAGE_ONLY][city] = 42  # widened while customers are shown
    assert macros.refresh(port), excel.dialogs
    assert excel.column_widths[SAGE_ONLY][city] == 42  # kept: it was shown already
    assert macros.show_entity("materials", port) and macros.show_entity("customers", port)
    assert excel.column_widths[SAGE_ONLY][city] == 16  # hidden, then shown at its width


def test_no_to_the_company_question_changes_nothing(tmp_path):
    book, excel = standin(tmp_path, 2, Excel(answer="no"))
    before = copy.deepcopy(excel.cells)
    assert macros.refresh(ExcelBook(book))
    assert len(excel.dialogs) == 1
    (question,) = excel.dialogs
    assert question.prompt.startswith(f"{COMPANY_QUESTION}\n\n{COMPANY_NAME}\n\n")
    assert (question.title, question.buttons) == (TITLE, "yes_no")
    assert excel.cells == before
    assert "range.value set" not in excel.calls
    assert excel.status_bar[-1] is False  # handed back to Excel


@pytest.mark.parametrize(("answer", "confirmed"), [("yes", True), ("no", False)])
def test_a_question_is_one_yes_no_dialog(tmp_path, answer, confirmed):
    book, excel = standin(tmp_path, 1, Excel(answer=answer))
    assert ExcelBook(book).confirm("Go on?") is confirmed
    assert excel.dialogs == [Dialog("Go on?", TITLE, "yes_no")]
    assert excel.calls == ["app.alert"]


def test_a_message_is_one_ok_dialog(tmp_path):
    book, excel = standin(tmp_path, 1, Excel(answer="no"))
    assert ExcelBook(book).alert("Done.") is None
    assert excel.dialogs == [Dialog("Done.", TITLE, "ok")]
    assert excel.calls == ["app.alert"]


def test_the_status_bar_is_handed_back_to_excel(tmp_path):
    book, excel = standin(tmp_path, 1)
    port = ExcelBook(book)
    port.status("SMSync: working …")
    assert book.app.status_bar == "SMSync: working …"
    port.status("")
    assert book.app.status_bar is False
    assert excel.status_bar == ["SMSync: working …", False]


def test_cell_values_for_text_and_other_cells():
    assert cell_value("00123", "@") == "00123"  # a Text cell keeps what is written
    assert cell_value("=SUM(A1)", "General") == "'=SUM(A1)"  # elsewhere: the text mark
    assert cell_value("x", "#,##0.00") == "'x"
    assert cell_value("", "General") == "" and cell_value(None, "General") is None
    assert cell_value(1.5, "General") == 1.5


@pytest.mark.parametrize("com", [True, False], ids=["windows", "macos"])
@pytest.mark.parametrize(
    "hidden",
    [set(), {2}, {0, 3, 4}, {0, 1, 2, 3, 4}, set(range(1, 100, 2))],
    ids=["none", "one", "some", "all", "every-other-of-100"],
)
def test_hidden_rows_from_the_visible_column(tmp_path, com, hidden):
    """The same on Windows and macOS, and past the 255 characters where Excel cuts
    Range.Address (every other row of 100 hidden)."""
    port, excel = refreshed(tmp_path, 100, Excel(com=com))
    excel.hidden_rows[SAGE_ONLY] = {FIRST + i for i in hidden}
    start = len(excel.calls)
    assert port.hidden_rows(SAGE_ONLY) == hidden
    assert ("com.Calculate" if com else "appscript calculate") in excel.calls[start:]


@pytest.mark.parametrize("com", [True, False], ids=["windows", "macos"])
def test_check_all_ticks_only_the_visible_rows(tmp_path, com):
    port, excel = refreshed(tmp_path, 5, Excel(com=com))
    excel.hidden_rows[SAGE_ONLY] = {FIRST + 1, FIRST + 3}
    assert macros.check_all(port)
    cells = excel.cells[SAGE_ONLY]
    assert [cells.get((FIRST + i, INCLUDE)) for i in range(5)] == ["x", None, "x", None, "x"]
    assert macros.uncheck_all(port)
    assert [cells.get((FIRST + i, INCLUDE)) for i in range(5)] == [None] * 5


def test_refresh_under_a_filter_clears_it_and_says_so(tmp_path):
    """A filter is not evaluated again when Refresh rewrites the rows: the rows it hid
    would now hold other records. Refresh takes it off and says so."""
    port, excel = refreshed(tmp_path, 5)
    excel.hidden_rows[SAGE_ONLY] = {FIRST, FIRST + 2}
    finished = macros.refresh(port)
    assert finished is not None and "The filter on Sage50-only was cleared" in finished.summary
    assert excel.hidden_rows[SAGE_ONLY] == set()
    assert "cleared" in str(excel.cells[SAGE_ONLY][(2, 1)])
    again = macros.refresh(port)
    assert again is not None and "cleared" not in again.summary


def test_synchronize_says_how_many_ticked_rows_a_filter_hides(tmp_path):
    port, excel = refreshed(tmp_path, 5)
    assert macros.check_all(port)
    excel.hidden_rows[SAGE_ONLY] = {FIRST + 1, FIRST + 2}
    excel.answer = "no"
    assert macros.synchronize(port)
    question = excel.dialogs[-1].prompt
    assert question.startswith("Bring 5 customers")
    assert "2 of the ticked rows are hidden by a filter" in question
    assert smsturbo_customer_ids(tmp_path) == ["ZZDEFAULT"]


def test_a_protected_sheet_is_named_in_plain_words(tmp_path):
    port, excel = refreshed(tmp_path, 3)
    excel.protected.add(SAGE_ONLY)
    assert macros.refresh(port) is None
    message = excel.dialogs[-1].prompt
    assert message.startswith("Sage50-only sheet: Excel refused to change the sheet")
    assert "Review > Unprotect Sheet" in message and "Traceback" not in message


def test_a_table_without_its_header_row_is_named_in_plain_words(tmp_path):
    port, excel = refreshed(tmp_path, 3)
    port.book.sheets[SAGE_ONLY].tables[TABLE_NAMES[SAGE_ONLY]].show_headers = False
    assert macros.refresh(port) is None
    message = excel.dialogs[-1].prompt
    assert message.startswith("Sage50-only sheet: the table has no header row")
    assert "Table Design > Header Row" in message and "Traceback" not in message


def test_a_second_run_while_one_is_going_says_so(tmp_path):
    """On a Mac RunPython returns at once: a double click starts a second run."""
    from smsync_xl.book.busy import one_run_at_a_time

    port, excel = refreshed(tmp_path, 3)
    before = copy.deepcopy(excel.cells)
    with one_run_at_a_time(port.workbook_path()) as free:
        assert free
        assert macros.refresh(port) is None
    assert excel.dialogs[-1].prompt.startswith(
        f"SMSync is already running on this workbook, {port.workbook_path()}"
    )
    assert excel.cells == before
    assert macros.refresh(port) is not None


def test_result_lands_under_its_header_after_a_column_is_dragged(tmp_path):
    book, excel = standin(tmp_path, 3)
    port = ExcelBook(book)
    assert macros.refresh(port)
    cells = excel.cells[SAGE_ONLY]
    titles = [c.title for c in SAGE_COLUMNS]
    result, reason = titles.index("Result") + 1, titles.index("Reason") + 1
    for row in range(HEADER_ROW, FIRST + 3):  # dragging moves the header and the cells
        cells[(row, result)], cells[(row, reason)] = (
            cells.get((row, reason)),
            cells.get((row, result)),
        )
    assert macros.check_all(port)
    assert macros.synchronize(port)
    assert cells[(HEADER_ROW, reason)] == "Result"
    assert [cells.get((row, reason)) for row in range(FIRST, FIRST + 3)] == ["created"] * 3
    assert [cells.get((row, result)) for row in range(FIRST, FIRST + 3)] == [None] * 3


def test_refresh_shows_rows_hidden_by_hand_too(tmp_path):
    port, excel = refreshed(tmp_path, 5)
    excel.hand_hidden[SAGE_ONLY] = {FIRST + 1}
    excel.hidden_rows[SAGE_ONLY] = {FIRST + 3}
    finished = macros.refresh(port)
    assert finished is not None and "was cleared" in finished.summary
    assert not excel.is_hidden(SAGE_ONLY, FIRST + 1) and not excel.is_hidden(SAGE_ONLY, FIRST + 3)


def test_hidden_rows_in_manual_calculation(tmp_path):
    """In manual calculation mode the Visible column changes only when Excel calculates:
    the adapter asks it to first."""
    port, excel = refreshed(tmp_path, 4)
    excel.manual = True
    excel.hidden_rows[SAGE_ONLY] = {FIRST + 2}
    assert port.hidden_rows(SAGE_ONLY) == {2}


VISIBLE_COLUMN = [c.title for c in SAGE_COLUMNS].index("Visible") + 1


def damage_visible(excel: Excel, damage: str) -> None:
    """What the bookkeeper can do to the hidden Visible column (the last one)."""
    cells = excel.cells[SAGE_ONLY]
    table = excel.tables["SageOnly"]
    (top, left), (bottom, right) = table._corners
    assert right == VISIBLE_COLUMN
    if damage == "renamed":
        cells[(HEADER_ROW, VISIBLE_COLUMN)] = "Visible (old)"
    elif damage == "text":  # formatted Text and entered again: the formula is text
        excel.text_cells[SAGE_ONLY] |= {(r, VISIBLE_COLUMN) for r in range(FIRST, bottom + 1)}
    else:  # deleted: Excel removes the table column
        for row in range(top, bottom + 1):
            cells.pop((row, VISIBLE_COLUMN), None)
        table._corners = ((top, left), (bottom, right - 1))


@pytest.mark.parametrize("damage", ["renamed", "text", "deleted"])
@pytest.mark.parametrize("com", [True, False], ids=["windows", "macos"])
def test_a_damaged_visible_column_is_repaired_by_refresh(tmp_path, com, damage):
    """With the Visible column deleted, renamed or holding text, the rows' own Hidden
    flags tell which rows are hidden: Check All leaves them, and Refresh (which used to
    say "Press Refresh") clears the filter and writes the column again."""
    book, excel = standin(tmp_path, 5, Excel(com=com))
    port = ExcelBook(book)
    assert macros.refresh(port)
    damage_visible(excel, damage)
    excel.hidden_rows[SAGE_ONLY] = {FIRST + 1}
    book.sheets[SAGE_ONLY].range((FIRST + 3, 1)).rows.hidden = True
    assert port.hidden_rows(SAGE_ONLY) == {1, 3}
    assert macros.check_all(port)
    assert includes(excel, 5) == ["x", None, "x", None, "x"]
    finished = macros.refresh(port)
    assert finished is not None and "was cleared" in finished.summary
    assert excel.tables["SageOnly"]._corners[1][1] == VISIBLE_COLUMN
    assert excel.cells[SAGE_ONLY][(HEADER_ROW, VISIBLE_COLUMN)] == "Visible"
    assert [excel.read(SAGE_ONLY, (r, VISIBLE_COLUMN)) for r in range(FIRST, FIRST + 5)] == [1] * 5
    book.sheets[SAGE_ONLY].range((FIRST + 2, 1)).rows.hidden = True
    assert port.hidden_rows(SAGE_ONLY) == {2}


def test_finding_hidden_rows_without_the_visible_column_takes_xlwings_calls_per_run(tmp_path):
    book, excel = standin(tmp_path, 2000)
    port = ExcelBook(book)
    assert macros.refresh(port)
    damage_visible(excel, "renamed")
    excel.hidden_rows[SAGE_ONLY] = {FIRST + 10, FIRST + 11, FIRST + 1500}
    excel.calls.clear()
    assert port.hidden_rows(SAGE_ONLY) == {10, 11, 1500}
    assert len(excel.calls) < 150, len(excel.calls)


@pytest.mark.parametrize("com", [True, False], ids=["windows", "macos"])
def test_a_missing_sheet_is_named_on_both_systems(tmp_path, com):
    book, _ = standin(tmp_path, 1, Excel(com=com))
    port = ExcelBook(book)
    with pytest.raises(WorkbookError, match="the sheet Budget is missing"):
        port.read_range("Budget", "A1")


def test_a_workbook_excel_knows_only_by_web_address_is_explained(tmp_path, monkeypatch):
    book, _ = standin(tmp_path, 1)

    def onedrive(self):
        raise RuntimeError("Couldn't find your local OneDrive folder")

    monkeypatch.setattr(type(book), "fullname", property(onedrive))
    with pytest.raises(WorkbookError, match="OneDrive") as error:
        ExcelBook(book).folder()
    assert "Save it in a folder on this computer" in error.value.advice


def test_the_run_lock_lives_in_the_temporary_folder_and_a_filesystem_without_locks_runs(
    tmp_path, monkeypatch
):
    import errno
    import tempfile

    from smsync_xl.book import busy

    assert busy.lock_path(tmp_path / "SMSync.xlsm").parent == Path(tempfile.gettempdir())

    def no_locks(handle, flags):
        raise OSError(errno.ENOLCK, "No locks available")  # an SMB or NFS share

    monkeypatch.setattr("fcntl.flock", no_locks)
    with busy.one_run_at_a_time(tmp_path / "SMSync.xlsm") as free:
        assert free


def test_refresh_in_excel_keeps_the_ticks_of_records_that_did_not_change(tmp_path):
    port, excel = refreshed(tmp_path, 4)
    cells = excel.cells[SAGE_ONLY]
    ids = [cells[(FIRST + i, ID)] for i in range(4)]
    for row in (0, 1, 3):
        excel.write(SAGE_ONLY, (FIRST + row, INCLUDE), "x")
    with closing(sqlite3.connect(tmp_path / "sage50_demo.sqlite")) as db, db:
        db.execute(
            "UPDATE Customers SET Customer_Bill_Name = 'Renamed' WHERE CustomerID = ?", (ids[1],)
        )
    finished = macros.refresh(port)
    assert finished is not None
    assert "2 tick(s) kept" in finished.summary and "1 tick(s) cleared" in finished.summary
    ticks = {cells[(FIRST + i, ID)]: cells.get((FIRST + i, INCLUDE)) for i in range(4)}
    assert ticks == {ids[0]: "x", ids[1]: None, ids[2]: None, ids[3]: "x"}


def shrink_then_grow(folder: Path, keep: int) -> list[tuple]:
    """Sage 50 keeps its first ``keep`` customers; returns the others to put back."""
    with closing(sqlite3.connect(folder / "sage50_demo.sqlite")) as db, db:
        gone = db.execute(
            "SELECT * FROM Customers ORDER BY CustomerID LIMIT -1 OFFSET ?", (keep,)
        ).fetchall()
        db.execute("DELETE FROM Customers WHERE CustomerID > ?", (f"C{keep - 1:06d}",))
    return gone


def put_back(folder: Path, rows: list[tuple]) -> None:
    with closing(sqlite3.connect(folder / "sage50_demo.sqlite")) as db, db:
        marks = ",".join("?" * len(rows[0]))
        db.executemany(f"INSERT INTO Customers VALUES ({marks})", rows)


def test_what_the_bookkeeper_put_under_a_table_moves_down_in_excel(tmp_path):
    book, excel = standin(tmp_path, 6)
    gone = shrink_then_grow(tmp_path, 3)
    port = ExcelBook(book)
    assert macros.refresh(port)  # 3 rows: 6 to 8
    excel.write(SAGE_ONLY, (10, 2), "my note")
    excel.write(SAGE_ONLY, (11, 40), "far right")
    excel.write(SAGE_ONLY, (12, 3), "merged block")
    excel.merged[SAGE_ONLY].add(((12, 3), (13, 5)))
    put_back(tmp_path, gone)
    assert macros.refresh(port)  # 6 rows: 6 to 11; row 9 free, 2 rows inserted at 10
    cells = excel.cells[SAGE_ONLY]
    assert [cells[(FIRST + i, ID)] for i in range(6)] == [f"C{n:06d}" for n in range(6)]
    assert book.sheets[SAGE_ONLY].tables["SageOnly"].range.last_cell.row == FIRST + 5
    assert cells[(12, 2)] == "my note" and cells[(13, 40)] == "far right"
    assert cells[(14, 3)] == "merged block"
    assert excel.merged[SAGE_ONLY] == {((14, 3), (15, 5))}


def test_a_note_under_the_log_moves_down_in_excel(tmp_path):
    book, excel = standin(tmp_path, 2)
    excel.write("Log", (FIRST + 1, 1), "keep me")
    port = ExcelBook(book)
    for number in range(1, 4):
        assert macros.refresh(port)
        assert len(port.read_table("Log").rows) == number
        assert excel.cells["Log"][(max(FIRST + 1, FIRST + number), 1)] == "keep me"


def test_a_column_added_inside_a_table_in_excel_is_named_and_nothing_is_written(tmp_path):
    port, excel = refreshed(tmp_path, 3)
    table = port.book.sheets[SAGE_ONLY].tables["SageOnly"]
    (top, left), (bottom, right) = table._corners
    cells = excel.cells[SAGE_ONLY]
    for row in range(top, bottom + 1):  # what Excel does on Insert > Table Columns to the Left
        for column in range(right, 4, -1):
            if (row, column) in cells:
                cells[(row, column + 1)] = cells.pop((row, column))
    cells[(top, 5)], cells[(top + 1, 5)] = "My notes", "call back"
    table._corners = ((top, left), (bottom, right + 1))
    before = copy.deepcopy(cells)
    assert macros.refresh(port) is None
    message = excel.dialogs[-1].prompt
    assert "the table SageOnly has 36 columns where SMSync fills 35" in message
    assert "'My notes' (column E) was added" in message and "Nothing was changed" in message
    assert excel.cells[SAGE_ONLY] == before
    setup = copy.deepcopy(excel.cells[SETUP])
    assert macros.show_entity("vendors", port) is None  # the Records button: refused too
    assert "'My notes' (column E) was added" in excel.dialogs[-1].prompt
    assert excel.cells[SETUP] == setup and excel.cells[SAGE_ONLY] == before


def test_an_empty_merged_block_under_a_table_moves_down_in_excel(tmp_path):
    book, excel = standin(tmp_path, 6)
    gone = shrink_then_grow(tmp_path, 3)
    port = ExcelBook(book)
    assert macros.refresh(port)  # 3 rows: 6 to 8
    excel.merged[SAGE_ONLY].add(((10, 2), (11, 4)))  # merged, nothing typed in it yet
    put_back(tmp_path, gone)
    assert macros.refresh(port)  # 6 rows: 6 to 11; 3 rows inserted right under row 8
    assert book.sheets[SAGE_ONLY].tables["SageOnly"].range.last_cell.row == FIRST + 5
    assert excel.merged[SAGE_ONLY] == {((13, 2), (14, 4))}


def test_a_note_excel_took_into_the_table_is_named_in_excel(tmp_path):
    port, excel = refreshed(tmp_path, 3)
    table = port.book.sheets[SAGE_ONLY].tables["SageOnly"]
    (top, left), (bottom, right) = table._corners
    excel.write(SAGE_ONLY, (bottom + 1, NAME), "ask Pat")
    table._corners = ((top, left), (bottom + 1, right))  # Excel's auto-expansion
    before = copy.deepcopy(excel.cells[SAGE_ONLY])
    assert macros.refresh(port) is None
    message = excel.dialogs[-1].prompt
    assert message.startswith(f"Sage50-only sheet, cell D{bottom + 1}: row {bottom + 1}")
    assert "'ask Pat'" in message and "Nothing was changed" in message
    assert excel.cells[SAGE_ONLY] == before


def grown_with(folder: Path, place) -> tuple[ExcelBook, Excel, bool]:
    """Refresh with 3 customers (rows 6 to 8), ``place`` something under or beside the
    table, then Refresh with 6 (rows 6 to 11): the second Refresh's result."""
    book, excel = standin(folder, 6)
    gone = shrink_then_grow(folder, 3)
    port = ExcelBook(book)
    assert macros.refresh(port)
    place(book, excel)
    put_back(folder, gone)
    return port, excel, macros.refresh(port) is not None


def test_a_formula_showing_nothing_under_a_table_moves_down_in_excel(tmp_path):
    """xlwings reads a formula whose result is "" (or an error) as None: the room check
    reads formulas, so the cell is moved with the rows, not written over."""
    formula = '=IF(Setup!A1="never","x","")'

    def place(book, excel) -> None:
        excel.write(SAGE_ONLY, (10, 1), formula)  # Include is a General column

    port, excel, done = grown_with(tmp_path, place)
    assert done, excel.dialogs[-1]
    cells = excel.cells[SAGE_ONLY]
    assert cells[(12, 1)] == formula and (10, 1) not in cells
    assert port.book.sheets[SAGE_ONLY].tables["SageOnly"].range.last_cell.row == FIRST + 5


def test_the_bookkeepers_own_table_beside_a_growing_table_is_named_in_excel(tmp_path):
    """Excel does not insert cells through a table: SMSync names it before writing."""
    state = {}

    def place(book, excel) -> None:
        excel.write(SAGE_ONLY, (10, 2), "my note")
        excel.write(SAGE_ONLY, (3, 37), "my table")
        excel.add_table(book.sheets[SAGE_ONLY], "Mine", "AK3:AL20")
        state["before"] = copy.deepcopy(excel.cells)

    _, excel, done = grown_with(tmp_path, place)
    assert not done
    message = excel.dialogs[-1].prompt
    assert message.startswith("Sage50-only sheet, cell AK3: the table SageOnly needs 2 more")
    assert "the table Mine (rows 3 to 20) beside it reaches those rows" in message
    assert "Move the table Mine (rows 3 to 20)" in message and "Nothing was changed." in message
    assert excel.cells == state["before"]  # no Log row either


def test_hidden_rows_a_table_grows_into_are_shown_in_excel(tmp_path):
    """Inserting cells moves the note, not the rows' Hidden flags: the rows the table
    takes are shown, and Check All ticks every record."""

    def place(book, excel) -> None:
        excel.write(SAGE_ONLY, (10, 2), "my note")
        excel.hand_hidden.setdefault(SAGE_ONLY, set()).update({9, 10, 11})

    port, excel, done = grown_with(tmp_path, place)
    assert done
    assert excel.cells[SAGE_ONLY][(12, 2)] == "my note"
    assert not any(excel.is_hidden(SAGE_ONLY, row) for row in range(FIRST, FIRST + 6))
    assert macros.check_all(port)
    assert [excel.cells[SAGE_ONLY].get((FIRST + i, INCLUDE)) for i in range(6)] == ["x"] * 6


def test_notes_beside_a_narrowed_table_are_named_in_excel(tmp_path):
    port, excel = refreshed(tmp_path, 3)
    table = port.book.sheets[SAGE_ONLY].tables["SageOnly"]
    (top, left), (bottom, right) = table._corners
    cells = excel.cells[SAGE_ONLY]
    for row in range(top, bottom + 1):  # Delete > Table Columns on column D
        cells.pop((row, 4), None)
        for column in range(5, right + 1):
            if (row, column) in cells:
                cells[(row, column - 1)] = cells.pop((row, column))
    table._corners = ((top, left), (bottom, right - 1))
    excel.write(SAGE_ONLY, (top + 1, right), "my note beside")
    before = copy.deepcopy(excel.cells)
    assert macros.refresh(port) is None
    message = excel.dialogs[-1].prompt
    assert message.startswith(f"Sage50-only sheet, cell AI{top + 1}: the table SageOnly has 34")
    assert "'my note beside'" in message and "Nothing was changed." in message
    assert excel.cells == before


def test_what_would_be_pushed_off_the_sheet_is_named_in_excel(tmp_path):
    """A value near the bottom is named (not the first cell under the table); a cell
    that holds only a format there drops off, as in Excel."""
    last = 1_048_576

    def place(book, excel) -> None:
        excel.write(SAGE_ONLY, (10, 2), "my note")
        excel.formats[SAGE_ONLY][(last, 5)] = "0.00"

    _, excel, done = grown_with(tmp_path, place)
    assert done, excel.dialogs[-1]
    assert excel.cells[SAGE_ONLY][(12, 2)] == "my note"
    assert all(row <= last for row, _ in excel.formats[SAGE_ONLY])

    def place_value(book, excel) -> None:
        excel.write(SAGE_ONLY, (10, 2), "my note")
        excel.write(SAGE_ONLY, (last - 1, 3), "at the bottom")

    (tmp_path / "second").mkdir()
    _, excel, done = grown_with(tmp_path / "second", place_value)
    assert not done
    message = excel.dialogs[-1].prompt
    assert message.startswith("Sage50-only sheet, cell C1048575: the table SageOnly needs 2")
    assert "would push cell C1048575 past Excel's last row" in message


def test_a_table_past_excels_last_row_is_refused_in_excel(tmp_path):
    port, _ = refreshed(tmp_path, 2)
    with pytest.raises(WorkbookError, match=r"would need 1,048,572 rows, down to row 1,048,577"):
        port.check_room("Log", 1_048_576 - HEADER_ROW + 1)
    port.check_room("Log", 1_048_576 - HEADER_ROW)


def test_a_merged_block_beside_a_growing_table_is_named_in_excel(tmp_path):
    """Excel does not insert cells through a merged block either: named before writing."""
    state = {}

    def place(book, excel) -> None:
        excel.write(SAGE_ONLY, (3, 40), "merged beside")
        excel.merged[SAGE_ONLY].add(((3, 40), (12, 41)))
        state["before"] = copy.deepcopy(excel.cells)

    _, excel, done = grown_with(tmp_path, place)
    assert not done
    message = excel.dialogs[-1].prompt
    assert message.startswith("Sage50-only sheet, cell AN3: the table SageOnly needs 3 more")
    assert "the merged block AN3:AO12 beside it reaches those rows" in message
    assert excel.cells == state["before"]


def test_an_insert_excel_refuses_is_explained_without_blaming_protection(tmp_path, monkeypatch):
    """A PivotTable reaching into the rows (xlwings cannot see one beforehand) makes Excel
    refuse to insert cells: the message says so, and that the table was not changed."""

    def pivot_in_the_way(self, sheet, corners) -> None:
        raise RuntimeError("We can't change this part of a PivotTable report.")

    def place(book, excel) -> None:
        excel.write(SAGE_ONLY, (10, 2), "my note")
        monkeypatch.setattr(Excel, "insert_down", pivot_in_the_way)

    port, excel, done = grown_with(tmp_path, place)
    assert not done
    message = excel.dialogs[-1].prompt
    assert message.startswith("Sage50-only sheet, cell B10: Excel refused to insert 2 row(s)")
    assert "PivotTable report" in message and "the table was not changed" in message
    assert port.book.sheets[SAGE_ONLY].tables["SageOnly"].range.last_cell.row == FIRST + 2


class WindowsLocks:
    """msvcrt as the CRT's _locking behaves: a byte range from the file's current
    position, refused (EACCES) to any other handle while held, and freed by LK_UNLCK at
    the same position. A lock left at close is not freed here: Windows frees it only
    "depending upon available system resources" (LockFileEx remarks)."""

    LK_UNLCK, LK_LOCK, LK_NBLCK, LK_RLCK, LK_NBRLCK = 0, 1, 2, 3, 4

    def __init__(self) -> None:
        self.held: dict[tuple[int, int, int, int], int] = {}

    def locking(self, fd: int, mode: int, nbytes: int) -> None:
        import errno
        import os

        found = os.fstat(fd)  # fails on a closed handle
        key = (found.st_dev, found.st_ino, os.lseek(fd, 0, os.SEEK_CUR), nbytes)
        if mode == self.LK_UNLCK:
            if self.held.get(key) != fd:
                raise OSError(errno.EACCES, "Permission denied")
            del self.held[key]
        elif mode == self.LK_NBLCK:
            if key in self.held:
                raise OSError(errno.EACCES, "Permission denied")
            self.held[key] = fd
        else:
            raise NotImplementedError(mode)


def test_the_windows_run_lock_is_unlocked_before_its_file_closes(tmp_path, monkeypatch):
    import sys

    from smsync_xl.book import busy

    windows = WindowsLocks()
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setitem(sys.modules, "msvcrt", windows)
    workbook = tmp_path / "SMSync.xlsm"
    with busy.one_run_at_a_time(workbook) as free:
        assert free and len(windows.held) == 1
        with busy.one_run_at_a_time(workbook) as second:
            assert not second
        assert len(windows.held) == 1  # the refused run released nothing
    assert windows.held == {}
    with busy.one_run_at_a_time(workbook) as again:
        assert again


@pytest.mark.parametrize("com", [True, False], ids=["windows", "macos"])
def test_hidden_rows_recalculate_the_visible_column_only(tmp_path, com):
    """Application.Calculate would recalculate every open workbook of the bookkeeper;
    Range.Calculate (the appscript calculate command on a Mac) does the column alone,
    in manual calculation too."""
    book, excel = standin(tmp_path, 4, Excel(com=com))
    port = ExcelBook(book)
    assert macros.refresh(port)
    excel.manual = True
    excel.calculated.clear()
    excel.calls.clear()
    excel.hidden_rows[SAGE_ONLY] = {FIRST + 2}
    assert port.hidden_rows(SAGE_ONLY) == {2}
    assert "app.calculate" not in excel.calls
    column = [c.title for c in SAGE_COLUMNS].index("Visible") + 1
    assert {(sheet, c) for sheet, (_, c) in excel.calculated} == {(SAGE_ONLY, column)}


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
@pytest.mark.parametrize("com", [True, False], ids=["windows", "macos"])
def test_refresh_leaves_a_hidden_sage50_only_sheet_hidden_and_works(tmp_path, com, state):
    """Excel refuses to activate a hidden sheet (error 1004): Refresh used to end on it."""
    book, excel = standin(tmp_path, 3, Excel(com=com))
    excel.sheet_states[SAGE_ONLY] = state
    port = ExcelBook(book)
    assert macros.refresh(port) is not None
    assert "sheet.activate" not in excel.calls
    assert len([c for c in excel.cells[SAGE_ONLY] if c[0] > HEADER_ROW]) > 0
    excel.sheet_states.clear()
    port.activate(SAGE_ONLY)
    assert "sheet.activate" in excel.calls


@pytest.mark.parametrize("com", [True, False], ids=["windows", "macos"])
def test_refresh_clears_a_filter_that_hides_no_row(tmp_path, com):
    """A criterion that matches every row hides nothing now, but Excel applies it again
    at the next sort or reapply, to rows that hold other records by then."""
    port, excel = refreshed(tmp_path, 4, Excel(com=com))
    table = excel.tables[TABLE_NAMES[SAGE_ONLY]]
    table._criteria[3] = "<>no such status"  # what a filter the bookkeeper set leaves
    assert not port.hidden_rows(SAGE_ONLY) and port.filtered(SAGE_ONLY)
    finished = macros.refresh(port)
    assert finished is not None and f"The filter on {SAGE_ONLY} was cleared" in finished.summary
    assert not port.filtered(SAGE_ONLY) and table.show_autofilter


def test_a_total_row_is_never_data_and_refresh_turns_it_off_and_says_so(tmp_path):
    """Table.range ends with a shown Total Row; DataBodyRange does not."""
    port, excel = refreshed(tmp_path, 4)
    table = excel.tables[TABLE_NAMES[SAGE_ONLY]]
    (r1, c1), (r2, c2) = table._corners
    table._corners, table._totals = ((r1, c1), (r2 + 1, c2)), True  # Table Design > Total Row
    excel.write(SAGE_ONLY, (r2 + 1, ID), "Total")
    assert len(port.read_table(SAGE_ONLY).rows) == 4
    finished = macros.refresh(port)
    assert finished is not None and f"The Total Row on {SAGE_ONLY} was turned off" in (
        finished.summary
    )
    assert not table.show_totals and table._corners[1][0] == r2
    assert excel.cells[SAGE_ONLY].get((r2 + 1, ID)) is None
    assert len(port.read_table(SAGE_ONLY).rows) == 4


def includes(excel: Excel, count: int) -> list[object]:
    return [excel.cells[SAGE_ONLY].get((row, INCLUDE)) for row in range(FIRST, FIRST + count)]


def test_a_filter_hides_the_last_row_too(tmp_path):
    """A SUBTOTAL in the last row of a filtered table can be taken by Excel for a total
    row and left visible; the Visible column's AGGREGATE(3,5,…) is not: the filter hides
    the last row, SMSync sees it hidden, and Check All leaves it."""
    book, excel = standin(tmp_path, 4)
    port = ExcelBook(book)
    assert macros.refresh(port)
    last = excel.cells[SAGE_ONLY][(FIRST + 3, ID)]
    filter_on_windows(book, SAGE_ONLY, ID, f"<>{last}")
    assert excel.is_hidden(SAGE_ONLY, FIRST + 3)
    assert port.hidden_rows(SAGE_ONLY) == {3}
    assert macros.check_all(port)
    assert includes(excel, 4) == ["x", "x", "x", None]


@pytest.mark.parametrize("com", [True, False], ids=["windows", "macos"])
def test_rows_hidden_by_hand_are_seen(tmp_path, com):
    """Hiding a row by hand dirties no formula, so Application.Calculate leaves the
    Visible column saying 1 there; Range.Calculate on the column makes it see the row."""
    book, excel = standin(tmp_path, 4, Excel(com=com))
    port = ExcelBook(book)
    assert macros.refresh(port)
    book.sheets[SAGE_ONLY].range((FIRST + 1, 1)).rows.hidden = True
    assert port.hidden_rows(SAGE_ONLY) == {1}
    assert macros.check_all(port)
    assert includes(excel, 4) == ["x", None, "x", "x"]


def test_refresh_writes_a_dragged_column_where_its_rules_point(tmp_path):
    """Excel moves the conditional formats and the Include validation (fixed A1
    formulas) with a dragged column: Refresh writes each column where the sheet has it
    now, so greying, status colours and the tick check still read the right column."""
    port, excel = refreshed(tmp_path, 3)
    excel.drag_column(SAGE_ONLY, STATUS, STATUS + 5)
    excel.drag_column(SAGE_ONLY, INCLUDE, ID)
    header = [excel.cells[SAGE_ONLY].get((HEADER_ROW, c)) for c in range(1, len(SAGE_COLUMNS) + 1)]
    assert macros.refresh(port)
    cells = excel.cells[SAGE_ONLY]
    assert [cells.get((HEADER_ROW, c)) for c in range(1, len(SAGE_COLUMNS) + 1)] == header
    assert {cells.get((HEADER_ROW, c)) for _, c in excel.rule_columns[SAGE_ONLY]} == {
        "Include",
        "Status",
        "Inactive",
    }
    assert all(cells.get((HEADER_ROW, c)) == title for title, c in excel.rule_columns[SAGE_ONLY])
    assert [cells.get((FIRST + n, STATUS + 5)) for n in range(3)] == ["NEW"] * 3
    assert macros.check_all(port)
    assert [cells.get((FIRST + n, ID)) for n in range(3)] == ["x"] * 3  # Include is there
