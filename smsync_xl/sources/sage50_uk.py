"""Sage 50 UK (Sage 50 Accounts, "Sage Line 50") as a source: SELECTs only.

Sage 50 UK is read through its own ODBC driver (``Sage Line 50 v<NN>``, System DSN
``SageLine50v<NN>``) with ``DIR=`` the company's ACCDATA folder and a Sage 50 user
(``connections.odbc``); the demo company is the same tables in an SQLite file. Table
and column names are those of the driver's schema as the integrator Zynk publishes it
(github.com/zynksoftware/Zynk-Workflow, ``_docs/Sage-50-UK-Connector/Schema/``
``Sage-50-UK-SALES_LEDGER-Columns.md``, ``-PURCHASE_LEDGER-``, ``-STOCK-``,
``-COMPANY-``): customers are ``SALES_LEDGER``, suppliers ``PURCHASE_LEDGER``,
products ``STOCK``, the company's name ``COMPANY.NAME``. Columns are discovered at run
time; only an entity's key, name and ``INACTIVE_FLAG`` are required. docs/DOMAIN.md §7.

A flag arrives as 0/1 or as 'N'/'Y' depending on the install: anything else makes the
row INVALID naming the column and the value. Rows whose ``RECORD_DELETED`` says yes
are deleted in Sage 50 and not read.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass

from smsync_xl.connections.db import Database, quote_identifier
from smsync_xl.core.errors import SourceFormatError
from smsync_xl.core.fields import (
    CUSTOMER,
    MATERIAL,
    PADDING,
    VENDOR,
    Entity,
    Record,
    SageRecord,
    text,
)
from smsync_xl.core.settings import Connection, StatusRule
from smsync_xl.core.uk_layout import UNUSED_LINE, UkLayout

COMPANY_TABLE = "COMPANY"
COMPANY_NAME_COLUMN = "NAME"
INACTIVE = "INACTIVE_FLAG"
DELETED = "RECORD_DELETED"
ON_HOLD = "ACCOUNT_ON_HOLD"
STATUS_TEXT = "STATUS_TEXT"
STATUS_NUMBER = "STATUS_NUMBER"
ADDRESS_COLUMNS = tuple(f"ADDRESS_{n}" for n in range(1, 6))
ON_HOLD_CODE = "ON HOLD"
"""The credit-status map's entry for an account on hold whose own status has none."""

LEDGER_COLUMNS = {
    "id": "ACCOUNT_REF",
    "name": "NAME",
    "country": "COUNTRY_CODE",
    "contact": "CONTACT_NAME",
    "phone1": "TELEPHONE",
    "phone2": "TELEPHONE_2",
    "fax": "FAX",
    "email": "E_MAIL",
    "credit_limit": "CREDIT_LIMIT",
    "terms": "PAYMENT_DUE_DAYS",
}
"""SMSTurbo field → SALES_LEDGER / PURCHASE_LEDGER column (the same in both)."""
STOCK_COLUMNS = {
    "id": "STOCK_CODE",
    "description": "DESCRIPTION",
    "unit": "UNIT_OF_SALE",
    "price": "SALES_PRICE",
    "sales_gl": "NOMINAL_CODE",
    "expense_gl": "PURCHASE_NOMINAL_CODE",
}
"""SMSTurbo field → STOCK column (the category is a setting: ``UkLayout``)."""

UK_TABLES = {
    CUSTOMER.key: "SALES_LEDGER",
    VENDOR.key: "PURCHASE_LEDGER",
    MATERIAL.key: "STOCK",
}
_FLAGS = {"0": False, "N": False, "1": True, "Y": True}
"""A Sage 50 UK flag as its driver gives one: 0/1, or 'N'/'Y' on some installs."""

UK_POSTCODE = re.compile(
    r"(GIR ?0AA|[A-Z]{1,2}[0-9][0-9A-Z]? ?[0-9][ABD-HJLNP-UW-Z]{2})", re.IGNORECASE
)
"""A UK postcode (outward code, optional space, inward code), e.g. NE1 4GF, SW1A 1AA."""


def uk_odbc_connection(conn: Connection) -> tuple[Connection, tuple[tuple[str, str], ...]]:
    """Sage 50 UK's driver takes the company's data folder as ``DIR=`` (Setup's Database
    holds it: ``C:\\ProgramData\\Sage\\Accounts\\2024\\Company.000\\ACCDATA``), beside a
    DSN (``SageLine50v29``) or the driver (``Sage Line 50 v29``)."""
    if not conn.database:
        return conn, ()
    return dataclasses.replace(conn, database=""), (("DIR", conn.database),)


def uk_flag(raw: object) -> bool | None:
    """Yes/no from 0/1 or 'N'/'Y' (NULL is no); None for anything else."""
    if raw is None or isinstance(raw, bool):
        return bool(raw)
    if isinstance(raw, int | str):
        return _FLAGS.get(str(raw).strip(PADDING))
    if isinstance(raw, float) and raw in (0.0, 1.0):
        return bool(raw)
    return None


