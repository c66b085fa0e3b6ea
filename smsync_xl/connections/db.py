"""A thin layer over DB-API connections (sqlite3, pyodbc): qmark SQL, explicit
transactions, and the only place identifiers are quoted.

Both sqlite3 and pyodbc use ``?`` parameters, so store and source code is written
once. pyodbc is imported lazily: a machine without unixODBC still runs the SQLite path.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from smsync_xl.core.errors import TargetError

sqlite3.register_adapter(Decimal, str)

Translate = Callable[[Exception], Exception | None]
"""Turns a driver's exception into a plain-language one, or None to keep it as it is."""

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")

LOCK_WAIT_SECONDS = 30.0
"""How long a write waits for another writer to finish (SQLite's busy timeout,
PostgreSQL's lock_timeout, the ODBC query timeout of the lock statement elsewhere)
before it gives up with 'another synchronization is running'."""
WAIT_STEP_SECONDS = 0.1
"""SQLite's wait for the write lock is made of steps this long, so an interrupt is seen
between them (``Database.transaction``)."""

_SQL_DBMS_NAME = 17
"""ODBC's SQLGetInfo code for the database product's name (pyodbc.SQL_DBMS_NAME)."""
_SQL_ATTR_TXN_ISOLATION, _SQL_TXN_SERIALIZABLE = 108, 8
_SQL_DEFAULT_TXN_ISOLATION = 26
"""ODBC's connection attribute and SQLGetInfo code for the isolation level (pyodbc's
names), so this module needs no pyodbc to run SQLite."""

DEAD_CLIENT_CHECKS = (
    "SET client_connection_check_interval = '1s'",
    "SET tcp_keepalives_idle = 10",
    "SET tcp_keepalives_interval = 5",
    "SET tcp_keepalives_count = 3",
)
"""PostgreSQL, for a connection that writes: the server notices within seconds that its
client is gone (killed, or its computer off the network) even while the session waits
for a lock, and ends the session, so its locks never hold up the next run. Each is tried
on its own; a server that lacks one (before version 14, or not on Linux) goes without."""

MYSQL_FAMILY = ("mysql", "mariadb")
"""The DBMS names MySQL's and MariaDB's ODBC drivers report: one dialect (InnoDB)."""

_INNODB_TABLE_LOCK = "SELECT 1 FROM {} FOR UPDATE"
"""InnoDB has no table lock but LOCK TABLES, which commits the transaction: instead every
row of the table is locked, and at REPEATABLE READ (``Database.transaction``) every gap
between them too (next-key locks), so nobody inserts, updates or deletes a row until the
transaction ends, while plain reads go on."""

TABLE_LOCKS = {
    "postgresql": "LOCK TABLE {} IN SHARE ROW EXCLUSIVE MODE",
    "oracle": "LOCK TABLE {} IN SHARE ROW EXCLUSIVE MODE",
    **dict.fromkeys(MYSQL_FAMILY, _INNODB_TABLE_LOCK),
}
"""Per server (DBMS name as the driver reports it, lower case, by prefix): a table lock
that others' INSERT, UPDATE and DELETE wait for until the transaction ends, while their
reads go on. Servers not named here get a serializable transaction instead (see
``Database.transaction``)."""

_SQL_TXN_READ_COMMITTED, _SQL_TXN_REPEATABLE_READ = 2, 4

MYSQL_SESSION = "SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',ANSI_QUOTES')"
"""MySQL and MariaDB, on SMSTurbo's connection: ``"name"`` quotes a name, as in standard
SQL and in every statement SMSync writes (``quote_identifier``)."""

MYSQL_TABLE_OPTIONS = " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"
"""MySQL and MariaDB: the tables SMSync creates are transactional (InnoDB, whatever the
server's default engine), hold any Unicode text (utf8mb4: emoji too) and compare text
by its characters (a binary collation: 'Café' is neither 'cafe' nor 'CAFÉ'; trailing
spaces aside, as SMSync's own text rule sets them aside)."""

_LOCK_SAVEPOINT = "smsync_table_lock"

