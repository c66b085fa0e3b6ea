"""``smsync-xl excel-check``: the whole workbook flow in real Excel, each effect checked.

On a computer with Excel (Windows or macOS) it installs a throw-away copy of the
workbook with the demo data, opens it in Excel through xlwings and runs the
real macros: Refresh, a filter on the Inactive column, Check All through the ribbon's
own VBA (RunPython, the button's path), Synchronize, Undo, the Materials and Customers
buttons' refresh (each list's columns shown, the others hidden), a filter that must
hide the table's last row, and each Excel function once.
The questions are answered by the check; everything else is what the bookkeeper gets.
The checks read back what Excel holds and what SMSTurbo holds, and the report is short
enough to paste into an e-mail.
"""

from __future__ import annotations

import platform
import sqlite3
import sys
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import xlwings

from smsync_xl import __version__, app
from smsync_xl.app import workbook_buttons as buttons
from smsync_xl.book.excel import ExcelBook
from smsync_xl.book.layout import (
    ACTION,
    CHANGES,
    HEADER_ROW,
    HELP,
    ID,
    INACTIVE,
    INACTIVE_MARK,
    INCLUDE,
    KEY,
    LOG,
    RESULT,
    SAGE_ONLY,
    STATUS,
    TABLE_COLUMNS,
    TABLE_NAMES,
)
from smsync_xl.book.setup_sheet import read_setup
from smsync_xl.connections.odbc_errors import python_bits
from smsync_xl.core.compare import Plan
from smsync_xl.core.fields import CUSTOMER, MATERIAL, TURBO_FIELDS, VENDOR, Entity
from smsync_xl.core.ids import id_problems
from smsync_xl.core.vocabulary import TICK, LogAction, Status, View, taken_by_default
from smsync_xl.demo.company import SMSTURBO_FILE
from smsync_xl.demo.data import CUSTOMERS, MATERIALS, VENDORS, DemoRecord
from smsync_xl.pc.first_open import Machine, report_lines

SCRATCH_CELL = "Z1"
ERROR_SHEET = "Error"
"""Where xlwings writes a Python error when SHOW_ERROR_POPUPS is False."""
WAIT_SECONDS = 90.0
"""How long Check All through RunPython may take (on a Mac it returns at once)."""
NO_POPUPS = b'"SHOW_ERROR_POPUPS","False"'


Filter = Callable[["xlwings.Book", str, int, str], None]
"""Filters a sheet's table: (xlwings book, sheet, 1-based column in the table, criteria)."""
Evaluate = Callable[["xlwings.Book", str], object]
"""What Excel shows for a formula typed into a scratch cell."""


@dataclass
class Check:
    name: str
    passed: bool
    detail: str = ""


@dataclass
class ExcelCheckReport:
    header: list[str]
    checks: list[Check] = field(default_factory=list)

    def check(self, name: str, passed: bool, detail: str = "") -> bool:
        self.checks.append(Check(name, passed, detail))
        return passed

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(c.passed for c in self.checks)

    def lines(self) -> list[str]:
        rows = [f"{'PASS' if c.passed else 'FAIL'}  {c.name}" for c in self.checks]
        rows += [f"      {c.detail}" for c in self.checks if not c.passed and c.detail]
        failed = sum(1 for c in self.checks if not c.passed)
        verdict = "All checks passed." if self.passed else f"{failed} check(s) failed."
        return [*self.header, "", *rows, "", verdict]


class ScriptedBook(ExcelBook):
    """The workbook in Excel, with the questions answered by the check instead of a
    person (a hidden Excel cannot show them); every message is kept for the report."""

    def __init__(self, book: xlwings.Book, answers: list[bool]) -> None:
        super().__init__(book)
        self.answers = answers
        self.questions: list[str] = []
        self.messages: list[str] = []

    def confirm(self, message: str) -> bool:
        self.questions.append(message)
        return self.answers.pop(0) if self.answers else False

    def alert(self, message: str) -> None:
        self.messages.append(message)


def _table(port: ExcelBook, sheet: str) -> list[dict[str, object]]:
    data = port.read_table(sheet)
    return [dict(zip(data.header, row, strict=True)) for row in data.rows]


def _dump(path: Path) -> dict[str, list[tuple[object, ...]]]:
    with closing(sqlite3.connect(path)) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {
            t: sorted(db.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr)
            for t in tables
            if not t.startswith("SMSync_")
        }


def _position(sheet: str, title: str) -> int:
    return [c.title for c in TABLE_COLUMNS[sheet]].index(title) + 1