def uk_flag_problem(table: str, column: str, raw: object) -> str:
    return (
        f"{table}.{column} is {raw!r}, which is no Sage 50 UK yes/no (0 or 1, N or Y); "
        "SMSync does not guess: correct the record in Sage 50"
    )


def field_columns(entity: Entity, layout: UkLayout) -> dict[str, str]:
    """SMSTurbo field → Sage 50 UK column, for the fields ``entity`` takes from Sage 50,
    address lines and the type or category as ``layout`` says."""
    if entity.key == MATERIAL.key:
        columns = {**STOCK_COLUMNS, "category": layout.stock_category}
    else:
        type_column = layout.customer_type if entity is CUSTOMER else layout.vendor_type
        columns = {**LEDGER_COLUMNS, "type": type_column}
        columns.update(dict(zip(layout.address_lines, ADDRESS_COLUMNS, strict=True)))
        columns.pop(UNUSED_LINE, None)
    taken = {f.name for f in entity.fields}
    return {field: column for field, column in columns.items() if field in taken}


@dataclass(frozen=True)
class AddressReading:
    """An address's values by SMSTurbo field, with how the postcode was found."""

    values: dict[str, str]
    note: str | None = None
    problem: str | None = None


def read_address(
    lines: dict[str, str], layout: UkLayout, place: Callable[[str], str]
) -> AddressReading:
    """The address lines as SMSTurbo fields. A postcode line left blank while the line
    above holds a UK postcode is a postcode shifted up: it is taken from there and the
    record says so. A postcode above a line that holds something too is ambiguous: no
    value is chosen, the row is INVALID. ``place`` names a line where the reader found
    it (a table's column, a file's position)."""
    pairs = zip(layout.address_lines, ADDRESS_COLUMNS, strict=True)
    by_field = {f: lines.get(column, "") for f, column in pairs}
    by_field.pop(UNUSED_LINE, None)
    if "zip" not in layout.address_lines or layout.address_lines.index("zip") == 0:
        return AddressReading(by_field)
    at = layout.address_lines.index("zip")
    above_field, above_column = layout.address_lines[at - 1], ADDRESS_COLUMNS[at - 1]
    own_column = ADDRESS_COLUMNS[at]
    above, own = lines.get(above_column, ""), lines.get(own_column, "")
    if above_field == UNUSED_LINE or not UK_POSTCODE.fullmatch(above.strip(PADDING)):
        return AddressReading(by_field)
    if own.strip(PADDING):
        return AddressReading(
            by_field,
            problem=(
                f"{place(above_column)} {above!r} looks like a postcode but the postcode "
                f"line {place(own_column)} holds {own!r}; SMSync does not guess which is the "
                f"postcode: correct the address in Sage 50"
            ),
        )
    by_field.update({"zip": above, above_field: ""})
    return AddressReading(
        by_field,
        note=(
            f"postcode {above!r} read from {place(above_column)}: {place(own_column)}, the "
            "postcode line, is blank"
        ),
    )


def credit_status(
    rule: StatusRule, inactive: bool, on_hold: bool, code: str, on_hold_column: str
) -> tuple[str | None, str | None]:
    """The SMSTurbo credit status (or None: not supplied) and why none can be given.
    Inactive wins; then the account status's own map entry; an account on hold whose
    status has none takes the map's ``On Hold`` entry, and without one the row is
    INVALID rather than brought over as if it were not on hold."""
    if inactive:
        return rule.inactive, None
    mapped = rule.by_code.get(code.strip().upper()) if code.strip() else None
    if mapped:
        return mapped, None
    if not on_hold:
        return rule.active or None, None
    mapped = rule.by_code.get(ON_HOLD_CODE)
    if mapped:
        return mapped, None
    shown = f"status {code.strip()!r} " if code.strip() else ""
    return None, (
        f"the account is on hold in Sage 50 ({on_hold_column}) but its {shown}has no "
        "SMSTurbo credit status in Setup's credit-status map; add e.g. 'On Hold = HOLD' "
        "to the map (credit_status.map), then Refresh"
    )


@dataclass(frozen=True)
class _Plan:
    """What ``read`` selects from an entity's table and where each column sits."""

    table: str
    sql: str
    columns: list[str]
    fields: dict[str, str]


