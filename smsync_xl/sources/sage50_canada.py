"""Sage 50 Canadian Edition as a source: the company's MySQL database (``simply``), read.

Sage 50 Canada keeps each company in an embedded MySQL database that runs while Sage 50
has the company open; a Sage 50 user with third-party "Read data" access may read it
over ODBC (docs/DOMAIN.md §8). The connection is a read-only session and this reader
only SELECTs. Table and column names are the ones public code reading real companies
uses; their letter case differs between installs, so both are found in the catalogue
and a missing one is named. The same SQL reads the demo's SQLite copy of those tables.

Canada has no customer or vendor code: a customer is known by its name. The name
stands as the SMSTurbo ID (an ID the SMSTurbo rule refuses makes the row INVALID with
the reason), and the record keeps ``lId``, Sage 50's own key, as ``source_key``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from smsync_xl.connections.db import Database
from smsync_xl.connections.odbc_errors import (
    ARCHITECTURE,
    AUTHORIZATION,
    NO_COLUMN,
    NO_TABLE,
    NOT_FOUND,
    UNREACHABLE,
    Side,
)
from smsync_xl.connections.passwords import ENV
from smsync_xl.core.errors import (
    ArchitectureError,
    AuthorizationError,
    DriverNotFoundError,
    EngineNotRunningError,
    SageConnectionError,
    SettingsError,
    SourceFormatError,
)
from smsync_xl.core.fields import (
    CUSTOMER,
    MATERIAL,
    VENDOR,
    Entity,
    Record,
    SageRecord,
    flag_problem,
    sage_flag,
    text,
)
from smsync_xl.core.ids import valid_id
from smsync_xl.core.settings import Settings, StatusRule
from smsync_xl.core.suggested_ids import no_own_id
from smsync_xl.core.vocabulary import Edition

WORDS = Edition.CANADA.words
COMPANY_TABLE, COMPANY_NAME = "tCompany", "sCompName"
PRICE_TABLE = "tInvPrc"
PRICE_ITEM, PRICE_LIST, PRICE_CURRENCY, PRICE = "lInventId", "lPrcListId", "lCurrncyId", "dPrice"
KEY, INACTIVE = "lId", "bInactive"
"""Every list's own key and inactive flag."""
_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class CanadaList:
    """One Sage 50 Canada table and the column each SMSTurbo field comes from;
    ``optional`` columns may be absent (their field is then not supplied)."""

    table: str
    columns: dict[str, str]
    optional: frozenset[str] = frozenset()


_PARTY_COLUMNS = {
    "name": "sName",
    "address1": "sStreet1",
    "address2": "sStreet2",
    "city": "sCity",
    "state": "sProvState",
    "zip": "sPostalZip",
    "country": "sCountry",
    "contact": "sCntcName",
    "phone1": "sPhone1",
    "phone2": "sPhone2",
    "fax": "sFax",
    "email": "sEmail",
    "credit_limit": "dCrLimit",
    "terms": "nNetDay",
}
"""Province and postal code go into SMSTurbo's state and ZIP fields."""

LISTS: dict[str, CanadaList] = {
    CUSTOMER.key: CanadaList("tCustomr", _PARTY_COLUMNS),
    VENDOR.key: CanadaList("tVendor", _PARTY_COLUMNS),
    MATERIAL.key: CanadaList(
        "tInvent",
        {"id": "sPartCode", "description": "sName", "unit": "sSellUnit"},
        optional=frozenset({"sSellUnit"}),
    ),
}

_ACCESS = (
    "In Sage 50 sign in as sysadmin, open Setup > Set Up Users, choose this user and give "
    "it Read data access for third-party products (a new company gives third-party "
    "products no access). Then try again."
)
SIDE = Side(
    key="sage50",
    label="Sage 50 Canadian Edition",
    errors={
        "": SageConnectionError,
        AUTHORIZATION: AuthorizationError,
        NOT_FOUND: DriverNotFoundError,
        ARCHITECTURE: ArchitectureError,
        UNREACHABLE: EngineNotRunningError,
        NO_TABLE: SourceFormatError,
        NO_COLUMN: SourceFormatError,
    },
    login_advice=(
        "Use the name and password of a Sage 50 user (Setup > Set Up Users in Sage 50; the "
        "user needs third-party Read data access). Put the user in Setup (ODBC user) and "
        "give the password to SMSync with 'smsync-xl password set sage50' or the "
        f"environment variable {ENV['sage50']}."
    ),
    engine_advice=(
        "Start Sage 50 and open the company on the computer that holds it: the company's "
        "database runs only while Sage 50 (its Connection Manager) has it open. Check the "
        "server and port in Setup or in the DSN (the port is shown in Sage 50's Connection "
        "Manager) and that a firewall lets the connection through."
    ),
    schema_advice=(
        "Check that the DSN or Database setting names the company's database (simply), "
        "with the tables tCompany, tCustomr, tVendor, tInvent and tInvPrc."
    ),
    access_advice=_ACCESS,
)


