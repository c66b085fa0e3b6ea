"""apply(): push the chosen rows into SMSTurbo, all or nothing, with the audit.

The plan the user reviewed is not trusted blindly: inside the write transaction, after
SMSync's writer lock, both sides are read again and compared, and a row whose
fingerprint changed since the lists were compared is refused as a conflict. Each write is a
compare-and-set against what that re-read saw, so an edit someone makes in SMSTurbo
meanwhile is a conflict too, never overwritten or recorded as SMSync's. Creates,
updates and their audit records commit together; any error rolls everything back.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from smsync_xl.core.compare import (
    ComparisonFacts,
    Plan,
    PlanRow,
    character_problem,
    compare,
    lookups_from,
    number_problem,
    same_data,
    text_problem,
)
from smsync_xl.core.errors import InvalidDefaultsError, MissingDefaultsError, TargetError
from smsync_xl.core.fields import (
    ENTITIES,
    FLAG,
    TURBO_FIELDS,
    WHOLE_NUMBER,
    Entity,
    Limit,
    Record,
    SageRecord,
    TurboField,
)
from smsync_xl.core.ports import Source
from smsync_xl.core.proposed_links import with_links
from smsync_xl.core.settings import Settings
from smsync_xl.core.suggested_ids import IdOrigin, assign_ids
from smsync_xl.core.units import unit_advice, with_unit_map
from smsync_xl.core.vocabulary import AuditAction, Edition, Outcome, RunKind, Status
from smsync_xl.smsturbo.audit import Change, image
from smsync_xl.smsturbo.catalogue import column_limits
from smsync_xl.smsturbo.crosswalk import Crosswalk
from smsync_xl.smsturbo.store import INSERT_BATCH, Raw, SMSTurboStore
from smsync_xl.sync.chosen_ids import NO_TYPED_IDS, ChosenIds, IdChoices

Progress = Callable[[int], None]
Checkpoint = Callable[[str], None]
"""Called before each step of the write transaction up to the commit, with the step's
name: what it raises (an interrupt noted meanwhile) rolls everything back."""
Chosen = Mapping[str, Mapping[str, str]]
"""Entity key → {ID: the fingerprint the row had when the user chose it}."""


class NextStep(StrEnum):
    """What to do about a refused row, after comparing both systems again; each face
    names the comparing (the workbook: "press Refresh"; the command line: its command)."""

    COMPARE = "{compare}"
    REVIEW = "{compare} and review it again"
    AFTER_SAVE = "{compare} and synchronize it again once they have saved"


@dataclass(frozen=True)
class RowResult:
    entity: str
    id: str
    outcome: Outcome
    detail: str = ""
    next_step: NextStep | None = None

    def describe(self, compare: str) -> str:
        """The result in one line; ``compare`` is how the speaking face says "compare
        both systems again"."""
        detail = self.detail
        if self.next_step is not None:
            step = self.next_step.value.replace("{compare}", compare)
            detail = f"{detail}. {step[:1].upper()}{step[1:]}" if detail else step
        return f"{self.outcome}: {detail}" if detail else self.outcome.value


@dataclass(frozen=True)
class SyncResult:
    """What one Synchronize did: a result per chosen row and the audit run (None when
    nothing was written)."""

    run_id: int | None
    results: list[RowResult]

    def count(self, outcome: Outcome) -> int:
        return sum(1 for r in self.results if r.outcome is outcome)

    @property
    def conflicts(self) -> int:
        return self.count(Outcome.CONFLICT)

    def summary(self) -> str:
        return (
            f"Import completed: {self.count(Outcome.CREATED)} created, "
            f"{self.count(Outcome.UPDATED)} updated, {self.count(Outcome.SKIPPED)} skipped, "
            f"{self.conflicts} conflicts"
        )


def now_text() -> str:
    return datetime.now(UTC).astimezone().isoformat(timespec="seconds")


