"""The log file of headless runs: lines appended, never rewritten, so it is the record
of every run the command line made. The file is checked before a run touches anything:
appending to the workbook, the settings or a database would corrupt it, and a log that
cannot be written after SMSTurbo was changed would turn a done run into a failed one."""

from __future__ import annotations

import codecs
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from smsync_xl.core.errors import SmsyncError

SIGNATURES = {
    b"PK\x03\x04": "a zip file (an Excel workbook or other Office file)",
    b"SQLite format 3\x00": "an SQLite database",
}
"""What a file that starts with these bytes is: never a text log."""
TEXT_SAMPLE = 65536
"""How much of an existing file is read to tell it is UTF-8 text."""


def _refused(path: Path, what: str) -> SmsyncError:
    return SmsyncError(
        f"the --log file is {what}: appending the run's lines to it would damage it; "
        "nothing was done",
        where=f"--log {path}",
        advice="Give --log a new file or an existing SMSync log (text), or leave --log "
        "out for the log beside the workbook or settings file.",
    )


def _not_text(path: Path) -> str | None:
    """What an existing file is when it is no text log, or None when it may be one."""
    with path.open("rb") as file:
        start = file.read(TEXT_SAMPLE)
    for signature, what in SIGNATURES.items():
        if start.startswith(signature):
            return what
    try:
        shown = codecs.getincrementaldecoder("utf-8")().decode(start, final=False)
    except UnicodeDecodeError:
        return "not UTF-8 text (a binary file?)"
    if "\x00" in shown:
        return "not a text file (it holds NUL bytes)"
    if shown and not _is_run_line(shown.partition("\n")[0]):
        return "not an SMSync log (its first line is not a run's time, user, company, ...)"
    return None


def _is_run_line(line: str) -> bool:
    """Whether ``line`` starts as a run's line does: its time, then a tab."""
    time, tab, _ = line.partition("\t")
    try:
        datetime.fromisoformat(time)
    except ValueError:
        return False
    return bool(tab)


def check_log(path: Path, protected: Iterable[Path], *, writable: bool = True) -> None:
    """Refuse ``path`` as the log file when it is one of the ``protected`` files (the
    workbook, settings, databases), an existing file that is no text log, or (asked
    ``writable``) cannot be appended to; before the run does anything."""
    target = path.resolve()
    for kept in protected:
        if kept.resolve() == target:
            raise _refused(path, f"{kept}, which this run uses")
    existed = path.exists()
    try:
        what = _not_text(path) if existed and path.is_file() else None
        if what is not None:
            raise _refused(path, what)
        if not writable:
            return
        with path.open("a", encoding="utf-8"):
            pass
    except OSError as error:
        raise SmsyncError(
            f"the log file cannot be written: {error.strerror or error}; nothing was done",
            where=f"--log {path}",
            advice="Give --log a file in a folder you may write to, or make this one "
            "writable, then run the command again.",
        ) from error
    if not existed:
        path.unlink()


def append_log(path: Path, lines: list[str], held: str) -> None:
    """Append ``lines`` to ``path`` (UTF-8), made if it does not exist; ``held`` says
    where the run is recorded anyway (the face's words)."""
    try:
        with path.open("a", encoding="utf-8") as log:
            log.write("".join(f"{line}\n" for line in lines))
    except OSError as error:
        raise SmsyncError(
            f"could not write the log file: {error.strerror or error}",
            where=str(path),
            advice=f"{held}; give another file with --log, or make this one writable.",
        ) from error
