"""What we write must read the same in python-calamine and LibreOffice, not only in
openpyxl."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from python_calamine import CalamineWorkbook

from smsync_xl import macros
from smsync_xl.book.layout import KEY, SAGE_ONLY, TABLE_COLUMNS, TURBO_ONLY, VISIBLE, column_letter

from .workbook_helpers import Dialogs, demo_workbook, open_book

SHEETS = (SAGE_ONLY, TURBO_ONLY)


def canonical(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float | int) and not isinstance(value, bool):
        return f"{float(value):.2f}"
    return str(value)


def formulas(sheet: str) -> set[int]:
    """Columns holding a formula: openpyxl reads the formula, other readers its result."""
    return {i for i, c in enumerate(TABLE_COLUMNS[sheet]) if c.formula}


def grid(sheet: str, rows) -> list[list[str]]:
    width = len(TABLE_COLUMNS[sheet])
    skipped = formulas(sheet)
    cleaned = [
        [canonical(v) for i, v in enumerate(row[:width]) if i not in skipped] for row in rows
    ]
    while cleaned and not any(cleaned[-1]):
        cleaned.pop()
    return [row + [""] * (width - len(skipped) - len(row)) for row in cleaned]


def column(sheet: str, title: str) -> int:
    return [c.title for c in TABLE_COLUMNS[sheet]].index(title)


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    path = demo_workbook(tmp_path_factory.mktemp("readers"))
    assert macros.refresh(open_book(path, Dialogs(True, False)))
    port = open_book(path)
    expected = {}
    for sheet in SHEETS:
        last = column_letter(len(TABLE_COLUMNS[sheet]) - 1)
        expected[sheet] = grid(sheet, port.read_range(sheet, f"A5:{last}{5 + 40}"))
    return path, expected


def test_calamine_reads_the_same_values(filled):
    path, expected = filled
    book = CalamineWorkbook.from_path(str(path))
    for sheet in SHEETS:
        rows = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        assert grid(sheet, rows[4:45]) == expected[sheet]


def libreoffice() -> str | None:
    found = shutil.which("soffice")
    if found is None and os.environ.get("CI"):
        pytest.fail("LibreOffice is missing in CI: apt-get install libreoffice-calc-nogui")
    return found


def test_libreoffice_reads_the_same_values(filled, tmp_path):
    """LibreOffice opens the workbook and saves it in its own format (ODS); reading that
    back shows what LibreOffice understood, types included (text stays text)."""
    soffice = libreoffice()
    if soffice is None:
        pytest.skip("LibreOffice not installed (apt-get install libreoffice-calc-nogui)")
    path, expected = filled
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--headless",
            "--convert-to",
            "ods",
            "--outdir",
            str(tmp_path),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    book = CalamineWorkbook.from_path(str(tmp_path / "SMSync.ods"))
    for sheet in SHEETS:
        rows = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        assert grid(sheet, rows[4:45]) == expected[sheet]
        # LibreOffice computes the Visible formula (its structured references): 1 on
        # every row holding a record, none hidden, blank below the records
        key, visible = column(sheet, KEY), column(sheet, VISIBLE)
        body = [r for r in rows[5:45] if len(r) > visible]
        records = [r for r in body if r[key]]
        assert records and all(r[visible] == 1 for r in records)
        assert all(r[visible] in ("", None) for r in body if not r[key])
