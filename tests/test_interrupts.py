"""Interrupts tell the truth (issue 19, item 17), with real subprocesses and real
signals. The command pauses at a chosen moment (SMSYNC_TEST_PAUSE: inside SMSTurbo's
write transaction, or right after its commit) and writes a marker file; the test waits
for the marker, sends the signal, and the command goes on only once it has noted it, so
the signal lands exactly there every time."""

from __future__ import annotations

import os
import pty
import select
import shlex
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from smsync_xl import macros
from smsync_xl.app.interrupts import PAUSE
from smsync_xl.book.file import FileBook
from smsync_xl.book.layout import INCLUDE, LOG, RESULT, SAGE_ONLY
from smsync_xl.demo.company import create_demo

from .conftest import audit_rows, dump
from .workbook_helpers import Dialogs, demo_workbook, open_book

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX signals")

CLI = [sys.executable, "-c", "from smsync_xl.cli import main; main()"]


def interrupted(args: list[str], phase: str, signum: int, tmp_path: Path) -> tuple[int, str]:
    """Run the command, send ``signum`` when it reaches ``phase``; exit code and output.
    The marker file lies beside ``tmp_path``, so a command may own that whole folder."""
    code, output, _ = interrupted_timed(args, phase, signum, tmp_path)
    return code, output


def interrupted_timed(
    args: list[str], phase: str, signum: int, tmp_path: Path
) -> tuple[int, str, float]:
    """``interrupted``, and the seconds from the signal to the command's end (never its
    start-up, which a loaded machine makes as slow as it likes)."""
    marker = tmp_path.parent / f"{tmp_path.name}-reached-{phase}"
    process = subprocess.Popen(
        [*CLI, *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, PAUSE: f"{phase}:{marker}"},
    )
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert process.poll() is None, process.communicate()[0]
        assert time.monotonic() < deadline, "the command never reached " + phase
        time.sleep(0.01)
    os.kill(process.pid, signum)
    sent = time.monotonic()
    output = process.communicate(timeout=120)[0]
    return process.returncode, output, time.monotonic() - sent


SIGNALS = [(signal.SIGINT, "Ctrl-C"), (signal.SIGHUP, "the terminal was closed")]


@pytest.mark.parametrize(("signum", "why"), SIGNALS, ids=["SIGINT", "SIGHUP"])
def test_an_interrupt_after_the_commit_says_what_was_committed(tmp_path, signum, why):
    """The advice names the database and repeats --settings exactly: a bare 'smsync-xl
    undo' would read ./settings.toml and could undo another database's run."""
    settings = create_demo(tmp_path / "my demo")
    named = shlex.quote(str(settings))
    code, output = interrupted(
        ["sync", "--settings", str(settings), "--yes"], "committed", signum, tmp_path
    )
    assert code == 128 + signum, output
    assert (
        f"Interrupted ({why}) after SMSTurbo WAS changed: Synchronize run 1 is committed "
        "(Import completed: 19 created, 16 updated, 0 skipped, 0 conflicts) in the SMSTurbo "
        f"database {tmp_path / 'my demo' / 'smsturbo_demo.sqlite'}. 'smsync-xl runs "
        f"--settings {named} --details 1' lists every change, and 'smsync-xl undo --settings "
        f"{named}' takes it back"
    ) in " ".join(output.split())
    assert "Aborted!" not in output and "Traceback" not in output
    assert audit_rows(tmp_path / "my demo" / "smsturbo_demo.sqlite")[0] == 1


@pytest.mark.parametrize(("signum", "why"), SIGNALS, ids=["SIGINT", "SIGHUP"])
def test_an_interrupt_before_the_commit_changes_nothing(tmp_path, signum, why):
    settings = create_demo(tmp_path)
    database = tmp_path / "smsturbo_demo.sqlite"
    before = dump(database, audit=True)
    code, output = interrupted(
        ["sync", "--settings", str(settings), "--yes"], "writing", signum, tmp_path
    )
    assert code == 128 + signum, output
    assert f"Interrupted ({why}): nothing was changed in SMSTurbo." in output
    assert "Aborted!" not in output and "Traceback" not in output and "WAS" not in output
    assert dump(database, audit=True) == before


def ticked_workbook(tmp_path: Path) -> Path:
    path = demo_workbook(tmp_path)
    assert macros.refresh(open_book(path, Dialogs(True, False)))
    assert macros.check_all(open_book(path))
    return path


