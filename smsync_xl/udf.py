"""Excel functions for the bookkeeper (xlwings UDFs; plain functions on Linux).

=SMSYNC_ID_PROBLEM(A2)                  why A2 is not a valid SMSTurbo ID ("" if it is)
=SMSYNC_SMSTURBO(A2, "Phone 1")         a field of the SMSTurbo customer with ID A2
=SMSYNC_SAGE50(A2, "Credit Limit", "Vendors")   the same from Sage 50
=SMSYNC_SAGE50(A2, "Price", "Materials")         a Sage 50 inventory item's price

Lookups use the Setup sheet of the workbook the formula is in. Records are kept for a
few seconds, so a column of lookups reads each system once, not once per cell.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import xlwings as xw

from smsync_xl import app
from smsync_xl.app.workbook_port import WorkbookPort
from smsync_xl.book.setup_sheet import read_setup
from smsync_xl.book.sheets import field_cell
from smsync_xl.core.errors import SmsyncError
from smsync_xl.core.fields import (
    ENTITIES,
    Entity,
    Record,
    SageRecord,
    TurboRecord,
    text,
)
from smsync_xl.core.ids import id_problems

CACHE_SECONDS = 10.0
_cache: dict[tuple, tuple[float, dict[str, Record]]] = {}


def _records(
    key: tuple, load: Callable[[], list[SageRecord] | list[TurboRecord]]
) -> dict[str, Record]:
    now = time.monotonic()
    cached = _cache.get(key)
    if cached is None or now - cached[0] > CACHE_SECONDS:
        cached = (now, {r.id: r.values for r in load()})
        _cache[key] = cached
    return cached[1]


def _field_name(field: str, entity: Entity) -> str:
    wanted = str(field).strip().lower()
    for name, spec in entity.turbo_fields.items():
        if wanted in (name, spec.label.lower()):
            return name
    raise SmsyncError(
        f"{field!r} is not a field of {entity.plural.lower()}",
        advice="Use a column title of the Sage50-only sheet: "
        + ", ".join(f'"{s.label}"' for s in entity.turbo_fields.values())
        + ".",
    )


def _entity(label: str) -> Entity:
    wanted = str(label or "Customers").strip().lower()
    for entity in ENTITIES.values():
        if wanted in (entity.key, entity.plural.lower(), entity.label.lower()):
            return entity
    raise SmsyncError(
        f"{label!r} is not " + " or ".join(e.plural for e in ENTITIES.values()),
        advice="Give the third argument as one of those words.",
    )


def lookup(
    port: WorkbookPort, side: str, record_id: object, field: str, entity_label: str
) -> object:
    """One field of one record by exact ID from 'smsturbo' or 'sage50'; None if absent."""
    settings, _ = read_setup(port)
    entity = _entity(entity_label)
    name = _field_name(field, entity)
    if side == "smsturbo":
        key = ("smsturbo", repr(settings.smsturbo), repr(settings.mapping), entity.key)
        records = _records(key, lambda: app.smsturbo_records(settings, entity))
    else:
        rule = settings.status_rule(entity)
        key = ("sage50", repr(settings.sage50), repr(rule), entity.key)
        records = _records(key, lambda: app.sage50_records(settings, entity))
    record = records.get(text(record_id) or "")
    return None if record is None else field_cell(name, record.get(name))


def _port(caller) -> WorkbookPort:
    from smsync_xl.book.excel import ExcelBook

    return ExcelBook(caller.sheet.book)


def _safely(action: Callable[[], object]) -> object:
    try:
        return action()
    except SmsyncError as error:
        return f"SMSync: {error.message}"


# Arguments and results are typed Any, not object: xlwings picks its converter from the
# annotation, and it has one for Any (the plain value) but none for object.


# Insert Function (fx) shows the docstring and each argument's doc, and lists the
# functions under the category: the workbook sets them with Application.MacroOptions, as
# xlwings' Import Functions does (smsync_xl/book/vba.py, describe_functions). The build
# reads these decorators from the source, so their arguments are literals.


@xw.func(category="SMSync")
@xw.arg("record_id", doc="The ID to check (a cell, or text in quotes), e.g. A2.")
def SMSYNC_ID_PROBLEM(record_id: Any) -> str:
    """Why this is not a valid SMSTurbo ID; empty when it is valid."""
    return "; ".join(id_problems(text(record_id) or ""))


@xw.func(category="SMSync")
@xw.arg("record_id", doc="The ID to look up (a cell, or text in quotes), e.g. A2.")
@xw.arg("field", doc='A column title of the Sage50-only sheet, e.g. "Name" or "Price".')
@xw.arg("entity", doc='Optional: "Customers" (the default), "Vendors" or "Materials".')
def SMSYNC_SMSTURBO(
    record_id: Any, field: str, entity: str = "Customers", caller: Any = None
) -> Any:
    """A field of the SMSTurbo record with exactly this ID; empty when there is none."""
    return _safely(lambda: lookup(_port(caller), "smsturbo", record_id, field, entity))


@xw.func(category="SMSync")
@xw.arg("record_id", doc="The ID to look up (a cell, or text in quotes), e.g. A2.")
@xw.arg("field", doc='A column title of the Sage50-only sheet, e.g. "Name" or "Price".')
@xw.arg("entity", doc='Optional: "Customers" (the default), "Vendors" or "Materials".')
def SMSYNC_SAGE50(record_id: Any, field: str, entity: str = "Customers", caller: Any = None) -> Any:
    """A field of the Sage 50 record with exactly this ID; empty when there is none."""
    return _safely(lambda: lookup(_port(caller), "sage50", record_id, field, entity))
