"""The use cases on both systems, which every face calls: the command line (``cli``),
the workbook's buttons (through ``app.workbook_buttons``), the Excel functions and the
PC checks. Each opens what it needs from the settings, does one job and returns a typed
result (counts, conflicts, run number); the faces only show it. The decisions the faces
share live here once: which lists a run reads, what the Ask view means, which IDs were
not found, the question before an undo.

    settings ─► open_session ─► plan ─► choose ─► synchronize ─► SyncResult
                                                  undo_last   ─► UndoResult
"""

from __future__ import annotations

import getpass
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from smsync_xl.app import interrupts
from smsync_xl.app.open_sides import open_source, open_store
from smsync_xl.app.plain_text import inert
from smsync_xl.app.progress import SILENT, Progress
from smsync_xl.connections.passwords import Prompt
from smsync_xl.core.compare import Plan, collector_paused
from smsync_xl.core.errors import SmsyncError
from smsync_xl.core.fields import ENTITIES, Entity, SageRecord, TurboRecord
from smsync_xl.core.ports import Source
from smsync_xl.core.settings import Settings
from smsync_xl.core.vocabulary import Status, View
from smsync_xl.smsturbo.audit import Change, Run
from smsync_xl.smsturbo.store import SMSTurboStore
from smsync_xl.sync.apply import Chosen, SyncResult, apply, make_plan
from smsync_xl.sync.apply import Progress as Ticks
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


def sage50_records(settings: Settings, entity: Entity) -> list[SageRecord]:
    """Every Sage 50 record of ``entity`` (the Excel functions' look-up)."""
    return open_source(settings).read(entity)


def smsturbo_records(settings: Settings, entity: Entity) -> list[TurboRecord]:
    """Every SMSTurbo record of ``entity`` (the Excel functions' look-up)."""
    return open_store(settings).read(entity)


def entities(session: Session, key: str | None = None) -> list[Entity]:
    """One entity by key, or every one SMSTurbo's mapping has a table for."""
    if key is not None:
        return [ENTITIES[key]]
    return [e for e in ENTITIES.values() if e.key in session.store.mapping.tables]


def plan(session: Session, chosen: Iterable[Entity], *, progress: Progress = SILENT) -> list[Plan]:
    """Read both systems and compare: what Refresh shows and ``plan`` prints; each
    entity's reading of Sage 50, then of SMSTurbo with the comparison, is a step of
    ``progress``."""
    return [_plan(session, entity, progress) for entity in chosen]


def _plan(session: Session, entity: Entity, progress: Progress) -> Plan:
    with collector_paused():
        return _read_and_compare(session, entity, progress)


def _read_and_compare(session: Session, entity: Entity, progress: Progress) -> Plan:
    plural = entity.plural.lower()
    with progress.step(f"reading Sage 50 {plural}") as read:
        sage = session.source.read(entity)
        read.advance(len(sage))
    with progress.step(f"reading SMSTurbo {plural} and comparing", len(sage)) as compared:
        found = make_plan(entity, session.source, session.store, session.settings, sage)
        compared.advance(len(found.rows))
    return found


@dataclass(frozen=True)
class Plans:
    plans: list[Plan]
    skipped: list[str]
    """Why a list was left out: asked for every list, one that Sage 50 or SMSTurbo does
    not have at all (no export file, no table) is skipped, saying so."""


def lists_to_read(missing: Mapping[str, str | None]) -> tuple[list[str], dict[str, str]]:
    """The lists (entity keys) a run reads, and those it leaves out with why (``missing``:
    each list's reason it cannot be read, or None). A list with a reason is left out, unless every
    one has one: then none is left out and only the first is read, so its problem is the
    message (a wrong company or database, most likely)."""
    if all(missing.values()):
        return list(missing)[:1], {}
    return [e for e, why in missing.items() if not why], {
        e: why for e, why in missing.items() if why
    }


def _why_missing(session: Session, entity: Entity) -> str | None:
    """Why a list cannot be read: Sage 50 has no such list, or SMSTurbo no such table."""
    reason = session.source.missing_list(entity)
    if reason is None and not session.store.has_table(entity):
        table = session.store.table(entity).table
        reason = f"SMSTurbo has no {table} table (the table mapping's [{entity.key}])"
    return reason


def plans(session: Session, key: str | None = None) -> Plans:
    """The plan of one list (``key``), where every problem stops; or of every list both
    systems have (``lists_to_read``)."""
    if key is not None:
        return Plans(plan(session, [ENTITIES[key]]), [])
    mapped = entities(session)
    skipped = [
        f"{e.plural} skipped: the table mapping has no [{e.key}] section "
        f"({session.store.mapping.source})"
        for e in ENTITIES.values()
        if e not in mapped
    ]
    read, left_out = lists_to_read({e.key: _why_missing(session, e) for e in mapped})
    skipped += [f"{ENTITIES[key].plural} skipped: {why}" for key, why in left_out.items()]
    return Plans(plan(session, [ENTITIES[key] for key in read]), skipped)


