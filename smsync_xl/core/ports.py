"""What the engine reads, as plain types: ``Source`` is Sage 50, read-only
(``sources.sage50``, ODBC or the demo's SQLite, and ``sources.sage50_csv``, its list
exports, implement it); ``TableData`` is a workbook table's body as one block. The
workbook port itself is the application's (``app.workbook_port``)."""

from __future__ import annotations

from dataclasses import dataclass
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
                advice="{Refresh}: it rebuilds the table and its headers.",
            ) from None

    def sheet_row(self, index: int) -> int:
        return self.first_row + index


def is_blank_row(row: list[Cell]) -> bool:
    return all(value is None or value == "" for value in row)
