"""The few things the workbook's use cases need from a workbook: ``book.excel`` (live
Excel through xlwings) and ``book.file`` (an .xlsm file on disk, for headless runs and
tests) implement it. Every table is read and written as one block, so the number of
Excel calls does not grow with the rows. The dialogs (alert, confirm, password) are
the bookkeeper's answers the use cases wait for.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Protocol

from smsync_xl.core.ports import Cell, TableData
from smsync_xl.core.progress import Step

__all__ = ["WorkbookPort"]


class WorkbookPort(Protocol):
    def read_range(self, sheet: str, address: str) -> list[list[Cell]]: ...

    def write_cell(self, sheet: str, address: str, value: Cell) -> None: ...

    def read_table(self, sheet: str, only: Collection[str] | None = None) -> TableData:
        """The header and the body; with ``only``, the caller reads only those columns,
        which a port may leave None in the other columns (a large sheet is not read
        whole for the few columns Check All needs)."""

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

    def release(self, sheet: str, *, written: bool) -> None:
        """The use case reads ``sheet`` no more (``written``: it still writes to it): what
        was read of it can be let go before a long step that needs the memory more (a
        large synchronization); what a write needs is kept or read again."""

    def check_can_save(self) -> None:
        """Raise if the results could not be kept (a read-only file); called before
        anything is written to SMSTurbo."""

    def alert(self, message: str) -> None: ...

    def confirm(self, message: str) -> bool: ...

    def ask_password(self, question: str) -> str | None:
        """Hidden input; None when cancelled or nobody can answer."""

    def status(self, text: str) -> None: ...

    def progress(self, step: Step) -> None:
        """Show how far a long step is (its name, records done, rate): Excel on its
        status bar, the command line on the terminal."""

    def activate(self, sheet: str) -> None: ...

    def folder(self) -> Path: ...

    def workbook_path(self) -> Path:
        """The workbook's file: one button runs at a time per workbook, and messages
        name it."""

    def finish(self) -> None:
        """End of a macro: the file adapter saves; in Excel the bookkeeper saves."""
