"""SMSTurbo's reference schema: the tables the bundled mapping names, with column types
derived from the field registry. For the demo, the tests and a fresh installation; a
real SMSTurbo database has its own tables and a mapping that names them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from smsync_xl.connections.db import quote_identifier
from smsync_xl.core.fields import ENTITIES, TURBO_FIELDS
from smsync_xl.smsturbo.audit import LOCK_DDL, LOCK_INSERT
from smsync_xl.smsturbo.store import SMSTurboStore

LIST_VALUE_LENGTH = 20


def create_reference_schema(store: SMSTurboStore, lists: Mapping[str, Iterable[str]]) -> None:
    """Create a table per entity and per SMSTurbo list (credit statuses, units: filled
    with ``lists``), the audit tables and, on a server database, SMSync's lock table (an
    SQLite file is locked whole)."""
    mapping, options = store.mapping, store.db.table_options
    with store.db.transaction():
        for entity in ENTITIES.values():
            table = store.table(entity)
            columns = ", ".join(
                f"{table.quoted(f)} {TURBO_FIELDS[f].kind.sql_type(TURBO_FIELDS[f].max_length)}"
                + (" NOT NULL PRIMARY KEY" if f == "id" else "")
                for f in table.columns
            )
            store.db.execute(f"CREATE TABLE {quote_identifier(table.table)} ({columns}){options}")
        for name, where in mapping.lists.items():
            column, list_table = quote_identifier(where.column), quote_identifier(where.table)
            store.db.execute(
                f"CREATE TABLE {list_table} "
                f"({column} VARCHAR({LIST_VALUE_LENGTH}) NOT NULL PRIMARY KEY){options}"
            )
            store.db.execute_many(
                f"INSERT INTO {list_table} ({column}) VALUES (?)",
                [(v,) for v in lists.get(name, ())],
            )
        store.audit.create_tables()
        if not store.db.is_sqlite:
            store.db.execute(LOCK_DDL + options)
            store.db.execute(LOCK_INSERT)
