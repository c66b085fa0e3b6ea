"""Plan ⇄ table rows: what the Sage50-only and SMSTurbo-only tables hold, and the
ticked rows read back from them.

Each row carries a hidden Key (entity and ID) and the plan's Fingerprint, so the
bookkeeper may sort and filter freely: Synchronize finds rows by key, never by position.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter, methodcaller

from smsync_xl.book.layout import (
    CHANGES,
    FINGERPRINT,
    ID,
    INACTIVE,
    INACTIVE_MARK,
    INCLUDE,
    KEY,
    SAGE_COLUMNS,
    SAGE_ONLY,
    STATUS,
    TURBO_COLUMNS,
    TURBO_ID,
    TURBO_ONLY,
    Column,
    column_letter,
)
from smsync_xl.book.room import RoomError
from smsync_xl.core.compare import FieldChange, Plan, PlanRow, TurboRow, collector_paused
from smsync_xl.core.errors import IncludeError
from smsync_xl.core.fields import ENTITIES, TURBO_FIELDS, Record, Value, text
from smsync_xl.core.ports import TableData, Uncalculated, is_blank_row
from smsync_xl.core.vocabulary import (
    BUTTON_WORDS,
    TICK,
    TICK_WORDS,
    UNTICK_WORDS,
    Status,
    View,
    Words,
    sentence,
    taken_by_default,
)


def cell_text(value: object) -> str:
    """A cell's text as typed: padding trimmed, and a leading apostrophe dropped (Excel's
    text mark, which a cell formatted Text keeps as part of the value)."""
    return (text(value) or "").removeprefix("'")


def make_key(entity: str, record_id: str) -> str:
    return f"{entity}:{record_id}"


def split_key(key: str) -> tuple[str, str]:
    entity, _, record_id = key.partition(":")
    return entity, record_id


def field_cell(field: str, value: str | None) -> object:
    """A field's value as its cell holds it (its kind decides: numbers as numbers)."""
    return TURBO_FIELDS[field].kind.to_cell(value)


def _field_cells(columns: tuple[Column, ...], records: list[Record]) -> dict[str, list[object]]:
    """Title → the cells of each field column, a column at a time (``Kind.to_cells``): a
    Refresh makes a cell of every field of every row listed."""
    shown = {c.title: c.field for c in columns if c.field}
    return {
        title: TURBO_FIELDS[field].kind.to_cells(values)
        for (title, field), values in zip(
            shown.items(), _field_values(list(shown.values()), records), strict=True
        )
    }


def _field_values(fields: list[str], records: list[Record]) -> list[Sequence[Value]]:
    """Each field's values in ``records`` (None where a record has no such field): the
    fields the first record has taken from every record in one call when each has them."""
    held = [field for field in fields if records and field in records[0]]
    columns: dict[str, Sequence[Value]] = {}
    if len(held) > 1:
        with contextlib.suppress(KeyError):
            rows = map(itemgetter(*held), records)
            columns = dict(zip(held, zip(*rows, strict=True), strict=True))
    return [columns.get(f) or list(map(methodcaller("get", f), records)) for f in fields]


def _describe(changes: tuple[FieldChange, ...]) -> str | None:
    return "; ".join(change.describe() for change in changes) or None


def _inactive(inactive: bool) -> str | None:
    return INACTIVE_MARK if inactive else None


def _in_rows(
    columns: tuple[Column, ...], cells: dict[str, list[object]], count: int
) -> list[list[object]]:
    """The table's ``count`` rows from its columns' cells (a column without cells is empty)."""
    empty: list[object] = [None] * count
    return list(map(list, zip(*(cells.get(c.title, empty) for c in columns), strict=True)))


def _sage_rows(entity: str, rows: list[PlanRow]) -> list[list[object]]:
    cells = _field_cells(SAGE_COLUMNS, [row.values for row in rows])
    ids: list[object] = [row.id for row in rows]
    cells.update(
        {
            STATUS: [row.status.value for row in rows],
            TURBO_ID: ids,
            INACTIVE: [_inactive(row.inactive) for row in rows],
            CHANGES: [_describe(row.changes) for row in rows],
            "Other differences": [_describe(row.other_differences) for row in rows],
            "Reason": ["; ".join((*row.reasons, *row.sage.notes)) or None for row in rows],
            KEY: [make_key(entity, row.id) for row in rows],
            FINGERPRINT: [row.fingerprint for row in rows],
        }
    )
    return _in_rows(SAGE_COLUMNS, cells, len(rows))


