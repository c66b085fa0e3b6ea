"""Write a Sage 50 US–shaped company (SQLite, real table and column names), an SMSTurbo
reference database and a settings file: the demo, and the fixture tests build on."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from smsync_xl.connections.db import Database, open_sqlite, quote_identifier
from smsync_xl.core.fields import ADDRESS, CUSTOMER, MAIN, MATERIAL, VENDOR, Entity, SageField
from smsync_xl.demo.data import (
    ACCOUNTS,
    COMPANY_NAME,
    DEFAULTS,
    DEMO_LISTS,
    LISTS,
    MATERIAL_TEMPLATE,
    DemoLists,
    DemoRecord,
)
from smsync_xl.demo.schema import create_reference_schema
from smsync_xl.smsturbo.mapping import load_mapping
from smsync_xl.smsturbo.store import SMSTurboStore
from smsync_xl.sources.sage50 import (
    ADDRESS_RECORD_NUMBER,
    ADDRESS_TABLE,
    ADDRESS_TYPE,
    CHART_ACCOUNT_ID,
    CHART_RECORD_NUMBER,
    CHART_TABLE,
    COMPANY_NAME_COLUMN,
    COMPANY_TABLE,
)

PRESENT_OPTIONAL = ("terms", *(f.name for f in MATERIAL.fields if f.optional))
"""The optional Sage 50 columns the demo company has: it lacks a second phone and a
credit-status column, so every read exercises the discovery of absent columns; its
items have every column SMSync reads."""

UNREAD_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    CUSTOMER.sage_table: (
        ("IsProspect", "INTEGER"),
        ("CreditStatusMsg", "CHAR(30)"),
        ("EmpRecordNumber", "INTEGER"),
        ("PriceLevel", "INTEGER"),
        *((f"CustomField{n}", "CHAR(20)") for n in range(1, 6)),
        ("CardNumber", "CHAR(20)"),
    ),
    VENDOR.sage_table: (("FederalEIN", "CHAR(20)"), ("CustomField0", "CHAR(20)")),
    MATERIAL.sage_table: (
        ("SalesDescription", "CHAR(160)"),
        ("PriceLevel2Amount", "NUMERIC(12, 2)"),
        ("COGSAcctRecordNumber", "INTEGER"),
        ("Location", "CHAR(10)"),
    ),
    ADDRESS_TABLE: (("TaxCode", "CHAR(8)"),),
}
"""Real Sage 50 columns SMSync never reads (card numbers among them): the demo has them
so that reading selects explicit columns, as it must on a real company."""


def _sage_columns(fields: Iterable[SageField]) -> list[tuple[str, str]]:
    return [
        (f.odbc, "INTEGER" if f.account else f.turbo.kind.sql_type(f.length, padded=True))
        for f in fields
    ]


def _main_fields(entity: Entity) -> list[SageField]:
    return [
        f
        for f in entity.fields
        if f.table == MAIN and (not f.optional or f.name in PRESENT_OPTIONAL)
    ]


def _address_fields(entity: Entity) -> list[SageField]:
    return [f for f in entity.fields if f.table == ADDRESS]


def sage_tables() -> dict[str, list[tuple[str, str]]]:
    """Sage 50 US's tables as the demo writes them, from the field registry: the real
    table and column names and sizes. Identifiers are quoted, so a case-sensitive engine
    (PostgreSQL in the tests) keeps them exactly as Pervasive does."""
    tables: dict[str, list[tuple[str, str]]] = {COMPANY_TABLE: [(COMPANY_NAME_COLUMN, "CHAR(39)")]}
    for entity in (CUSTOMER, VENDOR, MATERIAL):
        tables[entity.sage_table] = [
            (entity.sage_record_number, "INTEGER PRIMARY KEY"),
            (entity.sage_inactive, "INTEGER"),
            *_sage_columns(_main_fields(entity)),
            *UNREAD_COLUMNS[entity.sage_table],
        ]
    tables[ADDRESS_TABLE] = [
        (ADDRESS_RECORD_NUMBER, "INTEGER PRIMARY KEY"),
        (CUSTOMER.sage_record_number, "INTEGER"),
        (VENDOR.sage_record_number, "INTEGER"),
        (ADDRESS_TYPE, "INTEGER"),
        *_sage_columns(_address_fields(CUSTOMER)),
        *UNREAD_COLUMNS[ADDRESS_TABLE],
    ]
    tables[CHART_TABLE] = [
        (CHART_RECORD_NUMBER, "INTEGER PRIMARY KEY"),
        (CHART_ACCOUNT_ID, "CHAR(15)"),
        ("AccountDescription", "CHAR(30)"),
    ]
    return tables


_ACCOUNT_NUMBERS = {account: 100 + n for n, account in enumerate(ACCOUNTS)}
"""The demo Chart's record numbers; 0 means 'no account', as in Sage 50."""


