"""The demo company's records, each line a deliberate case from docs/DOMAIN.md §5.

Records are written in SMSTurbo terms; ``sage`` options say how the row is stored in
Sage 50 (padding, inactive, missing or doubled address rows), ``turbo`` says
what SMSTurbo already holds. :data:`EXPECTED` is the design the demo must show.
"""

from __future__ import annotations

from collections.abc import Iterable
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


@dataclass(frozen=True)
class DemoLists:
    """A demo company's records, one list per entity: the one value every demo writer
    takes, so the demo's entities are named here and nowhere else."""

    customers: Iterable[DemoRecord] = ()
    vendors: Iterable[DemoRecord] = ()
    materials: Iterable[DemoRecord] = ()

    def by_entity(self) -> tuple[tuple[fields.Entity, Iterable[DemoRecord]], ...]:
        return (
            (fields.CUSTOMER, self.customers),
            (fields.VENDOR, self.vendors),
            (fields.MATERIAL, self.materials),
        )


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


ACCOUNTS = {
    "4000-00": "Sales - Aggregates",
    "4100-00": "Sales - Services",
    "5000-00": "Cost of Aggregates",
    "5100-00": "Hauling Expense",
}
"""The demo company's Chart of Accounts: account ID → description. Sage 50 keeps an
item's GL accounts as Chart record numbers; its export gives these IDs."""


def _item(
    record_id: str,
    description: str,
    *,
    item_class: str = "1",
    unit: str = "TON",
    category: str = "AGG",
    price: str | None = "18.50",
    sales_gl: str = "4000-00",
    expense_gl: str = "5000-00",
) -> Record:
    """A Sage 50 inventory item in SMSTurbo terms; ``item_class`` is Sage 50's number
    (1 stock item, 0 non-stock, 4 service, 7 charge, 2 description only)."""
    return {
        "id": record_id,
        "description": description,
        "item_class": item_class,
        "unit": unit,
        "category": category,
        "price": price,
        "sales_gl": sales_gl,
        "expense_gl": expense_gl,
    }


def _material(values: Record, *, inactive: bool = False, **changes: str | None) -> Record:
    """SMSTurbo's side of an item: the same values, its Inactive flag, and ``changes``."""
    turbo = {k: v for k, v in values.items() if k != "item_class"}
    turbo["inactive"] = "Yes" if inactive else "No"
    turbo.update(changes)
    return turbo


