"""A thin layer over DB-API connections (sqlite3, pyodbc): qmark SQL, explicit
transactions, and the only place identifiers are quoted.

Both sqlite3 and pyodbc use ``?`` parameters, so store and source code is written
once. pyodbc is imported lazily: a machine without unixODBC still runs the SQLite path.
"""

from __future__ import annotations

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


def quote_identifier(name: str) -> str:
    """Quote a table/column name taken from a mapping file, refusing anything odd.

    Names never come from cell text; even so, only plain identifiers pass.
    """
    if not _IDENTIFIER.fullmatch(name):
        raise ValueError(
            f"{name!r} is not a plain table or column name (letters, digits and _ only)"
        )
    return f'"{name}"'


class Database:
    """One connection, with ``transaction()`` giving all-or-nothing writes.

    ``translate`` turns driver errors (a missing table, a lost connection) into the
    exceptions that tell the user what to do; errors it does not know pass unchanged.
    """

    def __init__(self, connection: Any, *, label: str, translate: Translate | None = None) -> None:
        self.connection = connection
        self.label = label
        self.translate = translate

    @contextmanager
    def _errors(self) -> Iterator[None]:
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
            with self._errors():
                cursor.execute(sql, tuple(params))
                return [tuple(row) for row in cursor.fetchall()]
        finally:
            cursor.close()

    def stream(
        self, sql: str, params: Sequence[object] = (), *, batch: int = 5000
    ) -> Iterator[tuple]:
        """Rows in batches, so a large Sage 50 table never sits in memory twice."""
        cursor = self.connection.cursor()
        try:
            with self._errors():
                cursor.execute(sql, tuple(params))
                rows = cursor.fetchmany(batch)
            while rows:
                yield from (tuple(row) for row in rows)
                with self._errors():
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
            with self._errors():
                cursor.execute(f"SELECT * FROM {quote_identifier(table)} WHERE 1 = 0")
            return [d[0] for d in cursor.description]
        finally:
            cursor.close()

    def execute(self, sql: str, params: Sequence[object] = ()) -> int:
        """Run one statement; returns the number of rows it changed."""
        cursor = self.connection.cursor()
        try:
            with self._errors():
                cursor.execute(sql, tuple(params))
            return cursor.rowcount
        finally:
            cursor.close()

    def execute_many(self, sql: str, rows: Sequence[Sequence[object]]) -> None:
        if not rows:
            return
        cursor = self.connection.cursor()
        try:
            with self._errors():
                cursor.executemany(sql, [tuple(r) for r in rows])
        finally:
            cursor.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Everything inside commits together or not at all.

        Outside a transaction both kinds of connection run in autocommit, so a read
        never holds locks; inside, sqlite3 gets an explicit BEGIN and pyodbc turns
        autocommit off until the commit or rollback.
        """
        if isinstance(self.connection, sqlite3.Connection):
            self.connection.execute("BEGIN IMMEDIATE")
        else:
            self.connection.autocommit = False
        try:
            yield
        except BaseException:
            self.connection.rollback()
            raise
        else:
            self.connection.commit()
        finally:
            if not isinstance(self.connection, sqlite3.Connection):
                self.connection.autocommit = True

    def close(self) -> None:
        self.connection.close()


def open_sqlite(
    path: Path, *, read_only: bool = False, translate: Translate | None = None
) -> Database:
    """Open an SQLite file; ``read_only`` uses SQLite's own read-only mode."""
    if read_only:
        if not path.exists():
            raise FileNotFoundError(path)
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    else:
        connection = sqlite3.connect(path)
    connection.isolation_level = None
    return Database(connection, label=str(path), translate=translate)