def run_checks(
    book: xlwings.Book,
    folder: Path,
    report: ExcelCheckReport,
    *,
    apply_filter: Filter,
    evaluate: Evaluate | None,
    wait: float = WAIT_SECONDS,
) -> ExcelCheckReport:
    """Every step on ``book`` (an xlwings Book of the installed demo workbook in
    ``folder``); stops early only where a later step could not mean anything."""
    settings, entity = read_setup(ExcelBook(book))
    session = app.open_session(settings)
    (plan,) = app.plan(session, [entity])
    database = folder / SMSTURBO_FILE
    before = _dump(database)
    stored_ids = {r.id for r in session.store.read(entity)}

    port = ScriptedBook(book, [True, False])  # the right company; not "missing only"
    rows = _check_refresh(book, port, plan, report)
    if rows is None:
        return report
    hidden = _check_filter(book, port, rows, apply_filter, report)
    if hidden is None or not _check_all(book, port, hidden, wait, report):
        return report
    _check_synchronize(book, session, entity, stored_ids, report)
    _check_undo(book, database, before, report)

    _materials(book, session, report)
    _last_row_hides(book, apply_filter, report)

    _check_functions(book, evaluate, report)
    return report


def _check_refresh(
    book: xlwings.Book, port: ScriptedBook, plan: Plan, report: ExcelCheckReport
) -> list[dict[str, object]] | None:
    """Refresh, and what it wrote to Sage50-only; None when it did not run, for nothing
    after it could mean anything."""
    if not report.check(
        "Refresh runs", buttons.refresh(port) is not None, "; ".join(port.messages)
    ):
        return None
    status = book.app.status_bar
    report.check(
        "The status bar is handed back to Excel", status in (False, "", None), repr(status)
    )
    rows = _table(port, SAGE_ONLY)
    expected = {r.id for r in plan.sage_side(View.NOT_IN_SYNC)}
    shown = {str(r[ID]) for r in rows}
    report.check(
        f"Sage50-only lists the {len(expected)} records not in sync",
        shown == expected,
        f"missing {sorted(expected - shown)[:5]}, extra {sorted(shown - expected)[:5]}",
    )
    _check_text_read_back(rows, plan, report)
    return rows


def _check_text_read_back(
    rows: list[dict[str, object]], plan: Plan, report: ExcelCheckReport
) -> None:
    """IDs and names that Excel could take for something else (an apostrophe, a
    formula) read back as the text SMSync wrote."""
    marked = [str(r[ID]) for r in rows if str(r[ID]).startswith("'")]
    report.check("IDs hold no stray apostrophe", not marked, f"e.g. {marked[:3]}")
    names = {str(r[ID]): r[_label("name")] for r in rows}
    formula_like = {r.id: r.values.get("name") for r in plan.rows if r.id in names}
    wrong = [i for i, name in formula_like.items() if names[i] != name]
    report.check("Names (=…, +…, -…) read back as the text written", not wrong, str(wrong[:3]))


def _check_filter(
    book: xlwings.Book,
    port: ScriptedBook,
    rows: list[dict[str, object]],
    apply_filter: Filter,
    report: ExcelCheckReport,
) -> set[int] | None:
    """Excel's own filter on Inactive, and the rows SMSync then reads as hidden; None
    when Excel refused the filter, for Check All depends on it."""
    try:
        apply_filter(book, SAGE_ONLY, _position(SAGE_ONLY, INACTIVE), f"<>{INACTIVE_MARK}")
    except Exception as error:  # noqa: BLE001 - the report says what Excel answered
        report.check("A filter on Inactive hides the inactive rows", False, repr(error))
        return None
    hidden = port.hidden_rows(SAGE_ONLY)
    inactive = {i for i, r in enumerate(rows) if r[INACTIVE] == INACTIVE_MARK}
    report.check(
        "A filter on Inactive hides the inactive rows",
        hidden == inactive and bool(inactive),
        f"hidden {sorted(hidden)}, inactive {sorted(inactive)}",
    )
    return hidden


