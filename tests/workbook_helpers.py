"""Helpers for the workbook tests: a demo folder holding a fresh copy of SMSync.xlsm."""

from __future__ import annotations

import shutil
from pathlib import Path

from smsync_xl.book.file import FileBook
from smsync_xl.core.resources import workbook_path
from smsync_xl.demo.company import create_demo


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
