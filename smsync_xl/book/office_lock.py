"""Who has the workbook open: the lock file an office program keeps beside it.

Excel writes an owner file ``~$SMSync.xlsm`` (165 bytes: a length byte and the user
name in the Windows code page, spaces up to byte 55, then a two-byte length and the name
again in UTF-16LE). LibreOffice writes ``.~lock.SMSync.xlsm#``, one CSV line: full
name, login, host, time, profile. A headless save over a workbook open there would be
overwritten when the bookkeeper saves, or would overwrite what they did.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

from smsync_xl.core.compare import inert
from smsync_xl.core.errors import WorkbookError

_EXCEL_NAME_MAX = 52
_EXCEL_WIDE_AT = 55


@dataclass(frozen=True)
class OpenElsewhere:
    program: str
    lock_file: Path
    who: str | None
    """The user named in the lock file, shown inert (``core.compare.inert``)."""


def excel_owner(data: bytes) -> str | None:
    """The user name of Excel's owner file: the UTF-16 copy, else the code-page one."""
    size = data[0] if data else 0
    if not 0 < size <= _EXCEL_NAME_MAX:
        return None
    wide_size = int.from_bytes(data[_EXCEL_WIDE_AT : _EXCEL_WIDE_AT + 2], "little")
    wide = data[_EXCEL_WIDE_AT + 2 : _EXCEL_WIDE_AT + 2 + 2 * wide_size]
    if 0 < wide_size <= _EXCEL_NAME_MAX and len(wide) == 2 * wide_size:
        with contextlib.suppress(UnicodeDecodeError):
            return wide.decode("utf-16-le").strip() or None
    narrow = data[1 : 1 + size]
    with contextlib.suppress(UnicodeDecodeError):
        return narrow.decode("cp1252").strip() or None
    return None


def libreoffice_owner(data: bytes) -> str | None:
    """Full name (else login) and host of LibreOffice's lock file; its fields are
    separated by commas, ended by a semicolon, with backslash escapes."""
    text = data.decode("utf-8", errors="strict") if data else ""
    fields, field, escaped = [], "", False
    for char in text:
        if escaped:
            field, escaped = field + char, False
        elif char == "\\":
            escaped = True
        elif char in ",;":
            fields.append(field)
            field = ""
            if char == ";":
                break
        else:
            field += char
    fields += [""] * (3 - len(fields))
    who = fields[0].strip() or fields[1].strip()
    host = fields[2].strip()
    if not who:
        return None
    return f"{who} on {host}" if host else who


_MAX_LINKS = 40
"""Links followed at most, as the system does (a loop ends there)."""


def _chain(workbook: Path) -> list[Path]:
    """The workbook's name, every symbolic link it goes through, and the file itself:
    the office program may have opened it by any of them."""
    chain = [workbook]
    while chain[-1].is_symlink() and len(chain) <= _MAX_LINKS:
        link = chain[-1].parent / os.readlink(chain[-1])
        chain.append(Path(os.path.realpath(link.parent)) / link.name)
    return [*chain, Path(os.path.realpath(workbook))]


def open_elsewhere(workbook: Path) -> OpenElsewhere | None:
    """The office program's lock file beside the workbook, beside any link it goes
    through, or beside the file itself, if there is one."""
    chain = _chain(workbook)
    folders = dict.fromkeys(path.parent for path in chain)
    names = dict.fromkeys(path.name for path in chain)
    for folder in folders:
        for name in names:
            for program, lock, owner in (
                ("Excel", folder / f"~${name}", excel_owner),
                ("LibreOffice", folder / f".~lock.{name}#", libreoffice_owner),
            ):
                if not lock.exists():
                    continue
                try:
                    who = owner(lock.read_bytes())
                except (OSError, UnicodeDecodeError):
                    who = None  # held open by the program: it is open, by whom is unknown
                return OpenElsewhere(program, lock, None if who is None else inert(who))
    return None


def refuse_if_open(workbook: Path) -> None:
    """A headless command does not rewrite a workbook an office program has open."""
    found = open_elsewhere(workbook)
    if found is None:
        return
    by = f" by {found.who}" if found.who else ""
    raise WorkbookError(
        f"the workbook is open in {found.program}{by} (its lock file {found.lock_file} is "
        "there), so SMSync does not rewrite it: saving it there would undo this run, or "
        "this run would undo their changes",
        where=str(workbook),
        advice=f"Close the workbook in {found.program}"
        + (f" (ask {found.who} to)" if found.who else "")
        + ", then run the step again; or press the button in the open workbook itself. If "
        "nobody has it open (the lock file is left from a crash), delete the lock file or "
        "pass --force. Nothing was changed.",
    )
