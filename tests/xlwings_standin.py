"""A recording stand-in for the few xlwings calls ExcelBook makes (no Excel here).

Each class carries the name of the xlwings 0.37.8 class it stands for and offers only
members that class has, with compatible signatures: tests/test_standin_contract.py holds
it to that. What tests read back (every call that would be a round trip to Excel, the
dialogs shown, the status bar, each sheet's cells) is kept in an `Excel` record beside
the book, never on the xlwings surface. Stand-in state lives in private attributes.

Excel's rules it keeps (see also DESIGN.md, "Excel facts the code must respect"):
- values come back as Excel gives them: numbers as float, an empty cell as None, and
  `.value` squeezed to a scalar or a flat list unless read through `options(ndim=2)`;
- a leading apostrophe is Excel's text mark in a General cell (not part of the value),
  but is kept as part of the value in a Text (`@`) cell;
- a General cell parses what is written without the mark: numbers become numbers and a
  leading =, + or - makes a formula (text no longer); dates are not modelled;
- writing "" or None empties a cell; a list of lists must be rectangular;
- resizing a table keeps its header row where it is; a shown Total Row is the last
  row of Table.range, not of Table.data_body_range, and turning it off empties it;
- `Range.api` is Excel's COM Range on Windows, whose `Address` is cut at about 255
  characters without an error, and an appscript reference on macOS, which has no
  `SpecialCells`;
- a filter hides sheet rows and is not evaluated again when their cells change; taking
  the table's AutoFilter off shows them all and drops its criteria; a criterion stays
  a filter (Table.autofilter.criteria) even where it hides no row;
- `=IF(T[[#This Row],[C]]="","",AGGREGATE(3,5,T[[#This Row],[C]]))` (or the older
  `SUBTOTAL(103,…)` in its place) is blank where the row's cell in column C is empty,
  else 1 in a row shown and 0 in a hidden one. Excel recalculates it when a filter
  changes and when it is written; hiding or showing a row by hand dirties nothing, so
  until then it gives the hand-hidden state of its last calculation; App.calculate
  (every open book, dirty cells only) does not change that, Range.Calculate (those
  cells, dirty or not) does; in manual calculation it changes only on those two;
- a filter leaves the table's last row visible when that row holds a SUBTOTAL formula
  (Excel takes it for a total row);
- writing to a protected sheet fails with Excel's error, and so does activating a
  hidden sheet;
- on macOS (``com=False``) App.alert fails with AppleEvent error -1712 when the answer
  takes longer than appscript's default timeout of 120 seconds;
- dragging a table column moves its cells (values, text flags, formats) and every
  conditional format and data validation formula that refers to them (fixed A1
  references, adjusted as for cut and insert);
- a table cannot be resized over a merged block;
- inserting cells (shift down) moves the cells, formats, merged blocks and tables below
  in the range's columns, not the rows' Hidden flags; Excel refuses to split a merged
  block or a table, or to push a value off the sheet (formats pushed off are dropped);
- a formula cell's `.value` is its result, None when that is "" or an error (what
  xlwings reads); results are not calculated here: a test sets them in `results`;
  `.formula` gives the formula, a constant as text, "" for an empty cell;
- the used range reaches the last cell holding a value, a format or a merged block;
- a sheet may hold tables other than SMSync's (the bookkeeper's own).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string, get_column_letter, range_boundaries

TEXT_FORMAT = "@"
GENERAL = "General"
PROTECTED = "The cell or chart you're trying to change is on a protected sheet."
_VISIBLE_ROW = re.compile(
    r'=IF\((\w+)\[\[#This Row\],\[([^\]]+)\]\]="","",'
    r"(?:SUBTOTAL\(103|AGGREGATE\(3,5),\1\[\[#This Row\],\[\2\]\]\)\)"
)
LAST_ROW = 1_048_576  # Excel's last row
ADDRESS_LIMIT = 255  # Excel cuts a longer Range.Address, at an area boundary here
XL_CELL_TYPE_VISIBLE = 12
BUTTONS = ("ok", "ok_cancel", "yes_no", "yes_no_cancel")  # what xlwings' App.alert knows
MODES = (None, "info", "critical")
APPSCRIPT_TIMEOUT = 120  # seconds: appscript's default AppleEvent timeout

Cell = tuple[int, int]
VBA_MACROS = {"SMSyncRefresh": "refresh", "SMSyncCheckAll": "check_all"}
"""The VBA macros the stand-in runs, with the Python function their RunPython calls."""


def _cell(address: str) -> Cell:
    letters, digits = re.fullmatch(r"([A-Z]+)(\d+)", address.replace("$", "")).groups()
    return int(digits), column_index_from_string(letters)


def _as_excel(value: object) -> object:
    """What a cell holds: Excel has only doubles for numbers."""
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def _number(text: str) -> float | None:
    """The number Excel reads in a typed text, for plain decimals (not dates, not %)."""
    if re.fullmatch(r"\s*(\d[\d,]*(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*", text):
        return float(text.replace(",", ""))
    return None


def _rule_columns(worksheet) -> list[tuple[str, int]]:
    """(header, column) of each column a table sheet's conditional formats and data
    validations refer to in the table's first body row."""
    tables = list(worksheet.tables.values())
    if not tables:
        return []
    _, header_row, _, _ = range_boundaries(tables[0].ref)
    formulas = [f for cf in worksheet.conditional_formatting for r in cf.rules for f in r.formula]
    formulas += [v.formula1 for v in worksheet.data_validations.dataValidation if v.formula1]
    found = []
    for formula in formulas:
        for letters, row in re.findall(r"\$?([A-Z]{1,3})\$?(\d+)", formula):
            if int(row) == header_row + 1:
                column = column_index_from_string(letters)
                found.append((worksheet.cell(header_row, column).value, column))
    return found


