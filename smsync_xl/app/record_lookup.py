"""One field of one record, by exact ID, from Sage 50 or SMSTurbo: the Excel functions'
use case. Records are kept for a few seconds, so a column of look-ups reads each system
once, not once per cell."""

from __future__ import annotations

import time
from collections.abc import Callable

from smsync_xl.app.session import sage50_records, smsturbo_records
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

__all__ = ["CACHE_SECONDS", "CacheKey", "lookup"]

CACHE_SECONDS = 10.0
CacheKey = tuple[str, str, str, str]
"""Which side, its connection and reading settings, and the entity's key."""
_cache: dict[CacheKey, tuple[float, dict[str, Record]]] = {}


def _records(
    key: CacheKey, load: Callable[[], list[SageRecord] | list[TurboRecord]]
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
        records = _records(key, lambda: smsturbo_records(settings, entity))
    else:
        rule = settings.status_rule(entity)
        key = ("sage50", repr(settings.sage50), repr(rule), entity.key)
        records = _records(key, lambda: sage50_records(settings, entity))
    record = records.get(text(record_id) or "")
    return None if record is None else field_cell(name, record.get(name))
