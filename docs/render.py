"""Render the README's pictures of the real sheets: the demo workbook after Refresh and
Synchronize, each sheet exported by LibreOffice to PDF and then to PNG.

    python docs/render.py            # needs LibreOffice (soffice) and pdftoppm

The sheets are the ones the macros fill; the render copy only sets page layout and
hides the wide address columns so a picture stays readable.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.worksheet.properties import PageSetupProperties

from smsync_xl import macros
from smsync_xl.book.file import FileBook
from smsync_xl.book.layout import (
    HELP_COLUMN,
    INCLUDE,
    KEY,
    LOG,
    LOG_COLUMNS,
    RESULT,
    SAGE_COLUMNS,
    SAGE_ONLY,
    SETUP,
    TURBO_COLUMNS,
    TURBO_ONLY,
    Column,
    column_letter,
    setup_layout,
)
from smsync_xl.core.resources import workbook_path
from smsync_xl.demo.company import create_demo

IMAGES = Path(__file__).parent / "images"
TICKED = (
    "PROSPECT1",
    "PROSPECT2",
    "PROSPECT3",
    "FORMULA1",
    "DIFFNAME",
    "DIFFPHONE",
    "DIFFLIMIT",
    "WENTINACT",
)


def port(path: Path) -> FileBook:
    return FileBook(
        path,
        confirm=lambda question: "missing" not in question,
        alert=print,
        status=lambda _: None,
    )


def tick(path: Path) -> None:
    book = port(path)
    table = book.read_table(SAGE_ONLY)
    key, include = table.column(KEY), table.column(INCLUDE)
    book.write_column(
        SAGE_ONLY,
        INCLUDE,
        ["x" if str(r[key]).split(":", 1)[1] in TICKED else r[include] for r in table.rows],
    )
    book.finish()


def letter(columns: tuple[Column, ...], title: str) -> str:
    return column_letter([c.title for c in columns].index(title))


def render(source: Path, sheet: str, name: str, area: str, hide: str = "") -> None:
    """One sheet, one landscape page, as docs/images/<name>.png."""
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        book = load_workbook(source)
        for other in list(book.sheetnames):
            if other != sheet:
                del book[other]
        page = book[sheet]
        for letter in hide.split():
            page.column_dimensions[letter].hidden = True
        page.print_area = area
        page.page_setup.orientation = "landscape"
        page.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        page.page_setup.fitToWidth, page.page_setup.fitToHeight = 1, 1
        page.print_options.gridLines = True
        copy = folder / f"{name}.xlsx"
        book.save(copy)
        subprocess.run(
            [
                "soffice",
                f"-env:UserInstallation=file://{folder}/profile",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                str(folder),
                str(copy),
            ],
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "110",
                "-singlefile",
                str(folder / f"{name}.pdf"),
                str(IMAGES / name),
            ],
            check=True,
        )


def main() -> None:
    IMAGES.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        create_demo(folder)
        book = folder / "SMSync.xlsm"
        shutil.copyfile(workbook_path(), book)
        render(book, SETUP, "1-setup", f"A1:{HELP_COLUMN}{setup_layout().last_row}")
        macros.refresh(port(book))
        tick(book)
        render(book, SAGE_ONLY, "2-sage50-only", f"A1:{letter(SAGE_COLUMNS, 'Reason')}40")
        render(book, TURBO_ONLY, "3-smsturbo-only", f"A1:{letter(TURBO_COLUMNS, 'Note')}20")
        macros.synchronize(port(book))
        shown = ("Include", "Status", "ID", "Name", "Credit Status", "Inactive", RESULT)
        hidden = " ".join(
            letter(SAGE_COLUMNS, c.title) for c in SAGE_COLUMNS if c.title not in shown
        )
        render(
            book, SAGE_ONLY, "4-after-synchronize", f"A1:{letter(SAGE_COLUMNS, RESULT)}32", hidden
        )
        render(book, LOG, "5-log", f"A1:{letter(LOG_COLUMNS, 'Detail')}30")
        macros.show_entity("materials", port(book))
        render(book, SAGE_ONLY, "6-materials", f"A1:{letter(SAGE_COLUMNS, 'Expense GL #')}28")
    for image in sorted(IMAGES.glob("*.png")):
        print(image)


if __name__ == "__main__":
    main()