class Dialog(NamedTuple):
    prompt: str
    title: str | None
    buttons: str


class Excel:
    """The stand-in's own record, kept off the xlwings surface."""

    def __init__(
        self,
        answer: str = "yes",
        com: bool = True,
        text_format: bool = True,
        answer_seconds: float = 1.0,
    ):
        self.answer = answer  # the button pressed on every question (not on "ok" alerts)
        self.answer_seconds = answer_seconds  # how long the bookkeeper takes to press it
        self.com = com  # False: macOS, where Range.api is appscript (no SpecialCells)
        # False: every cell General, as if nothing were formatted Text (@); only for tests
        # that must get past excel.py's text mark in Text cells (see test_book_excel.py)
        self.text_format = text_format
        self.calls: list[str] = []
        self.dialogs: list[Dialog] = []
        self.status_bar: list[str | bool] = []  # every value written to the status bar
        self.cells: dict[str, dict[Cell, object]] = {}
        self.text_cells: dict[str, set[Cell]] = {}  # cells Excel holds as text
        self.formats: dict[str, dict[Cell, str]] = {}  # number formats of styled cells
        self.column_formats: dict[str, dict[int, str]] = {}  # ... and of whole columns
        self.hidden_rows: dict[str, set[int]] = {}  # sheet rows hidden by a filter
        self.hand_hidden: dict[str, set[int]] = {}  # sheet rows the bookkeeper hid by hand
        # ... as the Visible formulas of those rows last saw them (at their last calculation)
        self.hand_seen: dict[str, set[int]] = {}
        self.column_widths: dict[str, dict[int, float]] = {}  # width 0: the column is hidden
        self.manual = False  # calculation mode manual: formulas change only on calculate()
        self.calculated: dict[tuple[str, Cell], object] = {}  # their values at that moment
        self.protected: set[str] = set()  # sheets protected (Review > Protect Sheet)
        self.tables: dict[str, Table] = {}  # by table name, for structured references
        self.merged: dict[str, set[tuple[Cell, Cell]]] = {}  # merged blocks' corners
        # the columns the table sheets' conditional formats and validations refer to, each
        # with the header its column had when the workbook was opened
        self.rule_columns: dict[str, list[tuple[str, int]]] = {}
        self.sheet_states: dict[str, str] = {}  # "hidden" or "veryHidden"; else shown
        self.results: dict[tuple[str, Cell], object] = {}  # results of formula cells

    def drag_column(self, sheet: str, source: int, target: int) -> None:
        """Drag the table column at ``source`` to ``target`` (header to last row): the
        columns between shift over, and the rules' references follow the cells."""
        (r1, c1), (r2, c2) = next(t._corners for t in self.sheet_tables(sheet))
        order = list(range(c1, c2 + 1))
        order.remove(source)
        order.insert(target - c1, source)
        moved = {old: c1 + i for i, old in enumerate(order)}

        def move(cell: Cell) -> Cell:
            row, column = cell
            return (row, moved[column]) if r1 <= row <= r2 and column in moved else cell

        self.cells[sheet] = {move(c): v for c, v in self.cells[sheet].items()}
        self.text_cells[sheet] = {move(c) for c in self.text_cells[sheet]}
        self.formats[sheet] = {move(c): f for c, f in self.formats[sheet].items()}
        self.rule_columns[sheet] = [(t, moved.get(c, c)) for t, c in self.rule_columns[sheet]]

    def insert_down(self, sheet: str, corners: tuple[Cell, Cell]) -> None:
        """Range.Insert(Shift:=xlDown): in the range's columns, every cell from its top
        row down moves down by its height, with its value, text flag and format, and so
        do the merged blocks and tables there. Excel refuses to split a merged block or a
        table, or to push a value off the sheet."""
        self.protect(sheet)
        (r1, c1), (r2, c2) = corners
        count = r2 - r1 + 1

        def inside(first: Cell, last: Cell) -> bool:
            return last[0] >= r1 and c1 <= first[1] and last[1] <= c2

        def crosses(first: Cell, last: Cell) -> bool:
            below = last[0] >= r1 and first[1] <= c2 and last[1] >= c1
            return below and (not inside(first, last) or first[0] < r1)

        blocks = [*self.merged.get(sheet, set()), *(t._corners for t in self.sheet_tables(sheet))]
        if any(crosses(*block) for block in blocks):
            raise RuntimeError("This operation will cause some merged cells or a table to split.")
        if any(r >= r1 and r + count > LAST_ROW for r, c in self.cells[sheet] if c1 <= c <= c2):
            raise RuntimeError(
                "To prevent possible loss of data, Excel cannot shift nonblank "
                "cells off of the worksheet."
            )

        def moved(cell: Cell) -> Cell:
            row, column = cell
            return (row + count, column) if row >= r1 and c1 <= column <= c2 else cell

        self.cells[sheet] = {moved(c): v for c, v in self.cells[sheet].items()}
        self.text_cells[sheet] = {moved(c) for c in self.text_cells[sheet]}
        self.formats[sheet] = {
            moved(c): f for c, f in self.formats[sheet].items() if moved(c)[0] <= LAST_ROW
        }
        self.merged[sheet] = {
            (moved(a), moved(b)) if inside(a, b) else (a, b) for a, b in self.merged[sheet]
        }
        for table in self.sheet_tables(sheet):
            if inside(*table._corners):
                table._corners = (moved(table._corners[0]), moved(table._corners[1]))

    def add_table(self, sheet: Sheet, name: str, ref: str) -> Table:
        """A table the bookkeeper made (Insert > Table)."""
        table = Table(sheet, ref, name)
        self.tables[name] = table
        return table

    def sheet_tables(self, sheet: str) -> list[Table]:
        return [t for t in self.tables.values() if t._sheet._name == sheet]

    def note(self, what: str) -> None:
        self.calls.append(what)

    def number_format(self, sheet: str, cell: Cell) -> str:
        default = self.column_formats[sheet].get(cell[1], GENERAL)
        return self.formats[sheet].get(cell, default)

    def is_text_formatted(self, sheet: str, cell: Cell) -> bool:
        return self.text_format and self.number_format(sheet, cell) == TEXT_FORMAT

    def is_hidden(self, sheet: str, row: int) -> bool:
        return row in self.hidden_rows.get(sheet, set()) | self.hand_hidden.get(sheet, set())

    def protect(self, sheet: str) -> None:
        if sheet in self.protected:
            raise RuntimeError(PROTECTED)  # Excel's error 1004 through COM

    def is_formula(self, sheet: str, cell: Cell) -> bool:
        value = self.cells[sheet].get(cell)
        text = cell in self.text_cells[sheet]
        return isinstance(value, str) and value.startswith("=") and not text

    def read(self, sheet: str, cell: Cell) -> object:
        value = self.cells[sheet].get(cell)
        if not self.is_formula(sheet, cell):
            return value
        formula = _VISIBLE_ROW.fullmatch(value) if isinstance(value, str) else None
        if formula is None:
            return self.results.get((sheet, cell))
        if self.manual:
            return self.calculated.get((sheet, cell))
        return self.evaluate(sheet, cell, formula)

    def calculate(self, only: tuple[str, tuple[Cell, Cell]] | None = None) -> None:
        """Application.Calculate: every formula of every open book (here, the one book);
        Range.Calculate (``only``: a sheet and its corners): that range's cells alone, dirty
        or not, so they see the rows hidden by hand now."""
        if only is not None:
            (r1, _), (r2, _) = only[1]
            self.see_hand_hidden(only[0], set(range(r1, r2 + 1)))
        for sheet, cells in self.cells.items():
            for cell, value in cells.items():
                if only is not None:
                    (r1, c1), (r2, c2) = only[1]
                    if sheet != only[0] or not (r1 <= cell[0] <= r2 and c1 <= cell[1] <= c2):
                        continue
                formula = _VISIBLE_ROW.fullmatch(value) if isinstance(value, str) else None
                if formula is not None and cell not in self.text_cells[sheet]:
                    self.calculated[(sheet, cell)] = self.evaluate(sheet, cell, formula)

    def evaluate(self, sheet: str, cell: Cell, formula: re.Match[str]) -> object:
        table = self.tables[formula.group(1)]
        (header, first), (_, last) = table._corners
        titles = {self.cells[sheet].get((header, c)): c for c in range(first, last + 1)}
        if (cell[0], titles[formula.group(2)]) not in self.cells[sheet]:
            return None  # "": what xlwings reads from a formula giving empty text
        row = cell[0]
        hidden = row in self.hidden_rows.get(sheet, set()) | self.hand_seen.get(sheet, set())
        return 0.0 if hidden else 1.0

    def see_hand_hidden(self, sheet: str, rows: set[int]) -> None:
        """The Visible formulas of ``rows`` are calculated: they see which are hidden by
        hand now."""
        seen = self.hand_seen.setdefault(sheet, set())
        seen -= rows
        seen |= rows & self.hand_hidden.get(sheet, set())

    def write(self, sheet: str, cell: Cell, value: object) -> None:
        self.protect(sheet)
        if value is None or value == "":
            self.cells[sheet].pop(cell, None)
            self.text_cells[sheet].discard(cell)
            return
        text = isinstance(value, str)
        if text and not self.is_text_formatted(sheet, cell):  # a General cell parses it
            if value.startswith("'"):
                value = value[1:]  # Excel's text mark: not part of the value
            elif value[0] in "=+-":
                text = False  # a formula (its result is not modelled)
            elif _number(value) is not None:
                value, text = _number(value), False
        if text:
            self.text_cells[sheet].add(cell)
        else:
            self.text_cells[sheet].discard(cell)
            if isinstance(value, str) and _VISIBLE_ROW.fullmatch(value):
                self.see_hand_hidden(sheet, {cell[0]})  # a formula entered is calculated
        self.cells[sheet][cell] = _as_excel(value)

    def filtered(self, sheet: str) -> None:
        """A filter changed: Excel recalculates the sheet's SUBTOTAL and AGGREGATE."""
        self.see_hand_hidden(sheet, {row for row, _ in self.cells[sheet]})


