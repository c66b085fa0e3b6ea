"""The workbook side of the bad-input matrix: files that are not SMSync workbooks, sheets
renamed or deleted, rows typed where they do not belong, files that cannot be saved, and
a failure after SMSTurbo committed. Each case through the headless twins: exit code 1, a
message naming the place and the fix, no traceback, and SMSTurbo exactly as before."""

from __future__ import annotations

import os
import re
import shutil
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook
from openpyxl.worksheet.table import TableColumn

from smsync_xl import macros
from smsync_xl.book.layout import LOG, REPLACE_COLUMNS, SAGE_ONLY, SETUP, TURBO_ONLY, setup_layout
from smsync_xl.book.package import read_parts, write_parts
from smsync_xl.cli import main

from .conftest import audit_rows, dump
from .workbook_helpers import Dialogs, demo_workbook, edit_workbook, open_book

Damage = Callable[[Path], None]


def refreshed_and_ticked(path: Path) -> None:
    assert macros.refresh(open_book(path, Dialogs(True, False)))
    assert macros.check_all(open_book(path))


def run(command: str, path: Path) -> tuple[int, str]:
    answers = ["--yes"] if command in ("refresh", "synchronize") else []
    result = CliRunner().invoke(main, [command, str(path), *answers])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def edit(path: Path, change: Callable) -> None:
    port = open_book(path)
    change(port)
    port.finish()


def zero_bytes(path: Path) -> None:
    path.write_bytes(b"")


