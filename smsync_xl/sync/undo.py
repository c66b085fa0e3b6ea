"""Undo last synchronization: exact, because the audit holds every before and after.

Only records still exactly as the run left them are restored (created ones deleted,
updated ones given back their old values); anything touched since is reported and
left alone. The undo is itself an audited run, so it is never applied twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from smsync_xl.core.errors import NothingToUndoError
from smsync_xl.core.fields import ENTITIES
from smsync_xl.core.vocabulary import AuditAction, RunKind
from smsync_xl.smsturbo.audit import Change, Run, Stored
from smsync_xl.smsturbo.store import SMSTurboStore
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


def last_undoable_run(store: SMSTurboStore) -> Run:
    """The newest synchronization that no undo has reversed yet."""
    runs = store.audit.runs()
    undone = {r.undo_of for r in runs if r.kind is RunKind.UNDO}
    for run in runs:
        if run.kind is RunKind.SYNC and run.run_id not in undone:
            return run
    raise NothingToUndoError(
        "there is no synchronization left to undo",
        advice="Every synchronization in the audit has been undone already.",
    )


def _stored(store: SMSTurboStore, changes: list[Change]) -> dict[tuple[str, str], Stored]:
    """The audited records as SMSTurbo holds them now, read in batches per entity."""
    found: dict[tuple[str, str], Stored] = {}
    for key in {c.entity for c in changes}:
        ids = [c.record_id for c in changes if c.entity == key]
        for record_id, raw in store.fetch_raw(ENTITIES[key], ids).items():
            found[(key, record_id)] = raw
    return found


def undo_last(store: SMSTurboStore, *, user: str) -> UndoResult:
    """Reverse the newest synchronization that has not been undone, in one transaction."""
    with store.transaction():
        run = last_undoable_run(store)
        changes = list(reversed(store.audit.changes(run.run_id)))
        current = _stored(store, changes)
        to_restore: list[Change] = []
        left_alone: list[Change] = []
        for change in changes:
            unchanged = current.get((change.entity, change.record_id)) == change.after
            (to_restore if unchanged else left_alone).append(change)
        for change in to_restore:
            entity = ENTITIES[change.entity]
            if change.action is AuditAction.CREATE:
                store.delete(entity, change.record_id)
            else:
                store.update(entity, change.record_id, change.before or {})
        after = _stored(store, [c for c in to_restore if c.action is not AuditAction.CREATE])
        restored = [
            Change(
                c.entity,
                c.record_id,
                AuditAction.DELETE if c.action is AuditAction.CREATE else AuditAction.RESTORE,
                current[(c.entity, c.record_id)],
                after.get((c.entity, c.record_id)),
            )
            for c in to_restore
        ]
        undo_run = store.audit.start_run(
            RunKind.UNDO, user, now_text(), run.company, undo_of=run.run_id
        )
        store.audit.log_changes(undo_run, restored)
        result = UndoResult(run.run_id, undo_run, restored, left_alone)
        store.audit.finish_run(undo_run, result.summary())
    return result
