"""Where everything sits in the workbook: the Setup sheet (from templates/setup.toml)
and the columns of the three tables: their order, widths, number formats, formulas,
which are hidden, and where a table of n rows ends. The builder writes this layout;
both ports (excel, file) and the macros read through it and only decide how to put
it in the sheet, so a change here is a change everywhere."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache

from smsync_xl.core.fields import ENTITIES, GROUPS, TURBO_FIELDS, YES, Entity
from smsync_xl.core.ports import Cell, is_blank_row
from smsync_xl.files.package_files import template_path

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


REPLACE_COLUMNS = {key: chr(ord("B") + n) for n, key in enumerate(ENTITIES)}
"""Replace Options: one column of ticks per entity, in the order of ``ENTITIES``."""
REPLACE_GROUPS = tuple(g for g in GROUPS.values() if any(g in e.groups for e in ENTITIES.values()))
"""The grid's rows: every group some entity has."""
ENTITY_CHOICES = tuple(e.plural for e in ENTITIES.values())
HELP_COLUMN = chr(ord(max(REPLACE_COLUMNS.values())) + 1)
"""Setup's explanations, right of the last column of ticks."""


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
                    ENTITY_CHOICES if item["key"] == "entity" else tuple(item.get("choices", ())),
                    item.get("default", ""),
                    item.get("help", ""),
                )
            )
        row_number += 1
    title_row = row_number + 1
    cells = tuple(
        ReplaceCell(title_row + 2 + index, column, entity, group.key)
        for index, group in enumerate(REPLACE_GROUPS)
        for entity, column in REPLACE_COLUMNS.items()
        if group in ENTITIES[entity].groups
    )
    replace = raw["replace"]
    return SetupLayout(
        rows=tuple(rows),
        replace_title_row=title_row,
        replace_title=replace["title"],
        replace_help=replace["help"],
        replace_cells=cells,
        replace_defaults={e: tuple(replace[e]) for e in REPLACE_COLUMNS},
        last_row=title_row + 2 + len(REPLACE_GROUPS),
    )


EVERY_ENTITY = frozenset(ENTITIES)
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
    entities: frozenset[str] = EVERY_ENTITY
    """The entities whose lists show the column; for the others it is hidden."""


INCLUDE = "Include"
STATUS = "Status"
INACTIVE = "Inactive"
INACTIVE_MARK = YES
"""What the Inactive column shows for a record inactive in Sage 50 (or, on the
SMSTurbo-only sheet, holding Setup's inactive credit status); blank otherwise. The
greying rule and Check All read this column, never a credit-status word."""
KEY = "Key"
FINGERPRINT = "Fingerprint"
VISIBLE = "Visible"
RESULT = "Result"
ACTION = "Action"
CHANGES = "Changes"
ID = TURBO_FIELDS["id"].label
SAGE_TABLE = "SageOnly"
TURBO_TABLE = "TurboOnly"


def _visible(table: str) -> Column:
    """1 in a row a filter shows, 0 in a hidden one, blank in a row without a record: read
    in one call, it tells which rows are visible the same way on Windows and macOS
    (Range.Address, which Excel cuts at about 255 characters, is never parsed).

    AGGREGATE(3,5,…) is COUNTA ignoring hidden rows, whether a filter or the bookkeeper
    hid them (learn.microsoft.com, WorksheetFunction.Aggregate: function 3 COUNTA,
    option 5 "ignore hidden rows"), as SUBTOTAL(103,…) is; but a SUBTOTAL in the last row
    of a filtered range can be taken by Excel for a total row and left visible."""
    key = f"{table}[[#This Row],[{KEY}]]"
    return Column(
        VISIBLE,
        width=8,
        number_format=GENERAL,
        hidden=True,
        formula=f'=IF({key}="","",AGGREGATE(3,5,{key}))',
    )


def shown_fields(entity: Entity) -> set[str]:
    """The fields an entity's lists show: what Sage 50 supplies, and the status field
    unless it is a yes/no flag (the Inactive column shows that)."""
    shown = {f.name for f in entity.fields}
    return shown if entity.status_is_flag else shown | {entity.status_field}


def _field_column(field: str, width: float) -> Column:
    spec = TURBO_FIELDS[field]
    showing = frozenset(e.key for e in ENTITIES.values() if field in shown_fields(e))
    return Column(spec.label, field, width, spec.kind.excel_format, entities=showing)


_LEADING_FIELDS = {"id": 18, "name": 34, "description": 34, "credit_status": 14}
"""The fields shown first on both sheets, with their widths: who the record is."""


