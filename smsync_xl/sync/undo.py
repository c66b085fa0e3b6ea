"""Undo last synchronization: exact, because the audit holds every record whole, every
column of the real table (mapped or not), as the run left it.

A record is taken back only if the whole row is still exactly what the run left, or
what SMSync's own later writes left (created ones deleted, updated ones given back
their old values; a created one already deleted in SMSTurbo counts as taken back).
The rows are locked first where the server locks rows (PostgreSQL, Oracle: a row
someone is editing right now is left alone at once, not waited for), compared column
by column here, then written by their ID; SQLite's write lock covers the whole file,
and on other servers the write is a compare-and-set on every column the server can
compare. A row changed since, or one that cannot be compared (its table or a column
is gone, a column the audit does not know holds a value), is left alone and named
with the reason. A synchronization counts as undone only once every change it made
has been taken back: until then Undo offers it again. The undo is itself an audited
run, and it takes SMSync's writer lock first, so two undos (or an undo and a
synchronization) take turns.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from weakref import WeakKeyDictionary

from smsync_xl.core.errors import (
    MappingError,
    NothingToUndoError,
    TargetReferenceError,
    UndoChangedError,
)
from smsync_xl.core.fields import ENTITIES, TURBO_FIELDS, text
from smsync_xl.core.vocabulary import AuditAction, RunKind
from smsync_xl.smsturbo.audit import Change, Run, Stored, decoded, encoded, image, unchanged
from smsync_xl.smsturbo.crosswalk import TABLE as CROSSWALK_TABLE
from smsync_xl.smsturbo.store import Raw, SMSTurboStore, driver_said
from smsync_xl.sync.apply import now_text


@dataclass(frozen=True)
class LeftAlone:
    """A record Undo did not take back, and why (which columns changed or cannot be
    compared)."""

    entity: str
    record_id: str
    table: str
    reason: str

    def describe(self) -> str:
        label = ENTITIES[self.entity].label.lower()
        table = f" (table {self.table})" if self.table else ""
        return f"{label} {text(self.record_id)}{table}: {self.reason}"


NAMED = 20
"""Records left alone an undo names in the Log and its dialog; the audit names all."""


def _ids_taken_back(ids: int) -> str:
    """The remembered SMSTurbo IDs an undo took back, said after the records' counts."""
    if not ids:
        return ""
    return f"; {ids} remembered SMSTurbo ID{'s' if ids != 1 else ''} taken back"


@dataclass(frozen=True)
class UndoResult:
    undone_run: int
    undo_run: int
    restored: list[Change]
    left_alone: list[LeftAlone]

    def headline(self) -> str:
        """Records it created are removed, records it updated restored: each counted
        as what happened to it. The SMSTurbo IDs it remembered (``crosswalk``) are no
        records: they are counted apart, so the counts match the synchronization's."""
        records = [c for c in self.restored if (c.table or "").lower() != CROSSWALK_TABLE]
        gone = sum(1 for c in records if c.before is None)
        removed = sum(1 for c in records if c.action is AuditAction.DELETE and c.before is not None)
        put_back = len(records) - gone - removed
        counts = [f"{removed} removed"] if removed else []
        if put_back or not removed:
            counts.append(f"{put_back} restored")
        text = f"Undo of synchronization {self.undone_run}: {', '.join(counts)}"
        if gone:
            text += f", {gone} created by it already deleted in SMSTurbo"
        if self.left_alone:
            text += f", {len(self.left_alone)} left as they are"
        return text + _ids_taken_back(len(self.restored) - len(records))

    def still_undoable(self) -> str:
        return (
            f"Synchronization {self.undone_run} is only partly undone: Undo offers it again "
            "and takes back a record left alone only once it is exactly as that "
            "synchronization left it. One deleted since, or changed by SMSTurbo itself on "
            "every save, never will be: correct those in SMSTurbo by hand"
        )

    def summary(self, named: int | None = NAMED) -> str:
        """The result in one line: every record left alone, for the audit, or the first
        ``named`` of them, for the Log and a dialog (an Excel cell holds 32,767
        characters), with where to read the rest."""
        if not self.left_alone:
            return self.headline()
        shown = self.left_alone if named is None else self.left_alone[:named]
        left = "; ".join(a.describe() for a in shown)
        if len(shown) < len(self.left_alone):
            left += (
                f"; and {len(self.left_alone) - len(shown)} more, each named by "
                f"'smsync-xl runs' (run {self.undo_run})"
            )
        return f"{self.headline()}: {left}. {self.still_undoable()}"


