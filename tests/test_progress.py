"""Progress of long work: each step of Refresh, Check All and Synchronize is shown with
its name, how far it is and its rate, on Excel's status bar (the stand-in) and on the
command line, a few times per step whatever the number of records."""

from __future__ import annotations

import gc
import io
import subprocess
import sys
import tracemalloc
from pathlib import Path

from smsync_xl import macros
from smsync_xl.app import session
from smsync_xl.app.progress import Progress
from smsync_xl.app.terminal_progress import TerminalProgress
from smsync_xl.book.excel import ExcelBook
from smsync_xl.book.file import FileBook
from smsync_xl.book.layout import SAGE_ONLY
from smsync_xl.core.compare import PlanRow
from smsync_xl.core.ports import Cell
from smsync_xl.core.progress import Step

from .test_book_excel import standin
from .workbook_helpers import demo_workbook

CLI = [sys.executable, "-c", "from smsync_xl.cli import main; main()"]


def told(records: int) -> list[Step]:
    steps: list[Step] = []
    ticks = iter(range(10**7))
    progress = Progress(steps.append, clock=lambda: float(next(ticks)))
    with progress.step("counting", records) as counter:
        for _ in range(records):
            counter.advance()
    return steps


def test_a_step_is_told_as_often_for_ten_records_as_for_a_hundred_thousand():
    small, large = told(10), told(100_000)
    assert len(small) == len(large) == 11
    assert [s.done for s in large] == [0, *range(10_000, 100_000, 10_000), 100_000]
    assert large[-1].finished and not any(s.finished for s in large[:-1])
    assert large[-1].line().startswith("SMSync: counting: 100,000 in ")
    assert large[-1].line().endswith(" a second")
    assert large[3].line().startswith("SMSync: counting … 30,000 of 100,000, ")


def test_a_step_that_fails_is_not_told_as_ended():
    steps: list[Step] = []
    try:
        with Progress(steps.append).step("failing", 5):
            raise ValueError("stop")
    except ValueError:
        pass
    assert [s.finished for s in steps] == [False]


def test_excel_shows_each_step_of_refresh_check_all_and_synchronize(tmp_path):
    book, excel = standin(tmp_path, 40)
    port = ExcelBook(book)
    for macro, steps in (
        (macros.refresh, ["reading Sage 50 customers", "reading SMSTurbo customers and "
                          "comparing", "preparing the lists", "writing the Sage50-only sheet",
                          "writing the SMSTurbo-only sheet", "saving the workbook"]),
        (macros.check_all, ["reading the Sage50-only sheet", "writing Include"]),
        (macros.synchronize, ["reading the Sage50-only sheet", "synchronizing",
                              "writing Result"]),
    ):  # fmt: skip
        start = len(excel.status_bar)
        assert macro(port), excel.dialogs
        shown = [text for text in excel.status_bar[start:] if isinstance(text, str)]
        for step in steps:
            assert f"SMSync: {step} …" in shown, (step, shown)
            ended = [t for t in shown if t.startswith(f"SMSync: {step}: ")]
            assert len(ended) == 1, (step, shown)
        assert excel.status_bar[-1] is False  # handed back to Excel
    read = "SMSync: reading Sage 50 customers: 40 in "
    assert any(str(text).startswith(read) for text in excel.status_bar)
    assert any(t.startswith("SMSync: synchronizing … 20 of 40, ") for t in shown), shown


def test_the_command_line_prints_each_step_in_a_log(tmp_path):
    path = demo_workbook(tmp_path)
    run = subprocess.run(
        [*CLI, "refresh", str(path), "--yes"], capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, run.stderr
    lines = run.stderr.splitlines()
    assert "SMSync: reading Sage 50 customers …" in lines
    ended = [line for line in lines if line.startswith("SMSync: writing the Sage50-only sheet: ")]
    assert len(ended) == 1 and ended[0].endswith(" a second"), lines
    assert "\r" not in run.stderr  # no bar in a log


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_bar_redrawn_in_place():
    terminal = Terminal()
    progress = Progress(TerminalProgress(terminal))
    with progress.step("writing", 4) as counter:
        counter.advance(2)
        counter.advance(2)
    drawn = terminal.getvalue()
    assert drawn.startswith("\r[                        ] SMSync: writing …")
    assert "\r[############            ] SMSync: writing … 2 of 4, " in drawn
    assert drawn.endswith(" a second\x1b[K\n") and drawn.count("\n") == 1
    assert "[########################] SMSync: writing: 4 in " in drawn


# Memory: a large company's records and its sheets are not held at once.


class Watched(FileBook):
    """The file adapter, noting what is alive when the use cases call it."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, confirm=lambda _: True, alert=lambda _: None, status=print)
        self.alive: list[str] = []

    def write_table(self, sheet: str, rows: list[list[Cell]]) -> None:
        self.alive += {type(o).__name__ for o in gc.get_objects() if isinstance(o, PlanRow)}
        super().write_table(sheet, rows)


def test_refresh_lets_go_of_the_plan_before_writing_the_sheets(tmp_path):
    standin(tmp_path, 50)
    port = Watched(tmp_path / "SMSync.xlsm")
    assert macros.refresh(port)
    assert port.alive == []
    assert len(port.read_table(SAGE_ONLY).rows) == 50


def test_synchronize_lets_go_of_the_sheets_while_it_writes_smsturbo(tmp_path, monkeypatch):
    standin(tmp_path, 2000)
    path = tmp_path / "SMSync.xlsm"
    assert macros.refresh(Watched(path)) and macros.check_all(Watched(path))
    held: list[int] = []
    apply = session.synchronize

    def measured(*args: object, **kwargs: object) -> object:
        held.append(tracemalloc.get_traced_memory()[0])
        return apply(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(session, "synchronize", measured)
    port = Watched(path)
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        port.read_table(SAGE_ONLY)
        read = tracemalloc.get_traced_memory()[0] - start
        assert macros.synchronize(port)
    finally:
        tracemalloc.stop()
    assert read > 1_000_000  # 2,000 rows' cells and XML
    # before: more than all of it (1.2x); now its values stay (a write reads the header)
    assert held[0] - start < read * 0.6, (held[0] - start, read)
    results = port.read_table(SAGE_ONLY)
    assert [row[results.column("Result")] for row in results.rows].count(None) == 0


def test_every_way_out_of_a_button_hands_the_status_bar_back(tmp_path):
    """A stale SMSync line on Excel's status bar reads as a run still going: Synchronize
    with nothing ticked and a refused button end with the bar handed back too."""
    book, excel = standin(tmp_path, 10)
    port = ExcelBook(book)
    assert macros.refresh(port), excel.dialogs
    assert macros.uncheck_all(port), excel.dialogs
    assert macros.synchronize(port), excel.dialogs  # nothing is ticked
    assert "Nothing is ticked" in excel.dialogs[-1].prompt
    assert excel.status_bar[-1] is False
    book.sheets["Setup"].range("B9").value = "nowhere"  # a refused Refresh
    assert macros.refresh(port) is None
    assert excel.status_bar[-1] is False