def _leading_columns() -> list[Column]:
    return [_field_column(f, width) for f, width in _LEADING_FIELDS.items()]


def _field_columns() -> list[Column]:
    fields = dict.fromkeys(
        f
        for e in ENTITIES.values()
        for f in sorted(shown_fields(e), key=list(e.turbo_fields).index)
    )
    return [_field_column(f, 16) for f in fields if f not in _LEADING_FIELDS]


def entity_columns(columns: tuple[Column, ...], entity: Entity) -> dict[str, bool]:
    """Title → shown, for the columns whose showing depends on the entity listed, and the
    always-hidden ones (hidden again after an Unhide all); the others keep whatever
    width the bookkeeper gave them."""
    return {
        c.title: entity.key in c.entities and not c.hidden
        for c in columns
        if c.hidden or c.entities != EVERY_ENTITY
    }


SAGE_COLUMNS: tuple[Column, ...] = (
    Column(INCLUDE, width=9, number_format=GENERAL),
    Column(STATUS, width=12),
    *_leading_columns(),
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
    *_leading_columns(),
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
    Column(ACTION, width=14),
    Column("Run", width=8, number_format="0"),
    Column("Summary", width=70),
    Column("Detail", width=60),
)
"""One row per Refresh, Synchronize and Undo; per-record detail is in SMSTurbo's audit."""

TABLE_NAMES = {SAGE_ONLY: SAGE_TABLE, TURBO_ONLY: TURBO_TABLE, LOG: "SyncLog"}
TABLE_COLUMNS = {SAGE_ONLY: SAGE_COLUMNS, TURBO_ONLY: TURBO_COLUMNS, LOG: LOG_COLUMNS}


def table_column(sheet: str, title: str) -> Column:
    """The layout of the column headed ``title`` in the sheet's table: its width when
    shown again, its number format, its formula."""
    return next(c for c in TABLE_COLUMNS[sheet] if c.title == title)


def column_titles(sheet: str) -> list[str]:
    """The sheet's table header as SMSync writes it."""
    return [c.title for c in TABLE_COLUMNS[sheet]]


def table_last_row(body_rows: int) -> int:
    """The sheet row of a table's last row once it holds ``body_rows`` (an empty table
    keeps one empty row)."""
    return HEADER_ROW + max(body_rows, 1)


def table_records(body: list[list[Cell]]) -> list[list[Cell]]:
    """The body rows that are the list: none when the body is the one empty row an
    empty table keeps (``table_last_row``)."""
    return [] if len(body) == 1 and is_blank_row(body[0]) else body


def table_area(sheet: str, body_rows: int) -> tuple[int, int, int, int]:
    """(first row, first column, last row, last column) of the sheet's table once it
    holds ``body_rows``: from column A of the header row, every layout column wide."""
    return HEADER_ROW, 1, table_last_row(body_rows), len(TABLE_COLUMNS[sheet])


def in_sheet_order(
    sheet: str, header: list[str], rows: list[list[object]]
) -> tuple[tuple[Column, ...], list[list[object]]]:
    """The sheet's columns in the order its table has them now (``sheet_order``), and
    ``rows`` (made in layout order) rearranged to match: what both ports write."""
    columns = sheet_order(TABLE_COLUMNS[sheet], header)
    return columns, in_order(TABLE_COLUMNS[sheet], columns, rows)


def sheet_order(columns: tuple[Column, ...], header: list[str]) -> tuple[Column, ...]:
    """``columns`` in the order the sheet's table has them now. A column the bookkeeper
    dragged is written where it is: Excel moved the conditional formats and the Include
    validation with it (fixed A1 formulas), so greying, status colours and the tick check
    keep pointing at it. A header renamed or emptied is the layout column the header
    lacks (in layout order); a column deleted comes back at the right. A header wider
    than the layout (refused before anything is written) gives the layout's order."""
    by_title = {c.title: c for c in columns}
    placed: list[Column | None] = []
    for title in header:
        column = by_title.get(title)
        placed.append(column if column not in placed else None)
    missing = iter([c for c in columns if c not in placed])
    order = [c if c is not None else next(missing, None) for c in placed]
    order += missing
    found = tuple(c for c in order if c is not None)
    return found if len(found) == len(order) else columns


def in_order(
    columns: tuple[Column, ...], order: tuple[Column, ...], rows: list[list[object]]
) -> list[list[object]]:
    """Rows made in ``columns``' order, rearranged to ``order``."""
    if order == columns:
        return rows
    at = [columns.index(c) for c in order]
    return [[row[i] for i in at] for row in rows]


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters
