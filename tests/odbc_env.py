"""Real ODBC for the tests: private odbcinst.ini/odbc.ini and PostgreSQL databases.

unixODBC reads ODBCSYSINI once, on the first driver-manager call of the process, so
``configure()`` runs from ``pytest_configure`` before any test. The ini files' contents
are read again on every call, so DSNs are added while the tests run. No system file
is touched. Without the drivers or PostgreSQL the ODBC tests skip with what to
install; when ``CI`` is set they fail instead.
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

PG_DRIVER = "SMSync Test PostgreSQL"
SQLITE_DRIVER = "SMSync Test SQLite3"
LIBRARIES = {PG_DRIVER: "psqlodbcw.so", SQLITE_DRIVER: "libsqlite3odbc.so"}
PACKAGES = "unixodbc odbc-postgresql libsqliteodbc postgresql"
PG_HOST, PG_PORT = "127.0.0.1", 5432


def _library(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/*/odbc/{name}") + glob.glob(f"/usr/lib*/{name}"))
    return found[0] if found else None


class OdbcConfig:
    """The folder ODBCSYSINI points at, and the drivers and DSNs written into it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.drivers = {n: lib for n, name in LIBRARIES.items() if (lib := _library(name))}
        self.dsns: dict[str, dict[str, str]] = {}
        self.write()

    def write(self) -> None:
        def ini(sections: dict[str, dict[str, str]]) -> str:
            return "".join(
                f"[{name}]\n" + "".join(f"{k}={v}\n" for k, v in keys.items()) + "\n"
                for name, keys in sections.items()
            )

        drivers = {name: {"Driver": lib} for name, lib in self.drivers.items()}
        (self.folder / "odbcinst.ini").write_text(ini(drivers), encoding="utf-8")
        (self.folder / "odbc.ini").write_text(ini(self.dsns), encoding="utf-8")

    def add_dsn(self, name: str, driver: str, **keys: str) -> str:
        self.dsns[name] = {"Driver": driver, **keys}
        self.write()
        return name

    def add_driver(self, name: str, library: str) -> None:
        self.drivers[name] = library
        self.write()

    def remove_driver(self, name: str) -> None:
        self.drivers.pop(name, None)
        self.write()


CONFIG: OdbcConfig | None = None


def configure() -> None:
    """Point unixODBC at a private folder (before any driver-manager call)."""
    global CONFIG
    folder = Path(tempfile.mkdtemp(prefix="smsync-odbc-"))
    os.environ["ODBCSYSINI"] = str(folder)
    os.environ["ODBCINI"] = str(folder / "user-odbc.ini")
    os.environ.pop("ODBCINSTINI", None)
    (folder / "user-odbc.ini").touch()
    CONFIG = OdbcConfig(folder)


def unconfigure() -> None:
    if CONFIG is not None:
        shutil.rmtree(CONFIG.folder, ignore_errors=True)


def unavailable(reason: str) -> None:
    """Skip on a laptop; fail in CI, where these tests must run."""
    if os.environ.get("CI"):
        pytest.fail(f"CI is set, so the ODBC tests must run: {reason}", pytrace=False)
    pytest.skip(f"{reason} (install the Debian packages: {PACKAGES})")


def require_drivers() -> OdbcConfig:
    try:
        import pyodbc  # noqa: F401
    except ImportError as error:
        unavailable(f"pyodbc cannot load unixODBC ({error})")
    assert CONFIG is not None
    missing = sorted(set(LIBRARIES) - set(CONFIG.drivers))
    if missing:
        unavailable("ODBC driver libraries not found: " + ", ".join(LIBRARIES[m] for m in missing))
    return CONFIG


def psql(sql: str) -> subprocess.CompletedProcess:
    command = ["psql", "-v", "ON_ERROR_STOP=1", "-q", "-d", "postgres"]
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    return subprocess.run(command, input=sql, capture_output=True, text=True, check=False)


class Postgres:
    """A login role of this test session, and databases it owns (all dropped at the end)."""

    def __init__(self) -> None:
        # random, not the process number, which comes round again: a session killed
        # before its teardown (a CI timeout) leaves its role owning databases, and a
        # later session given the same number could neither drop nor create it. No
        # longer than the old name with a 7-digit number: DSN names are built from the
        # role's databases' names ("broken_<database>"), and ODBC allows 32 characters.
        self.role = f"smsync_test_{secrets.token_hex(4)}"
        self.password = "Pw-" + secrets.token_hex(6)
        self.databases: list[str] = []

    def start(self) -> None:
        if shutil.which("psql") is None:
            unavailable("PostgreSQL's psql is not installed")
        done = psql(
            f"DROP ROLE IF EXISTS {self.role};\n"
            f"CREATE ROLE {self.role} LOGIN CREATEDB PASSWORD '{self.password}';\n"
        )
        if done.returncode != 0:
            unavailable(
                "PostgreSQL is not reachable as its superuser (start it with "
                f"'pg_ctlcluster 15 main start'): {done.stderr.strip()}"
            )

    def admin(self):
        import pyodbc

        return pyodbc.connect(self.connection_string("postgres"), autocommit=True, timeout=5)

    def connection_string(self, database: str, password: str | None = None) -> str:
        return (
            f"Driver={{{PG_DRIVER}}};Server={PG_HOST};Port={PG_PORT};Database={database};"
            f"UID={self.role};PWD={password or self.password}"
        )

    def create_database(self, options: str = "") -> str:
        """A new database; ``options`` as CREATE DATABASE takes them (an ENCODING)."""
        name = f"{self.role}_{len(self.databases) + 1}"
        connection = self.admin()
        connection.execute(f"CREATE DATABASE {name} {options}")
        connection.close()
        self.databases.append(name)
        return name

    def stop(self) -> None:
        drops = "".join(f"DROP DATABASE IF EXISTS {d} WITH (FORCE);\n" for d in self.databases)
        psql(drops + f"DROP ROLE IF EXISTS {self.role};\n")


@contextmanager
def silent_server() -> Iterator[int]:
    """A port that accepts connections and never answers: a hung engine."""
    with socket.socket() as server:
        server.bind((PG_HOST, 0))
        server.listen(5)
        yield server.getsockname()[1]


def closed_port() -> int:
    """A port nothing listens on: a stopped engine."""
    with socket.socket() as probe:
        probe.bind((PG_HOST, 0))
        return probe.getsockname()[1]
