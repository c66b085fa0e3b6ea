import sqlite3
from contextlib import closing

import pytest

from smsync_xl.connections.db import open_sqlite
from smsync_xl.core.compare import ComparisonFacts, compare, lookups_from
from smsync_xl.core.errors import SourceFormatError
from smsync_xl.core.fields import CUSTOMER, MATERIAL, VENDOR
from smsync_xl.core.settings import EntitySettings, StatusRule
from smsync_xl.core.vocabulary import Status
from smsync_xl.sources.sage50 import Sage50Source


def by_id(records):
    return {r.id: r.values for r in records}


def test_company_name(demo):
    assert demo.source.company_name() == "Bellwether Aggregates & Hauling"


def test_padding_is_trimmed(demo):
    record = by_id(demo.source.read(CUSTOMER))["PADDED1"]
    assert record["name"] == "Padded Paving Co"
    assert record["contact"] == "Pat Lee"


def test_main_address_only_and_lowest_of_two(demo):
    customers = by_id(demo.source.read(CUSTOMER))
    assert customers["TWOADDR"]["address1"] == "100 Main St"
    assert customers["C0001"]["address1"] == "100 Main St"  # not the ship-to row
    assert customers["NOADDR"]["address1"] == "" and customers["NOADDR"]["city"] == ""


def test_text_that_looks_like_numbers_stays_text(demo):
    customers = by_id(demo.source.read(CUSTOMER))
    assert customers["00123"]["id"] == "00123"
    assert customers["BOSTONSAND"]["zip"] == "02134"


def test_inactive_and_limits(demo):
    inactive = {r.id for r in demo.source.read(CUSTOMER) if r.inactive}
    assert inactive == {"INACTOLD", "PROSPECT5", "RETAIL", "WENTINACT"}
    customers = by_id(demo.source.read(CUSTOMER))
    assert customers["RETAIL"]["credit_status"] == "INACTIVE"
    assert customers["C0001"]["credit_status"] is None
    assert customers["ZEROLIMIT"]["credit_limit"] == "0.00"
    assert customers["NOLIMIT"]["credit_limit"] is None
    vendors = by_id(demo.source.read(VENDOR))
    assert vendors["VOLD"]["credit_status"] == "INACTIVE"
    assert vendors["V001"]["city"] == "Springfield"
    assert vendors["V001"]["credit_limit"] is None


def test_optional_columns_are_discovered(demo, tmp_path):
    path = demo.settings.sage50.path
    connection = sqlite3.connect(path)
    with connection:
        connection.execute("ALTER TABLE Customers ADD COLUMN Phone_Number2 CHAR(20)")
        connection.execute("UPDATE Customers SET Phone_Number2 = '555-2222  '")
    connection.close()
    source = Sage50Source(open_sqlite(path, read_only=True), lambda _: StatusRule())
    assert by_id(source.read(CUSTOMER))["C0001"]["phone2"] == "555-2222"
    assert by_id(demo.source.read(VENDOR))["V001"]["phone2"] is None


def test_missing_required_column_is_named(tmp_path):
    path = tmp_path / "broken.sqlite"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE Customers (CustomerRecordNumber INTEGER, CustomerID TEXT)")
    connection.close()
    source = Sage50Source(open_sqlite(path, read_only=True), lambda _: StatusRule())
    with pytest.raises(SourceFormatError, match="table Customers has no column") as error:
        source.read(CUSTOMER)
    assert "Customer_Bill_Name" in str(error.value)


def test_connection_refuses_writes(demo):
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        demo.source.db.execute("DELETE FROM Customers")


def test_null_text_is_blank_but_a_null_amount_is_not_supplied(demo):
    connection = sqlite3.connect(demo.settings.sage50.path)
    with connection:
        connection.execute(
            "UPDATE Customers SET Contact = NULL, Terms_CreditLimit = NULL "
            "WHERE CustomerID = 'C0001'"
        )
    connection.close()
    record = by_id(demo.source.read(CUSTOMER))["C0001"]
    assert record["contact"] == "" and record["credit_limit"] is None
    row = demo.plan().by_id["C0001"]
    assert [c.field for c in row.changes + row.other_differences] == ["contact"]


