"""The Sage 50 UK demo company's records, each a deliberate case (docs/DOMAIN.md §7):
rows as the ledgers hold them (UK column names, flags as 0/1 or 'N'/'Y', a postcode
shifted up, a deleted row) and what SMSTurbo already holds. :data:`EXPECTED_UK` is the
design the demo must show.
"""

from __future__ import annotations

from smsync_xl.core.fields import Record
from smsync_xl.demo.data import DemoRecord

UK_COMPANY_NAME = "Pennine Aggregates & Skip Hire (Bûrton) £ Ltd"


def _ledger(ref: str, name: str, **columns: object) -> dict[str, object]:
    row: dict[str, object] = {
        "ACCOUNT_REF": ref,
        "NAME": name,
        "ADDRESS_1": "Unit 4, Quarry Lane",
        "ADDRESS_2": "",
        "ADDRESS_3": "Skipton",
        "ADDRESS_4": "North Yorkshire",
        "ADDRESS_5": "BD23 1AA",
        "CONTACT_NAME": "Ian Cairns",
        "TELEPHONE": "01756 700 100",
        "TELEPHONE_2": "",
        "FAX": "",
        "E_MAIL": f"{ref.lower()}@example.co.uk",
        "ANALYSIS_1": "Trade",
        "STATUS_NUMBER": 0,
        "STATUS_TEXT": "Open",
        "COUNTRY_CODE": "GB",
        "PAYMENT_DUE_DAYS": 30,
        "CREDIT_LIMIT": 2500.0,
        "ACCOUNT_ON_HOLD": 0,
        "INACTIVE_FLAG": 0,
        "RECORD_DELETED": 0,
    }
    row.update(columns)
    return row


def _turbo_party(row: dict[str, object], **changes: str | None) -> Record:
    """The SMSTurbo customer (vendor) that is in sync with ``row``, then ``changes``."""
    record: Record = {
        "id": str(row["ACCOUNT_REF"]),
        "name": str(row["NAME"]),
        "address1": str(row["ADDRESS_1"]),
        "address2": str(row["ADDRESS_2"]),
        "city": str(row["ADDRESS_3"]),
        "state": str(row["ADDRESS_4"]),
        "zip": str(row["ADDRESS_5"]),
        "country": "GB",
        "contact": str(row["CONTACT_NAME"]),
        "phone1": str(row["TELEPHONE"]),
        "phone2": "",
        "fax": "",
        "email": str(row["E_MAIL"]),
        "type": str(row["ANALYSIS_1"]),
        "credit_status": "CHARGE",
        "credit_limit": "2500.00",
        "terms": "30",
    }
    record.update(changes)
    return record


def _turbo_only(record_id: str, name: str) -> DemoRecord:
    turbo = _turbo_party(_ledger(record_id, name))
    return DemoRecord(turbo, in_sage=False, turbo=turbo)


A1D001 = _ledger("A1D001", "A1 Design Services")
BRIDGE1 = _ledger("BRIDGE1", "Bridge Street Builders", INACTIVE_FLAG="N", ACCOUNT_ON_HOLD="N")
QUARRY2 = _ledger("QUARRY2", "Dales Quarry Products")
HOLD01 = _ledger("HOLD01", "On Hold Haulage", ACCOUNT_ON_HOLD=1)

SALES_LEDGER = [
    _ledger("HAUL01", "Pennine Haulage Ltd", ANALYSIS_1="Haulier"),
    _ledger(
        "CAFE01",
        "Café Crème £ Ltd",
        ADDRESS_3="Newcastle upon Tyne",
        ADDRESS_4="NE1 4GF",
        ADDRESS_5="",
        ANALYSIS_1="Retail",
    ),
    _ledger("CLOSED1", "Closed Quarry Co", INACTIVE_FLAG="Y"),
    A1D001,
    BRIDGE1,
    QUARRY2,
    HOLD01,
    _ledger("AMBIG01", "Two Postcodes Ltd", ADDRESS_4="NE1 4GF", ADDRESS_5="Tyne & Wear"),
    _ledger("BADFLAG", "Odd Flag Ltd", INACTIVE_FLAG="X"),
    _ledger("GONE1", "Deleted Customer", RECORD_DELETED=1),
]
"""3 NEW (one inactive, one whose postcode is shifted up), 2 DIFFERENT (a name, an
account on hold), 2 IN SYNC (flags 0/1 and 'N'), 2 INVALID (an ambiguous postcode, a
flag that is no yes/no), one deleted row never read."""
SMSTURBO_CUSTOMERS = [
    DemoRecord({}, turbo=_turbo_party(A1D001)),
    DemoRecord({}, turbo=_turbo_party(BRIDGE1)),
    DemoRecord({}, turbo=_turbo_party(QUARRY2, name="Dales Quarry Products Ltd")),
    DemoRecord({}, turbo=_turbo_party(HOLD01)),
    _turbo_only("OLDCUST", "Old Customer Ltd"),
]