def _turbo_rows(entity: str, rows: list[TurboRow]) -> list[list[object]]:
    cells = _field_cells(TURBO_COLUMNS, [row.record.values for row in rows])
    cells.update(
        {
            INACTIVE: [_inactive(row.inactive) for row in rows],
            "Note": [row.note for row in rows],
            KEY: [make_key(entity, row.id) for row in rows],
        }
    )
    return _in_rows(TURBO_COLUMNS, cells, len(rows))


def table_rows(plan: Plan, view: View) -> dict[str, list[list[object]]]:
    """Both tables' rows for one plan and view (the many rows made while the plan's
    records are alive, with the cycle collector paused: see ``collector_paused``)."""
    key = plan.entity.key
    with collector_paused():
        return {
            SAGE_ONLY: _sage_rows(key, plan.sage_side(view)),
            TURBO_ONLY: _turbo_rows(key, plan.turbo_side(view)),
        }


Ticks = dict[tuple[object, object], tuple[object, object]]
"""(Key, Fingerprint) of a ticked row → its Include and SMSTurbo ID cells."""


def _ticks(old: TableData) -> tuple[Ticks, int]:
    """The ticked rows of the table before Refresh, and how many Include cells held
    anything."""
    include, key, mark = old.column(INCLUDE), old.column(KEY), old.column(FINGERPRINT)
    typed = old.header.index(TURBO_ID) if TURBO_ID in old.header else None
    ticks: Ticks = {}
    marked = 0
    for row in old.rows:
        if row[include] in (None, "", False):
            continue
        marked += 1
        try:
            if is_ticked(row[include]) and row[key] and row[mark]:
                chosen = None if typed is None else row[typed]
                ticks[(row[key], row[mark])] = (row[include], chosen)
        except ValueError:
            continue
    return ticks, marked


REFRESH_COLUMNS = (INCLUDE, KEY, FINGERPRINT, TURBO_ID)
"""The columns of a table Refresh replaces that ``keep_ticks`` and ``refuse_typed_rows``
read, when every row has its Key or Fingerprint (``needs_whole_rows``)."""


def needs_whole_rows(table: TableData) -> bool:
    """A row with neither Key nor Fingerprint may hold what was typed in any column:
    ``refuse_typed_rows`` must see the whole row (a table read by ``REFRESH_COLUMNS``
    alone is then read again whole)."""
    marks = [table.column(t) for t in (KEY, FINGERPRINT) if t in table.header]
    return not marks or any(all(row[m] in (None, "") for m in marks) for row in table.rows)


def keep_ticks(old: TableData, rows: list[list[object]]) -> tuple[int, int]:
    """Refresh keeps the bookkeeper's ticks: a ticked row whose record is listed again with
    the same Key and Fingerprint (nothing changed since) is ticked in ``rows`` (the new
    Sage50-only rows) as it was, with the SMSTurbo ID typed for it. Returns (ticks kept,
    Include cells cleared): a record that changed or is no longer listed loses its tick,
    and so does what is not a tick."""
    if not {INCLUDE, KEY, FINGERPRINT} <= set(old.header):
        return 0, 0
    ticks, marked = _ticks(old)
    titles = [c.title for c in SAGE_COLUMNS]
    new_include, new_key, new_mark, new_typed = (
        titles.index(t) for t in (INCLUDE, KEY, FINGERPRINT, TURBO_ID)
    )
    kept = 0
    for row in rows:
        tick, chosen = ticks.pop((row[new_key], row[new_mark]), (None, None))
        if tick is not None:
            row[new_include] = tick
            row[new_typed] = chosen or row[new_typed]
            kept += 1
    return kept, marked - kept


def is_ticked(value: object) -> bool:
    """x, X, TRUE, 1 and ✓ mean yes; blank (or FALSE, 0) means no; else ValueError (a
    formula whose result cannot be read too)."""
    if isinstance(value, Uncalculated):
        raise ValueError(value)
    if value is None or value is False:
        return False
    if value is True:
        return True
    if isinstance(value, int | float):
        if value in (0, 1):
            return value == 1
        raise ValueError(value)
    word = str(value).strip().lower()
    if word in TICK_WORDS:
        return True
    if word in UNTICK_WORDS:
        return False
    raise ValueError(value)


def _where(table: TableData, index: int, row: list[object]) -> str:
    _, record_id = split_key(str(row[table.column(KEY)] or ""))
    shown = record_id or cell_text(row[table.column(ID)]) or "?"
    return f"{table.sheet} sheet, row {table.sheet_row(index)} (ID {shown})"