def _check_all(
    book: xlwings.Book, port: ScriptedBook, hidden: set[int], wait: float, report: ExcelCheckReport
) -> bool:
    """Check All through the ribbon's VBA (the button's path); False when RunPython
    could not start SMSync's Python, for then nothing is ticked to synchronize."""
    book.macro("SMSyncCheckAll")()  # the ribbon's VBA: RunPython starts our Python
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline and not any(r[INCLUDE] for r in _table(port, SAGE_ONLY)):
        time.sleep(1)
    failure = python_error(book)
    if failure:
        report.check("RunPython started SMSync's Python from xlwings.conf", False, failure)
        return False
    rows = _table(port, SAGE_ONLY)
    wanted = _ticked_by_default(rows, hidden)
    ticked = {i for i, r in enumerate(rows) if r[INCLUDE] == TICK}
    report.check(
        "Check All (through RunPython) ticks only the visible rows it should",
        ticked == wanted and bool(wanted),
        f"ticked {len(ticked)}, expected {len(wanted)}",
    )
    return True


def _ticked_by_default(rows: list[dict[str, object]], hidden: set[int]) -> set[int]:
    """The rows Check All should tick: visible, and taken by default for their status."""
    statuses = {s.value: s for s in Status}
    return {
        i
        for i, r in enumerate(rows)
        if i not in hidden
        and str(r[STATUS]) in statuses
        and taken_by_default(
            statuses[str(r[STATUS])], r[INACTIVE] == INACTIVE_MARK, bool(r[CHANGES])
        )
    }


def _check_synchronize(
    book: xlwings.Book,
    session: app.Session,
    entity: Entity,
    stored_ids: set[str],
    report: ExcelCheckReport,
) -> None:
    """Synchronize, its Result column, and the new records it made in SMSTurbo."""
    port = ScriptedBook(book, [True])
    finished = buttons.synchronize(port)
    synchronized = finished.synchronized if finished else None
    report.check(
        "Synchronize writes SMSTurbo",
        synchronized is not None and synchronized.run_id is not None,
        "; ".join(port.messages),
    )
    rows = _table(port, SAGE_ONLY)
    ticked_keys = {str(r[KEY]) for r in rows if r[INCLUDE] == TICK}
    with_result = {str(r[KEY]) for r in rows if r[RESULT]}
    report.check("Result filled on exactly the ticked rows", ticked_keys == with_result)
    new = {str(r[ID]) for r in rows if r[INCLUDE] == TICK and r[STATUS] == Status.NEW.value}
    created = {r.id for r in session.store.read(entity)} - stored_ids
    report.check(
        "SMSTurbo holds exactly the ticked NEW records as new ones",
        created == new and bool(new),
        f"created {sorted(created)[:5]}, ticked NEW {sorted(new)[:5]}",
    )


def _check_undo(
    book: xlwings.Book,
    database: Path,
    before: dict[str, list[tuple[object, ...]]],
    report: ExcelCheckReport,
) -> None:
    """Undo puts SMSTurbo back as it was, and the Log keeps every step."""
    port = ScriptedBook(book, [True])
    report.check("Undo runs", buttons.undo_last(port) is not None, "; ".join(port.messages))
    report.check("Undo puts SMSTurbo back exactly", _dump(database) == before)
    actions = {str(r[ACTION]) for r in _table(port, LOG)}
    report.check(
        "The Log has Refresh, Synchronize and Undo",
        set(LogAction) <= actions,
        str(sorted(actions)),
    )


def _label(field_name: str) -> str:
    """A field's column title, as the workbook and the Excel functions name it."""
    return TURBO_FIELDS[field_name].label


def _demo_values(records: list[DemoRecord], *, turbo: bool = False) -> dict[str, str | None]:
    """The first demo record of a list that SMSTurbo also holds: Sage 50's values, or
    (``turbo``) SMSTurbo's."""
    record = next(r for r in records if r.turbo is not None)
    values = record.turbo if turbo and record.turbo is not None else record.values
    return dict(values)


def _function_checks() -> list[tuple[str, object]]:
    """Each Excel function once, with what the demo holds for it (demo.data)."""
    customer = _demo_values(CUSTOMERS, turbo=True)
    vendor = _demo_values(VENDORS)
    material = _demo_values(MATERIALS)
    price = material["price"]
    return [
        ('=SMSYNC_ID_PROBLEM("ACME CO")', "; ".join(id_problems("ACME CO"))),
        (f'=SMSYNC_ID_PROBLEM("{customer["id"]}")', None),
        (f'=SMSYNC_SMSTURBO("{customer["id"]}", "{_label("name")}")', customer["name"]),
        (
            f'=SMSYNC_SAGE50("{vendor["id"]}", "{_label("city")}", "{VENDOR.plural}")',
            vendor["city"],
        ),
        # a price is a number in its cell
        (
            f'=SMSYNC_SAGE50("{material["id"]}", "{_label("price")}", "{MATERIAL.plural}")',
            float(price) if price is not None else None,
        ),
    ]