SUP002 = _ledger("SUP002", "Northern Plant Hire", ANALYSIS_1="Plant")
SUP003 = _ledger("SUP003", "Yorkshire Stone Supplies", ANALYSIS_1="Stone")
PURCHASE_LEDGER = [
    _ledger("CON001", "Concept Stationery Supplies", ADDRESS_4="", ADDRESS_5="NE1 4GF"),
    SUP002,
    SUP003,
    _ledger("SUP004", "Flagged Fuel Ltd", ACCOUNT_ON_HOLD="Z"),
    _ledger("OLD001", "Former Supplier", RECORD_DELETED="Y"),
]
SMSTURBO_VENDORS = [
    DemoRecord({}, turbo=_turbo_party(SUP002)),
    DemoRecord({}, turbo=_turbo_party(SUP003, phone1="01756 700 999")),
    _turbo_only("OLDSUPP", "Old Supplier Ltd"),
]


def _stock(code: str, description: str, **columns: object) -> dict[str, object]:
    row: dict[str, object] = {
        "STOCK_CODE": code,
        "DESCRIPTION": description,
        "UNIT_OF_SALE": "TON",
        "NOMINAL_CODE": "4000",
        "PURCHASE_NOMINAL_CODE": "5000",
        "SALES_PRICE": 18.5,
        "TAX_CODE": "T1",
        "STOCK_CAT": 1,
        "STOCK_CAT_NAME": "Aggregates",
        "INACTIVE_FLAG": 0,
        "RECORD_DELETED": 0,
    }
    row.update(columns)
    return row


def _material(row: dict[str, object], **changes: str | None) -> Record:
    record: Record = {
        "id": str(row["STOCK_CODE"]),
        "description": str(row["DESCRIPTION"]),
        "unit": str(row["UNIT_OF_SALE"]),
        "category": str(row["STOCK_CAT_NAME"]),
        "price": f"{row['SALES_PRICE']:.2f}",
        "sales_gl": str(row["NOMINAL_CODE"]),
        "expense_gl": str(row["PURCHASE_NOMINAL_CODE"]),
        "inactive": "Yes" if row["INACTIVE_FLAG"] in (1, "Y") else "No",
        "taxable": "Yes",
        "restricted": "No",
        "is_default": "No",
    }
    record.update(changes)
    return record


SAND = _stock("SAND-BUILD", "Building sand")
GRAVEL = _stock("GRAVEL10", "Gravel 10mm", SALES_PRICE=21.0)
OLDMIX = _stock("OLDMIX", "Old concrete mix", INACTIVE_FLAG="Y")
STOCK = [
    _stock("TYPE1-20MM", "Type 1 sub-base 20mm"),
    SAND,
    GRAVEL,
    OLDMIX,
    _stock("PIPE/150MM/CLASS-B-LONG", "Pipe 150mm class B £/m", UNIT_OF_SALE="EACH"),
    _stock("TOPSOIL", "Screened topsoil", UNIT_OF_SALE="Tonne"),
    _stock("GONE/ITEM", "Deleted product", RECORD_DELETED="Y"),
]
"""1 NEW, 1 DIFFERENT (a price), 2 IN SYNC (one inactive as 'Y'), 2 INVALID (a 23-character
stock code with '/', a unit SMSTurbo does not have), one deleted row never read."""
SMSTURBO_MATERIALS = [
    DemoRecord({}, turbo=_material(SAND)),
    DemoRecord({}, turbo=_material(GRAVEL, price="19.75")),
    DemoRecord({}, turbo=_material(OLDMIX)),
    DemoRecord({}, in_sage=False, turbo=_material(_stock("SLAG", "Steel slag"))),
]

UK_ROWS: dict[str, list[dict[str, object]]] = {
    "COMPANY": [{"NAME": UK_COMPANY_NAME, "ADDRESS_5": "BD23 1AA"}],
    "SALES_LEDGER": SALES_LEDGER,
    "PURCHASE_LEDGER": PURCHASE_LEDGER,
    "STOCK": STOCK,
}

EXPECTED_UK = {
    "customers": {"NEW": 3, "DIFFERENT": 2, "IN SYNC": 2, "INVALID": 2, "smsturbo_only": 1},
    "vendors": {"NEW": 1, "DIFFERENT": 1, "IN SYNC": 1, "INVALID": 1, "smsturbo_only": 1},
    "materials": {"NEW": 2, "DIFFERENT": 1, "IN SYNC": 2, "INVALID": 1, "smsturbo_only": 1},
}
