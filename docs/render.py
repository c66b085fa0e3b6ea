"""Render the README's pictures as the bookkeeper sees the screen: the demo workbook after
Refresh and Synchronize, each sheet opened in a real spreadsheet window (LibreOffice Calc
under a virtual X display), photographed and cropped to the part that tells the story.

    apt-get install -y libreoffice-calc xvfb xdotool imagemagick \
        fonts-crosextra-carlito fonts-crosextra-caladea   # Debian; pngquant optional
    .venv/bin/python docs/render.py   # the Python SMSync is installed in

Each picture is a copy of the workbook saved by openpyxl with its view set (active sheet,
zoom, selected cell, hidden columns, one filter); the sheets and their contents are the
ones the macros fill. The Carlito and Caladea fonts stand in for Excel's Calibri and
Cambria with the same widths, so the columns fit as they do in Excel.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

try:
    from openpyxl import load_workbook
    from openpyxl.worksheet.filters import FilterColumn, Filters

    from smsync_xl import macros
    from smsync_xl.book.file import FileBook
    from smsync_xl.book.layout import (
        CHANGES,
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
    )
    from smsync_xl.demo.company import create_demo
    from smsync_xl.files.package_files import workbook_path
except ModuleNotFoundError as missing:
    if missing.name not in {"openpyxl", "smsync_xl"}:
        raise
    raise SystemExit(
        f"docs/render.py needs SMSync and its packages ({missing.name} is missing from "
        f"{sys.executable}): run it with the Python of the environment SMSync is installed "
        "in, e.g. python3 -m venv .venv && .venv/bin/pip install -e . && "
        ".venv/bin/python docs/render.py"
    ) from None

IMAGES = Path(__file__).parent / "images"
DISPLAY = ":99"
SCREEN = (1700, 1500)
SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Linguistic/SpellChecking">
<prop oor:name="IsSpellAuto" oor:op="fuse"><value>false</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc">
<prop oor:name="ShowTipOfTheDay" oor:op="fuse"><value>false</value></prop></item>
</oor:items>
"""
"""The LibreOffice profile's settings: no red spelling underlines, no tip of the day."""
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


@dataclass(frozen=True)
class Shot:
    """One picture: which sheet, which columns stay shown, the crop (width x height) taken
    from the window's top-left corner, and an optional filter (column title, value)."""

    name: str
    sheet: str
    crop: tuple[int, int]
    shown: tuple[str, ...] = ()
    columns: tuple[Column, ...] = ()
    only: tuple[str, str] | None = None
    zoom: int = 110


STORY = ("Include", "Status", "ID", "Name", "Credit Status", "Inactive", CHANGES)


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


TOOLS = {
    "soffice": "libreoffice-calc",
    "Xvfb": "xvfb",
    "xdotool": "xdotool",
    "import": "imagemagick",
    "convert": "imagemagick",
}
"""The programs the pictures need, with the Debian package of each."""


def run(*command: str, timeout: float = 60) -> str:
    """What ``command`` prints; when it fails, a message naming it and what it said (the
    pictures made before it are kept), not a traceback."""
    try:
        return attempt(*command, timeout=timeout)
    except subprocess.TimeoutExpired:
        said = f"did not finish within {timeout:.0f} s"
    except subprocess.CalledProcessError as error:
        said = f"failed (exit code {error.returncode}): {error.stderr.strip() or 'no message'}"
    except OSError as error:
        said = f"could not be started: {error.strerror}"
    raise SystemExit(
        f"docs/render.py: {shlex.join(command)} {said}. The pictures made before it are in "
        f"{IMAGES}; check that {command[0]} works on this computer, then run it again."
    )


def attempt(*command: str, timeout: float) -> str:
    env = {**os.environ, "DISPLAY": DISPLAY}
    done = subprocess.run(
        command, check=True, capture_output=True, text=True, timeout=timeout, env=env
    )
    return done.stdout