class RangeRows:
    __slots__ = ("_range",)

    def __init__(self, range_: Range):
        self._range = range_

    @property
    def count(self) -> int:
        (r1, _), (r2, _) = self._range._corners
        return r2 - r1 + 1

    @property
    def hidden(self) -> bool | None:
        sheet, excel = self._range._sheet._name, self._range._sheet._excel
        (r1, _), (r2, _) = self._range._corners
        states = {excel.is_hidden(sheet, row) for row in range(r1, r2 + 1)}
        return states.pop() if len(states) == 1 else None

    @hidden.setter
    def hidden(self, value: bool) -> None:
        """EntireRow.Hidden: shows (or hides) the rows, whatever hid them."""
        sheet, excel = self._range._sheet._name, self._range._sheet._excel
        excel.note("rows.hidden set")
        excel.protect(sheet)
        (r1, _), (r2, _) = self._range._corners
        rows = set(range(r1, r2 + 1))
        for hidden in (excel.hidden_rows, excel.hand_hidden):
            hidden.setdefault(sheet, set()).difference_update(rows)
        if value:
            excel.hand_hidden[sheet] |= rows


class ComArea:
    """What Excel's COM SpecialCells returns: only its Address is read."""

    def __init__(self, address: str):
        self.Address = address


class ComRange:
    """Excel's COM Range as pywin32 shows it (Windows): SpecialCells and Calculate."""

    def __init__(self, range_: Range):
        self._range = range_

    def Calculate(self) -> None:
        """Range.Calculate: recalculates the range's cells, dirty or not."""
        self._range._sheet._excel.note("com.Calculate")
        self._range._sheet._excel.calculate((self._range._sheet._name, self._range._corners))

    def SpecialCells(self, kind: int) -> ComArea:
        if kind != XL_CELL_TYPE_VISIBLE:
            raise NotImplementedError(f"SpecialCells({kind}) is not modelled")
        sheet = self._range._sheet
        (r1, c1), (r2, c2) = self._range._corners
        hidden = sheet._excel.hidden_rows.get(sheet._name, set())
        runs: list[tuple[int, int]] = []
        for row in range(r1, r2 + 1):
            if row in hidden:
                continue
            if runs and runs[-1][1] == row - 1:
                runs[-1] = (runs[-1][0], row)
            else:
                runs.append((row, row))
        if not runs:
            raise RuntimeError("No cells were found.")  # Excel's error 1004
        first, last = get_column_letter(c1), get_column_letter(c2)
        areas = [
            f"${first}${a}" if (a, c1) == (b, c2) else f"${first}${a}:${last}${b}" for a, b in runs
        ]
        address = areas[0]
        for area in areas[1:]:
            if len(address) + 1 + len(area) > ADDRESS_LIMIT:
                break
            address += "," + area
        return ComArea(address)


