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
from dataclasses import dataclass, field
from enum import Enum

from smsync_xl.app import interrupts
from smsync_xl.app.open_sides import open_source, open_store
from smsync_xl.app.plain_text import inert
from smsync_xl.app.progress import SILENT, Progress
from smsync_xl.app.saved_plan import SavedPlan
from smsync_xl.connections.passwords import Prompt
from smsync_xl.core.compare import Plan, collector_paused
from smsync_xl.core.errors import SmsyncError
from smsync_xl.core.fields import ENTITIES, Entity, SageRecord, TurboRecord
from smsync_xl.core.ports import Source
from smsync_xl.core.settings import Settings
from smsync_xl.core.vocabulary import LogAction, Status, View
from smsync_xl.smsturbo.audit import Change, Run
from smsync_xl.smsturbo.store import SMSTurboStore
from smsync_xl.sync.apply import Chosen, SyncResult, apply, make_plan
from smsync_xl.sync.apply import Progress as Ticks
from smsync_xl.sync.chosen_ids import NO_TYPED_IDS
from smsync_xl.sync.undo import UndoResult, last_undoable_run, taken_back_already
from smsync_xl.sync.undo import undo_last as undo_store

__all__ = [
    "Choice",
    "LeftOut",
    "ListsToRead",
    "Plans",
    "Preview",
    "Session",
    "Skipped",
    "SkippedBy",
    "SynchronizeQuestion",
    "choose",
    "choose_ids",
    "default_choice",
    "entities",
    "last_synchronization",
    "lists_to_read",
    "missing_only_question",
    "not_chosen",
    "open_session",
    "plan",
    "plans",
    "preview",
    "run_changes",
    "runs",
    "sage50_records",
    "smsturbo_records",
    "synchronize",
    "synchronize_question",
    "undo_last",
    "undo_question",
    "view_to_show",
]


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


class SkippedBy(Enum):
    """Whose lack leaves a list out of a run."""

    MAPPING = "mapping"
    SAGE50 = "sage50"
    SMSTURBO = "smsturbo"


@dataclass(frozen=True)
class Skipped:
    """A list a run leaves out, and why, in the words a plan prints after "skipped:"."""

    entity: Entity
    by: SkippedBy
    why: str


@dataclass(frozen=True)
class ListsToRead:
    """The lists a run reads, and those it leaves out (in ``ENTITIES`` order)."""

    read: list[Entity]
    skipped: list[Skipped]

    def skip_of(self, entity: Entity) -> Skipped | None:
        return next((each for each in self.skipped if each.entity.key == entity.key), None)


def _why_missing(
    source: Source | None, store: SMSTurboStore | None, entity: Entity
) -> Skipped | None:
    """Why a mapped list cannot be read: Sage 50 has no such list, or SMSTurbo no such
    table (a side that is None is not asked)."""
    reason = source.missing_list(entity) if source is not None else None
    if reason is not None:
        return Skipped(entity, SkippedBy.SAGE50, reason)
    if store is not None and not store.has_table(entity):
        table = store.table(entity).table
        why = f"SMSTurbo has no {table} table (the table mapping's [{entity.key}])"
        return Skipped(entity, SkippedBy.SMSTURBO, why)
    return None


def _unmapped(store: SMSTurboStore) -> list[Skipped]:
    """The lists SMSTurbo's table mapping has no section for."""
    return [
        Skipped(
            e,
            SkippedBy.MAPPING,
            f"the table mapping has no [{e.key}] section ({store.mapping.source})",
        )
        for e in ENTITIES.values()
        if e.key not in store.mapping.tables
    ]