_PG_WHOLE_UNIQUE_KEYS = (
    "SELECT i.indexrelid, a.attname FROM pg_index i JOIN pg_attribute a "
    "ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
    "WHERE i.indrelid = to_regclass(?) AND i.indisunique AND i.indpred IS NULL "
    "AND i.indexprs IS NULL"
)
"""PostgreSQL: the columns of each unique index on a table (named as a query names it,
so the search path decides which schema's) that keeps every row unique: not partial
(``indpred``), not on expressions (``indexprs``)."""

_PG_COLUMN_TYPES = (
    "SELECT attname, format_type(atttypid, NULL) FROM pg_attribute "
    "WHERE attrelid = to_regclass(?) AND attnum > 0 AND NOT attisdropped"
)
"""PostgreSQL: each column of a table (as a query names it) and its type without its
size (``character varying``, ``numeric``): what a batched UPDATE casts a value to."""

MULTI_ROW_VALUES = ("postgres", "sqlite", "microsoft sql server", "mysql", "mariadb")
"""Servers (DBMS name by prefix, as ``TABLE_LOCKS``) whose INSERT takes several rows in
one VALUES list; others (Oracle before 23) get one statement per row."""
PARAMETERS_PER_STATEMENT = 2000
"""Parameters in one multi-row INSERT: under SQL Server's 2,100 and what psqlODBC takes
(it loses its place in the protocol at 8,000)."""

SQLITE_PARAMETERS = 999
"""Parameters in one statement to SQLite: its limit before version 3.32, which an ODBC
driver may still bring."""

RowUpdate = tuple[object, dict[str, object], str, list[object]]
"""One row of ``Database.update_rows``: its key value; the values to write by quoted
column name; the condition that finds it (SQL, its ``key`` among it) and its parameters."""

_SQL_WLONGVARCHAR, _SQL_LONGVARCHAR = -10, -1
"""ODBC's type codes for long Unicode and long character text (pyodbc.SQL_WLONGVARCHAR)."""


def _same_to_any_collation(value: object) -> object:
    """An ID as a database that ignores case, accents or trailing spaces may see it."""
    if not isinstance(value, str):
        return value
    folded = unicodedata.normalize("NFKD", value.rstrip().casefold())
    return "".join(c for c in folded if not unicodedata.combining(c))


def _update_chunks(rows: Sequence[RowUpdate], limit: int) -> Iterator[list[RowUpdate]]:
    """``rows`` in groups of at most ``limit`` parameters (one row alone may need more),
    each group's rows writing the same columns (so every row of a statement writes every
    column it sets, as its own UPDATE would: no trigger on a column fires for a row that
    does not write it, no value is read back through a CASE), and never two rows whose
    keys the database might take for the same one: a CASE names each row's values by
    its key alone."""
    alike: dict[tuple[str, ...], list[RowUpdate]] = {}
    for row in rows:
        alike.setdefault(tuple(sorted(row[1])), []).append(row)
    for group in alike.values():
        yield from _limited_chunks(group, limit)


def _limited_chunks(rows: list[RowUpdate], limit: int) -> Iterator[list[RowUpdate]]:
    """``_update_chunks`` for rows writing the same columns."""
    chunk: list[RowUpdate] = []
    keys: set[object] = set()
    used = 0
    for row in rows:
        needs = 1 + 2 * len(row[1]) + len(row[3])
        key = _same_to_any_collation(row[0])
        if chunk and (used + needs > limit or key in keys):
            yield chunk
            chunk, keys, used = [], set(), 0
        chunk.append(row)
        keys.add(key)
        used += needs
    if chunk:
        yield chunk


def _update_statement(
    table: str, key: str, rows: list[RowUpdate], types: Mapping[str, str]
) -> tuple[str, list[object]]:
    """One UPDATE of ``Database.update_rows`` and its parameters; ``types``: a column's
    type (by quoted name) to cast its values to, where the server needs one."""
    sets, params = [], []
    for column in rows[0][1]:
        whens = [(row[0], row[1][column]) for row in rows]
        value = f"CAST(? AS {types[column]})" if column in types else "?"
        branches = f" WHEN ? THEN {value}" * len(whens)
        sets.append(f"{column} = CASE {key}{branches} ELSE {column} END")
        params += [value for pair in whens for value in pair]
    params += [row[0] for row in rows]
    for row in rows:
        params += row[3]
    marks = ", ".join("?" for _ in rows)
    found = " OR ".join(f"({row[2]})" for row in rows)
    return f"UPDATE {table} SET {', '.join(sets)} WHERE {key} IN ({marks}) AND ({found})", params


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


