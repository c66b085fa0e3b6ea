"""Put the workbook where the bookkeeper works, with an xlwings.conf beside it.

The workbook itself never holds a machine path: xlwings' VBA reads the interpreter and
its other settings from the xlwings.conf file in the workbook's folder. How that VBA
reads the file (xlwings 0.37.8's ``xlwings.bas``) decides how we write it:

- ``GetConfigFromFile`` reads it with ``Open ... For Input`` and ``Input #``, which turns
  the bytes into text in the system's ANSI code page on Windows. So the file is written in
  that code page, every value must fit in it, and no value may hold a double quote (the
  ``Input #`` format has no way to write one). VBA's own file functions (``GetAttr``,
  ``Open``) also take file names in that code page, so the folder must fit in it too, or
  VBA never finds the file and silently falls back to other settings.
- ``GetConfig`` looks in the directory file, then in the user's own
  ``~/.xlwings/xlwings.conf``, then takes xlwings' default. Every key whose user-level
  value would change how our buttons run is therefore written here (``pinned_settings``);
  the keys left out are listed with the reason in ``UNPINNED``.
"""

from __future__ import annotations

import itertools
import json
import locale
import os
import shutil
import sqlite3
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import version
from importlib.util import find_spec
from pathlib import Path, PurePath, PurePosixPath, PureWindowsPath

from smsync_xl.app import interrupts
from smsync_xl.book.file import FileBook
from smsync_xl.book.layout import SETUP, setup_layout
from smsync_xl.core.errors import SmsyncError
from smsync_xl.core.settings import EDITION_KEY
from smsync_xl.core.vocabulary import Edition
from smsync_xl.demo.company import DEMO_FILES
from smsync_xl.demo.editions import DEMOS, SETUP_VALUES
from smsync_xl.files.package_files import FUNCTIONS_MODULE, WORKBOOK_NAME, workbook_path
from smsync_xl.pc.office import (
    Registry,
    WindowsRegistry,
    add_trusted_location,
    onedrive_folders,
    remove_mark_of_the_web,
    store_python,
    trust_refused,
    trusted_location,
)
from smsync_xl.pc.xlwings_dll import dlls_from_wheel, find_dll, missing_dll_advice, vba_folders

CONF_NAME = "xlwings.conf"
BACKUP_PATTERN = "SMSync.backup-{stamp}{number}.xlsm"
"""A replaced workbook's copy: dated to the second, numbered (-2, -3…) when a copy of
that second exists, so no backup ever overwrites another."""
MAC_SCRIPTS = ("Library", "Application Scripts", "com.microsoft.Excel")
"""Where Excel for Mac's ``AppleScriptTask`` looks for scripts, under the home folder."""

SHELL_SPECIAL = set(" \t'\"\\$`&;|<>()*?[]{}")
MAC_FOLDER_UNSAFE = set('|`$\\"')
"""Characters a Mac workbook folder must not have: RunPython joins its parameters with
``|`` and the AppleScript splits them on it (xlwings.bas RunMac, xlwings-0.37.8.applescript
line 5); the workbook's path reaches ``do shell script`` inside double quotes, where
`` ` ``, ``$``, ``\\`` and ``"`` are the shell's (applescript lines 6-7; xlwings.bas line
176 escapes only ``'``)."""
MANIFEST_NAME = "smsync-install.json"
"""What install put outside the workbook (the DLLs, the AppleScript) and the Python it
named: doctor reports such a file gone missing (an antivirus quarantine)."""
"""Characters that break the Mac interpreter path: xlwings' AppleScript puts it unquoted
at the start of a ``do shell script`` command line (and splits its parameters on ``|``)."""

