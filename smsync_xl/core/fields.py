"""The field registry: one declaration per entity that every layer reads.

SMSTurbo customers and vendors share one structure (``TURBO_FIELDS``): each field's
label, its kind (how it is normalised, stored in SQL and shown in Excel), its size in
SMSTurbo and its Replace Options group. Each entity then says, one line per field,
where Sage 50 keeps that value (ODBC column and its size, or the ``Address`` table) and
which header the Sage 50 list export gives it (docs/DOMAIN.md §3, §4).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

Value = str | None
Record = dict[str, Value]
"""A record's values keyed by SMSTurbo field name; None means 'no value supplied'."""


def text(raw: object) -> Value:
    """Trim padding only (Pervasive pads CHAR columns); keep everything else exact. The
    one text normaliser: sources, the store and the sheets' cells all read through it."""
    if raw is None:
        return None
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    return str(raw).strip()


def money(raw: object) -> Value:
    """Two decimals as text, so 1500, 1500.0 and '1,500.00' compare equal; blank is None."""
    if raw is None:
        return None
    cleaned = str(raw).strip().replace(",", "").replace("$", "")
    if cleaned == "":
        return None
    try:
        return str(Decimal(cleaned).quantize(Decimal("0.01")))
    except InvalidOperation:
        return str(raw).strip()


def whole_number(raw: object) -> Value:
    """Whole numbers such as due days; '30', 30 and 30.0 are the same value."""
    value = money(raw)
    if value is None or not value.endswith(".00"):
        return value
    return value[:-3]


def is_number(value: str) -> bool:
    try:
        Decimal(value)
    except InvalidOperation:
        return False
    return True


def truthy(raw: object) -> bool:
    """Sage 50 flags: 1/0 over ODBC, TRUE/FALSE in its CSV exports."""
    return str(raw).strip().upper() in {"1", "TRUE", "T", "Y", "YES", "-1"}


@dataclass(frozen=True)
class Kind:
    """What sort of value a field holds, and so how every layer treats it."""

    name: str
    normalise: Callable[[object], Value]
    excel_format: str
    """Number format of the field's sheet column: Text ('@') keeps every text as typed,
    so an ID like 00123, a ZIP like 02134 or a name like =SUM(…) stays text in Excel."""
    numeric: bool = False

    def sql_type(self, length: int, *, padded: bool = False) -> str:
        """The column type in SMSTurbo's reference schema and, ``padded`` as Pervasive
        stores text, in the demo's Sage 50 tables."""
        if self is MONEY:
            return "NUMERIC(12, 2)"
        if self is WHOLE_NUMBER:
            return "INTEGER"
        return f"{'CHAR' if padded else 'VARCHAR'}({length})"

    def to_db(self, value: object) -> object:
        """A parameter for the database: amounts as Decimal, whole numbers as int, and
        blank numbers as NULL."""
        if not self.numeric or value is None:
            return value
        if value == "":
            return None
        number = Decimal(str(value))
        return int(number) if self is WHOLE_NUMBER else number

    def to_cell(self, value: Value) -> object:
        """A cell value: numbers go to Excel as numbers (so they sort), unless they are
        not numbers (an INVALID row shows what Sage 50 holds); text stays text."""
        if value is None or value == "":
            return None
        if not self.numeric or not is_number(value):
            return value
        number = Decimal(value)
        return (
            int(number)
            if self is WHOLE_NUMBER and number == number.to_integral()
            else float(number)
        )

    def from_sage(self, raw: object) -> Value:
        """A value from a Sage 50 column that exists: NULL text is blank text, as Sage 50
        shows it; a NULL amount stays None ('not supplied': new records take
        ZZDEFAULT's)."""
        value = self.normalise(raw)
        return "" if value is None and not self.numeric else value


TEXT = Kind("text", text, "@")
MONEY = Kind("money", money, "#,##0.00", numeric=True)
WHOLE_NUMBER = Kind("whole number", whole_number, "0", numeric=True)


@dataclass(frozen=True)
class Group:
    """A Replace Option: fields of an existing SMSTurbo record replaced together."""

    key: str
    label: str


GROUPS: dict[str, Group] = {
    g.key: g
    for g in (
        Group("name", "Name"),
        Group("address", "Address lines (lines, city, state, ZIP, country)"),
        Group("phone", "Phone numbers (phones, fax)"),
        Group("contact", "Contact"),
        Group("email", "E-mail"),
        Group("credit_limit", "Credit limit"),
        Group("credit_status", "Credit status"),
        Group("type", "Type"),
        Group("terms", "Terms"),
    )
}


@dataclass(frozen=True)
class TurboField:
    """One field of an SMSTurbo customer/vendor record."""

    name: str
    label: str
    max_length: int
    group: str | None
    kind: Kind = TEXT


