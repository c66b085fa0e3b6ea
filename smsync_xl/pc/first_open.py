"""The chain from ``install`` to the first button that works, checked link by link.

Each link is a way xlwings users' first open most often fails; ``doctor`` names the ones
that fail here, each with its fix. Everything about the computer comes through a
``Machine`` (platform, home folder, environment, registry, which files exist), so each
link is tested on a simulated Windows or Mac.
"""

from __future__ import annotations

import json
import ntpath
import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import import_module
from importlib.metadata import version
from pathlib import Path, PurePosixPath, PureWindowsPath

from smsync_xl.book.vba_source import xlwings_vba_version
from smsync_xl.core.errors import SmsyncError
from smsync_xl.files.package_files import FUNCTIONS_MODULE
from smsync_xl.pc.install import (
    CONF_NAME,
    MAC_FOLDER_UNSAFE,
    MANIFEST_NAME,
    applescript_path,
    applescript_source,
    check_readable,
    folder_warnings,
    interpreter_key,
    vba_encoding,
)
from smsync_xl.pc.office import (
    POLICY_LOCATIONS,
    Registry,
    WindowsRegistry,
    binary_bits,
    excel_bits,
    excel_from_store,
    expand_variables,
    mark_of_the_web,
    store_python,
    trust_refused,
    trusted_location,
)
from smsync_xl.pc.xlwings_dll import DLL_NAMES, find_dll, missing_dll_advice

PYWIN32_MODULES = ("pywintypes", "pythoncom", "win32com.client")
"""What xlwings imports on Windows (_xlwindows.py, server.py): without them neither the
buttons nor the Excel functions start."""


def _imports(module: str) -> bool:
    """Whether this Python imports ``module`` (pywin32's fail with "DLL load failed"
    when its post-install step is missing)."""
    try:
        import_module(module)
    except ImportError:
        return False
    return True


def _head(path: str) -> bytes:
    """The first bytes of ``path`` (empty when it cannot be read): enough for binary_bits."""
    try:
        with open(path, "rb") as file:
            return file.read(4096)
    except OSError:
        return b""


def _runs_smsync(interpreter: str) -> bool:
    """Whether ``interpreter`` can import SMSync's Excel functions module."""
    try:
        done = subprocess.run(
            [interpreter, "-c", f"import {FUNCTIONS_MODULE}"], capture_output=True, timeout=120
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


@dataclass(frozen=True)
class Machine:
    """The computer the checks look at (``Machine.this()`` unless a test simulates one)."""

    platform: str
    home: Path
    python: str
    environ: Mapping[str, str]
    registry: Registry
    ansi: str = field(default_factory=lambda: vba_encoding("win32"))
    """Windows' ANSI code page, in which VBA names files."""
    exists: Callable[[str], bool] = os.path.exists
    head: Callable[[str], bytes] = _head
    """The first bytes of a file (empty if unreadable): the interpreter's bitness."""
    imports: Callable[[str], bool] = _imports
    runs_smsync: Callable[[str], bool] = _runs_smsync

    @classmethod
    def this(cls) -> Machine:
        return cls(sys.platform, Path.home(), sys.executable, os.environ, WindowsRegistry())


@dataclass
class Findings:
    lines: list[str] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)

    def ok(self, text: str) -> None:
        self.lines.append(f"  ok       {text}")

    def note(self, text: str) -> None:
        self.lines.append(f"  note     {text}")

    def problem(self, text: str, what: str, fix: str) -> None:
        self.lines.append(f"  PROBLEM  {text}")
        self.problems.append((what, fix))


def check_python(machine: Machine) -> Findings:
    """The links that belong to this Python, workbook or not."""
    found = Findings()
    if machine.platform == "win32":
        _pywin32(found, machine)
    if machine.platform == "darwin":
        _applescript(found, machine)
    return found


