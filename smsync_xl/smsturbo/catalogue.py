"""What SMSTurbo's columns hold, read from its database's own catalogue, never assumed.

A real SMSTurbo may keep a name in 30 characters or a price with 4 decimals; the
mapping names the columns, the catalogue says what each holds, and compare() makes a
row INVALID at Refresh when a value is beyond it (instead of a whole batch failing at
Synchronize). Each DBMS is asked where its answer is exact:

- SQLite (a file, or through the SQLite ODBC driver): the declared types, ``PRAGMA
  table_info`` (the SQLite ODBC driver's ``SQLColumns`` misreads ``NUMERIC(12, 2)``);
- PostgreSQL: ``information_schema.columns`` (psqlODBC reports an unbounded VARCHAR as
  255 characters and an unconstrained NUMERIC as 28 digits with 6 decimals);
- any other server: ODBC's ``SQLColumns`` (pyodbc ``cursor.columns()``).
"""

from __future__ import annotations

import codecs
import dataclasses

from smsync_xl.connections.db import Database, quote_identifier
from smsync_xl.core.fields import POSTGRES_NUMERIC, Limit, declared_limit, sqlite_limit
from smsync_xl.smsturbo.mapping import TableMapping

_TEXT_CODES = {1: "CHAR", 12: "VARCHAR", -8: "NCHAR", -9: "NVARCHAR", -1: "TEXT", -10: "NTEXT"}
_NUMBER_CODES = {2: "NUMERIC", 3: "DECIMAL"}
_OTHER_CODES = {-6: "TINYINT", 5: "SMALLINT", 4: "INTEGER", -5: "BIGINT", 6: "FLOAT"}
_OTHER_CODES |= {7: "REAL", 8: "DOUBLE"}
"""ODBC SQL type codes (sql.h) SMSync knows what a column holds of; the rest has no
limit SMSync can check."""
_ANY_TEXT = {"UTF8", "SQL_ASCII"}
"""PostgreSQL server encodings that hold every character SMSync writes."""


def column_limits(db: Database, table: TableMapping) -> dict[str, Limit]:
    """Field → what its mapped column holds, named ``Table.Column`` for messages. A
    column the catalogue does not describe has no limit SMSync can know."""
    declared = {name.lower(): limit for name, limit in _declared(db, table.table)}
    encoding = _encoding(db)
    if encoding:
        declared = {
            name: dataclasses.replace(limit, encoding=encoding) if limit.text else limit
            for name, limit in declared.items()
        }
    return {
        field: declared.get(column.lower(), Limit()).named(f"{table.table}.{column}")
        for field, column in table.columns.items()
    }


def _declared(db: Database, table: str) -> list[tuple[str, Limit]]:
    if db.dbms == "sqlite":
        rows = db.query(f"PRAGMA table_info({quote_identifier(table)})")
        return [(str(row[1]), sqlite_limit(str(row[2] or ""))) for row in rows]
    if db.dbms.startswith("postgres"):
        return _postgres(db, table)
    return _odbc(db, table)


def _postgres(db: Database, table: str) -> list[tuple[str, Limit]]:
    """The first spelling of the table the search path has (an unquoted name is folded)."""
    for spelling in dict.fromkeys((table, table.lower())):
        rows = db.query(
            "SELECT column_name, data_type, character_maximum_length, numeric_precision, "
            "numeric_scale FROM information_schema.columns WHERE table_name = ? AND "
            "table_schema = ANY (current_schemas(false))",
            [spelling],
        )
        if rows:
            return [(str(name), _postgres_limit(*row)) for name, *row in rows]
    return []


def _postgres_limit(
    data_type: str, length: int | None, precision: int | None, scale: int | None
) -> Limit:
    if length is not None:
        return declared_limit(f"{data_type}({length})")
    if data_type == "numeric":
        if precision is None:
            return POSTGRES_NUMERIC
        return declared_limit(f"NUMERIC({precision}, {scale or 0})")
    return declared_limit(data_type)


def _encoding(db: Database) -> str | None:
    """The Python codec of a PostgreSQL server's text when it cannot hold every
    character (WIN1252, LATIN1): text beyond it makes its row INVALID."""
    if not db.dbms.startswith("postgres"):
        return None
    name = str(db.query("SHOW server_encoding")[0][0]).upper()
    if name in _ANY_TEXT:
        return None
    for candidate in (name, name.replace("WIN", "cp"), name.replace("_", "")):
        try:
            return codecs.lookup(candidate).name
        except LookupError:
            continue
    return None


def _odbc(db: Database, table: str) -> list[tuple[str, Limit]]:
    cursor = db.connection.cursor()
    try:
        with db.translating():
            rows = list(cursor.columns(table=table))
    finally:
        cursor.close()
    return [
        (row.column_name, odbc_limit(row.data_type, row.column_size, row.decimal_digits))
        for row in rows
    ]


def odbc_limit(code: int, size: int | None, places: int | None) -> Limit:
    """A column's limit from what ``SQLColumns`` says: its SQL type code, COLUMN_SIZE
    (characters, or digits) and DECIMAL_DIGITS (None: a number without a fixed scale,
    which has no limit SMSync can check)."""
    if code in _TEXT_CODES:
        bounded = size and code not in (-1, -10)
        return declared_limit(f"{_TEXT_CODES[code]}({size})" if bounded else "TEXT")
    if code in _NUMBER_CODES:
        if size and places is not None:
            return declared_limit(f"{_NUMBER_CODES[code]}({size}, {places})")
        return declared_limit(_NUMBER_CODES[code])  # Oracle's NUMBER: no fixed scale
    return declared_limit(_OTHER_CODES.get(code, ""))