class Sage50UkSource:
    """Reads customers (sales ledger), suppliers (purchase ledger) and products (stock)
    from a Sage 50 UK company."""

    def __init__(
        self, db: Database, status_rule: Callable[[Entity], StatusRule], layout: UkLayout
    ) -> None:
        self.db = db
        self.status_rule = status_rule
        self.layout = layout

    def location(self) -> str:
        return self.db.label

    def company_name(self) -> str:
        present = self._present(COMPANY_TABLE, [COMPANY_NAME_COLUMN], {COMPANY_NAME_COLUMN})
        rows = self.db.query(
            f"SELECT {quote_identifier(present[COMPANY_NAME_COLUMN])} "
            f"FROM {quote_identifier(COMPANY_TABLE)}"
        )
        if not rows:
            raise SourceFormatError(
                "the Sage 50 UK company has no row in its COMPANY table", where=self.db.label
            )
        return text(rows[0][0]) or ""

    def missing_list(self, entity: Entity) -> str | None:
        table = UK_TABLES[entity.key]
        if self.db.has_table(table):
            return None
        return f"the Sage 50 UK company has no {table} table ({self.db.label})"

    def _present(self, table: str, wanted: list[str], required: set[str]) -> dict[str, str]:
        """Wanted column → the name the driver reports (letter case ignored)."""
        actual = {name.upper(): name for name in self.db.columns(table)}
        missing = sorted(c for c in required if c.upper() not in actual)
        if missing:
            raise SourceFormatError(
                f"table {table} has no column {', '.join(missing)}",
                where=self.db.label,
                advice="Is this a Sage 50 UK company? Check that DIR= names the company's "
                "ACCDATA folder (Sage 50: Help > About > Data Directory), or the [uk] "
                "settings if the column is the type or category one.",
            )
        return {c: actual[c.upper()] for c in wanted if c.upper() in actual}

    def _plan(self, entity: Entity) -> _Plan:
        table = UK_TABLES[entity.key]
        fields = field_columns(entity, self.layout)
        status = [] if entity is MATERIAL else [ON_HOLD, STATUS_TEXT, STATUS_NUMBER]
        wanted = list(dict.fromkeys([INACTIVE, DELETED, *status, *fields.values()]))
        required = {INACTIVE, fields["id"], fields[entity.title_field]}
        chosen = {fields[entity.type_field]} if entity.type_field in fields else set()
        present = self._present(table, wanted, required | chosen)
        columns = [c for c in wanted if c in present]
        sql = "SELECT {} FROM {}".format(
            ", ".join(quote_identifier(present[c]) for c in columns), quote_identifier(table)
        )
        kept = {f: c for f, c in fields.items() if c in present}
        return _Plan(table, sql, columns, kept)

    def read(self, entity: Entity) -> list[SageRecord]:
        """Every record of ``entity`` not deleted in Sage 50."""
        plan = self._plan(entity)
        rule = self.status_rule(entity)
        records = []
        for row in self.db.stream(plan.sql):
            by_column = dict(zip(plan.columns, row, strict=True))
            deleted = uk_flag(by_column.get(DELETED))
            if deleted:
                continue
            records.append(self._record(entity, plan, by_column, rule, deleted is None))
        return records

    def _record(
        self,
        entity: Entity,
        plan: _Plan,
        row: dict[str, object],
        rule: StatusRule,
        deleted_unknown: bool,
    ) -> SageRecord:
        """One row as a record, with what could not be read and how the postcode was."""
        problems: list[str] = []
        if deleted_unknown:
            problems.append(uk_flag_problem(plan.table, DELETED, row.get(DELETED)))
        record: Record = dict.fromkeys(entity.turbo_fields)
        for field, column in plan.fields.items():
            record[field] = entity.turbo_fields[field].kind.from_sage(row[column])
        notes = () if entity is MATERIAL else self._address(plan, row, record, problems)
        inactive = self._flag(plan.table, INACTIVE, row, problems)
        if entity is MATERIAL:
            record[entity.status_field] = rule.status(inactive, None)
        else:
            record[entity.status_field] = self._credit_status(plan, row, rule, inactive, problems)
        return SageRecord(record["id"] or "", inactive, record, tuple(problems), notes=notes)

    def _address(
        self, plan: _Plan, row: dict[str, object], record: Record, problems: list[str]
    ) -> tuple[str, ...]:
        """The address lines into ``record`` by the layout; the note on how, if any."""
        lines = {c: text(row[c]) or "" for c in ADDRESS_COLUMNS if c in row}
        address = read_address(lines, self.layout, lambda c: f"{plan.table}.{c}")
        record.update({f: v for f, v in address.values.items() if f in plan.fields})
        problems += [address.problem] if address.problem else []
        return (address.note,) if address.note else ()

    def _credit_status(
        self,
        plan: _Plan,
        row: dict[str, object],
        rule: StatusRule,
        inactive: bool,
        problems: list[str],
    ) -> str | None:
        on_hold = self._flag(plan.table, ON_HOLD, row, problems)
        code = text(row.get(STATUS_TEXT)) or text(row.get(STATUS_NUMBER)) or ""
        status, problem = credit_status(rule, inactive, on_hold, code, f"{plan.table}.{ON_HOLD}")
        problems += [problem] if problem else []
        return status

    @staticmethod
    def _flag(table: str, column: str, row: dict[str, object], problems: list[str]) -> bool:
        flagged = uk_flag(row.get(column))
        if flagged is None:
            problems.append(uk_flag_problem(table, column, row.get(column)))
        return bool(flagged)
