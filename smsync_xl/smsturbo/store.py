"""SMSTurbo as the target: the only code that writes, always through the mapping.

Records go in and out keyed by SMSTurbo field name; the mapping decides the real table
and column names, and each field's kind (``core.fields``) how its value is passed. The
audit tables (``smsturbo.audit``) live beside them, so an audit record is written in the
same transaction as the change it describes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from decimal import Decimal

from smsync_xl.connections.db import Database, quote_identifier
from smsync_xl.core.errors import MissingDefaultsError, TargetError
from smsync_xl.core.fields import ENTITIES, TURBO_FIELDS, Entity, Record, TurboRecord
from smsync_xl.core.vocabulary import DEFAULTS_ID
from smsync_xl.smsturbo.audit import Audit, Stored
from smsync_xl.smsturbo.mapping import TableMapping, TurboMapping

_ID_CHUNK = 500  # stays under every driver's parameter limit


def _to_db(field: str, value: object) -> object:
    return TURBO_FIELDS[field].kind.to_db(value)


class SMSTurboStore:
    """Reads and writes SMSTurbo customers and vendors, and keeps the audit."""

    def __init__(self, db: Database, mapping: TurboMapping) -> None:
        self.db = db
        self.mapping = mapping
        self.audit = Audit(db)
        self._stored_ids: dict[tuple[str, str], str] = {}

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Everything written inside, audit included, commits together or not at all."""
        with self.db.transaction():
            yield

    def table(self, entity: Entity) -> TableMapping:
        return self.mapping.tables[entity.key]

    def _select(self, entity: Entity) -> tuple[str, list[str]]:
        table = self.table(entity)
        fields = list(table.columns)
        sql = "SELECT {} FROM {}".format(
            ", ".join(table.quoted(f) for f in fields), quote_identifier(table.table)
        )
        return sql, fields

    def _record(self, fields: list[str], row: tuple) -> Record:
        """Only the fields this installation stores: an absent key means 'no column'."""
        return {f: TURBO_FIELDS[f].kind.normalise(raw) for f, raw in zip(fields, row, strict=True)}

    def read(self, entity: Entity) -> list[TurboRecord]:
        """Every SMSTurbo record of ``entity`` (ZZDEFAULT included; callers skip it)."""
        sql, fields = self._select(entity)
        id_index = fields.index("id")
        records = []
        for row in self.db.stream(sql):
            values = self._record(fields, row)
            record_id = values["id"] or ""
            if row[id_index] != record_id:
                self._stored_ids[(entity.key, record_id)] = row[id_index]
            records.append(TurboRecord(record_id, values))
        return records

    def stored_id(self, entity: Entity, record_id: str) -> str:
        """The ID exactly as SMSTurbo stores it (padding included), for writes: records
        are matched on trimmed IDs, but a WHERE clause needs the stored value."""
        return self._stored_ids.get((entity.key, record_id), record_id)

    def _rows_by_id(self, entity: Entity, ids: Iterable[str]) -> tuple[list[str], list[tuple]]:
        """Rows with these exact IDs: one query per chunk of IDs, never one per row."""
        sql, fields = self._select(entity)
        column = self.table(entity).quoted("id")
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

    def fetch_raw(self, entity: Entity, ids: Iterable[str]) -> dict[str, Stored]:
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
        table = self.table(entity)
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

    def update(self, entity: Entity, record_id: str, values: Stored | Record) -> None:
        table = self.table(entity)
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
        table = self.table(entity)
        changed = self.db.execute(
            f"DELETE FROM {quote_identifier(table.table)} WHERE {table.quoted('id')} = ?",
            [record_id],
        )
        self._one_row(changed, entity, record_id)

    def mapped(self, entity: Entity, record: Record) -> Record:
        """Only the fields this installation stores, as they read back."""
        return {f: record.get(f) for f in self.table(entity).columns}
