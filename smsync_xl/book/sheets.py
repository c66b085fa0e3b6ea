"""Plan ⇄ table rows: what the Sage50-only and SMSTurbo-only tables hold, and the
ticked rows read back from them.

Each row carries a hidden Key (entity and ID) and the plan's Fingerprint, so the
bookkeeper may sort and filter freely: Synchronize finds rows by key, never by position.
"""

from __future__ import annotations

from decimal import Decimal

from smsync_xl.book.layout import (
    FINGERPRINT,
    INCLUDE,
    KEY,
    SAGE_COLUMNS,
    SAGE_ONLY,
    STATUS,
    TURBO_COLUMNS,
    TURBO_ONLY,
    Column,
)
from smsync_xl.core.compare import Plan, PlanRow, Status, TurboRow
from smsync_xl.core.errors import SmsyncError
from smsync_xl.core.fields import ENTITIES, Record, text
from smsync_xl.core.ports import TableData, is_blank_row

ID = "ID"
TICKED = {"x", "✓", "✔", "1", "true"}
UNTICKED = {"", "0", "false"}
TICKABLE = {Status.NEW.value, Status.DIFFERENT.value}


class IncludeError(SmsyncError):
    """The Include column holds something that is neither a tick nor blank."""


def make_key(entity: str, record_id: str) -> str:
    return f"{entity}:{record_id}"


def split_key(key: str) -> tuple[str, str]:
    entity, _, record_id = key.partition(":")
    return entity, record_id


def field_cell(field: str, value: str | None) -> object:
    """Numbers go to Excel as numbers (so they sort); everything else stays text."""
    if value is None or value == "":
        return None
    if field == "credit_limit":
        return float(Decimal(value))
    if field == "terms" and value.isdigit():
        return int(value)
    return value


def _fields(columns: tuple[Column, ...], record: Record) -> dict[str, object]:
    return {c.title: field_cell(c.field, record.get(c.field)) for c in columns if c.field}


def _describe(changes) -> str:
    return "; ".join(change.describe() for change in changes) or None


def _sage_row(entity: str, row: PlanRow) -> list[object]:
    cells = _fields(SAGE_COLUMNS, row.sage)
    cells.update(
        {
            INCLUDE: None,
            STATUS: row.status.value,
            "Changes": _describe(row.changes),
            "Other differences": _describe(row.other_differences),
            "Reason": "; ".join(row.reasons) or None,
            "Result": None,
            KEY: make_key(entity, row.id),
            FINGERPRINT: row.fingerprint,
        }
    )
    return [cells.get(c.title) for c in SAGE_COLUMNS]


def _turbo_row(entity: str, row: TurboRow) -> list[object]:
    cells = _fields(TURBO_COLUMNS, row.record)
    cells.update({INCLUDE: None, "Note": row.note, KEY: make_key(entity, row.id)})
    return [cells.get(c.title) for c in TURBO_COLUMNS]


def table_rows(plan: Plan, view: str) -> dict[str, list[list[object]]]:
    """Both tables' rows for one plan and view."""
    key = plan.entity.key
    return {
        SAGE_ONLY: [_sage_row(key, row) for row in plan.sage_side(view)],
        TURBO_ONLY: [_turbo_row(key, row) for row in plan.turbo_side(view)],
    }


def is_ticked(value: object) -> bool:
    """x, X, TRUE, 1 and ✓ mean yes; blank (or FALSE, 0) means no; else ValueError."""
    if value is None or value is False:
        return False
    if value is True:
        return True
    if isinstance(value, int | float):
        if value in (0, 1):
            return value == 1
        raise ValueError(value)
    word = str(value).strip().lower()
    if word in TICKED:
        return True
    if word in UNTICKED:
        return False
    raise ValueError(value)


def _where(table: TableData, index: int, row: list[object]) -> str:
    _, record_id = split_key(str(row[table.column(KEY)] or ""))
    shown = record_id or text(row[table.column(ID)]) or "?"
    return f"{table.sheet} sheet, row {table.sheet_row(index)} (ID {shown})"


def chosen_rows(table: TableData) -> dict[str, dict[str, str]]:
    """Entity → {ID: fingerprint} of the ticked rows; junk in Include names the row."""
    include, key, mark = table.column(INCLUDE), table.column(KEY), table.column(FINGERPRINT)
    id_at = table.column(ID)
    chosen: dict[str, dict[str, str]] = {}
    for index, row in enumerate(table.rows):
        if is_blank_row(row):
            continue
        try:
            ticked = is_ticked(row[include])
        except ValueError:
            raise IncludeError(
                f"Include holds {row[include]!r}",
                where=_where(table, index, row),
                advice="Type x to include the row, or clear the cell to leave it out.",
            ) from None
        if not ticked:
            continue
        entity, record_id = split_key(str(row[key] or ""))
        if entity not in ENTITIES or not row[mark]:
            raise IncludeError(
                "the row's hidden Key or Fingerprint column is empty or damaged",
                where=_where(table, index, row),
                advice="Press Refresh to rebuild the list, then tick the rows again.",
            )
        shown = text(row[id_at]) or ""
        if shown != record_id:
            raise IncludeError(
                f"the ID was changed on the sheet (to {shown!r}); SMSync brings records over "
                "exactly as Sage 50 has them",
                where=_where(table, index, row),
                advice="Change the ID in Sage 50 (SMSTurbo's rules are in the Reason column), "
                "then press Refresh.",
            )
        chosen.setdefault(entity, {})[record_id] = str(row[mark])
    return chosen


def refuse_turbo_ticks(table: TableData) -> None:
    """The SMSTurbo-only list is for review: a tick there is a mistake to point out."""
    include = table.column(INCLUDE)
    for index, row in enumerate(table.rows):
        if not is_blank_row(row) and row[include] not in (None, "", False):
            raise IncludeError(
                "this SMSTurbo-only row is ticked, but SMSync never writes to Sage 50 "
                "(exporting to Sage 50 is not supported)",
                where=_where(table, index, row),
                advice="Clear the Include cell on the SMSTurbo-only sheet, then press "
                "Synchronize again.",
            )


def include_column(table: TableData, tick: bool, hidden: set[int]) -> list[object]:
    """Include values after Check All / Uncheck All: only visible rows change, and only
    rows that can be synchronized get a tick."""
    include, status = table.column(INCLUDE), table.column(STATUS)
    values = []
    for index, row in enumerate(table.rows):
        if index in hidden or is_blank_row(row):
            values.append(row[include])
        elif tick:
            values.append("x" if row[status] in TICKABLE else row[include])
        else:
            values.append(None)
    return values