_offered: WeakKeyDictionary[SMSTurboStore, int] = WeakKeyDictionary()
"""Per store, the run ``last_undoable_run`` last named: the one the user confirmed."""


def _undoable(store: SMSTurboStore) -> Run:
    for run in store.audit.runs():
        if run.kind is RunKind.SYNC and not run.undone:
            return run
    raise NothingToUndoError(
        "there is no synchronization left to undo",
        where=store.db.label,
        advice="Every synchronization in the audit has been undone already.",
    )


def last_undoable_run(store: SMSTurboStore) -> Run:
    """The newest synchronization that its undos have not fully reversed yet: the one
    ``undo_last`` will reverse on this store, or refuse if another undo or
    synchronization changes that meanwhile."""
    run = _undoable(store)
    _offered[store] = run.run_id
    return run


def taken_back_already(store: SMSTurboStore, run: Run) -> str:
    """For the question before an undo: what earlier undos of ``run`` took back and
    what is left to try, or "" for a synchronization no undo has touched yet."""
    undos = [r.run_id for r in store.audit.runs() if r.undo_of == run.run_id]
    if not undos:
        return ""
    made, left = len(store.audit.changes(run.run_id)), len(store.audit.remaining(run.run_id))
    runs = ", ".join(str(u) for u in sorted(undos))
    return (
        f"It is partly undone already: undo run {runs} took back {made - left} of its "
        f"{made} changes; this undo tries the {left} left."
    )


def _check_expected(store: SMSTurboStore, expected: int | None) -> Run:
    """The run to undo, under the lock; refused when it is not the one the user was
    asked about (another undo or a newer synchronization committed meanwhile)."""
    runs = {r.run_id: r for r in store.audit.runs()}
    if expected is not None and expected in runs and runs[expected].undone:
        raise UndoChangedError(
            f"synchronization {expected} was undone by another undo while this one waited "
            "for it to finish; nothing was changed",
            where=store.db.label,
            advice="'smsync-xl runs' (or the workbook's Log) shows that undo. Undo again "
            "only to take back the synchronization before it as well.",
        )
    run = _undoable(store)
    if expected is not None and run.run_id != expected:
        raise UndoChangedError(
            f"synchronization {run.run_id} was made while this undo waited, so the last "
            f"synchronization is no longer {expected}; nothing was changed",
            where=store.db.label,
            advice="Undo again: it asks about the synchronization that is the last one now.",
        )
    return run


@dataclass(frozen=True)
class _Rows:
    """A table's columns and its rows by trimmed ID (``SMSTurboStore.whole_rows``),
    and the IDs of the rows this undo holds locked (None where the database locks
    otherwise: ``SMSTurboStore.lock_rows``)."""

    columns: list[str]
    rows: dict[str, Raw]
    locked: set[str] | None


@dataclass(frozen=True)
class _Image:
    """One audited change as Undo compares it: the real table, its ID column, the row
    the run left and the values to give back (real column names, encoded), and what of
    it cannot be located at all."""

    change: Change
    table: str
    key: str
    after: Stored
    before: Stored | None
    expected: Stored
    """The whole row Undo expects to find: ``after``, or the row as SMSync's own later
    writes left it."""
    unplaced: tuple[str, ...] = ()
    legacy: bool = False


def _legacy_value(field: str, value: object) -> object:
    """A value an earlier SMSync recorded (amounts as text), encoded as today's audit
    keeps what the driver reads."""
    if isinstance(value, str) and TURBO_FIELDS[field].kind.numeric:
        return encoded(Decimal(value))
    return encoded(value)


def _image(store: SMSTurboStore, change: Change) -> _Image:
    """A change as Undo compares it. One recorded before SMSync kept whole records holds
    the mapped fields only: they are placed through today's mapping, and a field it no
    longer maps cannot be placed."""
    if change.table is not None and change.key is not None:
        after = change.after or {}
        return _Image(change, change.table, change.key, after, change.before, after)
    table = store.table(ENTITIES[change.entity])

    def placed(values: Stored) -> Stored:
        mapped = table.columns
        return {mapped[f]: _legacy_value(f, v) for f, v in values.items() if f in mapped}

    after = change.after or {}
    return _Image(
        change,
        table.table,
        table.columns["id"],
        placed(after),
        None if change.before is None else placed(change.before),
        placed(after),
        tuple(f"field {f}" for f in after if f not in table.columns),
        legacy=True,
    )


def _names(columns: Iterable[str]) -> str:
    return ", ".join(sorted(columns))


def _aligned(store: SMSTurboStore, values: Stored, columns: list[str]) -> Stored:
    """An audited row keyed by the table's own spelling of each column, where the
    database takes a name spelled otherwise for it (SQLite ignores case)."""
    return {store.column_named(columns, c) or c: v for c, v in values.items()}


