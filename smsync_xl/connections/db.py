"""A thin layer over DB-API connections (sqlite3, pyodbc): qmark SQL, explicit
transactions, and the only place identifiers are quoted.

Both sqlite3 and pyodbc use ``?`` parameters, so store and source code is written
once. pyodbc is imported lazily: a machine without unixODBC still runs the SQLite path.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

sqlite3.register_adapter(Decimal, str)

Translate = Callable[[Exception], Exception | None]
"""Turns a driver's exception into a plain-language one, or None to keep it as it is."""

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")

LOCK_WAIT_SECONDS = 30.0
"""How long a write waits for another writer to finish (SQLite's busy timeout,
PostgreSQL's lock_timeout, the ODBC query timeout of the lock statement elsewhere)
before it gives up with 'another synchronization is running'."""

_SQL_DBMS_NAME = 17
"""ODBC's SQLGetInfo code for the database product's name (pyodbc.SQL_DBMS_NAME)."""
_SQL_WLONGVARCHAR, _SQL_LONGVARCHAR = -10, -1
"""ODBC's type codes for long Unicode and long character text (pyodbc.SQL_WLONGVARCHAR)."""


def quote_identifier(name: str) -> str:
    """Quote a table/column name taken from a mapping file, refusing anything odd.

    Names never come from cell text; even so, only plain identifiers pass.
    """
    if not _IDENTIFIER.fullmatch(name):
        raise ValueError(
            f"{name!r} is not a plain table or column name (letters, digits and _ only)"
        )
    return f'"{name}"'


def quote_name(name: str) -> str:
    """Quote a column name the database itself reported (a ``SELECT *``), whatever it
    holds: such names never come from a file or a cell, and may hold spaces."""
    return '"' + name.replace('"', '""') + '"'


