"""SMSTurbo as the target: the only code that writes, always through the mapping.

Records go in and out keyed by SMSTurbo field name; the mapping decides the real table
and column names, and each field's kind (``core.fields``) how its value is passed. The
audit tables (``smsturbo.audit``) live beside them, so an audit record is written in the
same transaction as the change it describes.

SMSync's writers take turns: a write transaction takes SMSync's writer lock before it
reads anything (``transaction``), and a write that must not overwrite someone else's
edit is a compare-and-set: it only changes the row if every column still holds what
was read (``update``/``delete`` with ``expected``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from decimal import Decimal

from smsync_xl.connections import db as dbapi
from smsync_xl.connections.db import Database, quote_identifier
from smsync_xl.core.errors import (
    MissingDefaultsError,
    TargetBusyError,
    TargetError,
    TargetReadOnlyError,
    TargetRefusedError,
)
from smsync_xl.core.fields import ENTITIES, TURBO_FIELDS, Entity, Record, TurboRecord, text
from smsync_xl.smsturbo.audit import LOCK_DDL, LOCK_INSERT, LOCK_TABLE, LOCK_TAKE, Audit, Stored
from smsync_xl.smsturbo.mapping import TableMapping, TurboMapping

_ID_CHUNK = 500  # stays under every driver's parameter limit
INSERT_BATCH = 500
"""Records per batch of inserts: well under what drivers take in one go."""


Raw = dict[str, object]
"""A record exactly as the driver returned it (Decimal amounts, padded IDs), keyed by
field name: what a compare-and-set write compares against."""


def _to_db(field: str, value: object) -> object:
    return TURBO_FIELDS[field].kind.to_db(value)


def stored(raw: Raw) -> Stored:
    """A raw record as the audit keeps it (amounts as text, so it is JSON)."""
    return {f: str(v) if isinstance(v, Decimal) else v for f, v in raw.items()}


class SMSTurboStore:
    """Reads and writes SMSTurbo customers and vendors, and keeps the audit."""

    def __init__(self, db: Database, mapping: TurboMapping) -> None:
        self.db = db
        self.mapping = mapping
        self.audit = Audit(db)
        self._stored_ids: dict[tuple[str, str], str] = {}

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """SMSync's write transaction: SMSync's writer lock first, so that whatever is
        read inside is read after any other synchronization or undo has committed; then
        everything written inside, audit included, commits together or not at all.

        The lock waits at most ``connections.db.LOCK_WAIT_SECONDS`` for another writer,
        then fails with 'another synchronization … is writing SMSTurbo'."""
        with self.db.transaction():
            self._take_writer_lock()
            yield

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
                    self.db.execute(LOCK_DDL)
                    self.db.execute(LOCK_INSERT)
                except TargetReadOnlyError:
                    raise
                except Exception as error:  # any DBMS's "already exists", after waiting
                    raise TargetBusyError(
                        "another synchronization started at the same moment and created "
                        f"SMSync's lock table ({LOCK_TABLE}) first; nothing was changed",
                        where=self.db.label,
                        advice="Run it again: from now on a second synchronization waits "
                        "for the first to finish.",
                    ) from error
            elif self.db.execute(LOCK_TAKE) == 0 and not self.db.query(
                f"SELECT LockName FROM {LOCK_TABLE}"
            ):
                self.db.execute(LOCK_INSERT)  # the row was deleted: put it back

    def table(self, entity: Entity) -> TableMapping:
        return self.mapping.table(entity)

    def has_table(self, entity: Entity) -> bool:
        """Whether SMSTurbo has ``entity``'s table at all (an installation without
        materials, say)."""
        return self.db.has_table(self.table(entity).table)

    def _select(self, entity: Entity) -> tuple[str, list[str]]:
        table = self.table(entity)
        fields = list(table.columns)
        sql = "SELECT {} FROM {}".format(
            ", ".join(table.quoted(f) for f in fields), quote_identifier(table.table)
        )
        return sql, fields

    def _record(self, fields: list[str], row: tuple) -> Record:
        """Only the fields this installation stores: an absent key means 'no column'."""
        return {f: TURBO_FIELDS[f].kind.from_turbo(raw) for f, raw in zip(fields, row, strict=True)}

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

    def fetch_raw(self, entity: Entity, ids: Iterable[str]) -> dict[str, Raw]:
        """Records exactly as stored (padding and all), keyed by their trimmed ID: the
        ID a record is matched on, whether the column pads it (CHAR) or not."""
        fields, rows = self._rows_by_id(entity, ids)
        at = fields.index("id")
        return {text(row[at]) or "": dict(zip(fields, row, strict=True)) for row in rows}

    def normalised(self, raw: Raw) -> Record:
        """A raw record as ``read`` gives it (padding trimmed, amounts as text)."""
        return {f: TURBO_FIELDS[f].kind.from_turbo(v) for f, v in raw.items()}

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
    def _naming(self, doing: str) -> Iterator[None]:
        """A value SMSTurbo refuses is reported with the record it belongs to."""
        try:
            yield
        except TargetRefusedError as error:
            raise TargetRefusedError(
                f"{doing}: {error.message}", where=error.where, advice=error.advice
            ) from error.__cause__

    def insert(self, entity: Entity, record: Record) -> None:
        self.insert_many(entity, [record])

    def insert_many(self, entity: Entity, records: list[Record]) -> None:
        """New records in batches: one prepared statement and one cursor per batch."""
        table = self.table(entity)
        fields = list(table.columns)
        sql = "INSERT INTO {} ({}) VALUES ({})".format(
            quote_identifier(table.table),
            ", ".join(table.quoted(f) for f in fields),
            ", ".join("?" for _ in fields),
        )
        for start in range(0, len(records), INSERT_BATCH):
            batch = records[start : start + INSERT_BATCH]
            first, last = batch[0].get("id"), batch[-1].get("id")
            doing = (
                f"creating {entity.label.lower()} {first!r}"
                if len(batch) == 1
                else f"creating {entity.plural.lower()} {first!r} to {last!r} (one of these "
                f"{len(batch)})"
            )
            with self._naming(doing):
                self.db.execute_many(
                    sql, [[_to_db(f, record.get(f)) for f in fields] for record in batch]
                )

    def _one_row(self, changed: int, entity: Entity, record_id: str) -> None:
        if changed != 1:
            raise TargetError(
                f"{entity.label} {record_id!r} was expected once in SMSTurbo but the write "
                f"touched {changed} rows; nothing was changed",
                where=self.db.label,
                advice="Check the SMSTurbo table's ID column is unique, then Refresh.",
            )

    def _where(
        self, entity: Entity, record_id: str, expected: Raw | None
    ) -> tuple[str, list[object]]:
        """``WHERE id = ?``, or with ``expected`` every column equal to what was read
        (``IS NULL`` for NULLs): the compare-and-set condition."""
        table = self.table(entity)
        if expected is None:
            return f"{table.quoted('id')} = ?", [record_id]
        terms, params = [], []
        for field, value in expected.items():
            if value is None:
                terms.append(f"{table.quoted(field)} IS NULL")
            else:
                terms.append(f"{table.quoted(field)} = ?")
                params.append(value)
        return " AND ".join(terms), params

    def _changed(self, changed: int, entity: Entity, record_id: str, expected: Raw | None) -> bool:
        if expected is not None and changed == 0:
            return False  # someone changed the row since it was read
        self._one_row(changed, entity, record_id)
        return True

    def update(
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
        with self._naming(f"updating {entity.label.lower()} {record_id.strip()!r}"):
            changed = self.db.execute(
                "UPDATE {} SET {} WHERE {}".format(
                    quote_identifier(table.table),
                    ", ".join(f"{table.quoted(f)} = ?" for f in fields),
                    where,
                ),
                [_to_db(f, values[f]) for f in fields] + params,
            )
        return self._changed(changed, entity, record_id, expected)

    def delete(self, entity: Entity, record_id: str, *, expected: Raw | None = None) -> bool:
        """Delete the record; with ``expected``, only if it is still exactly as read."""
        table = self.table(entity)
        where, params = self._where(entity, record_id, expected)
        with self._naming(f"deleting {entity.label.lower()} {record_id.strip()!r}"):
            changed = self.db.execute(
                f"DELETE FROM {quote_identifier(table.table)} WHERE {where}", params
            )
        return self._changed(changed, entity, record_id, expected)

    def mapped(self, entity: Entity, record: Record) -> Record:
        """Only the fields this installation stores, as they read back."""
        return {f: record.get(f) for f in self.table(entity).columns}
