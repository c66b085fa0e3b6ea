"""compare(): Sage 50 rows and SMSTurbo rows in, a Plan out. Pure: no I/O.

Matching is exact on ID (and the name is compared exactly); only padding has been
trimmed by the readers. A Sage 50 ID that matches an SMSTurbo ID only by letter case
is never imported as a second record: it is INVALID with the reason.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from smsync_xl.core.fields import (
    DEFAULTS_ID,
    INACTIVE,
    TURBO_FIELDS,
    Entity,
    Record,
    money,
    whole_number,
)
from smsync_xl.core.ids import id_problems, suggest_id
from smsync_xl.core.settings import EntitySettings

MISSING_ONLY = "missing_only"
NOT_IN_SYNC = "not_in_sync"


class Status(StrEnum):
    NEW = "NEW"
    DIFFERENT = "DIFFERENT"
    IN_SYNC = "IN SYNC"
    INVALID = "INVALID"


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str | None
    new: str | None

    def describe(self) -> str:
        label = TURBO_FIELDS[self.field].label
        return f"{label}: {self.old or '(blank)'} → {self.new or '(blank)'}"


@dataclass(frozen=True)
class PlanRow:
    """One Sage 50 record and what Synchronize would do with it."""

    id: str
    status: Status
    sage: Record
    turbo: Record | None
    fingerprint: str
    changes: tuple[FieldChange, ...] = ()
    other_differences: tuple[FieldChange, ...] = ()
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class TurboRow:
    """An SMSTurbo record shown on the SMSTurbo side: missing from Sage 50 or different."""

    id: str
    record: Record
    note: str


@dataclass
class Plan:
    entity: Entity
    rows: list[PlanRow]
    turbo_only: list[TurboRow]
    excluded_by_type: set[str]
    replace: frozenset[str]
    by_id: dict[str, PlanRow] = field(init=False, repr=False)
    _all_by_id: dict[str, list[PlanRow]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.by_id, self._all_by_id = {}, {}
        for row in self.rows:
            self.by_id.setdefault(row.id, row)
            self._all_by_id.setdefault(row.id, []).append(row)

    def row_for(self, record_id: str, mark: str) -> PlanRow | None:
        """The row with this ID, preferring the one with this fingerprint (a duplicated
        Sage 50 ID has several rows)."""
        rows = self._all_by_id.get(record_id, [])
        return next((r for r in rows if r.fingerprint == mark), rows[0] if rows else None)

    def counts(self) -> dict[Status, int]:
        counted = Counter(row.status for row in self.rows)
        return {status: counted.get(status, 0) for status in Status}

    def sage_side(self, view: str) -> list[PlanRow]:
        """Sage50-only list: missing records (and the invalid ones, to explain them),
        or everything without an exact match."""
        if view == MISSING_ONLY:
            return [r for r in self.rows if r.turbo is None]
        return [r for r in self.rows if r.status is not Status.IN_SYNC]

    def turbo_side(self, view: str) -> list[TurboRow]:
        """SMSTurbo-only list; in the 'not in sync' view also SMSTurbo's side of each
        DIFFERENT record."""
        if view == MISSING_ONLY:
            return list(self.turbo_only)
        different = [
            TurboRow(
                r.id,
                r.turbo,
                "differs from Sage 50: "
                + ", ".join(TURBO_FIELDS[c.field].label for c in r.changes + r.other_differences),
            )
            for r in self.rows
            if r.status is Status.DIFFERENT and r.turbo is not None
        ]
        return self.turbo_only + different

    def chosen(self, ids: Iterable[str]) -> dict[str, str]:
        """ID → fingerprint for the rows the user ticked (what apply() needs)."""
        return {i: self.by_id[i].fingerprint for i in ids if i in self.by_id}

    def ids_with_status(self, *statuses: Status) -> list[str]:
        return [r.id for r in self.rows if r.status in statuses]


_FIELD_ORDER = tuple(TURBO_FIELDS)
_LIMITS = {name: f.max_length for name, f in TURBO_FIELDS.items() if name != "id"}
_LIMITS["id"] = 10**9  # the ID has its own rule (ids.py)
_NUMBERS = tuple(n for n, f in TURBO_FIELDS.items() if f.normalise in (money, whole_number))


def _digest(value: object, size: int) -> str:
    return hashlib.blake2b(repr(value).encode(), digest_size=size).hexdigest()


def fingerprint(
    read: Record,
    turbo: Record | None,
    status: Status = Status.NEW,
    applied: tuple[FieldChange, ...] = (),
) -> str:
    """Stable across processes, so a value written to the workbook can be checked later.

    Two parts, ``data-plan``: the records as read from both systems, and what
    Synchronize would do with them (status and the changes of the ticked Replace
    Options), so a conflict can say whether the data or the Setup changed. A field
    missing from a record and a field holding None hash alike: both mean 'no value'.
    """
    data = (
        tuple(map(read.get, _FIELD_ORDER)),
        None if turbo is None else tuple(map(turbo.get, _FIELD_ORDER)),
    )
    plan = (status.value, tuple((c.field, c.new) for c in applied))
    return f"{_digest(data, 8)}-{_digest(plan, 4)}"


def same_data(mark: str, other: str) -> bool:
    """True when two fingerprints saw the same records (the plans may differ)."""
    return mark.partition("-")[0] == other.partition("-")[0]


def _field_problems(record: Record, statuses: frozenset[str] | None) -> list[str]:
    problems = []
    for name, value in record.items():
        limit = TURBO_FIELDS[name].max_length
        if name != "id" and value is not None and len(value) > limit:
            problems.append(
                f"{TURBO_FIELDS[name].label} has {len(value)} characters; "
                f"SMSTurbo holds at most {limit}"
            )
    for name in _NUMBERS:
        value = record.get(name)
        if value and not _is_number(value):
            problems.append(
                f"{TURBO_FIELDS[name].label} {value!r} is not a number; correct it in Sage 50"
            )
    status = record.get("credit_status")
    if statuses is not None and status and status not in statuses:
        problems.append(
            f"credit status {status} does not exist in SMSTurbo; add it there or "
            "change the credit status mapping in Setup"
        )
    return problems


def _is_number(value: str) -> bool:
    try:
        Decimal(value)
    except InvalidOperation:
        return False
    return True


def _differences(sage: Record, turbo: Record) -> list[FieldChange]:
    return [
        FieldChange(name, turbo[name], value)
        for name, value in sage.items()
        if name != "id" and value is not None and name in turbo and (turbo[name] or "") != value
    ]


def compare(
    entity: Entity,
    sage_records: list[Record],
    turbo_records: list[Record],
    options: EntitySettings,
    *,
    credit_statuses: Iterable[str] | None = None,
    inactive_status: str = INACTIVE,
    active_status: str = "",
) -> Plan:
    """Give every Sage 50 record a status and list the SMSTurbo records missing from it.

    ``inactive_status``/``active_status`` come from the credit-status rule: a record
    active in Sage 50 but inactive in SMSTurbo gets ``active_status`` back (ZZDEFAULT's
    status when blank), so a reactivated customer is DIFFERENT, not IN SYNC.
    """
    statuses = None if credit_statuses is None else frozenset(credit_statuses)
    defaults = next((r for r in turbo_records if r["id"] == DEFAULTS_ID), {})
    reactivated = active_status or defaults.get("credit_status") or None
    turbo_by_id = {r["id"]: r for r in turbo_records if r["id"] != DEFAULTS_ID}
    turbo_by_folded: dict[str, str] = {}
    for turbo_id in turbo_by_id:
        turbo_by_folded.setdefault(turbo_id.upper(), turbo_id)
    sage_counts = Counter((r["id"] or "").upper() for r in sage_records)
    sage_ids = {r["id"] for r in sage_records}
    sage_by_folded = {(r["id"] or "").upper(): r["id"] for r in sage_records}

    rows: list[PlanRow] = []
    excluded: set[str] = set()
    for sage in sage_records:
        if not options.includes_type(sage.get("type")):
            excluded.add(sage["id"] or "")
            continue
        record_id = sage["id"] or ""
        turbo = turbo_by_id.get(record_id)
        read = sage
        if (
            turbo
            and sage.get("credit_status") is None
            and reactivated
            and turbo.get("credit_status") == inactive_status
        ):
            sage = {**sage, "credit_status": reactivated}
        reasons = id_problems(record_id)
        if reasons and record_id:
            reasons.append(f"suggested ID: {suggest_id(record_id)} (change it in Sage 50)")
        if record_id == DEFAULTS_ID:
            reasons.append(f"{DEFAULTS_ID} is reserved for SMSTurbo's default values")
        if sage_counts[record_id.upper()] > 1:
            reasons.append(
                f"ID appears {sage_counts[record_id.upper()]} times in Sage 50 "
                "(letter case ignored)"
            )
        folded_match = turbo_by_folded.get(record_id.upper())
        if turbo is None and folded_match is not None:
            reasons.append(
                f"matches SMSTurbo ID {folded_match} only by letter case; make the "
                "IDs identical in Sage 50"
            )
        reasons += _field_problems(sage, statuses)
        if reasons:
            mark = fingerprint(read, turbo, Status.INVALID)
            rows.append(
                PlanRow(record_id, Status.INVALID, sage, turbo, mark, reasons=tuple(reasons))
            )
            continue
        if turbo is None:
            rows.append(PlanRow(record_id, Status.NEW, sage, None, fingerprint(read, None)))
            continue
        differences = _differences(sage, turbo)
        if not differences:
            mark = fingerprint(read, turbo, Status.IN_SYNC)
            rows.append(PlanRow(record_id, Status.IN_SYNC, sage, turbo, mark))
            continue
        applied = tuple(d for d in differences if TURBO_FIELDS[d.field].group in options.replace)
        shown = tuple(d for d in differences if d not in applied)
        mark = fingerprint(read, turbo, Status.DIFFERENT, applied)
        rows.append(PlanRow(record_id, Status.DIFFERENT, sage, turbo, mark, applied, shown))

    turbo_only = []
    for turbo_id, record in turbo_by_id.items():
        if turbo_id in sage_ids:
            continue
        folded = sage_by_folded.get(turbo_id.upper())
        note = (
            f"Sage 50 has {folded}, which matches only by letter case"
            if folded
            else "not in Sage 50"
        )
        turbo_only.append(TurboRow(turbo_id, record, note))
    return Plan(entity, rows, turbo_only, excluded, options.replace)
