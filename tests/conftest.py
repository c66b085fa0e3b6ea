"""Shared fixtures: the demo company and SMSTurbo database as real SQLite files, and
the same data behind real ODBC drivers (SQLite ODBC, PostgreSQL through psqlODBC)."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import keyring
import pytest
from hypothesis import HealthCheck, settings
from keyring.backend import KeyringBackend

from smsync_xl.app.open_sides import open_source, open_store
from smsync_xl.connections.db import Database, standard_quotes
from smsync_xl.core.compare import Plan
from smsync_xl.core.fields import ENTITIES
from smsync_xl.core.settings import Settings
from smsync_xl.core.vocabulary import Status
from smsync_xl.demo.company import (
    create_demo,
    create_sage_company,
    write_sage_company,
    write_smsturbo,
)
from smsync_xl.demo.data import DEMO_LISTS
from smsync_xl.files.settings_file import load_settings
from smsync_xl.smsturbo.audit import CHANGES, RUNS
from smsync_xl.smsturbo.crosswalk import TABLE as CROSSWALK
from smsync_xl.smsturbo.store import SMSTurboStore
from smsync_xl.sources.sage50 import Sage50Source
from smsync_xl.sync.apply import make_plan

from . import mariadb_env, odbc_env
from .mariadb_env import MariaDB

# Hypothesis tests here are about what comes out, never about speed: no example may fail
# for taking longer than 200 ms (the default deadline) or for generating slowly, as one
# does when a loaded CI machine stalls the process. A test's own @settings keeps these
# unless it says otherwise.
settings.register_profile("smsync", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("smsync")


def pytest_configure(config: pytest.Config) -> None:
    """Before any driver-manager call: private ODBC files, and no real keyring."""
    odbc_env.configure()
    os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    for name in ("SMSYNC_SAGE50_PASSWORD", "SMSYNC_SMSTURBO_PASSWORD"):
        os.environ.pop(name, None)


def pytest_unconfigure(config: pytest.Config) -> None:
    odbc_env.unconfigure()


@dataclass
class Demo:
    folder: Path
    settings_path: Path
    settings: Settings
    source: Sage50Source
    store: SMSTurboStore

    def plan(self, entity: str = "customers") -> Plan:
        return make_plan(ENTITIES[entity], self.source, self.store, self.settings)

    def reload(self) -> Demo:
        return demo_at(self.folder, self.settings_path)


def demo_at(folder: Path, settings_path: Path) -> Demo:
    settings = load_settings(settings_path)
    return Demo(folder, settings_path, settings, open_source(settings), open_store(settings))


@pytest.fixture
def demo(tmp_path: Path) -> Demo:
    return demo_at(tmp_path, create_demo(tmp_path))


def ids_with(plan: Plan, *statuses: Status) -> list[str]:
    """The IDs of the plan's rows with these statuses."""
    return [r.id for r in plan.rows if r.status in statuses]


def dump(path: Path, *, audit: bool = False) -> dict[str, list[tuple]]:
    """Every row of every table (sorted), to compare a database before and after."""
    connection = sqlite3.connect(path)
    try:
        tables = [
            r[0]
            for r in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        dumped = {
            table: sorted(connection.execute(f'SELECT * FROM "{table}"').fetchall(), key=repr)
            for table in tables
            if audit or table not in (RUNS, CHANGES)
        }
        if not dumped.get(CROSSWALK, True):
            del dumped[CROSSWALK]  # SMSync's crosswalk, empty, is as good as none
        return dumped
    finally:
        connection.close()


def rebuild_sqlite_table(
    connection: sqlite3.Connection,
    table: str,
    declared: Callable[[str], str],
    copied: str = "*",
) -> None:
    """Declare SQLite's ``table`` anew, rows kept: SQLite cannot change a column, a key
    or a constraint in place. ``declared`` edits the table's CREATE statement;
    ``copied`` is what each old row gives the new table (``*, 'MAIN'`` for an added
    column). What a real installation may have instead of the reference schema."""
    (sql,) = connection.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", [table]
    ).fetchone()
    connection.executescript(
        f'BEGIN; ALTER TABLE "{table}" RENAME TO "Rebuilt"; {declared(sql)}; '
        f'INSERT INTO "{table}" SELECT {copied} FROM "Rebuilt"; DROP TABLE "Rebuilt"; COMMIT;'
    )


def audit_rows(path: Path) -> tuple[int, int]:
    connection = sqlite3.connect(path)
    try:
        return tuple(
            connection.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in (RUNS, CHANGES)
        )
    finally:
        connection.close()


@pytest.fixture(scope="session")
def odbc() -> odbc_env.OdbcConfig:
    """The private ODBC configuration, with both test drivers present."""
    return odbc_env.require_drivers()