def test_the_workbook_gets_its_results_when_interrupted_after_the_commit(tmp_path):
    path = ticked_workbook(tmp_path)
    code, output = interrupted(
        ["synchronize", str(path), "--yes"], "committed", signal.SIGINT, tmp_path
    )
    assert code == 130, output
    assert "Interrupted (Ctrl-C) after SMSTurbo WAS changed: Synchronize run 1 is committed" in (
        output
    )
    undo = f"'smsync-xl undo {path}' takes it back"
    assert "".join(undo.split()) in "".join(output.split())  # the terminal wraps the path
    assert f"{tmp_path / 'smsturbo_demo.sqlite'}. The workbook's Log names run 1, and" in (
        " ".join(output.split())
    )
    assert "undo --settings" not in output and "Undo last synchronization button" not in output
    assert "Aborted!" not in output and "Traceback" not in output
    book = open_book(path)
    table = book.read_table(SAGE_ONLY)
    include, result = table.column(INCLUDE), table.column(RESULT)
    ticked = [row for row in table.rows if row[include] == "x"]
    assert len(ticked) == 18
    assert all(str(row[result]).startswith(("created", "updated: ")) for row in ticked)
    log = book.read_table(LOG).rows
    assert [row[3] for row in log] == ["Refresh", "Synchronize"] and log[-1][4] == 1


def test_the_workbook_is_left_as_it_was_when_interrupted_before_the_commit(tmp_path):
    path = ticked_workbook(tmp_path)
    workbook = path.read_bytes()
    database = tmp_path / "smsturbo_demo.sqlite"
    before = dump(database, audit=True)
    code, output = interrupted(
        ["synchronize", str(path), "--yes"], "writing", signal.SIGHUP, tmp_path
    )
    assert code == 129, output
    assert "Interrupted (the terminal was closed): nothing was changed in SMSTurbo." in output
    assert path.read_bytes() == workbook
    assert dump(database, audit=True) == before