def check_workbook(book: Path, machine: Machine) -> Findings:
    """The links between a workbook, the xlwings.conf beside it and this computer."""
    found = Findings()
    folder = book.parent
    interpreter = _conf_interpreter(found, folder / CONF_NAME, machine)
    recorded = _manifest(folder)
    usable = interpreter is not None and _interpreter(found, interpreter, machine, recorded)
    _vba_version(found, book)
    _path_characters(found, book, machine)
    for warning in folder_warnings(
        folder, platform=machine.platform, environ=machine.environ, registry=machine.registry
    ):
        what, _, fix = warning.partition(" Fix: ")
        found.problem(what.split(". ")[0], what, fix)
    if machine.platform == "win32":
        _mark_of_the_web(found, book)
        _trusted_location(found, folder, machine)
        _office(found, interpreter, machine)
        if usable and interpreter is not None:
            _dll(found, interpreter, folder, machine)
    _quarantine(found, recorded, machine)
    return found


def _pywin32(found: Findings, machine: Machine) -> None:
    missing = [module for module in PYWIN32_MODULES if not machine.imports(module)]
    if not missing:
        found.ok("pywin32 (pythoncom, pywintypes, win32com)")
        return
    python = machine.python
    found.problem(
        f"pywin32: cannot import {', '.join(missing)}",
        f"pywin32 is not usable in this Python (cannot import {', '.join(missing)}): "
        "xlwings needs it for the buttons and the Excel functions",
        f'Reinstall it: "{python}" -m pip install --force-reinstall pywin32; if it still '
        f'fails, run its post-install step: "{python}" -m pywin32_postinstall -install',
    )


def _applescript(found: Findings, machine: Machine) -> None:
    expected = applescript_source()
    placed = applescript_path(machine.home)
    fix = "Run smsync-xl install again: it always puts the script in place."
    if not placed.is_file():
        found.problem(
            f"no {placed.name}",
            f"xlwings' AppleScript is missing from {placed.parent}: every button fails",
            fix,
        )
    elif placed.read_bytes() != expected.read_bytes():
        found.problem(
            f"{placed.name} differs from xlwings {version('xlwings')}'s",
            f"{placed} is not the script of xlwings {version('xlwings')}: the buttons may fail",
            fix,
        )
    else:
        found.ok(f"AppleScript {placed}")


def _conf_interpreter(found: Findings, conf: Path, machine: Machine) -> str | None:
    key = interpreter_key(machine.platform)
    try:
        encoding = machine.ansi if machine.platform == "win32" else vba_encoding(machine.platform)
        text = conf.read_bytes().decode(encoding)
    except (OSError, UnicodeDecodeError) as error:
        found.problem(
            f"{conf} unreadable",
            f"{conf} cannot be read ({error}): xlwings falls back to other settings",
            "Run smsync-xl install --force (the workbook is kept as a backup).",
        )
        return None
    for line in text.splitlines():
        # As GetConfigFromFile and GetConfig read it (xlwings.bas lines 782 and 710): the
        # first line whose key matches without letter case, %VAR% expanded (Windows).
        name, _, value = line.partition('","')
        if name.strip('"').lower() == key.lower():
            value = value.rstrip('"')
            return (
                expand_variables(value, machine.environ) if machine.platform == "win32" else value
            )
    found.problem(
        f"{conf} has no {key}",
        f"{conf} does not say which Python to start ({key})",
        "Run smsync-xl install --force with the Python that has SMSync.",
    )
    return None


