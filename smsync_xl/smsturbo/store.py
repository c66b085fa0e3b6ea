"""SMSTurbo as the target: the only code that writes, always through the mapping.

Records go in and out keyed by SMSTurbo field name; the mapping decides the real table
and column names, and each field's kind (``core.fields``) how its value is passed. The
audit tables (``smsturbo.audit``) live beside them, so an audit record is written in the
same transaction as the change it describes.

SMSync's writers take turns: a write transaction takes SMSync's writer lock before it
reads anything (``transaction``), then keeps the tables it creates records in from
every other writer until it commits, so no clerk can create a record between SMSync's
re-read and its INSERT; and a write that must not overwrite someone else's edit is a
compare-and-set: it only changes the row if every column still holds what was read
(``update``/``delete`` with ``expected``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from itertools import chain, repeat

from smsync_xl.connections import db as dbapi
from smsync_xl.connections.db import Database, quote_identifier, quote_name
from smsync_xl.connections.odbc_errors import (
    CANCELLED,
    READ_ONLY,
    classify_statement,
    driver_text,
    state_and_text,
)
from smsync_xl.core.errors import (
    MissingDefaultsError,
    SmsyncError,
    TargetBusyError,
    TargetError,
    TargetLostError,
    TargetReadOnlyError,
    TargetReferenceError,
    TargetRefusedError,
)
from smsync_xl.core.fields import (
    ENTITIES,
    TURBO_FIELDS,
    UNDECODED,
    Entity,
    Record,
    TurboRecord,
    text,
    undecoded,
    undecoded_bytes,
)
from smsync_xl.smsturbo.audit import LOCK_DDL, LOCK_INSERT, LOCK_TABLE, LOCK_TAKE, Audit, Stored
from smsync_xl.smsturbo.mapping import TableMapping, TurboMapping

_LOCK_RETRY = 0.05
"""Seconds between two tries for a table another transaction holds."""

_ID_CHUNK = 500  # stays under every driver's parameter limit
_MISSING = object()
INSERT_BATCH = 500
"""Records per batch of inserts: well under what drivers take in one go."""


class _RowByRow(Exception):
    """A batch of updates that did not change exactly its rows: undone, then made again
    row by row (``SMSTurboStore._in_batches``)."""


Raw = dict[str, object]
"""A record exactly as the driver returned it (Decimal amounts, padded IDs), keyed by
field name: what a compare-and-set write compares against."""


def _to_db(field: str, value: object) -> object:
    return TURBO_FIELDS[field].kind.to_db(value)


def driver_said(error: TargetError) -> str:
    """The driver's own words behind a translated error."""
    cause = error.__cause__
    return driver_text(state_and_text(cause)[1]) if isinstance(cause, Exception) else error.message


def _kind(error: TargetError) -> str | None:
    """What the driver said behind a translated error (``odbc_errors.STATEMENT_RULES``)."""
    cause = error.__cause__
    return classify_statement(*state_and_text(cause)) if isinstance(cause, Exception) else None


def _busy_now(error: TargetBusyError) -> bool:
    """The table is held by another transaction right now (NOWAIT's refusal, which
    InnoDB words as a lock wait timeout), as opposed to a deadlock or a serialization
    failure."""
    cause = error.__cause__
    if not isinstance(cause, Exception):
        return False
    state, said = state_and_text(cause)
    return state == "55P03" or any(
        words in said for words in ("could not obtain lock", "ORA-00054", "Lock wait timeout")
    )


def _matching(expected: Raw) -> tuple[str, list[object]]:
    """A row whose every column (real names) holds ``expected``: ``IS NULL`` for NULLs."""
    terms, params = [], []
    for column, value in expected.items():
        if value is None:
            terms.append(f"{quote_name(column)} IS NULL")
        else:
            terms.append(f"{quote_name(column)} = ?")
            params.append(value)
    return " AND ".join(terms), params


def _key_values(key: dbapi.Reference, rows: list[Raw]) -> list[list[object] | None]:
    """Each row's values of the columns ``key`` refers to (None where one is empty:
    nothing can refer to it through that key), found whatever their case."""
    values: list[list[object] | None] = []
    for row in rows:
        columns = {c.lower(): c for c in row}
        value = [row.get(columns.get(to.lower(), to)) for _, to in key.columns]
        values.append(None if any(v is None for v in value) else value)
    return values


