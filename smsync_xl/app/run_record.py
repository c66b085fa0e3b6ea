"""What a run leaves on record: the workbook's Log row, and the same facts as a line
of the log file of headless runs (``smsync-xl … --log FILE``), so the two never differ."""

from __future__ import annotations

import getpass
from dataclasses import dataclass

__all__ = ["LOG_FILE_NAME", "LogEntry", "entry"]

LOG_FILE_NAME = "SMSync-log.txt"
"""The headless runs' log file, beside the workbook or settings file unless --log names one."""


@dataclass(frozen=True)
class LogEntry:
    """One run in one line: when, who, which company, what, its audited run and the
    summary; ``detail`` says where the rest is."""

    time: str
    user: str
    company: str
    action: str
    run_id: int | None
    summary: str
    detail: str | None

    def row(self) -> list[object]:
        """The Log sheet's columns, in order."""
        return [
            self.time,
            self.user,
            self.company,
            self.action,
            self.run_id,
            self.summary,
            self.detail,
        ]

    def line(self) -> str:
        """The same columns, tab-separated, for the log file (a blank for a run-less step)."""
        return "\t".join("" if cell is None else str(cell) for cell in self.row())


def entry(
    company: str,
    action: str,
    summary: str,
    run_id: int | None = None,
    detail: str | None = None,
) -> LogEntry:
    from smsync_xl.sync.apply import now_text  # not imported by a run that logs nothing

    return LogEntry(now_text(), getpass.getuser(), company, str(action), run_id, summary, detail)
