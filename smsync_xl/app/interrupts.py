"""Ctrl-C, a closed terminal or a kill (SIGINT, SIGHUP, SIGTERM) tell the truth.

Until SMSync starts writing SMSTurbo, an interrupt stops the command at once: nothing
was changed there. From then on (``hold``) an interrupt is only noted. Inside the write
transaction the next ``check`` raises it (one comes before each record is decided,
the template check, each update and batch of inserts, and the audit), and the
transaction rolls back: still nothing changed. Once the transaction has committed, the
command finishes its work (the workbook's Result column and Log row) and then says what
was committed and how to see or undo it (``noted``), instead of "Aborted!". Files a command replaces
outside SMSTurbo (the demo, an installed workbook) are told the same way (``changed``).

The faces install the handlers (``watching``) for one command, with the advice that
fits how the user started it (``advise``: a settings file, or the workbook); the
application layer says when writing starts and what was committed. Without handlers
(Excel, a library call) these calls only keep the state.
"""

from __future__ import annotations

import os
import shlex
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

from smsync_xl.core.vocabulary import LogAction

__all__ = [
    "PAUSE",
    "SIGNALS",
    "Advice",
    "Interrupted",
    "advice",
    "advise",
    "book_advice",
    "changed",
    "check",
    "committed",
    "hold",
    "message",
    "noted",
    "pause",
    "settings_advice",
    "watching",
    "workbook_advice",
    "written",
]

SIGNALS = {
    signal.SIGINT: "Ctrl-C",
    getattr(signal, "SIGHUP", signal.SIGINT): "the terminal was closed",
    signal.SIGTERM: "SMSync was asked to stop (SIGTERM)",
}
"""The interrupts watched, each with what it means to the person at the terminal."""

PAUSE = "SMSYNC_TEST_PAUSE"
"""For the tests only: ``<phase>:<file>`` makes a command write ``<file>`` when it
reaches ``phase`` and wait there until an interrupt is noted, so that a test sends its
signal exactly then. Phases: ``waiting`` for SMSTurbo's write lock (SQLite); inside the
write transaction ``writing`` (records decided), ``updating``, ``inserting``,
``auditing``; ``committed`` right after the commit; ``installing`` once install has
backed up the old workbook."""

_PAUSE_SECONDS = 60
_PAUSE_AT = os.environ.get(PAUSE, "")
"""``PAUSE`` as this process was started with (a test sets it for the command it
starts): read once, as ``check`` runs twice for every record synchronized."""


class Interrupted(KeyboardInterrupt):
    """An interrupt before anything was committed to SMSTurbo."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def why(self) -> str:
        return SIGNALS.get(self.signum, f"signal {self.signum}")

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


Advice = Callable[[str, int, bool], str]
"""How to see (and, for a synchronization, undo) ``action``'s run ``run_id``; the flag
says whether the workbook was saved with the run's Log row."""


def book_advice(book: str | None) -> Advice:
    """For the workbook's buttons and their twins: the workbook's own Undo button works
    on the SMSTurbo database its Setup sheet names, the same one the run changed, and so
    does 'smsync-xl runs BOOK' (the workbook commands know ``book``; the ribbon names a
    settings file for the same database). The Log is named only when the workbook was
    saved with the run's row."""
    runs = (
        f"'smsync-xl runs {shlex.quote(book)} --details {{run_id}}' lists every change"
        if book is not None
        else "'smsync-xl runs --details {run_id} --settings FILE', with a settings file for "
        "this same SMSTurbo database, lists every change"
    )
    undo = (
        f"'smsync-xl undo {shlex.quote(book)}'"
        if book is not None
        else "the workbook's Undo last synchronization button"
    )

    def advice(action: str, run_id: int, logged: bool) -> str:
        text = f"the workbook's Log names run {run_id}, and " if logged else ""
        text += runs.replace("{run_id}", str(run_id))
        if action == LogAction.SYNCHRONIZE:
            text += f", and {undo} takes it back (while it is the last synchronization)"
        return text

    return advice


