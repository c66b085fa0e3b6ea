"""The ports: the small interfaces the engine and the macros are written against.

``Source`` is Sage 50, read-only: ``sources.sage50`` (ODBC, or the demo's SQLite) and
``sources.sage50_csv`` (its list exports) implement it.

``WorkbookPort`` is the few things the macros need from a workbook: ``book.excel``
(live Excel through xlwings) and ``book.file`` (an .xlsm file on disk, for
headless runs and tests) implement it. Every table is read and written as one block,
so the number of Excel calls does not grow with the rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from smsync_xl.core.errors import SmsyncError
from smsync_xl.core.fields import Entity, SageRecord

Cell = object


@dataclass(frozen=True)
class Uncalculated:
    """A cell holding a formula but no saved result (the file was last written by a
    program that does not calculate): its value cannot be read, so it is never guessed."""

    formula: str


class Source(Protocol):
    """Sage 50: only ever read."""

    def company_name(self) -> str: ...

    def location(self) -> str:
        """Where the company is read from (its file, export folder or ODBC connection,
        never a password): two companies may share a name, never a location."""

    def read(self, entity: Entity) -> list[SageRecord]: ...

    def missing_list(self, entity: Entity) -> str | None:
        """Why Sage 50 has no ``entity`` list at all (no table, no export), or None."""


@dataclass(frozen=True)
class TableData:
    """A table's body as the user left it (sorted, filtered), with sheet row numbers."""

    sheet: str
    header: list[str]
    rows: list[list[Cell]]
    first_row: int

    def column(self, title: str) -> int:
        try:
            return self.header.index(title)
        except ValueError:
            raise SmsyncError(
                f"the table has no column {title!r}",
                where=f"{self.sheet} sheet, header row {self.first_row - 1}",
                advice="Press Refresh: it rebuilds the table and its headers.",
            ) from None

    def sheet_row(self, index: int) -> int:
        return self.first_row + index


class WorkbookPort(Protocol):
    def read_range(self, sheet: str, address: str) -> list[list[Cell]]: ...

    def write_cell(self, sheet: str, address: str, value: Cell) -> None: ...

    def read_table(self, sheet: str) -> TableData: ...

    def write_table(self, sheet: str, rows: list[list[Cell]]) -> None: ...

    def write_column(self, sheet: str, title: str, values: list[Cell]) -> None: ...

    def append_rows(self, sheet: str, rows: list[list[Cell]]) -> None: ...

    def hidden_rows(self, sheet: str) -> set[int]:
        """Indexes of the table rows a filter (or the bookkeeper) hides."""

    def total_row(self, sheet: str) -> bool:
        """True when the table shows a Total Row (never read as data). Writing the
        table (or appending to it) turns it off: every row is rewritten."""

    def filtered(self, sheet: str) -> bool:
        """True when the table's filter has criteria, whether or not they hide a row now:
        Excel applies them again at the next sort or reapply."""

    def clear_filter(self, sheet: str) -> None:
        """Show every row of the table again and drop its criteria (its filter buttons
        stay)."""

    def show_columns(self, sheet: str, shown: Mapping[str, bool]) -> None:
        """Show (True) or hide (False) the table's columns of these titles, wherever the
        bookkeeper has moved them; the other columns keep the width the bookkeeper gave
        them. One sheet lists every entity's fields: the other entities' are hidden."""

    def rows_below(self, sheet: str) -> list[tuple[int, list[Cell]]]:
        """(sheet row, cells) of the non-blank rows under the table, in its columns:
        typed there, they are not part of the table."""

    def check_room(self, sheet: str, body_rows: int) -> None:
        """Raise, before anything is written, unless the sheet's table can take
        ``body_rows`` rows keeping everything the bookkeeper put on the sheet: what lies
        under the table moves down with it, and no column was added inside it. Writing
        the table (or appending to it) then moves what lies under it."""

    def check_can_save(self) -> None:
        """Raise if the results could not be kept (a read-only file); called before
        anything is written to SMSTurbo."""

    def alert(self, message: str) -> None: ...

    def confirm(self, message: str) -> bool: ...

    def ask_password(self, question: str) -> str | None:
        """Hidden input; None when cancelled or nobody can answer."""

    def status(self, text: str) -> None: ...

    def activate(self, sheet: str) -> None: ...

    def folder(self) -> Path: ...

    def workbook_path(self) -> Path:
        """The workbook's file: one button runs at a time per workbook, and messages
        name it."""

    def finish(self) -> None:
        """End of a macro: the file adapter saves; in Excel the bookkeeper saves."""


def is_blank_row(row: list[Cell]) -> bool:
    return all(value is None or value == "" for value in row)