def _interpreter(
    found: Findings, interpreter: str, machine: Machine, recorded: Mapping[str, object]
) -> bool:
    """The interpreter is usable (True), or its problem is in ``found``."""
    windows = machine.platform == "win32"
    absolute = (
        PureWindowsPath(interpreter).is_absolute()
        if windows
        else PurePosixPath(interpreter).is_absolute()
    )
    fix = (
        "Run smsync-xl install --force from the Python that has SMSync (this one is "
        f"{machine.python}): it writes its own full path."
    )
    if not absolute:
        found.problem(
            f"Python {interpreter} is not an absolute path",
            f"{CONF_NAME} names the Python {interpreter!r}, not a full path: Excel would "
            "start whichever Python comes first, or none",
            fix,
        )
        return False
    if windows and "/" in interpreter:
        found.problem(
            f"Python {interpreter} has forward slashes",
            f"{CONF_NAME} names {interpreter}, with '/': xlwings' VBA finds the Python's "
            "folder by its last backslash (ParentFolder, xlwings.bas lines 252, 496 and "
            "876), so the buttons and the Excel functions fail ('Invalid procedure call or "
            "argument', or the wrong folder)",
            "Write it with backslashes only, or " + fix[0].lower() + fix[1:],
        )
        return False
    store = store_python(interpreter) if windows else None
    if store is not None:
        short, what, store_fix = store
        found.problem(short, f"in {CONF_NAME}: {what}", store_fix)
        return False
    if not machine.exists(interpreter):
        placed = recorded.get("python") == interpreter
        found.problem(
            f"Python {interpreter} does not exist",
            f"{CONF_NAME} names {interpreter}, which does not exist"
            + (
                " any more (it was there at install: an antivirus may have quarantined it)"
                if placed
                else ""
            ),
            "Restore it from the antivirus quarantine (Windows Security > Protection "
            "history), or reinstall Python and run its smsync-xl install --force.",
        )
        return False
    same = (
        ntpath.normcase(interpreter) == ntpath.normcase(machine.python)
        if windows
        else os.path.realpath(interpreter) == os.path.realpath(machine.python)
    )
    if not same and not machine.runs_smsync(interpreter):
        found.problem(
            f"Python {interpreter} has no SMSync",
            f"{CONF_NAME} names {interpreter}, which cannot import SMSync: every button "
            "fails with ModuleNotFoundError",
            fix,
        )
        return False
    found.ok(f"Python {interpreter}" + ("" if same else " (another Python, with SMSync)"))
    return True


def _vba_version(found: Findings, book: Path) -> None:
    package = version("xlwings")
    try:
        in_book = xlwings_vba_version(book)
    except SmsyncError as error:
        found.problem("VBA unreadable", f"{book}: {error.message}", error.advice)
        return
    if in_book == package:
        found.ok(f"xlwings {package}: the package and the workbook's VBA module agree")
        return
    found.problem(
        f"xlwings VBA {in_book or 'missing'}, package {package}",
        f"the workbook's xlwings VBA module is version {in_book or '(none)'} but this "
        f"Python has xlwings {package}: the buttons and functions may fail",
        "Install the workbook that matches: smsync-xl install --force (your Setup and "
        "Log stay in the dated backup), or reinstall SMSync to get its pinned xlwings: "
        "pip install --force-reinstall smsync-xl.",
    )


def _path_characters(found: Findings, book: Path, machine: Machine) -> None:
    if machine.platform == "darwin":
        bad = sorted({c for c in str(book) if c in MAC_FOLDER_UNSAFE})
        if bad:
            found.problem(
                f"{book} has {' '.join(map(repr, bad))}",
                f"the workbook's path {book} has {' '.join(map(repr, bad))}, which xlwings' "
                "AppleScript passes to the shell unescaped: the buttons fail",
                "Move the folder to a path without them, e.g. ~/SMSync, and install there.",
            )
        return
    if machine.platform != "win32":
        return
    encoding = machine.ansi
    try:
        check_readable(
            str(book.parent),
            "the folder",
            encoding=encoding,
            why=f"xlwings' VBA names files in this computer's ANSI code page ({encoding})",
            advice="Move the workbook to a folder with plain letters, e.g. C:\\SMSync.",
        )
    except SmsyncError as error:
        found.problem("workbook folder has characters VBA cannot pass", error.message, error.advice)


def _mark_of_the_web(found: Findings, book: Path) -> None:
    zone = mark_of_the_web(book)
    if zone is None or zone < 3:
        return
    found.problem(
        "Mark of the Web",
        f"{book} carries the Mark of the Web (it came from the internet or an e-mail): "
        "Office blocks its macros, so no button works",
        f"Right-click it > Properties > tick Unblock > OK, or in PowerShell: "
        f'Unblock-File -Path "{book}"',
    )


