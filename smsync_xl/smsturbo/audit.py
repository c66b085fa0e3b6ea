"""SMSync's audit in SMSTurbo: one row per run, one per change with the whole record
before and after, every column of the real table (mapped or not), exactly as stored.
Written in the same transaction as the changes it describes, so it is what makes Undo
exact. Every text without a natural limit (a company that is a folder path, a summary,
a whole record) is kept in the DBMS's long text type. Beside it, on a server database,
SMSync's lock table: one row that every SMSync write transaction updates first, so that
two synchronizations (or undos) take turns."""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal

from smsync_xl.connections.db import Database
from smsync_xl.connections.odbc_errors import driver_text
from smsync_xl.core.errors import TargetError
from smsync_xl.core.fields import text
from smsync_xl.core.vocabulary import AuditAction, RunKind

RUNS = "SMSync_Runs"
CHANGES = "SMSync_Changes"

_RUN_COLUMNS = "RunID, Kind, UndoOf, UserName, StartedAt, Company, Summary"
_CHANGE_COLUMNS = (
    "RunID, Seq, Entity, RecordID, Action, TableName, KeyColumn, BeforeJson, AfterJson"
)
_OLD_CHANGE_COLUMNS = "RunID, Seq, Entity, RecordID, Action, BeforeJson, AfterJson"
"""Audit tables made before SMSync kept whole records: no table or key column, values
keyed by SMSync's field names, and lengths (Company VARCHAR(200)) a long folder exceeds."""


def tables_ddl(long_text: str) -> tuple[str, str]:
    """The audit tables, with ``long_text`` (``Database.long_text_type``) wherever a
    value has no natural limit."""
    return (
        f"CREATE TABLE {RUNS} (RunID INTEGER PRIMARY KEY, Kind VARCHAR(10) NOT NULL, "
        f"UndoOf INTEGER, UserName {long_text} NOT NULL, StartedAt VARCHAR(40) NOT NULL, "
        f"Company {long_text} NOT NULL, Summary {long_text} NOT NULL)",
        f"CREATE TABLE {CHANGES} (RunID INTEGER NOT NULL, Seq INTEGER NOT NULL, "
        f"Entity VARCHAR(20) NOT NULL, RecordID {long_text} NOT NULL, "
        "Action VARCHAR(10) NOT NULL, TableName VARCHAR(128), KeyColumn VARCHAR(128), "
        f"BeforeJson {long_text}, AfterJson {long_text}, PRIMARY KEY (RunID, Seq))",
    )


LOCK_TABLE = "SMSync_Lock"
LOCK_NAME = "writer"
LOCK_DDL = (
    f"CREATE TABLE {LOCK_TABLE} (LockName VARCHAR(20) NOT NULL PRIMARY KEY, "
    "Note VARCHAR(200) NOT NULL)"
)
LOCK_INSERT = (
    f"INSERT INTO {LOCK_TABLE} (LockName, Note) VALUES ('{LOCK_NAME}', "
    "'Updated first by every SMSync synchronization and undo, so they take turns')"
)
LOCK_TAKE = f"UPDATE {LOCK_TABLE} SET Note = Note WHERE LockName = '{LOCK_NAME}'"
"""Changes nothing, but holds the row's lock until the transaction ends: a second
writer's same UPDATE waits for it (bounded by ``connections.db.LOCK_WAIT_SECONDS``)."""

Stored = dict[str, object]
"""A record exactly as SMSTurbo stores it (padding and all), keyed by column name, each
value as ``encoded`` gives it (JSON that gives back the same value and type)."""

_READERS: dict[str, Callable[[str], object]] = {
    "decimal": Decimal,
    "datetime": dt.datetime.fromisoformat,
    "date": dt.date.fromisoformat,
    "time": dt.time.fromisoformat,
    "bytes": base64.b64decode,
    "uuid": uuid.UUID,
    "float": float,
    "text": str,
}
"""How each value JSON cannot hold as it is (kept as ``{tag: text}``) is read back."""