UNPINNED: dict[str, str] = {
    # Read only when INTERPRETER_WIN / INTERPRETER_MAC is empty; we never leave ours empty.
    "INTERPRETER": "legacy fallback, shadowed by the platform key we write",
    # Used only by xlwings PRO (embedded code needs a sheet named *.py: our workbook has
    # none; the UDF server merely passes it on in an environment variable).
    "LICENSE_KEY": "only xlwings PRO reads it; SMSync uses no PRO feature",
    # The user's own description of where OneDrive/SharePoint sync to. VBA hands them to
    # prepare_sys_path, which looks at them only with ADD_WORKBOOK_TO_PYTHONPATH true (we
    # write False); Python's Book.fullname reads them from the user file anyway, never from
    # this one, so the user's values are the right ones to keep.
    "ONEDRIVE_CONSUMER_WIN": "describes the user's OneDrive; unused with our settings",
    "ONEDRIVE_COMMERCIAL_WIN": "describes the user's OneDrive; unused with our settings",
    "SHAREPOINT_WIN": "describes the user's SharePoint; unused with our settings",
    "ONEDRIVE_CONSUMER_MAC": "describes the user's OneDrive; unused with our settings",
    "ONEDRIVE_COMMERCIAL_MAC": "describes the user's OneDrive; unused with our settings",
    "SHAREPOINT_MAC": "describes the user's SharePoint; unused with our settings",
}
"""Keys xlwings' VBA reads through ``GetConfig`` that we deliberately leave to the user's
own config, each with the reason its value cannot change how SMSync runs."""


def interpreter_key(platform: str) -> str:
    """The key RunPython reads for the interpreter: INTERPRETER_WIN in Windows' VBA,
    INTERPRETER_MAC in the Mac's (``#If Mac``)."""
    return "INTERPRETER_WIN" if platform == "win32" else "INTERPRETER_MAC"


def pinned_settings(interpreter: str, platform: str) -> list[tuple[str, str]]:
    """Every setting SMSync writes, so none leaks in from ~/.xlwings/xlwings.conf."""
    return [
        (interpreter_key(platform), interpreter),
        # A conda activation before our interpreter would change its environment (and
        # xlwings shows a message box and stops when CONDA PATH looks too old).
        ("CONDA PATH", ""),
        ("CONDA ENV", ""),
        ("UDF MODULES", FUNCTIONS_MODULE),
        # True makes the Excel functions wait for a Python the user starts by hand.
        ("DEBUG UDFS", "False"),
        # True runs the buttons inside the long-lived UDF server instead of a fresh Python.
        ("USE UDF SERVER", "False"),
        ("SHOW CONSOLE", "False"),
        # True puts the workbook's folder first on sys.path (utils.prepare_sys_path): a
        # stray smsync_xl/ or xlwings.py beside the workbook would be imported instead of
        # the installed package, and in a OneDrive folder the https:// full name can make
        # prepare_sys_path fail before our code runs. The folder holds data, not code.
        ("ADD_WORKBOOK_TO_PYTHONPATH", "False"),
        # Prepended to sys.path: a user-level value could shadow smsync_xl or its
        # dependencies with other versions.
        ("PYTHONPATH", ""),
        # Windows writes each run's error log there (cmd "2> file"): a user-level folder
        # that no longer exists makes every button fail. %TEMP% is the folder the default
        # names; GetConfig expands it.
        ("TEMP DIR", "%TEMP%"),
        # "False" turns error messages into an Error sheet added to the workbook.
        ("SHOW_ERROR_POPUPS", "True"),
    ]


def vba_encoding(platform: str) -> str:
    """The encoding xlwings' VBA reads xlwings.conf in on ``platform``."""
    if platform == "win32":
        # Input # decodes in the ANSI code page (GetACP), which is what getencoding()
        # returns on Windows whatever Python's UTF-8 mode says.
        return locale.getencoding()
    if platform == "darwin":
        # Excel for Mac's VBA also reads with Input # (same GetConfigFromFile), and
        # Microsoft documents no encoding for it. It is not UTF-8: Mac VBA turns bytes into
        # text in the Mac's legacy encoding (MacRoman on Western systems; xlwings issue
        # #2004 shows a decomposed "ü" coming back as "uÃà"), and macOS file names may be
        # decomposed (NFD). Unsure which, we keep to the one encoding all of them read the
        # same: ASCII. Mac account names are ASCII, so Python's usual paths are too.
        return "ascii"
    return "utf-8"  # no Excel on other systems: the file is only there to be looked at


def _only(encoding: str) -> str:
    if encoding == "ascii":
        return "only plain ASCII characters"
    return f"only characters of {encoding}"


