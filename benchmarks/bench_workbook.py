"""The workbook without Excel at scale: Refresh, Check All, reading the ticks back and
Synchronize on a demo-shaped Sage 50 company of N customers, each against an anchor
measured in the same run (these machines are shared and noisy: read the ratios).

    python benchmarks/bench_workbook.py               # 100,000 customers
    python benchmarks/bench_workbook.py --rows 5000   # quick
    python benchmarks/bench_workbook.py --data /tmp/bench-company   # keep the company

The company: N Sage 50 customers, 15 % NEW, 10 % DIFFERENT (phone), 5 % INVALID (a
space in the ID), the rest IN SYNC, and 5,000 SMSTurbo-only customers (N / 20 below
100,000). Setup's Lists is "not in sync", so Refresh fills both tables and Check All
ticks every NEW and DIFFERENT row (25,000 at 100,000 customers).

Figures (medians of --repeat runs):
- refresh: macros.refresh on a FileBook, in this process; and the whole
  ``smsync-xl refresh --yes`` process (start-up included), with its peak memory;
- anchor: openpyxl's write-only workbook writing the same rows to a file;
- check-all: in this process and as the whole process;
- read ticks: FileBook(...).read_table("Sage50-only") against python-calamine reading
  the same sheet (from_path + to_python);
- synchronize: the whole ``smsync-xl synchronize --yes`` process of the ticked rows,
  with its peak memory (GNU time's maximum resident set of that process);
- refresh after one synchronize: the whole process, against the fresh refresh;
- sync: the headless ``smsync-xl sync --settings settings.toml --yes`` process on fresh
  databases (no workbook), taking the default choice (what Check All ticks), with its
  peak memory.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import openpyxl
import xlsxwriter
from openpyxl import Workbook
from python_calamine import CalamineWorkbook

from smsync_xl import app, macros
from smsync_xl.book.file import FileBook
from smsync_xl.book.layout import SAGE_ONLY, TURBO_ONLY, setup_layout
from smsync_xl.book.sheets import table_rows
from smsync_xl.core.fields import CUSTOMER
from smsync_xl.core.vocabulary import View
from smsync_xl.demo.company import (
    DEMO_FILES,
    SETTINGS_TEMPLATE,
    create_sage_company,
    create_smsturbo,
)
from smsync_xl.demo.data import DemoLists, DemoRecord, _base
from smsync_xl.files.package_files import workbook_path
from smsync_xl.files.settings_file import load_settings

ROOT = Path(__file__).resolve().parent.parent
BOOK = "SMSync.xlsm"


def records(count: int) -> list[DemoRecord]:
    """15 % NEW, 10 % DIFFERENT, 5 % INVALID, 70 % IN SYNC; then SMSTurbo-only ones."""
    found = []
    for n in range(count):
        kind = n % 20
        if kind < 3:
            found.append(DemoRecord(_base(f"N{n:07d}", f"New Customer {n} Hauling")))
        elif kind < 5:
            values = _base(f"D{n:07d}", f"Different Customer {n} Gravel")
            found.append(DemoRecord(values, turbo={**values, "phone1": "217-555-0999"}))
        elif kind < 6:
            found.append(DemoRecord(_base(f"BAD {n:06d}", f"Invalid Customer {n}")))
        else:
            values = _base(f"C{n:07d}", f"Customer {n} Hauling")
            found.append(DemoRecord(values, turbo=dict(values)))
    for n in range(min(5000, count // 20)):
        values = _base(f"T{n:07d}", f"Scale House Only {n}")
        found.append(DemoRecord(values, in_sage=False, turbo=dict(values)))
    return found


def company(folder: Path, count: int) -> Path:
    """The company, SMSTurbo and a workbook whose Setup shows 'not in sync' (cached)."""
    folder = folder / f"company-{count}"
    if (folder / BOOK).exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    demo = records(count)
    create_sage_company(folder / "sage50_demo.sqlite", DemoLists(demo))
    create_smsturbo(folder / "smsturbo_demo.sqlite", DemoLists(demo))
    (folder / "settings.toml").write_text(SETTINGS_TEMPLATE, encoding="utf-8")
    shutil.copyfile(workbook_path(), folder / "setup.xlsm")
    port = book(folder / "setup.xlsm")
    port.write_cell("Setup", setup_layout().setting("view").cell, View.NOT_IN_SYNC.label)
    port.finish()
    (folder / "setup.xlsm").rename(folder / BOOK)
    return folder


def copy(source: Path, target: Path, workbook: Path | None = None) -> Path:
    """A fresh run folder: the company's databases and settings, and a workbook."""
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for name in DEMO_FILES:
        shutil.copyfile(source / name, target / name)
    shutil.copyfile(workbook or source / BOOK, target / BOOK)
    return target / BOOK


