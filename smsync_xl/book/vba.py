"""The workbook's VBA project: xlwings' standalone module and Dictionary class from the
pinned xlwings release, plus our ribbon callbacks from templates/SMSync.bas.

pyopenvba (MIT, pure Python) writes the project on any OS; Excel compiles the modules
from source on first open.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import xlwings

from smsync_xl.core.errors import SmsyncError
from smsync_xl.core.resources import template_path

OUR_MODULE = "SMSync"
XLWINGS_DIR = Path(xlwings.__file__).parent


def _crlf(data: bytes) -> str:
    """VBA source is stored with CRLF line ends, whatever the file on disk has."""
    return data.decode("utf-8").replace("\r\n", "\n").replace("\n", "\r\n")


def xlwings_module() -> str:
    return _crlf((XLWINGS_DIR / "xlwings.bas").read_bytes())


def dictionary_class() -> str:
    """xlwings' Dictionary class, with the two attributes the VBA editor adds on import."""
    source = _crlf((XLWINGS_DIR / "addin" / "Dictionary.cls").read_bytes())
    return source.replace(
        "Attribute VB_Exposed = True\r\n",
        "Attribute VB_Exposed = True\r\nAttribute VB_TemplateDerived = False\r\n"
        "Attribute VB_Customizable = False\r\n",
        1,
    )


def our_module() -> str:
    return _crlf(template_path(f"{OUR_MODULE}.bas").read_bytes())


def add_vba_project(xlsx: bytes) -> bytes:
    """Return the package with a VBA project holding xlwings, Dictionary and SMSync."""
    try:
        from pyopenvba import ExcelFile, VBAModuleKind
    except ImportError:
        raise SmsyncError(
            "building the workbook needs pyopenvba, which is not installed",
            where="build-workbook",
            advice='Install the build extra: pip install "smsync-xl[build]".',
        ) from None

    with tempfile.TemporaryDirectory() as folder:
        stage, result = Path(folder) / "stage.xlsm", Path(folder) / "result.xlsm"
        stage.write_bytes(xlsx)
        with ExcelFile(stage) as book:
            project = book.add_vba_project()
            project.add_module("xlwings", xlwings_module())
            project.add_module("Dictionary", dictionary_class(), kind=VBAModuleKind.other)
            project.add_module(OUR_MODULE, our_module())
            book.save(result)
        return result.read_bytes()