def _why(encoding: str, *, folder: bool) -> str:
    """Why VBA cannot take a character outside ``encoding``, in plain words."""
    if encoding == "ascii":
        return (
            "Excel for Mac's VBA may not find xlwings.conf in such a folder"
            if folder
            else "Excel for Mac's VBA does not read xlwings.conf as UTF-8, so only plain "
            "ASCII is safe"
        )
    doing = f"opens {CONF_NAME} by a file name" if folder else f"reads {CONF_NAME}"
    return f"xlwings' VBA {doing} in this computer's ANSI code page ({encoding})"


def check_readable(value: str, what: str, *, encoding: str, why: str, advice: str) -> None:
    """Refuse a value or path that xlwings' VBA would read wrongly in ``encoding``: a
    character outside it, a double quote or a line break."""
    for char in value:
        if char == '"' or char in "\r\n":
            shown = "a double quote" if char == '"' else "a line break"
            raise SmsyncError(
                f"{what} {value} has {shown}, which xlwings' VBA cannot read back",
                where=CONF_NAME,
                advice=advice,
            )
        try:
            char.encode(encoding)
        except UnicodeEncodeError:
            raise SmsyncError(
                f"{what} {value} has the character {char!r} (U+{ord(char):04X}): {why}",
                where=CONF_NAME,
                advice=advice,
            ) from None


def conf_bytes(interpreter: str, *, platform: str, encoding: str) -> bytes:
    """xlwings' directory config: one ``"KEY","value"`` line per setting, in the
    encoding and line ends the VBA reads (those xlwings itself writes on that platform).
    Raises SmsyncError, naming the path and the character, for a value VBA would misread."""
    if platform == "darwin":
        advice = (
            "Create the virtual environment in a folder whose path has only plain ASCII "
            "letters, digits and - _ . / (no spaces), e.g. ~/smsync-venv, and run its "
            "smsync-xl install."
        )
        bad = sorted({c for c in interpreter if c in SHELL_SPECIAL})
        if bad:
            raise SmsyncError(
                f"the Python path {interpreter} has {' '.join(repr(c) for c in bad)}: "
                "Excel for Mac passes it to the shell unquoted, so Python would not start",
                where=CONF_NAME,
                advice=advice,
            )
    else:
        advice = (
            "Install Python (or create the virtual environment) in a folder whose path "
            f"has {_only(encoding)}, e.g. C:\\Python\\SMSync, and run that "
            "Python's smsync-xl install."
        )
    lines = pinned_settings(interpreter, platform)
    for key, value in lines:
        check_readable(
            value,
            "the Python path" if key == interpreter_key(platform) else f"the {key} value",
            encoding=encoding,
            why=_why(encoding, folder=False),
            advice=advice,
        )
    newline = "\r\n" if platform == "win32" else "\n"
    return "".join(f'"{k}","{v}"{newline}' for k, v in lines).encode(encoding)


def applescript_source() -> Path:
    """xlwings' AppleScript for the pinned release, as ``xlwings runpython install``
    copies it: RunPython on a Mac calls AppleScriptTask("xlwings-<version>.applescript")."""
    spec = find_spec("xlwings")
    if spec is None or spec.origin is None:
        raise SmsyncError("xlwings is not installed", advice="pip install smsync-xl again.")
    name = f"xlwings-{version('xlwings')}.applescript"
    source = Path(spec.origin).parent / name
    if not source.is_file():
        raise SmsyncError(
            f"{name} is missing from the xlwings package",
            where=str(source.parent),
            advice="Reinstall it: pip install --force-reinstall smsync-xl.",
        )
    return source


def applescript_path(home: Path) -> Path:
    """Where the AppleScript must be for Excel for Mac to run it."""
    return home.joinpath(*MAC_SCRIPTS) / applescript_source().name


@dataclass(frozen=True)
class Installed:
    workbook: Path
    backup: Path | None
    """Where the workbook it replaced was kept (None when there was none)."""
    placed: tuple[Path, ...] = ()
    """Files put outside the folder: xlwings' DLLs or its AppleScript."""
    trusted: str | None = None
    """With ``trust``: the Trusted Location key that now covers the folder (added, or
    already there); None when not asked, or when Office would ignore one (a warning says
    why)."""
    warnings: tuple[str, ...] = ()
    """What will not work yet, each with its fix (the Excel functions' missing DLL)."""
    kept: bool = False
    """The workbook was there and was left as it is (``xlwings_wheel`` or ``trust``
    without ``force``): only the DLLs and the Trusted Location were put in place."""


