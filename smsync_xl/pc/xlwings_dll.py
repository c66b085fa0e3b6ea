"""The DLL xlwings' Excel functions load, and where its VBA looks for it.

xlwings 0.37.8's ``XLPyLoadDLL`` (xlwings.bas lines 473-505; xlwings/addin/Main.bas on
GitHub) loads ``xlwings64-0.37.8.dll`` in a 64-bit Excel and ``xlwings32-0.37.8.dll`` in a
32-bit one (the ``#If Win64`` declarations, lines 43-52): the DLL lives in Excel's process,
so Excel's bitness picks it, not Python's. It tries ``LoadLibrary`` on the folder of
``INTERPRETER_WIN`` ("Standard installation"), then on that folder's parent
("Virtualenv"), else raises "Could not load xlwings64-0.37.8.dll from either of the
following folders". pip puts the DLLs there because xlwings' setup.py ships them as
``data_files`` (installed into ``sys.prefix``) of its ``win_amd64`` wheel only
(.github/workflows/main.yml builds Windows for x86_64 alone): a 32-bit Python gets the
pure-Python wheel, and no DLL. The buttons (``RunPython``) never load it.

The DLLs are BSD-licensed and identical in every ``win_amd64`` wheel of a release (0.37.8's
cp311 to cp314 wheels carry the same two files, ``DLL_SHA256``), so
``install --xlwings-wheel`` takes them from one the user downloaded; SMSync itself never
downloads anything.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

from smsync_xl.core.errors import SmsyncError
from smsync_xl.pc.office import binary_bits

XLWINGS_VERSION = version("xlwings")
DLL_NAMES = {bits: f"xlwings{bits}-{XLWINGS_VERSION}.dll" for bits in (32, 64)}
"""Excel's bitness → the DLL its VBA declares."""
DOWNLOAD = (
    f"pip download --no-deps --platform win_amd64 --only-binary=:all: xlwings=={XLWINGS_VERSION}"
)
"""The one command that fetches the wheel holding both DLLs (on any computer)."""
DLL_SHA256 = {
    "xlwings32-0.37.8.dll": "dae96eb0d06b94e07ce197552c8852eab0cfdf96bb0fc1e89dc34264246924d1",
    "xlwings64-0.37.8.dll": "9785e9c5dbe9d39a7a5ae2905b14c5fc74472ff22929add3c15d5ac7187ebc24",
}
"""The DLLs xlwings published in its 0.37.8 win_amd64 wheels (hashed from the cp311, cp312,
cp313 and cp314 wheels as pip downloads them: the same two files, agreeing with each RECORD).
The version pyproject.toml pins: a new pin needs new hashes."""


def vba_folders(interpreter: str) -> list[str]:
    """The two folders XLPyLoadDLL tries, computed as its ``ParentFolder`` does (xlwings.bas
    line 876): the text before the last backslash, a slash being no separator to it (doctor
    refuses a Windows path with one). A path without any backslash is read as POSIX, so the
    same code places the DLLs for a POSIX interpreter in tests."""
    separator = _separator(interpreter)

    def parent(path: str) -> str:
        return path[: max(path.rfind(separator), 0)]

    first = parent(interpreter)
    return [folder for folder in (first, parent(first)) if folder]


def find_dll(interpreter: str, bits: int, exists: Callable[[str], bool]) -> str | None:
    """Where XLPyLoadDLL would load the DLL for an Excel of ``bits`` from, or None."""
    for folder in vba_folders(interpreter):
        path = f"{folder}{_separator(interpreter)}{DLL_NAMES[bits]}"
        if exists(path):
            return path
    return None


def _separator(interpreter: str) -> str:
    return "\\" if "\\" in interpreter else "/"


def missing_dll_advice(interpreter: str, folder: str) -> str:
    """How to put the DLLs where the VBA looks, for this interpreter and the workbook in
    ``folder`` (the command must name it, or it would install a second workbook)."""
    return (
        f"The Excel functions (=SMSYNC_...) would show #VALUE! ('Could not load "
        f"{DLL_NAMES[64]}'); the buttons work without it. This Python got xlwings' "
        "pure-Python wheel (xlwings publishes its DLLs only in the win_amd64 wheel, so a "
        "32-bit Python never gets them). Fix: on any computer with internet, run\n"
        f"      {DOWNLOAD}\n"
        f'    then: smsync-xl install --dest "{folder}" --xlwings-wheel <that .whl file>. It '
        f"copies {DLL_NAMES[32]} and {DLL_NAMES[64]} (BSD-licensed) into "
        f"{vba_folders(interpreter)[0]}, where xlwings' VBA looks, and keeps your workbook "
        "as it is."
    )


def dlls_from_wheel(wheel: Path) -> dict[str, bytes]:
    """Both DLLs from a pinned-version xlwings Windows wheel, each checked for its PE
    header's bitness and against the sha256 xlwings published (``DLL_SHA256``): a wheel's
    own RECORD proves only that it agrees with itself. Raises SmsyncError otherwise."""
    advice = f"Download the right one with: {DOWNLOAD}"
    if not re.fullmatch(rf"xlwings-{re.escape(XLWINGS_VERSION)}-.+-win_amd64\.whl", wheel.name):
        raise SmsyncError(
            f"this is not xlwings {XLWINGS_VERSION}'s win_amd64 wheel (the workbook's VBA "
            f"asks for the {XLWINGS_VERSION} DLLs)",
            where=str(wheel),
            advice=advice,
        )
    try:
        with zipfile.ZipFile(wheel) as archive:
            names = archive.namelist()
            wanted = {
                n: next((p for p in names if p.endswith("/" + n)), "") for n in DLL_NAMES.values()
            }
            dlls = {name: archive.read(path) for name, path in wanted.items() if path}
    except (OSError, zipfile.BadZipFile) as error:
        raise SmsyncError(
            f"the wheel could not be read ({error})", where=str(wheel), advice=advice
        ) from None
    for bits, name in DLL_NAMES.items():
        data = dlls.get(name)
        if data is None:
            raise SmsyncError(f"the wheel has no {name}", where=str(wheel), advice=advice)
        if binary_bits(data[:4096]) != bits:
            raise SmsyncError(
                f"{name} in the wheel is not a {bits}-bit Windows DLL",
                where=str(wheel),
                advice=advice,
            )
        if name not in DLL_SHA256:
            raise SmsyncError(
                f"SMSync knows no published sha256 for {name}: this Python's xlwings "
                f"{XLWINGS_VERSION} is not the version SMSync pins",
                where=str(wheel),
                advice="Reinstall SMSync to get its pinned xlwings: pip install "
                "--force-reinstall smsync-xl.",
            )
        if hashlib.sha256(data).hexdigest() != DLL_SHA256[name]:
            raise SmsyncError(
                f"{name} in the wheel is not the file xlwings {XLWINGS_VERSION} published "
                "(its sha256 differs: the wheel was rebuilt, altered or damaged)",
                where=str(wheel),
                advice=advice,
            )
    return dlls