class AppscriptRange:
    """Range.api on macOS: an appscript reference; Excel's COM methods are not there, its
    AppleScript commands are: ``calculate`` (a range's cells, as Range.Calculate)."""

    def __init__(self, range_: Range | None = None):
        self._range = range_

    def calculate(self) -> None:
        if self._range is None:
            raise NotImplementedError("calculate is modelled on a range only")
        self._range._sheet._excel.note("appscript calculate")
        self._range._sheet._excel.calculate((self._range._sheet._name, self._range._corners))


class ComTableRange:
    """A COM ListObject's Range: only AutoFilter(Field, Criteria1) with "=x" or "<>x"."""

    def __init__(self, table: Table):
        self._table = table

    def AutoFilter(self, Field: int, Criteria1: str) -> None:
        table, excel = self._table, self._table._sheet._excel
        excel.note("com.AutoFilter")
        table._criteria[Field] = Criteria1  # a filter, whether or not it hides a row
        (r1, c1), (r2, _) = table._corners
        keep_equal = not Criteria1.startswith("<>")
        wanted = Criteria1.removeprefix("<>").removeprefix("=")
        sheet = table._sheet._name
        hidden = excel.hidden_rows.setdefault(sheet, set())
        for row in range(r1 + 1, r2 + 1):
            value = str(excel.read(sheet, (row, c1 + Field - 1)) or "")
            if (value.lower() == wanted.lower()) != keep_equal:
                hidden.add(row)
            else:
                hidden.discard(row)
        if any(
            isinstance(v, str)
            and "SUBTOTAL(" in v.upper()
            and (r2, c) not in excel.text_cells[sheet]
            for (r, c), v in excel.cells[sheet].items()
            if r == r2
        ):
            hidden.discard(r2)  # taken for a total row: Excel leaves it out of the filter
        excel.filtered(sheet)


