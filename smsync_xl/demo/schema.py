"""SMSTurbo's reference schema: the tables the bundled mapping names, with column types
derived from the field registry. For the demo, the tests and a fresh installation; a
real SMSTurbo database has its own tables and a mapping that names them."""

from __future__ import annotations

from smsync_xl.connections.db import quote_identifier
from smsync_xl.core.fields import ENTITIES, TURBO_FIELDS
from smsync_xl.smsturbo.audit import LOCK_DDL, LOCK_INSERT, TABLES_DDL
from smsync_xl.smsturbo.store import SMSTurboStore


def create_reference_schema(store: SMSTurboStore, statuses: list[str]) -> None:
    """Create the customer, vendor and credit-status tables, the audit tables and, on a
    server database, SMSync's lock table (an SQLite file is locked whole)."""
    mapping = store.mapping
    with store.db.transaction():
        for entity in ENTITIES.values():
            table = store.table(entity)
            columns = ", ".join(
                f"{table.quoted(f)} {TURBO_FIELDS[f].kind.sql_type(TURBO_FIELDS[f].max_length)}"
                + (" NOT NULL PRIMARY KEY" if f == "id" else "")
                for f in table.columns
            )
            store.db.execute(f"CREATE TABLE {quote_identifier(table.table)} ({columns})")
        status_column = quote_identifier(mapping.status_column)
        status_table = quote_identifier(mapping.status_table)
        store.db.execute(
            f"CREATE TABLE {status_table} ({status_column} VARCHAR(20) NOT NULL PRIMARY KEY)"
        )
        store.db.execute_many(
            f"INSERT INTO {status_table} ({status_column}) VALUES (?)", [(s,) for s in statuses]
        )
        for ddl in TABLES_DDL:
            store.db.execute(ddl)
        if not store.db.is_sqlite:
            store.db.execute(LOCK_DDL)
            store.db.execute(LOCK_INSERT)