class SMSTurboStore:
    """Reads and writes SMSTurbo customers and vendors, and keeps the audit."""

    def __init__(self, db: Database, mapping: TurboMapping) -> None:
        self.db = db
        self.mapping = mapping
        self.audit = Audit(db)
        self._stored_ids: dict[tuple[str, str], str] = {}
        self._incomparable: dict[str, set[str]] = {}
        dbapi.fixed_time_zone(db)
        dbapi.standard_quotes(db)
        self._references: dict[str, list[dbapi.Reference]] = {}
        self._user_name: str | None = None

    @contextmanager
    def transaction(
        self, writing: Iterable[Entity] = (), waiting: Callable[[], None] = lambda: None
    ) -> Iterator[None]:
        """SMSync's write transaction: SMSync's writer lock first, so that whatever is
        read inside is read after any other synchronization or undo has committed; then
        the tables of the entities ``writing`` creates records in are kept from other
        writers (``Database.keep_writers_off``), so that a record nobody had when it is
        read again cannot be created by a clerk before SMSync's INSERT; then everything
        written inside, audit included, commits together or not at all.

        ``waiting`` is called while a lock is waited for (what it raises, an interrupt,
        ends the wait). The writer lock waits at most ``connections.db.LOCK_WAIT_SECONDS``,
        then fails with 'another synchronization … is writing SMSTurbo'; the table locks
        are never waited for, only tried again for as long (``_keep_writers_off``), then
        fail naming the table another program keeps changing. A connection lost during the
        commit
        itself is told as such: only then can SMSync not know whether it was written.
        Where a CREATE TABLE commits the transaction it runs in (``ddl_commits``), the
        audit tables are made before it begins."""
        tables = [self.table(e).table for e in writing]
        committing = False
        if self.db.ddl_commits:
            self.audit.ensure_tables()
        try:
            with self.db.transaction(serializable=bool(tables), waiting=waiting):
                self._take_writer_lock()
                self._keep_writers_off(tables, waiting)
                yield
                committing = True
        except TargetLostError as error:
            if not committing:
                raise
            raise TargetLostError(
                "the connection to SMSTurbo's database server was lost while SMSync "
                f"committed ({driver_said(error)}): SMSTurbo holds either all of this "
                "synchronization or none of it",
                where=error.where,
                advice="{Refresh}: if the rows you ticked show IN SYNC it was written "
                "('smsync-xl runs' lists it, and Undo can take it back); if not, nothing was "
                "written and you can synchronize again.",
            ) from error

    def _keep_writers_off(self, tables: list[str], waiting: Callable[[], None]) -> None:
        """Lock ``tables`` without ever queueing for them: all at once, and while another
        transaction (a clerk's unsaved edit) holds one, none (the locks taken are rolled
        back, so no clerk waits for SMSync meanwhile but for the moment of a refused try:
        InnoDB locks the rows before the held one until it is rolled back) and try again every
        ``_LOCK_RETRY`` seconds for at most ``LOCK_WAIT_SECONDS``, calling ``waiting``
        between tries: what it raises (a noted interrupt) stops at once, nothing written
        yet."""
        if not tables or self.db.table_lock is None:
            return
        deadline = time.monotonic() + dbapi.LOCK_WAIT_SECONDS
        while True:
            table = tables[0]
            try:
                with self.db.undone_on_error():
                    for table in tables:
                        self.db.keep_writers_off(table)
                return
            except TargetBusyError as error:
                if time.monotonic() >= deadline or not _busy_now(error):
                    raise self._table_busy(table, error) from error
                self.db.release_kept_row_locks()
            except TargetReadOnlyError as error:
                if _kind(error) != READ_ONLY:
                    raise
                raise self._may_not_lock(table, error) from error
            waiting()
            time.sleep(_LOCK_RETRY)
            if self.db.row_locks_outlive_savepoints:
                self._take_writer_lock()

    def _table_busy(self, table: str, error: TargetBusyError) -> TargetBusyError:
        return TargetBusyError(
            f"SMSTurbo's table {table} is being changed by another program or user "
            "(an edit in SMSTurbo not yet saved, say) that did not finish within "
            f"{dbapi.LOCK_WAIT_SECONDS:g} seconds; nothing was changed",
            where=error.where,
            advice=f"Ask whoever is changing {table} in SMSTurbo to save or cancel "
            "it, then synchronize again.",
        )

    def _may_not_lock(self, table: str, error: TargetReadOnlyError) -> TargetReadOnlyError:
        """PostgreSQL lets only a user with UPDATE, DELETE or TRUNCATE on the whole table
        lock it against other writers (INSERT, or UPDATE of some columns, is not enough)."""
        return TargetReadOnlyError(
            f"SMSync's database user may not lock SMSTurbo's table {table} against other "
            f"writers ({driver_said(error)}), which SMSync does while it creates records there so "
            "that no one creates the same record meanwhile: that needs the right to UPDATE "
            "the whole table, not only some of its columns; nothing was changed",
            where=error.where,
            advice="Ask the SMSTurbo administrator to GRANT UPDATE ON "
            f"{quote_identifier(table)} TO SMSync's database user (the one smsturbo.dsn "
            "connects as); then synchronize again.",
        )

    def lock_records(self, entity: Entity, ids: Iterable[str]) -> set[str]:
        """Lock, for the rest of the transaction, the rows with these stored IDs that
        nobody else holds locked, and return their trimmed IDs; a row another
        transaction holds (a clerk editing it in SMSTurbo) is skipped, never waited for.
        Where SMSync holds no table lock, every ID (the writes wait as usual)."""
        wanted = list(dict.fromkeys(ids))
        if not self.db.skips_locked_rows:
            return {text(i) or "" for i in wanted}
        table = self.table(entity)
        return self._skip_locked(table.table, table.columns["id"], wanted)

    def _skip_locked(self, table: str, column: str, wanted: list[str]) -> set[str]:
        """``SELECT … FOR UPDATE SKIP LOCKED`` on these IDs, in chunks: the trimmed IDs
        of the rows now locked by this transaction."""
        name, key = quote_identifier(table), quote_name(column)
        locked: set[str] = set()
        for start in range(0, len(wanted), _ID_CHUNK):
            chunk = wanted[start : start + _ID_CHUNK]
            rows = self.db.query(
                f"SELECT {key} FROM {name} WHERE {key} IN ({', '.join('?' for _ in chunk)})"
                f"{self.db.skips_locked_rows}",
                chunk,
            )
            locked |= {text(r[0]) or "" for r in rows}
        return locked

    def _take_writer_lock(self) -> None:
        """SQLite: BEGIN IMMEDIATE has taken the file's write lock already. A server
        database: UPDATE the one row of SMSync's lock table, which a second writer's
        UPDATE waits for until the first commits or rolls back: a lock that works
        through ODBC on any DBMS. The table is created, inside the transaction, the
        first time it is needed."""
        if self.db.is_sqlite:
            return
        with self.db.waits_bounded(dbapi.LOCK_WAIT_SECONDS):
            if not self.db.has_table(LOCK_TABLE):
                try:
                    with self._recoverable():
                        self.db.execute(LOCK_DDL + self.db.table_options)
                        self.db.execute(LOCK_INSERT)
                except TargetReadOnlyError as error:
                    raise self._refused_writing(error, missing=True) from error
                except Exception as error:  # any DBMS's "already exists", after waiting
                    raise TargetBusyError(
                        "another synchronization started at the same moment and created "
                        f"SMSync's lock table ({LOCK_TABLE}) first; nothing was changed",
                        where=self.db.label,
                        advice="Run it again: from now on a second synchronization waits "
                        "for the first to finish.",
                    ) from error
                return
            try:
                with self._recoverable():
                    taken = self.db.execute(LOCK_TAKE)
                    lock_row = f"SELECT LockName FROM {LOCK_TABLE}{self.db.before_any_plain_read}"
                    if taken == 0 and not self.db.query(lock_row):
                        self.db.execute(LOCK_INSERT)  # the row was deleted: put it back
            except TargetReadOnlyError as error:
                raise self._refused_writing(error, missing=False) from error
            except TargetLostError as error:
                if _kind(error) != CANCELLED:
                    raise
                raise TargetBusyError(
                    "another synchronization or undo is writing SMSTurbo, and the time limit "
                    "SMSTurbo's server sets for one statement stopped SMSync waiting for it "
                    f"({driver_said(error)}); nothing was changed",
                    where=error.where,
                    advice="Try again once the other synchronization has finished. If it "
                    "happens often, ask the SMSTurbo administrator to give SMSync's database "
                    f"user a time limit above {dbapi.LOCK_WAIT_SECONDS:g} seconds (PostgreSQL: "
                    "ALTER ROLE … SET statement_timeout = '60s').",
                ) from error

    @contextmanager
    def _recoverable(self) -> Iterator[None]:
        """PostgreSQL: a refused statement in here leaves the transaction usable (a
        savepoint), so that SMSync can ask the catalogue what exactly was refused."""
        if self.db.dbms.startswith("postgres"):
            with self.db.undone_on_error():
                yield
        else:
            yield

    def _refused_writing(self, error: TargetReadOnlyError, *, missing: bool) -> TargetError:
        """A write to SMSync's lock table refused: a database that takes no writes at all
        is told as the server says it; a user who may write none of SMSTurbo's tables
        is told that; only a user who may write them but not the lock table is told
        about the lock table."""
        if _kind(error) != READ_ONLY:
            return error
        user, unwritable = self._unwritable()
        if not unwritable:
            return self._lock_table_refused(error, missing=missing)
        names = ", ".join(unwritable)
        tables = ", ".join([*(quote_identifier(t) for t in unwritable), LOCK_TABLE])
        return TargetReadOnlyError(
            f"SMSync's database user {user} may only read SMSTurbo here: it may not insert "
            f"into or update {names} ({driver_said(error)}); nothing was changed",
            where=error.where,
            advice="Ask the SMSTurbo administrator to let that user write them: GRANT "
            f"SELECT, INSERT, UPDATE ON {tables} TO {user} (DELETE as well for Undo); then "
            "synchronize again.",
        )

    def _unwritable(self) -> tuple[str, list[str]]:
        """PostgreSQL: the user's name and SMSTurbo's mapped tables it may not both
        INSERT into and UPDATE (table-wide); elsewhere none are known."""
        if not self.db.dbms.startswith("postgres"):
            return "", []
        user = self._user()
        unwritable = []
        for mapped in self.mapping.tables.values():
            name = quote_identifier(mapped.table)
            rows = self.db.query(
                "SELECT CASE WHEN has_table_privilege(to_regclass(?), 'INSERT') AND "
                "has_table_privilege(to_regclass(?), 'UPDATE') THEN 1 ELSE 0 END "
                "WHERE to_regclass(?) IS NOT NULL",
                [name, name, name],
            )
            if rows and int(rows[0][0]) == 0:  # psqlODBC passes booleans as text
                unwritable.append(mapped.table)
        return user, unwritable

    def _lock_table_refused(self, error: TargetReadOnlyError, *, missing: bool) -> TargetError:
        """SMSync's own lock table is what this user may not create or write, whatever
        the user may do with SMSTurbo's tables: say exactly that."""
        state = "is missing and" if missing else "is there, but"
        return TargetReadOnlyError(
            f"SMSync's lock table {LOCK_TABLE} {state} this database user may not "
            f"{'create' if missing else 'update'} it ({driver_said(error)}); nothing was changed",
            where=error.where,
            advice="Ask the SMSTurbo administrator to create it once as the owner of "
            f"SMSTurbo's tables ({LOCK_DDL}; {LOCK_INSERT}) and to let SMSync's user "
            f"read and update it (GRANT SELECT, INSERT, UPDATE ON {LOCK_TABLE} TO that "
            "user); then synchronize again.",
        )

    def table(self, entity: Entity) -> TableMapping:
        return self.mapping.table(entity)

    def has_table(self, entity: Entity) -> bool:
        """Whether SMSTurbo has ``entity``'s table at all (an installation without
        materials, say)."""
        return self.db.has_table(self.table(entity).table)

    def id_is_unique(self, entity: Entity) -> bool:
        """Whether SMSTurbo itself keeps ``entity``'s IDs unique (a primary key or a
        unique index on the ID column alone). SMSync never creates a record twice either
        way; without one, nothing stops other programs from doing it."""
        table = self.table(entity)
        return frozenset({table.columns["id"].lower()}) in self.db.unique_keys(table.table)

    def _select(self, entity: Entity) -> tuple[str, list[str]]:
        table = self.table(entity)
        fields = list(table.columns)
        sql = "SELECT {} FROM {}".format(
            ", ".join(table.quoted(f) for f in fields), quote_identifier(table.table)
        )
        return sql, fields

    def _record(self, fields: list[str], row: dbapi.Row) -> Record:
        """Only the fields this installation stores: an absent key means 'no column'."""
        return {f: TURBO_FIELDS[f].kind.from_turbo(raw) for f, raw in zip(fields, row, strict=True)}

    def read(self, entity: Entity) -> list[TurboRecord]:
        """Every SMSTurbo record of ``entity`` (ZZDEFAULT included; callers skip it). In
        an SQLite file a text that is not UTF-8 is refused by row and column."""
        sql, fields = self._select(entity)
        id_index = fields.index("id")
        records: list[TurboRecord] = []
        if self.db.is_sqlite:
            self.db.connection.text_factory = undecoded
        for rows in self.db.batches(sql):
            records += self._records(entity, fields, rows, id_index)
        return records

    def _records(
        self, entity: Entity, fields: list[str], rows: list[dbapi.Row], id_index: int
    ) -> list[TurboRecord]:
        """A batch of rows as records, decoded a column at a time (``from_turbo_column``);
        the batch's text checked for undecoded bytes in one pass, row by row only to name
        the one that has some."""
        texts = "".join(filter(str.__instancecheck__, chain.from_iterable(rows)))
        if not (texts.isascii() or not UNDECODED.search(texts)):
            for row in rows:
                self._decoded(entity, fields, row, id_index)
        raws = list(zip(*rows, strict=True))
        columns = [
            TURBO_FIELDS[field].kind.from_turbo_column(column)
            for field, column in zip(fields, raws, strict=True)
        ]
        ids = [record_id or "" for record_id in columns[id_index]]
        for stored, record_id in zip(raws[id_index], ids, strict=True):
            if stored != record_id:
                self._stored_ids[(entity.key, record_id)] = stored
        values = map(dict, map(zip, repeat(fields), zip(*columns, strict=True)))
        return list(map(TurboRecord, ids, values))

    def _decoded(self, entity: Entity, fields: list[str], row: dbapi.Row, id_index: int) -> None:
        for field, value in zip(fields, row, strict=True):
            shown = undecoded_bytes(value) if isinstance(value, str) else None
            if shown:
                table = self.table(entity)
                record_id = UNDECODED.sub("?", text(row[id_index]) or "")
                raise TargetError(
                    f"{table.table} record {record_id}, column {table.columns[field]}: the "
                    f"text holds bytes that are not UTF-8 ({shown}); SMSync never replaces "
                    "what it cannot read, so nothing was read",
                    where=self.db.label,
                    advice="Retype the value in SMSTurbo, then {refresh} again.",
                )

    def stored_id(self, entity: Entity, record_id: str) -> str:
        """The ID exactly as SMSTurbo stores it (padding included), for writes: records
        are matched on trimmed IDs, but a WHERE clause needs the stored value."""
        return self._stored_ids.get((entity.key, record_id), record_id)

    def _rows_by_id(self, entity: Entity, ids: Iterable[str]) -> tuple[list[str], list[dbapi.Row]]:
        """Rows with these exact IDs: one query per chunk of IDs, never one per row."""
        sql, fields = self._select(entity)
        column = self.table(entity).quoted("id")
        wanted = list(dict.fromkeys(ids))
        rows: list[dbapi.Row] = []
        for start in range(0, len(wanted), _ID_CHUNK):
            chunk = wanted[start : start + _ID_CHUNK]
            marks = ", ".join("?" for _ in chunk)
            rows += self.db.query(f"{sql} WHERE {column} IN ({marks})", chunk)
        return fields, rows

    def fetch(self, entity: Entity, record_id: str) -> Record | None:
        """One record by exact ID, or None."""
        fields, rows = self._rows_by_id(entity, [record_id])
        return self._record(fields, rows[0]) if rows else None

    def fetch_raw(self, entity: Entity, ids: Iterable[str]) -> dict[str, Raw]:
        """Records exactly as stored (padding and all), keyed by their trimmed ID: the
        ID a record is matched on, whether the column pads it (CHAR) or not."""
        fields, rows = self._rows_by_id(entity, ids)
        at = fields.index("id")
        return {text(row[at]) or "": dict(zip(fields, row, strict=True)) for row in rows}

    def column_named(self, columns: Iterable[str], name: str) -> str | None:
        """The table's own spelling of column ``name``, as its catalogue reports it, or
        None: compared the way the database compares names (SQLite ignores case;
        elsewhere a quoted name is exact)."""
        columns = list(columns)
        if name in columns:
            return name
        if self.db.is_sqlite:
            return next((c for c in columns if c.casefold() == name.casefold()), None)
        return None

    def whole_rows(
        self, table: str, key: str, ids: Iterable[str]
    ) -> tuple[list[str], dict[str, Raw]] | None:
        """Rows of a real table with every column, mapped or not, keyed by trimmed ID,
        and the table's columns as they are now (the catalogue's spelling): what the
        audit records as a run left a record and Undo compares with. None when the
        table is gone; no rows when it has no column ``key``."""
        if not self.db.has_table(table):
            return None
        name = quote_identifier(table)
        columns, _ = self.db.select(f"SELECT * FROM {name} WHERE 1 = 0")
        column = self.column_named(columns, key)
        if column is None:
            return columns, {}
        wanted, found = list(dict.fromkeys(ids)), {}
        for start in range(0, len(wanted), _ID_CHUNK):
            chunk = wanted[start : start + _ID_CHUNK]
            where = f"{quote_name(column)} IN ({', '.join('?' for _ in chunk)})"
            _, rows = self.db.select(f"SELECT * FROM {name} WHERE {where}", chunk)
            for row in rows:
                values = dict(zip(columns, row, strict=True))
                found[text(values[column]) or ""] = values
        return columns, found

    def lock_rows(self, table: str, key: str, ids: Iterable[str]) -> set[str] | None:
        """Inside Undo's transaction: lock the rows it may take back, so that nobody
        changes one between its compare and its write, without waiting for a row
        someone else holds (``FOR UPDATE SKIP LOCKED``). The trimmed IDs of the rows
        now locked; a row missing from them but in the table is being edited right
        now. None where the database locks otherwise (SQLite's write lock covers the
        whole file; other servers hold what the transaction reads by its isolation):
        there Undo writes with a compare-and-set on the columns it can compare."""
        if not self.db.skips_locked_rows:
            return None
        if not self.db.has_table(table):
            return set()
        columns, _ = self.db.select(f"SELECT * FROM {quote_identifier(table)} WHERE 1 = 0")
        column = self.column_named(columns, key)
        if column is None:
            return set()
        return self._skip_locked(table, column, list(dict.fromkeys(ids)))

    def rows_of(self, entity: Entity, ids: Iterable[str]) -> dict[str, Raw]:
        """Whole rows (every column) of ``entity``'s table, keyed by trimmed ID."""
        table = self.table(entity)
        found = self.whole_rows(table.table, table.columns["id"], ids)
        return {} if found is None else found[1]

    def by_column(self, entity: Entity, raw: Raw) -> Raw:
        """A record keyed by field name, keyed by its real column names instead."""
        columns = self.table(entity).columns
        return {columns[f]: v for f, v in raw.items()}

    def learn_comparisons(self, tables: Iterable[str]) -> None:
        """Find, outside any transaction, the columns of these tables the database cannot
        compare with ``=`` (text, ntext or image on SQL Server, say): one
        ``WHERE 1 = 0 AND c = c`` each, since a refused statement can abort a
        transaction. A compare-and-set leaves those out of its WHERE; Undo compares them
        itself when it reads the row. Not needed where Undo locks the rows it writes
        (``lock_rows``) and writes them by ID, nor on SQLite, which compares any value."""
        if self.db.is_sqlite or self.db.skips_locked_rows:
            return
        for table in dict.fromkeys(tables):
            if table in self._incomparable or not self.db.has_table(table):
                continue
            name = quote_identifier(table)
            columns, _ = self.db.select(f"SELECT * FROM {name} WHERE 1 = 0")
            refused = set()
            for column in columns:
                try:
                    self.db.query(
                        f"SELECT 1 FROM {name} WHERE 1 = 0 AND {quote_name(column)} = "
                        f"{quote_name(column)}"
                    )
                except Exception:  # noqa: BLE001 - each DBMS says 'no = for this type' its way
                    refused.add(column)
            self._incomparable[table] = refused

    def restore_row(
        self, entity: Entity, record_id: str, values: Raw, *, table: str, expected: Raw
    ) -> bool:
        """Compare-and-set by real column names: write ``values`` into the row only if
        every one of its columns still holds ``expected`` (the whole row as read)."""
        where, params = self._whole_row(table, expected)
        sets = ", ".join(f"{quote_name(c)} = ?" for c in values)
        named = f"{entity.label.lower()} {record_id.strip()!r}"
        try:
            with (
                self._undo_refused(f"restoring {named} (table {table})"),
                self._naming(f"restoring {named}", f"{named} (table {table})"),
            ):
                changed = self.db.execute(
                    f"UPDATE {quote_identifier(table)} SET {sets} WHERE {where}",
                    [*values.values(), *params],
                )
        except TargetReferenceError as error:
            raise TargetReferenceError(
                f"{named} cannot be given back its old values ({', '.join(values)}): "
                f"SMSTurbo refused them, a link between its tables would break "
                f"({driver_said(error)}); nothing was changed",
                where=error.where,
                advice=f"An old value of {named} is no longer on the SMSTurbo list it must "
                "come from. Leave this synchronization in place and correct the record in "
                "SMSTurbo instead; or put the old value back on that list in SMSTurbo and "
                "undo again.",
            ) from error.__cause__
        return self._changed(changed, entity, record_id, expected)

    def delete_row(self, entity: Entity, record_id: str, *, table: str, expected: Raw) -> bool:
        """Delete the row only if every one of its columns still holds ``expected``."""
        where, params = self._whole_row(table, expected)
        named = f"{entity.label.lower()} {record_id.strip()!r}"
        try:
            with (
                self._undo_refused(f"deleting {named} (table {table})"),
                self._naming(f"deleting {named}", f"{named} (table {table})"),
            ):
                changed = self.db.execute(
                    f"DELETE FROM {quote_identifier(table)} WHERE {where}", params
                )
        except TargetReferenceError as error:
            raise self._in_use(named, table, error) from error.__cause__
        return self._changed(changed, entity, record_id, expected)

    @contextmanager
    def _undo_refused(self, doing: str) -> Iterator[None]:
        """Whatever else the database says no with while Undo writes (a rule or trigger
        of SMSTurbo's own, a type it cannot compare): its words, the record, and that
        the whole undo was rolled back; never a traceback."""
        try:
            yield
        except SmsyncError:
            raise
        except Exception as error:  # any driver's refusal, named below
            raise TargetRefusedError(
                f"{doing}: SMSTurbo's database refused it "
                f"({driver_text(state_and_text(error)[1])}); the undo was rolled back, "
                "nothing was changed",
                where=self.db.label,
                advice="Ask the SMSTurbo administrator what this message means for that "
                "record (a rule or trigger of SMSTurbo's, say). Until it is resolved the "
                "synchronization stays in place, and Undo offers it again.",
            ) from error

    def referred_to(self, table: str, row: Raw) -> list[str]:
        """The tables whose rows refer to ``row`` of ``table`` now through a foreign key
        the catalogue declares, each with how many rows: what deleting it would break,
        cascade or unlink, asked before Undo deletes anything. The catalogue is asked
        once per table."""
        columns = {c.lower(): c for c in row}
        found = []
        if table not in self._references:
            self._references[table] = self.db.references_to(table)
        for key in self._references[table]:
            values = [row.get(columns.get(to.lower(), to)) for _, to in key.columns]
            if any(v is None for v in values):
                continue
            rows = self._count_referring(table, key, values)
            if rows:
                found.append(f"{key.name} ({rows} row{'s' if rows != 1 else ''})")
        return found

    def referred_to_many(self, table: str, rows: list[Raw]) -> list[list[str]]:
        """``referred_to`` for many rows of ``table`` at once, in the same order: one
        grouped count per single-column foreign key and chunk of IDs instead of a query
        per row (a key of several columns is still asked row by row)."""
        found: list[list[str]] = [[] for _ in rows]
        if table not in self._references:
            self._references[table] = self.db.references_to(table)
        for key in self._references[table]:
            counts = self._reference_counts(table, key, rows)
            for place, count in enumerate(counts):
                if count:
                    found[place].append(f"{key.name} ({count} row{'s' if count != 1 else ''})")
        return found

    def _reference_counts(self, table: str, key: dbapi.Reference, rows: list[Raw]) -> list[int]:
        """How many rows of ``key``'s table refer to each of ``rows`` (0 for a row with
        an empty key value)."""
        values = _key_values(key, rows)
        if len(key.columns) != 1:
            return [0 if v is None else self._count_referring(table, key, v) for v in values]
        wanted = list(dict.fromkeys(v[0] for v in values if v is not None))
        counted: dict[object, int] = {}
        for start in range(0, len(wanted), _ID_CHUNK):
            chunk = wanted[start : start + _ID_CHUNK]
            grouped = self._grouped_counts(table, key, chunk)
            if grouped is None:  # a value the server spells otherwise: asked one by one
                grouped = {v: self._count_referring(table, key, [v]) for v in chunk}
            counted.update(grouped)
        return [0 if v is None else counted.get(v[0], 0) for v in values]

    def _grouped_counts(
        self, table: str, key: dbapi.Reference, chunk: list[object]
    ) -> dict[object, int] | None:
        """The referring rows of each value of ``chunk`` in one grouped count, or None
        when the server answers for a value not recognisable as one asked for (a
        collation that ignores case, a type it converts), so nothing is missed."""
        column = quote_name(key.columns[0][0])
        marks = ", ".join("?" for _ in chunk)
        sql = (
            f"SELECT {column}, COUNT(*) FROM {key.sql} WHERE {column} IN ({marks}) "
            f"GROUP BY {column}"
        )
        answered = self._counting(table, key, sql, chunk)
        asked = {v: v for v in chunk} | {str(v): v for v in chunk}
        counts: dict[object, int] = {}
        for value, count in answered:
            mine = asked.get(value, asked.get(str(value), _MISSING))
            if mine is _MISSING:
                return None
            counts[mine] = counts.get(mine, 0) + int(count)
        return counts

    def _count_referring(self, table: str, key: dbapi.Reference, values: list[object]) -> int:
        """How many rows of ``key``'s table refer to the row holding ``values``."""
        where = " AND ".join(f"{quote_name(f)} = ?" for f, _ in key.columns)
        count = self._counting(table, key, f"SELECT COUNT(*) FROM {key.sql} WHERE {where}", values)
        return int(count[0][0])

    def _counting(
        self, table: str, key: dbapi.Reference, sql: str, values: list[object]
    ) -> list[dbapi.Row]:
        """A count of referring rows; a table SMSync may not read stops Undo."""
        user = self._user()  # asked first: a refused statement may end the transaction
        try:
            return self.db.query(sql, values)
        except TargetReadOnlyError as error:
            if _kind(error) != READ_ONLY:
                raise
            raise self._may_not_read(table, key, user, error) from error

    def _may_not_read(
        self, table: str, key: dbapi.Reference, user: str, error: TargetReadOnlyError
    ) -> TargetReadOnlyError:
        """A table that refers to ``table`` is one SMSync's user may not read: Undo
        cannot tell whether deleting a record would break its rows, so it deletes none."""
        return TargetReadOnlyError(
            f"SMSTurbo's table {key.name} refers to {table} (foreign key "
            f"{', '.join(f for f, _ in key.columns)}), and SMSync's database user"
            f"{' ' + user if user else ''} may not read it ({driver_said(error)}), so Undo "
            f"cannot tell whether a record it would delete from {table} is used there; "
            "nothing was changed",
            where=error.where,
            advice="Ask the SMSTurbo administrator to let that user read it: GRANT SELECT "
            f"ON {key.sql} TO {user or 'that user'}; then undo again. Until then, keep the "
            "records that synchronization created (correct them in SMSTurbo if needed).",
        )

    def _user(self) -> str:
        """SMSync's database user, on a server that says it (PostgreSQL); else empty.
        Asked once."""
        if self._user_name is None:
            self._user_name = (
                str(self.db.query("SELECT current_user")[0][0])
                if self.db.dbms.startswith("postgres")
                else ""
            )
        return self._user_name

    def _whole_row(self, table: str, expected: Raw) -> tuple[str, list[object]]:
        """The compare-and-set condition on a whole row, but for the columns
        ``learn_comparisons`` found the database cannot compare."""
        refused = self._incomparable.get(table, set())
        return _matching({c: v for c, v in expected.items() if c not in refused})

    def normalised(self, raws: Mapping[str, Raw]) -> dict[str, Record]:
        """Raw records read together (``fetch_raw``: the same fields each), by ID, as
        ``read`` gives them (padding trimmed, amounts as text): decoded a field at a
        time, as ``read`` decodes them (``from_turbo_column``)."""
        if not raws:
            return {}
        fields = list(next(iter(raws.values())))
        columns = [
            TURBO_FIELDS[field].kind.from_turbo_column([raw[field] for raw in raws.values()])
            for field in fields
        ]
        values = map(dict, map(zip, repeat(fields), zip(*columns, strict=True)))
        return dict(zip(raws, values, strict=True))

    def template(self, entity: Entity, template_id: str) -> Record:
        """The record new records of ``entity`` start from (ZZDEFAULT: a customer for
        customers and vendors), found by its ID as stored, padding included, once
        ``read`` has seen it. Empty when the entity may do without one."""
        owner = ENTITIES[entity.template_entity]
        record = self.fetch(owner, self.stored_id(owner, template_id))
        if record is not None:
            return record
        if not entity.template_required:
            return {}
        users = [e.plural.lower() for e in ENTITIES.values() if e.template_entity == owner.key]
        raise MissingDefaultsError(
            f"SMSTurbo has no {owner.label.lower()} {template_id}",
            where=self.db.label,
            advice=f"Create {owner.label.lower()} {template_id} in SMSTurbo with the default "
            f"values for new {' and '.join(users)}, then synchronize again.",
        )

    def lookups(self, entity: Entity) -> dict[str, list[str]]:
        """Each SMSTurbo list ``entity``'s fields take values from, as SMSTurbo spells
        them (padding trimmed)."""
        mapped = self.table(entity).columns
        wanted = {s.lookup for f, s in entity.turbo_fields.items() if s.lookup and f in mapped}
        return {name: self.list_values(name) for name in sorted(wanted)}

    def list_values(self, name: str) -> list[str]:
        """One SMSTurbo list; when it cannot be read, the advice names its mapping section."""
        where = self.mapping.lists[name]
        try:
            rows = self.db.query(
                f"SELECT {quote_identifier(where.column)} FROM {quote_identifier(where.table)}"
            )
        except TargetError as error:
            raise type(error)(
                f"SMSTurbo's list of {name.replace('_', ' ')} ({where.table}.{where.column}) "
                f"cannot be read: {error.message}",
                where=error.where,
                advice=f"Name SMSTurbo's table and column for it in [{name}] of the table "
                f"mapping file ({self.mapping.source}).",
            ) from error
        return sorted(text(r[0]) or "" for r in rows if r[0] is not None)

    @contextmanager
    def _naming(self, doing: str, record: str = "") -> Iterator[None]:
        """A value SMSTurbo refuses is reported with the record it belongs to; a lock
        that outlasts the wait while writing one ``record`` names it (SMSync holds the
        writer lock by then: it is no other synchronization)."""
        try:
            yield
        except TargetRefusedError as error:
            raise type(error)(
                f"{doing}: {error.message}", where=error.where, advice=error.advice
            ) from error.__cause__
        except TargetBusyError as error:
            if not record:
                raise
            said = driver_said(error)
            raise TargetBusyError(
                f"{doing}: another program or user holds {record} locked (an edit in "
                f"SMSTurbo not yet saved, say) and did not let go within "
                f"{dbapi.LOCK_WAIT_SECONDS:g} seconds ({said}); nothing was changed",
                where=error.where,
                advice=f"Ask whoever has {record} open in SMSTurbo to save or cancel the "
                "edit, then try again.",
            ) from error.__cause__

    def insert(self, entity: Entity, record: Record) -> None:
        self.insert_many(entity, [record])

    def insert_many(self, entity: Entity, records: list[Record]) -> None:
        """New records in batches: a statement per batch of rows where the server takes
        several rows in one INSERT (``Database.insert_rows``), not one per record."""
        table = self.table(entity)
        fields = list(table.columns)
        columns = ", ".join(table.quoted(f) for f in fields)
        kinds = [(f, TURBO_FIELDS[f].kind.to_db) for f in fields]
        for start in range(0, len(records), INSERT_BATCH):
            batch = records[start : start + INSERT_BATCH]
            first, last = batch[0].get("id"), batch[-1].get("id")
            doing = (
                f"creating {entity.label.lower()} {first!r}"
                if len(batch) == 1
                else f"creating {entity.plural.lower()} {first!r} to {last!r} (one of these "
                f"{len(batch)})"
            )
            rows = [[to_db(record.get(f)) for f, to_db in kinds] for record in batch]
            with self._naming(doing):
                self.db.insert_rows(quote_identifier(table.table), columns, rows)

    def _one_row(self, changed: int, entity: Entity, record_id: str) -> None:
        if changed != 1:
            raise TargetError(
                f"{entity.label} {record_id!r} was expected once in SMSTurbo but the write "
                f"touched {changed} rows; nothing was changed",
                where=self.db.label,
                advice="Check the SMSTurbo table's ID column is unique, then {refresh}.",
            )

    def _where(
        self, entity: Entity, record_id: str, expected: Raw | None
    ) -> tuple[str, list[object]]:
        """``WHERE id = ?``, or with ``expected`` every column equal to what was read
        (``IS NULL`` for NULLs): the compare-and-set condition."""
        table = self.table(entity)
        if expected is None:
            return f"{table.quoted('id')} = ?", [record_id]
        return _matching({table.columns[f]: v for f, v in expected.items()})

    def _changed(self, changed: int, entity: Entity, record_id: str, expected: Raw | None) -> bool:
        if expected is not None and changed == 0:
            return False  # someone changed the row since it was read
        self._one_row(changed, entity, record_id)
        return True

    def update_row(
        self,
        entity: Entity,
        record_id: str,
        values: Stored | Record,
        *,
        expected: Raw | None = None,
    ) -> bool:
        """Write ``values`` into the record. With ``expected`` (the row as read), only
        if every column still holds what was read; False when it does not."""
        table = self.table(entity)
        fields = [f for f in values if f in table.columns and f != "id"]
        if not fields:
            return True
        where, params = self._where(entity, record_id, expected)
        record = f"{entity.label.lower()} {record_id.strip()!r} (table {table.table})"
        with self._naming(f"updating {entity.label.lower()} {record_id.strip()!r}", record):
            changed = self.db.execute(
                "UPDATE {} SET {} WHERE {}".format(
                    quote_identifier(table.table),
                    ", ".join(f"{table.quoted(f)} = ?" for f in fields),
                    where,
                ),
                [_to_db(f, values[f]) for f in fields] + params,
            )
        return self._changed(changed, entity, record_id, expected)

    def update_rows(
        self,
        entity: Entity,
        ids: Sequence[str],
        values: Sequence[Stored | Record],
        *,
        expected: Sequence[Raw],
    ) -> list[bool]:
        """``update_row`` for many records (stored ``ids``, each with its ``values`` and
        the row as read) in a statement per batch of rows (``_in_batches``), each row
        changed only if every column still holds what was read; whether each was."""
        table = self.table(entity)
        rows: list[dbapi.RowUpdate] = []
        for record_id, written, seen in zip(ids, values, expected, strict=True):
            fields = [f for f in written if f in table.columns and f != "id"]
            if fields:
                where, params = self._where(entity, record_id, seen)
                sets = {table.quoted(f): _to_db(f, written[f]) for f in fields}
                rows.append((record_id, sets, where, params))
        return self._in_batches(
            quote_identifier(table.table) if self.id_is_unique(entity) else None,
            table.quoted("id"),
            rows,
            lambda: [
                self.update_row(entity, record_id, written, expected=seen)
                for record_id, written, seen in zip(ids, values, expected, strict=True)
            ],
            len(ids),
        )

    def restore_rows(
        self,
        entity: Entity,
        ids: Sequence[str],
        values: Sequence[Raw],
        *,
        table: str,
        key: str,
        expected: Sequence[Raw],
    ) -> list[bool]:
        """``restore_row`` for the rows of ``table`` with these record ``ids``, each with
        its values and expected row (``key``: the ID column as the table spells it), in
        a statement per batch of rows (``_in_batches``); whether each was written."""
        batch: list[dbapi.RowUpdate] = []
        for written, seen in zip(values, expected, strict=True):
            if written:
                where, params = self._whole_row(table, seen)
                sets = {quote_name(c): v for c, v in written.items()}
                batch.append((seen[key], sets, where, params))
        unique = frozenset({key.lower()}) in self.db.unique_keys(table)
        return self._in_batches(
            quote_identifier(table) if unique else None,
            quote_name(key),
            batch,
            lambda: [
                not written
                or self.restore_row(entity, record_id, written, table=table, expected=seen)
                for record_id, written, seen in zip(ids, values, expected, strict=True)
            ],
            len(ids),
        )

    def _in_batches(
        self,
        table: str | None,
        key: str,
        rows: list[dbapi.RowUpdate],
        row_by_row: Callable[[], list[bool]],
        count: int,
    ) -> list[bool]:
        """``rows`` written by ``Database.update_rows``: all ``count`` rows asked for
        were (those without values to write need nothing). When the batch changes
        other than exactly its rows (someone changed one meanwhile) or fails, it is
        undone and made again ``row_by_row``: exactly the rows changed meanwhile are
        refused, and an error is the one its row gives, naming it. ``table`` is None
        where the key is not unique in it: a count of rows changed then proves
        nothing (one row's key may find two rows while another's finds none), so the
        rows go one by one from the start."""
        if not rows:
            return [True] * count
        if table is None:
            return row_by_row()
        try:
            with self.db.undone_on_error():
                if self.db.update_rows(table, key, rows) != len(rows):
                    raise _RowByRow
        except Exception as error:  # whatever it was, the rows tell it one by one
            if not self.db.goes_on():
                raise self._batch_ended_transaction(table, error) from error
            return row_by_row()
        return [True] * count

    def _batch_ended_transaction(self, table: str, error: Exception) -> TargetError:
        """A refused batch after which the connection cannot go on (its transaction
        ended with the error, or the connection was lost): nothing was written."""
        said = driver_said(error) if isinstance(error, TargetError) else str(error)
        return TargetError(
            f"SMSTurbo refused a batch of updates to table {table} ({said}) and the "
            "synchronization could not go on after it; nothing was changed",
            where=self.db.label,
            advice="If SMSTurbo's ODBC data source rolls back the whole transaction on "
            "an error (psqlODBC: Level of rollback on errors = Transaction, "
            "Protocol=7.4-1), set it to Statement (Protocol=7.4-2), then synchronize "
            "again; if the connection was lost, synchronize again once SMSTurbo answers.",
        )

    def _in_use(self, named: str, table: str, error: TargetReferenceError) -> TargetError:
        """A record others refer to (tickets written for a customer since it was
        created): name the tables that do, and what Undo can and cannot do about it."""
        said = driver_said(error)
        found = re.findall(r'(?i)table "([^"]+)"', said)
        referring = [t for t in found if t != table][-1:] or self.db.referencing_tables(table)
        tables = ", ".join(referring) or "another table"
        return TargetReferenceError(
            f"{named} cannot be deleted: SMSTurbo's {tables} still refers to it "
            f"({said}); nothing was changed",
            where=error.where,
            advice=f"Undo takes back a synchronization only as a whole, and {named} has "
            f"been used in SMSTurbo since ({tables}). Leave this synchronization in place "
            "and correct the record in SMSTurbo instead; or, if what refers to it was "
            "entered by mistake, remove that first and undo again.",
        )

    def mapped(self, entity: Entity, record: Record) -> Record:
        """Only the fields this installation stores, as they read back."""
        return {f: record.get(f) for f in self.table(entity).columns}