def _trusted_location(found: Findings, folder: Path, machine: Machine) -> None:
    key = trusted_location(str(folder), machine.registry, machine.environ)
    by_policy = key is not None and key.startswith(POLICY_LOCATIONS)
    refused = trust_refused(str(folder), machine.registry, by_policy=by_policy)
    if refused is not None:
        reason, fix = refused
        found.problem(
            f"{folder} is not a Trusted Location Excel honours",
            f"{folder} is not a Trusted Location Excel honours: {reason}. Excel asks to "
            "enable the macros on every open, and blocks them if the file is marked as "
            "downloaded",
            fix,
        )
        return
    if key is None:
        found.problem(
            f"{folder} is not a Trusted Location",
            f"{folder} is not a Trusted Location: Excel asks to enable the macros on every "
            "open, and blocks them if the file is marked as downloaded",
            f'Run smsync-xl install --dest "{folder}" --trust (adds it for you only, '
            "leaves the workbook as it is), or File > Options > "
            "Trust Center > Trust Center Settings > Trusted Locations > Add new location.",
        )
        return
    found.ok(f"Trusted Location ({key.rsplit(chr(92), 1)[-1]})")


def _office(found: Findings, interpreter: str | None, machine: Machine) -> None:
    store = excel_from_store(machine.registry)
    if store is not None:
        found.problem(
            "Excel from the Microsoft Store",
            f"Excel is the Microsoft Store edition ({store}): it runs in a package that "
            "cannot see the Trusted Locations and Python other programs set up",
            "Install Microsoft 365 / Office from office.com (Click-to-Run) instead.",
        )
    bits = excel_bits(machine.registry)
    # The Python Excel starts is the one xlwings.conf names, not the one doctor runs in.
    python = binary_bits(machine.head(interpreter)) if interpreter else None
    found.note(
        f"Excel {bits or 'unknown'}-bit, Python {python or 'unknown'}-bit: the buttons run "
        "Python in its own process, so any mix works; the Excel functions need "
        + (DLL_NAMES[bits] if bits else f"{DLL_NAMES[32]} (32-bit Excel) or {DLL_NAMES[64]}")
        + "; Sage 50's ODBC driver must match Python (see ODBC drivers)"
    )


def excel_dll_bits(machine: Machine) -> tuple[int, ...]:
    """The DLLs this computer's Excel may load: its own bitness, or both if unknown."""
    bits = excel_bits(machine.registry)
    return (bits,) if bits else (32, 64)


def _dll(found: Findings, interpreter: str, folder: Path, machine: Machine) -> None:
    missing = [
        bits for bits in excel_dll_bits(machine) if not find_dll(interpreter, bits, machine.exists)
    ]
    if len(missing) == len(excel_dll_bits(machine)):
        names = " / ".join(DLL_NAMES[bits] for bits in missing)
        found.problem(
            f"no {names} where xlwings' VBA looks",
            f"{names} is not beside {interpreter} nor one folder up",
            missing_dll_advice(interpreter, str(folder)),
        )
        return
    found.ok("xlwings DLL for the Excel functions")


def _manifest(folder: Path) -> dict[str, object]:
    try:
        loaded = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _quarantine(found: Findings, recorded: Mapping[str, object], machine: Machine) -> None:
    files = recorded.get("files")
    for path in files if isinstance(files, list) else []:
        if isinstance(path, str) and not machine.exists(path):
            found.problem(
                f"{path} is missing",
                f"{path} was put there by smsync-xl install and is now missing: an "
                "antivirus may have quarantined it",
                "Restore it from the antivirus quarantine (Windows Security > Protection "
                "history), or run smsync-xl install --force again (with --xlwings-wheel "
                "for a DLL), and ask IT for an exclusion if it happens again.",
            )


def report_lines(book: Path, machine: Machine) -> list[str]:
    """The chain as excel-check's report shows it: what doctor --book would say."""
    found = check_python(machine)
    more = check_workbook(book, machine)
    lines = ["First open (as doctor --book sees it):", *found.lines, *more.lines]
    return lines + [f"    Fix: {fix}" for _, fix in found.problems + more.problems]
