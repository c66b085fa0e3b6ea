"""A clerk at an SMSTurbo screen, for the tests of what SMSync does beside one: a
statement on its own connection and thread, watched from outside until it has finished
or the server shows it waiting for a lock, never judged by how long it took."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from collections.abc import Callable
from contextlib import closing
from typing import Any, Protocol


class Screens(Protocol):
    """An SMSTurbo database of a test: its backend, where it is, new connections."""

    backend: str
    where: str
    connect: Callable[[], Any]


SESSION_ID = {"postgresql": "SELECT pg_backend_pid()", "mariadb": "SELECT CONNECTION_ID()"}
"""The server's number for the connection's session."""
SESSION_ALIVE = {
    "postgresql": "SELECT 1 FROM pg_stat_activity WHERE pid = ?",
    "mariadb": "SELECT 1 FROM information_schema.PROCESSLIST WHERE ID = ?",
}
"""A row while the server still has the session (by its number)."""
WAITING_FOR_A_LOCK = {
    "postgresql": ("SELECT wait_event_type FROM pg_stat_activity WHERE pid = ?", "Lock"),
    "mariadb": (
        "SELECT trx_state FROM information_schema.INNODB_TRX WHERE trx_mysql_thread_id = ?",
        "LOCK WAIT",
    ),
}
"""What the server says of a session (by its number) that waits for another's lock."""
LOCK_POLL_SECONDS = 0.15
"""Between two looks at a session: InnoDB fills INNODB_TRX from a snapshot it takes again
only when the last read was more than 0.1 s ago, so a faster poll sees the first snapshot
(taken before the clerk waited) for ever."""
SESSION_STATE = {
    "sqlite": "SELECT ?",
    "postgresql": "SELECT state, wait_event_type, query FROM pg_stat_activity WHERE pid = ?",
    "mariadb": "SELECT STATE, INFO FROM information_schema.PROCESSLIST WHERE ID = ?",
}
"""What a session is doing, for a test that finds it doing something unexpected."""


class Clerk:
    """A clerk's SMSTurbo screen: its own connection, its statements on its own thread."""

    def __init__(self, turbo: Screens) -> None:
        self.turbo = turbo
        if turbo.backend == "sqlite":  # a clerk's program told at once that the file is busy
            self.connection = sqlite3.connect(
                turbo.where, isolation_level=None, timeout=0, check_same_thread=False
            )
            self.pid = 0
        else:
            self.connection = turbo.connect()
            self.pid = self.connection.execute(SESSION_ID[turbo.backend]).fetchone()[0]
        self.done = threading.Event()
        self.outcome: list[str] = []
        self.thread: threading.Thread | None = None

    def _run(self, sql: str) -> None:
        try:
            self.connection.execute(sql)
            self.outcome.append("committed")
        except Exception as error:  # noqa: BLE001 - what the clerk's program is told
            self.outcome.append(f"refused: {error}")
        finally:
            self.done.set()

    def start(self, sql: str) -> None:
        self.thread = threading.Thread(target=self._run, args=(sql,))
        self.thread.start()

    def finished_or_waiting(self) -> str:
        """Block until the clerk's statement has finished ('committed' or 'refused: …') or
        waits for a lock on the server ('waiting'): never a guess from elapsed time."""
        deadline = time.monotonic() + 30
        with closing(self.turbo.connect()) as watcher:
            while time.monotonic() < deadline:
                if self.done.is_set():
                    return self.outcome[0]
                if self.pid:
                    sql, waiting = WAITING_FOR_A_LOCK[self.turbo.backend]
                    row = watcher.execute(sql, [self.pid]).fetchone()
                    if row and row[0] == waiting:
                        return "waiting"
                time.sleep(LOCK_POLL_SECONDS)
            seen = watcher.execute(SESSION_STATE[self.turbo.backend], [self.pid]).fetchall()
        raise AssertionError(
            f"the clerk's statement neither finished nor waited for a lock: {seen}"
        )

    def finished(self, seconds: float) -> str:
        """Block until the clerk's statement has finished (waiting for a lock or not):
        'committed' or 'refused: …'."""
        assert self.done.wait(seconds), "the clerk's statement did not finish"
        return self.outcome[0]

    def close(self) -> None:
        if self.thread is not None:
            self.thread.join(60)
        with contextlib.suppress(Exception):  # closed already
            self.connection.close()
