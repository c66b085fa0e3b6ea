"""The workbook port over an .xlsm file: headless runs and tests.

The file is read once. Values come from python-calamine, sheet by sheet, the first
time a sheet is read. Writing works on the package itself: a sheet that changes has
its rows rewritten as XML (``sheet_xml``), its table part gets the new reference
(``table_xml``), and the new package copies every other part exactly as it was stored,
VBA project and both ribbon parts included (``package``). Nothing is loaded twice,
and no part that did not change is rewritten.
"""

from __future__ import annotations

import contextlib
import errno
import html
import io
import os
import re
import shutil
import stat
import zipfile
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import TYPE_CHECKING
from xml.etree import ElementTree

if TYPE_CHECKING:
    from python_calamine import CalamineWorkbook

    from smsync_xl.core.progress import Step

from smsync_xl.book.layout import (
    HEADER_ROW,
    INCLUDE,
    TABLE_COLUMNS,
    TABLE_NAMES,
    Column,
    in_sheet_order,
    table_area,
    table_column,
    table_records,
)
from smsync_xl.book.package import (
    CALC_CHAIN,
    TABLE,
    Content,
    Package,
    PackageError,
    rels_name,
)
from smsync_xl.book.references import part_pointer_below, pointer_below, rows_pointed_at
from smsync_xl.book.room import (
    cannot_move,
    refuse_off_sheet,
    refuse_reshaping,
    rows_to_insert,
)
from smsync_xl.book.sheet_stream import NotPlain, Patches, SheetRows
from smsync_xl.book.sheet_xml import (
    ColumnSpec,
    SheetXml,
    SheetXmlError,
    cell_xml,
    column_letters,
    formula_text,
    range_bounds,
    read_back,
    split_ref,
    table_rows_cells,
)
from smsync_xl.book.table_xml import TablePart, TableXmlError
from smsync_xl.core.errors import WorkbookError
from smsync_xl.core.ports import Cell, TableData, Uncalculated, is_blank_row

Grid = list[list[Cell]]
"""A sheet's values as readers see them: grid[row - 1][column - 1], None when empty."""

_UNKNOWN = object()
"""A cell not read yet (``FileBook._held``)."""
_ROWS_AT_ONCE = 4096
"""Table rows made into cells at once (``table_rows_cells``): enough to go a column at a
time, few enough that the cells being made stay small beside the sheet."""
_UNREADABLE = (
    OSError,
    zipfile.BadZipFile,
    KeyError,
    ValueError,
    ElementTree.ParseError,
    PackageError,
)
_WORKBOOK_VIEW = re.compile(r"<workbookView\b[^>]*>")
_ACTIVE_TAB = re.compile(r'\sactiveTab="(\d*)"')
_CALC_PR = re.compile(r"<calcPr\b([^>]*?)(/?)>")
_FULL_CALC = re.compile(r'\sfullCalcOnLoad="[^"]*"')
_AFTER_CALC_PR = re.compile(
    r"<(?:oleSize|customWorkbookViews|pivotCaches|smartTagPr|smartTagTypes|webPublishing"
    r"|fileRecoveryPr|webPublishObjects|extLst)\b|</workbook>"
)
_SAVE_FAILURES = {
    errno.ENOSPC: (
        "disk full",
        "Free some space on that disk, or move the workbook to a disk with room",
    ),
    errno.EDQUOT: (
        "your disk quota is used up",
        "Delete files you no longer need on that disk, or ask your IT for a larger quota",
    ),
    errno.EFBIG: (
        "the file would be larger than this disk or your account may write (a file-size limit)",
        "Move the workbook to a disk without that limit, or ask your IT to raise it",
    ),
}
"""What the disk says when a save does not fit, in the bookkeeper's words, and the fix."""
_MOVED_WITH_ROWS_BY_EXCEL_ONLY = {
    "/drawing": "it holds a picture, chart or shape",
    "/comments": "it holds a comment or note",
    "/table": "it holds another table",
    "/pivotTable": "it holds a PivotTable",
}
"""Parts anchored to a sheet's rows that the port does not rewrite when it inserts rows."""
_DEFINED_NAME = re.compile(r"<definedName\b[^>]*>([^<]*)</definedName>")
_SHEET_VIEW = re.compile(r"<sheetView\b[^>]*?(/?)>")
_TAB_SELECTED = re.compile(r'\stabSelected="([^"]*)"')
_FILTER_MODE = re.compile(r'(<sheetPr\b[^>]*?)\sfilterMode="(?:1|true)"')
_SHEET_TAG = re.compile(r"<(?:\w+:)?sheet\s[^>]*>")
_SHEET_NAME = re.compile(r'\sname="([^"]*)"')
_SHEET_STATE = re.compile(r'\sstate="([^"]*)"')


def _from_reader(value: object) -> Cell:
    """python-calamine's value as openpyxl's values_only gave it: '' (empty) → None,
    whole numbers (calamine's floats) → int."""
    if value == "":
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def _set(grid: Grid, row: int, column: int, value: Cell) -> None:
    while len(grid) < row:
        grid.append([])
    cells = grid[row - 1]
    if len(cells) < column:
        cells.extend([None] * (column - len(cells)))
    cells[column - 1] = value