def include_error(
    table: TableData, index: int, row: list[object], words: Words = BUTTON_WORDS
) -> IncludeError:
    """Include holds something that is neither a tick nor blank."""
    value = row[table.column(INCLUDE)]
    if isinstance(value, Uncalculated):
        return IncludeError(
            f"Include holds the formula {value.formula}, whose result is not saved in the "
            "file, so SMSync cannot tell whether the row is ticked",
            where=_where(table, index, row),
            advice=f"Type {TICK} in the cell (or clear it) instead of a formula; or open the "
            f"workbook in Excel and save it, so the result is stored. Then {words.again}.",
        )
    return IncludeError(
        f"Include holds {value!r}",
        where=_where(table, index, row),
        advice=f"Type {TICK} to include the row, or clear the cell to leave it out.",
    )


def chosen_rows(table: TableData, words: Words = BUTTON_WORDS) -> dict[str, dict[str, str]]:
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
            raise include_error(table, index, row, words) from None
        if not ticked:
            continue
        entity, record_id = split_key(str(row[key] or ""))
        if entity not in ENTITIES or not row[mark]:
            raise IncludeError(
                "the row's hidden Key or Fingerprint column is empty or damaged",
                where=_where(table, index, row),
                advice=f"{sentence(words.refresh)} to rebuild the list, then tick the rows again.",
            )
        shown = cell_text(row[id_at])
        if shown != record_id:
            raise IncludeError(
                f"the ID was changed on the sheet (to {shown!r}); SMSync brings records over "
                "exactly as Sage 50 has them",
                where=_where(table, index, row),
                advice="Change the ID in Sage 50 (SMSTurbo's rules are in the Reason column), "
                f"then {words.refresh}.",
            )
        chosen.setdefault(entity, {})[record_id] = str(row[mark])
    return chosen


def typed_ids(table: TableData) -> dict[str, dict[str, str]]:
    """Entity → {ID: the SMSTurbo ID typed for it} of the ticked rows whose SMSTurbo ID
    cell the bookkeeper changed (Synchronize checks each like any other ID)."""
    if TURBO_ID not in table.header:
        return {}
    include, key, typed = table.column(INCLUDE), table.column(KEY), table.column(TURBO_ID)
    found: dict[str, dict[str, str]] = {}
    for index, row in enumerate(table.rows):
        if is_blank_row(row) or not is_ticked(row[include]):
            continue
        entity, record_id = split_key(str(row[key] or ""))
        chosen = cell_text(row[typed])
        if chosen != record_id:
            _refuse_converted(table, index, row, row[typed])
            found.setdefault(entity, {})[record_id] = chosen
    return found


def _refuse_converted(table: TableData, index: int, row: list[object], value: object) -> None:
    """An SMSTurbo ID Excel turned into a number or a date (pasted over the column's Text
    format: ``00123`` became 123) is not what was typed: SMSync does not guess it back."""
    if value is None or isinstance(value, str):
        return
    raise IncludeError(
        f"the {TURBO_ID} holds a {type(value).__name__} ({value!r}), not the text typed: "
        "Excel converted it",
        where=_where(table, index, row),
        advice=f"Format the {TURBO_ID} cells as Text (Home > Number > Text), type the ID "
        "again, then Synchronize.",
    )


def ticked_rows(table: TableData) -> set[int]:
    """Indexes of the rows whose Include is ticked (chosen_rows has checked the words)."""
    include = table.column(INCLUDE)
    return {
        i for i, row in enumerate(table.rows) if not is_blank_row(row) and is_ticked(row[include])
    }


def refuse_ticks_below(
    table: TableData, below: list[tuple[int, list[object]]], words: Words = BUTTON_WORDS
) -> None:
    """A row typed under the table is not part of it: a tick there would be ignored."""
    include = table.column(INCLUDE)
    for number, row in below:
        if include < len(row) and row[include] not in (None, "", False):
            raise IncludeError(
                "this row is ticked but lies below the table, so it is not part of the list",
                where=f"{table.sheet} sheet, row {number}",
                advice="Rows typed under the table are not Sage 50 records. Clear the row, "
                f"{words.refresh}, and tick the record inside the table.",
            )


def refuse_typed_rows(table: TableData, words: Words = BUTTON_WORDS) -> None:
    """Excel makes a row typed right under a table part of it. Such a row has no record
    (no Key, no Fingerprint): Refresh rewrites the table's rows, so it names the row
    before anything is written instead of overwriting what was typed there."""
    if KEY not in table.header:
        return  # the header is damaged: Refresh rebuilds it, there is no row to tell
    marks = [table.column(t) for t in (KEY, FINGERPRINT) if t in table.header]
    for index, row in enumerate(table.rows):
        if is_blank_row(row) or any(row[m] not in (None, "") for m in marks):
            continue
        column, value = next((c, v) for c, v in enumerate(row) if v not in (None, ""))
        cell = f"{column_letter(column)}{table.sheet_row(index)}"
        raise RoomError(
            f"row {table.sheet_row(index)} of the table holds what was typed there "
            f"({cell}: {value!r}) but no SMSync record (its hidden {KEY} is empty); Excel "
            "makes a row typed right under a table part of it, and Refresh rewrites the "
            "table's rows",
            where=f"{table.sheet} sheet, cell {cell}",
            advice="Cut what you typed and paste it two or more rows under the table (or on "
            "another sheet), then delete the emptied table row (right-click > Delete > Table "
            f"Rows) and {words.refresh}. If it is one of SMSync's rows whose Key was cleared, "
            "delete the row. Nothing was changed.",
        )