def view_to_show(view: View, ask_missing_only: Callable[[], bool] | None) -> View:
    """The settings' view; Ask means the bookkeeper's answer to "missing only?", or,
    with nobody to ask, every record not in sync."""
    if view is not View.ASK:
        return view
    if ask_missing_only is not None and ask_missing_only():
        return View.MISSING_ONLY
    return View.NOT_IN_SYNC


def missing_only_question(entity: Entity) -> str:
    """The question the Ask view puts before showing ``entity``'s lists."""
    noun = entity.plural.lower()
    return (
        f"Do you want to see missing {noun} only?\n\n"
        f"Yes: {noun} in one system and not the other.\n"
        f"No: every {noun[:-1]} without an exact match (missing or different)."
    )


def default_choice(plans: Iterable[Plan], *, include_inactive: bool = False) -> Chosen:
    """What is taken when nobody picks rows (the one default selection)."""
    return {p.entity.key: p.default_selection(include_inactive=include_inactive) for p in plans}


@dataclass(frozen=True)
class Preview:
    """What synchronizing the default selection would do, before it is done."""

    create: int
    update: int
    invalid: int
    not_taken: int
    """NEW or DIFFERENT rows the default selection leaves (inactive, nothing to apply)."""


def preview(plans: Iterable[Plan]) -> Preview:
    create = update = invalid = not_taken = 0
    for each in plans:
        taken = each.default_selection()
        for row in each.rows:
            if row.status is Status.INVALID:
                invalid += 1
            elif row.id in taken:
                create += row.status is Status.NEW
                update += row.status is Status.DIFFERENT
            elif row.status in (Status.NEW, Status.DIFFERENT):
                not_taken += 1
    return Preview(create, update, invalid, not_taken)


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


def not_chosen(chosen: Chosen, ids: Sequence[str]) -> list[str]:
    """The IDs asked for that no list's choice holds, in the order asked: named to the
    user, never skipped without a word."""
    found = {i for marks in chosen.values() for i in marks}
    return [i for i in ids if i not in found]


def choose_ids(plans: Iterable[Plan], ids: Sequence[str], settings: Settings) -> Choice:
    """The rows with these IDs, in whichever entity has them; an ID only the type
    filter hides is told apart from one Sage 50 does not have."""
    plans = list(plans)
    chosen = {p.entity.key: p.chosen(ids) for p in plans}
    missing = not_chosen(chosen, ids)
    left_out = [
        LeftOut(p.entity, i, p.excluded_by_type[i], settings.entities[p.entity.key].include_types)
        for i in missing
        for p in plans
        if i in p.excluded_by_type
    ]
    hidden = {each.id for each in left_out}
    unknown = [i for i in missing if i not in hidden]
    return Choice(chosen, unknown, left_out)


def synchronize(session: Session, chosen: Chosen, *, progress: Ticks | None = None) -> SyncResult:
    """Bring the chosen rows into SMSTurbo in one transaction with its audit. An
    interrupt before the commit rolls it back; after it, it is told with the run."""

    interrupts.hold()
    with collector_paused():
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


def undo_question(store: SMSTurboStore, run: Run, *, one_line: bool = False) -> str:
    """The question before an undo: which run, when and by whom, and what earlier undos
    of it took back. In a dialog, with the run's summary; on ``one_line`` (a terminal
    prompt), without."""
    partly = taken_back_already(store, run)
    company = f"Sage 50 company '{inert(run.company)}', " if run.company else ""
    asked = (
        f"Undo synchronization {run.run_id} of {inert(run.started_at)} by {inert(run.user)} "
        f"({company}SMSTurbo database {inert(store.db.label)})?"
    )
    if one_line:
        return asked + (f" {partly}" if partly else "")
    return asked + f"\n\n{run.summary}" + (f"\n\n{partly}" if partly else "")


def undo_last(store: SMSTurboStore) -> UndoResult:
    """Undo the last synchronization; an interrupt meanwhile is told with the run."""
    interrupts.hold()
    result = undo_store(store, user=getpass.getuser())
    interrupts.committed("Undo", result.undo_run, result.summary(), store.db.label)
    return result


def runs(store: SMSTurboStore) -> list[Run]:
    """Every audited synchronization and undo, newest first."""
    return store.audit.runs()


def run_changes(store: SMSTurboStore, run_id: int, listed_by: str = "") -> list[Change]:
    """Every change one run made, with the values before and after; ``listed_by`` is the
    command, as typed, that lists the runs of this same database (for the advice)."""
    if run_id not in {r.run_id for r in runs(store)}:
        raise SmsyncError(
            f"there is no run {run_id} in this SMSTurbo database",
            where=store.db.label,
            advice=f"'{listed_by or 'smsync-xl runs'}' lists the runs and their numbers.",
        )
    return store.audit.changes(run_id)
