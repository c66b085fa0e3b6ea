"""The use cases both faces call: the command line (``cli``) and the workbook's buttons
(``macros``). Each opens what it needs from the settings, does one job and returns a
typed result (counts, conflicts, run number); the faces only show it.

    settings ─► open_session ─► plan ─► choose ─► synchronize ─► SyncResult
                                                  undo_last   ─► UndoResult
"""

from __future__ import annotations

import getpass
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from smsync_xl.app import interrupts
from smsync_xl.app.open_sides import open_source, open_store
from smsync_xl.connections.passwords import Prompt
from smsync_xl.core.compare import Plan
from smsync_xl.core.errors import SmsyncError
from smsync_xl.core.fields import ENTITIES, Entity
from smsync_xl.core.ports import Source
from smsync_xl.core.settings import Settings
from smsync_xl.smsturbo.audit import Change, Run
from smsync_xl.smsturbo.store import SMSTurboStore
from smsync_xl.sync.apply import Chosen, Progress, SyncResult, apply, make_plan
from smsync_xl.sync.undo import UndoResult, last_undoable_run
from smsync_xl.sync.undo import taken_back_already as _taken_back_already
from smsync_xl.sync.undo import undo_last as undo_store


@dataclass(frozen=True)
class Session:
    """Both sides open, as the settings name them."""

    settings: Settings
    source: Source
    store: SMSTurboStore

    def company(self) -> str:
        return self.source.company_name()


def open_session(settings: Settings, *, prompt: Prompt | None = None) -> Session:
    """Open Sage 50 (read-only) and SMSTurbo before the first question is asked, so a
    connection problem is reported before the bookkeeper answers anything."""
    return Session(
        settings, open_source(settings, prompt=prompt), open_store(settings, prompt=prompt)
    )


def entities(session: Session, key: str | None = None) -> list[Entity]:
    """One entity by key, or every one SMSTurbo's mapping has a table for."""
    if key is not None:
        return [ENTITIES[key]]
    return [e for e in ENTITIES.values() if e.key in session.store.mapping.tables]


def plan(session: Session, chosen: Iterable[Entity]) -> list[Plan]:
    """Read both systems and compare: what Refresh shows and ``plan`` prints."""
    return [make_plan(e, session.source, session.store, session.settings) for e in chosen]


@dataclass(frozen=True)
class Plans:
    plans: list[Plan]
    skipped: list[str]
    """Why a list was left out: asked for every list, one that Sage 50 or SMSTurbo does
    not have at all (no export file, no table) is skipped, saying so."""


def plans(session: Session, key: str | None = None) -> Plans:
    """The plan of one list (``key``), where every problem stops; or of every list both
    systems have. When neither system has any of the lists, the first one's problem is
    the message (a wrong company or database, most likely)."""
    if key is not None:
        return Plans(plan(session, [ENTITIES[key]]), [])
    mapped = entities(session)
    skipped = [
        f"{e.plural} skipped: the table mapping has no [{e.key}] section "
        f"({session.store.mapping.source})"
        for e in ENTITIES.values()
        if e not in mapped
    ]
    chosen = []
    for entity in mapped:
        reason = session.source.missing_list(entity)
        if reason is None and not session.store.has_table(entity):
            table = session.store.table(entity).table
            reason = f"SMSTurbo has no {table} table (the table mapping's [{entity.key}])"
        if reason is None:
            chosen.append(entity)
        else:
            skipped.append(f"{entity.plural} skipped: {reason}")
    if not chosen:
        return Plans(plan(session, mapped[:1]), [])
    return Plans(plan(session, chosen), skipped)


def default_choice(plans: Iterable[Plan], *, include_inactive: bool = False) -> Chosen:
    """What is taken when nobody picks rows (the one default selection)."""
    return {p.entity.key: p.default_selection(include_inactive=include_inactive) for p in plans}


@dataclass(frozen=True)
class LeftOut:
    """An ID asked for that Sage 50 has but Include Types leaves out."""

    entity: Entity
    id: str
    sage_type: str | None
    include_types: frozenset[str]


@dataclass(frozen=True)
class Choice:
    chosen: Chosen
    unknown: list[str]
    """IDs asked for that neither Sage 50 nor a plan has."""
    left_out: list[LeftOut]


def choose_ids(plans: Iterable[Plan], ids: Sequence[str], settings: Settings) -> Choice:
    """The rows with these IDs, in whichever entity has them; an ID only the type
    filter hides is told apart from one Sage 50 does not have."""
    plans = list(plans)
    chosen = {p.entity.key: p.chosen(ids) for p in plans}
    found = {i for marks in chosen.values() for i in marks}
    left_out = [
        LeftOut(p.entity, i, p.excluded_by_type[i], settings.entities[p.entity.key].include_types)
        for i in ids
        if i not in found
        for p in plans
        if i in p.excluded_by_type
    ]
    hidden = {each.id for each in left_out}
    unknown = [i for i in ids if i not in found and i not in hidden]
    return Choice(chosen, unknown, left_out)


def synchronize(
    session: Session, chosen: Chosen, *, progress: Progress | None = None
) -> SyncResult:
    """Bring the chosen rows into SMSTurbo in one transaction with its audit. An
    interrupt before the commit rolls it back; after it, it is told with the run."""

    interrupts.hold()
    result = apply(
        session.source,
        session.store,
        session.settings,
        chosen,
        user=getpass.getuser(),
        progress=progress,
        checkpoint=interrupts.check,
    )
    if result.run_id is not None:
        interrupts.committed("Synchronize", result.run_id, result.summary(), session.store.db.label)
    return result


def last_synchronization(store: SMSTurboStore) -> Run:
    """The synchronization Undo would take back (NothingToUndoError if none)."""
    return last_undoable_run(store)


def taken_back_already(store: SMSTurboStore, run: Run) -> str:
    """What earlier undos of ``run`` took back and what is left, for the question
    before an undo ("" when none has)."""
    return _taken_back_already(store, run)


def undo_last(store: SMSTurboStore) -> UndoResult:
    """Undo the last synchronization; an interrupt meanwhile is told with the run."""
    interrupts.hold()
    result = undo_store(store, user=getpass.getuser())
    interrupts.committed("Undo", result.undo_run, result.summary(), store.db.label)
    return result


def runs(store: SMSTurboStore) -> list[Run]:
    """Every audited synchronization and undo, newest first."""
    return store.audit.runs()


def run_changes(store: SMSTurboStore, run_id: int) -> list[Change]:
    """Every change one run made, with the values before and after."""
    if run_id not in {r.run_id for r in runs(store)}:
        raise SmsyncError(
            f"there is no run {run_id}",
            advice="'smsync-xl runs' lists the runs and their numbers.",
        )
    return store.audit.changes(run_id)