def no_terminal(*args: str) -> tuple[int, str]:
    run = subprocess.run(
        [*CLI, *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return run.returncode, run.stdout + run.stderr


def test_a_question_with_no_terminal_to_answer_names_yes(tmp_path):
    settings = create_demo(tmp_path)
    database = tmp_path / "smsturbo_demo.sqlite"
    before = dump(database, audit=True)
    code, output = no_terminal("sync", "--settings", str(settings))
    assert code == 1, output
    assert (
        "SMSync asked 'Synchronize 35 record(s) (customers PROSPECT1, PROSPECT2, PROSPECT3, "
        "PROSPECT4, FORMULA1 and 30 more) from Sage 50 company 'Bellwether Aggregates "
        "& Hauling' into SMSTurbo?' but nobody can answer: there is no terminal"
    ) in output
    assert "Run the command again with --yes" in output and "Nothing was changed" in output
    assert "Aborted!" not in output and "Traceback" not in output
    assert dump(database, audit=True) == before


def test_a_button_twin_with_no_terminal_to_answer_names_yes_and_leaves_the_file(tmp_path):
    """It says nothing was changed, so the workbook file is not rewritten (no error Log
    row either)."""
    path = ticked_workbook(tmp_path)
    workbook = path.read_bytes()
    database = tmp_path / "smsturbo_demo.sqlite"
    before = dump(database, audit=True)
    code, output = no_terminal("synchronize", str(path))
    assert code == 1, output
    assert "SMSync asked 'Bring 18 customers from Sage 50 company" in output
    assert "but nobody can answer" in output and "--yes" in output
    assert "Nothing was changed" in output
    assert "unexpected error" not in output and "Traceback" not in output
    assert path.read_bytes() == workbook
    assert dump(database, audit=True) == before


def hung_up(args: list[str], phase: str, tmp_path: Path) -> tuple[int, str]:
    """Run the command in a real pseudo-terminal, its stderr to a file, and close the
    terminal when the command reaches ``phase`` (SIGHUP; its terminal output then fails
    with EIO); exit code and what reached stderr."""
    marker, errors = tmp_path / f"reached-{phase}", tmp_path / "stderr.txt"
    pid, terminal = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            os.dup2(os.open(errors, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), 2)
            os.execve(CLI[0], [*CLI, *args], {**os.environ, PAUSE: f"{phase}:{marker}"})
        finally:
            os._exit(127)
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert time.monotonic() < deadline, "the command never reached " + phase
        if select.select([terminal], [], [], 0.05)[0]:
            try:
                os.read(terminal, 65536)
            except OSError:
                break
    os.close(terminal)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), errors.read_text(encoding="utf-8")


def test_a_closed_terminal_after_the_commit_is_told_on_stderr_and_in_the_log(tmp_path):
    """Writing to the hung-up terminal fails (EIO): that is not an "unexpected error",
    and never "SMSTurbo was not changed" once it was."""
    path = ticked_workbook(tmp_path)
    code, errors = hung_up(["synchronize", str(path), "--yes"], "committed", tmp_path)
    assert code == 129, errors
    assert (
        "Interrupted (the terminal was closed) after SMSTurbo WAS changed: Synchronize run 1 "
        "is committed"
    ) in errors
    assert "not changed" not in errors and "unexpected" not in errors
    assert "Traceback" not in errors
    log = open_book(path).read_table(LOG).rows
    assert [row[3] for row in log] == ["Refresh", "Synchronize"] and log[-1][4] == 1
    assert audit_rows(tmp_path / "smsturbo_demo.sqlite")[0] == 1


def test_a_closed_terminal_after_the_commit_of_sync_is_told_on_stderr(tmp_path):
    settings = create_demo(tmp_path)
    code, errors = hung_up(["sync", "--settings", str(settings), "--yes"], "committed", tmp_path)
    assert code == 129, errors
    assert "after SMSTurbo WAS changed: Synchronize run 1 is committed" in errors
    assert "Traceback" not in errors and "not changed" not in errors


def test_an_unexpected_error_after_the_commit_never_says_nothing_changed(tmp_path):
    """The summary's message box fails after the commit: the message says what SMSTurbo
    holds now, not "SMSTurbo was not changed"."""
    path = ticked_workbook(tmp_path)
    alerts: list[str] = []

    def alert(text: str) -> None:
        alerts.append(text)
        if len(alerts) == 1:
            raise RuntimeError("the message box failed")

    book = FileBook(path, confirm=lambda _: True, alert=alert, status=lambda _: None)
    assert macros.synchronize(book) is None
    assert alerts[-1].startswith("SMSync stopped on an unexpected error: RuntimeError")
    assert "SMSTurbo WAS changed: Synchronize run 1 is committed" in alerts[-1]
    assert "was not changed" not in alerts[-1]


@pytest.mark.parametrize("phase", ["updating", "inserting", "auditing"])
def test_an_interrupt_while_records_are_written_rolls_everything_back(tmp_path, phase):
    """Past the per-record decisions, while updates, batches of inserts or the audit are
    written (a large run spends most of its time there): still before the commit, so the
    transaction rolls back and SMSTurbo is exactly as it was."""
    settings = create_demo(tmp_path)
    database = tmp_path / "smsturbo_demo.sqlite"
    before = dump(database, audit=True)
    code, output = interrupted(
        ["sync", "--settings", str(settings), "--yes"], phase, signal.SIGINT, tmp_path
    )
    assert code == 130, output
    assert "Interrupted (Ctrl-C): nothing was changed in SMSTurbo." in output
    assert "WAS" not in output and "Traceback" not in output
    assert dump(database, audit=True) == before


def test_ctrl_c_while_waiting_for_smsturbos_write_lock_stops_at_once(tmp_path):
    """Another writer holds SQLite's write lock (a second real connection): SMSync
    waits for it, up to 30 seconds. Ctrl-C then stops the run at once, before anything
    is written: exit 130, nothing changed."""
    settings = create_demo(tmp_path)
    database = tmp_path / "smsturbo_demo.sqlite"
    before = dump(database, audit=True)
    other = sqlite3.connect(database, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        code, output, took = interrupted_timed(
            ["sync", "--settings", str(settings), "--yes"], "waiting", signal.SIGINT, tmp_path
        )
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert code == 130, output
    assert "Interrupted (Ctrl-C): nothing was changed in SMSTurbo." in output
    assert "another synchronization" not in output and "Traceback" not in output
    assert took < 15, f"the interrupt waited for the lock ({took:.1f} s)"
    assert dump(database, audit=True) == before


def test_output_that_cannot_be_written_after_the_commit_is_told_on_stderr(tmp_path):
    """stdout is a pipe nobody reads any more (EPIPE): the result goes to stderr, and
    the exit says the output was lost, never "unexpected error"."""
    settings = create_demo(tmp_path)
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        run = subprocess.run(
            [*CLI, "sync", "--settings", str(settings), "--yes"],
            stdin=subprocess.DEVNULL,
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    finally:
        os.close(write_end)
    said = " ".join(run.stderr.split())
    assert run.returncode == 1, run.stderr
    assert "Import completed: 19 created, 16 updated" in said
    assert (
        "Error: some of the output could not be written (Broken pipe). SMSTurbo WAS changed: "
        "Synchronize run 1 is committed"
    ) in said
    assert "Traceback" not in said and "unexpected" not in said
