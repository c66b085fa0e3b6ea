"""SMSync's crosswalk in SMSTurbo: the SMSTurbo ID chosen for a Sage 50 record that
brings none, remembered against the source's own key (edition, list, and Canada's
``lId`` or the UK/US code), so a rename in Sage 50 meets the same SMSTurbo record.

Created like the audit tables, inside the transaction that first needs it; each row is
written in the same transaction as its record and audited as a whole row of this
table (key column ``linkkey``), so Undo takes it back with the record. The primary key
(one ID per source key) and the unique (edition, list, ID) make a second record for
the same source key impossible even if two writers raced past SMSync's writer lock.
"""

from __future__ import annotations

from dataclasses import dataclass

from smsync_xl.connections.db import Database, quote_identifier
from smsync_xl.core.fields import Entity, text
from smsync_xl.core.vocabulary import AuditAction, Edition
from smsync_xl.smsturbo.audit import Change, image

TABLE = "smsync_idmap"
KEY = "linkkey"
COLUMNS = (KEY, "edition", "entity", "sourcekey", "turboid")
"""Lower case and quoted, so every database spells them alike."""

_QUOTED_TABLE = quote_identifier(TABLE)
_CHUNK = 500
"""Keys per query when reading rows back."""
_QUOTED = [quote_identifier(c) for c in COLUMNS]


def ddl(*, if_missing: bool = False) -> str:
    """The crosswalk's CREATE TABLE; ``if_missing`` where two SMSyncs may both make it
    outside a transaction (MySQL, MariaDB: ``Crosswalk.prepare``)."""
    key, edition, entity, source_key, turbo_id = _QUOTED
    create = "CREATE TABLE IF NOT EXISTS" if if_missing else "CREATE TABLE"
    return (
        f"{create} {_QUOTED_TABLE} ({key} VARCHAR(255) NOT NULL PRIMARY KEY, "
        f"{edition} VARCHAR(10) NOT NULL, {entity} VARCHAR(20) NOT NULL, "
        f"{source_key} VARCHAR(200) NOT NULL, {turbo_id} VARCHAR(40) NOT NULL, "
        f"UNIQUE ({edition}, {entity}, {turbo_id}))"
    )


def _in_order(source_key: str) -> tuple[int, str]:
    """Record numbers (Canada's ``lId``) in number order, before any code."""
    return (0, source_key.rjust(20, "0")) if source_key.isdigit() else (1, source_key)


def link_key(edition: Edition, entity: Entity, source_key: str) -> str:
    """The one-column key of a remembered ID: Undo finds the row by it."""
    return f"{edition.value}/{entity.key}/{source_key}"


@dataclass(frozen=True)
class Remembered:
    edition: Edition
    entity: str
    source_key: str
    turbo_id: str


class Crosswalk:
    """The remembered IDs, read and written inside the store's transaction."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def exists(self) -> bool:
        return self.db.has_table(TABLE)

    def ensure_table(self) -> None:
        """Inside the caller's transaction: a write that fails leaves no table either."""
        if not self.exists():
            self.db.execute(ddl() + self.db.table_options)

    def prepare(self) -> None:
        """Before a transaction that may remember IDs, where a CREATE TABLE would commit
        it (MySQL, MariaDB: ``Database.ddl_commits``): the table is made first, by
        whichever SMSync gets there first."""
        if self.db.ddl_commits:
            self.db.execute(ddl(if_missing=True) + self.db.table_options)

    def all(self, edition: Edition | None = None) -> list[Remembered]:
        """Every remembered ID (of one edition), by list and source key (numbers in
        number order); none before the first."""
        if not self.exists():
            return []
        _, edition_column, entity, source_key, turbo_id = _QUOTED
        rows = self.db.query(
            f"SELECT {edition_column}, {entity}, {source_key}, {turbo_id} FROM {_QUOTED_TABLE}"
        )
        found = [
            Remembered(
                Edition(text(r[0]) or ""), text(r[1]) or "", text(r[2]) or "", text(r[3]) or ""
            )
            for r in rows
        ]
        return sorted(
            (r for r in found if edition is None or r.edition is edition),
            key=lambda r: (r.edition.value, r.entity, _in_order(r.source_key)),
        )

    def of(self, edition: Edition, entity: Entity) -> dict[str, str]:
        """Source key → remembered SMSTurbo ID, for one edition's list."""
        return {r.source_key: r.turbo_id for r in self.all(edition) if r.entity == entity.key}

    def _rows(self, keys: list[str]) -> dict[str, dict[str, object]]:
        """The crosswalk's whole rows with these keys, a chunk of keys per query."""
        found: dict[str, dict[str, object]] = {}
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start : start + _CHUNK]
            marks = ", ".join("?" for _ in chunk)
            columns, rows = self.db.select(
                f"SELECT * FROM {_QUOTED_TABLE} WHERE {_QUOTED[0]} IN ({marks})", chunk
            )
            for row in rows:
                values = dict(zip(columns, row, strict=True))
                found[text(values[KEY]) or ""] = values
        return found

    def remember(
        self, edition: Edition, entity: Entity, pairs: list[tuple[str, str]]
    ) -> list[Change]:
        """Remember each (source key, SMSTurbo ID), replacing another ID remembered for
        the source key: one read of what is there, one batch of inserts, one read back;
        the audit's record of each row added or changed."""
        if not pairs:
            return []
        self.ensure_table()
        wanted = {link_key(edition, entity, key): (key, turbo_id) for key, turbo_id in pairs}
        before = self._rows(list(wanted))
        new = [k for k in wanted if k not in before]
        changed = [k for k in wanted if k in before and text(before[k][COLUMNS[4]]) != wanted[k][1]]
        self.db.execute_many(
            f"INSERT INTO {_QUOTED_TABLE} ({', '.join(_QUOTED)}) VALUES (?, ?, ?, ?, ?)",
            [[k, edition.value, entity.key, *wanted[k]] for k in new],
        )
        for k in changed:
            self.db.execute(
                f"UPDATE {_QUOTED_TABLE} SET {_QUOTED[4]} = ? WHERE {_QUOTED[0]} = ?",
                [wanted[k][1], k],
            )
        after = self._rows(new + changed)
        return [
            Change(
                entity.key,
                k,
                AuditAction.CREATE if k in new else AuditAction.UPDATE,
                image(before[k]) if k in before else None,
                image(after[k]),
                TABLE,
                KEY,
            )
            for k in new + changed
        ]

    def forget(self, edition: Edition, entity: Entity, source_key: str) -> bool:
        """Forget the ID remembered for the source key; False when none was."""
        if not self.exists():
            return False
        key = link_key(edition, entity, source_key)
        return bool(self.db.execute(f"DELETE FROM {_QUOTED_TABLE} WHERE {_QUOTED[0]} = ?", [key]))
