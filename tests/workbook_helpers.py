"""Helpers for the workbook tests: a demo folder holding a fresh copy of SMSync.xlsm,
and edits made to the file the way a bookkeeper makes them in Excel."""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path

from openpyxl import Workbook, load_workbook

from smsync_xl.book.file import FileBook
from smsync_xl.book.package import RIBBON_2006, RIBBON_2009, finish_package, read_parts
from smsync_xl.demo.company import create_demo
from smsync_xl.files.package_files import workbook_path


class Dialogs:
    """Answers to confirmations, and a record of every message shown."""

    def __init__(self, *answers: bool) -> None:
        self.answers = list(answers)
        self.questions: list[str] = []
        self.alerts: list[str] = []

    def confirm(self, message: str) -> bool:
        self.questions.append(message)
        return self.answers.pop(0) if self.answers else True

    def alert(self, message: str) -> None:
        self.alerts.append(message)


def demo_workbook(folder: Path) -> Path:
    create_demo(folder)
    target = folder / "SMSync.xlsm"
    shutil.copyfile(workbook_path(), target)
    return target


def open_book(path: Path, dialogs: Dialogs | None = None) -> FileBook:
    dialogs = dialogs or Dialogs()
    return FileBook(path, confirm=dialogs.confirm, alert=dialogs.alert, status=lambda _: None)


def edit_workbook(path: Path, change: Callable[[Workbook], object]) -> None:
    """Change the file with openpyxl, as the bookkeeper would in Excel (hide rows,
    rename a sheet, insert rows), keeping its VBA project and both ribbon parts."""
    original = read_parts(path.read_bytes())
    book = load_workbook(path, keep_vba=True)
    change(book)
    buffer = io.BytesIO()
    book.save(buffer)
    book.vba_archive.close()  # openpyxl leaves it open: closed by a collection, it warns
    ribbon = {n: original[n] for n in (RIBBON_2006, RIBBON_2009) if n in original}
    path.write_bytes(finish_package(buffer.getvalue(), ribbon or None))


def hide_rows(path: Path, sheet: str, rows: Iterable[int]) -> None:
    def change(book: Workbook) -> None:
        for row in rows:
            book[sheet].row_dimensions[row].hidden = True

    edit_workbook(path, change)
