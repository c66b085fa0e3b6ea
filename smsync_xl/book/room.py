"""Room for a growing table, the same rule in both ports: whatever the bookkeeper typed
or placed under one of SMSync's tables moves down as the table grows, and a column the
bookkeeper added inside a table is named before anything is written.

The table first takes the empty rows under it; when it needs more, rows are inserted
above the first row that holds something (a value, a formatted cell, a merged block, a
hyperlink, a validation), as Excel does when a table grows, so that row and everything
below it move down together. When a table shrinks, the rows it leaves are emptied and
nothing below moves. Rows the table grows into are shown (a hidden record is one Check
All skips).

Refused before anything is written (``RoomError``: the workbook is left as it was, not
even a Log row), naming the cell: a table that would pass Excel's last row; a value or
range that inserted rows would push past it (rows holding only a format or a hidden flag
drop off, as in Excel); a column added inside a table; what lies beside a table narrowed
by a deleted column, where its column goes back; another table beside it that the rows
would split (Excel). The headless port, which does not rewrite references, also refuses
when a formula, defined name, validation, format or hyperlink on any sheet points at the
rows that move, or when a picture, comment or other table is anchored there.
"""

from __future__ import annotations

from collections.abc import Callable

from smsync_xl.book.layout import (
    HEADER_ROW,
    LOG,
    TABLE_COLUMNS,
    TABLE_NAMES,
    column_titles,
    table_last_row,
)
from smsync_xl.book.sheet_xml import EXCEL_LAST_ROW, column_letters
from smsync_xl.core.errors import WorkbookError
from smsync_xl.core.vocabulary import View

NOTHING_CHANGED = "Nothing was changed."


class RoomError(WorkbookError):
    """A table cannot grow without losing or misplacing the bookkeeper's content. Raised
    before anything is written, so the workbook is left exactly as it was: no Log row
    either, as the message says."""


def rows_to_insert(first_used: int | None, body_rows: int) -> int:
    """How many rows go in above ``first_used`` (the first row under the table holding
    something) so that a table of ``body_rows`` rows ends above it."""
    if first_used is None:
        return 0
    return max(0, table_last_row(body_rows) - first_used + 1)


def refuse_added_columns(sheet: str, header: list[object], first_column: int = 1) -> None:
    """A table wider than SMSync's layout holds a column the bookkeeper added (Excel adds
    one when a cell beside the table is typed in): SMSync writes whole rows, so that
    column's values would no longer stay with their records. Named, before any write."""
    titles = set(column_titles(sheet))
    if len(header) <= len(titles):
        return
    added = [(i, str(v)) for i, v in enumerate(header) if str(v) not in titles]
    columns = ", ".join(
        f"{name!r} (column {column_letters(first_column + i)})" for i, name in added
    )
    last = column_letters(first_column + len(header) - 1)
    raise RoomError(
        f"the table {TABLE_NAMES[sheet]} has {len(header)} columns where SMSync fills "
        f"{len(titles)}: {columns} {'was' if len(added) == 1 else 'were'} added to it. "
        "SMSync rewrites the table's rows, so the values there would not stay with their "
        "records",
        where=f"{sheet} sheet, header row {HEADER_ROW}",
        advice="Move the column out of the table: select its cells, cut them (Ctrl+X) and "
        f"paste them two or more columns right of column {last} or on another sheet, then "
        "delete the empty table column (right-click > Delete > Table Columns) and press the "
        f"button again. {NOTHING_CHANGED}",
    )


def refuse_past_last_row(sheet: str, body_rows: int) -> None:
    """A table can grow no further than Excel's last row, whatever lies under it."""
    needed = table_last_row(body_rows)
    if needed <= EXCEL_LAST_ROW:
        return
    if sheet == LOG:
        advice = (
            "Keep the old Log rows elsewhere: select the oldest rows of the Log table, cut "
            "them (Ctrl+X), paste them into another workbook, delete the emptied table rows "
            "(right-click > Delete > Table Rows), then press the button again."
        )
    else:
        advice = (
            f"Show fewer rows: set the Setup sheet's view to {View.MISSING_ONLY.value}, then "
            "press the button again."
        )
    raise RoomError(
        f"the table {TABLE_NAMES[sheet]} would need {body_rows:,} rows, down to row "
        f"{needed:,}, past Excel's last row ({EXCEL_LAST_ROW:,})",
        where=f"{sheet} sheet, table {TABLE_NAMES[sheet]}",
        advice=f"{advice} {NOTHING_CHANGED}",
    )