def make_plan(
    entity: Entity,
    source: Source,
    store: SMSTurboStore,
    settings: Settings,
    sage: list[SageRecord] | None = None,
) -> Plan:
    """Read both sides and compare them: what Refresh shows and Synchronize re-checks.
    ``sage``: Sage 50's records if already read. A template kept in another entity's
    table (vendors start from customer ZZDEFAULT) is read on its own; a missing one
    only matters when a record is created."""
    template_id = settings.template_id(entity)
    template = None
    if entity.template_entity != entity.key:
        with contextlib.suppress(MissingDefaultsError):
            template = store.template(entity, template_id) or None
    turbo = store.read(entity)
    edition = settings.edition
    remembered = Crosswalk(store.db).of(edition, entity)
    records, assigned = assign_ids(
        entity,
        source.read(entity) if sage is None else sage,
        turbo,
        remembered,
        suggest=edition is not Edition.US,
        product=edition.words.product,
        record_word=edition.words.record(entity.key),
    )
    plan = compare(
        entity,
        records,
        turbo,
        ComparisonFacts(
            settings.entities[entity.key],
            lookups=with_unit_map(lookups_from(store.lookups(entity)), settings.units),
            rule=settings.status_rule(entity),
            template_id=template_id,
            template=template,
            stored=store.table(entity).columns,
            limits=column_limits(store.db, store.table(entity)),
            list_advice=unit_advice(settings.units),
        ),
    )
    plan.assigned = assigned
    plan.remembered = remembered
    return with_links(plan)


def _new_record(
    store: SMSTurboStore, entity: Entity, defaults: Record, row: PlanRow
) -> tuple[Record, tuple[str, ...]]:
    """The template record's values (ZZDEFAULT) for every field neither Sage 50 nor
    Setup's Import Defaults supply; also returns those fields, so the template's values
    can be checked before they are written. Without a template (materials may have
    none) those fields stay blank."""
    record = store.mapped(entity, defaults)
    supplied = {k: v for k, v in row.values.items() if v is not None and k in record}
    record.update(supplied)
    return record, tuple(f for f in record if f != "id" and f not in supplied)


def check_template(
    store: SMSTurboStore,
    entity: Entity,
    template_id: str,
    template: Record,
    fields: Iterable[str],
) -> None:
    """Refuse the run when a value new records would take from the template record is one
    SMSTurbo would not hold: longer than its column, not a number its column holds
    exactly (the column's real size, from the catalogue: a vendor's template is a
    customer), or not on one of SMSTurbo's lists. Checked before anything is written."""
    lists = store.lookups(entity)
    limits = column_limits(store.db, store.table(entity))
    problems = []
    for field in [f for f in entity.turbo_fields if f in set(fields)]:
        spec, value, limit = TURBO_FIELDS[field], template.get(field), limits.get(field, Limit())
        if value:
            problems += _template_value_problems(spec, value, limit, lists)
    if problems:
        raise _unfit_template(store, entity, template_id, problems)


def _template_value_problems(
    spec: TurboField, value: str, limit: Limit, lists: Mapping[str, list[str]]
) -> list[str]:
    """Why SMSTurbo would not hold one of the template's values, each named."""
    problems = []
    refused = character_problem(spec.label, value, "SMSTurbo")
    if refused:
        problems.append(refused)
    if spec.kind is FLAG:  # written as 1/0
        return problems
    if limit.length is not None and len(value) > limit.length:
        problems.append(
            f"{spec.label} {value!r} has {len(value)} characters; SMSTurbo holds at "
            f"most {limit.length}"
        )
    if spec.kind is WHOLE_NUMBER:
        limit = limit.whole()
    number = number_problem(spec.label, value, limit) if spec.kind.numeric else None
    unfit = None if spec.kind.numeric else text_problem(spec.label, value, limit)
    problems += [p for p in (number, unfit) if p]
    return problems + _not_listed(spec, value, lists)


def _not_listed(spec: TurboField, value: str, lists: Mapping[str, list[str]]) -> list[str]:
    """A value of a field SMSTurbo keeps a list for that is not on it (any case)."""
    listed = lists.get(spec.lookup or "")
    if listed is None or value.upper() in {v.upper() for v in listed}:
        return []
    return [f"{spec.label} {value!r} is not on SMSTurbo's list ({', '.join(listed) or 'none'})"]