def keep_backup(workbook: Path, now: datetime) -> Path:
    """Copy ``workbook`` to a new dated file beside it, never over an existing one. A
    copy that cannot be finished (disk full) is removed and the install stops before
    anything is replaced."""
    stamp = now.strftime("%Y-%m-%d-%H%M%S")
    for number in itertools.count(1):
        backup = workbook.with_name(
            BACKUP_PATTERN.format(stamp=stamp, number="" if number == 1 else f"-{number}")
        )
        try:
            out = backup.open("xb")
        except FileExistsError:
            continue
        except OSError as error:
            raise _no_backup(backup, error) from None
        try:
            with out, workbook.open("rb") as source:
                shutil.copyfileobj(source, out)
        except OSError as error:
            backup.unlink(missing_ok=True)
            raise _no_backup(backup, error) from None
        return backup
    raise AssertionError("unreachable")


def _no_backup(backup: Path, error: OSError) -> SmsyncError:
    return SmsyncError(
        f"the old workbook could not be kept as a backup ({error.strerror}), so it was "
        "not replaced",
        where=str(backup),
        advice="Free some space (or make the folder writable) and install again.",
    )


def install(
    destination: Path,
    *,
    with_demo: bool,
    force: bool = False,
    platform: str | None = None,
    home: Path | None = None,
    interpreter: str | None = None,
    encoding: str | None = None,
    xlwings_wheel: Path | None = None,
    trust: bool = False,
    registry: Registry | None = None,
    edition: Edition = Edition.US,
) -> Installed:
    """Copy SMSync.xlsm into ``destination`` and write xlwings.conf; return the copy.
    On macOS also put xlwings' AppleScript where Excel runs it.

    An existing workbook holds the bookkeeper's Setup and Log: it is only replaced with
    ``force``, and then kept as a new dated backup beside it (``BACKUP_PATTERN``; the
    earlier ones stay). Everything is checked before the first
    file is written: a refused install leaves nothing behind. ``platform``, ``home``,
    ``interpreter`` and ``encoding`` default to this computer's (tests pass others).

    The AppleScript (Mac) and the wheel's DLLs are put in place even when the workbook is
    not replaced. On
    Windows the copy loses any Mark of the Web; ``xlwings_wheel`` (xlwings' win_amd64
    wheel of the pinned version) gives the DLLs the Excel functions need, copied beside
    the interpreter; ``trust`` makes the folder a per-user Trusted Location. The demo
    is ``edition``'s, and the workbook's Setup says so (``demo.editions``).
    """
    platform = platform or sys.platform
    home = home or Path.home()
    interpreter = interpreter or sys.executable
    encoding = encoding or vba_encoding(platform)
    destination = Path(os.path.abspath(destination.expanduser()))
    _check_request(destination, platform, encoding, trust=trust, xlwings_wheel=xlwings_wheel)
    _check_demo(edition, with_demo)
    conf = conf_bytes(interpreter, platform=platform, encoding=encoding)
    placed = _put_outside(platform, home, interpreter, xlwings_wheel)
    registry = registry or WindowsRegistry()

    target = destination / WORKBOOK_NAME
    warnings = [f"{what}. Fix: {fix}" for _, what, fix in _store(interpreter, platform)]
    existing = _existing(destination, with_demo)
    if existing and not force:
        if xlwings_wheel or trust:
            # The DLLs or the trust were what was asked for: the workbook and its conf stay.
            trusted = _keep_workbook(destination, interpreter, placed, registry, warnings, trust)
            return Installed(target, None, tuple(placed), trusted, tuple(warnings), kept=True)
        _refuse_existing(destination, existing, placed)
    done = _write_workbook(destination, target, conf, platform, with_demo, edition)
    if platform == "win32":
        _warn_missing_dll(destination, interpreter, warnings)
    trusted = _trust(destination, registry, warnings) if trust else None
    try:
        _record(destination, interpreter, placed, keep=False)
    except OSError as error:
        raise done.stopped(error) from None
    return Installed(target, done.backup, tuple(placed), trusted, tuple(warnings))


