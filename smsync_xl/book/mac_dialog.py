"""Questions on macOS asked through ``osascript``, with an explicit AppleEvent timeout.

xlwings' App.alert on a Mac (_xlmac.py App.alert) sends StandardAdditions' ``display
alert`` through appscript without a ``timeout``, so appscript's default AppleEvent
timeout of 120 seconds applies: a bookkeeper who answers after two minutes got error
-1712 ("AppleEvent timed out") and "SMSync stopped on an unexpected error". AppleScript's
own default is 120 seconds too (AppleScript Language Guide, ``with timeout``), so every
script here runs inside ``with timeout of TIMEOUT_SECONDS seconds``.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable

Run = Callable[..., subprocess.CompletedProcess[str]]

TIMEOUT_SECONDS = 7 * 24 * 60 * 60
"""A week: long enough for any bookkeeper's lunch or weekend."""
BUTTONS = {"ok": ("OK",), "yes_no": ("No", "Yes")}
"""The buttons SMSync asks with (xlwings' names), as the dialog shows them."""


def applescript_text(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def run_script(script: str, run: Run = subprocess.run) -> subprocess.CompletedProcess[str] | None:
    """``script`` run by osascript inside the long timeout; None when osascript cannot
    be started."""
    timed = f"with timeout of {TIMEOUT_SECONDS} seconds\n{script}\nend timeout"
    try:
        return run(["osascript", "-e", timed], capture_output=True, text=True, check=False)
    except OSError:
        return None


def alert_on_mac(title: str, message: str, buttons: str, run: Run = subprocess.run) -> str | None:
    """The button pressed, lower case as xlwings' alert returns it ("ok", "yes", "no"),
    in front of Excel; None when the alert could not be shown."""
    names = BUTTONS[buttons]
    script = (
        "activate\n"  # in front of Excel, not behind it
        f"display alert {applescript_text(title)} message {applescript_text(message)} "
        f"buttons {{{', '.join(applescript_text(n) for n in names)}}} "
        f"default button {applescript_text(names[-1])}\n"
        "return button returned of result"
    )
    done = run_script(script, run)
    if done is None or done.returncode != 0:
        return None
    return done.stdout.strip().lower()
