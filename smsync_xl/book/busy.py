"""One button's run at a time per workbook.

On a Mac, RunPython returns at once, so a double click starts a second run while the
first still works. The lock is an operating-system lock on a small file in the system's
temporary folder, named after the workbook's file (so it is not synchronised by
OneDrive and works when the workbook sits on a network share; two workbooks in one
folder do not wait for each other, and two links to one workbook share its lock): it is
released when the run ends, even by a crash, so it never goes stale.

On Windows the lock is released explicitly (``msvcrt.locking(..., LK_UNLCK, 1)`` at the
position it was taken) before the file is closed: Microsoft's LockFileEx remarks say a
lock left at close is freed "depending upon available system resources", so a quick second
click could find it still held; the CRT's _locking asks for regions to be "unlocked before
closing a file". A crash still frees it when the process ends.
"""

from __future__ import annotations

import errno
import hashlib
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO

BUSY = {errno.EAGAIN, errno.EWOULDBLOCK, errno.EACCES, errno.EDEADLK}
"""What a lock held by another process answers; anything else means no lock here."""


def lock_path(workbook: Path) -> Path:
    """The lock file of one workbook, by its real path (letter case as the system
    compares it)."""
    real = os.path.normcase(os.path.realpath(workbook))
    name = hashlib.sha1(real.encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"smsync-{name}.lock"


def _take(handle: IO[bytes]) -> bool:
    """True when this run holds the lock (or no lock can be taken here at all)."""
    try:
        if sys.platform == "win32":
            import msvcrt

            handle.seek(0)  # msvcrt locks from the current position: the first byte
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as error:
        return error.errno not in BUSY
    return True


def _release(handle: IO[bytes]) -> None:
    """Windows: unlock the byte taken, before the handle closes (flock needs nothing:
    closing the file releases it at once)."""
    if sys.platform == "win32":
        import msvcrt

        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)


@contextmanager
def one_run_at_a_time(workbook: Path) -> Iterator[bool]:
    """Yields False when another run holds the workbook's lock. Where no lock file can
    be made, the run goes ahead unlocked rather than never."""
    try:
        handle = lock_path(workbook).open("ab")
    except OSError:
        yield True
        return
    with handle:
        taken = _take(handle)
        try:
            yield taken
        finally:
            if taken:
                with suppress(OSError):  # no lock could be taken here: nothing to unlock
                    _release(handle)
