"""``smsync-xl doctor``: what this computer's ODBC can reach, and each problem's fix.

Checks, in the order a support call would: this Python and its bitness, the ODBC
drivers (is each library there, and built for this bitness?), the DSNs, then a real
connection to each side of the settings with the Sage 50 company name.
"""

from __future__ import annotations

import configparser
import glob
import ntpath
import os
import platform
import re
import sys
from collections.abc import Callable, Sized
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from smsync_xl import app
from smsync_xl.connections.odbc import load_pyodbc
from smsync_xl.connections.odbc_errors import SAGE50, python_bits
from smsync_xl.connections.passwords import Prompt
from smsync_xl.core.errors import SmsyncError
from smsync_xl.core.fields import ENTITIES, TURBO_FIELDS, Entity
from smsync_xl.core.ports import Source
from smsync_xl.core.settings import Settings
from smsync_xl.core.vocabulary import BUTTON_WORDS, Words
from smsync_xl.files.settings_file import load_settings
from smsync_xl.pc.first_open import Machine, check_python, check_workbook
from smsync_xl.pc.office import binary_bits
from smsync_xl.smsturbo.store import SMSTurboStore

_LIBRARY_DIRS = ("/usr/lib/*/odbc", "/usr/lib/*", "/usr/lib64", "/usr/lib", "/usr/local/lib")


@dataclass
class Diagnosis:
    """What doctor found: a line per check, and each problem with its fix."""

    lines: list[str] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)
    unused_broken: list[str] = field(default_factory=list)
    """Drivers marked PROBLEM that the settings do not use: not a problem of this
    setup, but the summary must not contradict their lines."""
    words: Words = BUTTON_WORDS
    """How the face showing the report names the next step of an error's advice."""

    def problem(self, what: str, fix: str) -> None:
        self.problems.append((what, fix))


def library_bits(path: Path) -> int | None:
    """32 or 64 from an ELF (.so) or PE (.dll) header; None when it is neither."""
    with path.open("rb") as library:
        return binary_bits(library.read(4096))


def _resolve(library: str) -> Path | None:
    if os.path.isabs(library):
        return Path(library) if os.path.exists(library) else None
    for pattern in _LIBRARY_DIRS:
        for folder in sorted(glob.glob(pattern)):
            if os.path.exists(os.path.join(folder, library)):
                return Path(folder, library)
    return None


def driver_libraries() -> dict[str, str]:
    """Driver name → library path, from unixODBC's odbcinst.ini (Windows: registry)."""
    if sys.platform == "win32":
        return _windows_drivers()
    folder = os.environ.get("ODBCSYSINI", "/etc")
    ini = configparser.ConfigParser(interpolation=None, strict=False)
    # keeps names' letter case, configparser's documented way; typeshed types it a method
    ini.optionxform = str  # type: ignore[assignment, method-assign]
    ini.read(Path(folder, os.environ.get("ODBCINSTINI", "odbcinst.ini")))
    return {
        name: ini[name].get("Driver64") or ini[name].get("Driver") or ""
        for name in ini.sections()
        if name != "ODBC"
    }


def _windows_drivers() -> dict[str, str]:
    """Both registry views, so a 32-bit-only driver (Pervasive's) shows up from 64-bit
    Python with its bitness instead of being silently absent."""
    if sys.platform != "win32":
        return {}
    import winreg

    found: dict[str, str] = {}
    for view in (winreg.KEY_WOW64_64KEY, winreg.KEY_WOW64_32KEY):
        try:
            root = winreg.OpenKey(
                winreg.HKEY_LOCAL_MACHINE,
                r"SOFTWARE\ODBC\ODBCINST.INI",
                0,
                winreg.KEY_READ | view,
            )
        except OSError:
            continue
        with root:
            index = 0
            while True:
                try:
                    name = winreg.EnumKey(root, index)
                except OSError:
                    break
                index += 1
                try:
                    with winreg.OpenKey(root, name) as key:
                        library = winreg.QueryValueEx(key, "Driver")[0]
                except OSError:
                    continue
                found.setdefault(name, windows_library(library, view == winreg.KEY_WOW64_32KEY))
    return found