def _unfit_template(
    store: SMSTurboStore, entity: Entity, template_id: str, problems: list[str]
) -> InvalidDefaultsError:
    """The refusal naming the template record and every value new records cannot take."""
    owner = ENTITIES[entity.template_entity].label.lower()
    return InvalidDefaultsError(
        f"{owner} {template_id} in SMSTurbo holds values new records cannot take: "
        + "; ".join(problems)
        + "; nothing was changed",
        where=store.db.label,
        advice=f"Fix {owner} {template_id} in SMSTurbo (new {entity.plural.lower()} take "
        "from it every value Sage 50 does not supply), then synchronize again.",
    )


CHANGED_MEANWHILE = (
    "changed in SMSTurbo by someone else during this synchronization; left as they made it"
)
BEING_EDITED = (
    "being edited in SMSTurbo right now (someone has it open and has not saved it); left as it is"
)
CREATED_MEANWHILE = (
    "created in SMSTurbo by someone else during this synchronization; left as they made it"
)


@dataclass(frozen=True)
class _Write:
    action: AuditAction
    record_id: str
    """The ID as matched (padding trimmed); the write uses the ID as stored."""
    values: Record
    index: int
    """Where the row's result sits, to turn it into a conflict if the write is refused."""
    seen: Record | None = None
    """The SMSTurbo record as the re-read saw it (updates): the write happens only if
    it is still exactly that."""
    from_defaults: tuple[str, ...] = ()
    remember: str | None = None
    """The source key to remember the written ID against (``suggested_ids``)."""


