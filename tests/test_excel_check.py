"""excel-check's checks, run against the stand-in: they pass on a workbook that behaves
as Excel does, and each one fails when what it checks breaks."""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import replace
from importlib.util import find_spec
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from smsync_xl import udf
from smsync_xl.book.layout import SAGE_ONLY, TABLE_COLUMNS
from smsync_xl.cli import main
from smsync_xl.pc.excel_check import LAST_ROW_HIDES, ExcelCheckReport, filter_on_windows, run_checks
from smsync_xl.pc.install import install

from .xlwings_standin import Book, Excel

ARGUMENT = re.compile(r'"([^"]*)"')


def evaluate(book, formula: str) -> object:
    """What Excel does with an Excel function: xlwings calls the Python function with the
    formula's arguments and the calling cell."""
    name = formula[1 : formula.index("(")]
    arguments = ARGUMENT.findall(formula)
    function = getattr(udf, name)
    if name == "SMSYNC_ID_PROBLEM":
        return function(*arguments) or None
    caller = SimpleNamespace(sheet=SimpleNamespace(book=book))
    return function(*arguments, caller=caller)


def checked(tmp_path, **excel) -> ExcelCheckReport:
    folder = tmp_path / "SMSync"
    workbook = install(folder, with_demo=True).workbook
    book = Book(workbook, Excel(**excel))
    return run_checks(
        book,
        folder,
        ExcelCheckReport(["stand-in"]),
        apply_filter=filter_on_windows,
        evaluate=evaluate,
        wait=0,  # the stand-in's RunPython returns when the macro has run
    )


def test_every_check_passes_when_the_workbook_behaves(tmp_path):
    report = checked(tmp_path)
    assert report.passed, "\n".join(report.lines())
    assert len(report.checks) >= 18
    assert report.lines()[-1] == "All checks passed."


def test_check_all_ticking_hidden_rows_fails_its_check(tmp_path, monkeypatch):
    monkeypatch.setattr("smsync_xl.book.excel.ExcelBook.hidden_rows", lambda self, sheet: set())
    report = checked(tmp_path)
    failed = [c.name for c in report.checks if not c.passed]
    assert "A filter on Inactive hides the inactive rows" in failed
    assert not report.passed and report.lines()[-1].endswith("check(s) failed.")


def test_a_stray_apostrophe_fails_its_check(tmp_path, monkeypatch):
    monkeypatch.setattr(
        "smsync_xl.book.excel.cell_value",
        lambda value, fmt: "'" + value if isinstance(value, str) and value else value,
    )
    report = checked(tmp_path)
    failed = {c.name for c in report.checks if not c.passed}
    assert "IDs hold no stray apostrophe" in failed


def test_columns_left_as_they_were_fail_the_materials_check(tmp_path, monkeypatch):
    monkeypatch.setattr(
        "smsync_xl.book.excel.ExcelBook.show_columns", lambda self, sheet, shown: None
    )
    report = checked(tmp_path)
    failed = {c.name for c in report.checks if not c.passed}
    # the workbook is built showing the customers' columns, so only the switch fails
    assert failed == {
        "For materials the customer columns are hidden and the material columns shown"
    }


def test_a_wrong_excel_function_fails_its_check(tmp_path, monkeypatch):
    monkeypatch.setattr(udf, "SMSYNC_ID_PROBLEM", lambda record_id: "")
    report = checked(tmp_path)
    failed = [c.name for c in report.checks if not c.passed]
    assert len(failed) == 1 and failed[0].startswith('=SMSYNC_ID_PROBLEM("ACME CO") shows')


@pytest.mark.skipif("sys.platform in ('win32', 'darwin')")
def test_without_excel_the_command_says_so_and_exits_2():
    result = CliRunner().invoke(main, ["excel-check"])
    assert result.exit_code == 2
    assert "needs Microsoft Excel on Windows or macOS" in result.output


def test_a_runpython_failure_is_reported_from_xlwings_error_sheet(tmp_path, monkeypatch):
    """With SHOW_ERROR_POPUPS False, xlwings writes a Python error on an Error sheet
    instead of a message box nobody could close: the check reports it."""
    from . import xlwings_standin

    def failing_runpython(self, *args):
        excel = self._book._excel
        sheet = xlwings_standin.Sheet(excel, "Error")
        self._book._sheets._sheets["Error"] = sheet
        excel.cells["Error"] = {(1, 1): "Could not find Interpreter!"}
        excel.text_cells["Error"] = {(1, 1)}
        excel.formats["Error"], excel.column_formats["Error"] = {}, {}

    monkeypatch.setattr(xlwings_standin.Macro, "__call__", failing_runpython)
    report = checked(tmp_path)
    last = report.checks[-1]
    assert last.name == "RunPython started SMSync's Python from xlwings.conf"
    assert not last.passed and "Could not find Interpreter!" in last.detail