def _plain(name: str) -> str:
    """A catalogue name written into SQL as it is (no quotes: MySQL without ANSI_QUOTES
    and SQLite read a plain name alike); anything but a plain name is refused."""
    if not _PLAIN.fullmatch(name):
        raise ValueError(f"{name!r} is not a plain table or column name")
    return name


def _missing_column(table: str, columns: list[str], where: str) -> SourceFormatError:
    return SourceFormatError(
        f"table {table} has no column {', '.join(columns)}",
        where=where,
        advice="SMSync reads the column names Sage 50 Canadian Edition uses (README: Sage 50 "
        "Canadian Edition); check that the connection names the company's database "
        "(simply), and tell your SMSync contact which Sage 50 version this is.",
    )


class Sage50CanadaSource:
    """Reads customers, vendors and inventory items, and the company name, from a Sage 50
    Canadian Edition company (over ODBC, or the demo's SQLite copy)."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.status_rule: Callable[[Entity], StatusRule] = settings.status_rule
        self.price_list = settings.price_list
        self.currency = settings.currency
        self.price_list_origin = settings.price_list_origin
        self.currency_origin = settings.currency_origin
        self._tables: dict[str, str] | None = None

    def location(self) -> str:
        return self.db.label

    def _table(self, name: str) -> str | None:
        """The table's name as the database spells it, or None when it has none."""
        if self._tables is None:
            self._tables = {t.lower(): t for t in self._table_names()}
        return self._tables.get(name.lower())

    def _table_names(self) -> list[str]:
        if self.db.is_sqlite:
            rows = self.db.query("SELECT name FROM sqlite_master WHERE type = 'table'")
            return [str(row[0]) for row in rows]
        cursor = self.db.connection.cursor()
        try:
            with self.db.translating():
                return [str(row.table_name) for row in cursor.tables()]
        finally:
            cursor.close()

    def _found_table(self, name: str) -> str:
        found = self._table(name)
        if found is None:
            raise SourceFormatError(
                f"the Sage 50 company has no table {name}",
                where=self.db.label,
                advice=SIDE.schema_advice,
            )
        return found

    def _columns(self, table: str, wanted: list[str], optional: frozenset[str]) -> dict[str, str]:
        """Wanted column → its spelling in the catalogue; a missing required one named."""
        actual = {c.lower(): c for c in self.db.columns(table)}
        missing = [c for c in wanted if c.lower() not in actual and c not in optional]
        if missing:
            raise _missing_column(table, missing, self.db.label)
        return {c: actual[c.lower()] for c in wanted if c.lower() in actual}

    def company_name(self) -> str:
        table = self._found_table(COMPANY_TABLE)
        column = self._columns(table, [COMPANY_NAME], frozenset())[COMPANY_NAME]
        rows = self.db.query(f"SELECT {_plain(column)} FROM {_plain(table)}")
        if not rows:
            raise SourceFormatError(
                f"the Sage 50 company has no row in its {COMPANY_TABLE} table",
                where=self.db.label,
            )
        return text(rows[0][0]) or ""

    def missing_list(self, entity: Entity) -> str | None:
        name = LISTS[entity.key].table
        if self._table(name) is not None:
            return None
        return f"the Sage 50 company has no {name} table ({self.db.label})"

    def read(self, entity: Entity) -> list[SageRecord]:
        """Every record of ``entity``: its fields, its inactive flag and its ``lId``."""
        spec = LISTS[entity.key]
        table = self._found_table(spec.table)
        fields = list(spec.columns)
        wanted = [KEY, INACTIVE, *spec.columns.values()]
        present = self._columns(table, wanted, spec.optional)
        read_fields = [f for f in fields if spec.columns[f] in present]
        sql = "SELECT {} FROM {}".format(
            ", ".join(_plain(present[c]) for c in wanted if c in present), _plain(table)
        )
        prices = self._prices() if entity is MATERIAL else None
        rule = self.status_rule(entity)
        return [self._record(entity, read_fields, row, prices, rule) for row in self.db.stream(sql)]

    def _record(
        self,
        entity: Entity,
        fields: list[str],
        row: tuple[object, ...],
        prices: dict[str, object] | None,
        rule: StatusRule,
    ) -> SageRecord:
        key, inactive, *values = row
        record: Record = dict.fromkeys(entity.turbo_fields)
        if entity is not MATERIAL:
            record["id"] = text(values[fields.index("name")])
        for name, raw in zip(fields, values, strict=True):
            record[name] = entity.turbo_fields[name].kind.from_sage(raw)
        source_key = text(key) or ""
        if prices is not None:
            record["price"] = entity.turbo_fields["price"].kind.from_sage(prices.get(source_key))
        problems = []
        flagged = sage_flag(inactive)
        if flagged is None:
            problems.append(flag_problem(INACTIVE, inactive))
        record[entity.status_field] = rule.status(bool(flagged), record.get(entity.status_field))
        identity = record["id"] or ""
        if entity is not MATERIAL and identity and not valid_id(identity):
            problems.append(
                f"{no_own_id(WORDS.product, entity)}: the "
                f"{entity.label.lower()} name stands as the SMSTurbo ID and cannot be one as "
                f"it is (Sage 50 record {key})"
            )
        return SageRecord(identity, bool(flagged), record, tuple(problems), source_key)

    def _prices(self) -> dict[str, object]:
        """Item ``lId`` → its price in the chosen price list and currency."""
        table = self._found_table(PRICE_TABLE)
        wanted = [PRICE_ITEM, PRICE, PRICE_LIST, PRICE_CURRENCY]
        present = self._columns(table, wanted, frozenset())
        item, price, price_list, currency = (_plain(present[c]) for c in wanted)
        sql = (
            f"SELECT {item}, {price} FROM {_plain(table)} WHERE {price_list} = ? AND {currency} = ?"
        )
        rows = self.db.query(sql, [self.price_list, self.currency])
        if not rows:
            self._check_price_choice(table, price_list, currency)
        return {text(number) or "": value for number, value in rows}

    def _check_price_choice(self, table: str, price_list: str, currency: str) -> None:
        """Refuse a price list or currency no item has a price in (every item would read
        as unpriced); a company that prices no item at all is left alone."""
        pairs = {
            (text(number_list), text(number_currency))
            for number_list, number_currency in self.db.query(
                f"SELECT DISTINCT {price_list}, {currency} FROM {_plain(table)}"
            )
        }
        if not pairs:
            return
        lists = sorted({pair[0] or "" for pair in pairs}, key=_by_number)
        currencies = sorted({pair[1] or "" for pair in pairs}, key=_by_number)
        if str(self.price_list) not in lists:
            wrong, origin, shown = "price list", self.price_list_origin, self.price_list
            exist = f"the price lists it has are {', '.join(lists)}"
        elif str(self.currency) not in currencies:
            wrong, origin, shown = "currency", self.currency_origin, self.currency
            exist = f"the currencies it has are {', '.join(currencies)}"
        else:
            wrong, origin, shown = "price list", self.price_list_origin, self.price_list
            exist = f"price list {self.price_list} has prices in currency " + ", ".join(
                sorted((c or "" for p, c in pairs if p == str(self.price_list)), key=_by_number)
            )
            exist += f", not in currency {self.currency}"
        raise SettingsError(
            f"the Sage 50 company has no price in {wrong} {shown} ({PRICE_TABLE}): every "
            f"inventory item would be read without a price; {exist}",
            where=f"{origin} ({self.db.label})",
            advice=f"Enter in that setting a {wrong} number Sage 50 prices items in, or leave it "
            "blank for the regular price list (1) and home currency (1).",
        )


def _by_number(value: str) -> tuple[int, str]:
    """Sage 50 record numbers in numeric order."""
    return (int(value) if value.isdigit() else 0, value)
