"""What the ribbon buttons call (RunPython names ``smsync_xl.macros``): each hands the
calling Excel workbook, through xlwings, to the workbook's use case in the application
layer (``app.workbook_buttons``). Tests and headless runs may pass another workbook port
(an .xlsm file on disk)."""

from __future__ import annotations

from smsync_xl.app import workbook_buttons as buttons
from smsync_xl.app.workbook_buttons import Finished, already_running
from smsync_xl.app.workbook_port import WorkbookPort

__all__ = [
    "Finished",
    "already_running",
    "check_all",
    "refresh",
    "show_entity",
    "synchronize",
    "uncheck_all",
    "undo_last",
]


def _port(book: WorkbookPort | None) -> WorkbookPort:
    """The given workbook, or else the Excel workbook whose button was pressed."""
    if book is not None:
        return book
    from smsync_xl.book.excel import ExcelBook

    return ExcelBook.caller()


def refresh(book: WorkbookPort | None = None) -> Finished | None:
    """Read both systems and fill the SMSTurbo-only and Sage50-only tables."""
    return buttons.refresh(_port(book))


def show_entity(key: str, book: WorkbookPort | None = None) -> Finished | None:
    """The ribbon's Customers, Vendors and Materials buttons: that list, refreshed."""
    return buttons.show_entity(key, _port(book))


def check_all(book: WorkbookPort | None = None) -> Finished | None:
    """Tick every visible row the default selection takes (filter first to tick fewer)."""
    return buttons.check_all(_port(book))


def uncheck_all(book: WorkbookPort | None = None) -> Finished | None:
    """Clear Include on every row, hidden by a filter or not."""
    return buttons.uncheck_all(_port(book))


def synchronize(book: WorkbookPort | None = None) -> Finished | None:
    """Bring the ticked rows into SMSTurbo and write a Result for each."""
    return buttons.synchronize(_port(book))


def undo_last(book: WorkbookPort | None = None) -> Finished | None:
    """Undo the last synchronization, after saying which one."""
    return buttons.undo_last(_port(book))
