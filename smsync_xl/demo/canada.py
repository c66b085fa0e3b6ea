"""The Sage 50 Canadian Edition demo: a company's tables (Sage 50 Canada's own table and
column names, docs/DOMAIN.md §8), its SMSTurbo side, and the counts the demo must show.

The demo stores the tables in SQLite so it runs anywhere; the tests load the same
records into a real MariaDB server and read them through its ODBC driver. The records
carry what real Québec data has: accents and French names, names longer than SMSTurbo's
15 characters, names differing only in letter case or punctuation, postal codes with a
space, inactive rows, prices in several price lists and currencies (only the chosen one
is read).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Protocol

from smsync_xl.connections.db import open_sqlite
from smsync_xl.core.fields import CUSTOMER, MATERIAL, VENDOR, Entity, Record
from smsync_xl.core.settings import HOME_CURRENCY, REGULAR_PRICE_LIST
from smsync_xl.demo.company import DEMO_FILES, SETTINGS_TEMPLATE, write_smsturbo
from smsync_xl.demo.data import DemoLists, DemoRecord
from smsync_xl.sources.sage50_canada import (
    COMPANY_NAME,
    COMPANY_TABLE,
    INACTIVE,
    KEY,
    LISTS,
    PRICE,
    PRICE_CURRENCY,
    PRICE_ITEM,
    PRICE_LIST,
    PRICE_TABLE,
)

CANADA_COMPANY = "Granulats Saint-Laurent Ltée"

_PARTY_TYPES = (
    f"{KEY} INTEGER NOT NULL PRIMARY KEY, sName VARCHAR(52) NOT NULL, sCntcName VARCHAR(30), "
    "sStreet1 VARCHAR(50), sStreet2 VARCHAR(50), sCity VARCHAR(35), sProvState VARCHAR(20), "
    "sCountry VARCHAR(30), sPostalZip VARCHAR(9), sPhone1 VARCHAR(25), sPhone2 VARCHAR(25), "
    f"sFax VARCHAR(25), sEmail VARCHAR(50), dCrLimit DECIMAL(19, 4), {INACTIVE} SMALLINT, "
    "nNetDay SMALLINT, lPrcListId INTEGER, dtASDate DATE"
)
TABLES: dict[str, str] = {
    COMPANY_TABLE: f"{COMPANY_NAME} VARCHAR(52), sProvStat VARCHAR(20), sPostZip VARCHAR(9)",
    LISTS[CUSTOMER.key].table: _PARTY_TYPES,
    LISTS[VENDOR.key].table: _PARTY_TYPES,
    LISTS[MATERIAL.key].table: (
        f"{KEY} INTEGER NOT NULL PRIMARY KEY, sPartCode VARCHAR(52), sName VARCHAR(80), "
        f"sSellUnit VARCHAR(15), sStockUnit VARCHAR(15), bService SMALLINT, {INACTIVE} "
        "SMALLINT, nInvType SMALLINT"
    ),
    PRICE_TABLE: (
        f"{PRICE_ITEM} INTEGER NOT NULL, {PRICE_LIST} INTEGER NOT NULL, "
        f"{PRICE_CURRENCY} INTEGER NOT NULL, {PRICE} DECIMAL(19, 4)"
    ),
}
"""Each table's columns, in SQL both SQLite and MySQL/MariaDB take. Names are never
declared unique: Sage 50 Canada's names may differ only in letter case."""


class Cursor(Protocol):
    """What writing the tables needs of a DB-API cursor (sqlite3's or pyodbc's)."""

    def execute(self, sql: str, /) -> object: ...

    def executemany(self, sql: str, rows: list[tuple[object, ...]], /) -> object: ...


@dataclass(frozen=True)
class CanadaRecord:
    """One demo record: its values in SMSTurbo terms as Sage 50 Canada holds them, and
    what SMSTurbo holds for it (None: nothing)."""

    values: Record
    inactive: bool = False
    in_sage: bool = True
    turbo: Record | None = None


def _party(
    name: str,
    city: str = "Montréal",
    postal: str = "H2X 1Y4",
    *,
    province: str = "QC",
    limit: str = "5000.00",
    street: str = "1250 rue Sainte-Catherine",
    phone: str = "514-555-0100",
) -> Record:
    return {
        "id": name,
        "name": name,
        "address1": street,
        "address2": "",
        "city": city,
        "state": province,
        "zip": postal,
        "country": "Canada",
        "contact": "Marie Côté",
        "phone1": phone,
        "phone2": "",
        "fax": "",
        "email": "comptes@example.ca",
        "credit_limit": limit,
        "terms": "30",
    }