def refuse_off_sheet(sheet: str, count: int, cell: str) -> None:
    """Inserting ``count`` rows would push ``cell``, near the bottom of the sheet, past
    its last row (Excel refuses that too)."""
    raise RoomError(
        f"the table {TABLE_NAMES[sheet]} needs {count} more row(s), inserted above what lies "
        f"under it so that it moves down, but that would push cell {cell} past Excel's last "
        f"row ({EXCEL_LAST_ROW:,})",
        where=f"{sheet} sheet, cell {cell}",
        advice=f"Move what is in cell {cell} and below it (near the bottom of the sheet) to "
        f"another sheet, or higher up, then press the button again. {NOTHING_CHANGED}",
    )


def refuse_widening(sheet: str, width: int, cell: str, value: object) -> None:
    """A table left narrower (a column deleted in Excel) takes its columns back on the
    next write: what the bookkeeper put beside it there would be overwritten."""
    full = len(TABLE_COLUMNS[sheet])
    first, last = column_letters(width + 1), column_letters(full)
    columns = f"column {first}" if first == last else f"columns {first} to {last}"
    raise RoomError(
        f"the table {TABLE_NAMES[sheet]} has {width} columns where SMSync fills {full} (a "
        f"column was deleted), and cell {cell}, where SMSync writes its columns back, holds "
        f"{value!r}",
        where=f"{sheet} sheet, cell {cell}",
        advice=f"Move what lies in {columns} beside the table (cut and paste) two or more "
        f"columns right of column {column_letters(full)} or to another sheet, then press the "
        f"button again. {NOTHING_CHANGED}",
    )


def refuse_reshaping(
    sheet: str,
    header: list[object],
    body_rows: int,
    held_beside: Callable[[int, int], tuple[str, object] | None],
    first_column: int = 1,
) -> None:
    """The checks both ports make first, in this order: a column added inside the table,
    a table past Excel's last row, and, when the table is narrower than the layout (a
    column deleted), what lies where its columns go back. ``held_beside(left, right)``
    is the port's look at those columns beside the table: the first cell holding
    something there and what it holds, or None."""
    refuse_added_columns(sheet, header, first_column)
    refuse_past_last_row(sheet, body_rows)
    right = first_column + len(header) - 1
    full = len(TABLE_COLUMNS[sheet])
    if right < full:
        found = held_beside(right + 1, full)
        if found is not None:
            refuse_widening(sheet, len(header), *found)


def cannot_move(sheet: str, count: int, cell: str, why: str) -> RoomError:
    """The headless port cannot move this with the rows it would insert."""
    return RoomError(
        f"the table {TABLE_NAMES[sheet]} needs {count} more row(s), inserted above what lies "
        f"under it so that it moves down, but {why}, which a run without Excel cannot move",
        where=f"{sheet} sheet, cell {cell}",
        advice="Press the button in Excel, which moves it with the rows; or move it (cut and "
        f"paste) to another sheet, then press the button again. {NOTHING_CHANGED}",
    )


def refuse_split(sheet: str, count: int, cell: str, what: str) -> None:
    """Another table or a merged block beside SMSync's table reaches the rows to insert:
    Excel refuses to insert cells through it."""
    raise RoomError(
        f"the table {TABLE_NAMES[sheet]} needs {count} more row(s), inserted above what lies "
        f"under it so that it moves down, but {what} beside it reaches those rows, and Excel "
        "does not insert rows through it",
        where=f"{sheet} sheet, cell {cell}",
        advice=f"Move {what} (cut and paste) to another sheet, or below everything under the "
        f"{TABLE_NAMES[sheet]} table, then press the button again. {NOTHING_CHANGED}",
    )