TURBO_FIELDS: dict[str, TurboField] = {
    f.name: f
    for f in (
        TurboField("id", "ID", 15, None),
        TurboField("name", "Name", 500, "name"),
        TurboField("address1", "Address line 1", 60, "address"),
        TurboField("address2", "Address line 2", 60, "address"),
        TurboField("city", "City", 40, "address"),
        TurboField("state", "State", 20, "address"),
        TurboField("zip", "ZIP", 20, "address"),
        TurboField("country", "Country", 40, "address"),
        TurboField("contact", "Contact", 60, "contact"),
        TurboField("phone1", "Phone 1", 30, "phone"),
        TurboField("phone2", "Phone 2", 30, "phone"),
        TurboField("fax", "Fax", 30, "phone"),
        TurboField("email", "E-mail", 100, "email"),
        TurboField("type", "Type", 20, "type"),
        TurboField("credit_status", "Credit Status", 20, "credit_status"),
        TurboField("credit_limit", "Credit Limit", 20, "credit_limit", MONEY),
        TurboField("terms", "Terms (due days)", 20, "terms", WHOLE_NUMBER),
        TurboField("tax_exempt", "Tax Exempt", 1, None),
        TurboField("billing_cycle", "Billing Cycle", 20, None),
        TurboField("udf1", "User Field 1", 30, None),
        TurboField("udf2", "User Field 2", 30, None),
    )
}

MAIN = "main"
ADDRESS = "address"


@dataclass(frozen=True)
class SageField:
    """Where Sage 50 US keeps one SMSTurbo field: ODBC column (on the entity's own
    table or on ``Address``) with its size there, and the list export's CSV header.
    ``optional`` columns are discovered at run time and may be absent."""

    name: str
    odbc: str
    length: int
    csv: str
    table: str = MAIN
    optional: bool = False

    @property
    def turbo(self) -> TurboField:
        return TURBO_FIELDS[self.name]


@dataclass(frozen=True)
class Entity:
    """Customers or vendors: the Sage 50 tables and the field lines."""

    key: str
    label: str
    plural: str
    sage_table: str
    sage_record_number: str
    sage_inactive: str
    inactive_csv: str
    fields: tuple[SageField, ...]

    def field(self, name: str) -> SageField:
        return next(f for f in self.fields if f.name == name)

    @property
    def required_csv(self) -> tuple[str, ...]:
        """The export headers without which a list cannot be read: ID, name, Inactive."""
        return (self.field("id").csv, self.field("name").csv, self.inactive_csv)


CUSTOMER = Entity(
    key="customers",
    label="Customer",
    plural="Customers",
    sage_table="Customers",
    sage_record_number="CustomerRecordNumber",
    sage_inactive="CustomerIsInactive",
    inactive_csv="Inactive",
    fields=(
        SageField("id", "CustomerID", 20, "Customer ID"),
        SageField("name", "Customer_Bill_Name", 39, "Customer Name"),
        SageField("address1", "AddressLine1", 30, "Bill to Address-Line One", ADDRESS),
        SageField("address2", "AddressLine2", 30, "Bill to Address-Line Two", ADDRESS),
        SageField("city", "City", 20, "Bill to City", ADDRESS),
        SageField("state", "State", 2, "Bill to State", ADDRESS),
        SageField("zip", "Zip", 12, "Bill to Zip", ADDRESS),
        SageField("country", "Country", 15, "Bill to Country", ADDRESS),
        SageField("contact", "Contact", 20, "Bill to Contact"),
        SageField("phone1", "Phone_Number", 20, "Telephone 1"),
        SageField("phone2", "Phone_Number2", 20, "Telephone 2", optional=True),
        SageField("fax", "FAX_Number", 20, "Fax Number"),
        SageField("email", "eMail_Address", 64, "Customer E-mail"),
        SageField("type", "Customer_Type", 8, "Customer Type"),
        SageField("credit_status", "CreditStatus", 20, "Credit Status", optional=True),
        SageField("credit_limit", "Terms_CreditLimit", 12, "Credit Limit"),
        SageField("terms", "Terms_DueDays", 4, "Due Days", optional=True),
    ),
)

VENDOR = Entity(
    key="vendors",
    label="Vendor",
    plural="Vendors",
    sage_table="Vendors",
    sage_record_number="VendorRecordNumber",
    sage_inactive="IsInactive",
    inactive_csv="Inactive",
    fields=(
        SageField("id", "VendorID", 20, "Vendor ID"),
        SageField("name", "Name", 39, "Vendor Name"),
        SageField("address1", "AddressLine1", 30, "Address-Line One", ADDRESS),
        SageField("address2", "AddressLine2", 30, "Address-Line Two", ADDRESS),
        SageField("city", "City", 20, "City", ADDRESS),
        SageField("state", "State", 2, "State", ADDRESS),
        SageField("zip", "Zip", 12, "Zip", ADDRESS),
        SageField("country", "Country", 15, "Country", ADDRESS),
        SageField("contact", "Contact", 20, "Contact"),
        SageField("phone1", "PhoneNumber", 20, "Telephone 1"),
        SageField("phone2", "PhoneNumber2", 20, "Telephone 2", optional=True),
        SageField("fax", "FAXNumber", 20, "Fax Number"),
        SageField("email", "Email", 64, "Vendor E-mail"),
        SageField("type", "VendorType", 8, "Vendor Type"),
    ),
)

ENTITIES: dict[str, Entity] = {CUSTOMER.key: CUSTOMER, VENDOR.key: VENDOR}


@dataclass(frozen=True, slots=True)
class SageRecord:
    """One Sage 50 record as a source read it. Being inactive is a fact of its own, not
    a credit-status word: Setup may call inactive records anything SMSTurbo has."""

    id: str
    inactive: bool
    values: Record


@dataclass(frozen=True, slots=True)
class TurboRecord:
    """One SMSTurbo record, IDs trimmed; ``values`` holds only the mapped fields."""

    id: str
    values: Record