def _in_sync(values: Record, *, inactive: bool = False) -> CanadaRecord:
    """In SMSTurbo as Sage 50 has it; inactive is a credit status for customers and
    vendors, a yes/no for materials."""
    turbo = dict(values)
    if inactive:
        turbo.update({"inactive": "Yes"} if "inactive" in values else {"credit_status": "INACTIVE"})
    return CanadaRecord(values, inactive=inactive, turbo=turbo)


def _differs(values: Record, **turbo: str) -> CanadaRecord:
    return CanadaRecord(values, turbo={**values, **turbo})


def _customers() -> list[CanadaRecord]:
    return [
        _in_sync(_party("BOUCHARD-BETON")),
        _in_sync(_party("SABLIERE-NORD", "Trois-Rivières", "G9A 5H7", phone="819-555-0101")),
        _in_sync(_party("BETON-RIVE-SUD", "Longueuil", "J4K 2T5")),
        _in_sync(_party("CARRIERE-OUEST", "Gatineau", "J8Y 3S6"), inactive=True),
        _differs(_party("GRAVIERS-LAVAL", "Laval", "H7N 5H9"), city="Montreal"),
        _differs(_party("CARRIERE-EST", "Sherbrooke", "J1H 1Z4"), credit_limit="2500.00"),
        CanadaRecord(_party("AGREGATS-QC", "Québec", "G1R 4P5")),
        CanadaRecord(_party("TRANSPORT-3R", "Trois-Rivières", "G8T 2A1")),
        CanadaRecord(_party("ANCIEN-CLIENT", "Lévis", "G6V 6N8"), inactive=True),
        CanadaRecord(_party("Épicerie Tremblay", "Montréal", "H2X 1Y4")),
        CanadaRecord(_party("Société de Transport de Trois-Rivières", "Trois-Rivières")),
        CanadaRecord(_party("Béton Montréal Inc.")),
        CanadaRecord(_party("béton montréal inc")),
        CanadaRecord(_party("GRAVIERS LAVAL", "Laval", "H7N 5H9")),
        CanadaRecord(_party("VIEUX-CLIENT"), in_sage=False, turbo=_party("VIEUX-CLIENT")),
    ]


def _vendors() -> list[CanadaRecord]:
    return [
        _in_sync(_party("HYDRO-QUEBEC", "Montréal", "H2Z 1A4", limit="0.00")),
        _in_sync(_party("PNEUS-LEVIS", "Lévis", "G6V 4Z2")),
        _differs(_party("PETRO-NORD", "Rimouski", "G5L 1A1"), phone1="418-555-0199"),
        CanadaRecord(_party("DIESEL-ESTRIE", "Sherbrooke", "J1H 5N3")),
        CanadaRecord(_party("Garage Côté & Fils", "Québec", "G1K 3A9")),
        CanadaRecord(_party("ANCIEN-FOURN"), in_sage=False, turbo=_party("ANCIEN-FOURN")),
    ]


def _item(part: str, description: str, price: str, unit: str = "TON") -> Record:
    return {"id": part, "description": description, "unit": unit, "price": price, "inactive": "No"}


def _materials() -> list[CanadaRecord]:
    return [
        _in_sync(_item("GRAV-20MM", "Gravier concassé 20 mm", "18.50")),
        _in_sync(_item("SABLE-LAVE", "Sable lavé", "22.00")),
        _in_sync(_item("REMBLAI", "Remblai", "6.00", "YD"), inactive=True),
        _differs(_item("PIERRE-NETTE", "Pierre nette 3/4", "31.00"), price="29.50"),
        _differs(_item("TERRE-NOIRE", "Terre noire tamisée", "40.00", "YD"), unit="TON"),
        CanadaRecord(_item("ASPHALTE-REC", "Asphalte recyclé", "15.25")),
        CanadaRecord(_item("PIERRE 0-3/4", "Pierre 0-3/4 po", "27.00")),
        CanadaRecord(_item("SABLE-DE-REMBLAI-CLASSE-A", "Sable de remblai classe A", "12.00")),
        CanadaRecord(
            _item("PAVE-UNI", "Pavé uni", "1.00"),
            in_sage=False,
            turbo=_item("PAVE-UNI", "Pavé uni", "1.00"),
        ),
    ]


CANADA_CUSTOMERS = _customers()
CANADA_VENDORS = _vendors()
CANADA_MATERIALS = _materials()
CANADA_RECORDS: dict[str, list[CanadaRecord]] = {
    CUSTOMER.key: CANADA_CUSTOMERS,
    VENDOR.key: CANADA_VENDORS,
    MATERIAL.key: CANADA_MATERIALS,
}

