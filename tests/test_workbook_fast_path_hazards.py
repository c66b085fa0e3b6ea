"""Found by an adversarial round on the workbook's fast paths (Check All and Synchronize written
into the sheet's bytes, Refresh's column-at-a-time cells): what a bookkeeper sees in
the sheet after a button must be what the button says it leaves there."""

from __future__ import annotations

from openpyxl import load_workbook

from smsync_xl import macros
from smsync_xl.book.layout import SAGE_ONLY

from .test_file_book import sage_row
from .workbook_helpers import demo_workbook, edit_workbook, open_book


def _listed(tmp_path, count=5):
    path = demo_workbook(tmp_path)
    port = open_book(path)
    port.write_table(SAGE_ONLY, [sage_row(f"C{n}") for n in range(count)])
    port.finish()
    return path


def test_uncheck_all_clears_an_error_value_pasted_in_include(tmp_path):
    """Uncheck All clears Include on every row. A value python-calamine reads as empty
    but Excel shows (an error pasted as a value, #N/A) is not empty: 'rewrite only the
    cells that change' compared calamine's reading, so the cell was left showing #N/A
    in a column the button said it cleared; an error cell is now rewritten like a
    formula."""
    path = _listed(tmp_path)

    def bookkeeper(workbook) -> None:
        workbook[SAGE_ONLY]["A7"] = "#N/A"  # a pasted error value, no formula

    edit_workbook(path, bookkeeper)
    assert load_workbook(path)[SAGE_ONLY]["A7"].value == "#N/A"
    assert macros.uncheck_all(open_book(path))
    assert load_workbook(path)[SAGE_ONLY]["A7"].value is None
