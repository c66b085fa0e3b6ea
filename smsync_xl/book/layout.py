"""Where everything sits in the workbook: the Setup sheet (from templates/setup.toml)
and the columns of the three tables. The builder writes this layout and the macros
read through it, so a change here is a change in both."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache

from smsync_xl.core.fields import CUSTOMER, GROUPS, TURBO_FIELDS
from smsync_xl.core.resources import template_path

SETUP = "Setup"
SAGE_ONLY = "Sage50-only"
TURBO_ONLY = "SMSTurbo-only"
LOG = "Log"
HELP = "Help"

SETUP_FIRST_ROW = 4
HEADER_ROW = 5
TITLE_CELL = "A1"
SUMMARY_CELL = "A2"
NOTE_CELL = "A3"


@dataclass(frozen=True)
class SetupRow:
    row: int
    key: str | None
    label: str
    choices: tuple[str, ...] = ()
    default: str = ""
    help: str = ""

    @property
    def name(self) -> str:
        """The defined name of the value cell."""
        return "Setup_" + (self.key or "").replace(".", "_")

    @property
    def cell(self) -> str:
        return f"B{self.row}"


@dataclass(frozen=True)
class ReplaceCell:
    row: int
    column: str
    entity: str
    group: str

    @property
    def name(self) -> str:
        return f"Replace_{self.entity}_{self.group}"

    @property
    def cell(self) -> str:
        return f"{self.column}{self.row}"


@dataclass(frozen=True)
class SetupLayout:
    rows: tuple[SetupRow, ...]
    replace_title_row: int
    replace_title: str
    replace_help: str
    replace_cells: tuple[ReplaceCell, ...]
    replace_defaults: dict[str, tuple[str, ...]]
    last_row: int

    def setting(self, key: str) -> SetupRow:
        return next(r for r in self.rows if r.key == key)


REPLACE_COLUMNS = {"customers": "B", "vendors": "C"}


@cache
def setup_layout() -> SetupLayout:
    raw = tomllib.loads(template_path("setup.toml").read_text(encoding="utf-8"))
    rows: list[SetupRow] = []
    row_number = SETUP_FIRST_ROW
    for item in raw["rows"]:
        if "section" in item:
            row_number += 1 if rows else 0
            rows.append(SetupRow(row_number, None, item["section"]))
        else:
            rows.append(
                SetupRow(
                    row_number,
                    item["key"],
                    item["label"],
                    tuple(item.get("choices", ())),
                    item.get("default", ""),
                    item.get("help", ""),
                )
            )
        row_number += 1
    title_row = row_number + 1
    cells = tuple(
        ReplaceCell(title_row + 2 + index, column, entity, group)
        for index, group in enumerate(GROUPS)
        for entity, column in REPLACE_COLUMNS.items()
    )
    replace = raw["replace"]
    return SetupLayout(
        rows=tuple(rows),
        replace_title_row=title_row,
        replace_title=replace["title"],
        replace_help=replace["help"],
        replace_cells=cells,
        replace_defaults={e: tuple(replace[e]) for e in REPLACE_COLUMNS},
        last_row=title_row + 2 + len(GROUPS),
    )


TEXT_FORMAT = "@"
GENERAL = "General"


@dataclass(frozen=True)
class Column:
    title: str
    field: str | None = None
    width: float = 14
    number_format: str = TEXT_FORMAT
    """Text ('@') unless the column holds numbers, a formula or what the bookkeeper types:
    a Text cell keeps what is written as it is, so no text ever needs Excel's apostrophe."""
    hidden: bool = False
    formula: str | None = None
    """The same formula in every row (a calculated column), written by the port."""


INCLUDE = "Include"
STATUS = "Status"
INACTIVE = "Inactive"
INACTIVE_MARK = "Yes"
"""What the Inactive column shows for a record inactive in Sage 50 (or, on the
SMSTurbo-only sheet, holding Setup's inactive credit status); blank otherwise. The
greying rule and Check All read this column, never a credit-status word."""
KEY = "Key"
FINGERPRINT = "Fingerprint"
VISIBLE = "Visible"
RESULT = "Result"
CHANGES = "Changes"
ID = TURBO_FIELDS["id"].label
CREDIT_STATUS = TURBO_FIELDS["credit_status"].label
SAGE_TABLE = "SageOnly"
TURBO_TABLE = "TurboOnly"


def _visible(table: str) -> Column:
    """1 in a row a filter shows, 0 in a hidden one, blank in a row without a record: read
    in one call, it tells which rows are visible the same way on Windows and macOS
    (Range.Address, which Excel cuts at about 255 characters, is never parsed)."""
    key = f"{table}[[#This Row],[{KEY}]]"
    return Column(
        VISIBLE,
        width=8,
        number_format=GENERAL,
        hidden=True,
        formula=f'=IF({key}="","",SUBTOTAL(103,{key}))',
    )


def _field_column(field: str, width: float) -> Column:
    spec = TURBO_FIELDS[field]
    return Column(spec.label, field, width, spec.kind.excel_format)


_LEADING_FIELDS = ("id", "name", "credit_status")


def _field_columns() -> list[Column]:
    return [_field_column(s.name, 16) for s in CUSTOMER.fields if s.name not in _LEADING_FIELDS]


SAGE_COLUMNS: tuple[Column, ...] = (
    Column(INCLUDE, width=9, number_format=GENERAL),
    Column(STATUS, width=12),
    _field_column("id", 18),
    _field_column("name", 34),
    _field_column("credit_status", 14),
    Column(INACTIVE, width=10),
    Column(CHANGES, width=40),
    Column("Other differences", width=34),
    Column("Reason", width=70),
    *_field_columns(),
    Column(RESULT, width=50),
    Column(KEY, width=10, hidden=True),
    Column(FINGERPRINT, width=10, hidden=True),
    _visible(SAGE_TABLE),
)

TURBO_COLUMNS: tuple[Column, ...] = (
    Column(INCLUDE, width=9, number_format=GENERAL),
    _field_column("id", 18),
    _field_column("name", 34),
    _field_column("credit_status", 14),
    Column(INACTIVE, width=10),
    Column("Note", width=36),
    *_field_columns(),
    Column(KEY, width=10, hidden=True),
    _visible(TURBO_TABLE),
)

LOG_COLUMNS: tuple[Column, ...] = (
    Column("Time", width=26),
    Column("User", width=12),
    Column("Company", width=30),
    Column("Action", width=14),
    Column("Run", width=8, number_format="0"),
    Column("Summary", width=70),
    Column("Detail", width=60),
)
"""One row per Refresh, Synchronize and Undo; per-record detail is in SMSTurbo's audit."""

TABLE_NAMES = {SAGE_ONLY: SAGE_TABLE, TURBO_ONLY: TURBO_TABLE, LOG: "SyncLog"}
TABLE_COLUMNS = {SAGE_ONLY: SAGE_COLUMNS, TURBO_ONLY: TURBO_COLUMNS, LOG: LOG_COLUMNS}


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters
