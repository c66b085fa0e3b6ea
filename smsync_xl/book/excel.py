"""The workbook port in live Excel, through xlwings (open-source part only).

Kept thin on purpose: every method is a few xlwings calls on whole blocks, so the
number of Excel round trips per Refresh or Synchronize does not grow with the rows.

Text cells: every column that holds text is formatted Text ('@'), where Excel keeps
what is written exactly as it is (``00123``, ``=SUM(…)``, ``+1 555`` stay text). Only
in a cell of another format does a string get Excel's text mark, a leading apostrophe,
which Excel does not store there; in a Text cell it would become part of the value.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from itertools import groupby
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import xlwings

    from smsync_xl.core.progress import Step

from smsync_xl.book.layout import (
    HEADER_ROW,
    TABLE_COLUMNS,
    TABLE_NAMES,
    TEXT_FORMAT,
    VISIBLE,
    Column,
    column_titles,
    in_sheet_order,
    table_area,
    table_column,
    table_last_row,
    table_records,
)
from smsync_xl.book.mac_dialog import alert_on_mac
from smsync_xl.book.password_dialog import ask_password
from smsync_xl.book.room import (
    refuse_off_sheet,
    refuse_reshaping,
    refuse_split,
    rows_to_insert,
)
from smsync_xl.book.sheet_xml import EXCEL_LAST_ROW, column_letters
from smsync_xl.core.errors import SmsyncError, WorkbookError
from smsync_xl.core.ports import Cell, TableData, is_blank_row

TITLE = "SMSync"
TEXT_MARK = "'"


def cell_value(value: object, number_format: str | None) -> object:
    """What to hand Excel for a cell of ``number_format``: text as it is in a Text cell;
    elsewhere with Excel's text mark, so it is never read as a number or a formula."""
    if isinstance(value, str) and value and number_format != TEXT_FORMAT:
        return TEXT_MARK + value
    return value


def _row(columns: tuple[Column, ...], values: list[object]) -> list[object]:
    """One table row as written: a calculated column gets its formula, as it is."""
    return [
        column.formula if column.formula else cell_value(value, column.number_format)
        for column, value in zip(columns, values, strict=True)
    ]


def _runs(columns: tuple[Column, ...]) -> Iterator[tuple[str, int, int]]:
    """(number format, first, last column number) of each run of columns sharing one."""
    position = 1
    for number_format, group in groupby(columns, key=lambda c: c.number_format):
        width = len(list(group))
        yield number_format, position, position + width - 1
        position += width


def _calculate(cells: xlwings.Range) -> None:
    """Recalculate these cells only, dirty or not (in manual calculation too, and rows
    hidden by hand do not dirty a SUBTOTAL): Range.Calculate through COM on Windows
    (learn.microsoft.com/office/vba/api/excel.range.calculate), the ``calculate`` command
    on a range through appscript on macOS. ``App.calculate`` (xlwings main.py App.calculate
    → _xlwindows.py ``Application.Calculate``, _xlmac.py ``self.xl.calculate()``) would
    recalculate every open workbook. xlwings' Range has no calculate of its own."""
    api = cells.api
    command = getattr(api, "Calculate", None)  # pywin32's COM Range; appscript has none
    (command or api.calculate)()


def _formulas(cells: xlwings.Range, columns: int) -> list[list[str]]:
    """``Range.formula`` of a block ``columns`` wide as rows of texts, "" for an empty
    cell: a cell's formula or constant, so a formula showing "" or an error (whose value
    xlwings reads as None) counts as something there. Excel gives one text for one cell
    and rows of texts for a block (on a Mac a single row may come flat)."""
    found = cells.formula
    flat: list[object] = []
    for item in [found] if isinstance(found, str) else found:
        flat.extend(item if isinstance(item, list | tuple) else [item])
    texts = ["" if c is None else str(c) for c in flat]
    return [texts[i : i + columns] for i in range(0, len(texts), columns)]


