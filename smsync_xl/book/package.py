"""The .xlsm package as a zip: make it macro-enabled, add the ribbon parts, and write
every part in a fixed order with fixed timestamps so a rebuild gives the same bytes.

Used last by the builder and again after every headless save, because openpyxl keeps
the VBA project but drops the 2009 ribbon part's relationship when it saves.
"""

from __future__ import annotations

import io
import re
import zipfile

from smsync_xl.files.package_files import template_path

RIBBON_2006 = "customUI/customUI.xml"
RIBBON_2009 = "customUI/customUI14.xml"
REL_2006 = "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility"
REL_2009 = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
XLSM_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_FIRST = ("[Content_Types].xml", "_rels/.rels")


def read_parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def ribbon_parts() -> dict[str, bytes]:
    """Both ribbon parts from templates/: Office 2010+ reads customUI14, 2007 customUI."""
    return {
        RIBBON_2006: template_path("customUI.xml").read_bytes(),
        RIBBON_2009: template_path("customUI14.xml").read_bytes(),
    }


def _with_ribbon_relationships(rels: str) -> str:
    rels = re.sub(r"<Relationship [^>]*ui/extensibility\"[^>]*/>", "", rels)
    extra = (
        f'<Relationship Id="rIdSMSyncUI" Type="{REL_2006}" Target="{RIBBON_2006}"/>'
        f'<Relationship Id="rIdSMSyncUI14" Type="{REL_2009}" Target="{RIBBON_2009}"/>'
    )
    return rels.replace("</Relationships>", extra + "</Relationships>", 1)


def finish_package(data: bytes, ribbon: dict[str, bytes] | None = None) -> bytes:
    """Macro-enabled content type, both ribbon parts and their relationships, fixed bytes.

    ``ribbon`` defaults to the parts in templates/; a saved workbook passes its own.
    """
    parts = read_parts(data)
    parts.update(ribbon or ribbon_parts())
    types = parts["[Content_Types].xml"].decode("utf-8").replace(XLSX_MAIN, XLSM_MAIN)
    parts["[Content_Types].xml"] = types.encode("utf-8")
    rels = _with_ribbon_relationships(parts["_rels/.rels"].decode("utf-8"))
    parts["_rels/.rels"] = rels.encode("utf-8")
    return write_parts(parts)


def write_parts(parts: dict[str, bytes]) -> bytes:
    """A zip with the parts in a fixed order and fixed metadata."""
    ordered = [n for n in _FIRST if n in parts] + sorted(n for n in parts if n not in _FIRST)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in ordered:
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0
            archive.writestr(info, parts[name], compresslevel=6)
    return buffer.getvalue()
