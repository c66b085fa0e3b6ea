"""Ask for a database password with the typing hidden, in front of a busy Excel.

Excel's own InputBox cannot hide what is typed, so the question comes from this Python
process: on macOS through AppleScript's ``display dialog … with hidden answer`` (tkinter
is often missing from Mac Pythons), elsewhere through a small tkinter window that is
kept on top and takes the focus. When neither can be shown the answer is None, and the
caller's error names the environment variable and ``smsync-xl password set``.
"""

from __future__ import annotations

import subprocess
import sys

from smsync_xl.book.mac_dialog import Run, applescript_text, run_script


def ask_on_mac(title: str, question: str, run: Run = subprocess.run) -> str | None:
    """AppleScript's dialog, frontmost, with no two-minute limit (see mac_dialog); None
    when cancelled (osascript exits non-zero)."""
    script = (
        "activate\n"  # in front of Excel, not behind it
        f"display dialog {applescript_text(question)} with title {applescript_text(title)} "
        'default answer "" with hidden answer buttons {"Cancel", "OK"} default button "OK"'
        "\nreturn text returned of result"
    )
    done = run_script(script, run)
    if done is None or done.returncode != 0:
        return None
    return done.stdout.rstrip("\n")


def ask_with_tk(title: str, question: str) -> str | None:
    """A tkinter window on top of every other, with the focus in the masked field."""
    try:
        import tkinter
    except ImportError:
        return None
    try:
        root = tkinter.Tk()
    except tkinter.TclError:
        return None
    answer: list[str] = []
    root.title(title)
    root.resizable(False, False)
    tkinter.Label(root, text=question, justify="left").pack(padx=16, pady=(14, 6), anchor="w")
    field = tkinter.Entry(root, show="*", width=36)
    field.pack(padx=16, pady=4)
    buttons = tkinter.Frame(root)
    buttons.pack(padx=16, pady=(6, 14), anchor="e")

    def ok(_event: object = None) -> None:
        answer.append(field.get())
        root.destroy()

    tkinter.Button(buttons, text="OK", width=9, command=ok).pack(side="left", padx=4)
    tkinter.Button(buttons, text="Cancel", width=9, command=root.destroy).pack(side="left")
    root.bind("<Return>", ok)
    root.bind("<Escape>", lambda _event: root.destroy())
    root.deiconify()  # started from a hidden window, a first window may start hidden
    root.attributes("-topmost", True)
    root.lift()

    def take_focus() -> None:
        root.focus_force()
        field.focus_set()

    root.after(50, take_focus)
    root.mainloop()
    return answer[0] if answer else None


def ask_password(title: str, question: str, platform: str = sys.platform) -> str | None:
    if platform == "darwin":
        return ask_on_mac(title, question)
    return ask_with_tk(title, question)