def _set_row(grid: Grid, row: int, values: list[Cell], width: int) -> None:
    """Columns 1..``width`` of ``row`` become ``values``; cells beyond stay."""
    while len(grid) < row:
        grid.append([])
    old = grid[row - 1]
    grid[row - 1] = values + [None] * (width - len(values)) + old[width:]


def _rows_above(rows: SheetRows, header: int) -> Grid:
    """Rows 1 to ``header`` of plain cells (``SheetRows.row_values``)."""
    top: Grid = []
    for number in range(1, header + 1):
        for column, value in rows.row_values(number).items():
            _set(top, number, column, value)
    return top


def _body(columns: Mapping[int, Mapping[int, Cell]], first: int, last: int, width: int) -> Grid:
    """Rows ``first`` to ``last``, ``width`` cells each, of the cells ``columns`` holds
    (index in the row → row number → value), None elsewhere."""
    body: Grid = [[None] * width for _ in range(first, last + 1)]
    for index, values in columns.items():
        for number, value in values.items():
            if first <= number <= last:
                body[number - first][index] = value
    return body


def _hidden_sheets(workbook_xml: str) -> set[str]:
    """The sheets workbook.xml marks state="hidden" or "veryHidden" (ECMA-376 Part 1,
    18.2.19 sheet, ST_SheetState)."""
    hidden = set()
    for tag in _SHEET_TAG.findall(workbook_xml):
        name, state = _SHEET_NAME.search(tag), _SHEET_STATE.search(tag)
        if name and state and state.group(1) in ("hidden", "veryHidden"):
            hidden.add(html.unescape(name.group(1)))
    return hidden


def _with_tab_selected(xml: str, selected: bool) -> str:
    """The sheet's first view selected or not; unchanged if it already says so."""
    found = _SHEET_VIEW.search(xml)
    if found is None:
        return xml
    flag = _TAB_SELECTED.search(found.group(0))
    if (flag is not None and flag.group(1) in ("1", "true")) == selected:
        return xml
    tag = _TAB_SELECTED.sub("", found.group(0))
    if selected:
        tag = tag.replace("<sheetView", '<sheetView tabSelected="1"', 1)
    return xml[: found.start()] + tag + xml[found.end() :]


def _keep_owner(copy: Path, kept: os.stat_result) -> bool:
    """Give the new copy the workbook's owner and group. Only an administrator may give a
    file away, but a member of its group keeps the group (so a colleague's save does
    not lock the group out). False when even the group could not be kept."""
    if not hasattr(os, "chown"):
        return True
    try:
        os.chown(copy, kept.st_uid, kept.st_gid)
    except OSError:
        try:
            os.chown(copy, -1, kept.st_gid)
        except OSError:
            return os.stat(copy).st_gid == kept.st_gid
    return True