def windows_library(registered: str, in_32_bit_view: bool) -> str:
    """Where a registered driver DLL really is: %SystemRoot% expanded, and a 32-bit
    driver's 'system32' is SysWOW64 as seen from a 64-bit Python."""
    path = ntpath.expandvars(registered)
    if in_32_bit_view:
        path = re.sub(r"(?i)\\system32\\", r"\\SysWOW64\\", path)
    return path


def _used_drivers(settings: Settings | None, dsns: dict[str, str]) -> set[str] | None:
    """The drivers the settings use (None: no settings, so every driver counts)."""
    if settings is None:
        return None
    used = set()
    for conn in (settings.sage50, settings.smsturbo):
        if conn.kind == "odbc":
            used.add(dsns.get(conn.dsn, "") if conn.dsn else conn.driver.strip("{} "))
    return used


def _drivers(report: Diagnosis, pyodbc: ModuleType, used: set[str] | None) -> None:
    """Every driver is listed; only those the settings use can be a problem."""
    bits = python_bits()
    usable = set(pyodbc.drivers())
    libraries = driver_libraries()
    report.lines.append("ODBC drivers:")
    for name in sorted(set(libraries) | usable):
        _driver(report, name, libraries.get(name, ""), bits, used is None or name in used)
    if not libraries and not usable:
        report.lines.append("  (none)")
        if used is None or used:
            report.problem("no ODBC driver is installed", "Install the database's ODBC driver.")


def _driver(report: Diagnosis, name: str, library: str, bits: int, used: bool) -> None:
    """One driver's line; a missing library or the wrong bitness is a problem only when
    the settings use the driver (``used``)."""
    path = _resolve(library) if library else None
    if library and path is None:
        report.lines.append(f"  PROBLEM  {name}: library {library} not found")
        if not used:
            report.unused_broken.append(name)
        else:
            report.problem(
                f"driver '{name}': its library {library} does not exist",
                "Reinstall the driver, or correct its entry in the ODBC driver list.",
            )
        return
    driver_bits = library_bits(path) if path else None
    shown = f"{path}, {driver_bits}-bit" if driver_bits else str(path or "library unknown")
    if driver_bits and driver_bits != bits:
        report.lines.append(f"  PROBLEM  {name}: {shown}")
        if not used:
            report.unused_broken.append(name)
        else:
            report.problem(
                f"driver '{name}' is {driver_bits}-bit and this Python is {bits}-bit",
                f"Use a {driver_bits}-bit Python for this driver (Sage 50's 'Pervasive "
                "ODBC Client Interface' is 32-bit), or install the driver's "
                f"{bits}-bit version.",
            )
        return
    report.lines.append(f"  ok       {name}: {shown}")