def _sage_value(spec: SageField, value: str | None, padded: bool) -> object:
    if spec.account:
        return _ACCOUNT_NUMBERS.get(value or "", 0)
    return _pad(value, padded)


_DECOY_OFFSET = 1_000_000


def _pad(value: str | None, padded: bool, width: int = 20) -> str | None:
    return value.ljust(max(width, len(value))) if padded and value is not None else value


def _sage_rows(
    entity: Entity, records: Iterable[DemoRecord]
) -> tuple[list[list[object]], list[list[object]], list[str]]:
    main_fields = _main_fields(entity)
    address_fields = _address_fields(entity)
    columns = [entity.sage_record_number, entity.sage_inactive] + [f.odbc for f in main_fields]
    main_rows: list[list[object]] = []
    address_rows: list[list[object]] = []
    for number, record in enumerate((r for r in records if r.in_sage), start=1):
        values = record.values
        main_rows.append(
            [number, int(record.inactive)]
            + [_sage_value(f, values.get(f.name), record.padded) for f in main_fields]
        )
        if not address_fields:
            continue
        owner = (number, 0) if entity is CUSTOMER else (0, number)
        address = [values.get(f.name) for f in address_fields]
        if record.address_rows >= 1:
            address_rows.append([number * 10, *owner, 0, *address, ""])
        if record.address_rows == 2:
            decoy = ["1 Wrong Way", "", "Nowhere", "ZZ", "00000", "USA"]
            address_rows.append([_DECOY_OFFSET + number, *owner, 0, *decoy, ""])
        address_rows.append(
            [number * 10 + 1, *owner, 1, "Ship-to dock", "", "Elsewhere", "IL", "60000", "USA", ""]
        )
    return main_rows, address_rows, columns


def _renumbered(address_row: list[object], offset: int) -> list[object]:
    """A vendor's address row numbered after the customers' (a decoy's number doubled),
    as address record numbers are unique across both."""
    number = address_row[0]
    if not isinstance(number, int):
        raise TypeError(f"address record number {number!r} is not a whole number")
    return [number + offset if number < _DECOY_OFFSET else number * 2, *address_row[1:]]


def _insert(db: Database, table: str, columns: list[str], rows: list[list[object]]) -> None:
    db.execute_many(
        "INSERT INTO {} ({}) VALUES ({})".format(
            quote_identifier(table),
            ", ".join(quote_identifier(c) for c in columns),
            ", ".join("?" for _ in columns),
        ),
        rows,
    )


def write_sage_company(db: Database, lists: DemoLists, company: str = COMPANY_NAME) -> None:
    """Create Sage 50 US's tables (Company, Customers, Vendors, Address, LineItem,
    Chart) in ``db`` and fill them: an SQLite file for the demo, PostgreSQL through ODBC
    in the tests."""
    tables = sage_tables()
    with db.transaction():
        for table, columns in tables.items():
            db.execute(
                "CREATE TABLE {} ({})".format(
                    quote_identifier(table),
                    ", ".join(f"{quote_identifier(name)} {kind}" for name, kind in columns),
                )
            )
        _insert(db, COMPANY_TABLE, [COMPANY_NAME_COLUMN], [[company]])
        customer_rows, customer_addresses, customer_columns = _sage_rows(CUSTOMER, lists.customers)
        vendor_rows, vendor_addresses, vendor_columns = _sage_rows(VENDOR, lists.vendors)
        _insert(db, CUSTOMER.sage_table, customer_columns, customer_rows)
        _insert(db, VENDOR.sage_table, vendor_columns, vendor_rows)
        offset = len(customer_rows) * 10 + 10
        vendor_addresses = [_renumbered(row, offset) for row in vendor_addresses]
        address_columns = [name for name, _ in tables[ADDRESS_TABLE]]
        _insert(db, ADDRESS_TABLE, address_columns, customer_addresses + vendor_addresses)
        item_rows, _, item_columns = _sage_rows(MATERIAL, lists.materials)
        _insert(db, MATERIAL.sage_table, item_columns, item_rows)
        _insert(
            db,
            CHART_TABLE,
            [name for name, _ in tables[CHART_TABLE]],
            [[_ACCOUNT_NUMBERS[a], a, d] for a, d in ACCOUNTS.items()],
        )