def _check_functions(
    book: xlwings.Book, evaluate: Evaluate | None, report: ExcelCheckReport
) -> None:
    """Each Excel function once, where xlwings has them (Windows only)."""
    if evaluate is None:
        report.check("Excel functions (Windows only in xlwings): skipped on this system", True)
        return
    for formula, expected_value in _function_checks():
        value = evaluate(book, formula)
        shows_error = isinstance(value, str) and value.startswith("#")
        report.check(
            f"{formula} shows {expected_value!r}",
            not shows_error
            and (value == expected_value or (expected_value is None and value in ("", None))),
            f"Excel shows {value!r}",
        )


def _hidden_columns(book: xlwings.Book, sheet: str) -> set[str]:
    """The titles of the table columns Excel shows at width 0 (hidden)."""
    worksheet = book.sheets[sheet]
    return {
        c.title
        for n, c in enumerate(TABLE_COLUMNS[sheet], start=1)
        if worksheet.range((HEADER_ROW, n)).column_width == 0
    }


def _materials(book: xlwings.Book, session: app.Session, report: ExcelCheckReport) -> None:
    """The Materials button's Python: both sheets show the materials, with the columns
    of customers hidden; the Customers button brings them back."""
    port = ScriptedBook(book, [True, False])
    shown = buttons.show_entity(MATERIAL.key, port)
    if not report.check(
        "The Materials button's refresh runs", shown is not None, str(port.messages)
    ):
        return
    (plan,) = app.plan(session, [MATERIAL])
    expected = {r.id for r in plan.sage_side(View.NOT_IN_SYNC)}
    listed = {str(r[ID]) for r in _table(port, SAGE_ONLY)}
    report.check(f"Sage50-only lists the {len(expected)} materials not in sync", listed == expected)
    hidden = _hidden_columns(book, SAGE_ONLY)
    report.check(
        "For materials the customer columns are hidden and the material columns shown",
        {_label("name"), _label("address1"), _label("credit_limit")} <= hidden
        and not {_label("description"), _label("unit"), _label("price")} & hidden,
        f"hidden: {sorted(hidden)}",
    )
    back = buttons.show_entity(CUSTOMER.key, ScriptedBook(book, [True, False]))
    hidden = _hidden_columns(book, SAGE_ONLY)
    report.check(
        "The Customers button shows the customer columns again",
        back is not None and _label("name") not in hidden and _label("unit") in hidden,
        f"hidden: {sorted(hidden)}",
    )


LAST_ROW_HIDES = "A filter hiding the table's last row hides it, and SMSync sees it hidden"


def _criterion_text(value: str) -> str:
    """``value`` as an AutoFilter criterion matches it literally (~ escapes * ? ~)."""
    return "".join("~" + c if c in "*?~" else c for c in value)


def _last_row_hides(book: xlwings.Book, apply_filter: Filter, report: ExcelCheckReport) -> None:
    """Excel may take a last row holding a SUBTOTAL for a total row and leave it out of
    the filter: a filter that must hide the last row checks that the Visible column
    (AGGREGATE) does not make it one, and that SMSync reads the row as hidden."""
    port = ScriptedBook(book, [])
    table = port.read_table(SAGE_ONLY)
    if not table.rows:
        report.check(LAST_ROW_HIDES, False, "the Sage50-only list is empty")
        return
    last = len(table.rows) - 1
    column = table.column(KEY)
    key = str(table.rows[last][column])
    expected = {i for i, r in enumerate(table.rows) if str(r[column]).lower() == key.lower()}
    try:
        apply_filter(book, SAGE_ONLY, _position(SAGE_ONLY, KEY), f"<>{_criterion_text(key)}")
    except Exception as error:  # noqa: BLE001 - the report says what Excel answered
        report.check(LAST_ROW_HIDES, False, repr(error))
        return
    row = book.sheets[SAGE_ONLY].range((table.sheet_row(last), 1)).rows.hidden
    hidden = port.hidden_rows(SAGE_ONLY)
    report.check(
        LAST_ROW_HIDES,
        row is True and hidden == expected,
        f"Excel hides sheet row {table.sheet_row(last)}: {row}; SMSync sees hidden "
        f"{sorted(hidden)}, expected {sorted(expected)} (the rows keyed {key})",
    )