@dataclass(frozen=True)
class Reference:
    """A foreign key on a table: the referring table (``sql``: its name as a statement
    names it, schema and all; ``name``: as a person reads it) and its column pairs
    (referring column, referred column)."""

    sql: str
    name: str
    columns: tuple[tuple[str, str], ...]


Row = tuple[Any, ...]  # each value's type is its column's, known only at run time
"""One row as the driver (pyodbc or sqlite3) returns it."""


class Database:
    """One connection, with ``transaction()`` giving all-or-nothing writes.

    ``translate`` turns driver errors (a missing table, a lost connection) into the
    exceptions that tell the user what to do; errors it does not know pass unchanged.
    """

    def __init__(
        self,
        connection: Any,  # a pyodbc or sqlite3 connection: pyodbc is untyped to mypy (pyproject)
        *,
        label: str,
        translate: Translate | None = None,
    ) -> None:
        self.connection = connection
        self.label = label
        self.translate = translate
        self._dbms: str | None = None
        self._watched = False
        self._column_types: dict[str, dict[str, str]] = {}

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

    def query(self, sql: str, params: Sequence[object] = ()) -> list[Row]:
        cursor = self.connection.cursor()
        try:
            with self.translating():
                cursor.execute(sql, tuple(params))
                return [tuple(row) for row in cursor.fetchall()]
        finally:
            cursor.close()

    def select(self, sql: str, params: Sequence[object] = ()) -> tuple[list[str], list[Row]]:
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
    ) -> Iterator[Row]:
        """Rows in batches, so a large Sage 50 table never sits in memory twice."""
        for rows in self.batches(sql, params, batch=batch):
            yield from rows

    def batches(
        self, sql: str, params: Sequence[object] = (), *, batch: int = 5000
    ) -> Iterator[list[Row]]:
        """The rows a batch at a time, as tuples: for a reader that decodes a column of
        a batch at once."""
        cursor = self.connection.cursor()
        try:
            with self.translating():
                cursor.execute(sql, tuple(params))
                rows = cursor.fetchmany(batch)
            while rows:
                yield list(map(tuple, rows))
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

    def unique_keys(self, table: str) -> list[frozenset[str]]:
        """The column sets (lower case) that ``table``'s primary key and unique indexes
        keep unique for every row, from the catalogue: SQLite's pragmas (a file, or one
        reached through its ODBC driver), PostgreSQL's pg_index (the table the search
        path finds), else ODBC's SQLStatistics. A partial index (``WHERE …``) or one on
        an expression keeps only some rows' IDs unique and does not count; where
        SQLStatistics cannot tell (``knows_partial_indexes``), an index counts."""
        if self.locks_whole_file:
            return self._sqlite_unique_keys(table)
        if self.dbms.startswith("postgres"):
            return self._postgres_unique_keys(table)
        return self._odbc_unique_keys(table)

    def _sqlite_unique_keys(self, table: str) -> list[frozenset[str]]:
        """SQLite's unique, non-partial indexes and its primary key, from its pragmas."""
        name = quote_name(table)
        keys = [
            frozenset(str(c[2]).lower() for c in self.query(f"PRAGMA index_info({i[1]!r})"))
            for i in self.query(f"PRAGMA index_list({name})")
            if i[2] and not i[4]  # unique, not partial
        ]
        primary = [str(c[1]).lower() for c in self.query(f"PRAGMA table_info({name})") if c[5]]
        return keys + ([frozenset(primary)] if primary else [])

    def _postgres_unique_keys(self, table: str) -> list[frozenset[str]]:
        """PostgreSQL's whole unique indexes (primary key included), from pg_index."""
        rows = self.query(_PG_WHOLE_UNIQUE_KEYS, [quote_name(table)])
        pg_indexes: dict[str, set[str]] = {}
        for index, column in rows:
            pg_indexes.setdefault(str(index), set()).add(str(column).lower())
        return [frozenset(columns) for columns in pg_indexes.values()]

    def _odbc_unique_keys(self, table: str) -> list[frozenset[str]]:
        """Any other driver's unique indexes, from ODBC's SQLStatistics."""
        cursor = self.connection.cursor()
        try:
            with self.translating():
                rows = cursor.statistics(table=table, unique=True).fetchall()
        finally:
            cursor.close()
        indexes: dict[str, set[str]] = {}
        for row in rows:
            if row.index_name and not row.non_unique:
                indexes.setdefault(row.index_name, set()).add(str(row.column_name).lower())
        return [frozenset(columns) for columns in indexes.values()]

    @property
    def knows_partial_indexes(self) -> bool:
        """Whether ``unique_keys`` can tell a partial (filtered) index from a whole one
        (MySQL and MariaDB have none)."""
        return self.locks_whole_file or self.dbms.startswith("postgres") or self.is_mysql

    def references_to(self, table: str) -> list[Reference]:
        """The foreign keys other tables (or ``table`` itself) declare on ``table``, from
        the catalogue: SQLite's ``PRAGMA foreign_key_list`` over every table (a file, or
        one reached through the SQLite ODBC driver: declared keys count whether or not
        SQLite enforces them), else ODBC's SQLForeignKeys. A driver without
        SQLForeignKeys reports none: the database then is the only check."""
        if self.locks_whole_file:
            return self._sqlite_references(table)
        cursor = self.connection.cursor()
        try:
            rows = cursor.foreignKeys(table=table).fetchall()
        except Exception:  # noqa: BLE001 - a driver that cannot tell
            return []
        finally:
            cursor.close()
        keys: dict[tuple[str, str, str], list[tuple[int, str, str]]] = {}
        for r in rows:
            name = (str(r.fktable_schem or ""), str(r.fktable_name), str(r.fk_name or ""))
            keys.setdefault(name, []).append(
                (int(r.key_seq or 0), str(r.fkcolumn_name), str(r.pkcolumn_name))
            )
        return [
            Reference(
                quote_name(schema) + "." + quote_name(name) if schema else quote_name(name),
                name,
                tuple((f, p) for _, f, p in sorted(pairs)),
            )
            for (schema, name, _), pairs in sorted(keys.items())
        ]

    def _sqlite_references(self, table: str) -> list[Reference]:
        names = [r[0] for r in self.query("SELECT name FROM sqlite_master WHERE type = 'table'")]
        info = self.query(f"PRAGMA table_info({quote_name(table)})")
        primary = [str(c[1]) for c in sorted(info, key=lambda c: c[5]) if c[5]]
        found = []
        for name in names:
            keys: dict[int, list[tuple[int, str, str | None]]] = {}
            for k in self.query(f"PRAGMA foreign_key_list({quote_name(name)})"):
                if str(k[2]).lower() == table.lower():
                    keys.setdefault(int(k[0]), []).append((int(k[1]), str(k[3]), k[4]))
            for pairs in keys.values():
                ordered = sorted(pairs)  # a key naming no columns refers to the primary key
                to = [
                    p or (primary[i] if i < len(primary) else "")
                    for i, (_, _, p) in enumerate(ordered)
                ]
                columns = tuple((f, str(t)) for (_, f, _), t in zip(ordered, to, strict=True))
                found.append(Reference(quote_name(name), name, columns))
        return found

    def referencing_tables(self, table: str) -> list[str]:
        """Tables whose foreign keys point at ``table`` (``references_to``)."""
        return sorted({r.name for r in self.references_to(table)})

    def execute(self, sql: str, params: Sequence[object] = ()) -> int:
        """Run one statement; returns the number of rows it changed."""
        cursor = self.connection.cursor()
        try:
            with self.translating():
                cursor.execute(sql, tuple(params))
            changed: int = cursor.rowcount
            return changed
        finally:
            cursor.close()

    def execute_many(self, sql: str, rows: Sequence[Sequence[object]]) -> None:
        """One prepared statement and one cursor for many rows. Not pyodbc's
        fast_executemany: psqlODBC runs a parameter array as one statement and one round
        trip per row all the same (measured: ``benchmarks/bench_engine.py``), and its
        Unicode driver needs every string's size set first ("String data, right
        truncation: length 40 buffer 20"); ``insert_rows`` sends one statement per batch."""
        if not rows:
            return
        cursor = self.connection.cursor()
        try:
            with self.translating():
                cursor.executemany(sql, [tuple(r) for r in rows])
        finally:
            cursor.close()

    def insert_rows(self, table: str, columns: str, rows: Sequence[Sequence[object]]) -> None:
        """INSERT many rows into ``table`` (``columns``: its column list as SQL). On a
        server that takes several rows in one VALUES (``MULTI_ROW_VALUES``), one
        statement per ``PARAMETERS_PER_STATEMENT`` parameters instead of one per row,
        and one server round trip each; elsewhere (an SQLite file: no round trips)
        ``execute_many``."""
        if not rows:
            return
        width = len(rows[0])
        if self.is_sqlite or not self.dbms.startswith(MULTI_ROW_VALUES):
            marks = ", ".join("?" for _ in range(width))
            self.execute_many(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)
            return
        per_statement = max(1, PARAMETERS_PER_STATEMENT // width)
        row_marks = "(" + ", ".join("?" for _ in range(width)) + ")"
        cursor = self.connection.cursor()  # one cursor: the same statement is prepared once
        try:
            for start in range(0, len(rows), per_statement):
                chunk = rows[start : start + per_statement]
                values = ", ".join(row_marks for _ in chunk)
                with self.translating():
                    cursor.execute(
                        f"INSERT INTO {table} ({columns}) VALUES {values}",
                        [value for row in chunk for value in row],
                    )
        finally:
            cursor.close()

    @property
    def parameters_per_statement(self) -> int:
        """The most parameters SMSync puts in one statement (``PARAMETERS_PER_STATEMENT``,
        ``SQLITE_PARAMETERS``)."""
        return SQLITE_PARAMETERS if self.locks_whole_file else PARAMETERS_PER_STATEMENT

    def update_rows(self, table: str, key: str, rows: Sequence[RowUpdate]) -> int:
        """UPDATE many rows of ``table`` (``key``: its key column as SQL), each with its own
        values and only where its own condition holds, a statement per
        ``parameters_per_statement`` parameters instead of one per row: ``SET c = CASE key
        WHEN ? THEN ? … ELSE c END`` for each column, ``WHERE key IN (…) AND (condition OR
        …)``, the rows of a statement writing the same columns (``_update_chunks``). A
        parameter takes the column's type as a plain ``SET c = ?`` would (the CASE's
        other branch is the column itself, never taken), so numbers are stored as the
        column stores them. Returns the rows changed, which the caller checks."""
        types = self._cast_types(table)
        changed = 0
        cursor = self.connection.cursor()  # one cursor for all of the batch's statements
        try:
            for chunk in _update_chunks(rows, self.parameters_per_statement):
                sql, params = _update_statement(table, key, chunk, types)
                with self.translating():
                    cursor.execute(sql, params)
                changed += cursor.rowcount
        finally:
            cursor.close()
        return changed

    def _cast_types(self, table: str) -> dict[str, str]:
        """PostgreSQL: each column of ``table`` (as SQL names it) by quoted name, with its
        type without size (``_PG_COLUMN_TYPES``). Its CASE takes one type for all its
        values, and a driver that puts values into the statement as text (psqlODBC
        without server-side prepare) would give a number for a text column another
        type than the column's: cast, each value is the column's type as a plain
        ``SET c = ?`` makes it. Without the size, as that SET does, a text too long is
        refused, never cut. Elsewhere a CASE's values take the column's type as they
        are (none)."""
        if not self.dbms.startswith("postgres"):
            return {}
        if table not in self._column_types:
            rows = self.query(_PG_COLUMN_TYPES, [table])
            self._column_types[table] = {quote_name(str(n)): str(t) for n, t in rows}
        return self._column_types[table]

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

    @property
    def table_lock(self) -> str | None:
        """The statement that keeps other writers off a table (``TABLE_LOCKS``), None
        where the server has none SMSync knows."""
        return next((sql for name, sql in TABLE_LOCKS.items() if self.dbms.startswith(name)), None)

    @property
    def is_mysql(self) -> bool:
        """MySQL or MariaDB (``MYSQL_FAMILY``)."""
        return self.dbms.startswith(MYSQL_FAMILY)

    @property
    def table_options(self) -> str:
        """What ends a CREATE TABLE of SMSync's (``MYSQL_TABLE_OPTIONS``); empty elsewhere."""
        return MYSQL_TABLE_OPTIONS if self.is_mysql else ""

    @property
    def locks_whole_file(self) -> bool:
        """SQLite (embedded or through ODBC): the first write of a transaction locks the
        whole file against other writers until it ends."""
        return self.dbms.startswith("sqlite")

    def keep_writers_off(self, table: str) -> None:
        """Inside a write transaction: nobody else inserts, updates or deletes rows of
        ``table`` until it ends, so what it reads next is still true when it writes.
        Never waits (NOWAIT): a lock request left waiting would queue every clerk's save
        on the table behind it; where another transaction holds the table, the
        (translated) error is raised at once. Run it in ``undone_on_error``."""
        if self.table_lock is not None:
            self.execute(self.table_lock.format(quote_identifier(table)) + " NOWAIT")

    @contextmanager
    def undone_on_error(self) -> Iterator[None]:
        """Inside a transaction: if a statement in here fails, what it did is rolled back
        (a savepoint), locks taken in here included, and the transaction goes on. When
        it succeeds the savepoint is let go (what was done and locked stays): a
        PostgreSQL transaction holding many slows the whole server."""
        self.execute(f"SAVEPOINT {_LOCK_SAVEPOINT}")
        try:
            yield
        except Exception:
            with contextlib.suppress(Exception):  # a lost connection: keep the first error
                self.execute(f"ROLLBACK TO SAVEPOINT {_LOCK_SAVEPOINT}")
            raise
        self.execute(f"RELEASE SAVEPOINT {_LOCK_SAVEPOINT}")

    def goes_on(self) -> bool:
        """Whether the open transaction still takes statements (after an error, a driver
        that rolls back the whole transaction, or a lost connection, it does not)."""
        try:
            self.query("SELECT 1")
        except Exception:  # noqa: BLE001 - any refusal means it does not
            return False
        return True

    @property
    def ddl_commits(self) -> bool:
        """MySQL and MariaDB commit the open transaction before a CREATE or DROP TABLE:
        a table SMSync may need is made before its transaction begins."""
        return self.is_mysql

    @property
    def row_locks_outlive_savepoints(self) -> bool:
        """InnoDB (MySQL, MariaDB) keeps the row locks taken after a savepoint when the
        transaction rolls back to it: a table lock refused halfway (``undone_on_error``)
        would keep the rows it had locked from clerks while SMSync tries again."""
        return self.is_mysql

    def release_kept_row_locks(self) -> None:
        """Where ``row_locks_outlive_savepoints``: roll back the whole transaction (which
        goes on, empty), so that no lock is kept; the caller takes its locks again."""
        if self.row_locks_outlive_savepoints:
            with self.translating():
                self.connection.rollback()

    @property
    def before_any_plain_read(self) -> str:
        """What a SELECT ends with when it runs in a write transaction before the tables
        are locked: ``FOR UPDATE`` on MySQL and MariaDB, whose REPEATABLE READ
        (``_isolation``) reads every later plain SELECT from a snapshot made at the first
        one: made then, it would miss what others commit before the table locks. (Their
        UPDATE that changes no value counts no row: ``SMSTurboStore._take_writer_lock``
        asks again.) Empty elsewhere."""
        return " FOR UPDATE" if self.is_mysql else ""

    @property
    def skips_locked_rows(self) -> str:
        """What a SELECT ends with to lock the rows it reads without waiting for any
        another transaction holds (``FOR UPDATE SKIP LOCKED``), on the servers whose
        table lock (``TABLE_LOCKS``) SMSync holds while it writes: a row it waited for
        there could deadlock with the clerk editing it. Empty elsewhere."""
        return " FOR UPDATE SKIP LOCKED" if self.table_lock is not None else ""

    @contextmanager
    def transaction(
        self, *, serializable: bool = False, waiting: Callable[[], None] = lambda: None
    ) -> Iterator[None]:
        """Everything inside commits together or not at all.

        Outside a transaction both kinds of connection run in autocommit, so a read
        never holds locks; inside, SQLite (sqlite3 or its ODBC driver) gets BEGIN
        IMMEDIATE (SQLite's write lock, taken before anything is read, waiting at most
        the busy timeout for another writer; through sqlite3 in steps with ``waiting``
        called between them: what it raises, an interrupt, ends the wait at once) and
        other ODBC connections turn autocommit off until the commit or rollback.
        Starting, committing and the statements inside all go through the error
        translation.

        ``serializable``: on a server without ``TABLE_LOCKS`` and not SQLite, the
        transaction runs at ODBC's SERIALIZABLE isolation; lock-based servers (SQL
        Server, DB2) then hold what it read locked against others' inserts and changes
        until it ends. MySQL and MariaDB get the isolation their table lock needs
        (``_isolation``). A driver that refuses it is an error, never a silently weaker
        transaction.
        """
        isolation = self._isolation(serializable)
        # SQLite through its ODBC driver: the driver's own transaction would begin
        # deferred, and a read before the first write (a catalogue question) would hold
        # the file against another writer that holds the write lock and waits to
        # commit: both wait out the busy timeout. BEGIN IMMEDIATE, as for sqlite3.
        immediate = not self.is_sqlite and self.locks_whole_file
        self._watch_for_dead_client()
        if isolation is not None:
            self._isolate(isolation)
        with self.translating():
            if self.is_sqlite:
                self._begin_immediate(waiting)
            elif immediate:
                self.connection.execute(f"PRAGMA busy_timeout = {int(LOCK_WAIT_SECONDS * 1000)}")
                self.connection.execute("BEGIN IMMEDIATE")
            else:
                self.connection.autocommit = False
        try:
            yield
            with self.translating():
                if immediate:
                    self.connection.execute("COMMIT")
                else:
                    self.connection.commit()
        except BaseException:
            with contextlib.suppress(Exception):  # a lost connection: keep the first error
                if immediate:
                    self.connection.execute("ROLLBACK")
                else:
                    self.connection.rollback()
            raise
        finally:
            if not self.is_sqlite and not immediate:
                with contextlib.suppress(Exception):
                    self.connection.autocommit = True
                if isolation is not None:
                    with contextlib.suppress(Exception):
                        default = self.connection.getinfo(_SQL_DEFAULT_TXN_ISOLATION)
                        self.connection.set_attr(_SQL_ATTR_TXN_ISOLATION, default)

    def _begin_immediate(self, waiting: Callable[[], None]) -> None:
        """SQLite's write lock, waited for in steps of ``WAIT_STEP_SECONDS`` (the busy
        timeout in all): SQLite's own wait cannot be interrupted, and a Ctrl-C must not
        wait 30 seconds to be seen."""
        step = max(1, int(WAIT_STEP_SECONDS * 1000))
        self.connection.execute(f"PRAGMA busy_timeout = {step}")
        try:
            for _ in range(int(LOCK_WAIT_SECONDS / WAIT_STEP_SECONDS) - 1):
                try:
                    self.connection.execute("BEGIN IMMEDIATE")
                    return
                except sqlite3.OperationalError as error:
                    if getattr(error, "sqlite_errorcode", None) != sqlite3.SQLITE_BUSY:
                        raise
                waiting()
            self.connection.execute("BEGIN IMMEDIATE")
        finally:
            self.connection.execute(f"PRAGMA busy_timeout = {int(LOCK_WAIT_SECONDS * 1000)}")

    def _isolation(self, locking: bool) -> int | None:
        """The ODBC isolation level a write transaction asks for, None to keep the
        connection's. InnoDB (MySQL, MariaDB): REPEATABLE READ where SMSync locks tables
        (only there does InnoDB lock the gaps between rows, which keeps others'
        INSERTs out), else READ COMMITTED (each statement reads what is committed now,
        not a snapshot from the transaction's first read), whatever the server's default.
        Other servers without ``TABLE_LOCKS``: SERIALIZABLE where SMSync locks tables."""
        if self.is_sqlite:
            return None
        if self.is_mysql:
            return _SQL_TXN_REPEATABLE_READ if locking else _SQL_TXN_READ_COMMITTED
        if locking and self.table_lock is None and not self.locks_whole_file:
            return _SQL_TXN_SERIALIZABLE
        return None

    def _isolate(self, level: int) -> None:
        try:
            self.connection.set_attr(_SQL_ATTR_TXN_ISOLATION, level)
        except Exception as error:  # any driver's refusal
            raise TargetError(
                f"the ODBC driver for {self.dbms} refused the transaction isolation SMSync "
                f"needs on this server ({error}) to keep others from creating the records "
                "it creates meanwhile; nothing was changed",
                where=self.label,
                advice="Connect through the database maker's own ODBC driver, or ask SMSync's "
                "support to add this server's table lock to SMSync.",
            ) from error

    def _watch_for_dead_client(self) -> None:
        """Once per connection, before its first write transaction: ``DEAD_CLIENT_CHECKS``."""
        if self._watched or self.is_sqlite or not self.dbms.startswith("postgres"):
            return
        self._watched = True
        for statement in DEAD_CLIENT_CHECKS:
            with contextlib.suppress(Exception):  # outside a transaction: nothing to abort
                self.connection.execute(statement)

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
        if self.is_mysql:
            yield from self._innodb_waits_bounded(seconds)
            return
        previous = getattr(self.connection, "timeout", 0)
        try:
            with contextlib.suppress(Exception):  # a driver without query timeouts
                self.connection.timeout = max(1, round(seconds))
            yield
        finally:
            with contextlib.suppress(Exception):
                self.connection.timeout = previous

    def _innodb_waits_bounded(self, seconds: float) -> Iterator[None]:
        """MySQL, MariaDB: ``innodb_lock_wait_timeout`` for the session meanwhile (whole
        seconds; the ODBC query timeout would end the statement, not only its wait)."""
        (previous,) = self.query("SELECT @@SESSION.innodb_lock_wait_timeout")[0]
        self.execute(f"SET SESSION innodb_lock_wait_timeout = {max(1, round(seconds))}")
        try:
            yield
        finally:
            with contextlib.suppress(Exception):  # a lost connection: keep the first error
                self.execute(f"SET SESSION innodb_lock_wait_timeout = {int(previous)}")

    def close(self) -> None:
        self.connection.close()


def fixed_time_zone(db: Database) -> None:
    """PostgreSQL: the session reads and writes in UTC, so a timestamptz SMSync reads
    (into the audit, or to compare with it) is the same value whatever time zone the PC
    running it has (PGTZ), and never an ambiguous local time in the hour the clocks go
    back. Other databases have no session time zone that changes what is read."""
    if not db.is_sqlite and db.dbms.startswith("postgres"):
        with db.translating():
            db.connection.execute("SET TIME ZONE 'UTC'")


def standard_quotes(db: Database) -> None:
    """MySQL, MariaDB: ``MYSQL_SESSION``, so SMSync's quoted names mean names there too.
    Other databases quote names that way already."""
    if not db.is_sqlite and db.is_mysql:
        with db.translating():
            db.connection.execute(MYSQL_SESSION)


def open_sqlite(
    path: Path, *, read_only: bool = False, translate: Translate | None = None
) -> Database:
    """Open an SQLite file; ``read_only`` uses SQLite's own read-only mode. The file is
    read once here, inside the error translation, so a file that is no database (or is
    locked) is reported when it is opened, not at the first question. A writer busy
    with the file is waited for at most ``LOCK_WAIT_SECONDS``. SQLite's own settings are
    left as the file's owner has them (foreign keys enforced or not): Undo checks what
    refers to a record itself (``Database.references_to``)."""
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