def truncated(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def csv_renamed(path: Path) -> None:
    path.write_text("Customer ID,Customer Name\nACME,Acme\n", encoding="utf-8")


def unrelated_workbook(path: Path) -> None:
    book = Workbook()
    book.active["A1"] = "Budget 2026"
    book.save(path)


def rename_sheet(name: str) -> Damage:
    def damage(path: Path) -> None:
        edit_workbook(path, lambda book: setattr(book[name], "title", name + " (old)"))

    return damage


def delete_sheet(name: str) -> Damage:
    def damage(path: Path) -> None:
        edit_workbook(path, lambda book: book.remove(book[name]))

    return damage


def relabel(label: str) -> Damage:
    def damage(path: Path) -> None:
        def change(book) -> None:
            sheet = book[SETUP]
            for row in sheet.iter_rows(min_col=1, max_col=1):
                if row[0].value == label:
                    row[0].value = label + " (mine)"

        edit_workbook(path, change)

    return damage


def tick_below_the_table(path: Path) -> None:
    table = open_book(path).read_table(SAGE_ONLY)
    below = table.first_row + len(table.rows) + 2

    def change(book) -> None:
        book[SAGE_ONLY].cell(below, 1, "x")
        book[SAGE_ONLY].cell(below, 3, "MYNEWCO")

    edit_workbook(path, change)


def include_formula(sheet: str) -> Damage:
    """``=TRUE()`` typed into the first row's Include by a program that does not calculate
    (openpyxl, as a script would): the file holds the formula and no result."""

    def damage(path: Path) -> None:
        edit_workbook(path, lambda book: book[sheet].cell(6, 1, "=TRUE()"))

    return damage


def formula_under_the_log(path: Path) -> None:
    """A total typed right under the Log: the headless port cannot move a formula."""
    below = open_book(path).read_table(LOG)
    row = below.first_row + len(below.rows)
    edit_workbook(path, lambda book: book[LOG].cell(row, 2, "=COUNTA(A6:A9)"))


def column_added_to_the_log(path: Path) -> None:
    """Excel's doing when the bookkeeper types right of the Log: the table takes the column."""

    def change(book) -> None:
        sheet = book[LOG]
        table = sheet.tables["SyncLog"]
        sheet["H5"], sheet["H6"] = "Checked by", "me"
        table.ref = table.autoFilter.ref = table.ref.replace("G", "H")
        table.tableColumns.append(TableColumn(id=8, name="Checked by"))

    edit_workbook(path, change)


def read_only(path: Path) -> None:
    path.chmod(stat.S_IRUSR | stat.S_IRGRP)


def folder_refuses_the_save(path: Path) -> None:
    (path.parent / (path.name + ".saving")).mkdir()  # the save's new copy cannot be made


def setup_value(key: str, value: object) -> Damage:
    def damage(path: Path) -> None:
        edit(path, lambda port: port.write_cell(SETUP, setup_layout().setting(key).cell, value))

    return damage


def setup_cell(address: str, value: object) -> Damage:
    def damage(path: Path) -> None:
        edit(path, lambda port: port.write_cell(SETUP, address, value))

    return damage


def replace_cell(entity: str, group: str) -> str:
    """Where Replace Options has (or, for a group the list lacks, would have) a tick."""
    row = next(c.row for c in setup_layout().replace_cells if c.group == group)
    return f"{REPLACE_COLUMNS[entity]}{row}"


CASES: list[tuple[str, str, Damage, tuple[str, ...]]] = [
    # (case, twin command, damage, what the message must say)
    ("zero-byte file", "refresh", zero_bytes, ("not an SMSync workbook", "smsync-xl install")),
    ("truncated file", "synchronize", truncated, ("not an SMSync workbook", "install")),
    ("CSV renamed .xlsm", "check-all", csv_renamed, ("not an SMSync workbook", "install")),
    ("unrelated workbook", "refresh", unrelated_workbook, ("sheet Setup is missing", "install")),
    (
        "Sage50-only renamed",
        "synchronize",
        rename_sheet(SAGE_ONLY),
        ("sheet Sage50-only is missing", "Rename the sheet back to Sage50-only"),
    ),
    (
        "SMSTurbo-only deleted",
        "refresh",
        delete_sheet(TURBO_ONLY),
        ("sheet SMSTurbo-only is missing", "install --force"),
    ),
    (
        "Log deleted before Synchronize",
        "synchronize",
        delete_sheet(LOG),
        ("sheet Log is missing", "Rename the sheet back to Log"),
    ),
    (
        "Setup deleted",
        "refresh",
        delete_sheet(SETUP),
        ("sheet Setup is missing", "install --force"),
    ),
    (
        "a Setup label retyped",
        "refresh",
        relabel("Read Sage 50 from"),
        ("no row labelled 'Read Sage 50 from'", "Type the label back"),
    ),
    (
        "a Replace Options label retyped",
        "synchronize",
        relabel("E-mail"),
        ("no row labelled 'E-mail'", "Type the label back"),
    ),
    (
        "a tick typed below the table",
        "synchronize",
        tick_below_the_table,
        ("below the table", "Sage50-only sheet, row", "tick the record inside the table"),
    ),
    (
        "a formula without a result in Include",
        "synchronize",
        include_formula(SAGE_ONLY),
        ("Include holds the formula =TRUE()", "Sage50-only sheet, row 6 (ID ", "Type x"),
    ),
    (
        "a formula without a result in SMSTurbo-only's Include",
        "synchronize",
        include_formula(TURBO_ONLY),
        ("Include holds the formula =TRUE()", "SMSTurbo-only sheet, row 6 (ID ", "Type x"),
    ),
    (
        "a formula right under the Log",
        "synchronize",
        formula_under_the_log,
        ("Log sheet, cell B7: the table SyncLog needs 1 more row", "a formula", "in Excel"),
    ),
    (
        "a column added to the Log table",
        "synchronize",
        column_added_to_the_log,
        ("Log sheet, header row 5", "'Checked by' (column H) was added", "Nothing was changed"),
    ),
    ("read-only workbook", "synchronize", read_only, ("read-only", "Clear its read-only")),
    ("read-only workbook, Refresh", "refresh", read_only, ("read-only", "work on a copy")),
    (
        "folder refuses the save",
        "synchronize",
        folder_refuses_the_save,
        ("folder cannot be written", "Move the workbook"),
    ),
    (
        "Records is neither",
        "refresh",
        setup_value("entity", "Suppliers"),
        (
            "'Suppliers' is not Customers or Vendors or Materials",
            "Choose Customers or Vendors or Materials",
        ),
    ),
    (
        "a tick in a grey Replace Options cell",
        "synchronize",
        setup_cell(replace_cell("vendors", "credit_limit"), "x"),
        (
            f"cell {replace_cell('vendors', 'credit_limit')} (Replace Options: Credit limit, "
            "Vendors)",
            "Vendors have no credit limit in Sage 50",
            "Clear the cell",
        ),
    ),
    (
        "not a tick in a Materials Replace Options cell",
        "refresh",
        setup_cell(replace_cell("materials", "price"), "maybe"),
        (
            f"cell {replace_cell('materials', 'price')} (Replace Options: Price, Materials)",
            "'maybe' is not a tick",
        ),
    ),
    (
        "Read Sage 50 from is unknown",
        "synchronize",
        setup_value("sage50.kind", "excel"),
        ("'excel' is not one of", "Choose one of"),
    ),
    (
        "SMSTurbo file missing",
        "synchronize",
        setup_value("smsturbo.path", "nowhere.sqlite"),
        ("nowhere.sqlite not found", "Check the SMSTurbo database file"),
    ),
]


@pytest.mark.parametrize(
    ("command", "damage", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_a_damaged_workbook_is_one_plain_message(tmp_path, command, damage, expected):
    path = demo_workbook(tmp_path)
    refreshed_and_ticked(path)
    database = tmp_path / "smsturbo_demo.sqlite"
    before = dump(database, audit=True)
    damage(path)
    workbook = path.read_bytes()
    code, output = run(command, path)
    assert code == 1, output
    for words in expected:
        assert words in output, (words, output)
    assert "Traceback" not in output and "was not changed by the step" not in output
    assert dump(database, audit=True) == before
    if damage in (read_only,):
        assert path.read_bytes() == workbook  # not replaced
    if path.exists():
        path.chmod(stat.S_IRUSR | stat.S_IWUSR)


def test_a_row_inserted_at_the_top_of_setup_changes_nothing(tmp_path):
    path = demo_workbook(tmp_path)
    edit_workbook(path, lambda book: book[SETUP].insert_rows(1, 3))
    code, output = run("refresh", path)
    assert code == 0, output
    assert "Is this the correct Sage 50 company?" in output and "Customers: 12 NEW" in output


def test_after_the_commit_every_message_says_what_was_written(tmp_path, monkeypatch):
    """SMSTurbo commits; then saving the workbook fails: the message says run 1 WAS
    written, what could not be saved and what to do, and SMSTurbo keeps the run."""
    path = demo_workbook(tmp_path)
    refreshed_and_ticked(path)
    database = tmp_path / "smsturbo_demo.sqlite"

    def full_disk(self) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("smsync_xl.book.file.FileBook.finish", full_disk)
    dialogs = Dialogs(True)
    assert macros.synchronize(open_book(path, dialogs)) is None
    message = dialogs.alerts[-1]
    assert message.startswith("SMSTurbo WAS changed: Synchronize run 1 is committed")
    assert "No space left on device" in message
    assert "smsync-xl runs --details 1" in message
    assert "was not changed" not in message
    assert audit_rows(database)[0] == 1


@pytest.mark.skipif(os.name != "posix", reason="file modes")
def test_a_read_only_workbook_is_not_replaced_by_a_headless_save(tmp_path):
    path = demo_workbook(tmp_path)
    shutil.copyfile(path, tmp_path / "copy.xlsm")
    read_only(path)
    code, output = run("check-all", path)
    assert code == 1 and "read-only" in output
    assert path.read_bytes() == (tmp_path / "copy.xlsm").read_bytes()
    assert not path.stat().st_mode & stat.S_IWUSR


def edit_part(path: Path, name: str, change: Callable[[str], str]) -> None:
    """Change one part's XML as another program might have saved it."""
    parts = read_parts(path.read_bytes())
    parts[name] = change(parts[name].decode("utf-8")).encode("utf-8")
    path.write_bytes(write_parts(parts))


@pytest.mark.parametrize("command", ["synchronize", "refresh"])
def test_a_log_down_to_excels_last_row_stops_the_run_before_anything_is_written(tmp_path, command):
    """The Log table already reaches row 1,048,576: the run's Log row would go past it.
    Refused before SMSTurbo is written, and the workbook is left as it was (no Log row
    about the refusal either: the message says nothing was changed)."""
    path = demo_workbook(tmp_path)
    refreshed_and_ticked(path)
    edit_part(path, "xl/tables/table3.xml", lambda xml: re.sub(r"A5:G\d+", "A5:G1048576", xml))
    database = tmp_path / "smsturbo_demo.sqlite"
    before, workbook = dump(database, audit=True), path.read_bytes()
    code, output = run(command, path)
    assert code == 1, output
    assert "Log sheet, table SyncLog: the table SyncLog would need 1,048,572 rows" in output
    assert "past Excel's last row (1,048,576)" in output
    assert "paste them into another workbook" in output and "Nothing was changed." in output
    assert dump(database, audit=True) == before
    assert path.read_bytes() == workbook