def refuse_turbo_ticks(table: TableData, words: Words = BUTTON_WORDS) -> None:
    """The SMSTurbo-only list is for review: a tick there is a mistake to point out."""
    include = table.column(INCLUDE)
    for index, row in enumerate(table.rows):
        if isinstance(row[include], Uncalculated):
            raise include_error(table, index, row, words)
        if not is_blank_row(row) and row[include] not in (None, "", False):
            raise IncludeError(
                "this SMSTurbo-only row is ticked, but SMSync never writes to Sage 50 "
                "(exporting to Sage 50 is not supported)",
                where=_where(table, index, row),
                advice="Clear the Include cell on the SMSTurbo-only sheet, then "
                f"{words.synchronize} again.",
            )


TICK_COLUMNS = (INCLUDE, STATUS, INACTIVE, CHANGES, KEY, ID)
"""The columns ``include_column`` (and the error it raises) reads: Check All reads no
other."""

TURBO_TICK_COLUMNS = (INCLUDE, KEY, ID)
"""The columns ``refuse_turbo_ticks`` (and the errors it raises) reads of the SMSTurbo-only
table."""

SYNCHRONIZE_COLUMNS = (INCLUDE, KEY, FINGERPRINT, ID, TURBO_ID)
"""The columns ``chosen_rows``, ``typed_ids`` and ``ticked_rows`` (and their errors)
read: Synchronize reads no other of the Sage50-only table."""


def include_column(
    table: TableData, tick: bool, hidden: set[int], words: Words = BUTTON_WORDS
) -> list[object]:
    """Include values after Check All / Uncheck All: only the rows not in ``hidden`` change
    (Uncheck All passes none, so it clears every row), and Check All ticks what the
    default selection takes (active NEW rows, DIFFERENT rows with changes), as ``sync``
    without IDs does."""
    include, status = table.column(INCLUDE), table.column(STATUS)
    inactive, changes = table.column(INACTIVE), table.column(CHANGES)
    statuses = {s.value: s for s in Status}
    values = []
    for index, row in enumerate(table.rows):
        if index in hidden or is_blank_row(row):
            value = row[include]
        elif tick:
            taken = row[status] in statuses and taken_by_default(
                statuses[str(row[status])], row[inactive] == INACTIVE_MARK, bool(row[changes])
            )
            value = TICK if taken else row[include]
        else:
            value = None
        if isinstance(value, Uncalculated):
            raise include_error(table, index, row, words)
        values.append(value)
    return values


@dataclass(frozen=True)
class IdTicks:
    """Include after ticking (or clearing) rows by ID: the new column, how many rows it
    changes, the keys no row holds, and the rows whose status cannot be ticked
    (``(sheet row, ID, status)``)."""

    values: list[object]
    changed: int
    unknown: list[str]
    untickable: list[tuple[int, str, str]]


def include_ids(table: TableData, keys: list[str], tick: bool) -> IdTicks:
    """Include values with the rows of these keys ticked (or cleared), every other row
    as it is; a row of a status that cannot be ticked (Status.tickable) is named, not
    ticked; ``changed`` counts the rows whose cell changes (an ID listed twice, or a row
    already as asked, is not counted again)."""
    include, key, status = table.column(INCLUDE), table.column(KEY), table.column(STATUS)
    wanted = set(keys)
    tickable = {s.value for s in Status if s.tickable}
    values: list[object] = []
    changed = 0
    untickable: list[tuple[int, str, str]] = []
    for index, row in enumerate(table.rows):
        value = row[include]
        if str(row[key]) in wanted:
            if tick and str(row[status]) not in tickable:
                record_id = split_key(str(row[key]))[1]
                untickable.append((table.sheet_row(index), record_id, str(row[status])))
            else:
                value = TICK if tick else None
                changed += _changes_tick(row[include], tick)
        values.append(value)
    found = {str(row[key]) for row in table.rows}
    return IdTicks(values, changed, [k for k in keys if k not in found], untickable)


def _changes_tick(before: object, tick: bool) -> bool:
    """Whether setting Include to ``tick`` changes what the cell says (a cell that says
    neither yes nor no changes either way)."""
    try:
        return is_ticked(before) != tick
    except ValueError:
        return True
