"""Read the xlwings version a workbook's VBA was made for, without Excel.

xlwings' standalone module declares ``Public Const XLWINGS_VERSION As String = "0.37.8"``
(xlwings.bas, and ``RunPython`` on a Mac calls the AppleScript of that version). A workbook
kept across ``pip install -U xlwings`` still carries the old module, whose calls no longer
match the Python package: ``doctor`` compares the two.

The module's source sits in the ``VBA/xlwings`` stream of ``xl/vbaProject.bin`` (an OLE
compound file, read with olefile), compressed as MS-OVBA 2.4.1 describes, after the
p-code Excel may have put in front of it.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import olefile

from smsync_xl.core.errors import WorkbookError

XLWINGS_STREAM = "VBA/xlwings"
VERSION_LINE = re.compile(rb'XLWINGS_VERSION As String = "([^"\r\n]+)"')
_CONTAINER_START = re.compile(rb"\x01[\x00-\xff][\xb0-\xbf]\x00Attribut", re.DOTALL)
"""A CompressedContainer (signature 0x01) whose first chunk is compressed (header flag
0xB000) and begins with eight literal tokens: every module's source starts with
``Attribute VB_Name``."""


def decompress(data: bytes, start: int = 0) -> bytes:
    """MS-OVBA 2.4.1.3.1: decompress the CompressedContainer at ``start``."""
    if data[start] != 1:
        raise ValueError("not a CompressedContainer")
    out = bytearray()
    chunk = start + 1
    while chunk + 2 <= len(data):
        header = int.from_bytes(data[chunk : chunk + 2], "little")
        size = (header & 0x0FFF) + 3
        end = min(chunk + size, len(data))
        position = chunk + 2
        chunk_start = len(out)
        if not header & 0x8000:  # raw chunk: 4096 bytes as they are
            out += data[position : position + 4096]
            chunk = position + 4096
            continue
        while position < end:
            flags = data[position]
            position += 1
            for bit in range(8):
                if position >= end:
                    break
                if not flags >> bit & 1:
                    out.append(data[position])
                    position += 1
                    continue
                token = int.from_bytes(data[position : position + 2], "little")
                position += 2
                done = len(out) - chunk_start
                offset_bits = max((done - 1).bit_length(), 4)
                length_mask = 0xFFFF >> offset_bits
                length = (token & length_mask) + 3
                offset = (token >> (16 - offset_bits)) + 1
                for _ in range(length):
                    out.append(out[-offset])
        chunk = end
    return bytes(out)


def xlwings_vba_version(workbook: Path) -> str | None:
    """The XLWINGS_VERSION constant of the workbook's xlwings module; None when the
    workbook has no xlwings module. Raises WorkbookError when the file is unreadable."""
    try:
        with zipfile.ZipFile(workbook) as package:
            project = package.read("xl/vbaProject.bin")
    except (OSError, zipfile.BadZipFile, KeyError) as error:
        raise WorkbookError(
            f"its VBA project could not be read ({error})",
            where=str(workbook),
            advice="Install a fresh copy: smsync-xl install --force.",
        ) from None
    try:
        # A BytesIO, never bytes: olefile takes bytes under 1,536 long for a file name.
        with olefile.OleFileIO(io.BytesIO(project)) as ole:
            if not ole.exists(XLWINGS_STREAM):
                return None
            stream = ole.openstream(XLWINGS_STREAM).read()
    except OSError as error:  # olefile's NotOleFileError and OleFileError are OSErrors
        raise WorkbookError(
            f"its VBA project (xl/vbaProject.bin) is damaged ({error}), so Excel cannot run "
            "its macros",
            where=str(workbook),
            advice="Install a fresh copy: smsync-xl install --force (the damaged one is "
            "kept as a dated backup).",
        ) from None
    return module_version(stream)


def module_version(stream: bytes) -> str | None:
    """XLWINGS_VERSION from a module stream, past any p-code in front of its source."""
    for start in _CONTAINER_START.finditer(stream):
        try:
            source = decompress(stream, start.start())
        except (IndexError, ValueError):
            continue
        found = VERSION_LINE.search(source)
        if found:
            return found.group(1).decode("ascii", "replace")
    return None
