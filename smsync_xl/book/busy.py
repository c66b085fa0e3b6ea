"""One button's run at a time per workbook folder.

On a Mac, RunPython returns at once, so a double click starts a second run while the
first still works. The lock is an operating-system lock on a small file beside the
workbook: it is released when the run ends, even by a crash, so it never goes stale.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

LOCK_NAME = ".smsync.lock"


def _take(handle: IO[bytes]) -> bool:
    if sys.platform == "win32":
        import msvcrt

        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


@contextmanager
def one_run_at_a_time(folder: Path) -> Iterator[bool]:
    """Yields False when another run holds the folder's lock. A folder where no lock file
    can be made (read-only) runs unlocked: the run itself then says what it cannot do."""
    try:
        handle = (folder / LOCK_NAME).open("ab")
    except OSError:
        yield True
        return
    with handle:
        yield _take(handle)