def _why_not(store: SMSTurboStore, item: _Image, rows: _Rows | None, now: Raw | None) -> str | None:
    """Why the row cannot be taken back, or None when it is exactly as the run left it
    (or, for a created record, when it is gone already): every column the audit holds
    is unchanged, and every column it does not know (added to the table since, or never
    recorded) is empty, so nothing there can be lost."""
    if rows is None:
        return f"table {item.table} is no longer in SMSTurbo, so nothing of it can be compared"
    if store.column_named(rows.columns, item.key) is None:
        return f"table {item.table} has no column {item.key} any more to find the record by"
    if now is None:
        return _gone(item)
    if rows.locked is not None and (text(item.change.record_id) or "") not in rows.locked:
        return (
            "being edited in SMSTurbo right now (another user holds it locked), so it was "
            "not compared; undo again once that edit is saved or cancelled"
        )
    return "; ".join(_differences(item, _aligned(store, item.expected, rows.columns), now)) or None


def _gone(item: _Image) -> str | None:
    """A record no longer in SMSTurbo: nothing to do for one the run created, while
    one it changed cannot be given its earlier values."""
    if item.change.action is AuditAction.CREATE:
        return None
    return (
        "it is no longer in SMSTurbo (deleted since that synchronization), so its "
        "earlier values cannot be given back"
    )


def _differences(item: _Image, expected: Stored, now: Raw) -> list[str]:
    """Every way the row differs from what the run left, or may differ unseen: each is
    named, so the user knows what to look at in SMSTurbo."""
    reasons = []
    if item.unplaced:
        reasons.append(f"cannot compare {_names(item.unplaced)}: not in today's table mapping")
    gone = [c for c in expected if c not in now]
    if gone:
        reasons.append(f"cannot compare column {_names(gone)}: no longer in the table")
    changed = [c for c in expected if c in now and not unchanged(now[c], expected[c])]
    if changed:
        reasons.append(f"changed since that synchronization: {_names(changed)}")
    unknown = [c for c in now if c not in expected and now[c] is not None]
    if unknown:
        reasons.append(f"cannot compare column {_names(unknown)}: {_unknown_since(item)}")
    return reasons


def _unknown_since(item: _Image) -> str:
    """Why a column holding a value is one the audit does not know."""
    since = (
        "not recorded by the earlier SMSync that made that synchronization"
        if item.legacy
        else "added to the table after that synchronization"
    )
    return f"{since}, and it holds a value"


def _images(
    store: SMSTurboStore, changes: list[Change], latest: dict[tuple[str, str], Change]
) -> tuple[list[_Image], list[LeftAlone]]:
    """The changes as Undo compares them; a record SMSync wrote again later (a later
    synchronization and the undo that took it back) is compared with the whole row as
    SMSync itself left it last, so a column SMSTurbo changes on every save (an
    ``updated at`` trigger) holds what SMSync's own last write gave it."""
    images, unmapped = [], []
    for change in changes:
        try:
            item = _image(store, change)
        except MappingError as error:
            unmapped.append(LeftAlone(change.entity, change.record_id, "", error.message))
            continue
        last = latest.get((change.entity, text(change.record_id) or ""))
        if last is not None and last.after is not None and last.table == item.table:
            item = replace(item, expected=last.after)
        images.append(item)
    return images, unmapped


def _referred(
    store: SMSTurboStore, images: list[_Image], found: dict[tuple[str, str], _Rows | None]
) -> set[int]:
    """The created records Undo would delete that other rows refer to before it writes
    anything, asked of all of a table's records at once (one grouped count per foreign
    key and chunk of IDs, not a query per record). A record nothing refers to now stays
    so while Undo only deletes; one that is referred to is asked again when its turn
    comes, since a record deleted before it may have been what referred to it."""
    candidates: dict[str, list[tuple[int, Raw]]] = {}
    for place, item in enumerate(images):
        rows, now = found[(item.table, item.key)], _row(found, item)
        created = item.change.action is AuditAction.CREATE
        if created and now is not None and _why_not(store, item, rows, now) is None:
            candidates.setdefault(item.table, []).append((place, now))
    referred: set[int] = set()
    for table, records in candidates.items():
        counts = store.referred_to_many(table, [now for _, now in records])
        referred.update(place for (place, _), found_ in zip(records, counts, strict=True) if found_)
    return referred


