"""Undo last synchronization: exact, because the audit holds every before and after.

Only records still exactly as the run left them are restored (created ones deleted,
updated ones given back their old values), each with a compare-and-set so that an edit
made while the undo runs is not overwritten; anything touched since is reported and
left alone. The undo is itself an audited run, so it is never applied twice, and it
takes SMSync's writer lock first, so two undos (or an undo and a synchronization)
take turns.
"""

from __future__ import annotations

from dataclasses import dataclass
from weakref import WeakKeyDictionary

from smsync_xl.core import fields
from smsync_xl.core.errors import NothingToUndoError, UndoChangedError
from smsync_xl.core.fields import ENTITIES
from smsync_xl.core.vocabulary import AuditAction, RunKind
from smsync_xl.smsturbo.audit import Change, Run
from smsync_xl.smsturbo.store import Raw, SMSTurboStore, stored
from smsync_xl.sync.apply import now_text


@dataclass(frozen=True)
class UndoResult:
    undone_run: int
    undo_run: int
    restored: list[Change]
    left_alone: list[Change]

    def summary(self) -> str:
        text = f"Undo of synchronization {self.undone_run}: {len(self.restored)} restored"
        if self.left_alone:
            text += (
                f", {len(self.left_alone)} left as they are because they changed after "
                "that synchronization"
            )
        return text


_offered: WeakKeyDictionary[SMSTurboStore, int] = WeakKeyDictionary()
"""Per store, the run ``last_undoable_run`` last named: the one the user confirmed."""


def _undoable(store: SMSTurboStore) -> Run:
    runs = store.audit.runs()
    undone = {r.undo_of for r in runs if r.kind is RunKind.UNDO}
    for run in runs:
        if run.kind is RunKind.SYNC and run.run_id not in undone:
            return run
    raise NothingToUndoError(
        "there is no synchronization left to undo",
        where=store.db.label,
        advice="Every synchronization in the audit has been undone already.",
    )


def last_undoable_run(store: SMSTurboStore) -> Run:
    """The newest synchronization that no undo has reversed yet: the one ``undo_last``
    will reverse on this store, or refuse if another undo or synchronization changes
    that meanwhile."""
    run = _undoable(store)
    _offered[store] = run.run_id
    return run


def _check_expected(store: SMSTurboStore, expected: int | None) -> Run:
    """The run to undo, under the lock; refused when it is not the one the user was
    asked about (another undo or a newer synchronization committed meanwhile)."""
    runs = store.audit.runs()
    if expected is not None and any(r.kind is RunKind.UNDO and r.undo_of == expected for r in runs):
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


def _current(store: SMSTurboStore, changes: list[Change]) -> dict[tuple[str, str], Raw]:
    """The audited records as SMSTurbo holds them now, read in batches per entity,
    keyed by entity and trimmed ID."""
    found: dict[tuple[str, str], Raw] = {}
    for key in {c.entity for c in changes}:
        ids = [c.record_id for c in changes if c.entity == key]
        for record_id, raw in store.fetch_raw(ENTITIES[key], ids).items():
            found[(key, record_id)] = raw
    return found


def _key(change: Change) -> tuple[str, str]:
    return change.entity, fields.text(change.record_id) or ""


def undo_last(store: SMSTurboStore, *, user: str, expected_run: int | None = None) -> UndoResult:
    """Reverse the newest synchronization that has not been undone, in one transaction.

    ``expected_run`` is the synchronization the user agreed to undo (by default the one
    ``last_undoable_run`` named on this store); if another undo or a newer
    synchronization committed while this one waited for SMSync's writer lock, nothing
    is changed (UndoChangedError). Each record is restored with a compare-and-set: only
    if it is still exactly as the run left it, at the moment it is written."""
    expected = expected_run if expected_run is not None else _offered.get(store)
    with store.transaction():
        run = _check_expected(store, expected)
        changes = list(reversed(store.audit.changes(run.run_id)))
        current = _current(store, changes)
        restored: list[tuple[Change, Raw]] = []
        left_alone: list[Change] = []
        for change in changes:
            entity = ENTITIES[change.entity]
            now = current.get(_key(change))
            unchanged = now is not None and stored(now) == change.after
            if unchanged and now is not None:
                if change.action is AuditAction.CREATE:
                    unchanged = store.delete(entity, change.record_id, expected=now)
                else:
                    unchanged = store.update(
                        entity, change.record_id, change.before or {}, expected=now
                    )
            if unchanged and now is not None:
                restored.append((change, now))
            else:
                left_alone.append(change)
        after = _current(store, [c for c, _ in restored if c.action is not AuditAction.CREATE])
        undone = [
            Change(
                c.entity,
                c.record_id,
                AuditAction.DELETE if c.action is AuditAction.CREATE else AuditAction.RESTORE,
                stored(now),
                None if (found := after.get(_key(c))) is None else stored(found),
            )
            for c, now in restored
        ]
        undo_run = store.audit.start_run(
            RunKind.UNDO, user, now_text(), run.company, undo_of=run.run_id
        )
        store.audit.log_changes(undo_run, undone)
        result = UndoResult(run.run_id, undo_run, undone, left_alone)
        store.audit.finish_run(undo_run, result.summary())
    _offered.pop(store, None)
    return result
