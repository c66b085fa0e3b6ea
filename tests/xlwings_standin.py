"""A recording stand-in for the few xlwings calls ExcelBook makes (no Excel here).

It keeps a real grid per sheet, so macros run on it end to end, and it counts every
call that would be a round trip to Excel.
"""

from __future__ import annotations

import re
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string, range_boundaries

from smsync_xl.book.layout import TABLE_NAMES


def _cell(address: str) -> tuple[int, int]:
    letters, digits = re.fullmatch(r"([A-Z]+)(\d+)", address.replace("$", "")).groups()
    return int(digits), column_index_from_string(letters)


class Calls(list):
    def note(self, what: str) -> None:
        self.append(what)


class Range:
    def __init__(self, sheet: Sheet, first: tuple[int, int], last: tuple[int, int] | None):
        self.sheet, self.first, self.last = sheet, first, last

    def options(self, **_: object) -> Range:
        return self

    @property
    def row(self) -> int:
        self.sheet.calls.note("range.row")
        return self.first[0]

    @property
    def value(self):
        self.sheet.calls.note("range.value get")
        (r1, c1), (r2, c2) = self.first, self.last or self.first
        return [[self.sheet.grid.get((r, c)) for c in range(c1, c2 + 1)] for r in range(r1, r2 + 1)]

    @value.setter
    def value(self, data) -> None:
        self.sheet.calls.note("range.value set")
        rows = data if isinstance(data, list) else [[data]]
        for i, row in enumerate(rows):
            for j, value in enumerate(row):
                cell = (self.first[0] + i, self.first[1] + j)
                if isinstance(value, str) and value.startswith("'"):
                    value = value[1:]  # Excel's text mark: kept as text, not in the value
                    self.sheet.text_cells.add(cell)
                else:
                    self.sheet.text_cells.discard(cell)
                self.sheet.grid[cell] = value

    def clear_contents(self) -> None:
        self.sheet.calls.note("range.clear_contents")
        (r1, c1), (r2, c2) = self.first, self.last or self.first
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                self.sheet.grid.pop((r, c), None)

    @property
    def api(self):
        raise AttributeError("no COM object in the stand-in")


class Table:
    def __init__(self, sheet: Sheet, ref: str):
        self.sheet = sheet
        c1, r1, c2, r2 = range_boundaries(ref)
        self.first, self.last = (r1, c1), (r2, c2)

    @property
    def range(self) -> Range:
        self.sheet.calls.note("table.range")
        return Range(self.sheet, self.first, self.last)

    @property
    def data_body_range(self) -> Range:
        self.sheet.calls.note("table.data_body_range")
        return Range(self.sheet, (self.first[0] + 1, self.first[1]), self.last)

    def resize(self, target: Range) -> None:
        self.sheet.calls.note("table.resize")
        self.first, self.last = target.first, target.last


class Sheet:
    def __init__(self, book: Book, name: str):
        self.book, self.name, self.calls = book, name, book.calls
        self.grid: dict[tuple[int, int], object] = {}
        self.text_cells: set[tuple[int, int]] = set()
        self.table_objects: dict[str, Table] = {}

    @property
    def tables(self) -> dict[str, Table]:
        self.calls.note("sheet.tables")
        return self.table_objects

    def range(self, first, last=None) -> Range:
        self.calls.note("sheet.range")
        if isinstance(first, str):
            start, _, end = first.partition(":")
            return Range(self, _cell(start), _cell(end) if end else None)
        return Range(self, first, last)

    def activate(self) -> None:
        self.calls.note("sheet.activate")


class Sheets(dict):
    def __init__(self, calls: Calls):
        super().__init__()
        self.calls = calls

    def __getitem__(self, name: str) -> Sheet:
        self.calls.note("book.sheets[]")
        return super().__getitem__(name)


class App:
    def __init__(self, calls: Calls, answer: str):
        self.calls, self.answer = calls, answer
        self.messages: list[str] = []
        self.status_bar = None

    def alert(self, prompt: str, title: str | None = None, buttons: str = "ok") -> str | None:
        self.calls.note("app.alert")
        self.messages.append(prompt)
        return self.answer if buttons == "yes_no" else None


class Book:
    """Loaded from an .xlsm: cell values of every sheet and the tables' ranges."""

    def __init__(self, path: Path, answer: str = "yes"):
        self.calls = Calls()
        self.fullname = str(path)
        self.app = App(self.calls, answer)
        self.sheets = Sheets(self.calls)
        workbook = load_workbook(path)
        for worksheet in workbook.worksheets:
            sheet = Sheet(self, worksheet.title)
            for row in worksheet.iter_rows():
                for cell in row:
                    if cell.value is not None:
                        sheet.grid[(cell.row, cell.column)] = cell.value
            for name in TABLE_NAMES.values():
                if name in worksheet.tables:
                    sheet.table_objects[name] = Table(sheet, worksheet.tables[name].ref)
            dict.__setitem__(self.sheets, worksheet.title, sheet)

    def text(self, sheet: str, row: int, column: int):
        return self.sheets[sheet].grid.get((row, column))