workbook_advice = book_advice(None)


def settings_advice(settings: str) -> Advice:
    """For the commands given ``--settings``: the same file, so the advice works on the
    database the run changed and no other."""
    named = shlex.quote(settings)

    def advice(action: str, run_id: int, logged: bool) -> str:
        text = f"'smsync-xl runs --settings {named} --details {run_id}' lists every change"
        if action == LogAction.SYNCHRONIZE:
            text += (
                f", and 'smsync-xl undo --settings {named}' takes it back (while it is the "
                "last synchronization)"
            )
        return text

    return advice


@dataclass
class _State:
    holding: bool = False
    received: int | None = None
    committed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    advice: Advice = workbook_advice


_state = _State()


def _on_signal(signum: int, frame: FrameType | None) -> None:
    if not _state.holding:
        raise Interrupted(signum)
    if _state.received is None:
        _state.received = signum


@contextmanager
def watching() -> Iterator[None]:
    """One command's interrupts go through here; the handlers before are put back."""
    global _state
    _state = _State()
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = {signum: signal.signal(signum, _on_signal) for signum in SIGNALS}
    try:
        yield
    finally:
        for signum, handler in before.items():
            signal.signal(signum, handler)
        _state.advice = workbook_advice  # a command's own advice ends with it


def hold() -> None:
    """SMSTurbo's write transaction is about to start: from now on, to the end of the
    command, an interrupt is noted, not raised."""
    _state.holding = True


def advise(advice: Advice) -> None:
    """How this command's messages tell the user to see or undo a committed run."""
    _state.advice = advice


def advice(action: str, run_id: int, logged: bool = True) -> str:
    """How to see (and undo) a committed run, as this command was started (``logged``:
    the workbook was saved with the run's Log row)."""
    return _state.advice(action, run_id, logged)


def check(phase: str = "writing") -> None:
    """Inside the write transaction, at every step before the commit (``phase`` names
    it for the test hook): a noted interrupt stops it (the transaction rolls back)."""
    pause(phase)
    if _state.received is not None and not _state.committed:
        raise Interrupted(_state.received)


def committed(action: str, run_id: int, summary: str, database: str) -> None:
    """SMSTurbo (``database``) committed ``action``'s run: what an interrupt message must
    say."""
    told = advice(action, run_id)
    _state.committed.append(
        f"{action} run {run_id} is committed ({summary}) in the SMSTurbo database "
        f"{database}. {told[0].upper()}{told[1:]}"
    )
    pause("committed")


def changed(what: str) -> None:
    """Something outside SMSTurbo was replaced (``what``): an interrupt message says so."""
    _state.changed.append(what)


def written() -> list[str]:
    """The runs this command committed, as an interrupt message tells them."""
    return list(_state.committed)


def noted() -> Interrupted | None:
    """The interrupt noted during this command, if any."""
    return None if _state.received is None else Interrupted(_state.received)


def message(stop: Interrupted) -> str:
    """What an interrupt did, in one message."""
    replaced = "".join(f" {what[0].upper()}{what[1:]}." for what in _state.changed)
    if _state.committed:
        return (
            f"Interrupted ({stop.why}) after SMSTurbo WAS changed: "
            + "; ".join(_state.committed)
            + "."
            + replaced
        )
    if _state.changed:
        return f"Interrupted ({stop.why}), no synchronization committed.{replaced}"
    return f"Interrupted ({stop.why}): nothing was changed in SMSTurbo."


def pause(phase: str) -> None:
    """The test hook (``PAUSE``): nothing unless a test asked for ``phase``."""
    at, _, marker = _PAUSE_AT.partition(":")
    if at != phase or not marker:
        return
    Path(marker).write_text(str(os.getpid()), encoding="utf-8")
    deadline = time.monotonic() + _PAUSE_SECONDS
    while _state.received is None and time.monotonic() < deadline:
        time.sleep(0.01)
