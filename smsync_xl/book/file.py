"""The workbook port over an .xlsm file (openpyxl): headless runs and tests.

Saving keeps the VBA project and both ribbon parts: openpyxl keeps the first and drops
the 2009 ribbon relationship, so the package is finished again after every save.
"""

from __future__ import annotations

import io
import os
import stat
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import range_boundaries
from openpyxl.utils.exceptions import InvalidFileException

from smsync_xl.book.layout import HEADER_ROW, TABLE_COLUMNS, TABLE_NAMES, column_letter
from smsync_xl.book.package import RIBBON_2006, RIBBON_2009, finish_package, read_parts
from smsync_xl.core.errors import WorkbookError
from smsync_xl.core.ports import Cell, TableData, is_blank_row


def set_value(cell: Any, value: object) -> None:
    """Strings are always stored as text, so '=SUM(…)' or '+1 555' never becomes a formula."""
    if isinstance(value, str):
        cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.data_type = "s"
    else:
        cell.value = value


def bounds(ref: str) -> tuple[int, int, int, int]:
    """First column, first row, last column, last row of a table's reference (a table's
    reference always names all four)."""
    return cast(tuple[int, int, int, int], range_boundaries(ref))


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
    ) -> None:
        self.path = path
        self._confirm, self._alert, self._status = confirm, alert, status
        self._ask_password = ask_password
        try:
            original = read_parts(path.read_bytes())
            self.book = load_workbook(path, keep_vba=True)
        except (OSError, zipfile.BadZipFile, KeyError, ValueError, InvalidFileException) as error:
            raise WorkbookError(
                f"this is not an SMSync workbook that can be opened ({error})",
                where=str(path),
                advice="Give the path of SMSync.xlsm. 'smsync-xl install --dest FOLDER' puts "
                "a fresh copy there.",
            ) from None
        self._ribbon = {n: original[n] for n in (RIBBON_2006, RIBBON_2009) if n in original}

    def _sheet(self, sheet: str) -> Any:
        if sheet not in self.book.sheetnames:
            raise WorkbookError(
                f"the sheet {sheet} is missing (renamed or deleted)",
                where=str(self.path),
                advice=f"Rename the sheet back to {sheet}, or install a fresh workbook with "
                "'smsync-xl install --force' (the old one is kept as SMSync.backup.xlsm).",
            )
        return self.book[sheet]

    def _table(self, sheet: str) -> Any:
        tables = self._sheet(sheet).tables
        if TABLE_NAMES[sheet] not in tables:
            raise WorkbookError(
                f"the table {TABLE_NAMES[sheet]} on the {sheet} sheet is missing",
                where=str(self.path),
                advice="Install a fresh workbook with 'smsync-xl install --force' (the old "
                "one is kept as SMSync.backup.xlsm).",
            )
        return tables[TABLE_NAMES[sheet]]

    def read_range(self, sheet: str, address: str) -> list[list[object]]:
        first_column, first_row, last_column, last_row = bounds(address)
        return [
            list(row)
            for row in self._sheet(sheet).iter_rows(
                min_row=first_row,
                max_row=last_row,
                min_col=first_column,
                max_col=last_column,
                values_only=True,
            )
        ]

    def write_cell(self, sheet: str, address: str, value: object) -> None:
        set_value(self._sheet(sheet)[address], value)

    def read_table(self, sheet: str) -> TableData:
        _, first, _, _ = bounds(self._table(sheet).ref)
        block = self.read_range(sheet, self._table(sheet).ref)
        rows = block[1:]
        if len(rows) == 1 and is_blank_row(rows[0]):
            rows = []
        return TableData(sheet, [str(v) for v in block[0]], rows, first + 1)

    def _resize(self, sheet: str, body_rows: int) -> None:
        table = self._table(sheet)
        last = column_letter(len(TABLE_COLUMNS[sheet]) - 1)
        table.ref = f"A{HEADER_ROW}:{last}{HEADER_ROW + max(body_rows, 1)}"
        if table.autoFilter is not None:
            table.autoFilter.ref = table.ref

    def _write_rows(self, sheet: str, first_row: int, rows: list[list[object]]) -> None:
        worksheet = self._sheet(sheet)
        columns = TABLE_COLUMNS[sheet]
        for offset, row in enumerate(rows):
            for index, value in enumerate(row):
                cell = worksheet.cell(first_row + offset, index + 1)
                column = columns[index]
                if column.formula:
                    cell.value = column.formula
                else:
                    set_value(cell, value)
                cell.number_format = column.number_format

    def write_table(self, sheet: str, rows: list[list[object]]) -> None:
        worksheet = self._sheet(sheet)
        _, _, _, old_last = bounds(self._table(sheet).ref)
        width = len(TABLE_COLUMNS[sheet])
        for row in range(HEADER_ROW + 1, max(old_last, HEADER_ROW + len(rows)) + 1):
            for number in range(1, width + 1):
                worksheet.cell(row, number).value = None
        for index, column in enumerate(TABLE_COLUMNS[sheet], start=1):
            set_value(worksheet.cell(HEADER_ROW, index), column.title)
        self._write_rows(sheet, HEADER_ROW + 1, rows)
        self._resize(sheet, len(rows))

    def write_column(self, sheet: str, title: str, values: list[object]) -> None:
        """Into the column headed ``title``, wherever the bookkeeper has moved it."""
        first_column, first_row, last_column, _ = bounds(self._table(sheet).ref)
        cells = self._sheet(sheet).iter_rows(
            min_row=first_row,
            max_row=first_row,
            min_col=first_column,
            max_col=last_column,
            values_only=True,
        )
        header = TableData(sheet, [str(v) for v in next(cells)], [], first_row + 1)
        column = first_column + header.column(title)
        for offset, value in enumerate(values):
            set_value(self._sheet(sheet).cell(header.first_row + offset, column), value)

    def append_rows(self, sheet: str, rows: list[list[object]]) -> None:
        existing = self.read_table(sheet).rows
        self._write_rows(sheet, HEADER_ROW + 1 + len(existing), rows)
        self._resize(sheet, len(existing) + len(rows))

    def hidden_rows(self, sheet: str) -> set[int]:
        table = self.read_table(sheet)
        dimensions = self._sheet(sheet).row_dimensions
        return {i for i in range(len(table.rows)) if dimensions[table.sheet_row(i)].hidden}

    def clear_filter(self, sheet: str) -> None:
        table = self._table(sheet)
        if table.autoFilter is not None:
            table.autoFilter.filterColumn = []
        _, first, _, last = bounds(table.ref)
        for row in range(first + 1, last + 1):
            self._sheet(sheet).row_dimensions[row].hidden = False

    def alert(self, message: str) -> None:
        self._alert(message)

    def confirm(self, message: str) -> bool:
        return self._confirm(message)

    def ask_password(self, question: str) -> str | None:
        return self._ask_password(question)

    def status(self, text: str) -> None:
        self._status(text)

    def activate(self, sheet: str) -> None:
        self.book.active = self.book.sheetnames.index(sheet)

    def folder(self) -> Path:
        return self.path.resolve().parent

    def check_can_save(self) -> None:
        """Before anything is written to SMSTurbo: the file is not read-only and its
        folder takes the new copy the save writes first."""
        if not self.path.stat().st_mode & stat.S_IWUSR:
            raise WorkbookError(
                "the workbook is read-only, so SMSync could not save the results",
                where=str(self.path),
                advice="Clear its read-only attribute (Properties > Read-only) or work on a "
                "copy, then run the step again. Nothing was changed.",
            )
        probe = self.path.with_name(self.path.name + ".saving")
        try:
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as error:
            raise WorkbookError(
                f"the workbook's folder cannot be written ({error.strerror})",
                where=str(self.path.parent),
                advice="Move the workbook to a folder you can write to, then run the step "
                "again. Nothing was changed.",
            ) from None

    def rows_below(self, sheet: str) -> list[tuple[int, list[Cell]]]:
        _, _, last_column, last_row = bounds(self._table(sheet).ref)
        worksheet = self._sheet(sheet)
        found = []
        for number, row in enumerate(
            worksheet.iter_rows(min_row=last_row + 1, max_col=last_column, values_only=True),
            start=last_row + 1,
        ):
            if not is_blank_row(list(row)):
                found.append((number, list(row)))
        return found

    def finish(self) -> None:
        """Save, atomically: a failed save never leaves half a workbook behind."""
        self.check_can_save()
        buffer = io.BytesIO()
        self.book.save(buffer)
        data = finish_package(buffer.getvalue(), self._ribbon or None)
        temporary = self.path.with_name(self.path.name + ".saving")
        temporary.write_bytes(data)
        os.replace(temporary, self.path)