def _materials() -> list[DemoRecord]:
    in_sync = [
        DemoRecord(values, turbo=_material(values), note=note)
        for values, note in (
            (_item("AGG-57", "#57 Washed Stone"), ""),
            (_item("AGG-8", "#8 Pea Gravel"), ""),
            (_item("SAND-C33", "C-33 Concrete Sand", category="SAND", price="16.00"), ""),
            (_item("TOPSOIL-SC", "Screened Topsoil", unit="YD", category="SOIL"), ""),
            (_item("00457", "Recycled Base 457"), "numeric-looking ID stays text"),
            (
                _item(
                    "DELIVERY",
                    "Delivery Charge",
                    item_class="7",
                    unit="LOAD",
                    category="FEES",
                    price="85.00",
                    sales_gl="4100-00",
                    expense_gl="5100-00",
                ),
                "charge item",
            ),
        )
    ]
    padded = _item("RIPRAP-L", "Light Riprap")
    in_sync.append(DemoRecord(padded, padded=True, turbo=_material(padded), note="CHAR padding"))
    gone = _item("SLAG-OLD", "Steel Slag (discontinued)")
    in_sync.append(
        DemoRecord(
            gone, inactive=True, turbo=_material(gone, inactive=True), note="inactive in both"
        )
    )

    new = [
        DemoRecord(_item("CRUSH-LIME", "Crushed Limestone 3/4in"), note="stock item"),
        DemoRecord(
            _item("MULCH-BLK", "Black Mulch", item_class="0", unit="yd", category="LANDSCAP"),
            note="non-stock item; unit in lowercase: SMSTurbo's YD is written",
        ),
        DemoRecord(
            _item(
                "HAUL-HR",
                "Hauling per Hour",
                item_class="4",
                unit="HOUR",
                category="SERVICE",
                price="0.00",
                sales_gl="",
                expense_gl="",
            ),
            note="service; price 0 (not blank); no GL accounts",
        ),
        DemoRecord(
            _item("FILL-DIRT", "Fill Dirt", unit="", category="SOIL", price=None),
            note="no unit and no price: Import Defaults and the template supply them",
        ),
        DemoRecord(
            _item("WINTER-SALT", "Winter Road Salt", category="SALT"),
            inactive=True,
            note="inactive item, new: left out of the default selection",
        ),
    ]

    different = []
    for record_id, description, change, note in (
        ("AGG-34", "#34 Clean Stone", {"price": "20.00"}, "price differs"),
        ("SAND-MASON", "Mason Sand", {"sales_gl": "4100-00"}, "sales GL differs"),
        ("FUEL-SURCH", "Fuel Surcharge", {"price": None}, "price 0 in Sage 50, blank in SMSTurbo"),
        (
            "BASE-CA6",
            "CA-6 Road Base",
            {"description": "CA-6 Road Base, IDOT certified gradation, sold by the ton"},
            "SMSTurbo's description is longer than Sage 50's 30 characters",
        ),
        ("SCREENINGS", "Limestone Screenings", {"unit": "YD"}, "unit differs"),
    ):
        values = _item(
            record_id, description, price="0.00" if record_id == "FUEL-SURCH" else "18.50"
        )
        different.append(DemoRecord(values, turbo=_material(values, **change), note=note))
    back = _item("RIVER-ROCK", "River Rock 1-3in")
    different.append(
        DemoRecord(back, turbo=_material(back, inactive=True), note="inactive in SMSTurbo only")
    )
    stopped = _item("ASPHALT-OLD", "Asphalt Millings")
    different.append(
        DemoRecord(
            stopped, inactive=True, turbo=_material(stopped), note="inactive in Sage 50 only"
        )
    )

    invalid = [
        DemoRecord(_item("CRUSHED-CONCRETE-1", "Crushed Concrete #1"), note="ID over 15"),
        DemoRecord(_item("PEA GRAVEL", "Pea Gravel Bulk"), note="space in ID"),
        DemoRecord(_item("3.4-STONE", "3/4 Stone"), note="'.' in ID"),
        DemoRecord(_item("1/2-MINUS", "1/2 Minus"), note="'/' in ID"),
        DemoRecord(_item("mulch-red", "Red Mulch"), note="lowercase ID"),
        DemoRecord(_item("Topsoil", "Topsoil Bulk"), note="matches SMSTurbo TOPSOIL by case"),
        DemoRecord(_item("DUP-ITEM", "Duplicate Item One"), note="duplicate ID"),
        DemoRecord(_item("DUP-ITEM", "Duplicate Item Two"), note="duplicate ID"),
        DemoRecord(_item("BAGGED-LIME", "Bagged Lime", unit="BAG"), note="unit SMSTurbo lacks"),
        DemoRecord(_item("NO-DESC", ""), note="empty description"),
        DemoRecord(_item("=CALC-MIX", "=SUM(A1) Mix"), note="ID and description Excel would run"),
    ]

    turbo_only = [
        _turbo_only(_material(_item("TOPSOIL", "Topsoil Bulk")), "Sage 50 has Topsoil"),
        _turbo_only(_material(_item("SCALE-FEE", "Scale Ticket Fee", unit="EACH"))),
        _turbo_only(
            _material(_item("WINTER-MIX", "Winter Mix"), inactive=True), "inactive in SMSTurbo"
        ),
    ]
    return in_sync + new + different + invalid + turbo_only


CUSTOMERS = _customers()
VENDORS = _vendors()
MATERIALS = _materials()
DEMO_LISTS = DemoLists(CUSTOMERS, VENDORS, MATERIALS)
"""The demo company's records."""

EXPECTED = {
    "customers": {"NEW": 12, "DIFFERENT": 9, "IN SYNC": 18, "INVALID": 9, "smsturbo_only": 5},
    "vendors": {"NEW": 6, "DIFFERENT": 3, "IN SYNC": 10, "INVALID": 3, "smsturbo_only": 2},
    "materials": {"NEW": 5, "DIFFERENT": 7, "IN SYNC": 8, "INVALID": 11, "smsturbo_only": 3},
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

MATERIAL_TEMPLATE: Record = {
    "id": "ZZDEFAULT",
    "description": "Template for new materials",
    "unit": "TON",
    "category": "",
    "price": "0.00",
    "sales_gl": "4000-00",
    "expense_gl": "5000-00",
    "inactive": "Yes",
    "taxable": "Yes",
    "restricted": "No",
    "is_default": "No",
}
"""SMSTurbo's template material: new materials take what neither Sage 50 nor Setup's
Import Defaults supply (inactive itself, so no ticket offers it)."""

CREDIT_STATUSES = ["CASH", "CHARGE", "HOLD", "INACTIVE"]
COMPANY_NAME = "Bellwether Aggregates & Hauling"
UNITS = ["EACH", "TON", "YD", "LOAD", "HOUR"]
"""SMSTurbo's units of measure in the demo."""
LISTS = {fields.CREDIT_STATUSES: CREDIT_STATUSES, fields.UNITS: UNITS}
"""SMSTurbo's lists in the demo's reference database."""