def _existing(destination: Path, with_demo: bool) -> list[str]:
    """The files this install would write that are already there: they hold the
    bookkeeper's work, so they decide between refusing, keeping and replacing."""
    names = [WORKBOOK_NAME, *(DEMO_FILES if with_demo else ())]
    return [name for name in names if (destination / name).exists()]


def _check_request(
    destination: Path,
    platform: str,
    encoding: str,
    *,
    trust: bool,
    xlwings_wheel: Path | None,
) -> None:
    """Refuse what cannot work before anything is written: a folder the VBA cannot read,
    a Mac folder Excel cannot reach, Windows-only options elsewhere."""
    example = "~/SMSync" if platform == "darwin" else "C:\\SMSync"
    check_readable(
        str(destination),
        "the folder",
        encoding=encoding,
        why=_why(encoding, folder=True),
        advice=f"Choose a --dest whose path has {_only(encoding)}, e.g. {example}.",
    )
    if platform == "darwin":
        _refuse_mac_folder(destination)
    if platform != "win32" and (trust or xlwings_wheel):
        raise SmsyncError(
            f"{'--trust' if trust else '--xlwings-wheel'} is for Excel for Windows",
            where=str(destination),
            advice="Excel for Mac has no Trusted Locations and no Excel functions: leave it out.",
        )


def _put_outside(
    platform: str, home: Path, interpreter: str, xlwings_wheel: Path | None
) -> list[Path]:
    """Files for this Python and this user, not for the folder: put in place even when
    the workbook is kept (the same bytes every time, so nothing of the user's is lost)."""
    dlls = dlls_from_wheel(xlwings_wheel) if xlwings_wheel else {}
    return [_put_applescript(home)] if platform == "darwin" else _put_dlls(dlls, interpreter)


def _keep_workbook(
    destination: Path,
    interpreter: str,
    placed: list[Path],
    registry: Registry,
    warnings: list[str],
    trust: bool,
) -> str | None:
    """Only the DLLs or the trust were asked for: the workbook and its conf stay, and
    the manifest still records what was put in place (so doctor can check it)."""
    trusted = _trust(destination, registry, warnings) if trust else None
    try:
        _record(destination, interpreter, placed, keep=True)
    except OSError as error:
        did = [f"{', '.join(map(str, placed))} were put in place"] if placed else []
        did += [f"{destination} is a Trusted Location"] if trusted else []
        raise SmsyncError(
            f"{'; '.join(did) or 'the workbook was left as it is'}, but {MANIFEST_NAME} "
            f"could not be updated ({error.strerror}), so doctor cannot tell if what "
            "install put in place goes missing",
            where=str(destination),
            advice="Make the folder writable and run the same command again.",
        ) from None
    return trusted


def _refuse_existing(destination: Path, existing: list[str], placed: list[Path]) -> None:
    """The bookkeeper's Setup and Log are never replaced without ``--force``; the
    message says what was put in place all the same."""
    kept = f" (put in place all the same: {', '.join(map(str, placed))})" if placed else ""
    raise SmsyncError(
        f"{', '.join(existing)} already exist(s){kept}",
        where=str(destination),
        advice="Pass --force to replace them (the old workbook is kept as a dated "
        "backup beside it), or choose another --dest.",
    )


def _check_demo(edition: Edition, with_demo: bool) -> None:
    """A demo of another edition is asked for with --demo, and must exist."""
    if edition is not Edition.US and not with_demo:
        raise SmsyncError(
            f"--edition {edition.value} chooses the demo company's edition, and no demo "
            "was asked for",
            where="install",
            advice="Add --demo, or choose the edition on the Setup sheet (Sage 50 edition). "
            "Nothing was changed.",
        )
    if with_demo and edition not in DEMOS:
        raise SmsyncError(
            f"there is no demo of {edition.words.edition_name} yet",
            where="install --edition",
            advice="Choose --edition " + " or ".join(e.value for e in DEMOS) + ".",
        )