class ComListObject:
    """Table.api on Windows: Excel's COM ListObject, with its Range."""

    def __init__(self, table: Table):
        self.Range = ComTableRange(table)


class Range:
    __slots__ = ("_corners", "_ndim", "_sheet")

    def __init__(self, sheet: Sheet, first: Cell, last: Cell | None, ndim: int | None = None):
        last = last or first
        self._sheet = sheet
        self._corners = (
            (min(first[0], last[0]), min(first[1], last[1])),
            (max(first[0], last[0]), max(first[1], last[1])),
        )
        self._ndim = ndim

    def options(self, convert=None, **options) -> Range:
        if convert is not None or set(options) - {"ndim"}:
            raise NotImplementedError(f"options {convert!r} {options!r} are not modelled")
        ndim = options.get("ndim")
        if ndim not in (None, 1, 2):
            raise ValueError(f"ndim={ndim!r}")  # what xlwings' conversion rejects too
        first, last = self._corners
        return Range(self._sheet, first, last, ndim)

    @property
    def row(self) -> int:
        self._sheet._excel.note("range.row")
        return self._corners[0][0]

    @property
    def column(self) -> int:
        self._sheet._excel.note("range.column")
        return self._corners[0][1]

    @property
    def rows(self) -> RangeRows:
        return RangeRows(self)

    @property
    def last_cell(self) -> Range:
        self._sheet._excel.note("range.last_cell")
        return Range(self._sheet, self._corners[1], None)

    @property
    def value(self):
        self._sheet._excel.note("range.value get")
        (r1, c1), (r2, c2) = self._corners
        sheet, excel = self._sheet._name, self._sheet._excel
        block = [[excel.read(sheet, (r, c)) for c in range(c1, c2 + 1)] for r in range(r1, r2 + 1)]
        if self._ndim == 2:
            return block
        if len(block) == 1:
            return block[0][0] if len(block[0]) == 1 and self._ndim is None else block[0]
        if len(block[0]) == 1:
            return [row[0] for row in block]
        if self._ndim == 1:
            raise ValueError("Range must be 1-by-n or n-by-1 when ndim=1.")
        return block

    @property
    def formula(self):
        """Range.Formula: a formula cell's formula, a constant as text, "" for an empty
        cell; one text for one cell, else rows of texts (tuples, as COM gives them)."""
        self._sheet._excel.note("range.formula get")
        (r1, c1), (r2, c2) = self._corners
        sheet, excel = self._sheet._name, self._sheet._excel

        def text(value: object) -> str:
            if value is None:
                return ""
            if isinstance(value, float) and value.is_integer():
                return str(int(value))
            return str(value)

        block = tuple(
            tuple(text(excel.cells[sheet].get((r, c))) for c in range(c1, c2 + 1))
            for r in range(r1, r2 + 1)
        )
        return block[0][0] if len(block) == 1 and len(block[0]) == 1 else block

    @value.setter
    def value(self, data) -> None:
        self._sheet._excel.note("range.value set")
        sheet, excel = self._sheet._name, self._sheet._excel
        (r1, c1), (r2, c2) = self._corners
        if isinstance(data, list | tuple):
            rows = list(data) if data and isinstance(data[0], list | tuple) else [list(data)]
            if not rows or not rows[0]:
                return  # xlwings writes nothing for an empty list
            if any(len(row) != len(rows[0]) for row in rows):
                raise ValueError("rows of different lengths cannot be written to a range")
            for i, row in enumerate(rows):  # from the top-left cell, resized to the data
                for j, value in enumerate(row):
                    excel.write(sheet, (r1 + i, c1 + j), value)
            return
        for r in range(r1, r2 + 1):  # a scalar fills the whole range
            for c in range(c1, c2 + 1):
                excel.write(sheet, (r, c), data)

    @property
    def number_format(self) -> str | None:
        """The range's format; None when its cells differ, as Excel's NumberFormat."""
        self._sheet._excel.note("range.number_format get")
        (r1, c1), (r2, c2) = self._corners
        sheet, excel = self._sheet._name, self._sheet._excel
        found = {
            excel.number_format(sheet, (r, c)) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)
        }
        return found.pop() if len(found) == 1 else None

    @number_format.setter
    def number_format(self, value: str) -> None:
        self._sheet._excel.note("range.number_format set")
        self._sheet._excel.protect(self._sheet._name)
        (r1, c1), (r2, c2) = self._corners
        formats = self._sheet._excel.formats[self._sheet._name]
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                formats[(r, c)] = value

    @property
    def column_width(self) -> float | None:
        """The columns' width; None when they differ, as Excel's ColumnWidth. Excel hides
        a column whose width is 0 (and shows it again at any other width)."""
        self._sheet._excel.note("range.column_width get")
        (_, c1), (_, c2) = self._corners
        widths = self._sheet._excel.column_widths.setdefault(self._sheet._name, {})
        found = {widths.get(c, 8.43) for c in range(c1, c2 + 1)}
        return found.pop() if len(found) == 1 else None

    @column_width.setter
    def column_width(self, value: float) -> None:
        self._sheet._excel.note("range.column_width set")
        self._sheet._excel.protect(self._sheet._name)
        (_, c1), (_, c2) = self._corners
        widths = self._sheet._excel.column_widths.setdefault(self._sheet._name, {})
        for c in range(c1, c2 + 1):
            widths[c] = value

    def insert(self, shift: str, copy_origin: str = "format_from_left_or_above") -> None:
        self._sheet._excel.note("range.insert")
        if shift != "down":
            raise NotImplementedError(f"insert(shift={shift!r}) is not modelled")
        self._sheet._excel.insert_down(self._sheet._name, self._corners)

    @property
    def merge_cells(self) -> bool | None:
        """Range.MergeCells: True when every cell is in a merged block, False when none
        is, None (COM's Null) when some are."""
        self._sheet._excel.note("range.merge_cells get")
        (r1, c1), (r2, c2) = self._corners
        blocks = self._sheet._excel.merged.get(self._sheet._name, set())
        merged = {
            any(a[0] <= r <= b[0] and a[1] <= c <= b[1] for a, b in blocks)
            for r in range(r1, r2 + 1)
            for c in range(c1, c2 + 1)
        }
        return merged.pop() if len(merged) == 1 else None

    @property
    def merge_area(self) -> Range:
        """Range.MergeArea: the merged block holding the range's first cell, else that
        cell."""
        self._sheet._excel.note("range.merge_area")
        row, column = self._corners[0]
        for first, last in self._sheet._excel.merged.get(self._sheet._name, set()):
            if first[0] <= row <= last[0] and first[1] <= column <= last[1]:
                return Range(self._sheet, first, last)
        return Range(self._sheet, (row, column), None)

    def clear_contents(self) -> None:
        self._sheet._excel.note("range.clear_contents")
        (r1, c1), (r2, c2) = self._corners
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                self._sheet._excel.write(self._sheet._name, (r, c), None)

    @property
    def api(self):
        return ComRange(self) if self._sheet._excel.com else AppscriptRange(self)