def _in_use(store: SMSTurboStore, item: _Image, now: Raw, referred: bool = True) -> str | None:
    """Why a created record cannot be deleted although it is as the run left it: other
    SMSTurbo rows (a clerk's tickets) refer to it, and deleting it would fail, or take
    them with it or unlink them, depending on how the key is declared. None when
    nothing refers to it (``referred`` False: none did when the undo began)."""
    if item.change.action is not AuditAction.CREATE or not referred:
        return None
    referring = store.referred_to(item.table, now)
    if not referring:
        return None
    tables = ", ".join(referring)
    return (
        f"SMSTurbo's {tables} refer to it (used since that synchronization), so deleting "
        "it would take them with it or leave them pointing at nothing; left as it is. "
        "Keep it (correct it in SMSTurbo if needed), or, if what refers to it was entered "
        "by mistake, remove that in SMSTurbo first and undo again"
    )


def _expected(store: SMSTurboStore, item: _Image, rows: _Rows, now: Raw) -> tuple[str, Raw]:
    """The row's ID column as the table spells it, and what the write compares: the row
    is locked and was compared whole, so it is found by its ID alone (as stored); where
    the database does not lock rows, only if every column it can compare still holds
    ``now``."""
    key = store.column_named(rows.columns, item.key) or item.key
    return key, now if rows.locked is None else {key: now[key]}


def _delete(store: SMSTurboStore, item: _Image, rows: _Rows, now: Raw) -> bool:
    """Delete a created row; False when it changed meanwhile."""
    _, expected = _expected(store, item, rows, now)
    change = item.change
    entity = ENTITIES[change.entity]
    return store.delete_row(entity, change.record_id, table=item.table, expected=expected)


@dataclass
class _Decision:
    """What Undo does with one change: taken back (``reason`` None) or left alone."""

    item: _Image
    now: Raw | None
    reason: str | None = None


@dataclass
class _Restores:
    """Updated rows to give back their old values, queued and written a batch at a time
    per table (``SMSTurboStore.restore_rows``), not one statement per row; a row that
    changed meanwhile is left alone."""

    store: SMSTurboStore
    queued: list[tuple[_Decision, str, Raw, Raw]]

    def add(self, decision: _Decision, rows: _Rows) -> None:
        """Queue the row's old values (only those the run changed); none: nothing to do."""
        assert decision.now is not None  # a restore has the row it compares
        item, store = decision.item, self.store
        key, expected = _expected(store, item, rows, decision.now)
        after = _aligned(store, item.after, rows.columns)
        before = _aligned(store, item.before or {}, rows.columns)
        values = {c: decoded(v) for c, v in before.items() if v != after.get(c)}
        if values:
            self.queued.append((decision, key, values, expected))

    def write(self) -> None:
        """Write what is queued, table by table in the order queued."""
        tables: dict[tuple[str, str, str], list[tuple[_Decision, str, Raw, Raw]]] = {}
        for queued in self.queued:
            item = queued[0].item
            tables.setdefault((item.change.entity, item.table, queued[1]), []).append(queued)
        self.queued = []
        for (entity, table, key), rows in tables.items():
            written = self.store.restore_rows(
                ENTITIES[entity],
                [d.item.change.record_id for d, _, _, _ in rows],
                [values for _, _, values, _ in rows],
                table=table,
                key=key,
                expected=[wanted for _, _, _, wanted in rows],
            )
            for (decision, _, _, _), ok in zip(rows, written, strict=True):
                if not ok:
                    decision.reason = "changed while this undo ran"


def _whole(store: SMSTurboStore, images: list[_Image]) -> dict[tuple[str, str], _Rows | None]:
    """The rows of these changes as SMSTurbo holds them now, locked first: one read per
    table (in chunks of IDs), keyed by table and ID column."""
    found: dict[tuple[str, str], _Rows | None] = {}
    for table, key in dict.fromkeys((i.table, i.key) for i in images):
        ids = [i.change.record_id for i in images if (i.table, i.key) == (table, key)]
        locked = store.lock_rows(table, key, ids)
        whole = store.whole_rows(table, key, ids)
        found[(table, key)] = None if whole is None else _Rows(*whole, locked)
    return found


def _row(found: dict[tuple[str, str], _Rows | None], item: _Image) -> Raw | None:
    rows = found[(item.table, item.key)]
    return None if rows is None else rows.rows.get(text(item.change.record_id) or "")


def _record(item: _Image, now: Raw | None, restored: dict[tuple[str, str], _Rows | None]) -> Change:
    """The undo's own audit record: the whole row as it found it (none: a created
    record already deleted in SMSTurbo) and, for a restore, as it left it."""
    change = item.change
    deleted = change.action is AuditAction.CREATE
    after = None if deleted else _row(restored, item)
    return Change(
        change.entity,
        change.record_id,
        AuditAction.DELETE if deleted else AuditAction.RESTORE,
        None if now is None else image(now),
        None if after is None else image(after),
        item.table,
        item.key,
    )