class _Writer:
    """Writes one entity's decided rows and collects the audit. It keeps only what the
    chosen rows need, never the plan: the records of a large company are let go as soon
    as the rows are decided."""

    def __init__(
        self,
        store: SMSTurboStore,
        entity: Entity,
        defaults: Callable[[], Record],
        results: list[RowResult],
        checkpoint: Checkpoint,
        edition: Edition,
    ) -> None:
        self.checkpoint = checkpoint
        self.store = store
        self.entity = entity
        self.defaults = defaults
        self.results = results
        self.pending: list[_Write] = []
        self.links: list[tuple[str, str]] = []
        """(source key, SMSTurbo ID) of each link ticked."""
        self.edition = edition
        self.matched: list[tuple[str, str]] = []
        """(source key, SMSTurbo ID) of each row that meets its SMSTurbo record by its own
        name as ID with no remembered ID yet (``_matched_by_name``)."""

    def result(
        self, record_id: str, outcome: Outcome, detail: str = "", step: NextStep | None = None
    ) -> RowResult:
        return RowResult(self.entity.key, record_id, outcome, detail, step)

    def conflict(self, write: _Write, reason: str, step: NextStep = NextStep.REVIEW) -> None:
        self.results[write.index] = self.result(write.record_id, Outcome.CONFLICT, reason, step)

    def write(self, changes: list[Change]) -> None:
        """Make the queued writes, each only if SMSTurbo still holds what the re-read
        saw (compare-and-set); the before values are the row as it was overwritten. A
        row someone else changed (or created) meanwhile becomes a conflict."""
        ids = [self.store.stored_id(self.entity, w.record_id) for w in self.pending]
        updating = [
            self.store.stored_id(self.entity, w.record_id)
            for w in self.pending
            if w.action is AuditAction.UPDATE
        ]
        free = self.store.lock_records(self.entity, updating)
        current = self.store.fetch_raw(self.entity, ids)
        done, creating = self._compared(current, free)
        self._insert(creating)
        self._audit(done, changes)
        self._remember([write for write, _ in done], changes)

    def _remember(self, done: list[_Write], changes: list[Change]) -> None:
        """Remember the ID of each record written whose source key is not its ID, in
        this transaction, audited beside the record."""
        self.checkpoint("remembering")
        pairs = [(w.remember, w.record_id) for w in done if w.remember is not None]
        if done or self.links:
            known = {key for key, _ in pairs} | {key for key, _ in self.links}
            pairs += [(key, turbo_id) for key, turbo_id in self.matched if key not in known]
        changes += Crosswalk(self.store.db).remember(self.edition, self.entity, pairs + self.links)

    def _compared(
        self, current: dict[str, Raw], free: set[str]
    ) -> tuple[list[tuple[_Write, Raw | None]], list[Record]]:
        """Each queued write against the row as SMSTurbo holds it now: updates made in
        batches (compare-and-set), creations gathered to insert in batches, and any
        other user's change, lock or creation becomes a conflict."""
        done: list[tuple[_Write, Raw | None]] = []
        creating: list[Record] = []
        updating: list[tuple[_Write, Raw]] = []
        held = self.store.normalised(current)
        for write in self.pending:
            self.checkpoint("updating")
            now = current.get(write.record_id)
            if write.action is AuditAction.CREATE:
                if now is not None:
                    self.conflict(write, CREATED_MEANWHILE)
                    continue
                creating.append(write.values)
            elif now is not None and write.record_id not in free:
                self.conflict(write, BEING_EDITED, NextStep.AFTER_SAVE)
                continue
            elif now is None or held[write.record_id] != write.seen:
                self.conflict(write, CHANGED_MEANWHILE)
                continue
            else:
                updating.append((write, now))
            done.append((write, now))
        refused = self._update(updating)
        return [(w, now) for w, now in done if w.index not in refused], creating

    def _update(self, updating: list[tuple[_Write, Raw]]) -> set[int]:
        """The updates, INSERT_BATCH at a time with a checkpoint before each, each only
        if its row still holds what was read; the places of those it did not hold,
        which become conflicts."""
        refused: set[int] = set()
        for start in range(0, len(updating), INSERT_BATCH):
            self.checkpoint("updating")
            batch = updating[start : start + INSERT_BATCH]
            written = self.store.update_rows(
                self.entity,
                [str(now["id"]) for _, now in batch],
                [write.values for write, _ in batch],
                expected=[now for _, now in batch],
            )
            for (write, _), ok in zip(batch, written, strict=True):
                if not ok:
                    self.conflict(write, CHANGED_MEANWHILE)
                    refused.add(write.index)
        return refused

    def _insert(self, creating: list[Record]) -> None:
        """The new records, INSERT_BATCH at a time, with a checkpoint before each."""
        for start in range(0, len(creating), INSERT_BATCH):
            self.checkpoint("inserting")
            self.store.insert_many(self.entity, creating[start : start + INSERT_BATCH])

    def _audit(self, done: list[tuple[_Write, Raw | None]], changes: list[Change]) -> None:
        """The audit record of each write made, with the whole row as SMSTurbo holds it
        after writing, read back at once (a row not found means the ID did not stick)."""
        table = self.store.table(self.entity)
        after = self.store.rows_of(
            self.entity, [self.store.stored_id(self.entity, w.record_id) for w, _ in done]
        )
        for write, before in done:
            written = after.get(write.record_id)
            if written is None:
                raise TargetError(
                    f"{self.entity.label} {write.record_id!r} could not be read back after "
                    "writing it; nothing was changed",
                    where=self.store.db.label,
                    advice="Check that SMSTurbo keeps the ID as written (no trigger or "
                    "default changes it), then synchronize again.",
                )
            key = self.store.column_named(written, table.columns["id"]) or table.columns["id"]
            changes.append(
                Change(
                    self.entity.key,
                    str(written[key]),
                    write.action,
                    None if before is None else image(self.store.by_column(self.entity, before)),
                    image(written),
                    table.table,
                    key,
                )
            )