class AutoFilterCriteria:
    """One field's criterion as xlwings reads it (Filters(i).On on Windows)."""

    __slots__ = ("_field", "_type")

    def __init__(self, field: int, type_: str):
        self._field, self._type = field, type_

    @property
    def field(self) -> int:
        return self._field

    @property
    def type(self) -> str:
        return self._type


class AutoFilter:
    """A table's AutoFilter: only its criteria are read."""

    __slots__ = ("_table",)

    def __init__(self, table: Table):
        self._table = table

    @property
    def criteria(self) -> list[AutoFilterCriteria]:
        self._table._sheet._excel.note("autofilter.criteria")
        (_, c1), (_, c2) = self._table._corners
        return [
            AutoFilterCriteria(f, "comparison" if f in self._table._criteria else "none")
            for f in range(1, c2 - c1 + 2)
        ]


class Table:
    __slots__ = ("_autofilter", "_corners", "_criteria", "_headers", "_name", "_sheet", "_totals")

    def __init__(self, sheet: Sheet, ref: str, name: str = "", totals: bool = False):
        self._sheet = sheet
        self._name = name
        c1, r1, c2, r2 = range_boundaries(ref)
        self._corners = ((r1, c1), (r2, c2))  # the Total Row included, when shown
        self._autofilter = True
        self._criteria: dict[int, str] = {}  # field → criterion of the filter on it
        self._totals = totals
        self._headers = True

    @property
    def show_headers(self) -> bool:
        return self._headers

    @show_headers.setter
    def show_headers(self, value: bool) -> None:
        """Table Design > Header Row: with it off, the table has no header row range
        (xlwings main.py Table.header_row_range gives None); the rest is not modelled."""
        self._sheet._excel.note("table.show_headers set")
        self._headers = value

    @property
    def show_totals(self) -> bool:
        self._sheet._excel.note("table.show_totals get")
        return self._totals

    @show_totals.setter
    def show_totals(self, value: bool) -> None:
        """ListObject.ShowTotals = False: the Total Row's cells go and the table ends a
        row higher (turning it on is not modelled)."""
        self._sheet._excel.note("table.show_totals set")
        self._sheet._excel.protect(self._sheet._name)
        if value and not self._totals:
            raise NotImplementedError("turning the Total Row on is not modelled")
        if self._totals and not value:
            (r1, c1), (r2, c2) = self._corners
            for column in range(c1, c2 + 1):
                self._sheet._excel.write(self._sheet._name, (r2, column), None)
            self._corners = ((r1, c1), (r2 - 1, c2))
            self._totals = False

    @property
    def autofilter(self) -> AutoFilter:
        return AutoFilter(self)

    @property
    def api(self):
        return ComListObject(self) if self._sheet._excel.com else AppscriptRange()

    @property
    def name(self) -> str:
        self._sheet._excel.note("table.name")
        excel = self._sheet._excel
        return self._name or next(n for n, t in excel.tables.items() if t is self)

    @property
    def show_autofilter(self) -> bool:
        return self._autofilter

    @show_autofilter.setter
    def show_autofilter(self, value: bool) -> None:
        self._sheet._excel.note("table.show_autofilter set")
        self._sheet._excel.protect(self._sheet._name)
        if not value:  # no AutoFilter, no filter: every row of the table shows again
            (r1, _), (r2, _) = self._corners
            hidden = self._sheet._excel.hidden_rows.get(self._sheet._name, set())
            hidden -= set(range(r1 + 1, r2 + 1))
            self._criteria.clear()
        self._autofilter = value
        if not value:
            self._sheet._excel.filtered(self._sheet._name)

    @property
    def range(self) -> Range:
        self._sheet._excel.note("table.range")
        return Range(self._sheet, *self._corners)

    @property
    def header_row_range(self) -> Range | None:
        self._sheet._excel.note("table.header_row_range")
        if not self._headers:
            return None
        (r1, c1), (_, c2) = self._corners
        return Range(self._sheet, (r1, c1), (r1, c2))

    @property
    def data_body_range(self) -> Range | None:
        """Between the header and the Total Row (when shown)."""
        self._sheet._excel.note("table.data_body_range")
        (r1, c1), (r2, c2) = self._corners
        r2 -= self._totals
        return Range(self._sheet, (r1 + 1, c1), (r2, c2)) if r2 > r1 else None

    def resize(self, range: Range) -> None:  # xlwings' own parameter name
        self._sheet._excel.note("table.resize")
        self._sheet._excel.protect(self._sheet._name)
        if range._sheet is not self._sheet:
            raise ValueError("a table is resized to a range on its own sheet")
        if range._corners[0][0] != self._corners[0][0]:
            raise ValueError("the header row must stay in the same row")  # Excel's rule
        (r1, c1), (r2, c2) = range._corners
        for (a1, b1), (a2, b2) in self._sheet._excel.merged.get(self._sheet._name, set()):
            if a1 <= r2 and r1 <= a2 and b1 <= c2 and c1 <= b2:
                raise RuntimeError("We can't do that to a merged cell.")  # Excel's error
        self._corners = range._corners


