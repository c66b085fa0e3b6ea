"""What the ribbon buttons do. Each function takes an optional workbook port; from
Excel (RunPython) it is the calling workbook through xlwings, headless and in tests
an .xlsm file through openpyxl. The logic is the same for both.
"""

from __future__ import annotations

import functools
import getpass
import traceback
from collections.abc import Callable

from smsync_xl.book.layout import (
    HELP,
    INCLUDE,
    KEY,
    LOG,
    RESULT,
    SAGE_ONLY,
    SETUP,
    SUMMARY_CELL,
    TURBO_ONLY,
)
from smsync_xl.book.setup_sheet import read_setup, write_entity
from smsync_xl.book.sheets import (
    chosen_rows,
    include_column,
    make_key,
    refuse_turbo_ticks,
    table_rows,
)
from smsync_xl.core.compare import MISSING_ONLY, NOT_IN_SYNC
from smsync_xl.core.errors import SmsyncError
from smsync_xl.core.fields import ENTITIES
from smsync_xl.core.ports import WorkbookPort
from smsync_xl.core.settings import ASK
from smsync_xl.report import VIEW_LABELS, counts_line
from smsync_xl.sides import open_source, open_store
from smsync_xl.sync.apply import apply, make_plan, now_text
from smsync_xl.sync.undo import last_undoable_run
from smsync_xl.sync.undo import undo_last as undo_store

Macro = Callable[[WorkbookPort], None]


def _caller() -> WorkbookPort:
    from smsync_xl.book.excel import ExcelBook

    return ExcelBook.caller()


def _log(
    port: WorkbookPort, action: str, company: str, records: str, results: list[tuple[str, str, str]]
) -> None:
    """One Log row for the action, then one per record it touched."""
    stamp, user = now_text(), getpass.getuser()
    rows = [[stamp, user, company, action, records, None, None, None]]
    rows += [
        [stamp, user, company, action, None, record_id, outcome, detail]
        for record_id, outcome, detail in results
    ]
    port.append_rows(LOG, rows)


def _report(port: WorkbookPort, action: str, message: str, detail: str) -> None:
    port.status("")
    port.alert(message)
    _log(port, action, "", "error", [("", "error", detail)])
    port.finish()


def macro(action: Macro) -> Callable[[WorkbookPort | None], bool]:
    """Run ``action`` on the given port (default: the calling Excel workbook); a problem
    the user can fix becomes a message box and a Log row, never a traceback. Returns
    False after such a problem (the CLI's exit code)."""

    @functools.wraps(action)
    def run(book: WorkbookPort | None = None) -> bool:
        port = book if book is not None else _caller()
        try:
            action(port)
        except SmsyncError as error:
            _report(port, action.__name__, str(error), str(error))
            return False
        except Exception as error:  # noqa: BLE001 - the bookkeeper gets a message, not a crash
            message = (
                f"SMSync stopped on an unexpected error: {type(error).__name__}: "
                f"{error}\nSMSTurbo was not changed by the step that failed. The "
                "details are on the Log sheet; please send them to your SMSync support."
            )
            _report(port, action.__name__, message, traceback.format_exc())
            return False
        return True

    return run


def _fill(port: WorkbookPort) -> None:
    settings, entity = read_setup(port)
    port.status("SMSync: connecting to Sage 50 and SMSTurbo …")
    source = open_source(settings, prompt=port.ask_password)
    store = open_store(settings, prompt=port.ask_password)
    company = source.company_name()
    if not port.confirm(
        f"Is this the correct Sage 50 company?\n\n{company}\n\n"
        "Choose No to stop and check the Setup sheet."
    ):
        port.status("SMSync: Refresh stopped; nothing was changed.")
        return
    view = settings.view
    if view == ASK:
        noun = entity.plural.lower()
        missing_only = port.confirm(
            f"Do you want to see missing {noun} only?\n\n"
            f"Yes: {noun} in one system and not the other.\n"
            f"No: every {noun[:-1]} without an exact match (missing or different)."
        )
        view = MISSING_ONLY if missing_only else NOT_IN_SYNC
    port.status("SMSync: reading both systems and comparing …")
    plan = make_plan(entity, source, store, settings)
    for sheet, rows in table_rows(plan, view).items():
        port.write_table(sheet, rows)
    summary = (
        f"{counts_line(plan)}. View: {VIEW_LABELS[view]}. Sage 50 company: {company}. "
        f"Refreshed {now_text()}."
    )
    port.write_cell(SAGE_ONLY, SUMMARY_CELL, summary)
    port.write_cell(TURBO_ONLY, SUMMARY_CELL, summary)
    _log(port, "Refresh", company, counts_line(plan), [])
    port.activate(SAGE_ONLY)
    port.status("")
    port.finish()