CANADA_EXPECTED = {
    "customers": {"NEW": 8, "DIFFERENT": 2, "IN SYNC": 4, "INVALID": 0, "smsturbo_only": 1},
    "vendors": {"NEW": 2, "DIFFERENT": 1, "IN SYNC": 2, "INVALID": 0, "smsturbo_only": 1},
    "materials": {"NEW": 3, "DIFFERENT": 2, "IN SYNC": 3, "INVALID": 0, "smsturbo_only": 1},
}
"""What the Canada demo must show before synchronizing."""

OTHER_PRICES = ((REGULAR_PRICE_LIST + 1, HOME_CURRENCY), (REGULAR_PRICE_LIST, HOME_CURRENCY + 1))
"""Price lists and currencies the demo also prices every item in (never read by default)."""


def _number(value: str | None) -> Decimal | None:
    return Decimal(value) if value else None


def _row(entity: Entity, number: int, record: CanadaRecord) -> tuple[object, ...]:
    """A record as its Sage 50 Canada table row: ``lId``, inactive flag, then the
    columns of ``LISTS`` (numbers as numbers)."""
    values: list[object] = [number, 1 if record.inactive else 0]
    for name in LISTS[entity.key].columns:
        raw = record.values.get(name)
        numeric = entity.turbo_fields[name].kind.numeric
        values.append(_number(raw) if numeric else raw)
    return tuple(values)


def write_canada_company(
    cursor: Cursor, records: dict[str, list[CanadaRecord]] = CANADA_RECORDS
) -> None:
    """Create the tables and write the records; items priced in the regular list and
    home currency (what is read by default) and in ``OTHER_PRICES`` (1 and 2 dollars
    more, so reading the wrong one shows)."""
    for table, columns in TABLES.items():
        cursor.execute(f"CREATE TABLE {table} ({columns})")
    cursor.executemany(
        f"INSERT INTO {COMPANY_TABLE} VALUES (?, ?, ?)", [(CANADA_COMPANY, "QC", "H2X 1Y4")]
    )
    prices: list[tuple[object, ...]] = []
    for key, spec in LISTS.items():
        entity = next(e for e in (CUSTOMER, VENDOR, MATERIAL) if e.key == key)
        in_sage = [r for r in records[key] if r.in_sage]
        rows = [_row(entity, n, r) for n, r in enumerate(in_sage, start=1)]
        columns = ", ".join([KEY, INACTIVE, *spec.columns.values()])
        marks = ", ".join("?" * (2 + len(spec.columns)))
        cursor.executemany(f"INSERT INTO {spec.table} ({columns}) VALUES ({marks})", rows)
        if entity is MATERIAL:
            for n, record in enumerate(in_sage, start=1):
                price = Decimal(record.values["price"] or "0")
                prices.append((n, REGULAR_PRICE_LIST, HOME_CURRENCY, price))
                prices += [(n, pl, cur, price + i) for i, (pl, cur) in enumerate(OTHER_PRICES, 1)]
    cursor.executemany(f"INSERT INTO {PRICE_TABLE} VALUES (?, ?, ?, ?)", prices)


def _demo_records(records: Iterable[CanadaRecord]) -> list[DemoRecord]:
    """The records' SMSTurbo side, as the demo's SMSTurbo writer takes it."""
    return [DemoRecord(r.values, in_sage=r.in_sage, turbo=r.turbo) for r in records]


CANADA_SETTINGS = SETTINGS_TEMPLATE.replace(
    '[sage50]\nkind = "sqlite"\n', '[sage50]\nedition = "canada"\nkind = "sqlite"\n', 1
)


def create_canada_demo(folder: Path) -> Path:
    """The Canada demo company (SQLite), SMSTurbo database and settings; the settings
    path."""
    folder.mkdir(parents=True, exist_ok=True)
    sage, turbo, settings = (folder / name for name in DEMO_FILES)
    for path in (sage, turbo):
        path.unlink(missing_ok=True)
    db = open_sqlite(sage)
    with db.connection:
        write_canada_company(db.connection.cursor())
    db.close()
    db = open_sqlite(turbo)
    write_smsturbo(
        db,
        DemoLists(
            customers=_demo_records(CANADA_CUSTOMERS),
            vendors=_demo_records(CANADA_VENDORS),
            materials=_demo_records(CANADA_MATERIALS),
        ),
    )
    db.close()
    settings.write_text(CANADA_SETTINGS, encoding="utf-8")
    return settings