def lists_to_read(source: Source | None, store: SMSTurboStore | None) -> ListsToRead:
    """The one rule for which lists a run reads, for ``plans`` and the doctor: those
    SMSTurbo's mapping has a section for, that Sage 50 has and SMSTurbo has a table for.
    A mapped list either side lacks is left out, unless every one is: then only the
    first is read, so its problem is the message (a wrong company or database, most
    likely). A side that could not be opened (None) is not asked."""
    unmapped = _unmapped(store) if store is not None else []
    left_unmapped = {each.entity.key for each in unmapped}
    mapped = [e for e in ENTITIES.values() if e.key not in left_unmapped]
    missing = [(e, _why_missing(source, store, e)) for e in mapped]
    if mapped and all(why for _, why in missing):
        return ListsToRead(mapped[:1], unmapped)
    lacking = [why for _, why in missing if why is not None]
    return ListsToRead([e for e, why in missing if why is None], unmapped + lacking)


def plans(session: Session, key: str | None = None) -> Plans:
    """The plan of one list (``key``), where every problem stops; or of every list
    ``lists_to_read`` takes."""
    if key is not None:
        return Plans(plan(session, [ENTITIES[key]]), [])
    lists = lists_to_read(session.source, session.store)
    skipped = [f"{each.entity.plural} skipped: {each.why}" for each in lists.skipped]
    return Plans(plan(session, lists.read), skipped)


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
    """IDs asked for that neither Sage 50 nor a plan has (the saved plan, when chosen
    from one)."""
    left_out: list[LeftOut]
    skipped: list[str] = field(default_factory=list)
    """The lists the comparison left out, and why (``Plans.skipped``)."""


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


def choose(
    session: Session,
    key: str | None,
    ids: Sequence[str],
    *,
    include_inactive: bool = False,
    saved: SavedPlan | None = None,
) -> Choice:
    """What ``sync`` takes: the given IDs, or without IDs what Check All would tick, of
    one list (``key``) or every list; from a fresh comparison, or from a ``saved`` plan
    (made from this company, or refused). Every ID asked for and not taken is in the
    Choice, so none is skipped without a word."""
    if saved is not None:
        saved.check_company(session.company(), session.source.location())
        keys = [e.key for e in entities(session, key)]
        chosen = saved.chosen(keys, ids, include_inactive=include_inactive)
        return Choice(chosen, not_chosen(chosen, ids), [])
    found = plans(session, key)
    if not ids:
        return Choice(
            default_choice(found.plans, include_inactive=include_inactive), [], [], found.skipped
        )
    picked = choose_ids(found.plans, ids, session.settings)
    return Choice(picked.chosen, picked.unknown, picked.left_out, found.skipped)


NAMED_IN_QUESTION = 5
"""The records a confirmation names before "and N more"."""


@dataclass(frozen=True)
class SynchronizeQuestion:
    """What the confirmation before Synchronize says, whichever face words it: the
    company, how many records of each list, the first few by ID and how many more."""

    company: str
    counts: dict[str, int]
    """Entity key → records chosen, lists with none left out."""
    first: list[tuple[str, str]]
    """The first ``NAMED_IN_QUESTION`` records chosen, as (entity key, ID)."""
    more: int

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def synchronize_question(company: str, chosen: Chosen) -> SynchronizeQuestion:
    every = [(key, record_id) for key, marks in chosen.items() for record_id in marks]
    counts = {key: len(marks) for key, marks in chosen.items() if marks}
    first = every[:NAMED_IN_QUESTION]
    return SynchronizeQuestion(company, counts, first, len(every) - len(first))


def synchronize(
    session: Session,
    chosen: Chosen,
    *,
    progress: Ticks | None = None,
    ids: Mapping[str, Mapping[str, str]] = NO_TYPED_IDS,
) -> SyncResult:
    """Bring the chosen rows into SMSTurbo in one transaction with its audit. An
    interrupt before the commit rolls it back; after it, it is told with the run.
    ``ids``: per entity, the SMSTurbo IDs typed for rows (by the row's ID)."""

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
            ids=ids,
        )
    if result.run_id is not None:
        interrupts.committed(
            LogAction.SYNCHRONIZE, result.run_id, result.summary(), session.store.db.label
        )
    return result


def last_synchronization(store: SMSTurboStore) -> Run:
    """The synchronization Undo would take back (NothingToUndoError if none)."""
    return last_undoable_run(store)


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
    interrupts.committed(LogAction.UNDO, result.undo_run, result.summary(), store.db.label)
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