@macro
def refresh(port: WorkbookPort) -> None:
    """Read both systems and fill the SMSTurbo-only and Sage50-only tables."""
    _fill(port)


@macro
def switch_entity(port: WorkbookPort) -> None:
    """Customers ⇄ Vendors, then Refresh."""
    _, entity = read_setup(port)
    other = next(e for e in ENTITIES.values() if e is not entity)
    write_entity(port, other)
    _fill(port)


def _tick(port: WorkbookPort, tick: bool) -> None:
    table = port.read_table(SAGE_ONLY)
    port.write_column(SAGE_ONLY, INCLUDE, include_column(table, tick, port.hidden_rows(SAGE_ONLY)))
    port.finish()


@macro
def check_all(port: WorkbookPort) -> None:
    """Tick every visible NEW or DIFFERENT row (filter first to tick a subset)."""
    _tick(port, True)


@macro
def uncheck_all(port: WorkbookPort) -> None:
    _tick(port, False)


@macro
def synchronize(port: WorkbookPort) -> None:
    """Bring the ticked rows into SMSTurbo and write a Result for each."""
    settings, _ = read_setup(port)
    refuse_turbo_ticks(port.read_table(TURBO_ONLY))
    table = port.read_table(SAGE_ONLY)
    chosen = chosen_rows(table)
    if not chosen:
        port.alert(
            "Nothing is ticked. Tick Include (x) on the Sage50-only sheet for the rows "
            "to bring into SMSTurbo, then press Synchronize."
        )
        return
    source = open_source(settings, prompt=port.ask_password)
    store = open_store(settings, prompt=port.ask_password)
    company = source.company_name()
    counts = ", ".join(f"{len(ids)} {ENTITIES[key].plural.lower()}" for key, ids in chosen.items())
    if not port.confirm(f"Bring {counts} from Sage 50 company '{company}' into SMSTurbo?"):
        port.status("SMSync: Synchronize stopped; nothing was changed.")
        return
    port.status("SMSync: synchronizing …")
    result = apply(
        source,
        store,
        settings,
        chosen,
        user=getpass.getuser(),
    )
    by_key = {make_key(r.entity, r.id): r.describe() for r in result.results}
    key = table.column(KEY)
    port.write_column(SAGE_ONLY, RESULT, [by_key.get(str(row[key])) for row in table.rows])
    summary = result.summary()
    _log(
        port, "Synchronize", company, summary, [(r.id, r.outcome, r.detail) for r in result.results]
    )
    port.write_cell(SAGE_ONLY, SUMMARY_CELL, f"{summary}. Press Refresh to see the new state.")
    port.status("")
    port.alert(summary)
    port.finish()


@macro
def undo_last(port: WorkbookPort) -> None:
    """Undo the last synchronization, after saying which one."""
    settings, _ = read_setup(port)
    store = open_store(settings, prompt=port.ask_password)
    run = last_undoable_run(store)
    if not port.confirm(
        f"Undo synchronization {run.run_id} of {run.started_at} by {run.user}?\n\n{run.summary}"
    ):
        return
    result = undo_store(store, user=getpass.getuser())
    _log(
        port,
        "Undo",
        run.company,
        result.summary(),
        [(c.record_id, c.action, "") for c in result.restored]
        + [
            (c.record_id, "left alone", "changed after that synchronization")
            for c in result.left_alone
        ],
    )
    port.alert(result.summary() + "\n\nPress Refresh to see the new state.")
    port.finish()


@macro
def show_setup(port: WorkbookPort) -> None:
    port.activate(SETUP)


@macro
def show_help(port: WorkbookPort) -> None:
    port.activate(HELP)
