"""The workbook's use cases, what its buttons do: Refresh (and the Customers, Vendors
and Materials buttons), Check All, Uncheck All, Synchronize and Undo, each with its Log
row. Written against the workbook port, so the ribbon (``macros``, live Excel) and the
command line (``cli``, an .xlsm file on disk) run the same steps; the faces only hand
over their workbook.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import traceback
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from smsync_xl.app import interrupts
from smsync_xl.app.progress import Progress
from smsync_xl.app.run_record import LogEntry, entry
from smsync_xl.app.workbook_port import WorkbookPort
from smsync_xl.book.busy import one_run_at_a_time
from smsync_xl.book.layout import (
    INCLUDE,
    KEY,
    LOG,
    RESULT,
    SAGE_ONLY,
    SUMMARY_CELL,
    TABLE_COLUMNS,
    TURBO_ONLY,
    entity_columns,
)
from smsync_xl.book.setup_sheet import read_setup, write_entity
from smsync_xl.book.sheets import (
    REFRESH_COLUMNS,
    SYNCHRONIZE_COLUMNS,
    TICK_COLUMNS,
    TURBO_TICK_COLUMNS,
    chosen_rows,
    include_column,
    include_ids,
    keep_ticks,
    make_key,
    needs_whole_rows,
    refuse_ticks_below,
    refuse_turbo_ticks,
    refuse_typed_rows,
    split_key,
    ticked_rows,
    typed_ids,
)
from smsync_xl.book.sheets import table_rows as sheet_rows
from smsync_xl.core.compare import collector_paused
from smsync_xl.core.errors import SmsyncError, WrittenButNotSavedError
from smsync_xl.core.fields import ENTITIES, Entity
from smsync_xl.core.ports import TableData
from smsync_xl.core.vocabulary import BUTTON_WORDS, LogAction, Status, View, Words, sentence

if TYPE_CHECKING:
    from smsync_xl.app import session as use_cases
    from smsync_xl.sync.apply import SyncResult

__all__ = [
    "Button",
    "Finished",
    "Lists",
    "Macro",
    "already_running",
    "check_all",
    "macro",
    "refresh",
    "runs_command",
    "show_entity",
    "show_lists",
    "synchronize",
    "tick_ids",
    "uncheck_all",
    "undo_last",
]


@dataclass(frozen=True)
class Finished:
    """What a button did: the line it ends with and, for Synchronize, its result (the
    headless twin's exit code comes from it)."""

    summary: str
    synchronized: SyncResult | None = None
    logged: LogEntry | None = None
    """The Log row it wrote (the command line's log file holds the same)."""
    left_alone: int = 0
    """For Undo: the records it did not take back (the twin's exit code says so)."""


class RunNotSavedError(WrittenButNotSavedError):
    """A committed run the workbook could not keep, with its Log line: the workbook has
    none, so the command line's log file is the run's only record besides SMSTurbo."""

    def __init__(self, message: str, *, where: str, advice: str, logged: LogEntry) -> None:
        super().__init__(message, where=where, advice=advice)
        self.logged = logged


Macro = Callable[[WorkbookPort, Words], Finished]


class Button(Protocol):
    """A macro as the faces call it: the workbook, and the face's words (the ribbon's
    unless given)."""

    def __call__(
        self,
        port: WorkbookPort,
        words: Words = ...,
        *,
        unsaved: Callable[[LogEntry], None] | None = None,
    ) -> Finished | None: ...


def already_running(workbook: str, words: Words = BUTTON_WORDS) -> str:
    return (
        f"SMSync is already running on this workbook, {workbook} ({words.twice}). "
        f"Wait until it has finished (the status bar shows what it is doing), then "
        f"{words.again}."
    )


def runs_command(workbook: Path, run_id: int) -> str:
    """The command that lists every record of a run, as it works when typed: it names
    the workbook, whose Setup gives the SMSTurbo database (no settings file needed)."""
    path = str(workbook)
    shown = f'"{path}"' if any(c in path for c in " '&()$;") else path
    return f"smsync-xl runs {shown} --details {run_id}"


def _log(
    port: WorkbookPort,
    action: str,
    company: str,
    summary: str,
    run_id: int | None = None,
    detail: str | None = None,
) -> LogEntry:
    """One Log row per run: what it did in one line. Every record's before and after
    stays in SMSTurbo's audit (``smsync-xl runs --details N``), so the Log does not grow
    with the records and Refresh does not slow down after a large synchronization."""
    if run_id is not None and detail is None:
        detail = f"every record: {runs_command(port.workbook_path(), run_id)}"
    logged = entry(company, action, summary, run_id, detail)
    port.append_rows(LOG, [logged.row()])
    return logged


def _check_log_room(port: WorkbookPort) -> None:
    """The Log must be there and able to take the run's row, before anything is written."""
    port.check_room(LOG, len(port.read_table(LOG).rows) + 1)


def _report(port: WorkbookPort, action: str, message: str, detail: str | None = None) -> None:
    """The message first; then, with a ``detail`` (an unexpected error's traceback for
    support, a run committed but not shown), a Log row, if the workbook can still take
    one (the problem may be a missing Log sheet or a read-only file: the message says
    so). A refusal before anything changed leaves the workbook file as it was."""
    with contextlib.suppress(Exception):  # a status bar is cosmetic: the message matters
        port.status("")
    port.alert(message)
    if detail is None:
        return
    with contextlib.suppress(Exception):  # the message is out; a Log row is a bonus
        _log(port, action, "", "error", detail=detail)
        port.finish()


def macro(action: Macro) -> Button:
    """Run ``action`` on the workbook ``port``, its messages in the face's ``words``; a
    problem the user can fix becomes a message box and a Log row, never a traceback.
    Returns None after such a problem (the CLI's exit code); a run committed in SMSTurbo
    whose workbook could not be saved gives its Log line to ``unsaved`` (the command
    line's log file then holds it)."""

    @functools.wraps(action)
    def run(
        port: WorkbookPort,
        words: Words = BUTTON_WORDS,
        *,
        unsaved: Callable[[LogEntry], None] | None = None,
    ) -> Finished | None:
        earlier = len(interrupts.written())  # Excel's Python lives on between buttons
        try:
            workbook = port.workbook_path()
            with one_run_at_a_time(workbook) as free:
                if free:
                    try:
                        return action(port, words)
                    finally:  # every exit hands the status bar back (only this run's)
                        with contextlib.suppress(Exception):
                            port.status("")
            port.alert(already_running(str(workbook), words))
        except RunNotSavedError as error:
            _report(port, action.__name__, str(error), str(error))
            if unsaved is not None:
                unsaved(error.logged)
        except WrittenButNotSavedError as error:
            _report(port, action.__name__, error.worded(words), error.worded(words))
        except SmsyncError as error:
            _report(port, action.__name__, error.worded(words))
        except Exception as error:  # noqa: BLE001 - the bookkeeper gets a message, not a crash
            written = interrupts.written()[earlier:]
            changed = (
                f"SMSTurbo WAS changed: {'; '.join(written)}."
                if written
                else "SMSTurbo was not changed by the step that failed."
            )
            message = (
                f"SMSync stopped on an unexpected error: {type(error).__name__}: "
                f"{error}\n{changed} The details are on the Log sheet; please send them to "
                "your SMSync support."
            )
            _report(port, action.__name__, message, traceback.format_exc())
        finally:  # what the button opened goes now, not at a full collection hours later
            gc.collect()
        return None

    return run


@contextlib.contextmanager
def _after_commit(
    run_id: int | None,
    summary: str,
    action: str,
    database: str,
    words: Words,
    company: str,
    workbook: Path,
) -> Iterator[None]:
    """Once SMSTurbo has committed, every message says what was written, where, and how
    to see or undo it (the same advice as an interrupt's)."""
    try:
        yield
    except Exception as error:
        if run_id is None:
            raise
        what, where = (
            (error.message, error.where)
            if isinstance(error, SmsyncError)
            else (f"{type(error).__name__}: {error}", "")
        )
        detail = (
            f"the workbook was not saved ({what}); every record: {runs_command(workbook, run_id)}"
        )
        raise RunNotSavedError(
            f"SMSTurbo WAS changed: {action} run {run_id} is committed ({summary}) in the "
            f"SMSTurbo database {database}. But the workbook could not show or keep the "
            f"results: {what}",
            where=where,
            advice=f"SMSTurbo needs nothing more: {interrupts.advice(action, run_id, False)}. Fix "
            f"the workbook problem, then {words.refresh} to see the new state.",
            logged=entry(company, action, summary, run_id, detail),
        ) from error


def _stopped(port: WorkbookPort, action: str) -> Finished:
    port.status("")
    return Finished(f"SMSync: {action} stopped; nothing was changed.")


@dataclass(frozen=True)
class Lists:
    """Which lists Refresh shows: ``entity`` (the ribbon's Customers, Vendors and
    Materials buttons, the command's --list) instead of the Setup's, and ``view``
    instead of the Setup's. ``ask_view``: the Setup's "ask each time" is a question to
    the bookkeeper; the command line does not ask it (all lists not in sync, what
    synchronize without IDs takes)."""

    entity: Entity | None = None
    view: View | None = None
    ask_view: bool = True


def _fill(port: WorkbookPort, lists: Lists, words: Words) -> Finished:
    """Refresh: the lists of the Setup's entity (or the one asked for). Nothing is
    written before the company is confirmed and the sheets are known to take the lists
    without losing anything."""
    from smsync_xl.app import session as use_cases  # the database stack, when needed
    from smsync_xl.sync.apply import now_text

    port.check_can_save()
    settings, current = read_setup(port)
    entity = lists.entity or current
    port.status("SMSync: connecting to Sage 50 and SMSTurbo …")
    session = use_cases.open_session(settings, prompt=port.ask_password)
    company = session.company()
    if not port.confirm(
        f"Is this the correct {settings.edition.words.product} company?\n\n{company}\n\n"
        "Choose No to stop and check the Setup sheet."
    ):
        return _stopped(port, LogAction.REFRESH)
    ask = lambda: port.confirm(use_cases.missing_only_question(entity))  # noqa: E731
    view = use_cases.view_to_show(lists.view or settings.view, ask if lists.ask_view else None)
    progress = Progress(port.progress)
    tables, counts, template_missing = _lists(session, entity, view, progress)
    shown = _shown_tables(port, tables, words)
    if entity is not current:
        write_entity(port, entity)
    kept, unticked = keep_ticks(shown[SAGE_ONLY], tables[SAGE_ONLY])
    totals = [sheet for sheet in tables if port.total_row(sheet)]
    cleared = _write_lists(port, tables, entity, progress)
    summary = (
        f"{counts}. View: {view.label}. Sage 50 company: {company}. Refreshed {now_text()}."
    ) + _summary_notes(template_missing, kept, unticked, cleared, totals)
    port.write_cell(SAGE_ONLY, SUMMARY_CELL, summary)
    port.write_cell(TURBO_ONLY, SUMMARY_CELL, summary)
    logged = _log(port, LogAction.REFRESH, company, counts)
    port.activate(SAGE_ONLY)
    _save(port, progress)
    port.status("")
    return Finished(summary, logged=logged)


def _save(port: WorkbookPort, progress: Progress) -> None:
    """The end of a button: the file is saved (in Excel the bookkeeper saves)."""
    with progress.step("saving the workbook"):
        port.finish()


def _lists(
    session: use_cases.Session, entity: Entity, view: View, progress: Progress
) -> tuple[dict[str, list[list[object]]], str, str | None]:
    """Both tables' rows, the counts line and a missing template's note: the plan, which
    holds every record of both systems, is let go before the sheets are written, so a
    large company's records and its sheets are not in memory at once."""
    from smsync_xl.app import session as use_cases  # the database stack, when needed
    from smsync_xl.app.plain_text import counts_line

    (plan,) = use_cases.plan(session, [entity], progress=progress)
    with progress.step("preparing the lists", len(plan.rows)) as prepared:
        tables = sheet_rows(plan, view)
        prepared.advance(len(plan.rows))
    return tables, counts_line(plan), plan.template_missing


def _shown_tables(
    port: WorkbookPort, tables: dict[str, list[list[object]]], words: Words
) -> dict[str, TableData]:
    """What the sheets show now, read before anything is written: a sheet that would
    lose typed rows or has no room, or a full Log, stops Refresh here."""
    shown = {sheet: _replaced_table(port, sheet) for sheet in tables}
    for sheet, rows in tables.items():
        refuse_typed_rows(shown[sheet], words)
        port.check_room(sheet, len(rows))
    _check_log_room(port)
    return shown


def _replaced_table(port: WorkbookPort, sheet: str) -> TableData:
    """The table Refresh replaces, by the columns it needs (``REFRESH_COLUMNS``: a
    large table is not parsed whole), whole when a row has no record to tell it by."""
    table = port.read_table(sheet, REFRESH_COLUMNS)
    return port.read_table(sheet) if needs_whole_rows(table) else table


def _write_lists(
    port: WorkbookPort, tables: dict[str, list[list[object]]], entity: Entity, progress: Progress
) -> list[str]:
    """Each sheet's rows and the entity's columns; a filter is cleared first, since the
    rows will hold other records. The sheets whose filter was cleared."""
    cleared = []
    for sheet, rows in tables.items():
        if port.hidden_rows(sheet) or port.filtered(sheet):
            port.clear_filter(sheet)
            cleared.append(sheet)
        with progress.step(f"writing the {sheet} sheet", len(rows)) as written:
            port.write_table(sheet, rows)
            written.advance(len(rows))
        port.show_columns(sheet, entity_columns(TABLE_COLUMNS[sheet], entity))
    return cleared


def _summary_notes(
    template_missing: str | None, kept: int, unticked: int, cleared: list[str], totals: list[str]
) -> str:
    """What the summary adds when Refresh did more than fill the lists, so the
    bookkeeper is told of every tick, filter and Total Row it changed."""
    notes = ""
    if template_missing:
        notes += f" Note: {template_missing}."
    if kept:
        notes += f" {kept} tick(s) kept: those records did not change since they were ticked."
    if unticked:
        notes += (
            f" {unticked} tick(s) cleared: those records changed or are no longer listed; "
            "tick them again if you still want them."
        )
    if cleared:
        notes += (
            f" The filter on {' and '.join(cleared)} was cleared: the rows now hold other "
            "records; filter again as you need."
        )
    if totals:
        notes += (
            f" The Total Row on {' and '.join(totals)} was turned off: Refresh rewrites "
            "every row; turn it on again with Table Design > Total Row."
        )
    return notes


@macro
def refresh(port: WorkbookPort, words: Words) -> Finished:
    """Read both systems and fill the SMSTurbo-only and Sage50-only tables."""
    return _fill(port, Lists(), words)


def show_entity(key: str, port: WorkbookPort) -> Finished | None:
    """The ribbon's Customers, Vendors and Materials buttons: that list, refreshed (the
    Setup's Records cell is written with the lists)."""
    return show_lists(Lists(entity=ENTITIES[key]), port)


def show_lists(lists: Lists, port: WorkbookPort, words: Words = BUTTON_WORDS) -> Finished | None:
    """Refresh with the lists asked for (the Setup's Records cell is written with the
    lists when they are another entity's)."""

    @macro
    def refresh(port: WorkbookPort, words: Words) -> Finished:
        return _fill(port, lists, words)

    return refresh(port, words)


def _tick(port: WorkbookPort, tick: bool, words: Words) -> Finished:
    port.check_can_save()
    progress = Progress(port.progress)
    table = _read_sheet(port, progress, TICK_COLUMNS)
    hidden = port.hidden_rows(SAGE_ONLY) if tick else set()
    values = include_column(table, tick, hidden, words)
    with progress.step(f"writing {INCLUDE}", len(values)) as written:
        port.write_column(SAGE_ONLY, INCLUDE, values)
        written.advance(len(values))
    _save(port, progress)
    port.status("")
    ticked = sum(1 for v in values if v not in (None, ""))
    return Finished(f"{ticked} row(s) ticked on the {SAGE_ONLY} sheet.")


def _read_sheet(
    port: WorkbookPort, progress: Progress, only: Collection[str] | None = None
) -> TableData:
    with progress.step(f"reading the {SAGE_ONLY} sheet") as read:
        table = port.read_table(SAGE_ONLY, only)
        read.advance(len(table.rows))
    return table


@macro
def check_all(port: WorkbookPort, words: Words) -> Finished:
    """Tick every visible row the default selection takes (filter first to tick fewer)."""
    return _tick(port, True, words)


@macro
def uncheck_all(port: WorkbookPort, words: Words) -> Finished:
    """Clear Include on every row, hidden by a filter or not."""
    return _tick(port, False, words)


def tick_ids(
    port: WorkbookPort,
    ids: Sequence[str],
    *,
    tick: bool,
    entity: str | None = None,
    words: Words = BUTTON_WORDS,
) -> Finished | None:
    """Tick (or clear) Include on the rows of these IDs of the Sage50-only sheet, as the
    bookkeeper does by hand; an ID not listed there is named and nothing is changed."""

    @macro
    def tick_rows(port: WorkbookPort, words: Words) -> Finished:
        port.check_can_save()
        shown = read_setup(port)[1].key
        key = entity or shown
        table = port.read_table(SAGE_ONLY)
        ticks = include_ids(table, [make_key(key, i) for i in ids], tick)
        if ticks.unknown:
            advice = (
                f"The sheet shows {shown}; {words.refresh_list(key)} first to list {key}."
                if key != shown
                else "The sheet lists only what is missing or different; "
                f"{words.refresh} first if these changed since."
            )
            raise SmsyncError(
                f"not listed: {', '.join(split_key(u)[1] for u in ticks.unknown)} "
                f"({ENTITIES[key].plural.lower()})",
                where=f"{SAGE_ONLY} sheet",
                advice=f"{advice} Nothing was changed.",
            )
        if ticks.untickable:
            raise SmsyncError(
                f"only {', '.join(str(s) for s in Status if s.tickable)} rows can be ticked: "
                + "; ".join(f"row {n} ({i}) is {s}" for n, i, s in ticks.untickable),
                where=f"{SAGE_ONLY} sheet",
                advice="Leave these IDs out (nothing was changed). An INVALID row's Reason "
                f"says what to fix in Sage 50 first; then {words.refresh} and tick it.",
            )
        port.write_column(SAGE_ONLY, INCLUDE, ticks.values)
        port.finish()
        done = "ticked" if tick else "cleared"
        return Finished(f"{ticks.changed} row(s) {done} on the {SAGE_ONLY} sheet.")

    return tick_rows(port, words)


@macro
@collector_paused()  # the ticks read and the Result written make many rows, no cycles
def synchronize(port: WorkbookPort, words: Words) -> Finished:
    """Bring the ticked rows into SMSTurbo and write a Result for each."""
    from smsync_xl.app import session as use_cases  # the database stack, when needed

    port.check_can_save()
    settings, _ = read_setup(port)
    refuse_turbo_ticks(port.read_table(TURBO_ONLY, TURBO_TICK_COLUMNS), words)
    progress = Progress(port.progress)
    table = _read_sheet(port, progress, SYNCHRONIZE_COLUMNS)
    _check_log_room(port)
    refuse_ticks_below(table, port.rows_below(SAGE_ONLY), words)
    chosen = chosen_rows(table, words)
    if not chosen:
        message = (
            "Nothing is ticked. Tick Include (x) on the Sage50-only sheet for the rows "
            f"to bring into SMSTurbo, then {words.synchronize}."
        )
        port.alert(message)
        return Finished(message)
    session = use_cases.open_session(settings, prompt=port.ask_password)
    company = session.company()
    asked = use_cases.synchronize_question(company, chosen)
    counts = ", ".join(f"{n} {ENTITIES[key].plural.lower()}" for key, n in asked.counts.items())
    question = f"Bring {counts} from Sage 50 company '{asked.company}' into SMSTurbo?"
    hidden = ticked_rows(table) & port.hidden_rows(SAGE_ONLY)
    if hidden:
        question += (
            f"\n\n{len(hidden)} of the ticked rows are hidden by a filter; they are "
            "brought over too. Choose No to review them first."
        )
    if not port.confirm(question):
        return _stopped(port, LogAction.SYNCHRONIZE)
    keys = [str(row[table.column(KEY)]) for row in table.rows]
    typed = typed_ids(table)
    del table  # the sheet's cells are not needed while SMSTurbo is written
    port.release(TURBO_ONLY, written=False)
    port.release(SAGE_ONLY, written=True)
    total = sum(len(ids) for ids in chosen.values())
    with progress.step("synchronizing", total) as synchronized:
        result = use_cases.synchronize(session, chosen, progress=synchronized.advance, ids=typed)
    summary = result.summary()
    with _after_commit(
        result.run_id,
        summary,
        LogAction.SYNCHRONIZE,
        session.store.db.label,
        words,
        company,
        port.workbook_path(),
    ):
        # the Result column is read in Excel: the ribbon's words, whoever wrote it
        by_key = {
            make_key(r.entity, r.id): r.describe(BUTTON_WORDS.refresh) for r in result.results
        }
        with progress.step(f"writing {RESULT}", len(keys)) as written:
            port.write_column(SAGE_ONLY, RESULT, [by_key.get(key) for key in keys])
            written.advance(len(keys))
        logged = _log(port, LogAction.SYNCHRONIZE, company, summary, result.run_id)
        port.write_cell(
            SAGE_ONLY,
            SUMMARY_CELL,
            f"{summary}. {sentence(BUTTON_WORDS.refresh)} to see the new state.",
        )
        _save(port, progress)
    port.status("")
    port.alert(summary)
    return Finished(summary, result, logged)


@macro
def undo_last(port: WorkbookPort, words: Words) -> Finished:
    """Undo the last synchronization, after saying which one."""
    from smsync_xl.app import session as use_cases  # the database stack, when needed

    port.check_can_save()
    settings, _ = read_setup(port)
    _check_log_room(port)
    store = use_cases.open_session(settings, prompt=port.ask_password).store
    run = use_cases.last_synchronization(store)
    if not port.confirm(use_cases.undo_question(store, run)):
        return _stopped(port, LogAction.UNDO)
    result = use_cases.undo_last(store)
    with _after_commit(
        result.undo_run,
        result.summary(),
        LogAction.UNDO,
        store.db.label,
        words,
        run.company,
        port.workbook_path(),
    ):
        logged = _log(port, LogAction.UNDO, run.company, result.summary(), result.undo_run)
        port.finish()
    port.alert(f"{result.summary()}\n\n{sentence(words.refresh)} to see the new state.")
    return Finished(result.summary(), logged=logged, left_alone=len(result.left_alone))
