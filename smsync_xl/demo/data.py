"""The demo company's records, each line a deliberate case from docs/DOMAIN.md §5.

Records are written in SMSTurbo terms; ``sage`` options say how the row is stored in
Sage 50 (padding, inactive, missing or doubled address rows), ``turbo`` says
what SMSTurbo already holds. :data:`EXPECTED` is the design the demo must show.
"""

from __future__ import annotations

from dataclasses import dataclass

from smsync_xl.core import fields
from smsync_xl.core.fields import Record


@dataclass(frozen=True)
class DemoRecord:
    """One record of the demo: its Sage 50 form and, if any, its SMSTurbo form."""

    values: Record
    in_sage: bool = True
    inactive: bool = False
    padded: bool = False
    address_rows: int = 1
    turbo: Record | None = None
    note: str = ""


def _base(
    record_id: str,
    name: str,
    *,
    city: str = "Springfield",
    state: str = "IL",
    zip_code: str = "62701",
    phone: str = "217-555-0100",
    type_: str = "WHOLESAL",
    limit: str | None = "5000.00",
    contact: str = "Pat Lee",
) -> Record:
    return {
        "id": record_id,
        "name": name,
        "address1": "100 Main St",
        "address2": "",
        "city": city,
        "state": state,
        "zip": zip_code,
        "country": "USA",
        "contact": contact,
        "phone1": phone,
        "fax": "",
        "email": f"{record_id.lower()}@example.com",
        "type": type_,
        "credit_limit": limit,
        "terms": "30",
    }


def _same(values: Record, **changes: str | None) -> Record:
    turbo = dict(values)
    turbo.update(changes)
    return turbo


def _turbo_only(values: Record, note: str = "", **changes: str) -> DemoRecord:
    return DemoRecord(values, in_sage=False, turbo=_same(values, **changes), note=note)


def _in_sync(
    record_id: str,
    name: str,
    *,
    note: str = "",
    padded: bool = False,
    inactive: bool = False,
    address_rows: int = 1,
    **base: str,
) -> DemoRecord:
    values = _base(record_id, name, **base)
    return DemoRecord(
        values,
        inactive=inactive,
        padded=padded,
        address_rows=address_rows,
        turbo=_same(values),
        note=note,
    )


def _customers() -> list[DemoRecord]:
    in_sync = [_in_sync(f"C{n:04d}", f"Customer {n} Hauling") for n in range(1, 10)] + [
        _in_sync("00123", "Leading Zeros Supply", note="numeric-looking ID stays text"),
        _in_sync(
            "BOSTONSAND",
            "Boston Sand & Gravel",
            city="Boston",
            state="MA",
            zip_code="02134",
            note="ZIP with a leading zero",
        ),
        _in_sync("CAFEMULLER", "Café Müller & Söhne", note="accented name"),
        _in_sync(
            "LONGNAME39",
            "Northern Illinois Aggregate Haulers LLC",
            note="name of 39 characters, Sage's maximum",
        ),
        _in_sync("PADDED1", "Padded Paving Co", padded=True, note="CHAR padding trimmed"),
        _in_sync("PADDED2", "Padded Stone Works", padded=True, note="CHAR padding trimmed"),
        _in_sync(
            "TWOADDR",
            "Two Address Rows Inc",
            address_rows=2,
            note="two type-0 address rows: the lowest record number wins",
        ),
        _in_sync("INACTOLD", "Closed Quarry Co", inactive=True, note="inactive in both systems"),
    ]
    no_address = _base("NOADDR", "No Address Trucking")
    no_address.update(address1="", city="", state="", zip="", country="")
    in_sync.append(
        DemoRecord(
            no_address, address_rows=0, turbo=_same(no_address), note="no address row in Sage 50"
        )
    )
    for record in in_sync:
        if record.inactive and record.turbo is not None:
            record.turbo["credit_status"] = "INACTIVE"

    prospects = [
        DemoRecord(
            _base(f"PROSPECT{n}", f"Prospect Builder {n}", type_="PROSPECT"),
            inactive=(n == 5),
            note="help page example" + ("; inactive prospect" if n == 5 else ""),
        )
        for n in range(1, 6)
    ]
    new = [
        *prospects,
        DemoRecord(
            _base("RETAIL", "Retail Walk-in Sales", type_="RETAIL"),
            inactive=True,
            note="help page example: customer RETAIL is inactive",
        ),
        DemoRecord(_base("FORMULA1", "=SUM(A1:A9) Excavating"), note="name Excel would run"),
        DemoRecord(
            _base("FORMULA2", "+Plus Concrete", phone="+1 217 555 0111"),
            note="leading + in name and phone",
        ),
        DemoRecord(
            _base("FORMULA3", "-Minus Materials", contact="@Front Desk"), note="leading - and @"
        ),
        DemoRecord(
            _base("ZEROLIMIT", "Zero Limit Landscaping", limit="0.00"),
            note="credit limit 0 (not blank)",
        ),
        DemoRecord(
            _base("NOLIMIT", "Blank Limit Lawn Care", limit=None),
            note="blank credit limit: ZZDEFAULT's applies",
        ),
        DemoRecord(
            _base("NEW-CO_1", "Dash Underscore Demolition"), note="dash and underscore are valid"
        ),
    ]

    base = _base("DIFFNAME", "Different Name Inc.")
    different = [
        DemoRecord(base, turbo=_same(base, name="Different Name Inc"), note="name differs"),
    ]
    for record_id, change, note in (
        ("DIFFADDR", {"address1": "9 Old Quarry Rd"}, "address line differs"),
        ("DIFFPHONE", {"phone1": "217-555-0999"}, "phone differs"),
        ("DIFFLIMIT", {"credit_limit": "7500.00"}, "credit limit differs"),
        ("DIFFCONTACT", {"contact": "Sam Old"}, "contact differs"),
        ("DIFFEMAIL", {"email": "old@example.com"}, "e-mail differs"),
        ("DIFFTYPE", {"type": "RETAIL"}, "type differs"),
        ("ZEROBLANK", {"credit_limit": None}, "credit limit 0 in Sage 50, blank in SMSTurbo"),
    ):
        values = _base(
            record_id,
            f"{record_id.title()} Company",
            limit="0.00" if record_id == "ZEROBLANK" else "5000.00",
        )
        different.append(DemoRecord(values, turbo=_same(values, **change), note=note))
    went_inactive = _base("WENTINACT", "Went Inactive Materials")
    different.append(
        DemoRecord(
            went_inactive,
            inactive=True,
            turbo=_same(went_inactive, credit_status="CHARGE"),
            note="inactive in Sage 50, active in SMSTurbo",
        )
    )

    invalid = [
        DemoRecord(_base("LONGCUSTOMERID20", "Long Identifier Hauling"), note="ID over 15"),
        DemoRecord(_base("ACME CO", "Acme Company"), note="space in ID"),
        DemoRecord(_base("acme-west", "Acme West"), note="lowercase ID"),
        DemoRecord(_base("J.B.HUNT", "J.B. Hunt Transport"), note="'.' in ID"),
        DemoRecord(_base("B&B", "B and B Rock"), note="'&' in ID"),
        DemoRecord(_base("N/A", "Not Applicable Sales"), note="'/' in ID"),
        DemoRecord(_base("Gravel01", "Gravel One"), note="matches SMSTurbo GRAVEL01 by case"),
        DemoRecord(_base("DUP100", "Duplicate One"), note="duplicate ID in the export"),
        DemoRecord(_base("DUP100", "Duplicate Two"), note="duplicate ID in the export"),
    ]

    turbo_only = [
        _turbo_only(_base("GRAVEL01", "Gravel One"), "Sage 50 has Gravel01"),
        _turbo_only(_base("WALKIN", "Walk-in Cash Customer")),
        _turbo_only(_base("CASH-SALE", "Cash Sale")),
        _turbo_only(_base("T-ONLY1", "Scale House Only Customer")),
        _turbo_only(
            _base("OLDCO", "Old Company Closed"), "inactive in SMSTurbo", credit_status="INACTIVE"
        ),
    ]
    return in_sync + new + different + invalid + turbo_only