def _connections(report: Diagnosis, settings: Settings, prompt: Prompt | None) -> None:
    """Connect to each side and read the lists a run reads (``app.lists_to_read``);
    each list on its own line, so one missing export or table does not hide that the
    others work, and each list left out noted under the side that lacks it."""
    sage: tuple[Source, str] | SmsyncError
    try:
        source = app.open_source(settings, prompt=prompt)
        sage = (source, source.company_name())
    except SmsyncError as error:
        sage = error
    store: SMSTurboStore | SmsyncError
    try:
        store = app.open_store(settings, prompt=prompt)
    except SmsyncError as error:
        store = error
    lists = app.lists_to_read(
        None if isinstance(sage, SmsyncError) else sage[0],
        None if isinstance(store, SmsyncError) else store,
    )
    if isinstance(sage, SmsyncError):
        report.lines.append(f"Sage 50 ({settings.sage50.kind}): PROBLEM")
        report.problem(f"Sage 50: {_what(sage)}", sage.advice_in(report.words))
    else:
        source, company = sage
        report.lines.append(f'Sage 50 ({settings.sage50.kind}): ok, company "{company}"')
        words = settings.edition.words
        report.lines.append(
            f"  edition  {words.edition_name}: {words.customer_key}s, {words.vendor}s, "
            f"{words.item}s; its {words.region} → {TURBO_FIELDS['state'].label}, "
            f"{words.postal_code} → {TURBO_FIELDS['zip'].label}, "
            f"{words.ledger_account} → {TURBO_FIELDS['sales_gl'].label}"
        )
        _side(
            report,
            lists,
            app.SkippedBy.SAGE50,
            "Sage 50",
            source.read,
            lambda _: None,
            lambda entity: f"{words.record(entity.key)}s",
        )
    if isinstance(store, SmsyncError):
        report.lines.append(f"SMSTurbo ({settings.smsturbo.kind}): PROBLEM")
        report.problem(f"SMSTurbo: {_what(store)}", store.advice_in(report.words))
        return
    opened = store
    report.lines.append(f"SMSTurbo ({settings.smsturbo.kind}): ok")

    def table_checks(entity: Entity) -> None:
        _template(report, opened, settings, entity)
        _unique_id(report, opened, entity)

    _side(report, lists, app.SkippedBy.SMSTURBO, "SMSTurbo", opened.read, table_checks)


def _side(
    report: Diagnosis,
    lists: app.ListsToRead,
    side: app.SkippedBy,
    name: str,
    read: Callable[[Entity], Sized],
    read_well: Callable[[Entity], None],
    records_of: Callable[[Entity], str] = lambda entity: entity.key,
) -> None:
    """One side's lines: each list a run reads, read (then ``read_well`` when that
    worked); each list this side (or, under SMSTurbo, the mapping) leaves out, noted.
    ``records_of``: what the side calls a list's records (Sage 50 UK's suppliers)."""
    for entity in ENTITIES.values():
        skipped = lists.skip_of(entity)
        if skipped is None:
            if _read(report, name, entity, read, records_of(entity)):
                read_well(entity)
        elif skipped.by is app.SkippedBy.MAPPING and side is app.SkippedBy.SMSTURBO:
            report.lines.append(
                f"  note     {entity.key}: not in the mapping file, so not synchronized"
            )
        elif skipped.by is side:
            report.lines.append(f"  note     {entity.key}: {skipped.why}; skipped")


def _read(
    report: Diagnosis,
    side: str,
    entity: Entity,
    read: Callable[[Entity], Sized],
    records: str,
) -> bool:
    try:
        report.lines.append(f"  ok       {len(read(entity))} {records}")
    except SmsyncError as error:
        report.lines.append(f"  PROBLEM  {records}")
        report.problem(f"{side} {records}: {_what(error)}", error.advice_in(report.words))
        return False
    return True


def _template(report: Diagnosis, store: SMSTurboStore, settings: Settings, entity: Entity) -> None:
    """The record new records start from, where the entity's own table holds it."""
    if entity.template_entity != entity.key:
        return
    template_id = settings.template_id(entity)
    label = f"template {entity.label.lower()} {template_id}"
    if store.fetch(entity, store.stored_id(entity, template_id)) is not None:
        report.lines.append(f"  ok       {label}")
    elif entity.template_required:
        report.lines.append(f"  PROBLEM  no {label}")
        report.problem(
            f"SMSTurbo has no {label}: no new {entity.plural.lower()} can be created",
            f"Create {entity.label.lower()} {template_id} in SMSTurbo with the values new "
            "records should start from, or name another in Setup (Import Defaults).",
        )
    else:
        report.lines.append(
            f"  note     no {label}: new {entity.plural.lower()} take Sage 50's values and "
            "Setup's Import Defaults only"
        )


