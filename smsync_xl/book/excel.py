"""The workbook port in live Excel, through xlwings (open-source part only).

Kept thin on purpose: every method is one or two xlwings calls on whole blocks, so the
number of Excel round trips per Refresh or Synchronize does not grow with the rows.
Strings are written with a leading apostrophe, Excel's own 'this is text' mark, so an
ID like 00123 stays text and '=SUM(…)' or '+1 555' never runs as a formula.
"""

from __future__ import annotations

import re
from pathlib import Path

from smsync_xl.book.layout import HEADER_ROW, TABLE_COLUMNS, TABLE_NAMES
from smsync_xl.core.ports import TableData, is_blank_row

TITLE = "SMSync"
VISIBLE_CELLS = 12  # xlCellTypeVisible
_ROWS = re.compile(r"\$?[A-Z]+\$?(\d+)(?::\$?[A-Z]+\$?(\d+))?")


def as_text(value: object) -> object:
    return "'" + value if isinstance(value, str) and value else value


def _block(rows: list[list[object]]) -> list[list[object]]:
    return [[as_text(v) for v in row] for row in rows]


def visible_sheet_rows(address: str) -> set[int]:
    """Sheet rows covered by an address such as '$A$6:$Y$9,$A$12:$Y$12'."""
    rows: set[int] = set()
    for first, last in _ROWS.findall(address):
        rows.update(range(int(first), int(last or first) + 1))
    return rows


class ExcelBook:
    """The calling workbook in Excel."""

    def __init__(self, book) -> None:
        self.book = book

    @classmethod
    def caller(cls) -> ExcelBook:
        import xlwings

        return cls(xlwings.Book.caller())

    def _table(self, sheet: str):
        return self.book.sheets[sheet].tables[TABLE_NAMES[sheet]]

    def read_range(self, sheet: str, address: str) -> list[list[object]]:
        return self.book.sheets[sheet].range(address).options(ndim=2).value

    def write_cell(self, sheet: str, address: str, value: object) -> None:
        self.book.sheets[sheet].range(address).value = as_text(value)

    def read_table(self, sheet: str) -> TableData:
        whole = self._table(sheet).range
        block = whole.options(ndim=2).value
        rows = block[1:]
        if len(rows) == 1 and is_blank_row(rows[0]):
            rows = []
        return TableData(sheet, [str(v) for v in block[0]], rows, whole.row + 1)

    def _resize(self, sheet: str, table, body_rows: int) -> None:
        worksheet = self.book.sheets[sheet]
        table.resize(
            worksheet.range(
                (HEADER_ROW, 1), (HEADER_ROW + max(body_rows, 1), len(TABLE_COLUMNS[sheet]))
            )
        )

    def write_table(self, sheet: str, rows: list[list[object]]) -> None:
        """Header and body in one block, so a header the user renamed is put right."""
        table = self._table(sheet)
        body = table.data_body_range
        if body is not None:
            body.clear_contents()
        self._resize(sheet, table, len(rows))
        header = [c.title for c in TABLE_COLUMNS[sheet]]
        self.book.sheets[sheet].range((HEADER_ROW, 1)).value = [header, *_block(rows)]

    def write_column(self, sheet: str, title: str, values: list[object]) -> None:
        """Into the column headed ``title``, wherever the bookkeeper has dragged it: the
        header row is read in one call."""
        if not values:
            return
        header = self._table(sheet).header_row_range
        titles = [str(v) for v in header.options(ndim=1).value]
        first = header.row + 1
        column = header.column + TableData(sheet, titles, [], first).column(title)
        target = self.book.sheets[sheet].range((first, column), (first + len(values) - 1, column))
        target.value = [[as_text(v)] for v in values]

    def append_rows(self, sheet: str, rows: list[list[object]]) -> None:
        existing = len(self.read_table(sheet).rows)
        self._resize(sheet, self._table(sheet), existing + len(rows))
        self.book.sheets[sheet].range((HEADER_ROW + 1 + existing, 1)).value = _block(rows)

    def hidden_rows(self, sheet: str) -> set[int]:
        """Rows hidden by a filter; without Excel's SpecialCells (macOS), none."""
        body = self._table(sheet).data_body_range
        if body is None:
            return set()
        try:
            special_cells = body.api.SpecialCells
        except AttributeError:  # macOS: no COM method; Check All then ticks every row
            return set()
        try:
            address = special_cells(VISIBLE_CELLS).Address
        except Exception:  # noqa: BLE001 - Excel's "no cells were found": all rows hidden
            return set(range(body.rows.count))
        visible = visible_sheet_rows(address)
        return {i for i in range(body.rows.count) if HEADER_ROW + 1 + i not in visible}

    def alert(self, message: str) -> None:
        self.book.app.alert(message, title=TITLE)

    def confirm(self, message: str) -> bool:
        return self.book.app.alert(message, title=TITLE, buttons="yes_no") == "yes"

    def ask_password(self, question: str) -> str | None:
        """A small masked dialog from this Python process: Excel's own InputBox cannot
        hide what is typed, and a VBA form would have to be drawn in Excel."""
        try:
            import tkinter
            from tkinter import simpledialog
        except ImportError:
            return None
        try:
            root = tkinter.Tk()
        except tkinter.TclError:
            return None
        root.withdraw()
        root.attributes("-topmost", True)
        try:
            return simpledialog.askstring(TITLE, question, show="*", parent=root)
        finally:
            root.destroy()

    def status(self, text: str) -> None:
        self.book.app.status_bar = text or False  # False hands the bar back to Excel

    def activate(self, sheet: str) -> None:
        self.book.sheets[sheet].activate()

    def folder(self) -> Path:
        return Path(self.book.fullname).parent

    def finish(self) -> None:
        """Nothing: in Excel the bookkeeper decides when to save."""
