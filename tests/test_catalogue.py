"""What SMSTurbo's columns hold comes from its own catalogue: an SQLite file's declared
types (also through the SQLite ODBC driver, whose SQLColumns misreads NUMERIC(12, 2)),
PostgreSQL's information_schema through psqlODBC (which reports an unbounded VARCHAR as
255 characters), and ODBC's SQLColumns for any other server."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

import pytest

from smsync_xl.connections.db import Database, open_sqlite
from smsync_xl.core.fields import Binary, Limit
from smsync_xl.smsturbo import catalogue
from smsync_xl.smsturbo.catalogue import column_limits
from smsync_xl.smsturbo.mapping import TableMapping

from . import odbc_env
from .conftest import pg_database

COLUMNS = {
    "name": ("Name", "VARCHAR(30)"),
    "state": ("State", "CHAR(2)"),
    "credit_limit": ("Amount", "NUMERIC(8, 3)"),
    "price": ("Price", "DECIMAL(10,4)"),
    "terms": ("Days", "SMALLINT"),
    "udf1": ("Note", "TEXT"),
    "udf2": ("Counter", "BIGINT"),
}
MAPPING = TableMapping("Things", {field: column for field, (column, _) in COLUMNS.items()})
EXPECTED = {
    "name": Limit(length=30, text=True),
    "state": Limit(length=2, text=True),
    "credit_limit": Limit(digits=8, places=3, text=False),
    "price": Limit(digits=10, places=4, text=False),
    "terms": Limit(places=0, low=-32768, high=32767, text=False),
    "udf1": Limit(text=True),
    "udf2": Limit(places=0, low=-(2**63), high=2**63 - 1, text=False),
}
SQLITE = {
    field: dataclasses.replace(limit, binary=None if limit.text else Binary.SQLITE)
    for field, limit in EXPECTED.items()
}
"""In SQLite a number column keeps a 64-bit integer or a double (type affinity)."""
CREATE = 'CREATE TABLE "Things" ({})'.format(
    ", ".join(f'"{column}" {declared}' for column, declared in COLUMNS.values())
)


def named(limits: dict[str, Limit]) -> dict[str, Limit]:
    return {f: limit.named(f"Things.{COLUMNS[f][0]}") for f, limit in limits.items()}


@pytest.fixture
def sqlite_file(tmp_path: Path) -> Path:
    path = tmp_path / "turbo.sqlite"
    with sqlite3.connect(path) as connection:
        connection.execute(CREATE)
    return path


def test_an_sqlite_file_gives_its_declared_types(sqlite_file):
    db = open_sqlite(sqlite_file)
    assert column_limits(db, MAPPING) == named(SQLITE)


def test_the_sqlite_odbc_driver_gives_the_same(odbc, sqlite_file):
    import pyodbc

    dsn = odbc.add_dsn("catalogue_sqlite", odbc_env.SQLITE_DRIVER, Database=str(sqlite_file))
    db = Database(pyodbc.connect(f"DSN={dsn}", autocommit=True), label=dsn)
    assert db.dbms == "sqlite"
    assert column_limits(db, MAPPING) == named(SQLITE)


def test_postgresql_gives_its_own_catalogue_through_psqlodbc(postgres):
    db = pg_database(postgres, postgres.create_database())
    db.execute(
        CREATE.replace("DECIMAL(10,4)", "NUMERIC")
        .replace('"Note" TEXT', '"Note" VARCHAR')
        .replace("BIGINT", "TEXT")
    )
    unbounded = {
        "price": Limit(digits=131072 + 16383, places=16383, text=False),
        "udf1": Limit(text=True),
        "udf2": Limit(text=True),
    }
    assert column_limits(db, MAPPING) == named({**EXPECTED, **unbounded})


def test_any_other_server_is_asked_through_sqlcolumns(postgres):
    """The generic path, run against a real driver (psqlODBC) on bounded columns, where
    SQLColumns is exact."""
    db = pg_database(postgres, postgres.create_database())
    db.execute(CREATE.replace('"Note" TEXT', '"Note" VARCHAR(200)'))
    found = dict(catalogue._odbc(db, "Things"))
    assert {f: found[column] for f, (column, _) in COLUMNS.items()} == {
        **EXPECTED,
        "udf1": Limit(length=200, text=True),
    }


@pytest.mark.parametrize(
    ("code", "size", "places", "limit"),
    [
        (2, 38, None, Limit(text=False)),  # Oracle's NUMBER: no fixed scale
        (3, 10, 4, Limit(digits=10, places=4, text=False)),
        (-9, 0, None, Limit(text=True)),  # SQL Server's NVARCHAR(MAX)
        (-1, 8190, None, Limit(text=True)),  # long text
        (12, 40, None, Limit(length=40, text=True)),
        (4, 10, 0, Limit(places=0, low=-(2**31), high=2**31 - 1, text=False)),
        (-6, 3, 0, Limit(places=0, low=0, high=255, text=False)),
        (8, 15, None, Limit(binary=Binary.DOUBLE, text=False)),
        (6, 15, None, Limit(binary=Binary.DOUBLE, text=False)),
        (7, 7, None, Limit(binary=Binary.SINGLE, text=False)),
        (91, 10, None, Limit()),  # DATE: not known
    ],
)
def test_what_sqlcolumns_says_becomes_a_limit_only_when_it_is_one(code, size, places, limit):
    assert catalogue.odbc_limit(code, size, places) == limit