def _set_edition(target: Path, edition: Edition) -> None:
    """The installed workbook's Setup reads the demo of ``edition`` (with what else the
    demo needs there: ``SETUP_VALUES``)."""
    book = FileBook(target, confirm=lambda _: False, alert=lambda _: None, status=lambda _: None)
    layout = setup_layout()
    values = {EDITION_KEY: edition.value, **SETUP_VALUES.get(edition, {})}
    for key, value in values.items():
        book.write_cell(SETUP, layout.setting(key).cell, value)
    book.finish()


def _write_workbook(
    destination: Path,
    target: Path,
    conf: bytes,
    platform: str,
    with_demo: bool,
    edition: Edition = Edition.US,
) -> _Done:
    """Back up, replace and write the folder's files as one step that an interrupt
    cannot cut in half; a failure says what was already changed."""
    if target.exists():
        _check_replaceable(target)
    interrupts.hold()  # the install is made whole before an interrupt is told
    done = _Done(target)
    try:
        destination.mkdir(parents=True, exist_ok=True)
        if target.exists():
            done.backup = keep_backup(target, datetime.now())
        interrupts.pause("installing")
        _replace_workbook(target, done)
        if platform == "win32":
            # A marked SMSync.xlsm replaced with --force keeps its Zone.Identifier stream.
            remove_mark_of_the_web(target)
        (destination / CONF_NAME).write_bytes(conf)
        done.told(f"{destination / CONF_NAME} was written")
        if with_demo:
            DEMOS[edition](destination)
            done.told(f"the demo files in {destination} were written anew")
            if edition is not Edition.US:
                _set_edition(target, edition)
                done.told(f"its Setup sheet reads the {edition.words.edition_name} demo")
    except (OSError, sqlite3.Error) as error:
        raise done.stopped(error) from None
    return done


def _warn_missing_dll(destination: Path, interpreter: str, warnings: list[str]) -> None:
    """The Excel functions need xlwings' DLL beside the interpreter: without it the
    install still works, but says how to add the DLL."""
    if not any(find_dll(interpreter, bits, os.path.exists) for bits in (32, 64)):
        warnings.append(missing_dll_advice(interpreter, str(destination)))


class _Done:
    """What an install has changed so far, for the message when a later step fails or
    an interrupt comes (both say what is where)."""

    def __init__(self, target: Path) -> None:
        self.target = target
        self.backup: Path | None = None
        self.steps: list[str] = []

    def told(self, step: str) -> None:
        self.steps.append(step)
        interrupts.changed(step)

    def stopped(self, error: OSError | sqlite3.Error) -> SmsyncError:
        said = getattr(error, "strerror", None) or str(error)
        where = getattr(error, "filename", None) or self.target.parent
        if not self.steps:
            return SmsyncError(
                f"the install could not write {where} ({said}); nothing was changed",
                where=str(self.target.parent),
                advice="Free some space or make the folder writable, then install again.",
            )
        return SmsyncError(
            f"the install stopped at {where} ({said}) after "
            + "; ".join(self.steps)
            + ". The rest was not installed",
            where=str(self.target.parent),
            advice="Fix that (free some space, make the folder writable), then run "
            "'smsync-xl install --force' again: it finishes the install and keeps the "
            "workbook there now as one more backup"
            + (f"; your old workbook is safe in {self.backup}" if self.backup else "")
            + ".",
        )


def _check_replaceable(target: Path) -> None:
    """The workbook ``--force`` replaces can be opened for writing (Excel's share lock, an
    immutable or read-only file refuse it): checked before a backup is made."""
    try:
        with target.open("r+b"):
            pass
    except OSError as error:
        raise SmsyncError(
            f"the workbook cannot be replaced ({error.strerror}): another program has it "
            "open (Excel locks a workbook it has open), or it is read-only or locked "
            "against changes",
            where=str(target),
            advice="Close it in Excel (or the program that has it open). If nothing has it "
            "open, remove the lock (Properties > Read-only; on Linux and macOS 'chattr -i' / "
            "'chflags nouchg'), then install again. Nothing was changed.",
        ) from None


