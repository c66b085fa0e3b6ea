"""apply(): push the ticked rows into SMSTurbo, all or nothing, with the audit.

The plan the user reviewed is not trusted blindly: inside the write transaction both
sides are read again and compared, and a row whose fingerprint changed since Refresh
is refused as a conflict. Creates, updates and their audit records commit together;
any error rolls everything back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from smsync_xl.core.compare import Plan, PlanRow, Status, compare, same_data
from smsync_xl.core.fields import ENTITIES, Entity, Record
from smsync_xl.core.settings import Settings
from smsync_xl.smsturbo.store import Change, SMSTurboStore

CREATED = "created"
UPDATED = "updated"
SKIPPED = "skipped"
CONFLICT = "conflict"

Progress = Callable[[int], None]


class Source(Protocol):
    def company_name(self) -> str: ...

    def read(self, entity: Entity) -> list[Record]: ...


@dataclass(frozen=True)
class RowResult:
    entity: str
    id: str
    outcome: str
    detail: str = ""

    def describe(self) -> str:
        return f"{self.outcome}: {self.detail}" if self.detail else self.outcome


@dataclass(frozen=True)
class SyncResult:
    run_id: int | None
    results: list[RowResult]

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.results if r.outcome == outcome)

    def summary(self) -> str:
        return (
            f"Import completed: {self.count(CREATED)} created, {self.count(UPDATED)} "
            f"updated, {self.count(SKIPPED)} skipped, {self.count(CONFLICT)} conflicts"
        )


def now_text() -> str:
    return datetime.now(UTC).astimezone().isoformat(timespec="seconds")


def make_plan(entity: Entity, source: Source, store: SMSTurboStore, settings: Settings) -> Plan:
    """Read both sides and compare them: what Refresh shows and Synchronize re-checks."""
    return compare(
        entity,
        source.read(entity),
        store.read(entity),
        settings.entities[entity.key],
        credit_statuses=store.credit_statuses(),
        inactive_status=settings.credit_status.inactive,
        active_status=settings.credit_status.active,
    )


def _new_record(store: SMSTurboStore, entity: Entity, defaults: Record, row: PlanRow) -> Record:
    """ZZDEFAULT's values for every field Sage 50 does not supply."""
    record = store.mapped(entity, defaults)
    record.update({k: v for k, v in row.sage.items() if v is not None and k in record})
    return record


class _Writer:
    """Decides each of one entity's rows, then writes them and collects the audit."""

    def __init__(
        self,
        store: SMSTurboStore,
        entity: Entity,
        plan: Plan,
        defaults: Callable[[], Record],
        changes: list[Change],
    ) -> None:
        self.store = store
        self.entity = entity
        self.plan = plan
        self.defaults = defaults
        self.changes = changes
        self.pending: list[tuple[str, str, dict[str, object]]] = []

    def result(self, record_id: str, outcome: str, detail: str = "") -> RowResult:
        return RowResult(self.entity.key, record_id, outcome, detail)

    def apply(self, record_id: str, mark: str) -> RowResult:
        row = self.plan.row_for(record_id, mark)
        if row is None:
            reason = (
                "its type is no longer in Include Types"
                if record_id in self.plan.excluded_by_type
                else "it is no longer in Sage 50; press Refresh"
            )
            return self.result(record_id, CONFLICT, reason)
        if row.fingerprint != mark:
            return self.stale(row, mark)
        if row.status is Status.INVALID:
            return self.result(record_id, SKIPPED, "; ".join(row.reasons))
        if row.status is Status.IN_SYNC:
            return self.result(record_id, SKIPPED, "already in sync")
        if row.status is Status.NEW:
            return self.create(row)
        return self.update(row)

    def stale(self, row: PlanRow, mark: str) -> RowResult:
        """The row is not what the bookkeeper reviewed: say why, change nothing."""
        if same_data(row.fingerprint, mark):
            return self.result(
                row.id,
                CONFLICT,
                "what Synchronize would do changed because Setup changed "
                "(Replace Options or credit status); press Refresh and review "
                "the row again",
            )
        if row.status is Status.IN_SYNC:
            return self.result(row.id, SKIPPED, "already in sync (synchronized since Refresh)")
        return self.result(
            row.id,
            CONFLICT,
            "changed in Sage 50 or SMSTurbo since Refresh; press Refresh and review it again",
        )

    def create(self, row: PlanRow) -> RowResult:
        record = _new_record(self.store, self.entity, self.defaults(), row)
        self.pending.append(("create", row.id, record))
        return self.result(row.id, CREATED)

    def update(self, row: PlanRow) -> RowResult:
        if not row.changes:
            labels = "; ".join(c.describe() for c in row.other_differences)
            return self.result(
                row.id, SKIPPED, f"differs only in fields not ticked in Replace Options ({labels})"
            )
        stored = self.store.stored_id(self.entity, row.id)
        self.pending.append(("update", stored, {c.field: c.new for c in row.changes}))
        return self.result(row.id, UPDATED, "; ".join(c.describe() for c in row.changes))

    def write(self) -> None:
        """Make the queued writes; read the before and after values in batches."""
        updated = [record_id for action, record_id, _ in self.pending if action == "update"]
        before = self.store.fetch_raw(self.entity, updated)
        for action, record_id, values in self.pending:
            if action == "create":
                self.store.insert(self.entity, values)
            else:
                self.store.update(self.entity, record_id, values)
        after = self.store.fetch_raw(self.entity, [record_id for _, record_id, _ in self.pending])
        self.changes += [
            Change(self.entity.key, record_id, action, before.get(record_id), after[record_id])
            for action, record_id, _ in self.pending
        ]


def apply(
    source: Source,
    store: SMSTurboStore,
    settings: Settings,
    chosen: Mapping[str, Mapping[str, str]],
    *,
    user: str,
    progress: Progress | None = None,
) -> SyncResult:
    """Apply the chosen rows (entity key → {ID: fingerprint from the plan}).

    Returns one result per chosen row. Nothing is written unless everything is.
    """
    company = source.company_name()
    results: list[RowResult] = []
    changes: list[Change] = []
    cached_defaults: list[Record] = []

    def defaults() -> Record:
        if not cached_defaults:
            cached_defaults.append(store.defaults())
        return cached_defaults[0]

    with store.db.transaction():
        for key, marks in chosen.items():
            if not marks:
                continue
            entity = ENTITIES[key]
            writer = _Writer(
                store, entity, make_plan(entity, source, store, settings), defaults, changes
            )
            for record_id, mark in marks.items():
                results.append(writer.apply(record_id, mark))
                if progress:
                    progress(1)
            writer.write()
        result = SyncResult(None, results)
        if not changes:
            return result
        store.ensure_audit_tables()
        run_id = store.start_run("sync", user, now_text(), company)
        store.log_changes(run_id, changes)
        store.finish_run(run_id, result.summary())
    return SyncResult(run_id, results)