class Database:
    """One connection, with ``transaction()`` giving all-or-nothing writes.

    ``translate`` turns driver errors (a missing table, a lost connection) into the
    exceptions that tell the user what to do; errors it does not know pass unchanged.
    """

    def __init__(self, connection: Any, *, label: str, translate: Translate | None = None) -> None:
        self.connection = connection
        self.label = label
        self.translate = translate
        self._dbms: str | None = None

    @property
    def is_sqlite(self) -> bool:
        """An embedded SQLite file (sqlite3), not an ODBC connection."""
        return isinstance(self.connection, sqlite3.Connection)

    @property
    def dbms(self) -> str:
        """The database product in lower case: 'sqlite' for an embedded file, else what
        the ODBC driver reports ('postgresql', 'microsoft sql server', …)."""
        if self._dbms is None:
            if self.is_sqlite:
                self._dbms = "sqlite"
            else:
                with self.translating():
                    self._dbms = str(self.connection.getinfo(_SQL_DBMS_NAME)).lower()
        return self._dbms

    @contextmanager
    def translating(self) -> Iterator[None]:
        """Driver errors raised inside become the plain-language ones ``translate`` gives."""
        try:
            yield
        except Exception as error:
            translated = self.translate(error) if self.translate else None
            if translated is None:
                raise
            raise translated from error

    def query(self, sql: str, params: Sequence[object] = ()) -> list[tuple]:
        cursor = self.connection.cursor()
        try:
            with self.translating():
                cursor.execute(sql, tuple(params))
                return [tuple(row) for row in cursor.fetchall()]
        finally:
            cursor.close()

    def select(self, sql: str, params: Sequence[object] = ()) -> tuple[list[str], list[tuple]]:
        """Rows with the names of their columns as the driver reports them: what a
        ``SELECT *`` needs to know which value is which column."""
        cursor = self.connection.cursor()
        try:
            with self.translating():
                cursor.execute(sql, tuple(params))
                return [d[0] for d in cursor.description], [tuple(r) for r in cursor.fetchall()]
        finally:
            cursor.close()

    def long_text_type(self) -> str:
        """The DBMS's type for text of any length (TEXT, ntext, CLOB, …), as its ODBC
        driver names it: what a value with no natural limit (a folder path, a whole
        record) is stored in."""
        if self.is_sqlite:
            return "TEXT"
        cursor = self.connection.cursor()
        try:
            for sql_type in (_SQL_WLONGVARCHAR, _SQL_LONGVARCHAR):
                with contextlib.suppress(Exception):  # a driver without type information
                    found = cursor.getTypeInfo(sql_type).fetchone()
                    if found is not None:
                        return str(found[0])
            return "TEXT"
        finally:
            cursor.close()

    def stream(
        self, sql: str, params: Sequence[object] = (), *, batch: int = 5000
    ) -> Iterator[tuple]:
        """Rows in batches, so a large Sage 50 table never sits in memory twice."""
        cursor = self.connection.cursor()
        try:
            with self.translating():
                cursor.execute(sql, tuple(params))
                rows = cursor.fetchmany(batch)
            while rows:
                yield from (tuple(row) for row in rows)
                with self.translating():
                    rows = cursor.fetchmany(batch)
        finally:
            cursor.close()

    def columns(self, table: str) -> list[str]:
        """Column names of ``table`` as the driver reports them, from the catalogue where
        the driver has one (``SELECT *`` is slow on Pervasive), else an empty SELECT."""
        cursor = self.connection.cursor()
        try:
            if hasattr(cursor, "columns"):
                found = [row.column_name for row in cursor.columns(table=table)]
                if found:
                    return found
            with self.translating():
                cursor.execute(f"SELECT * FROM {quote_identifier(table)} WHERE 1 = 0")
            return [d[0] for d in cursor.description]
        finally:
            cursor.close()

    def execute(self, sql: str, params: Sequence[object] = ()) -> int:
        """Run one statement; returns the number of rows it changed."""
        cursor = self.connection.cursor()
        try:
            with self.translating():
                cursor.execute(sql, tuple(params))
            return cursor.rowcount
        finally:
            cursor.close()

    def execute_many(self, sql: str, rows: Sequence[Sequence[object]]) -> None:
        """One prepared statement and one cursor for many rows. Not pyodbc's
        fast_executemany: with psqlODBC's Unicode driver it sizes string buffers in
        characters and fails full-width values ("String data, right truncation: length 40
        buffer 20")."""
        if not rows:
            return
        cursor = self.connection.cursor()
        try:
            with self.translating():
                cursor.executemany(sql, [tuple(r) for r in rows])
        finally:
            cursor.close()

    def has_table(self, name: str) -> bool:
        """Whether ``name`` exists, asked of the catalogue so that a transaction is never
        broken by a failing statement (PostgreSQL aborts on any error). Unquoted names are
        folded by some engines, so the lower- and upper-case spellings count too."""
        if self.is_sqlite:
            rows = self.query(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name = ? COLLATE NOCASE",
                [name],
            )
            return bool(rows)
        cursor = self.connection.cursor()
        try:
            with self.translating():
                return any(
                    cursor.tables(table=spelling).fetchone() is not None
                    for spelling in dict.fromkeys((name, name.lower(), name.upper()))
                )
        finally:
            cursor.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Everything inside commits together or not at all.

        Outside a transaction both kinds of connection run in autocommit, so a read
        never holds locks; inside, sqlite3 gets BEGIN IMMEDIATE (SQLite's write lock,
        taken before anything is read, waiting at most the busy timeout for another
        writer) and pyodbc turns autocommit off until the commit or rollback. Starting,
        committing and the statements inside all go through the error translation.
        """
        with self.translating():
            if self.is_sqlite:
                self.connection.execute("BEGIN IMMEDIATE")
            else:
                self.connection.autocommit = False
        try:
            yield
            with self.translating():
                self.connection.commit()
        except BaseException:
            with contextlib.suppress(Exception):  # a lost connection: keep the first error
                self.connection.rollback()
            raise
        finally:
            if not self.is_sqlite:
                with contextlib.suppress(Exception):
                    self.connection.autocommit = True

    @contextmanager
    def waits_bounded(self, seconds: float) -> Iterator[None]:
        """Inside a transaction: statements run in here wait at most ``seconds`` for
        another transaction's locks, then fail (translated: 'another synchronization is
        running'). SQLite: the busy timeout set when the file was opened. PostgreSQL:
        ``SET LOCAL lock_timeout``, for the rest of the transaction (psqlODBC ignores the
        ODBC query timeout). Other DBMSs: the ODBC query timeout, for these statements.
        """
        if self.is_sqlite:
            yield
            return
        if self.dbms.startswith("postgres"):
            self.execute(f"SET LOCAL lock_timeout = '{max(1, int(seconds * 1000))}ms'")
            yield
            return
        previous = getattr(self.connection, "timeout", 0)
        try:
            with contextlib.suppress(Exception):  # a driver without query timeouts
                self.connection.timeout = max(1, round(seconds))
            yield
        finally:
            with contextlib.suppress(Exception):
                self.connection.timeout = previous

    def close(self) -> None:
        self.connection.close()


def open_sqlite(
    path: Path, *, read_only: bool = False, translate: Translate | None = None
) -> Database:
    """Open an SQLite file; ``read_only`` uses SQLite's own read-only mode. The file is
    read once here, inside the error translation, so a file that is no database (or is
    locked) is reported when it is opened, not at the first question. A writer busy
    with the file is waited for at most ``LOCK_WAIT_SECONDS``."""
    if read_only and not path.exists():
        raise FileNotFoundError(path)
    try:
        if read_only:
            uri = f"{path.resolve().as_uri()}?mode=ro"
            connection = sqlite3.connect(uri, uri=True, timeout=LOCK_WAIT_SECONDS)
        else:
            connection = sqlite3.connect(path, timeout=LOCK_WAIT_SECONDS)
        try:
            connection.execute("SELECT COUNT(*) FROM sqlite_master").fetchall()
        except BaseException:
            connection.close()
            raise
    except sqlite3.Error as error:
        translated = translate(error) if translate else None
        if translated is None:
            raise
        raise translated from error
    connection.isolation_level = None
    return Database(connection, label=str(path), translate=translate)