@dataclass
class _Decider:
    """Decides each chosen row of one entity against the plan made inside the
    transaction, queueing its writes on the writer; the plan goes when this does."""

    plan: Plan
    ids: IdChoices
    writer: _Writer

    def apply(self, record_id: str, mark: str) -> None:
        self.writer.results.append(self.decide(record_id, mark))

    def decide(self, record_id: str, mark: str) -> RowResult:
        row = self.plan.row_for(record_id, mark)
        if row is None:
            if record_id in self.plan.excluded_by_type:
                return self.writer.result(
                    record_id, Outcome.CONFLICT, "its type is no longer in Include Types"
                )
            return self.writer.result(
                record_id, Outcome.CONFLICT, "it is no longer in Sage 50", NextStep.COMPARE
            )
        if row.fingerprint != mark:
            return self.stale(row, mark)
        if row.status is Status.INVALID:
            return self.writer.result(record_id, Outcome.SKIPPED, "; ".join(row.reasons))
        if row.status is Status.IN_SYNC:
            return self.writer.result(record_id, Outcome.SKIPPED, "already in sync")
        if row.status is Status.NEW:
            return self.create(row)
        if row.status is Status.LINK:
            return self.link(row)
        return self.update(row)

    def link(self, row: PlanRow) -> RowResult:
        """Remember the proposed SMSTurbo record's ID for the row's source key; the
        records themselves are compared at the next Refresh."""
        _, refused = self.ids.chosen(row)
        key = self.ids.source_key(row)
        if refused or key is None:
            return self.writer.result(row.id, Outcome.SKIPPED, refused)
        self.writer.links.append((key, row.id))
        return self.writer.result(
            row.id,
            Outcome.UPDATED,
            f"linked: SMSTurbo remembers {row.id} for Sage 50 record {key}; press Refresh "
            "to compare them",
        )

    def stale(self, row: PlanRow, mark: str) -> RowResult:
        """The row is not what the bookkeeper reviewed: say why, change nothing. A row
        that became INVALID says why (a record SMSTurbo now holds that matches only by
        letter case, say) rather than blaming Setup."""
        if row.status is Status.INVALID:
            return self.writer.result(
                row.id,
                Outcome.CONFLICT,
                f"INVALID since the lists were compared: {'; '.join(row.reasons)}; nothing "
                "was written for it",
            )
        if same_data(row.fingerprint, mark):
            return self.writer.result(
                row.id,
                Outcome.CONFLICT,
                "what Synchronize would do changed because Setup changed "
                "(Replace Options, credit status or Import Defaults)",
                NextStep.REVIEW,
            )
        if row.status is Status.IN_SYNC:
            return self.writer.result(
                row.id,
                Outcome.SKIPPED,
                "already in sync (synchronized since the lists were compared)",
            )
        return self.writer.result(
            row.id,
            Outcome.CONFLICT,
            "changed in Sage 50 or SMSTurbo since the lists were compared",
            NextStep.REVIEW,
        )

    def create(self, row: PlanRow) -> RowResult:
        turbo_id, refused = self.ids.chosen(row)
        if refused:
            return self.writer.result(row.id, Outcome.SKIPPED, refused)
        record, from_defaults = _new_record(
            self.writer.store, self.writer.entity, self.writer.defaults(), row
        )
        record["id"] = turbo_id
        self.writer.pending.append(
            _Write(
                AuditAction.CREATE,
                turbo_id,
                record,
                len(self.writer.results),
                from_defaults=from_defaults,
                remember=self.ids.source_key(row),
            )
        )
        detail = f"as SMSTurbo ID {turbo_id}" if turbo_id != row.id else ""
        return self.writer.result(row.id, Outcome.CREATED, detail)

    def update(self, row: PlanRow) -> RowResult:
        _, refused = self.ids.chosen(row)
        if refused:
            return self.writer.result(row.id, Outcome.SKIPPED, refused)
        if not row.changes:
            labels = "; ".join(c.describe() for c in row.other_differences)
            return self.writer.result(
                row.id,
                Outcome.SKIPPED,
                f"differs only in fields not ticked in Replace Options ({labels})",
            )
        assert row.turbo is not None  # a DIFFERENT row has its SMSTurbo record
        self.writer.pending.append(
            _Write(
                AuditAction.UPDATE,
                row.id,
                {c.field: c.new for c in row.changes},
                len(self.writer.results),
                seen=row.turbo.values,
                remember=self.ids.source_key(row),
            )
        )
        return self.writer.result(
            row.id, Outcome.UPDATED, "; ".join(c.describe() for c in row.changes)
        )


def _decided(
    writer: _Writer,
    plan: Plan,
    typed: ChosenIds,
    marks: Mapping[str, str],
    progress: Progress | None,
) -> _Writer:
    """Each chosen row decided against the plan, its write queued on ``writer``, which
    keeps nothing of the plan."""
    decider = _Decider(plan, IdChoices(plan, typed, writer.edition), writer)
    for record_id, mark in marks.items():
        writer.checkpoint("writing")
        decider.apply(record_id, mark)
        if progress:
            progress(1)
    writer.matched = _matched_by_name(plan)
    return writer