def _vendors() -> list[DemoRecord]:
    def vendor(record_id: str, name: str) -> Record:
        values = _base(record_id, name, type_="SUPPLIER", limit=None)
        values.pop("credit_limit")
        values.pop("terms")
        return values

    in_sync = []
    for n in range(1, 11):
        values = vendor(f"V{n:03d}", f"Vendor {n} Fuel & Parts")
        in_sync.append(DemoRecord(values, turbo=_same(values)))
    new = [DemoRecord(vendor(f"VNEW{n}", f"New Supplier {n}")) for n in range(1, 6)]
    new.append(
        DemoRecord(vendor("VOLD", "Inactive Supplier"), inactive=True, note="inactive vendor")
    )
    different = []
    for record_id, change in (
        ("VDIFFNAME", {"name": "Old Vendor Name"}),
        ("VDIFFADDR", {"city": "Peoria"}),
        ("VDIFFPHONE", {"phone1": "309-555-0000"}),
    ):
        values = vendor(record_id, f"{record_id.title()} Supply")
        different.append(DemoRecord(values, turbo=_same(values, **change)))
    invalid = [
        DemoRecord(vendor("VENDOR-LONG-ID-20", "Long ID Vendor")),
        DemoRecord(vendor("ACE TIRE", "Ace Tire")),
        DemoRecord(vendor("P&G", "Parts and Gear")),
    ]
    turbo_only = [
        _turbo_only(vendor("VTURBO1", "Scale House Fuel")),
        _turbo_only(vendor("VTURBO2", "Old Scale Service")),
    ]
    return in_sync + new + different + invalid + turbo_only


CUSTOMERS = _customers()
VENDORS = _vendors()

EXPECTED = {
    "customers": {"NEW": 12, "DIFFERENT": 9, "IN SYNC": 18, "INVALID": 9, "smsturbo_only": 5},
    "vendors": {"NEW": 6, "DIFFERENT": 3, "IN SYNC": 10, "INVALID": 3, "smsturbo_only": 2},
}

DEFAULTS: Record = {
    "id": "ZZDEFAULT",
    "name": "Defaults for new customers and vendors",
    "address1": "",
    "address2": "",
    "city": "",
    "state": "IL",
    "zip": "",
    "country": "USA",
    "contact": "",
    "phone1": "",
    "phone2": "",
    "fax": "",
    "email": "",
    "type": "",
    "credit_status": "CASH",
    "credit_limit": "0.00",
    "terms": "30",
    "tax_exempt": "N",
    "billing_cycle": "MONTHLY",
    "udf1": "",
    "udf2": "",
}

CREDIT_STATUSES = ["CASH", "CHARGE", "HOLD", "INACTIVE"]
COMPANY_NAME = "Bellwether Aggregates & Hauling"
UNITS = ["EACH", "TON", "YD", "LOAD", "HOUR"]
"""SMSTurbo's units of measure in the demo."""
LISTS = {fields.CREDIT_STATUSES: CREDIT_STATUSES, fields.UNITS: UNITS}
"""SMSTurbo's lists in the demo's reference database."""