@pytest.fixture(scope="session")
def postgres(odbc: odbc_env.OdbcConfig) -> Iterator[odbc_env.Postgres]:
    server = odbc_env.Postgres()
    server.start()
    yield server
    server.stop()


def pg_database(postgres: odbc_env.Postgres, database: str) -> Database:
    """A writable ODBC connection to one of the session's PostgreSQL databases."""
    import pyodbc

    connection = pyodbc.connect(postgres.connection_string(database), autocommit=True)
    return Database(connection, label=database)


@pytest.fixture(scope="session")
def sage_sqlite_dsn(odbc: odbc_env.OdbcConfig, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The demo company as an SQLite file, read through the SQLite ODBC driver."""
    path = tmp_path_factory.mktemp("sage") / "sage50.sqlite"
    create_sage_company(path, DEMO_LISTS)
    return odbc.add_dsn("smsync_sage_sqlite", odbc_env.SQLITE_DRIVER, Database=str(path))


def pg_dsn(odbc: odbc_env.OdbcConfig, postgres: odbc_env.Postgres, name: str, db: str) -> str:
    """A DSN for a PostgreSQL database, without the password (it comes from SMSync)."""
    return odbc.add_dsn(
        name,
        odbc_env.PG_DRIVER,
        Servername=odbc_env.PG_HOST,
        Port=str(odbc_env.PG_PORT),
        Database=db,
        Username=postgres.role,
    )


@pytest.fixture(scope="session")
def sage_pg_dsn(odbc: odbc_env.OdbcConfig, postgres: odbc_env.Postgres) -> str:
    """The demo company in PostgreSQL, with Sage 50's mixed-case names, through psqlODBC."""
    name = postgres.create_database()
    db = pg_database(postgres, name)
    write_sage_company(db, DEMO_LISTS)
    db.close()
    return pg_dsn(odbc, postgres, "smsync_sage_pg", name)


@pytest.fixture
def turbo_pg_dsn(odbc: odbc_env.OdbcConfig, postgres: odbc_env.Postgres) -> str:
    """A fresh SMSTurbo reference database in PostgreSQL, for one test."""
    name = postgres.create_database()
    db = pg_database(postgres, name)
    write_smsturbo(db, DEMO_LISTS)
    db.close()
    return pg_dsn(odbc, postgres, "turbo_" + name.removeprefix("smsync_test_"), name)


@pytest.fixture
def mariadb(odbc: odbc_env.OdbcConfig) -> Iterator[MariaDB]:
    """A fresh, empty MariaDB database for one test, and its users (``mariadb_env``)."""
    with mariadb_env.running(odbc, "smsturbo_test") as server:
        yield server


def mariadb_database(server: MariaDB) -> Database:
    """A writable ODBC connection to the test's MariaDB database, as SMSync opens it:
    standard quoted names (``dbapi.standard_quotes``)."""
    import pyodbc

    connection = pyodbc.connect(server.connection_string(server.writer), autocommit=True)
    db = Database(connection, label=server.database)
    standard_quotes(db)
    return db


def mariadb_dsn(odbc: odbc_env.OdbcConfig, server: MariaDB) -> str:
    """A DSN for the test's MariaDB database as its writer, without the password."""
    return odbc.add_dsn(
        server.database,
        mariadb_env.MARIADB_DRIVER,
        Server=mariadb_env.HOST,
        Port=str(mariadb_env.PORT),
        Database=server.database,
        UID=server.writer,
    )


@pytest.fixture
def turbo_mariadb_dsn(
    odbc: odbc_env.OdbcConfig, mariadb: MariaDB, monkeypatch: pytest.MonkeyPatch
) -> str:
    """A fresh SMSTurbo reference database on MariaDB, for one test; SMSync's password
    for it in the environment."""
    db = mariadb_database(mariadb)
    write_smsturbo(db, DEMO_LISTS)
    db.close()
    monkeypatch.setenv("SMSYNC_SMSTURBO_PASSWORD", mariadb.password)
    return mariadb_dsn(odbc, mariadb)


@pytest.fixture
def passwords(monkeypatch: pytest.MonkeyPatch, postgres: odbc_env.Postgres) -> str:
    """Both sides' passwords in the environment, as a headless run has them."""
    monkeypatch.setenv("SMSYNC_SAGE50_PASSWORD", postgres.password)
    monkeypatch.setenv("SMSYNC_SMSTURBO_PASSWORD", postgres.password)
    return postgres.password


class MemoryKeyring(KeyringBackend):
    """A keyring that forgets everything when the test ends."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.kept: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.kept.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.kept[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.kept.pop((service, username), None)


@pytest.fixture
def memory_keyring():
    previous = keyring.get_keyring()
    kept = MemoryKeyring()
    keyring.set_keyring(kept)
    yield kept
    keyring.set_keyring(previous)
