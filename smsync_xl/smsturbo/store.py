"""SMSTurbo as the target: the only code that writes, always through the mapping.

Records go in and out as :data:`~smsync_xl.core.fields.Record` dicts keyed by SMSTurbo
field name; the mapping decides the real table and column names. The audit tables
(``SMSync_Runs``, ``SMSync_Changes``) are SMSync's own and live beside them, so an
audit record is written in the same transaction as the change it describes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from smsync_xl.connections.db import Database, quote_identifier
from smsync_xl.core.errors import MissingDefaultsError, TargetError
from smsync_xl.core.fields import DEFAULTS_ID, ENTITIES, TURBO_FIELDS, Entity, Record
from smsync_xl.smsturbo.mapping import TableMapping, TurboMapping

_ID_CHUNK = 500  # stays under every driver's parameter limit
RUNS = "SMSync_Runs"
CHANGES = "SMSync_Changes"

_AUDIT_DDL = (
    f"CREATE TABLE {RUNS} (RunID INTEGER PRIMARY KEY, Kind VARCHAR(10) NOT NULL, "
    "UndoOf INTEGER, UserName VARCHAR(100) NOT NULL, StartedAt VARCHAR(40) NOT NULL, "
    "Company VARCHAR(200) NOT NULL, Summary VARCHAR(400) NOT NULL)",
    f"CREATE TABLE {CHANGES} (RunID INTEGER NOT NULL, Seq INTEGER NOT NULL, "
    "Entity VARCHAR(20) NOT NULL, RecordID VARCHAR(40) NOT NULL, Action VARCHAR(10) NOT NULL, "
    "BeforeJson TEXT, AfterJson TEXT, PRIMARY KEY (RunID, Seq))",
)


@dataclass(frozen=True)
class Run:
    run_id: int
    kind: str
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
    action: str
    before: dict[str, object] | None
    after: dict[str, object] | None


def _column_type(field: str) -> str:
    if field == "credit_limit":
        return "NUMERIC(12, 2)"
    return f"VARCHAR({TURBO_FIELDS[field].max_length})"


def _to_db(field: str, value: object) -> object:
    if value is None or value == "":
        return None if field == "credit_limit" else value
    return Decimal(str(value)) if field == "credit_limit" else value


class SMSTurboStore:
    """Reads and writes SMSTurbo customers and vendors, and keeps the audit."""

    def __init__(self, db: Database, mapping: TurboMapping) -> None:
        self.db = db
        self.mapping = mapping
        self._stored_ids: dict[tuple[str, str], str] = {}

    def _table(self, entity: Entity) -> TableMapping:
        return self.mapping.tables[entity.key]

    def create_reference_schema(self, statuses: list[str]) -> None:
        """Create the documented reference schema (demo, tests, a fresh installation)."""
        with self.db.transaction():
            for entity in ENTITIES.values():
                table = self._table(entity)
                columns = ", ".join(
                    f"{table.quoted(f)} {_column_type(f)}"
                    + (" NOT NULL PRIMARY KEY" if f == "id" else "")
                    for f in table.columns
                )
                self.db.execute(f"CREATE TABLE {quote_identifier(table.table)} ({columns})")
            status_column = quote_identifier(self.mapping.status_column)
            self.db.execute(
                f"CREATE TABLE {quote_identifier(self.mapping.status_table)} "
                f"({status_column} VARCHAR(20) NOT NULL PRIMARY KEY)"
            )
            self.db.execute_many(
                f"INSERT INTO {quote_identifier(self.mapping.status_table)} ({status_column}) "
                "VALUES (?)",
                [(s,) for s in statuses],
            )
            for ddl in _AUDIT_DDL:
                self.db.execute(ddl)

    def has_audit_tables(self) -> bool:
        try:
            self.db.query(f"SELECT RunID FROM {RUNS} WHERE 1 = 0")
        except Exception:  # noqa: BLE001 - any driver's 'no such table'
            return False
        return True

    def ensure_audit_tables(self) -> None:
        """Create SMSync's audit tables if missing, inside the caller's transaction, so
        a synchronization that fails leaves no trace of them either."""
        if not self.has_audit_tables():
            for ddl in _AUDIT_DDL:
                self.db.execute(ddl)

    def _select(self, entity: Entity) -> tuple[str, list[str]]:
        table = self._table(entity)
        fields = list(table.columns)
        sql = "SELECT {} FROM {}".format(
            ", ".join(table.quoted(f) for f in fields), quote_identifier(table.table)
        )
        return sql, fields

    def _record(self, fields: list[str], row: tuple) -> Record:
        """Only the fields this installation stores: an absent key means 'no column'."""
        return {f: TURBO_FIELDS[f].normalise(raw) for f, raw in zip(fields, row, strict=True)}

    def read(self, entity: Entity) -> list[Record]:
        """Every SMSTurbo record of ``entity`` (ZZDEFAULT included; callers skip it)."""
        sql, fields = self._select(entity)
        id_index = fields.index("id")
        records = []
        for row in self.db.stream(sql):
            record = self._record(fields, row)
            if row[id_index] != record["id"]:
                self._stored_ids[(entity.key, record["id"])] = row[id_index]
            records.append(record)
        return records

    def stored_id(self, entity: Entity, record_id: str) -> str:
        """The ID exactly as SMSTurbo stores it (padding included), for writes: records
        are matched on trimmed IDs, but a WHERE clause needs the stored value."""
        return self._stored_ids.get((entity.key, record_id), record_id)

    def _rows_by_id(self, entity: Entity, ids: Iterable[str]) -> tuple[list[str], list[tuple]]:
        """Rows with these exact IDs: one query per chunk of IDs, never one per row."""
        sql, fields = self._select(entity)
        column = self._table(entity).quoted("id")
        wanted = list(dict.fromkeys(ids))
        rows: list[tuple] = []
        for start in range(0, len(wanted), _ID_CHUNK):
            chunk = wanted[start : start + _ID_CHUNK]
            marks = ", ".join("?" for _ in chunk)
            rows += self.db.query(f"{sql} WHERE {column} IN ({marks})", chunk)
        return fields, rows

    def fetch(self, entity: Entity, record_id: str) -> Record | None:
        """One record by exact ID, or None."""
        fields, rows = self._rows_by_id(entity, [record_id])
        return self._record(fields, rows[0]) if rows else None

    def fetch_raw(self, entity: Entity, ids: Iterable[str]) -> dict[str, dict[str, object]]:
        """Records exactly as stored (padding and all), by stored ID, for the audit and
        for undo."""
        fields, rows = self._rows_by_id(entity, ids)
        at = fields.index("id")
        return {
            row[at]: {
                f: str(v) if isinstance(v, Decimal) else v for f, v in zip(fields, row, strict=True)
            }
            for row in rows
        }

    def defaults(self) -> Record:
        """ZZDEFAULT: the customer whose values new customers and vendors start from."""
        record = self.fetch(ENTITIES["customers"], DEFAULTS_ID)
        if record is None:
            raise MissingDefaultsError(
                f"SMSTurbo has no customer {DEFAULTS_ID}",
                where=self.db.label,
                advice=f"Create customer {DEFAULTS_ID} in SMSTurbo with the default values "
                "for new customers and vendors, then synchronize again.",
            )
        return record

    def credit_statuses(self) -> list[str]:
        column = quote_identifier(self.mapping.status_column)
        rows = self.db.query(f"SELECT {column} FROM {quote_identifier(self.mapping.status_table)}")
        return sorted(str(r[0]).strip().upper() for r in rows)

    def insert(self, entity: Entity, record: Record) -> None:
        table = self._table(entity)
        fields = list(table.columns)
        self.db.execute(
            "INSERT INTO {} ({}) VALUES ({})".format(
                quote_identifier(table.table),
                ", ".join(table.quoted(f) for f in fields),
                ", ".join("?" for _ in fields),
            ),
            [_to_db(f, record.get(f)) for f in fields],
        )

    def _one_row(self, changed: int, entity: Entity, record_id: str) -> None:
        if changed != 1:
            raise TargetError(
                f"{entity.label} {record_id!r} was expected once in SMSTurbo but the write "
                f"touched {changed} rows; nothing was changed",
                where=self.db.label,
                advice="Check the SMSTurbo table's ID column is unique, then Refresh.",
            )

    def update(self, entity: Entity, record_id: str, values: dict[str, object]) -> None:
        table = self._table(entity)
        fields = [f for f in values if f in table.columns and f != "id"]
        if not fields:
            return
        changed = self.db.execute(
            "UPDATE {} SET {} WHERE {} = ?".format(
                quote_identifier(table.table),
                ", ".join(f"{table.quoted(f)} = ?" for f in fields),
                table.quoted("id"),
            ),
            [_to_db(f, values[f]) for f in fields] + [record_id],
        )
        self._one_row(changed, entity, record_id)

    def delete(self, entity: Entity, record_id: str) -> None:
        table = self._table(entity)
        changed = self.db.execute(
            f"DELETE FROM {quote_identifier(table.table)} WHERE {table.quoted('id')} = ?",
            [record_id],
        )
        self._one_row(changed, entity, record_id)

    def mapped(self, entity: Entity, record: Record) -> Record:
        """Only the fields this installation stores, as they read back."""
        return {f: record.get(f) for f in self._table(entity).columns}

    def start_run(
        self, kind: str, user: str, started_at: str, company: str, undo_of: int | None = None
    ) -> int:
        """Open an audit run inside the current transaction; returns its number."""
        last = self.db.query(f"SELECT MAX(RunID) FROM {RUNS}")[0][0]
        run_id = int(last or 0) + 1
        self.db.execute(
            f"INSERT INTO {RUNS} (RunID, Kind, UndoOf, UserName, StartedAt, Company, Summary) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [run_id, kind, undo_of, user, started_at, company, ""],
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
                    c.action,
                    None if c.before is None else json.dumps(c.before, sort_keys=True),
                    None if c.after is None else json.dumps(c.after, sort_keys=True),
                )
                for seq, c in enumerate(changes, start=1)
            ],
        )

    def runs(self) -> list[Run]:
        """Every audited run, newest first (none before the first synchronization)."""
        if not self.has_audit_tables():
            return []
        rows = self.db.query(
            f"SELECT RunID, Kind, UndoOf, UserName, StartedAt, Company, Summary FROM {RUNS}"
        )
        runs = [Run(int(r[0]), r[1], None if r[2] is None else int(r[2]), *r[3:]) for r in rows]
        return sorted(runs, key=lambda run: run.run_id, reverse=True)

    def changes(self, run_id: int) -> list[Change]:
        rows = self.db.query(
            f"SELECT Seq, Entity, RecordID, Action, BeforeJson, AfterJson FROM {CHANGES} "
            "WHERE RunID = ?",
            [run_id],
        )
        return [
            Change(
                r[1],
                r[2],
                r[3],
                None if r[4] is None else json.loads(r[4]),
                None if r[5] is None else json.loads(r[5]),
            )
            for r in sorted(rows, key=lambda r: int(r[0]))
        ]