def _audited_tables(store: SMSTurboStore) -> Iterator[str]:
    """The tables Undo may write: today's mapping's and every table the audit recorded
    for the synchronization it would undo now (read only when asked for)."""
    yield from (t.table for t in store.mapping.tables.values())
    runs = [r for r in store.audit.runs() if r.kind is RunKind.SYNC and not r.undone]
    if runs:
        yield from (c.table for c in store.audit.remaining(runs[0].run_id) if c.table)


def undo_last(store: SMSTurboStore, *, user: str, expected_run: int | None = None) -> UndoResult:
    """Reverse the newest synchronization not yet fully undone, in one transaction.

    ``expected_run`` is the synchronization the user agreed to undo (by default the one
    ``last_undoable_run`` named on this store); if another undo or a newer
    synchronization committed while this one waited for SMSync's writer lock, nothing
    is changed (UndoChangedError). The rows it may take back are locked first (a row
    someone is editing right now is left alone, not waited for), then each is compared
    whole with what the run left, every column, and taken back only if it is still
    exactly that."""
    expected = expected_run if expected_run is not None else _offered.get(store)
    store.learn_comparisons(_audited_tables(store))
    committing: list[int] = []
    try:
        return _undo(store, user, expected, committing)
    except TargetReferenceError as error:
        if not committing:
            raise
        raise TargetReferenceError(
            f"SMSTurbo refused to commit the undo of synchronization {committing[0]}: a "
            f"link between its tables would break ({driver_said(error)}); nothing was "
            "changed",
            where=error.where,
            advice="SMSTurbo checks this link only at the end (a deferred foreign key): a "
            "record the undo would delete or give back its old values is referred to, or "
            "refers to something no longer there. Leave this synchronization in place and "
            "correct the record the server names in SMSTurbo instead; or remove what "
            "refers to it first and undo again.",
        ) from error.__cause__


def _decided(
    store: SMSTurboStore, images: list[_Image], found: dict[tuple[str, str], _Rows | None]
) -> list[_Decision]:
    """Each change compared with its row now and taken back or left alone, in order:
    created rows deleted one by one, updated rows given back their old values in
    batches; the batch so far is written before a created record's references are
    asked again, so they are asked of the rows as Undo has left them."""
    referred = _referred(store, images, found)
    restores = _Restores(store, [])
    decisions = []
    for place, item in enumerate(images):
        rows, now = found[(item.table, item.key)], _row(found, item)
        decision = _Decision(item, now, _why_not(store, item, rows, now))
        decisions.append(decision)
        if decision.reason is not None or now is None or rows is None:
            continue  # left alone, or a created record deleted in SMSTurbo already
        if place in referred:
            restores.write()
        decision.reason = _in_use(store, item, now, place in referred)
        if decision.reason is not None:
            continue
        if item.change.action is not AuditAction.CREATE:
            restores.add(decision, rows)
        elif not _delete(store, item, rows, now):
            decision.reason = "changed while this undo ran"
    restores.write()
    return decisions


def _undo(
    store: SMSTurboStore, user: str, expected: int | None, committing: list[int]
) -> UndoResult:
    """``undo_last``'s transaction; ``committing`` gets the run once all is written."""
    with store.transaction():
        run = _check_expected(store, expected)
        remaining = list(reversed(store.audit.remaining(run.run_id)))
        images, left_alone = _images(store, remaining, store.audit.latest_images(run.run_id))
        found = _whole(store, images)
        decisions = _decided(store, images, found)
        taken = [(d.item, d.now) for d in decisions if d.reason is None]
        left_alone += [
            LeftAlone(d.item.change.entity, d.item.change.record_id, d.item.table, d.reason)
            for d in decisions
            if d.reason is not None
        ]
        restored = _whole(store, [i for i, _ in taken if i.change.action is not AuditAction.CREATE])
        undone = [_record(item, now, restored) for item, now in taken]
        store.audit.ensure_tables()
        undo_run = store.audit.start_run(
            RunKind.UNDO, user, now_text(), run.company, undo_of=run.run_id
        )
        store.audit.log_changes(undo_run, undone)
        result = UndoResult(run.run_id, undo_run, undone, left_alone)
        store.audit.finish_run(undo_run, result.summary(named=None))
        committing.append(run.run_id)
    _offered.pop(store, None)
    return result
