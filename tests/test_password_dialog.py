"""The password question on macOS goes through AppleScript (tkinter is often missing from
Mac Pythons): hidden answer, frontmost, None when cancelled."""

from __future__ import annotations

import subprocess

from smsync_xl.book.password_dialog import ask_on_mac, ask_password


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
