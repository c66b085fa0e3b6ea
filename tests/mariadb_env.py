"""A real MariaDB server for the tests: a throwaway database (``simply_test_<random>``:
a Sage 50 Canadian Edition company; ``smsturbo_test_<random>``: SMSTurbo on MySQL), a
user that may only SELECT from it (Sage 50's third-party "Read data" access), one that
may write it and one with no access at all. The MariaDB ODBC driver is registered only
while one is in use (other tests list the drivers installed).

The server is administered with the ``mysql`` client as this system user (root's
socket login here; ``.ci/run`` gives the CI user the same). Without the server or the
MariaDB ODBC driver the tests skip with what to install; with ``CI`` set they fail.
"""

from __future__ import annotations

import secrets
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from . import odbc_env

MARIADB_DRIVER = "SMSync Test MariaDB"
MARIADB_LIBRARY = "libmaodbc.so"
PACKAGES = "mariadb-server odbc-mariadb"
HOST, PORT = "127.0.0.1", 3306


def mysql(sql: str) -> subprocess.CompletedProcess[str]:
    """``sql`` run by the server's administrator (this system user's socket login)."""
    return subprocess.run(
        ["mysql", "--protocol=socket", "--batch"],
        input=sql,
        capture_output=True,
        text=True,
        check=False,
    )


def unavailable(reason: str) -> None:
    odbc_env.unavailable(f"{reason} (Debian packages: {PACKAGES}; start: service mariadb start)")


@dataclass
class MariaDB:
    """One company database and its three users; ``stop`` drops them all."""

    prefix: str = "simply_test"
    database: str = ""
    password: str = field(default_factory=lambda: "Pw-" + secrets.token_hex(6))

    def __post_init__(self) -> None:
        self.database = self.database or f"{self.prefix}_{secrets.token_hex(4)}"

    @property
    def reader(self) -> str:
        return f"{self.database}_r"

    @property
    def writer(self) -> str:
        return f"{self.database}_w"

    @property
    def stranger(self) -> str:
        return f"{self.database}_n"

    def start(self, config: odbc_env.OdbcConfig) -> None:
        library = odbc_env._library(MARIADB_LIBRARY)
        if library is None:
            unavailable(f"the MariaDB ODBC driver ({MARIADB_LIBRARY}) is not installed")
        if shutil.which("mysql") is None:
            unavailable("the mysql client is not installed")
        config.add_driver(MARIADB_DRIVER, str(library))
        users = "".join(
            f"CREATE USER '{user}'@'%' IDENTIFIED BY '{self.password}';\n"
            for user in (self.reader, self.writer, self.stranger)
        )
        done = mysql(
            f"CREATE DATABASE {self.database} CHARACTER SET utf8mb4;\n{users}"
            f"GRANT SELECT ON {self.database}.* TO '{self.reader}'@'%';\n"
            f"GRANT ALL ON {self.database}.* TO '{self.writer}'@'%';\n"
            # to see whose transaction waits for a lock (information_schema.INNODB_TRX)
            f"GRANT PROCESS ON *.* TO '{self.writer}'@'%';\n"
        )
        if done.returncode != 0:
            unavailable(f"MariaDB is not reachable as its administrator: {done.stderr.strip()}")

    def connection_string(self, user: str, port: int = PORT) -> str:
        return (
            f"Driver={{{MARIADB_DRIVER}}};Server={HOST};Port={port};Database={self.database};"
            f"UID={user};PWD={self.password}"
        )

    def stop(self) -> None:
        if shutil.which("mysql") is None:
            return
        drops = "".join(
            f"DROP USER IF EXISTS '{user}'@'%';\n"
            for user in (self.reader, self.writer, self.stranger)
        )
        mysql(f"DROP DATABASE IF EXISTS {self.database};\n{drops}")


@contextmanager
def running(config: odbc_env.OdbcConfig, prefix: str) -> Iterator[MariaDB]:
    """A fresh database and its users for the block, its driver registered meanwhile;
    all dropped afterwards."""
    server = MariaDB(prefix)
    try:
        server.start(config)
        yield server
    finally:
        server.stop()
        config.remove_driver(MARIADB_DRIVER)