def create_sage_company(path: Path, lists: DemoLists, company: str = COMPANY_NAME) -> None:
    """A Sage 50 US–shaped company file."""
    db = open_sqlite(path)
    write_sage_company(db, lists, company)
    db.close()


def write_smsturbo(db: Database, lists: DemoLists) -> None:
    """The SMSTurbo reference schema in ``db``, holding the template records (ZZDEFAULT)
    and the records' SMSTurbo side."""
    store = SMSTurboStore(db, load_mapping())
    create_reference_schema(store, LISTS)
    with store.transaction():
        store.insert(CUSTOMER, DEFAULTS)
        store.insert(MATERIAL, MATERIAL_TEMPLATE)
        for entity, records in lists.by_entity():
            for record in records:
                if record.turbo is not None:
                    store.insert(entity, record.turbo)


def create_smsturbo(path: Path, lists: DemoLists) -> None:
    """An SMSTurbo reference database file."""
    db = open_sqlite(path)
    write_smsturbo(db, lists)
    db.close()


def write_sage_exports(folder: Path, lists: DemoLists, encoding: str = "cp1252") -> None:
    """The Customer List, Vendor List and Inventory Item List CSV exports Sage 50 would
    write for the records (GL accounts as account IDs, item classes as numbers)."""
    for entity, records in lists.by_entity():
        specs = [
            f for f in entity.fields if f.csv and (not f.optional or f.name in PRESENT_OPTIONAL)
        ]
        header = [f.csv for f in specs] + [entity.inactive_csv]
        lines = [header] + [
            [_pad(r.values.get(f.name) or "", r.padded) for f in specs]
            + ["TRUE" if r.inactive else "FALSE"]
            for r in records
            if r.in_sage
        ]
        with (folder / entity.export_file).open("w", encoding=encoding, newline="") as out:
            csv.writer(out).writerows(lines)


SETTINGS_TEMPLATE = """\
# SMSync settings: the headless twin of the workbook's Setup sheet.
# Paths are relative to this file.

# Which lists to show: "not_in_sync" (missing or different) or "missing_only".
view = "not_in_sync"

[sage50]
kind = "sqlite"
path = "sage50_demo.sqlite"

[smsturbo]
kind = "sqlite"
path = "smsturbo_demo.sqlite"

[customers]
# Sage 50 customer types to bring over; empty means every type.
include_types = []
# Fields of existing SMSTurbo customers that Sage 50 may replace.
replace = ["name", "address", "phone", "contact", "email", "credit_limit", "credit_status"]

[vendors]
include_types = []
replace = ["name", "address", "phone", "contact", "email", "credit_status"]

[materials]
# Sage 50 Item Types (shown as Category) to bring over; empty means every type.
include_types = []
# Fields of existing SMSTurbo materials that Sage 50 may replace. Sage 50's description
# holds 30 characters: leave "description" out to keep SMSTurbo's longer ones.
replace = ["price", "gl_accounts", "inactive"]
# The SMSTurbo material new materials start from (none: Sage 50's values only).
template = "ZZDEFAULT"
# Unit for new materials whose Sage 50 Stocking U/M is blank.
default_unit = "YD"

[credit_status]
# SMSTurbo credit status for inactive Sage 50 records.
inactive = "INACTIVE"
# For active records; empty means Sage 50 does not supply one (new records take ZZDEFAULT's).
active = ""
"""


SAGE50_FILE = "sage50_demo.sqlite"
SMSTURBO_FILE = "smsturbo_demo.sqlite"
DEMO_FILES = (SAGE50_FILE, SMSTURBO_FILE, "settings.toml")


def existing_demo_files(folder: Path) -> list[str]:
    """The demo's files already in ``folder``: an edited settings file and databases
    with runs in them, which a new demo would replace."""
    return [name for name in DEMO_FILES if (folder / name).exists()]


def create_demo(folder: Path) -> Path:
    """Create the demo company, SMSTurbo database and settings; return the settings path."""
    folder.mkdir(parents=True, exist_ok=True)
    sage, turbo, settings = (folder / name for name in DEMO_FILES)
    for path in (sage, turbo):
        path.unlink(missing_ok=True)
    create_sage_company(sage, DEMO_LISTS)
    create_smsturbo(turbo, DEMO_LISTS)
    settings.write_text(SETTINGS_TEMPLATE, encoding="utf-8")
    return settings