def python_error(book: xlwings.Book) -> str:
    """What RunPython left on xlwings' Error sheet (the check's xlwings.conf sends errors
    there instead of a message box nobody could close in a hidden run), or ""."""
    try:
        sheet = book.sheets[ERROR_SHEET]
        sheet.name  # noqa: B018 - on a Mac the lookup is lazy: this asks Excel
    except Exception:  # noqa: BLE001 - no such sheet: no error was left
        return ""
    text = sheet.range("A1:A40").value
    return " ".join(str(line) for line in text if line)[:600]


def filter_on_windows(book: xlwings.Book, sheet: str, column: int, criteria: str) -> None:
    """Excel's own AutoFilter on the table (COM: ListObject.Range.AutoFilter)."""
    table = book.sheets[sheet].tables[TABLE_NAMES[sheet]]
    table.api.Range.AutoFilter(Field=column, Criteria1=criteria)


def filter_on_mac(book: xlwings.Book, sheet: str, column: int, criteria: str) -> None:
    """Excel's own AutoFilter through AppleScript (appscript: list object → range)."""
    table = book.sheets[sheet].tables[TABLE_NAMES[sheet]]
    table.api.range_object.autofilter_range(field=column, criteria1=criteria)


def evaluate_in_excel(book: xlwings.Book, formula: str) -> object:
    """Type ``formula`` into a scratch cell of the Help sheet, read what Excel shows, and
    empty the cell again."""
    cell = book.sheets[HELP].range(SCRATCH_CELL)
    try:
        cell.formula = formula
        book.app.calculate()
        return cell.options(err_to_str=True).value  # #NAME? must not read as empty
    finally:
        cell.clear_contents()


MAC_LIMITS = (
    "Not driven on macOS (check by hand, docs/EXCEL_CHECKLIST.md):",
    "- Excel's sandbox 'Grant File Access' prompt (xlwings issue #1966): the first time",
    "  Excel opens or SMSync writes beside a workbook in a new folder, macOS asks; a script",
    "  cannot press it, and a run waiting behind it looks hung. Press a button by hand once.",
    "- Nested AppleScript: Check All is started through the ribbon's VBA, whose RunPython",
    "  calls xlwings' AppleScript (AppleScriptTask) while this check's own AppleScript waits",
    "  on Excel; a failure there may be the check's, not the bookkeeper's: press the button.",
    "- Excel functions (=SMSYNC_...): xlwings has none on macOS.",
)
"""What a script cannot show on a Mac (xlwings drives Excel there through AppleScript)."""


def header(excel_version: str, workbook: Path, system: str = sys.platform) -> list[str]:
    bits = python_bits()
    lines = [
        f"SMSync excel-check, {time.strftime('%Y-%m-%d %H:%M')}",
        f"SMSync {__version__}, Python {platform.python_version()} {bits}-bit, "
        f"{platform.platform()}",
        f"Excel {excel_version}; workbook {workbook}",
    ]
    return lines + list(MAC_LIMITS) if system == "darwin" else lines


def excel_check(folder: Path) -> ExcelCheckReport | None:
    """Install into ``folder``, open in Excel (visible), run every check; None when this
    computer has no Excel that xlwings can drive."""
    if sys.platform not in ("win32", "darwin"):
        return None
    import xlwings

    from smsync_xl.pc.install import CONF_NAME, applescript_path, install

    try:
        # visible: a message box in a hidden Excel would wait for ever
        excel = xlwings.App(visible=True, add_book=False)
    except Exception:  # noqa: BLE001 - no Excel, or it could not be started
        return None
    try:
        installed = install(folder, with_demo=True, force=True).workbook
        conf = folder / CONF_NAME
        conf.write_bytes(conf.read_bytes().replace(b'"SHOW_ERROR_POPUPS","True"', NO_POPUPS))
        # a name of its own: on a Mac the child Python finds the book by name, and the
        # bookkeeper's own SMSync.xlsm may be open too
        workbook = installed.with_name(f"SMSync-check-{time.strftime('%Y%m%d%H%M%S')}.xlsm")
        installed.rename(workbook)
        if sys.platform == "darwin" and not applescript_path(Path.home()).exists():
            return ExcelCheckReport(
                header(str(excel.version), workbook),
                [Check("xlwings' AppleScript is where Excel runs it", False, "install failed")],
            )
        book = excel.books.open(str(workbook))
        report = ExcelCheckReport(
            header(str(excel.version), workbook) + report_lines(workbook, Machine.this())
        )
        windows = sys.platform == "win32"
        return run_checks(
            book,
            folder,
            report,
            apply_filter=filter_on_windows if windows else filter_on_mac,
            evaluate=evaluate_in_excel if windows else None,
        )
    finally:
        excel.quit()
