"""The password question on macOS goes through AppleScript (tkinter is often missing from
Mac Pythons): hidden answer, frontmost, None when cancelled. Every Mac question (the
password, Excel's alerts and confirmations) waits as long as the bookkeeper needs."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from smsync_xl.book.mac_dialog import TIMEOUT_SECONDS, alert_on_mac
from smsync_xl.book.password_dialog import ask_on_mac, ask_password

from .xlwings_standin import Excel


class Osascript:
    def __init__(self, returncode: int, stdout: str = "") -> None:
        self.returncode, self.stdout = returncode, stdout
        self.commands: list[list[str]] = []

    def __call__(self, command, **options) -> subprocess.CompletedProcess[str]:
        self.commands.append(command)
        return subprocess.CompletedProcess(command, self.returncode, self.stdout, "")


def test_the_mac_dialog_hides_the_answer_and_returns_it():
    run = Osascript(0, 's3cr"et\n')
    assert ask_on_mac("SMSync", 'Sage 50 password for user "Peachtree"', run) == 's3cr"et'
    (command,) = run.commands
    assert command[:2] == ["osascript", "-e"]
    script = command[2]
    assert "with hidden answer" in script and 'with title "SMSync"' in script
    assert 'for user \\"Peachtree\\"' in script  # quotes in the question escaped


def test_cancel_on_the_mac_is_none():
    assert ask_on_mac("SMSync", "Password?", Osascript(1)) is None


def test_without_osascript_the_answer_is_none():
    def missing(command, **options):
        raise FileNotFoundError("osascript")

    assert ask_on_mac("SMSync", "Password?", missing) is None


def test_the_platform_picks_the_dialog(monkeypatch):
    asked = []
    monkeypatch.setattr(
        "smsync_xl.book.password_dialog.ask_on_mac", lambda t, q: asked.append("mac") or "m"
    )
    monkeypatch.setattr(
        "smsync_xl.book.password_dialog.ask_with_tk", lambda t, q: asked.append("tk") or "t"
    )
    assert ask_password("SMSync", "?", platform="darwin") == "m"
    assert ask_password("SMSync", "?", platform="win32") == "t"
    assert asked == ["mac", "tk"]


class MacOsascript:
    """osascript as AppleScript runs it: a dialog answered after ``seconds`` fails with
    -1712 when the script's AppleEvent timeout (120 s unless ``with timeout``) is
    shorter; the answer is the last button (Yes, OK)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.scripts: list[str] = []

    def __call__(self, command, **options) -> subprocess.CompletedProcess[str]:
        script = command[2]
        self.scripts.append(script)
        limit = re.search(r"^with timeout of (\d+) seconds$", script, re.M)
        if self.seconds > (int(limit.group(1)) if limit else 120):
            return subprocess.CompletedProcess(command, 1, "", "AppleEvent timed out. (-1712)")
        buttons = re.search(r"buttons \{([^}]*)\}", script).group(1)
        return subprocess.CompletedProcess(command, 0, buttons.split(", ")[-1].strip('"'), "")


def test_a_mac_question_answered_after_two_minutes_is_still_answered():
    run = MacOsascript(seconds=10 * 60)
    assert alert_on_mac("SMSync", 'Is "Acme" right?', "yes_no", run) == "yes"
    assert alert_on_mac("SMSync", "Done.", "ok", run) == "ok"
    assert ask_on_mac("SMSync", "Password?", MacOsascript(10 * 60)) is not None
    assert all(f"with timeout of {TIMEOUT_SECONDS} seconds" in s for s in run.scripts)
    assert 'message "Is \\"Acme\\" right?"' in run.scripts[0]


@pytest.mark.parametrize("osascript", ["works", "missing"])
def test_excel_questions_on_a_mac_wait_for_the_bookkeeper(tmp_path, monkeypatch, osascript):
    """xlwings' Mac alert gives up after appscript's 120 s (_xlmac.py App.alert): Refresh
    asks through osascript instead, and only falls back to xlwings' alert when osascript
    cannot be started."""
    from smsync_xl import macros
    from smsync_xl.book import excel as excel_module
    from smsync_xl.book.excel import ExcelBook

    from .test_book_excel import standin

    slow = MacOsascript(seconds=5 * 60)
    if osascript == "missing":
        slow = MacOsascript(seconds=5)

        def missing(command, **options):
            raise FileNotFoundError("osascript")

    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.setattr(
        excel_module,
        "alert_on_mac",
        lambda title, message, buttons: alert_on_mac(
            title, message, buttons, missing if osascript == "missing" else slow
        ),
    )
    book, excel = standin(tmp_path, 3, Excel(com=False, answer_seconds=slow.seconds))
    finished = macros.refresh(ExcelBook(book))
    assert finished is not None, excel.dialogs
    if osascript == "works":
        assert excel.dialogs == [] and len(slow.scripts) >= 2
    else:
        assert excel.dialogs  # xlwings' alert asked instead
