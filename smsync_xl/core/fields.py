"""The field registry: one declaration per entity that every layer reads.

SMSTurbo customers and vendors share one structure (``TURBO_FIELDS``); each entity
then says, one line per field, where Sage 50 keeps that value (ODBC column, or the
``Address`` table) and which header the Sage 50 list export gives it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

Value = str | None
Record = dict[str, Value]


def text(raw: object) -> Value:
    """Trim padding only (Pervasive pads CHAR columns); keep everything else exact."""
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


def truthy(raw: object) -> bool:
    """Sage 50 flags: 1/0 over ODBC, TRUE/FALSE in its CSV exports."""
    return str(raw).strip().upper() in {"1", "TRUE", "T", "Y", "YES", "-1"}


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
    normalise: Callable[[object], Value] = text
    excel_text: bool = False

    def from_sage(self, raw: object) -> Value:
        """A value from a Sage 50 column that exists: NULL text is blank text, as Sage 50
        shows it; a NULL amount stays None ('not supplied': new records take
        ZZDEFAULT's)."""
        value = self.normalise(raw)
        return "" if value is None and self.normalise is text else value


TURBO_FIELDS: dict[str, TurboField] = {
    f.name: f
    for f in (
        TurboField("id", "ID", 15, None, excel_text=True),
        TurboField("name", "Name", 500, "name"),
        TurboField("address1", "Address line 1", 60, "address"),
        TurboField("address2", "Address line 2", 60, "address"),
        TurboField("city", "City", 40, "address"),
        TurboField("state", "State", 20, "address"),
        TurboField("zip", "ZIP", 20, "address", excel_text=True),
        TurboField("country", "Country", 40, "address"),
        TurboField("contact", "Contact", 60, "contact"),
        TurboField("phone1", "Phone 1", 30, "phone", excel_text=True),
        TurboField("phone2", "Phone 2", 30, "phone", excel_text=True),
        TurboField("fax", "Fax", 30, "phone", excel_text=True),
        TurboField("email", "E-mail", 100, "email"),
        TurboField("type", "Type", 20, "type"),
        TurboField("credit_status", "Credit Status", 20, "credit_status"),
        TurboField("credit_limit", "Credit Limit", 20, "credit_limit", money),
        TurboField("terms", "Terms (due days)", 20, "terms", whole_number),
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
    table or on ``Address``) and Customer/Vendor List CSV header. ``optional``
    columns are discovered at run time and may be absent."""

    name: str
    odbc: str | None
    csv: str | None
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

    @property
    def sage_id(self) -> SageField:
        return next(f for f in self.fields if f.name == "id")

    def field(self, name: str) -> SageField | None:
        return next((f for f in self.fields if f.name == name), None)


CUSTOMER = Entity(
    key="customers",
    label="Customer",
    plural="Customers",
    sage_table="Customers",
    sage_record_number="CustomerRecordNumber",
    sage_inactive="CustomerIsInactive",
    inactive_csv="Inactive",
    fields=(
        SageField("id", "CustomerID", "Customer ID"),
        SageField("name", "Customer_Bill_Name", "Customer Name"),
        SageField("address1", "AddressLine1", "Bill to Address-Line One", ADDRESS),
        SageField("address2", "AddressLine2", "Bill to Address-Line Two", ADDRESS),
        SageField("city", "City", "Bill to City", ADDRESS),
        SageField("state", "State", "Bill to State", ADDRESS),
        SageField("zip", "Zip", "Bill to Zip", ADDRESS),
        SageField("country", "Country", "Bill to Country", ADDRESS),
        SageField("contact", "Contact", "Bill to Contact"),
        SageField("phone1", "Phone_Number", "Telephone 1"),
        SageField("phone2", "Phone_Number2", "Telephone 2", optional=True),
        SageField("fax", "FAX_Number", "Fax Number"),
        SageField("email", "eMail_Address", "Customer E-mail"),
        SageField("type", "Customer_Type", "Customer Type"),
        SageField("credit_status", "CreditStatus", "Credit Status", optional=True),
        SageField("credit_limit", "Terms_CreditLimit", "Credit Limit"),
        SageField("terms", "Terms_DueDays", "Due Days", optional=True),
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
        SageField("id", "VendorID", "Vendor ID"),
        SageField("name", "Name", "Vendor Name"),
        SageField("address1", "AddressLine1", "Address-Line One", ADDRESS),
        SageField("address2", "AddressLine2", "Address-Line Two", ADDRESS),
        SageField("city", "City", "City", ADDRESS),
        SageField("state", "State", "State", ADDRESS),
        SageField("zip", "Zip", "Zip", ADDRESS),
        SageField("country", "Country", "Country", ADDRESS),
        SageField("contact", "Contact", "Contact"),
        SageField("phone1", "PhoneNumber", "Telephone 1"),
        SageField("phone2", "PhoneNumber2", "Telephone 2", optional=True),
        SageField("fax", "FAXNumber", "Fax Number"),
        SageField("email", "Email", "Vendor E-mail"),
        SageField("type", "VendorType", "Vendor Type"),
    ),
)

ENTITIES: dict[str, Entity] = {CUSTOMER.key: CUSTOMER, VENDOR.key: VENDOR}

INACTIVE = "INACTIVE"
DEFAULTS_ID = "ZZDEFAULT"
