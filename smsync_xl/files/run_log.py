"""The log file of headless runs: lines appended, never rewritten, so it is the record
of every run the command line made."""

from __future__ import annotations

from pathlib import Path

from smsync_xl.core.errors import SmsyncError


def append_log(path: Path, lines: list[str]) -> None:
    """Append ``lines`` to ``path`` (UTF-8), made if it does not exist."""
    try:
        with path.open("a", encoding="utf-8") as log:
            log.write("".join(f"{line}\n" for line in lines))
    except OSError as error:
        raise SmsyncError(
            f"could not write the log file: {error.strerror or error}",
            where=str(path),
            advice="SMSTurbo and the workbook hold the run already (see 'smsync-xl runs'); "
            "give another file with --log, or make this one writable.",
        ) from error