class ExcelBook:
    """The calling workbook in Excel."""

    def __init__(self, book: xlwings.Book) -> None:
        self.book = book
        self._sheets: dict[str, xlwings.Sheet] = {}  # the xlwings objects, looked up once
        self._tables: dict[str, xlwings.main.Table] = {}

    @classmethod
    def caller(cls) -> ExcelBook:
        import xlwings

        return cls(xlwings.Book.caller())

    def _sheet(self, sheet: str) -> xlwings.Sheet:
        """The sheet's xlwings object, looked up once per run (each lookup is a call)."""
        if sheet not in self._sheets:
            try:
                found = self.book.sheets[sheet]
                found.name  # noqa: B018 - on a Mac the lookup is lazy: this asks Excel
                self._sheets[sheet] = found
            except Exception:  # noqa: BLE001 - KeyError, or Excel's own error for the name
                raise WorkbookError(
                    f"the sheet {sheet} is missing (renamed or deleted)",
                    where=self.book.name,
                    advice=f"Rename the sheet back to {sheet}, or install a fresh workbook "
                    "with 'smsync-xl install --force' (the old one is kept as "
                    "a dated backup).",
                ) from None
        return self._sheets[sheet]

    def _table(self, sheet: str) -> xlwings.main.Table:
        if sheet not in self._tables:
            self._tables[sheet] = self._sheet(sheet).tables[TABLE_NAMES[sheet]]
        return self._tables[sheet]

    @contextmanager
    def _changing(self, sheet: str) -> Iterator[None]:
        """Excel refusing a change (a protected sheet, above all) in plain words."""
        try:
            yield
        except SmsyncError:
            raise
        except Exception as error:  # noqa: BLE001 - COM and AppleScript errors differ
            raise SmsyncError(
                f"Excel refused to change the sheet ({error})",
                where=f"{sheet} sheet",
                advice=f"If the {sheet} sheet is protected, unprotect it (Review > "
                "Unprotect Sheet), then press the button again.",
            ) from None

    def read_range(self, sheet: str, address: str) -> list[list[object]]:
        rows: list[list[object]] = self._sheet(sheet).range(address).options(ndim=2).value
        return rows  # xlwings types a range's value as Any; ndim=2 makes it rows of cells

    def write_cell(self, sheet: str, address: str, value: object) -> None:
        target = self._sheet(sheet).range(address)
        with self._changing(sheet):
            target.value = cell_value(value, target.number_format)

    def read_table(self, sheet: str, only: Collection[str] | None = None) -> TableData:
        """The header and the DataBodyRange (main.py Table.data_body_range): never the
        Total Row, which Table.range ends with when it is shown. Every column is read
        (``only`` or not): Excel gives the range in one call."""
        table = self._table(sheet)
        header = self._header_range(sheet, table)
        body = table.data_body_range
        rows = table_records([] if body is None else body.options(ndim=2).value)
        titles = [str(v) for v in header.options(ndim=1).value]
        return TableData(sheet, titles, rows, header.row + 1)

    def total_row(self, sheet: str) -> bool:
        return bool(self._table(sheet).show_totals)

    def _drop_total_row(self, table: xlwings.main.Table) -> None:
        """Turn the Total Row off before the table is resized (ListObject.ShowTotals,
        main.py Table.show_totals): the table's last row would otherwise be taken for it.
        Refresh says so in its summary."""
        if table.show_totals:
            table.show_totals = False

    def _resize(self, sheet: str, table: xlwings.main.Table, body_rows: int) -> None:
        first_row, first_column, last_row, last_column = table_area(sheet, body_rows)
        worksheet = self._sheet(sheet)
        table.resize(worksheet.range((first_row, first_column), (last_row, last_column)))

    def _insertion(self, sheet: str, body_rows: int) -> tuple[int, int, str, int, int]:
        """(row, count, first cell there, bottom row used, columns used): the rows to
        insert so a table of ``body_rows`` ends above what lies under it. Two calls, and a
        read of the formulas of the rows the table would take when something lies under
        it (a formula showing "" or an error reads as an empty value), and a look for
        merged blocks there (an empty one holds no value but cannot join a table)."""
        table_last = self._table(sheet).range.last_cell.row
        if table_last_row(body_rows) <= table_last:
            return 0, 0, "", 0, 0
        used = self._sheet(sheet).used_range.last_cell
        bottom, right = used.row, max(used.column, len(TABLE_COLUMNS[sheet]))
        if bottom <= table_last:
            return 0, 0, "", 0, 0
        worksheet = self._sheet(sheet)
        end = min(bottom, table_last_row(body_rows))
        block = _formulas(worksheet.range((table_last + 1, 1), (end, right)), right)
        at, cell = 0, ""
        for offset, row in enumerate(block):
            held = [c for c, formula in enumerate(row, start=1) if formula]
            if held:
                at = table_last + 1 + offset
                cell = f"{column_letters(held[0])}{at}"
                break
        free_end = at - 1 if at else end
        if free_end > table_last:
            free = worksheet.range((table_last + 1, 1), (free_end, right))
            if free.merge_cells is not False:  # None: some cells are merged
                at, cell = table_last + 1, f"A{table_last + 1}"
        if not at:
            return 0, 0, "", 0, 0
        return at, rows_to_insert(at, body_rows), cell, bottom, right

    def _held_beside(self, sheet: str, left: int, right: int) -> tuple[str, object] | None:
        """The first cell of columns ``left`` to ``right``, header row to the table's last
        row, holding a value or formula (one read of their formulas), and its formula."""
        table_last = self._table(sheet).range.last_cell.row
        beside = self._sheet(sheet).range((HEADER_ROW, left), (table_last, right))
        for offset, row in enumerate(_formulas(beside, right - left + 1)):
            for column, formula in enumerate(row, start=left):
                if formula:
                    return f"{column_letters(column)}{HEADER_ROW + offset}", formula
        return None

    def check_room(self, sheet: str, body_rows: int) -> None:
        header: list[object] = list(self._header(sheet))
        refuse_reshaping(sheet, header, body_rows, lambda a, b: self._held_beside(sheet, a, b))
        worksheet = self._sheet(sheet)
        at, count, _, bottom, right = self._insertion(sheet, body_rows)
        if not count:
            return
        self._refuse_splits(sheet, at, count, right)
        if bottom + count > EXCEL_LAST_ROW:
            first = max(at, EXCEL_LAST_ROW - count + 1)
            pushed = worksheet.range((first, 1), (bottom, right))
            for offset, row in enumerate(_formulas(pushed, right)):
                held = [c for c, formula in enumerate(row, start=1) if formula]
                if held:
                    refuse_off_sheet(sheet, count, f"{column_letters(held[0])}{first + offset}")

    def _refuse_splits(self, sheet: str, at: int, count: int, right: int) -> None:
        """Another table (the bookkeeper's own) or a merged block beside SMSync's that
        reaches from above row ``at`` into it: Excel refuses to insert cells through it.
        Merged blocks are looked for cell by cell only when the two rows hold some."""
        own = TABLE_NAMES[sheet]
        worksheet = self._sheet(sheet)
        for table in worksheet.tables:
            if table.name == own:
                continue
            whole = table.range
            top, last = whole.row, whole.last_cell.row
            if top < at <= last:
                cell = f"{column_letters(whole.column)}{top}"
                refuse_split(sheet, count, cell, f"the table {table.name} (rows {top} to {last})")
        if worksheet.range((at - 1, 1), (at, right)).merge_cells is False:
            return
        for column in range(1, right + 1):
            area = worksheet.range((at, column)).merge_area
            if area.row < at:
                first = f"{column_letters(area.column)}{area.row}"
                end = area.last_cell
                block = f"{first}:{column_letters(end.column)}{end.row}"
                refuse_split(sheet, count, first, f"the merged block {block}")

    def _make_room(self, sheet: str, body_rows: int) -> None:
        """Cells inserted (shifting down) above what lies under the table, in every
        column in use, as Excel does when a table grows into Insert > Table Rows."""
        self.check_room(sheet, body_rows)
        at, count, cell, _, right = self._insertion(sheet, body_rows)
        if not count:
            return
        target = self._sheet(sheet).range((at, 1), (at + count - 1, right))
        try:
            target.insert("down")
        except Exception as error:  # noqa: BLE001 - COM and AppleScript errors differ
            raise WorkbookError(
                f"Excel refused to insert {count} row(s) above cell {cell} to make room for "
                f"the table {TABLE_NAMES[sheet]} ({error}); the table was not changed",
                where=f"{sheet} sheet, cell {cell}",
                advice="Excel cannot insert cells through a PivotTable or a merged block "
                "that reaches into those rows, nor on a protected sheet: move the PivotTable "
                "or merged block to another sheet (or unprotect the sheet: Review > Unprotect "
                "Sheet), then press the button again.",
            ) from None

    def _show_taken(self, sheet: str, old_last: int, body_rows: int) -> None:
        """Rows the table grows into are shown: Excel keeps a row's Hidden flag where the
        row is when cells are inserted, and a hidden record is one Check All skips."""
        if table_last_row(body_rows) > old_last:
            rows = self._sheet(sheet).range((old_last + 1, 1), (table_last_row(body_rows), 1)).rows
            if rows.hidden is not False:
                rows.hidden = False

    def write_table(self, sheet: str, rows: list[list[object]]) -> None:
        """Header and body in one block, in the order the sheet has its columns now
        (``sheet_order``: a dragged column stays where Excel moved its rules, a renamed
        header is put right); each run of columns gets its number format first (a fixed
        number of calls): a formula written into a Text cell would stay text."""
        self._make_room(sheet, len(rows))
        table = self._table(sheet)
        columns, rows = in_sheet_order(sheet, self._header(sheet), rows)
        worksheet = self._sheet(sheet)
        last = table_last_row(len(rows))
        old_last = table.range.last_cell.row
        with self._changing(sheet):
            self._drop_total_row(table)
            self._show_taken(sheet, old_last, len(rows))
            body = table.data_body_range
            if body is not None:
                body.clear_contents()
            self._resize(sheet, table, len(rows))
            titles = [c.title for c in columns]
            for number_format, first_column, last_column in _runs(columns):
                target = worksheet.range((HEADER_ROW + 1, first_column), (last, last_column))
                target.number_format = number_format
            worksheet.range((HEADER_ROW, 1)).value = [titles, *(_row(columns, r) for r in rows)]

    def _header(self, sheet: str) -> list[str]:
        """The table's header as the sheet has it now (the bookkeeper may have dragged or
        renamed columns since the last call): one read."""
        header = self._header_range(sheet, self._table(sheet))
        return [str(v) for v in header.options(ndim=1).value]

    def _header_range(self, sheet: str, table: xlwings.main.Table) -> xlwings.Range:
        """The table's header row; a table whose Header Row was turned off has none."""
        header = table.header_row_range
        if header is None:
            raise WorkbookError(
                "the table has no header row (its Header Row is turned off)",
                where=f"{sheet} sheet",
                advice="Click in the table, then Table Design > Header Row to show it again, "
                "and press the button again.",
            )
        return header

    def _column(self, sheet: str, title: str, count: int) -> tuple[xlwings.Range, Column]:
        """The body cells of the column headed ``title``, wherever the bookkeeper has
        dragged it, and its layout. Tables start at column A of the header row."""
        first = HEADER_ROW + 1
        column = 1 + TableData(sheet, self._header(sheet), [], first).column(title)
        cells = self._sheet(sheet).range((first, column), (first + count - 1, column))
        return cells, table_column(sheet, title)

    def write_column(self, sheet: str, title: str, values: list[object]) -> None:
        if not values:
            return
        cells, layout = self._column(sheet, title, len(values))
        with self._changing(sheet):
            cells.value = [[cell_value(v, layout.number_format)] for v in values]

    def append_rows(self, sheet: str, rows: list[list[object]]) -> None:
        table = self.read_table(sheet)
        existing = len(table.rows)
        self._make_room(sheet, existing + len(rows))
        columns, rows = in_sheet_order(sheet, table.header, rows)
        with self._changing(sheet):
            self._drop_total_row(self._table(sheet))
            self._show_taken(sheet, table_last_row(existing), existing + len(rows))
            self._resize(sheet, self._table(sheet), existing + len(rows))
            target = self._sheet(sheet).range((HEADER_ROW + 1 + existing, 1))
            target.value = [_row(columns, r) for r in rows]

    def hidden_rows(self, sheet: str) -> set[int]:
        """Rows a filter (or the bookkeeper) hides, from the hidden Visible column: that
        column recalculated (see _calculate), then read in one call. A Visible column
        deleted, renamed or holding its formula as text (or anything but 1, 0 and blank)
        cannot say: then the rows' own Hidden flags are read (``_hidden_by_rows``), so
        every button works and Refresh writes the column again."""
        if VISIBLE not in column_titles(sheet):
            return set()
        body = self._table(sheet).data_body_range
        if body is None:
            return set()
        count = body.rows.count
        if VISIBLE not in self._header(sheet):
            return self._hidden_by_rows(sheet, count)
        cells, _ = self._column(sheet, VISIBLE, count)
        _calculate(cells)
        values = cells.options(ndim=1).value
        if any(v not in (0, 1, None, "") for v in values):
            return self._hidden_by_rows(sheet, count)
        return {i for i, shown in enumerate(values) if shown == 0}

    def _hidden_by_rows(self, sheet: str, count: int) -> set[int]:
        """The body rows whose own Hidden flag is set: xlwings' ``RangeRows.hidden`` is
        True, False, or None for a block whose rows differ (xlwings main.py
        RangeRows.hidden), so only the halves of such a block are asked again: the xlwings
        calls grow with the runs of hidden rows, not with the rows. On a Mac each is one
        AppleEvent (_xlmac.py row_hidden gets the block's list); on Windows xlwings asks
        row by row until two differ (_xlwindows.py row_hidden), so this costs about a COM
        call per row: slow on a long list, and only until Refresh writes the column."""
        worksheet = self._sheet(sheet)
        first = HEADER_ROW + 1
        hidden: set[int] = set()
        blocks = [(0, count - 1)]
        while blocks:
            top, bottom = blocks.pop()
            state = worksheet.range((first + top, 1), (first + bottom, 1)).rows.hidden
            if state is None:
                middle = (top + bottom) // 2
                blocks += [(top, middle), (middle + 1, bottom)]
            elif state:
                hidden.update(range(top, bottom + 1))
        return hidden

    def show_columns(self, sheet: str, shown: Mapping[str, bool]) -> None:
        """A hidden column is one of width 0 (``Range.column_width``, the same on Windows
        and macOS); a hidden column shown again gets its layout width, and one already
        shown keeps the width the bookkeeper gave it. One read of the header, then a few
        calls per run of neighbouring columns taking the same width."""
        table = TableData(sheet, self._header(sheet), [], HEADER_ROW + 1)
        targets = sorted(
            (1 + table.column(title), table_column(sheet, title).width if show else 0)
            for title, show in shown.items()
        )
        runs: list[tuple[int, int, float]] = []
        for column, width in targets:
            if runs and runs[-1][1] == column - 1 and runs[-1][2] == width:
                runs[-1] = (runs[-1][0], column, width)
            else:
                runs.append((column, column, width))
        worksheet = self._sheet(sheet)
        with self._changing(sheet):
            for first, last, width in runs:
                cells = worksheet.range((HEADER_ROW, first), (HEADER_ROW, last))
                if width == 0:
                    cells.column_width = 0
                    continue
                current = cells.column_width  # None when the columns' widths differ
                if current == 0:
                    cells.column_width = width
                elif current is None:
                    for column in range(first, last + 1):
                        one = worksheet.range((HEADER_ROW, column))
                        if one.column_width == 0:
                            one.column_width = width

    def rows_below(self, sheet: str) -> list[tuple[int, list[Cell]]]:
        """Two calls to see how far the sheet is used; one more read only when something
        is under the table."""
        whole = self._table(sheet).range
        last_row = whole.last_cell.row
        used = self._sheet(sheet).used_range.last_cell.row
        if used <= last_row:
            return []
        width = len(TABLE_COLUMNS[sheet])
        block = self._sheet(sheet).range((last_row + 1, 1), (used, width)).options(ndim=2).value
        return [(last_row + 1 + i, row) for i, row in enumerate(block) if not is_blank_row(row)]

    def check_can_save(self) -> None:
        """Nothing to check: in Excel the bookkeeper saves (Save As, if read-only)."""

    def filtered(self, sheet: str) -> bool:
        """A criterion on any column, hiding rows or not: xlwings' Table.autofilter
        criteria (main.py Table.autofilter and AutoFilter.criteria, 0.37.5+; a field's
        type is "none" unless Filters(i).On, _xlwindows.py AutoFilter.criteria, or
        filter_on, _xlmac.py). A table without filter buttons has no filter."""
        table = self._table(sheet)
        if not table.show_autofilter:
            return False
        return any(c.type != "none" for c in table.autofilter.criteria)

    def clear_filter(self, sheet: str) -> None:
        """Take the table's filter off (and put its buttons back), and show rows hidden by
        hand: Excel does not filter again when the cells change, so rows refilled with
        other records would stay hidden."""
        table = self._table(sheet)
        with self._changing(sheet):
            table.show_autofilter = False
            table.show_autofilter = True
            body = table.data_body_range
            if body is not None:
                body.rows.hidden = False

    def _ask(self, message: str, buttons: str) -> str:
        """On macOS through osascript with a long timeout (xlwings' alert there gives up
        after 120 seconds: see mac_dialog), else, or when osascript cannot show it,
        xlwings' App.alert."""
        if sys.platform == "darwin":
            answer = alert_on_mac(TITLE, message, buttons)
            if answer is not None:
                return answer
        return str(self.book.app.alert(message, title=TITLE, buttons=buttons))

    def alert(self, message: str) -> None:
        self._ask(message, "ok")

    def confirm(self, message: str) -> bool:
        return self._ask(message, "yes_no") == "yes"

    def ask_password(self, question: str) -> str | None:
        return ask_password(TITLE, question)

    def status(self, text: str) -> None:
        self.book.app.status_bar = text or False  # False hands the bar back to Excel

    def progress(self, step: Step) -> None:
        """Cosmetic, and called while SMSTurbo is written: Excel refusing it for a moment
        (a cell being edited, a dialog up) must not stop the run."""
        with contextlib.suppress(Exception):
            self.status(step.line())

    def release(self, sheet: str, *, written: bool) -> None:
        """Nothing to let go: the cells live in Excel, each read is one block."""

    def activate(self, sheet: str) -> None:
        """Show the sheet, unless the bookkeeper hid it: Excel refuses to activate a hidden
        sheet. xlwings' Sheet.visible is COM's Worksheet.Visible on Windows (_xlwindows.py
        Sheet.visible: -1 shown, 0 hidden, 2 very hidden) and a bool on macOS (_xlmac.py
        Sheet.visible)."""
        worksheet = self._sheet(sheet)
        shown: object = worksheet.visible  # xlwings types it bool; on Windows it is -1/0/2
        if shown is True or shown == -1:
            worksheet.activate()

    def folder(self) -> Path:
        return self.workbook_path().parent

    def workbook_path(self) -> Path:
        try:
            return Path(self.book.fullname)
        except Exception as error:  # noqa: BLE001 - xlwings' OneDrive/SharePoint lookup
            raise WorkbookError(
                f"SMSync cannot tell which folder the workbook is in ({error})",
                where=str(self.book.name),
                advice="Excel knows this workbook by a web address (OneDrive or SharePoint). "
                "Save it in a folder on this computer that OneDrive does not synchronise "
                "(and reinstall there with 'smsync-xl install'), then press the button again.",
            ) from None

    def finish(self) -> None:
        """Nothing: in Excel the bookkeeper decides when to save."""