def book(path: Path) -> FileBook:
    return FileBook(path, confirm=lambda _: True, alert=lambda _: None, status=lambda _: None)


class Timed:
    """A port that adds up the time spent in it: the workbook's share of a macro."""

    def __init__(self, port: FileBook) -> None:
        self.port = port
        self.seconds = 0.0

    def __getattr__(self, name: str) -> object:
        found = getattr(self.port, name)
        if name in ("confirm", "alert", "status", "ask_password") or not callable(found):
            return found

        def timed(*args: object) -> object:
            start = time.perf_counter()
            try:
                return found(*args)
            finally:
                self.seconds += time.perf_counter() - start

        return timed


def in_process(macro: Callable[[Timed], object], path: Path) -> tuple[float, float]:
    """Seconds of the macro on a FileBook, and the seconds spent in the FileBook."""
    port = Timed(book(path))
    seconds = timed(lambda: macro(port))
    return seconds, port.seconds


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


TIME = Path("/usr/bin/time")
"""GNU time, to take a process's peak memory: the ru_maxrss that os.wait4 gives for a
child this process starts is at least this process's own peak (Linux keeps the
high-water mark of the memory the child is started from), and this process holds the
anchor's rows."""


def process(command: str, path: Path) -> tuple[float, float]:
    """Seconds and peak MiB of the whole ``smsync-xl COMMAND BOOK`` process; for ``sync``,
    PATH is the settings file."""
    if command == "sync":
        arguments = [command, "--settings", str(path), "--yes"]
    else:
        arguments = [command, str(path)] + (["--yes"] if command != "check-all" else [])
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    peak_file = path.with_name("peak.txt")
    measured = [str(TIME), "-f", "%M", "-o", str(peak_file)] if TIME.exists() else []
    start = time.perf_counter()
    child = subprocess.Popen(
        [*measured, sys.executable, "-c", "from smsync_xl.cli import main; main()", *arguments],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode not in (0,):
        raise SystemExit(f"smsync-xl {command} exited with {child.returncode}")
    if measured:
        return seconds, int(peak_file.read_text().split()[-1]) / 1024
    return seconds, usage.ru_maxrss / 1024  # an upper bound (see TIME)


def anchor_rows(folder: Path) -> dict[str, list[list[object]]]:
    settings = load_settings(folder / "settings.toml")
    (plan,) = app.plan(app.open_session(settings), [CUSTOMER])
    return table_rows(plan, View.NOT_IN_SYNC)


def openpyxl_write(rows: dict[str, list[list[object]]], target: Path) -> None:
    """The anchor: openpyxl's write-only workbook, the same rows, saved to a file."""
    workbook = Workbook(write_only=True)
    for title, body in rows.items():
        sheet = workbook.create_sheet(title)
        for row in body:
            sheet.append(row)
    workbook.save(target)


def xlsxwriter_write(rows: dict[str, list[list[object]]], target: Path) -> None:
    """The writer-speed anchor: XlsxWriter in constant-memory mode, the same rows."""
    workbook = xlsxwriter.Workbook(str(target), {"constant_memory": True})
    for title, body in rows.items():
        sheet = workbook.add_worksheet(title)
        for number, row in enumerate(body):
            sheet.write_row(number, 0, row)
    workbook.close()


def calamine_read(path: Path) -> list[list[object]]:
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(SAGE_ONLY)
    return sheet.to_python(skip_empty_area=False)


def median(values: list[float]) -> float:
    return statistics.median(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="Sage 50 customers")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data", type=Path, help="keep the generated company here")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="bench-workbook-"))
    data = args.data or scratch
    try:
        start = time.perf_counter()
        source = company(data, args.rows)
        print(f"company of {args.rows:,} customers ready in {time.perf_counter() - start:.1f} s")
        run(source, scratch, args.repeat)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def run(source: Path, scratch: Path, repeat: int) -> None:
    figures: dict[str, list[float]] = {}

    def add(name: str, value: float) -> None:
        figures.setdefault(name, []).append(value)

    rows = anchor_rows(source)
    filled = sum(1 for body in rows.values() for row in body for v in row if v is not None)
    cells = sum(len(row) for body in rows.values() for row in body)
    sizes = ", ".join(f"{sheet} {len(body):,} rows" for sheet, body in rows.items())
    print(f"tables: {sizes}; {cells:,} cells, {filled:,} of them not empty")
    print(f"anchor: openpyxl {openpyxl.__version__}, lxml {'on' if openpyxl.LXML else 'off'}")

    refreshed = scratch / "refreshed.xlsm"
    checked = scratch / "checked.xlsm"
    for attempt in range(repeat):
        add("anchor", timed(lambda: openpyxl_write(rows, scratch / "anchor.xlsx")))
        add("xlsxwriter", timed(lambda: xlsxwriter_write(rows, scratch / "xlsxwriter.xlsx")))

        path = copy(source, scratch / "refresh")
        seconds, workbook = in_process(macros.refresh, path)
        add("refresh (in-process)", seconds)
        add("refresh: in the FileBook", workbook)
        if attempt == 0:
            shutil.copyfile(path, refreshed)
        path = copy(source, scratch / "refresh-process")
        seconds, peak = process("refresh", path)
        add("refresh (process)", seconds)
        add("refresh peak MiB", peak)

        path = copy(source, scratch / "check", refreshed)
        seconds, workbook = in_process(macros.check_all, path)
        add("check-all (in-process)", seconds)
        add("check-all: in the FileBook", workbook)
        if attempt == 0:
            shutil.copyfile(path, checked)
        path = copy(source, scratch / "check-process", refreshed)
        seconds, peak = process("check-all", path)
        add("check-all (process)", seconds)
        add("check-all peak MiB", peak)

        add("read ticks (FileBook)", timed(lambda: book(checked).read_table(SAGE_ONLY)))
        add("read ticks (calamine)", timed(lambda: calamine_read(checked)))

        path = copy(source, scratch / "sync", checked)
        seconds, peak = process("synchronize", path)
        add("synchronize (process)", seconds)
        add("synchronize peak MiB", peak)
        add("refresh after synchronize (process)", process("refresh", path)[0])

        path = copy(source, scratch / "sync-headless")
        seconds, peak = process("sync", path.with_name("settings.toml"))
        add("sync (process)", seconds)
        add("sync peak MiB", peak)

    table = book(checked).read_table(SAGE_ONLY)
    ticked = sum(1 for row in table.rows if row[0] == "x")
    turbo = len(book(checked).read_table(TURBO_ONLY).rows)
    print(f"ticked rows synchronized: {ticked:,} (SMSTurbo-only table {turbo:,} rows)")
    m = {name: median(values) for name, values in figures.items()}
    anchor = m["anchor"]
    lines = [
        ("openpyxl write-only, the same cells (anchor)", m["anchor"], "", ""),
        ("refresh, in-process", m["refresh (in-process)"], m["refresh (in-process)"] / anchor,
         "≤ 1× anchor"),
        ("  of which in the FileBook (read Setup, write, save)", m["refresh: in the FileBook"],
         m["refresh: in the FileBook"] / anchor, ""),
        ("refresh, whole process", m["refresh (process)"], m["refresh (process)"] / anchor,
         "≤ 1× anchor"),
        ("XlsxWriter constant-memory, the same cells", m["xlsxwriter"], "", ""),
        ("refresh, whole process / XlsxWriter", m["refresh (process)"],
         m["refresh (process)"] / m["xlsxwriter"], "≤ 1× XlsxWriter"),
        ("check-all, in-process", m["check-all (in-process)"],
         m["check-all (in-process)"] / anchor, "≤ 0.25× anchor"),
        ("  of which in the FileBook", m["check-all: in the FileBook"],
         m["check-all: in the FileBook"] / anchor, ""),
        ("check-all, whole process", m["check-all (process)"], m["check-all (process)"] / anchor,
         "≤ 0.25× anchor"),
        ("read ticks: python-calamine (anchor)", m["read ticks (calamine)"], "", ""),
        ("read ticks: FileBook.read_table", m["read ticks (FileBook)"],
         m["read ticks (FileBook)"] / m["read ticks (calamine)"], "≤ 3× calamine"),
        (f"synchronize {ticked:,} ticked, whole process", m["synchronize (process)"],
         m["synchronize (process)"] / m["refresh (process)"], "≤ 1.2× refresh (process)"),
        ("refresh after one synchronize, whole process",
         m["refresh after synchronize (process)"],
         m["refresh after synchronize (process)"] / m["refresh (process)"],
         "≤ 1.1× fresh refresh (process)"),
        ("sync (headless, default choice), whole process", m["sync (process)"],
         m["sync (process)"] / m["refresh (process)"], "(against refresh, process)"),
    ]  # fmt: skip
    print(f"\nmedians of {repeat}\n")
    print(f"| {'figure':<52} | {'seconds':>8} | {'ratio':>6} | target |")
    print(f"|{'-' * 54}|{'-' * 10}|{'-' * 8}|---|")
    for name, seconds, ratio, target in lines:
        shown = f"{ratio:.2f}" if isinstance(ratio, float) else ""
        print(f"| {name:<52} | {seconds:8.2f} | {shown:>6} | {target} |")
    print(
        f"\npeak memory: refresh process {m['refresh peak MiB']:.0f} MiB, check-all process "
        f"{m['check-all peak MiB']:.0f} MiB, synchronize process "
        f"{m['synchronize peak MiB']:.0f} MiB, sync process {m['sync peak MiB']:.0f} MiB "
        "(target ≤ 512 MiB)"
    )


if __name__ == "__main__":
    main()