class Tables:
    __slots__ = ("_tables",)

    def __init__(self, tables: dict[str, Table]):
        self._tables = tables

    def __getitem__(self, key: str) -> Table:
        return self._tables[key]

    def __iter__(self):
        return iter(list(self._tables.values()))


class Sheet:
    __slots__ = ("_excel", "_missing", "_name")

    def __init__(self, excel: Excel, name: str, missing: bool = False):
        self._excel, self._name, self._missing = excel, name, missing

    @property
    def name(self) -> str:
        if self._missing:
            raise RuntimeError(f'Can\'t get sheet "{self._name}"')  # appscript's CommandError
        return self._name

    @property
    def tables(self) -> Tables:
        self._excel.note("sheet.tables")
        found = self._excel.tables.items()
        return Tables({name: table for name, table in found if table._sheet is self})

    def range(self, cell1, cell2=None) -> Range:
        self._excel.note("sheet.range")
        if isinstance(cell1, str):
            if cell2 is not None:
                raise NotImplementedError("two address strings are not modelled")
            start, _, end = cell1.partition(":")
            return Range(self, _cell(start), _cell(end) if end else None)
        return Range(self, cell1, cell2)

    def activate(self) -> None:
        self._excel.note("sheet.activate")
        if self._name in self._excel.sheet_states:  # Excel's error 1004 through COM
            raise RuntimeError("Activate method of Worksheet class failed")

    @property
    def visible(self) -> bool | int:
        """COM's Worksheet.Visible on Windows (-1 shown, 0 hidden, 2 very hidden: xlwings
        hands it through), a bool on macOS."""
        self._excel.note("sheet.visible get")
        state = self._excel.sheet_states.get(self._name)
        if not self._excel.com:
            return state is None
        return {None: -1, "hidden": 0, "veryHidden": 2}[state]

    @property
    def used_range(self) -> Range:
        """From A1 to the last row and column holding a value, a format or a merged
        block (Excel counts a formatted empty cell as used)."""
        self._excel.note("sheet.used_range")
        cells = [*self._excel.cells[self._name], *self._excel.formats[self._name]] or [(1, 1)]
        cells += [last for _, last in self._excel.merged.get(self._name, set())]
        last = (max(r for r, _ in cells), max(c for _, c in cells))
        return Range(self, (1, 1), last)