def encoded(value: object) -> object:
    """A value read from SMSTurbo as the audit keeps it: exact, so that comparing two
    encoded values is comparing the values, and ``decoded`` gives back what to write.
    Floats are tagged too, so NaN and infinities survive JSON."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        return {"bytes": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, float):
        return {"float": repr(value)}
    if isinstance(value, Decimal | uuid.UUID):
        return {type(value).__name__.lower(): str(value)}
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return {type(value).__name__: value.isoformat()}
    return {"text": str(value)}


def decoded(value: object) -> object:
    """A value as ``encoded`` kept it, typed again for the driver."""
    if not isinstance(value, dict):
        return value
    ((tag, kept),) = value.items()
    return _READERS[tag](kept)


def unchanged(value: object, kept: object) -> bool:
    """Whether ``value`` read from SMSTurbo now is the value the audit ``kept``, compared
    as values: a column whose type changed since (numeric(12,2) to numeric(14,4),
    varchar to char) spells the same value otherwise. Numbers compare as exact decimals
    (5000.00 is 5000.0000; 0.1 as a float is not 0.1); texts without their padding
    (``text``, the one text rule). Anything else compares exactly."""
    now = encoded(value)
    if now == kept:
        return True
    before = decoded(kept)
    if isinstance(value, str) and isinstance(before, str):
        return text(value) == text(before)
    numbers = [
        v
        for v in (value, before)
        if isinstance(v, int | float | Decimal) and not isinstance(v, bool)
    ]
    if len(numbers) == 2:
        try:
            return Decimal(numbers[0]) == Decimal(numbers[1])
        except ArithmeticError:
            return False
    return False


_AS_IS = frozenset({str, int, bool, type(None)})
"""The types ``encoded`` keeps as they are: most of a row, told apart without a call."""


def image(row: dict[str, object]) -> Stored:
    """A row as read (column name → value) as the audit keeps it."""
    return {c: v if type(v) in _AS_IS else encoded(v) for c, v in row.items()}


@dataclass(frozen=True)
class Run:
    run_id: int
    kind: RunKind
    undo_of: int | None
    user: str
    started_at: str
    company: str
    summary: str
    undone: bool = False
    """A synchronization: whether its undos took back every change it made. An undo
    that had to leave records alone leaves its synchronization undoable."""


@dataclass(frozen=True)
class Change:
    """One audited change: the record before and after, every column of ``table``
    (``key`` is its ID column). Changes recorded before SMSync kept whole records have
    no table: their values are the mapped fields only, keyed by field name."""

    entity: str
    record_id: str
    action: AuditAction
    before: Stored | None
    after: Stored | None
    table: str | None = None
    key: str | None = None


_ENCODER = json.JSONEncoder(sort_keys=True)
"""What ``json.dumps(values, sort_keys=True)`` makes, made once: a synchronization of
25,000 records encodes 35,000 images, and ``dumps`` makes an encoder for each."""


def _json(values: Stored | None) -> str | None:
    return None if values is None else _ENCODER.encode(values)


def _values(text: str | None) -> Stored | None:
    return None if text is None else json.loads(text)


class Audit:
    """The audit tables, read and written inside the store's transaction."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def exists(self) -> bool:
        """Asked of the catalogue: a failing query would abort a PostgreSQL transaction."""
        return self.db.has_table(RUNS)

    def _whole_records(self) -> bool:
        """Whether the audit tables have today's shape (whole records, long text)."""
        columns, _ = self.db.select(f"SELECT * FROM {CHANGES} WHERE 1 = 0")
        return "tablename" in {c.lower() for c in columns}

    def create_tables(self) -> None:
        for ddl in tables_ddl(self.db.long_text_type()):
            self.db.execute(ddl + self.db.table_options)

    def ensure_tables(self) -> None:
        """Create the audit tables if missing, or bring tables an earlier SMSync made to
        today's shape, inside the caller's transaction: a synchronization that fails
        leaves no trace of either."""
        if not self.exists():
            self.create_tables()
        elif not self._whole_records():
            self._upgrade()

    def _upgrade(self) -> None:
        """Copy every run and change into tables of today's shape: the old ones are
        read, dropped, created again and filled, in this one transaction (DDL is
        transactional on SQLite, PostgreSQL and SQL Server)."""
        runs = self.db.query(f"SELECT {_RUN_COLUMNS} FROM {RUNS}")
        changes = self.db.query(f"SELECT {_OLD_CHANGE_COLUMNS} FROM {CHANGES}")
        try:
            self.db.execute(f"DROP TABLE {CHANGES}")
            self.db.execute(f"DROP TABLE {RUNS}")
            self.create_tables()
        except TargetError as error:
            cause = error.__cause__
            said = driver_text(str(cause.args[-1])) if cause and cause.args else error.message
            raise TargetError(
                f"SMSync's audit tables ({RUNS}, {CHANGES}) were made by an earlier SMSync "
                "and must be made again to hold whole records and long values, but the "
                f"database refused it ({said}); nothing was changed",
                where=self.db.label,
                advice=f"Let the database user SMSync connects as own {RUNS} and {CHANGES} "
                "(or have their owner run one synchronization), then synchronize again.",
            ) from error
        self.db.execute_many(
            f"INSERT INTO {RUNS} ({_RUN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)", runs
        )
        self.db.execute_many(
            f"INSERT INTO {CHANGES} ({_OLD_CHANGE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)", changes
        )

    def start_run(
        self, kind: RunKind, user: str, started_at: str, company: str, undo_of: int | None = None
    ) -> int:
        """Open an audit run inside the current transaction; returns its number. The
        number is read under SMSync's writer lock (``SMSTurboStore.transaction``), so two
        runs never take the same one."""
        last = self.db.query(f"SELECT MAX(RunID) FROM {RUNS}")[0][0]
        run_id = int(last or 0) + 1
        self.db.execute(
            f"INSERT INTO {RUNS} ({_RUN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [run_id, kind.value, undo_of, user, started_at, company, ""],
        )
        return run_id

    def finish_run(self, run_id: int, summary: str) -> None:
        self.db.execute(f"UPDATE {RUNS} SET Summary = ? WHERE RunID = ?", [summary, run_id])

    def log_changes(self, run_id: int, changes: list[Change]) -> None:
        """The changes of one run: a statement per batch of rows, not per change."""
        self.db.insert_rows(
            CHANGES,
            _CHANGE_COLUMNS,
            [
                (
                    run_id,
                    seq,
                    c.entity,
                    c.record_id,
                    c.action.value,
                    c.table,
                    c.key,
                    _json(c.before),
                    _json(c.after),
                )
                for seq, c in enumerate(changes, start=1)
            ],
        )

    def runs(self) -> list[Run]:
        """Every audited run, newest first (none before the first synchronization); a
        synchronization is ``undone`` once its undos took back every change it made."""
        if not self.exists():
            return []
        rows = self.db.query(f"SELECT {_RUN_COLUMNS} FROM {RUNS}")
        runs = [
            Run(int(r[0]), RunKind(r[1]), None if r[2] is None else int(r[2]), *r[3:]) for r in rows
        ]
        undos = {r.undo_of for r in runs if r.kind is RunKind.UNDO}
        runs = [
            replace(r, undone=not self.remaining(r.run_id))
            if r.kind is RunKind.SYNC and r.run_id in undos
            else r
            for r in runs
        ]
        return sorted(runs, key=lambda run: run.run_id, reverse=True)

    def changes(self, run_id: int) -> list[Change]:
        whole = self._whole_records()
        rows = self.db.query(
            f"SELECT {_CHANGE_COLUMNS if whole else _OLD_CHANGE_COLUMNS} FROM {CHANGES} "
            "WHERE RunID = ?",
            [run_id],
        )
        if not whole:
            rows = [(*r[:5], None, None, *r[5:]) for r in rows]
        return [
            Change(r[2], r[3], AuditAction(r[4]), _values(r[7]), _values(r[8]), r[5], r[6])
            for r in sorted(rows, key=lambda r: int(r[1]))
        ]

    def remaining(self, run_id: int) -> list[Change]:
        """The changes of synchronization ``run_id`` that no undo has taken back yet."""
        undos = self.db.query(
            f"SELECT RunID FROM {RUNS} WHERE UndoOf = ? AND Kind = ?",
            [run_id, RunKind.UNDO.value],
        )
        taken = {(c.entity, text(c.record_id)) for (u,) in undos for c in self.changes(int(u))}
        return [c for c in self.changes(run_id) if (c.entity, text(c.record_id)) not in taken]

    def latest_images(self, run_id: int) -> dict[tuple[str, str], Change]:
        """Per record (entity, trimmed ID), the last change any run after ``run_id``
        recorded: the row as SMSync itself left it last (a later synchronization, or the
        undo that took that back)."""
        later = sorted(r.run_id for r in self.runs() if r.run_id > run_id)
        return {(c.entity, text(c.record_id) or ""): c for run in later for c in self.changes(run)}