@contextmanager
def screen() -> Iterator[None]:
    """A virtual X display for the spreadsheet window, stopped afterwards."""
    xvfb = subprocess.Popen(
        ["Xvfb", DISPLAY, "-screen", "0", f"{SCREEN[0]}x{SCREEN[1]}x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(50):
            if xvfb.poll() is not None:
                raise SystemExit(f"Xvfb could not start display {DISPLAY} (already in use?)")
            if run_ok("xdotool", "getdisplaygeometry"):
                break
            time.sleep(0.2)
        else:
            raise SystemExit(f"Xvfb did not start display {DISPLAY}")
        yield
    finally:
        xvfb.terminate()
        try:
            xvfb.wait(10)
        except subprocess.TimeoutExpired:
            xvfb.kill()


def run_ok(*command: str) -> bool:
    try:
        attempt(*command, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return False
    return True


def view_copy(source: Path, shot: Shot, copy: Path) -> None:
    """The workbook as the picture shows it: the sheet active at the zoom, A1 selected,
    the columns outside the story hidden, and the filter (with the rows it hides)."""
    book = load_workbook(source)
    for page in book.worksheets:
        page.sheet_view.tabSelected = page.title == shot.sheet
    page = book[shot.sheet]
    book.active = book.sheetnames.index(shot.sheet)
    page.sheet_view.zoomScale = shot.zoom
    titles = [c.title for c in shot.columns]
    if shot.shown:
        for index, title in enumerate(titles):
            if title not in shot.shown:
                page.column_dimensions[column_letter(index)].hidden = True
    if shot.only:
        title, value = shot.only
        index = titles.index(title)
        table = next(iter(page.tables.values()))
        table.autoFilter.filterColumn = [FilterColumn(colId=index, filters=Filters([value]))]
        first = int(table.ref.split(":")[0].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")) + 1
        for row in range(first, page.max_row + 1):
            cell = page.cell(row, index + 1).value
            page.row_dimensions[row].hidden = cell != value
    for view in page.sheet_view.selection:
        view.activeCell, view.sqref = "A1", "A1"
    book.save(copy)


def photograph(copy: Path, shot: Shot, profile: Path) -> None:
    """Open the copy in LibreOffice Calc, fill the screen with its window, take the
    picture and crop it to docs/images/<name>.png."""
    office = subprocess.Popen(
        [
            "soffice",
            f"-env:UserInstallation=file://{profile}",
            "--norestore",
            "--nologo",
            "--nodefault",
            "--calc",
            str(copy),
        ],
        env={**os.environ, "DISPLAY": DISPLAY},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        window = run(
            "xdotool", "search", "--sync", "--onlyvisible", "--name", copy.stem, timeout=120
        ).split()[0]
        run("xdotool", "windowmove", window, "0", "0")
        run("xdotool", "windowsize", window, str(SCREEN[0]), str(SCREEN[1]))
        run_ok("xdotool", "windowfocus", window)  # no window manager: focus, not activate
        time.sleep(8)
        raw = copy.with_suffix(".png")
        run("import", "-window", "root", str(raw))
        width, height = shot.crop
        target = IMAGES / f"{shot.name}.png"
        run("convert", str(raw), "-crop", f"{width}x{height}+0+0", "+repage", "-strip", str(target))
        if shutil.which("pngquant"):
            run("pngquant", "--force", "--skip-if-larger", "--output", str(target), str(target))
    finally:
        stop(office)


def stop(office: subprocess.Popen[bytes]) -> None:
    """End LibreOffice (its launcher and soffice.bin share the process group)."""
    for signal, wait in ((15, 20), (9, 5)):
        try:
            os.killpg(office.pid, signal)
            office.wait(wait)
            return
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            continue


def shoot(source: Path, shot: Shot, folder: Path) -> None:
    copy = folder / f"{shot.name}.xlsx"
    view_copy(source, shot, copy)
    profile = folder / "profile"
    if not profile.exists():
        (profile / "user").mkdir(parents=True)
        (profile / "user" / "registrymodifications.xcu").write_text(SETTINGS)
    photograph(copy, shot, profile)


def main() -> None:
    missing = {tool: package for tool, package in TOOLS.items() if not shutil.which(tool)}
    if missing:
        named = ", ".join(f"{tool} (Debian package {package})" for tool, package in missing.items())
        raise SystemExit(
            f"docs/render.py needs programs that are not on PATH: {named}. Install them "
            f"(apt-get install -y {' '.join(sorted(set(missing.values())))}), then run it again."
        )
    IMAGES.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as name, screen():
        folder = Path(name)
        create_demo(folder)
        book = folder / "SMSync.xlsm"
        shutil.copyfile(workbook_path(), book)
        shoot(book, Shot("1-setup", SETUP, (1400, 1370)), folder)
        macros.refresh(port(book))
        tick(book)
        sage = dict(columns=SAGE_COLUMNS, crop=(1400, 800))
        shoot(book, Shot("2-sage50-only", SAGE_ONLY, shown=(*STORY, "Reason"), **sage), folder)
        shoot(
            book,
            Shot(
                "2b-filter-inactive",
                SAGE_ONLY,
                (1400, 350),
                STORY,
                SAGE_COLUMNS,
                only=("Credit Status", "INACTIVE"),
            ),
            folder,
        )
        turbo = ("Include", "ID", "Name", "Credit Status", "Inactive", "Note")
        shoot(
            book,
            Shot("3-smsturbo-only", TURBO_ONLY, (1200, 590), turbo, TURBO_COLUMNS),
            folder,
        )
        macros.synchronize(port(book))
        shown = (*STORY[:-1], RESULT)
        shoot(book, Shot("4-after-synchronize", SAGE_ONLY, shown=shown, **sage), folder)
        log = ("Time", "User", "Action", "Run", "Summary")
        shoot(book, Shot("5-log", LOG, (1200, 320), log, LOG_COLUMNS), folder)
        macros.show_entity("materials", port(book))
        items = ("Include", "Status", "ID", "Description", "Inactive", CHANGES, "Other differences")
        shoot(book, Shot("6-materials", SAGE_ONLY, (1400, 760), items, SAGE_COLUMNS), folder)
    for image in sorted(IMAGES.glob("*.png")):
        print(image, image.stat().st_size // 1024, "KB")


if __name__ == "__main__":
    main()