def _matched_by_name(plan: Plan) -> list[tuple[str, str]]:
    """Each row that meets its SMSTurbo record by its name as ID (Canada) and has no
    remembered ID yet: the pair is known to be one record, so remembering it at this
    Synchronize lets a later rename in Sage 50 show as a change, never a new record."""
    taken = {turbo_id.upper() for turbo_id in plan.remembered.values()}
    pairs = []
    for row in plan.rows:
        origin = plan.assigned.get(row.id)
        if (
            row.turbo is not None
            and row.status is not Status.INVALID  # e.g. a name two records have
            and origin is not None
            and origin.origin is IdOrigin.OWN
            and origin.to_remember
            and origin.source_key not in plan.remembered
            and row.id.upper() not in taken  # remembered for a record gone from the plan
        ):
            pairs.append((origin.source_key, row.id))
    return pairs


def _prepare_crosswalk(store: SMSTurboStore, settings: Settings) -> None:
    """An edition whose records may bring no ID (all but the US) may remember IDs: the
    crosswalk is made before the transaction where making it would commit that."""
    if settings.edition is not Edition.US:
        Crosswalk(store.db).prepare()


def apply(
    source: Source,
    store: SMSTurboStore,
    settings: Settings,
    chosen: Chosen,
    *,
    user: str,
    progress: Progress | None = None,
    checkpoint: Checkpoint = lambda _: None,
    ids: Mapping[str, ChosenIds] = NO_TYPED_IDS,
) -> SyncResult:
    """Apply the chosen rows. Returns one result per chosen row. Nothing is written
    unless everything is.

    Sage 50 is read again first, outside SMSTurbo's transaction (its locks do not
    protect Sage 50, and clerks' saves must not wait while a big company is read).
    Inside the write transaction, SMSync's writer lock comes first (another
    synchronization or undo finishes before this one reads anything), then SMSTurbo is
    read again and compared with that, the template records (ZZDEFAULT) are checked,
    and each write is a compare-and-set. Between every step up to the commit (the wait
    for a table, each record decided, the template check, each update and batch of
    inserts, the audit) ``checkpoint`` runs: what it raises (a noted interrupt) rolls the
    transaction back. ``ids``: per entity, the SMSTurbo ID the bookkeeper typed for a
    row (by the row's ID), checked like any other."""
    company = source.company_name()
    results: list[RowResult] = []
    changes: list[Change] = []
    templates: dict[str, Record] = {}

    def template_of(entity: Entity) -> Callable[[], Record]:
        def template() -> Record:
            if entity.key not in templates:
                templates[entity.key] = store.template(entity, settings.template_id(entity))
            return templates[entity.key]

        return template

    writing = [ENTITIES[k] for k, marks in chosen.items() if marks]
    sage = {entity.key: source.read(entity) for entity in writing}
    _prepare_crosswalk(store, settings)
    with store.transaction(writing=writing, waiting=lambda: checkpoint("waiting")):
        writers = []
        for entity in writing:
            writer = _Writer(
                store, entity, template_of(entity), results, checkpoint, settings.edition
            )
            # the plan is made in the call: once it returns, only the chosen writes stay
            decided = _decided(
                writer,
                make_plan(entity, source, store, settings, sage.pop(entity.key)),
                ids.get(entity.key, {}),
                chosen[entity.key],
                progress,
            )
            writers.append(decided)
        for writer in writers:
            checkpoint("writing")
            taken = {f for p in writer.pending for f in p.from_defaults}
            if taken:
                entity = writer.entity
                check_template(
                    store, entity, settings.template_id(entity), writer.defaults(), taken
                )
        for writer in writers:
            writer.write(changes)
        result = SyncResult(None, results)
        if not changes:
            return result
        checkpoint("auditing")
        store.audit.ensure_tables()
        run_id = store.audit.start_run(RunKind.SYNC, user, now_text(), company)
        store.audit.log_changes(run_id, changes)
        store.audit.finish_run(run_id, result.summary())
        checkpoint("auditing")
    return SyncResult(run_id, results)