def _replace_workbook(target: Path, done: _Done) -> None:
    """The new workbook is copied beside the old one, then put in its place: a copy that
    cannot be finished (disk full) leaves the old workbook as it was, and the backup just
    made of it is removed (nothing left behind)."""
    copy = target.with_name(target.name + ".installing")
    try:
        shutil.copyfile(workbook_path(), copy)
        os.replace(copy, target)
    except OSError:
        copy.unlink(missing_ok=True)
        if done.backup is not None:
            done.backup.unlink(missing_ok=True)
            done.backup = None
        raise
    kept = f" (the old one kept as {done.backup})" if done.backup else ""
    done.told(f"{target} was replaced by a new workbook{kept}")


def _store(interpreter: str, platform: str) -> list[tuple[str, str, str]]:
    """The Microsoft Store problem doctor would report for ``interpreter``, if any."""
    store = store_python(interpreter) if platform == "win32" else None
    return [store] if store else []


def _trust(destination: Path, registry: Registry, warnings: list[str]) -> str | None:
    """The location that covers ``destination``, added for this user if needed; None (and
    a warning) when a policy or the network setting would make Office ignore it."""
    refused = trust_refused(str(destination), registry)
    if refused is not None:
        reason, fix = refused
        warnings.append(
            f"--trust did not make {destination} a Trusted Location: {reason}, so Excel "
            f"would ignore it. Fix: {fix}"
        )
        return None
    existing = trusted_location(str(destination), registry, os.environ)
    if existing is not None:
        return existing
    try:
        return add_trusted_location(str(destination), registry, datetime.now())
    except OSError as error:
        warnings.append(
            f"--trust could not make {destination} a Trusted Location (the registry refused: "
            f"{error.strerror or error}). Fix: File > Options > Trust Center > Trust Center "
            f"Settings > Trusted Locations > Add new location: {destination}"
        )
        return None