def test_credit_status_map_through_a_company_with_a_credit_status_column(demo):
    """Sage 50's own credit status, where the company has the column, goes through
    Setup's map into SMSTurbo's words; inactive still wins."""
    path = demo.settings.sage50.path
    connection = sqlite3.connect(path)
    with connection:
        connection.execute("ALTER TABLE Customers ADD COLUMN CreditStatus CHAR(20)")
        connection.execute("UPDATE Customers SET CreditStatus = 'Always Hold  '")
        connection.execute(
            "UPDATE Customers SET CreditStatus = 'No Credit Limit' WHERE CustomerID = 'PROSPECT2'"
        )
    connection.close()
    rule = StatusRule(by_code={"ALWAYS HOLD": "HOLD"}, active="CASH")
    records = {
        r.id: r
        for r in Sage50Source(open_sqlite(path, read_only=True), lambda _: rule).read(CUSTOMER)
    }
    assert records["PROSPECT1"].values["credit_status"] == "HOLD"
    assert records["PROSPECT2"].values["credit_status"] == "CASH"  # not mapped: the active one
    assert records["RETAIL"].values["credit_status"] == "INACTIVE" and records["RETAIL"].inactive
    plan = compare(
        CUSTOMER,
        list(records.values()),
        demo.store.read(CUSTOMER),
        ComparisonFacts(
            EntitySettings(replace=frozenset({"credit_status"})),
            lookups=lookups_from(demo.store.lookups(CUSTOMER)),
            rule=rule,
        ),
    )
    assert plan.by_id["PROSPECT1"].values["credit_status"] == "HOLD"
    change = next(c for c in plan.by_id["C0001"].changes if c.field == "credit_status")
    assert (change.old, change.new) == (None, "HOLD")


def test_items_read_with_their_chart_accounts_item_class_and_inactive_flag(demo):
    items = by_id(demo.source.read(MATERIAL))
    assert items["AGG-57"] == {
        "id": "AGG-57",
        "description": "#57 Washed Stone",
        "item_class": "Stock item",
        "unit": "TON",
        "category": "AGG",
        "price": "18.50",
        "sales_gl": "4000-00",
        "expense_gl": "5000-00",
        "inactive": "No",
        "taxable": None,
        "restricted": None,
        "is_default": None,
    }
    assert items["RIPRAP-L"]["id"] == "RIPRAP-L"  # padding trimmed
    assert items["HAUL-HR"]["item_class"] == "Service" and items["HAUL-HR"]["sales_gl"] == ""
    assert items["DELIVERY"]["item_class"] == "Charge item"
    assert items["WINTER-SALT"]["inactive"] == "Yes"
    assert items["FILL-DIRT"]["price"] is None  # NULL amount: not supplied


def test_a_gl_record_number_missing_from_the_chart_is_never_written(demo):
    """A number Sage 50's Chart does not have makes the item INVALID: never the
    template's account for a new item, never a record number shown as an account."""
    connection = sqlite3.connect(demo.settings.sage50.path)
    with connection:
        connection.execute(
            "UPDATE LineItem SET SaleAcctRecordNumber = 999 "
            "WHERE ItemID IN ('AGG-57', 'CRUSH-LIME')"
        )
        connection.execute("UPDATE Chart SET AccountID = '4000-01' WHERE AccountID = '5000-00'")
    connection.close()
    plan = demo.plan("materials")
    for item in ("AGG-57", "CRUSH-LIME"):
        row = plan.by_id[item]
        assert row.status is Status.INVALID and row.values["sales_gl"] is None
        assert row.reasons[0].startswith("Sales GL # is Chart of Accounts record 999, which")
        assert "999" not in repr(row.values)


def test_a_null_inactive_flag_in_smsturbo_is_no_and_a_vendor_is_reactivated_from_zzdefault(demo):
    """SMSTurbo's unticked box may be NULL: the same as No, so an active item is still
    IN SYNC. A vendor active again in Sage 50 gets ZZDEFAULT's credit status back (the
    template is a customer), as a reactivated customer does."""
    connection = sqlite3.connect(demo.settings.smsturbo.path)
    with connection:
        connection.execute("UPDATE Material SET Inactive = NULL WHERE MaterialID = 'AGG-57'")
        connection.execute("UPDATE Vendors SET CreditStatus = 'INACTIVE' WHERE VendorID = 'V001'")
    connection.close()
    assert demo.plan("materials").by_id["AGG-57"].status is Status.IN_SYNC
    vendor = demo.plan("vendors").by_id["V001"]
    assert vendor.status is Status.DIFFERENT
    assert [c.describe() for c in vendor.changes] == ["Credit Status: INACTIVE → CASH"]


def test_a_company_or_smsturbo_without_the_materials_table_skips_them_when_all_are_asked(demo):
    from click.testing import CliRunner

    from smsync_xl.cli import main

    settings = ["--settings", str(demo.settings_path)]
    with closing(sqlite3.connect(demo.settings.smsturbo.path)) as db, db:
        db.execute("DROP TABLE Material")
    result = CliRunner().invoke(main, ["sync", *settings, "--yes"])
    assert result.exit_code == 0, result.output
    assert "Materials skipped: SMSTurbo has no Material table (the table mapping's " in (
        result.output
    )
    assert "Import completed: 15 created, 11 updated" in result.output
    with closing(sqlite3.connect(demo.settings.sage50.path)) as db, db:
        db.execute("DROP TABLE LineItem")
    result = CliRunner().invoke(main, ["plan", *settings])
    assert result.exit_code == 0, result.output
    assert "Materials skipped: the Sage 50 company has no LineItem table" in result.output
    assert "Customers: 2 NEW" in result.output and "Materials:" not in result.output
