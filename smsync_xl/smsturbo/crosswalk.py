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
_QUOTED = [quote_identifier(c) for c in COLUMNS]


def ddl() -> str:
    key, edition, entity, source_key, turbo_id = _QUOTED
    return (
        f"CREATE TABLE {_QUOTED_TABLE} ({key} VARCHAR(255) NOT NULL PRIMARY KEY, "
        f"{edition} VARCHAR(10) NOT NULL, {entity} VARCHAR(20) NOT NULL, "
        f"{source_key} VARCHAR(200) NOT NULL, {turbo_id} VARCHAR(40) NOT NULL, "
        f"UNIQUE ({edition}, {entity}, {turbo_id}))"
    )


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
        if not self.exists():
            self.db.execute(ddl())

    def all(self, edition: Edition | None = None) -> list[Remembered]:
        """Every remembered ID (of one edition), in key order; none before the first."""
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
            key=lambda r: (r.edition.value, r.entity, r.source_key),
        )

    def of(self, edition: Edition, entity: Entity) -> dict[str, str]:
        """Source key → remembered SMSTurbo ID, for one edition's list."""
        return {r.source_key: r.turbo_id for r in self.all(edition) if r.entity == entity.key}

    def _row(self, key: str) -> dict[str, object] | None:
        columns, rows = self.db.select(
            f"SELECT * FROM {_QUOTED_TABLE} WHERE {_QUOTED[0]} = ?", [key]
        )
        return dict(zip(columns, rows[0], strict=True)) if rows else None

    def remember(
        self, edition: Edition, entity: Entity, source_key: str, turbo_id: str
    ) -> Change | None:
        """Remember ``turbo_id`` for the source key (replacing another ID remembered for
        it); the audit's record of it, or None when it was remembered already."""
        self.ensure_table()
        key = link_key(edition, entity, source_key)
        before = self._row(key)
        if before is not None and text(before[COLUMNS[4]]) == turbo_id:
            return None
        if before is None:
            self.db.execute(
                f"INSERT INTO {_QUOTED_TABLE} ({', '.join(_QUOTED)}) VALUES (?, ?, ?, ?, ?)",
                [key, edition.value, entity.key, source_key, turbo_id],
            )
        else:
            self.db.execute(
                f"UPDATE {_QUOTED_TABLE} SET {_QUOTED[4]} = ? WHERE {_QUOTED[0]} = ?",
                [turbo_id, key],
            )
        after = self._row(key)
        action = AuditAction.CREATE if before is None else AuditAction.UPDATE
        return Change(
            entity.key,
            key,
            action,
            None if before is None else image(before),
            None if after is None else image(after),
            TABLE,
            KEY,
        )

    def forget(self, edition: Edition, entity: Entity, source_key: str) -> bool:
        """Forget the ID remembered for the source key; False when none was."""
        if not self.exists():
            return False
        key = link_key(edition, entity, source_key)
        return bool(self.db.execute(f"DELETE FROM {_QUOTED_TABLE} WHERE {_QUOTED[0]} = ?", [key]))