class FileBook:
    """An .xlsm on disk; answers to questions come from ``confirm``."""

    def __init__(
        self,
        path: Path,
        *,
        confirm: Callable[[str], bool],
        alert: Callable[[str], None],
        status: Callable[[str], None],
        ask_password: Callable[[str], str | None] = lambda _: None,
        progress: Callable[[Step], None] | None = None,
    ) -> None:
        self.path = path
        self._confirm, self._alert, self._status = confirm, alert, status
        self._progress = progress or (lambda step: status(step.line()))
        self._ask_password = ask_password
        try:
            self._package = Package(path.read_bytes())
            self._workbook = self._package.workbook_part()
            self._parts = self._package.sheet_parts()
        except _UNREADABLE as error:
            raise WorkbookError(
                f"this is not an SMSync workbook that can be opened ({error})",
                where=str(path),
                advice="Give the path of SMSync.xlsm. 'smsync-xl install --dest FOLDER' puts "
                "a fresh copy there.",
            ) from None
        self._reader: CalamineWorkbook | None = None
        self._values: dict[str, Grid] = {}
        self._pending: dict[str, list[Callable[[Grid], None]]] = {}
        self._tops: dict[str, Grid] = {}
        """A released sheet's rows down to its table's header (``release``): what its writes
        read, kept in step with them, without the body."""
        self._xml: dict[str, SheetXml] = {}
        self._patches: dict[str, Patches] = {}
        self._rows: dict[str, SheetRows | None] = {}
        self._columns: dict[str, dict[int, dict[int, Cell]]] = {}
        """Columns read alone (``_read_columns``): column number → row → value, until
        the sheet is written or read whole."""
        """A sheet not parsed, as its bytes and where its rows start (``sheet_stream``)."""
        """Cells written to a sheet whose XML is not parsed: put in when it is, else
        written as the part is saved (``sheet_stream``), so a column written to a large
        sheet does not parse every row."""
        self._dirty: set[str] = set()
        self._tables: dict[str, tuple[str, TablePart]] = {}
        self._active: str | None = None
        self._formulas = False

    # finding things

    def _sheet(self, sheet: str) -> str:
        if sheet not in self._parts:
            raise WorkbookError(
                f"the sheet {sheet} is missing (renamed or deleted)",
                where=str(self.path),
                advice=f"Rename the sheet back to {sheet}, or install a fresh workbook with "
                "'smsync-xl install --force' (the old one is kept beside it, dated).",
            )
        return self._parts[sheet]

    def _damaged(self, what: str, error: Exception) -> WorkbookError:
        return WorkbookError(
            f"{what} cannot be read ({error})",
            where=str(self.path),
            advice="Open the workbook in Excel and save it, or install a fresh workbook with "
            "'smsync-xl install --force' (the old one is kept beside it, dated).",
        )

    def _table(self, sheet: str) -> TablePart:
        if sheet not in self._tables:
            part = self._sheet(sheet)
            name = TABLE_NAMES.get(sheet)
            try:
                for relationship in self._package.relationships(part):
                    if relationship.type.endswith(TABLE) and relationship.target in self._package:
                        table = TablePart(self._package.text(relationship.target))
                        if table.display_name == name:
                            self._tables[sheet] = (relationship.target, table)
                            break
            except (*_UNREADABLE, TableXmlError) as error:
                raise self._damaged(f"the table of the {sheet} sheet", error) from None
            if sheet not in self._tables:
                raise WorkbookError(
                    f"the table {name} on the {sheet} sheet is missing",
                    where=str(self.path),
                    advice="Install a fresh workbook with 'smsync-xl install --force' (the old "
                    "one is kept beside it, dated).",
                )
        return self._tables[sheet][1]

    def _bounds(self, sheet: str) -> tuple[int, int, int, int]:
        """First row, first column, last row, last column of the sheet's table."""
        return range_bounds(self._table(sheet).ref)

    # reading

    def _grid(self, sheet: str) -> Grid:
        if sheet not in self._values:
            self._sheet(sheet)
            try:
                if self._reader is None:
                    from python_calamine import CalamineWorkbook

                    self._reader = CalamineWorkbook.from_filelike(io.BytesIO(self._package.data))
                rows = self._reader.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
            except Exception as error:  # noqa: BLE001 - calamine's errors are its own types
                raise self._damaged(f"the {sheet} sheet", error) from None
            grid = [
                [
                    None
                    if value == ""
                    else _from_reader(value)
                    if value.__class__ is float
                    else value
                    for value in row
                ]
                for row in rows
            ]
            for change in self._pending.pop(sheet, []):
                change(grid)
            self._values[sheet] = grid
            self._tops.pop(sheet, None)
        return self._values[sheet]

    def _change(self, sheet: str, change: Callable[[Grid], None]) -> None:
        """Keep the values read in step with what was written (now, or when first read)."""
        self._columns.pop(sheet, None)
        if sheet in self._values:
            change(self._values[sheet])
            return
        self._pending.setdefault(sheet, []).append(change)
        top = self._tops.get(sheet)
        if top is not None:
            rows = len(top)
            change(top)
            del top[rows:]

    def read_range(self, sheet: str, address: str) -> list[list[Cell]]:
        top, left, bottom, right = range_bounds(address)
        above = self._tops.get(sheet)
        grid = above if above is not None and bottom <= len(above) else self._grid(sheet)
        width = right - left + 1
        block = []
        for number in range(top, bottom + 1):
            cells = grid[number - 1][left - 1 : right] if number <= len(grid) else []
            block.append(cells + [None] * (width - len(cells)))
        return block

    def _header(self, sheet: str) -> list[str]:
        """The table's header as ``read_table`` gives it, its body not read (Refresh
        writes a table of 100,000 rows in the order of its columns)."""
        first, left, _, right = self._bounds(sheet)
        header = f"{column_letters(left)}{first}:{column_letters(right)}{first}"
        return [str(v) for v in self.read_range(sheet, header)[0]]

    def read_table(self, sheet: str, only: Collection[str] | None = None) -> TableData:
        """The header and the body: never the Total Row at the end of ``ref``. With
        ``only``, those columns are read from the sheet's bytes when they can be
        (``_read_columns``)."""
        table = self._table(sheet)
        if only is not None:
            found = self._read_columns(sheet, table, only)
            if found is not None:
                return found
        ref = table.ref
        first = range_bounds(ref)[0]
        block = self.read_range(sheet, ref)
        rows = block[1 : len(block) - table.totals_rows()]
        header = [str(v) for v in block[0]]
        if INCLUDE in header:
            self._mark_uncalculated(sheet, header.index(INCLUDE), rows)
        return TableData(sheet, header, table_records(rows), first + 1)

    def _read_columns(
        self, sheet: str, table: TablePart, only: Collection[str]
    ) -> TableData | None:
        """The table with only the columns ``only`` read (the others None), from the
        bytes of a sheet not read nor written yet, without parsing its other cells;
        None when its cells are not in the plain shape ``SheetRows.column_values``
        reads, or its last row holds nothing in those columns (a full read would then
        see another height). The rows down to the header become ``_tops`` and the
        columns' values ``_columns``, so writing one compares with what it holds."""
        untouched = not ({sheet} & (self._values.keys() | self._pending.keys() | self._dirty))
        rows = self._sheet_rows(sheet) if untouched and sheet not in self._tops else None
        if rows is None:
            return None
        first, left, last, right = self._bounds(sheet)
        try:
            top = _rows_above(rows, first)
            header = (top[first - 1] if len(top) >= first else [])[left - 1 : right]
            titles = [str(v) for v in header + [None] * (right - left + 1 - len(header))]
            columns = rows.column_values([left + titles.index(t) for t in only if t in titles])
        except NotPlain:
            return None
        bottom = last - table.totals_rows()
        if not any(bottom in values for values in columns.values()):
            return None
        in_row = {column - left: values for column, values in columns.items()}
        body = _body(in_row, first + 1, bottom, len(titles))
        self._tops[sheet] = top
        self._columns[sheet] = columns
        return TableData(sheet, titles, table_records(body), first + 1)

    def _mark_uncalculated(self, sheet: str, index: int, rows: list[list[Cell]]) -> None:
        """An Include cell that reads as empty but holds a formula without a saved result
        (``=TRUE()`` typed by a program that does not calculate) is not "not ticked":
        it becomes ``Uncalculated``, which the buttons refuse."""
        first, left, _, _ = self._bounds(sheet)
        xml = self._row_facts(sheet)
        for offset, row in enumerate(rows):
            if row[index] is None:
                formula = xml.uncalculated(first + 1 + offset, left + index)
                if formula is not None:
                    row[index] = Uncalculated(formula)

    def hidden_rows(self, sheet: str) -> set[int]:
        first, _, last, _ = self._bounds(sheet)
        xml = self._row_facts(sheet)
        hidden = {n - first - 1 for n in range(first + 1, last + 1) if xml.is_hidden(n)}
        if hidden and last == first + 1 and not self.read_table(sheet).rows:
            return set()  # the empty row of an empty table
        return hidden

    def rows_below(self, sheet: str) -> list[tuple[int, list[Cell]]]:
        _, _, last_row, last_column = self._bounds(sheet)
        if sheet not in self._values and sheet not in self._patches:
            rows = self._sheet_rows(sheet)
            if rows is not None and not rows.any_row_after(last_row):
                return []  # no row under the table: the sheet need not be read whole
        grid = self._grid(sheet)
        found = []
        for number in range(last_row + 1, len(grid) + 1):
            cells = grid[number - 1][:last_column]
            if not is_blank_row(cells):
                found.append((number, cells + [None] * (last_column - len(cells))))
        return found

    # writing

    def _sheet_xml(self, sheet: str) -> SheetXml:
        if sheet not in self._xml:
            part = self._sheet(sheet)
            rows = self._rows.pop(sheet, None)
            try:
                xml = SheetXml(rows.data.decode("utf-8") if rows else self._package.text(part))
            except (*_UNREADABLE, SheetXmlError) as error:
                raise self._damaged(f"the {sheet} sheet", error) from None
            for number, cells in sorted(self._patches.pop(sheet, {}).items()):
                for column, value in cells.items():
                    xml.put_cell(number, column, value)
            self._xml[sheet] = xml
        return self._xml[sheet]

    def _sheet_rows(self, sheet: str) -> SheetRows | None:
        """The sheet's rows as bytes, while its XML is not parsed; None when they cannot
        be placed without parsing it."""
        if sheet in self._xml:
            return None
        if sheet not in self._rows:
            part = self._sheet(sheet)
            try:
                self._rows[sheet] = SheetRows.of(self._package.read(part))
            except (*_UNREADABLE, SheetXmlError):
                self._rows[sheet] = None
        return self._rows[sheet]

    def _row_facts(self, sheet: str) -> SheetXml | SheetRows:
        """What answers which rows are hidden and which cells hold formulas: the rows
        as bytes until a cell is written, then the parsed XML."""
        rows = self._sheet_rows(sheet) if sheet not in self._patches else None
        return rows or self._sheet_xml(sheet)

    def _writable(self, sheet: str) -> None:
        """Before cells are written: a sheet whose rows ``sheet_stream`` cannot place is
        parsed now (one this port cannot edit is refused at once)."""
        if sheet not in self._xml and sheet not in self._patches and not self._sheet_rows(sheet):
            self._sheet_xml(sheet)

    def _put_changed(self, sheet: str, row: int, column: int, value: Cell) -> Cell:
        """``_put``, unless the sheet's bytes already hold ``value`` there as a plain
        value (not a formula, not an error): Check All rewrites only the Include cells it
        changes."""
        old = self._held(sheet, row, column)
        rows = self._sheet_rows(sheet) if old is not _UNKNOWN else None
        if rows is not None:
            back = read_back(value)
            if type(old) is type(back) and old == back and row not in rows.unplain_rows(column):
                return old
        return self._put(sheet, row, column, value)

    def _held(self, sheet: str, row: int, column: int) -> object:
        """What a cell holds, as read (whole, or its column alone); ``_UNKNOWN`` when it
        was not read."""
        grid = self._values.get(sheet)
        if grid is not None:
            if row > len(grid):
                return _UNKNOWN
            cells = grid[row - 1]
            return cells[column - 1] if column <= len(cells) else None
        known = self._columns.get(sheet, {}).get(column)
        return _UNKNOWN if known is None else known.get(row)

    def _put(self, sheet: str, row: int, column: int, value: Cell) -> Cell:
        """Write one cell (``SheetXml.put_cell``), into the parsed XML or ``_patches``
        (after ``_writable``); returns what a reader gets back."""
        self._dirty.add(sheet)
        if sheet in self._xml:
            return self._xml[sheet].put_cell(row, column, value)
        back = cell_xml("A1", "", value)[1]
        self._patches.setdefault(sheet, {}).setdefault(row, {})[column] = value
        return back

    def _name_column(self, sheet: str, column: int, value: Cell) -> None:
        """A header cell written by name: the table's column takes the name too."""
        first, left, _, right = self._bounds(sheet)
        if first == HEADER_ROW and left <= column <= right and value not in (None, ""):
            table = self._table(sheet)
            names = table.column_names()
            if len(names) == right - left + 1:
                names[column - left] = str(value)
                table.name_columns(names)

    def write_cell(self, sheet: str, address: str, value: Cell) -> None:
        row, column = split_ref(address)
        self._writable(sheet)
        back = self._put(sheet, row, column, value)
        self._change(sheet, lambda grid: _set(grid, row, column, back))
        if sheet in TABLE_NAMES and row == HEADER_ROW:
            with contextlib.suppress(WorkbookError):  # no table: nothing to name
                self._name_column(sheet, column, back)

    def _format_styles(self, sheet: str) -> dict[str, str]:
        """Number format → the style attribute holding it: the ``<col style>`` the builder
        gave the place each layout column was built in. A column the bookkeeper dragged
        stays in its layout format, as the live port formats each column by its title."""
        xml = self._sheet_xml(sheet)
        styles: dict[str, str] = {}
        for number, column in enumerate(TABLE_COLUMNS[sheet], start=1):
            styles.setdefault(column.number_format, xml.style_attribute(number))
        return styles

    def _specs(self, sheet: str, columns: tuple[Column, ...]) -> list[ColumnSpec]:
        styles = self._format_styles(sheet)
        specs = []
        for number, column in enumerate(columns, start=1):
            formula = formula_text(column.formula) if column.formula else None
            self._formulas = self._formulas or formula is not None
            style = styles[column.number_format]
            specs.append(ColumnSpec(column_letters(number), style, formula))
        return specs

    def _write_rows(
        self, sheet: str, first_row: int, rows: list[list[Cell]], columns: tuple[Column, ...]
    ) -> list[list[Cell]]:
        """``rows`` in ``columns``' order (``sheet_order``)."""
        xml = self._sheet_xml(sheet)
        specs = self._specs(sheet, columns)
        width = len(specs)
        written: list[list[Cell]] = []
        for start in range(0, len(rows), _ROWS_AT_ONCE):
            made, back = table_rows_cells(first_row + start, rows[start:][:_ROWS_AT_ONCE], specs)
            for offset, cells in enumerate(made, start=first_row + start):
                xml.replace_cells(offset, 1, width, cells)
            written += back
        self._dirty.add(sheet)
        return written

    # room for a growing table (see room.py)

    def _insertion(self, sheet: str, body_rows: int) -> tuple[int, int, str]:
        """(row, count, first cell there): rows to insert so a table of ``body_rows``
        ends above what lies under it."""
        _, _, last, _ = self._bounds(sheet)
        found = self._sheet_xml(sheet).first_used_row(after=last)
        if found is None:
            return 0, 0, ""
        count = rows_to_insert(found[0], body_rows)
        return found[0], count, found[1]

    def check_room(self, sheet: str, body_rows: int) -> None:
        first, left, _, right = self._bounds(sheet)
        header = f"{column_letters(left)}{first}:{column_letters(right)}{first}"
        refuse_reshaping(
            sheet,
            self.read_range(sheet, header)[0],
            body_rows,
            lambda a, b: self._held_beside(sheet, a, b),
            left,
        )
        xml = self._sheet_xml(sheet)
        at, count, cell = self._insertion(sheet, body_rows)
        if not count:
            return
        pushed = xml.pushed_off(at, count)
        if pushed is not None:
            refuse_off_sheet(sheet, count, pushed)
        formula = xml.formula_from(at)
        if formula is not None:
            raise cannot_move(sheet, count, formula, "a cell under it holds a formula")
        table_part = self._tables[sheet][0]
        for relationship in self._package.relationships(self._sheet(sheet)):
            for kind, why in _MOVED_WITH_ROWS_BY_EXCEL_ONLY.items():
                if relationship.type.endswith(kind) and relationship.target != table_part:
                    raise cannot_move(sheet, count, cell, f"the sheet {why}")
        self._refuse_references(sheet, at, count, cell)

    def _held_beside(self, sheet: str, left: int, right: int) -> tuple[str, object] | None:
        """The first cell of columns ``left`` to ``right`` beside the table's rows holding
        something, and its value."""
        first, _, last, _ = self._bounds(sheet)
        beside = self._sheet_xml(sheet).first_held(first, last, left, right)
        if beside is None:
            return None
        row, column = split_ref(beside)
        return beside, self._value(sheet, row, column)

    def _value(self, sheet: str, row: int, column: int) -> object:
        """A cell's value as readers see it; a formula's text when it has no result."""
        value = self.read_range(sheet, f"{column_letters(column)}{row}")[0][0]
        if value is None:
            return self._sheet_xml(sheet).uncalculated(row, column) or value
        return value

    def _refuse_references(self, sheet: str, at: int, count: int, cell: str) -> None:
        """A defined name, a formula, format, validation or hyperlink on any sheet (this
        one too), a chart's or a PivotTable's source pointing at the rows that move would
        point at the wrong cells afterwards: the headless port does not rewrite
        references."""
        workbook = self._package.text(self._workbook)
        if any(
            row >= at
            for name in _DEFINED_NAME.findall(workbook)
            for row in rows_pointed_at(html.unescape(name), sheet, own=False)
        ):
            raise cannot_move(sheet, count, cell, "a defined name points below it")
        for other, part in self._parts.items():
            if other in self._xml or other in self._patches:
                xml = self._sheet_xml(other)
                text = xml.head + "".join(xml.rows.values()) + xml.tail
            else:
                text = self._package.text(part)
            why = pointer_below(text, other, sheet, at)
            if why is not None:
                raise cannot_move(sheet, count, cell, why)
        for info in self._package.infos:
            if info.filename.startswith(("xl/charts/chart", "xl/pivotCache/pivotCacheDef")):
                why = part_pointer_below(
                    self._package.text(info.filename), info.filename, sheet, at
                )
                if why is not None:
                    raise cannot_move(sheet, count, cell, why)

    def _make_room(self, sheet: str, body_rows: int) -> None:
        self.check_room(sheet, body_rows)
        at, count, _ = self._insertion(sheet, body_rows)
        if not count:
            return
        self._sheet_xml(sheet).insert_rows(at, count)
        self._dirty.add(sheet)

        def change(grid: Grid) -> None:
            if len(grid) >= at:
                grid[at - 1 : at - 1] = [[] for _ in range(count)]

        self._change(sheet, change)

    def total_row(self, sheet: str) -> bool:
        return self._table(sheet).totals_rows() > 0

    def _resize(self, sheet: str, body_rows: int) -> None:
        """The table ends after ``body_rows`` rows; rows it grows into are shown (hidden
        empty rows under it would otherwise hide records, which Check All skips). A Total
        Row is turned off (its cells, once the body's last row, are rewritten or emptied
        by the callers), as the live port does, rather than the last data row taken for
        it."""
        _, _, old_last, _ = self._bounds(sheet)
        first_row, first_column, last_row, last_column = table_area(sheet, body_rows)
        xml = self._sheet_xml(sheet)
        for number in range(old_last + 1, last_row + 1):
            xml.show(number)
        self._table(sheet).drop_total_row()
        self._table(sheet).resize(
            f"{column_letters(first_column)}{first_row}:{column_letters(last_column)}{last_row}"
        )

    def write_table(self, sheet: str, rows: list[list[Cell]]) -> None:
        """In the order the sheet has its columns now (``sheet_order``)."""
        self._make_room(sheet, len(rows))
        _, _, old_last, _ = self._bounds(sheet)
        xml = self._sheet_xml(sheet)
        columns, rows = in_sheet_order(sheet, self._header(sheet), rows)
        width = len(columns)
        titles = [read_back(c.title) for c in columns]
        for number, title in enumerate(titles, start=1):
            xml.put_cell(HEADER_ROW, number, title)
        written = self._write_rows(sheet, HEADER_ROW + 1, rows, columns)
        cleared = range(HEADER_ROW + 1 + len(rows), old_last + 1)
        for number in cleared:
            xml.replace_cells(number, 1, width, "")
        self._resize(sheet, len(rows))
        table = self._table(sheet)
        if len(table.column_names()) == width:
            table.name_columns([c.title for c in columns])
        else:
            table.set_columns([c.title for c in columns])

        def change(grid: Grid) -> None:
            _set_row(grid, HEADER_ROW, titles, width)
            for offset, values in enumerate(written):
                _set_row(grid, HEADER_ROW + 1 + offset, values, width)
            for number in cleared:
                if number <= len(grid):
                    _set_row(grid, number, [], width)

        self._change(sheet, change)

    def write_column(self, sheet: str, title: str, values: list[Cell]) -> None:
        """Into the column headed ``title``, wherever the bookkeeper has moved it."""
        first, left, _, right = self._bounds(sheet)
        header = f"{column_letters(left)}{first}:{column_letters(right)}{first}"
        titles = self.read_range(sheet, header)[0]
        column = left + TableData(sheet, [str(v) for v in titles], [], first + 1).column(title)
        self._writable(sheet)
        written = [
            self._put_changed(sheet, first + 1 + offset, column, v)
            for offset, v in enumerate(values)
        ]

        def change(grid: Grid) -> None:
            for offset, value in enumerate(written):
                _set(grid, first + 1 + offset, column, value)

        self._change(sheet, change)

    def append_rows(self, sheet: str, rows: list[list[Cell]]) -> None:
        table = self.read_table(sheet)
        existing = len(table.rows)
        self._make_room(sheet, existing + len(rows))
        first_row = HEADER_ROW + 1 + existing
        columns, rows = in_sheet_order(sheet, table.header, rows)
        written = self._write_rows(sheet, first_row, rows, columns)
        self._resize(sheet, existing + len(rows))
        width = len(TABLE_COLUMNS[sheet])

        def change(grid: Grid) -> None:
            for offset, values in enumerate(written):
                _set_row(grid, first_row + offset, values, width)

        self._change(sheet, change)

    def show_columns(self, sheet: str, shown: Mapping[str, bool]) -> None:
        """By their ``<col hidden>``: a hidden column keeps its width for when it is shown."""
        first, left, _, right = self._bounds(sheet)
        header = f"{column_letters(left)}{first}:{column_letters(right)}{first}"
        titles = [str(v) for v in self.read_range(sheet, header)[0]]
        xml = self._sheet_xml(sheet)
        for title, show in shown.items():
            column = left + TableData(sheet, titles, [], first + 1).column(title)
            if xml.show_column(column, show, table_column(sheet, title).width):
                self._dirty.add(sheet)

    def filtered(self, sheet: str) -> bool:
        return self._table(sheet).filtered()

    def clear_filter(self, sheet: str) -> None:
        """The table's criteria and hidden rows go, and the sheet's filterMode (sheetPr,
        ECMA-376 18.3.1.82: a filter is on) unless a sheet AutoFilter of its own stays."""
        table = self._table(sheet)
        table.clear_filter()
        first, _, last, _ = self._bounds(sheet)
        xml = self._sheet_xml(sheet)
        if "<autoFilter" not in xml.tail:
            head = _FILTER_MODE.sub(r"\1", xml.head, count=1)
            if head != xml.head:
                xml.head = head
                self._dirty.add(sheet)
        for number in range(first + 1, last + 1):
            if xml.is_hidden(number):
                xml.show(number)
                self._dirty.add(sheet)

    # the rest of the port

    def alert(self, message: str) -> None:
        self._alert(message)

    def confirm(self, message: str) -> bool:
        return self._confirm(message)

    def ask_password(self, question: str) -> str | None:
        return self._ask_password(question)

    def status(self, text: str) -> None:
        self._status(text)

    def progress(self, step: Step) -> None:
        self._progress(step)

    def release(self, sheet: str, *, written: bool) -> None:
        """A 30,000-row sheet's XML and values take about 100 MiB each. The XML of a sheet
        not changed yet is parsed again from the package, in memory, when it is written.
        Of the values, a sheet still ``written`` keeps the rows down to its table's header,
        which its writes read (a column is found by its title); any other read reads the
        sheet again, with the writes made since."""
        if sheet in self._dirty or sheet in self._pending:
            return
        self._xml.pop(sheet, None)
        self._rows.pop(sheet, None)
        grid = self._values.pop(sheet, None)
        if written and grid is not None:
            header = self._bounds(sheet)[0] if sheet in TABLE_NAMES else 0
            self._tops[sheet] = [list(row) for row in grid[:header]]

    def activate(self, sheet: str) -> None:
        """The sheet Excel opens on (activeTab), unless it is hidden: Excel cannot show a
        hidden sheet's tab, so the workbook keeps the one it has."""
        self._sheet(sheet)
        if sheet not in _hidden_sheets(self._package.text(self._workbook)):
            self._active = sheet

    def folder(self) -> Path:
        return self.path.resolve().parent

    def workbook_path(self) -> Path:
        return self._target()

    def _target(self) -> Path:
        """The file a save replaces: a symbolic link's target, so a workbook shared
        through a link stays shared and the link stays a link."""
        return Path(os.path.realpath(self.path))

    def check_can_save(self) -> None:
        """Before anything is written to SMSTurbo: the file (a link's target) is not
        read-only, can be opened for writing (Excel's share lock on an open workbook, an
        immutable file refuse it), and its folder takes the new copy the save writes
        first and has room for at least the workbook as it is now."""
        target = self._target()
        links = target.stat().st_nlink
        if links > 1:
            raise WorkbookError(
                f"the workbook has {links} names on this disk (hard links): a save writes a "
                "new file under this name only, so the other names would keep the old "
                "workbook and the two would go separate ways",
                where=str(target),
                advice="Keep one name: delete the other hard links (on Linux and macOS "
                f"'find / -samefile {target}' lists them) or make them symbolic links "
                "('ln -s'), which SMSync saves through, then run the step again. Nothing was "
                "changed.",
            )
        if not target.stat().st_mode & stat.S_IWUSR:
            raise WorkbookError(
                "the workbook is read-only, so SMSync could not save the results",
                where=str(self.path),
                advice="Clear its read-only attribute (Properties > Read-only) or work on a "
                "copy, then run the step again. Nothing was changed.",
            )
        try:
            with target.open("r+b"):
                pass
        except OSError as error:
            raise WorkbookError(
                f"the workbook cannot be replaced ({error.strerror}): another program has "
                "it open (Excel locks a workbook it has open), or the file is locked "
                "against changes",
                where=str(self.path),
                advice="Close it in Excel (or the program that has it open). If nothing has "
                "it open, remove the lock (Properties > Read-only; on Linux and macOS "
                "'chattr -i' / 'chflags nouchg'), then run the step again. Nothing was "
                "changed.",
            ) from None
        probe = target.with_name(target.name + ".saving")
        try:
            probe.write_bytes(b"")
            probe.unlink()
            free = shutil.disk_usage(target.parent).free
        except OSError as error:
            raise WorkbookError(
                f"the workbook's folder cannot be written ({error.strerror})",
                where=str(target.parent),
                advice="Move the workbook to a folder you can write to, then run the step "
                "again. Nothing was changed.",
            ) from None
        needed = len(self._package.data)
        if free < needed:
            reason, fix = _SAVE_FAILURES[errno.ENOSPC]
            raise WorkbookError(
                f"could not save the workbook: {reason} ({free:,} bytes free on its disk; "
                f"its new copy needs at least {needed:,})",
                where=str(self.path),
                advice=f"{fix}, then run the step again. Nothing was changed.",
            )

    # saving

    def _workbook_xml(self, replaced: dict[str, Content | None]) -> None:
        """The active sheet (activeTab, and tabSelected on the sheets) and, when
        formulas without a cached value were written, a full calculation on load."""
        original = self._package.text(self._workbook)
        xml = original
        view = _WORKBOOK_VIEW.search(xml)
        if self._active is not None and view is not None:
            index = list(self._parts).index(self._active)
            current = _ACTIVE_TAB.search(view.group(0))
            if int(current.group(1) or "0" if current else "0") != index:
                tag = _ACTIVE_TAB.sub("", view.group(0))
                tag = re.sub(r"\s*(/?)>$", rf' activeTab="{index}"\1>', tag, count=1)
                xml = xml[: view.start()] + tag + xml[view.end() :]
                self._select_tab(replaced)
        if self._formulas:
            calc = _CALC_PR.search(xml)
            if calc is None:
                at = _AFTER_CALC_PR.search(xml)
                if at is not None:
                    xml = xml[: at.start()] + '<calcPr fullCalcOnLoad="1"/>' + xml[at.start() :]
            elif 'fullCalcOnLoad="1"' not in calc.group(0):
                attrs = _FULL_CALC.sub("", calc.group(1))
                tag = f'<calcPr{attrs} fullCalcOnLoad="1"{calc.group(2)}>'
                xml = xml[: calc.start()] + tag + xml[calc.end() :]
        if xml != original:
            replaced[self._workbook] = xml.encode("utf-8")

    def _select_tab(self, replaced: dict[str, Content | None]) -> None:
        """Only the active sheet's tab is selected (else Excel opens them grouped)."""
        for sheet, part in self._parts.items():
            selected = sheet == self._active
            if sheet in self._xml or sheet in self._patches:
                xml = self._sheet_xml(sheet)
                head = _with_tab_selected(xml.head, selected)
                if head != xml.head:
                    xml.head = head
                    self._dirty.add(sheet)
            else:
                text = self._package.text(part)
                changed = _with_tab_selected(text, selected)
                if changed != text:
                    replaced[part] = changed.encode("utf-8")

    def _drop_calc_chain(self, replaced: dict[str, Content | None]) -> None:
        """Excel's calculation chain lists formula cells by address; once cells are
        rewritten it is stale, and Excel rebuilds it when it is missing."""
        chain = next(
            (r for r in self._package.relationships(self._workbook) if r.type.endswith(CALC_CHAIN)),
            None,
        )
        if chain is None:
            return
        replaced[chain.target] = None
        rels = rels_name(self._workbook)
        text = re.sub(
            rf'<Relationship\b[^>]*\bId="{re.escape(chain.id)}"[^>]*/>',
            "",
            self._package.text(rels),
        )
        replaced[rels] = text.encode("utf-8")
        types = re.sub(
            rf'<Override\b[^>]*PartName="/{re.escape(chain.target)}"[^>]*/>',
            "",
            self._package.text("[Content_Types].xml"),
        )
        replaced["[Content_Types].xml"] = types.encode("utf-8")

    def _saved_sheet(self, sheet: str) -> Content:
        """A changed sheet's part: from its parsed XML, or its bytes and the cells written."""
        rows = self._sheet_rows(sheet)
        stream = rows.saved(self._patches.get(sheet, {})) if rows else None
        return stream or self._sheet_xml(sheet).chunks

    def finish(self) -> None:
        """Save, atomically: the new copy is written beside the file (a link's target),
        given the file's mode and owner (at least its group: ``_keep_owner``, else a
        note says so), flushed to disk, then put in its place. A failed save leaves the
        workbook as it was and says why in plain words."""
        self.check_can_save()
        replaced: dict[str, Content | None] = {}
        self._workbook_xml(replaced)
        for sheet in self._dirty:
            replaced[self._parts[sheet]] = self._saved_sheet(sheet)
        for part, table in self._tables.values():
            if table.changed:
                replaced[part] = table.xml.encode("utf-8")
        if self._dirty:
            self._drop_calc_chain(replaced)
        target = self._target()
        kept = target.stat()
        temporary = target.with_name(target.name + ".saving")
        try:
            with temporary.open("wb") as out:
                self._package.write(out, replaced)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(temporary, stat.S_IMODE(kept.st_mode))
            owned = _keep_owner(temporary, kept)
            os.replace(temporary, target)
        except BaseException as error:
            with contextlib.suppress(OSError):
                temporary.unlink()
            if isinstance(error, OSError):
                raise self._not_saved(error) from None
            raise
        if not owned:
            self._alert(
                f"Note: {target} now belongs to you and your group (it belonged to user "
                f"{kept.st_uid}, group {kept.st_gid}, and this computer lets only them or an "
                "administrator give it back): they may no longer be able to save it. Ask "
                f"an administrator to run 'chown {kept.st_uid}:{kept.st_gid} {target}'."
            )

    def _not_saved(self, error: OSError) -> WorkbookError:
        """A save the disk refused, in the bookkeeper's words."""
        reason, fix = _SAVE_FAILURES.get(
            error.errno or 0,
            (error.strerror or str(error), "Check that the workbook and its folder can be written"),
        )
        return WorkbookError(
            f"could not save the workbook: {reason} ({error.strerror}). The workbook is as "
            "it was before this save",
            where=str(self.path),
            advice=f"{fix}, then run the step again.",
        )