class Sheets:
    __slots__ = ("_excel", "_sheets")

    def __init__(self, excel: Excel, sheets: Iterable[Sheet]):
        self._excel = excel
        self._sheets = {sheet._name: sheet for sheet in sheets}

    def __getitem__(self, key: str) -> Sheet:
        """On a Mac xlwings builds the reference without asking Excel: a missing sheet
        fails only when it is used (its name read, say)."""
        self._excel.note("book.sheets[]")
        if key not in self._sheets and not self._excel.com:
            return Sheet(self._excel, key, missing=True)
        return self._sheets[key]


class App:
    __slots__ = ("_excel",)

    def __init__(self, excel: Excel):
        self._excel = excel

    def alert(
        self, prompt: str, title: str | None = None, buttons: str = "ok", mode: str | None = None
    ) -> str:
        self._excel.note("app.alert")
        if buttons not in BUTTONS or mode not in MODES:
            raise KeyError((buttons, mode))  # what xlwings' alert raises for these
        if not self._excel.com and self._excel.answer_seconds > APPSCRIPT_TIMEOUT:
            # _xlmac.py App.alert: display_alert through appscript, default timeout
            raise RuntimeError("Command failed: OSERROR: -1712 MESSAGE: Apple event timed out.")
        self._excel.dialogs.append(Dialog(prompt, title, buttons))
        return "ok" if buttons == "ok" else self._excel.answer

    def calculate(self) -> None:
        self._excel.note("app.calculate")
        self._excel.calculate()

    @property
    def version(self) -> str:
        return "16.0 (stand-in)"

    @property
    def status_bar(self) -> str | bool:
        return self._excel.status_bar[-1] if self._excel.status_bar else False

    @status_bar.setter
    def status_bar(self, value: str | bool) -> None:
        self._excel.note("app.status_bar set")
        self._excel.status_bar.append(value)


class Book:
    """Loaded from an .xlsm: the cells of every sheet, their Text formats, the tables."""

    __slots__ = ("_app", "_excel", "_fullname", "_sheets")

    def __init__(self, path: Path, excel: Excel | None = None):
        self._excel = excel if excel is not None else Excel()
        self._fullname = str(path)
        self._app = App(self._excel)
        workbook = load_workbook(path)
        sheets = []
        for worksheet in workbook.worksheets:
            name = worksheet.title
            sheet = Sheet(self._excel, name)
            if worksheet.sheet_state != "visible":
                self._excel.sheet_states[name] = worksheet.sheet_state
            self._excel.cells[name] = {}
            self._excel.text_cells[name] = set()
            self._excel.formats[name] = {}
            self._excel.merged[name] = {
                ((m.min_row, m.min_col), (m.max_row, m.max_col))
                for m in worksheet.merged_cells.ranges
            }
            self._excel.column_formats[name] = {
                column: dimension.number_format
                for dimension in worksheet.column_dimensions.values()
                for column in range(dimension.min, dimension.max + 1)
            }
            self._excel.column_widths[name] = {  # Excel reports a hidden column as width 0
                column: 0 if dimension.hidden else dimension.width
                for dimension in worksheet.column_dimensions.values()
                if dimension.customWidth or dimension.hidden
                for column in range(dimension.min, dimension.max + 1)
            }
            for row in worksheet.iter_rows():
                for cell in row:
                    place = (cell.row, cell.column)
                    if cell.has_style:
                        self._excel.formats[name][place] = cell.number_format
                    if cell.value is not None:  # Excel shows a function without _xlfn.
                        value = cell.value
                        if cell.data_type == "f":
                            value = value.replace("_xlfn.", "")
                        self._excel.cells[name][place] = _as_excel(value)
                        if isinstance(cell.value, str) and cell.data_type != "f":
                            self._excel.text_cells[name].add(place)
            self._excel.rule_columns[name] = _rule_columns(worksheet)
            for table in worksheet.tables.values():
                added = self._excel.add_table(sheet, table.displayName, table.ref)
                added._totals = bool(table.totalsRowCount)
            sheets.append(sheet)
        self._sheets = Sheets(self._excel, sheets)

    @property
    def app(self) -> App:
        return self._app

    @property
    def sheets(self) -> Sheets:
        return self._sheets

    @property
    def fullname(self) -> str:
        return self._fullname

    @property
    def name(self) -> str:
        return Path(self._fullname).name

    def macro(self, name: str) -> Macro:
        self._excel.note("book.macro")
        return Macro(self, name)


class Macro:
    """A VBA macro of our module: its RunPython starts Python with the macro's command,
    which runs on the calling workbook (tests/test_vba_glue.py checks each command)."""

    __slots__ = ("_book", "_name")

    def __init__(self, book: Book, name: str):
        self._book, self._name = book, name

    def __call__(self, *args):
        from smsync_xl import macros
        from smsync_xl.book.excel import ExcelBook

        self._book._excel.note("macro()")
        return getattr(macros, VBA_MACROS[self._name])(ExcelBook(self._book))