def _unique_id(report: Diagnosis, store: SMSTurboStore, entity: Entity) -> None:
    """SMSync locks what it writes, but a table without a unique ID lets SMSTurbo's own
    screens, or any other program, store one ID twice."""
    table = store.table(entity)
    column = table.columns["id"]
    if store.id_is_unique(entity):
        unsure = (
            ""
            if store.db.knows_partial_indexes
            else " (if its unique index has no WHERE filter: this server's catalogue does not say)"
        )
        report.lines.append(f"  ok       {table.table}.{column} is unique{unsure}")
        return
    report.lines.append(f"  PROBLEM  {table.table}.{column} has no unique index")
    report.problem(
        f"SMSTurbo's table {table.table} has no primary key or unique index on {column}: "
        f"nothing in SMSTurbo stops two {entity.plural.lower()} with the same ID (SMSync "
        "itself never creates one twice: it keeps the table from other writers while it "
        "writes)",
        f"Ask the SMSTurbo administrator to add one: CREATE UNIQUE INDEX "
        f'"{table.table}_{column}" ON "{table.table}" ("{column}"). Remove any ID stored '
        "twice first (Refresh shows duplicate IDs as INVALID).",
    )


def _what(error: SmsyncError) -> str:
    return f"{error.where}: {error.message}" if error.where else error.message


def _first_open(report: Diagnosis, book: Path | None, machine: Machine) -> None:
    """Excel's side: xlwings, pywin32 or the AppleScript, and with a workbook the chain
    from its xlwings.conf to a working button (first_open)."""
    report.lines.append("Excel and xlwings:" + (f" {book}" if book else ""))
    found = check_python(machine)
    if book is not None:
        more = check_workbook(book, machine)
        found.lines += more.lines
        found.problems += more.problems
    elif machine.platform in ("win32", "darwin"):
        found.note("give --book to check the workbook, its xlwings.conf and its folder")
    report.lines += found.lines or ["  (nothing to check on this system without --book)"]
    report.problems += found.problems


def doctor_settings(
    settings_path: Path, book_setup: Callable[[], Settings] | None
) -> tuple[Settings | None, SmsyncError | None]:
    """The settings the doctor checks: the workbook's Setup sheet when a workbook is
    given (``book_setup`` reads it), else the settings file if there is one, else none.
    A problem reading them is kept, to be reported beside the checks that still help."""
    try:
        if book_setup is not None:
            return book_setup(), None
        if settings_path.exists():
            return load_settings(settings_path), None
    except SmsyncError as error:
        return None, error
    return None, None


def diagnose(
    settings: Settings | None,
    prompt: Prompt | None = None,
    settings_problem: SmsyncError | None = None,
    book: Path | None = None,
    machine: Machine | None = None,
    words: Words = BUTTON_WORDS,
) -> Diagnosis:
    """Everything doctor prints; without settings the connection tests are skipped, and
    a settings problem is reported beside the drivers and DSNs, which still help."""
    report = Diagnosis(words=words)
    if settings_problem is not None:
        report.problem(
            f"settings: {_what(settings_problem)}", settings_problem.advice_in(report.words)
        )
    report.lines.append(
        f"Python {platform.python_version()}, {python_bits()}-bit: {sys.executable}"
    )
    _first_open(report, book, machine or Machine.this())
    try:
        pyodbc = load_pyodbc(SAGE50)
    except SmsyncError as error:
        report.problem(error.message, error.advice_in(report.words))
    else:
        report.lines.append(f"pyodbc {pyodbc.version}")
        dsns = pyodbc.dataSources()
        _drivers(report, pyodbc, _used_drivers(settings, dsns))
        report.lines.append("ODBC data sources (DSN → driver):")
        report.lines += [f"  {name} → {driver}" for name, driver in sorted(dsns.items())]
        if not dsns:
            report.lines.append("  (none)")
    if settings is None:
        report.lines.append("No usable settings: connection tests skipped.")
    else:
        _connections(report, settings, prompt)
    return report