def test_the_report_is_printed_when_excel_still_holds_the_temporary_files(monkeypatch):
    """On Windows a file Excel still has open cannot be deleted (PermissionError, WinError
    32): the temporary folder's cleanup must not swallow the report."""
    from smsync_xl.pc import excel_check

    made: list = []

    def check_that_leaves_a_held_file(folder):
        folder.mkdir(parents=True)
        held = folder / "SMSync-check.xlsm"
        held.write_bytes(b"open in Excel")
        made.append(folder)
        return ExcelCheckReport(["stand-in"], [excel_check.Check("Refresh runs", True)])

    real_unlink = os.unlink

    def held_by_excel(path, *args, **kwargs):
        if str(path).endswith("SMSync-check.xlsm"):
            raise PermissionError(32, "The process cannot access the file", str(path))
        return real_unlink(path, *args, **kwargs)

    monkeypatch.setattr(excel_check, "excel_check", check_that_leaves_a_held_file)
    monkeypatch.setattr(os, "unlink", held_by_excel)
    result = CliRunner().invoke(main, ["excel-check"])
    monkeypatch.undo()
    shutil.rmtree(made[0].parent)
    assert result.exit_code == 0, result.output
    assert "PASS  Refresh runs" in result.output and "All checks passed." in result.output


def test_on_a_mac_the_report_says_what_it_cannot_drive():
    from smsync_xl.pc.excel_check import header

    mac = "\n".join(header("16.80", Path("/Users/a/SMSync.xlsm"), system="darwin"))
    assert "Grant File Access" in mac and "Nested AppleScript" in mac
    assert "Grant File Access" not in "\n".join(header("16.0", Path("C:/x.xlsm"), "win32"))


def test_a_last_row_left_visible_fails_its_check(tmp_path, monkeypatch):
    """Were the Visible column a SUBTOTAL, Excel could take the last row for a total row
    and leave it visible under the filter (as the stand-in does)."""
    subtotal = tuple(
        replace(c, formula=c.formula.replace("AGGREGATE(3,5,", "SUBTOTAL(103,")) if c.formula else c
        for c in TABLE_COLUMNS[SAGE_ONLY]
    )
    monkeypatch.setitem(TABLE_COLUMNS, SAGE_ONLY, subtotal)
    report = checked(tmp_path)
    assert LAST_ROW_HIDES in {c.name for c in report.checks if not c.passed}


def test_the_report_shows_the_first_open_chain_as_doctor_sees_it(tmp_path, monkeypatch):
    """excel-check's own path on a simulated Windows (the registry a dictionary, Excel the
    stand-in): after the header comes what doctor --book says of the installed workbook.
    Only that section is looked at (the steps after it are the other tests' subject)."""
    import sys

    import xlwings

    from smsync_xl.pc import excel_check, first_open
    from smsync_xl.pc import install as install_module

    from .test_first_open import FakeRegistry

    class StandinApp:
        version = "16.0 (stand-in)"

        def __init__(self, **options: object) -> None:
            self.books = SimpleNamespace(open=lambda path: Book(Path(path), Excel()))

        def quit(self) -> None:
            pass

    registry = FakeRegistry()
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(install_module, "WindowsRegistry", lambda: registry)
    monkeypatch.setattr(first_open, "WindowsRegistry", lambda: registry)
    monkeypatch.setattr(xlwings, "App", StandinApp)
    monkeypatch.setattr(excel_check, "evaluate_in_excel", evaluate)
    folder = tmp_path / "SMSync"

    result = CliRunner().invoke(main, ["excel-check", "--folder", str(folder)])
    lines = result.output.splitlines()
    first = lines.index("First open (as doctor --book sees it):")
    assert lines[first - 1].startswith("Excel 16.0 (stand-in); workbook ")
    section = lines[first + 1 : lines.index("", first)]
    pywin32 = find_spec("pywintypes") is not None  # this Python's, as doctor's
    assert ("  ok       pywin32" if pywin32 else "  PROBLEM  pywin32: cannot import") in "\n".join(
        section
    )
    assert f"  PROBLEM  {folder} is not a Trusted Location" in section
    assert f"  ok       xlwings {xlwings.__version__}: the package and" in "\n".join(section)
    bits = 64 if sys.maxsize > 2**32 else 32
    assert any(
        line.startswith(f"  note     Excel unknown-bit, Python {bits}-bit") for line in section
    )
    fixes = [line for line in section if line.startswith("    Fix: ")]
    assert pywin32 or any("pywin32_postinstall -install" in fix for fix in fixes)
    assert any(f'smsync-xl install --dest "{folder}" --trust' in fix for fix in fixes)