def _record(destination: Path, interpreter: str, placed: list[Path], *, keep: bool) -> None:
    """Write the manifest; ``keep``: the workbook stays, so add ``placed`` to what an
    earlier install recorded (its Python is still the one xlwings.conf names)."""
    manifest: dict[str, object] = {"python": interpreter, "files": []}
    if keep:
        try:
            earlier = json.loads((destination / MANIFEST_NAME).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            earlier = None
        if isinstance(earlier, dict):
            manifest.update(earlier)
    files = manifest["files"] if isinstance(manifest["files"], list) else []
    manifest["files"] = files + [str(path) for path in placed if str(path) not in files]
    (destination / MANIFEST_NAME).write_text(json.dumps(manifest, indent=1), encoding="utf-8")


def _refuse_mac_folder(destination: Path) -> None:
    bad = sorted({char for char in str(destination) if char in MAC_FOLDER_UNSAFE})
    if bad:
        raise SmsyncError(
            f"the folder {destination} has {' '.join(map(repr, bad))}: xlwings' AppleScript "
            "passes the workbook's path to the shell unescaped, so the buttons would fail",
            where=str(destination),
            advice='Choose a --dest without | ` $ \\ or ", e.g. ~/SMSync.',
        )


def _put_applescript(home: Path) -> Path:
    """Always (re)place the pinned version's script: it is the same bytes every time."""
    script = applescript_source()
    scripts = home.joinpath(*MAC_SCRIPTS)
    scripts.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(script, scripts / script.name)
    return scripts / script.name


def _put_dlls(dlls: dict[str, bytes], interpreter: str) -> list[Path]:
    """Beside the interpreter: the first folder XLPyLoadDLL tries."""
    folder = Path(vba_folders(interpreter)[0])
    placed = []
    for name, data in dlls.items():
        try:
            (folder / name).write_bytes(data)
        except OSError as error:
            raise SmsyncError(
                f"{name} could not be written ({error.strerror})",
                where=str(folder),
                advice="Run install from an account that may write to Python's folder "
                "(or use a virtual environment in your own folder).",
            ) from None
        placed.append(folder / name)
    return placed


ONEDRIVE_ENV = ("OneDrive", "OneDriveCommercial", "OneDriveConsumer")


def _pure(folder: str | PurePath, platform: str) -> PurePath:
    return PureWindowsPath(folder) if platform == "win32" else PurePosixPath(folder)


def in_onedrive(
    folder: str | PurePath,
    platform: str,
    environ: Mapping[str, str],
    synced: Iterable[str] = (),
) -> bool:
    """Whether ``folder`` is synchronised by OneDrive: under one of the folders OneDrive's
    environment variables or ``synced`` (the client's own list, ``onedrive_folders``: a
    SharePoint library has a folder of any name) name, or under a folder called OneDrive…
    (Windows' "OneDrive - Company", the Mac's ~/Library/CloudStorage/OneDrive-Personal)."""
    path = _pure(folder, platform)
    for root in [*(environ.get(name) for name in ONEDRIVE_ENV), *synced]:
        if root and (path == _pure(root, platform) or _pure(root, platform) in path.parents):
            return True  # PureWindowsPath compares without letter case, as Windows does
    return any(part.lower().startswith("onedrive") for part in path.parts[1:])


def is_network_folder(folder: str | PurePath, platform: str) -> bool:
    """A UNC path (\\\\server\\share\\...). Mapped drive letters look local and are not seen."""
    if platform != "win32":
        return False
    drive = _pure(folder, platform).drive
    if drive.startswith("\\\\?\\"):
        return drive[4:].upper().startswith("UNC\\")
    return drive.startswith("\\\\")


def folder_warnings(
    folder: str | PurePath,
    *,
    platform: str | None = None,
    environ: Mapping[str, str] | None = None,
    registry: Registry | None = None,
) -> list[str]:
    """Plain-words warnings, each with its fix, for a folder the buttons may not work in."""
    platform = platform or sys.platform
    environ = os.environ if environ is None else environ
    synced = onedrive_folders(registry or WindowsRegistry()) if platform == "win32" else []
    warnings = []
    if in_onedrive(folder, platform, environ, synced):
        warnings.append(
            f"{folder} is synchronised by OneDrive (your OneDrive or a SharePoint library "
            "it syncs). Excel then knows the workbook by a web "
            "address (https://...), and xlwings may not find xlwings.conf or the workbook's "
            "folder, so the buttons can fail. Fix: install into a folder OneDrive does not "
            "synchronise, e.g. " + ("~/SMSync" if platform == "darwin" else "C:\\SMSync") + "."
        )
    if is_network_folder(folder, platform):
        warnings.append(
            f"{folder} is a network folder. Excel trusts it only if, when you add it as a "
            'Trusted Location, you also tick "Allow Trusted Locations on my network" (your '
            "IT may have turned that off). Fix: tick it, or install into a folder on this "
            "computer, e.g. C:\\SMSync."
        )
    return warnings


def next_steps(workbook: Path, *, platform: str | None = None, trusted: bool = False) -> str:
    """What the bookkeeper does after ``install``, for this platform (``trusted``: the
    folder was made a Trusted Location by ``--trust``)."""
    folder = workbook.parent
    check = f"  If something does not work: smsync-xl doctor --book {workbook}"
    if (platform or sys.platform) == "darwin":
        return (
            "Next steps (Excel for Mac):\n"
            f"  1. Open {workbook} and click Enable Macros (Excel for Mac has no Trusted "
            "Locations).\n"
            "  2. The first time you press a button, Excel asks for access to the folder: "
            "grant it.\n"
            "  3. Fill in the Setup sheet, then use the SMSync tab. A button returns at once;\n"
            "     the sheets fill in when Python has finished.\n"
            "  The Excel functions (=SMSYNC_...) work only in Excel for Windows.\n" + check
        )
    if trusted:
        first = (
            f"  1. {folder} is a Trusted Location (--trust): Excel runs the workbook's macros.\n"
        )
    else:
        first = (
            "  1. Let Excel run the workbook's macros: File > Options > Trust Center > Trust "
            "Center Settings >\n"
            f"     Trusted Locations > Add new location: {folder}\n"
            '     (for a network folder also tick "Allow Trusted Locations on my network").\n'
            f'     Or run smsync-xl install --dest "{folder}" --trust to add it for your user.\n'
        )
    return (
        "Next steps (Excel for Windows):\n"
        + first
        + "     If Excel says it blocked the macros of a downloaded file: right-click\n"
        "     SMSync.xlsm > Properties > tick Unblock > OK.\n"
        '  2. "Trust access to the VBA project object model" is NOT needed: the Excel\n'
        "     functions are already in the workbook.\n"
        f"  3. Open {workbook}, fill in the Setup sheet, then use the SMSync tab.\n" + check
    )
