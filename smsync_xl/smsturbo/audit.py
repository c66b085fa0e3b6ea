"""SMSync's audit in SMSTurbo: one row per run, one per change with every value before
and after, exactly as stored. Written in the same transaction as the changes it
describes, so it is what makes Undo exact. Beside it, on a server database, SMSync's
lock table: one row that every SMSync write transaction updates first, so that two
synchronizations (or undos) take turns."""

from __future__ import annotations

import json
from dataclasses import dataclass

from smsync_xl.connections.db import Database
from smsync_xl.core.vocabulary import AuditAction, RunKind

RUNS = "SMSync_Runs"
CHANGES = "SMSync_Changes"

TABLES_DDL = (
    f"CREATE TABLE {RUNS} (RunID INTEGER PRIMARY KEY, Kind VARCHAR(10) NOT NULL, "
    "UndoOf INTEGER, UserName VARCHAR(100) NOT NULL, StartedAt VARCHAR(40) NOT NULL, "
    "Company VARCHAR(200) NOT NULL, Summary VARCHAR(400) NOT NULL)",
    f"CREATE TABLE {CHANGES} (RunID INTEGER NOT NULL, Seq INTEGER NOT NULL, "
    "Entity VARCHAR(20) NOT NULL, RecordID VARCHAR(40) NOT NULL, Action VARCHAR(10) NOT NULL, "
    "BeforeJson TEXT, AfterJson TEXT, PRIMARY KEY (RunID, Seq))",
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
"""A record exactly as SMSTurbo stores it (padding and all), keyed by field name."""


@dataclass(frozen=True)
class Run:
    run_id: int
    kind: RunKind
    undo_of: int | None
    user: str
    started_at: str
    company: str
    summary: str


@dataclass(frozen=True)
class Change:
    """One audited change; before/after are the values exactly as stored."""

    entity: str
    record_id: str
    action: AuditAction
    before: Stored | None
    after: Stored | None


def _json(values: Stored | None) -> str | None:
    return None if values is None else json.dumps(values, sort_keys=True)


def _values(text: str | None) -> Stored | None:
    return None if text is None else json.loads(text)


class Audit:
    """The audit tables, read and written inside the store's transaction."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def exists(self) -> bool:
        """Asked of the catalogue: a failing query would abort a PostgreSQL transaction."""
        return self.db.has_table(RUNS)

    def ensure_tables(self) -> None:
        """Create the audit tables if missing, inside the caller's transaction, so a
        synchronization that fails leaves no trace of them either."""
        if not self.exists():
            for ddl in TABLES_DDL:
                self.db.execute(ddl)

    def start_run(
        self, kind: RunKind, user: str, started_at: str, company: str, undo_of: int | None = None
    ) -> int:
        """Open an audit run inside the current transaction; returns its number. The
        number is read under SMSync's writer lock (``SMSTurboStore.transaction``), so two
        runs never take the same one."""
        last = self.db.query(f"SELECT MAX(RunID) FROM {RUNS}")[0][0]
        run_id = int(last or 0) + 1
        self.db.execute(
            f"INSERT INTO {RUNS} (RunID, Kind, UndoOf, UserName, StartedAt, Company, Summary) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [run_id, kind.value, undo_of, user, started_at, company, ""],
        )
        return run_id

    def finish_run(self, run_id: int, summary: str) -> None:
        self.db.execute(f"UPDATE {RUNS} SET Summary = ? WHERE RunID = ?", [summary, run_id])

    def log_changes(self, run_id: int, changes: list[Change]) -> None:
        self.db.execute_many(
            f"INSERT INTO {CHANGES} (RunID, Seq, Entity, RecordID, Action, BeforeJson, "
            "AfterJson) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    run_id,
                    seq,
                    c.entity,
                    c.record_id,
                    c.action.value,
                    _json(c.before),
                    _json(c.after),
                )
                for seq, c in enumerate(changes, start=1)
            ],
        )

    def runs(self) -> list[Run]:
        """Every audited run, newest first (none before the first synchronization)."""
        if not self.exists():
            return []
        rows = self.db.query(
            f"SELECT RunID, Kind, UndoOf, UserName, StartedAt, Company, Summary FROM {RUNS}"
        )
        runs = [
            Run(int(r[0]), RunKind(r[1]), None if r[2] is None else int(r[2]), *r[3:]) for r in rows
        ]
        return sorted(runs, key=lambda run: run.run_id, reverse=True)

    def changes(self, run_id: int) -> list[Change]:
        rows = self.db.query(
            f"SELECT Seq, Entity, RecordID, Action, BeforeJson, AfterJson FROM {CHANGES} "
            "WHERE RunID = ?",
            [run_id],
        )
        return [
            Change(r[1], r[2], AuditAction(r[3]), _values(r[4]), _values(r[5]))
            for r in sorted(rows, key=lambda r: int(r[0]))
        ]
