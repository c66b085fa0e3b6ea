"""Sage 50 UK over ODBC: a company with the driver's table and column names (the
integrator Zynk's published schema) in an SQLite file, read through the SQLite ODBC
driver with a Sage-style connection (DSN, UID, DIR=). Sage's own driver is Windows-only.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from smsync_xl.app.open_sides import open_source
from smsync_xl.book.layout import SAGE_COLUMNS, SAGE_ONLY
from smsync_xl.book.sheets import table_rows
from smsync_xl.connections.db import open_sqlite
from smsync_xl.connections.odbc import connect, connection_string
from smsync_xl.connections.odbc_errors import SAGE50
from smsync_xl.core.compare import ComparisonFacts, compare
from smsync_xl.core.errors import AuthorizationError, SettingsError, SourceFormatError
from smsync_xl.core.fields import CUSTOMER, MATERIAL, VENDOR
from smsync_xl.core.settings import FLAG_RULE, Connection, EntitySettings, StatusRule
from smsync_xl.core.uk_layout import UkLayout, uk_layout
from smsync_xl.core.vocabulary import Status, View
from smsync_xl.demo.uk_company import write_uk_company
from smsync_xl.files.settings_file import load_settings
from smsync_xl.sources.editions import odbc_connection
from smsync_xl.sources.sage50_uk import Sage50UkSource

from . import odbc_env

RULE = StatusRule(by_code={"STOPPED - SEE MANAGER": "HOLD"})


def _account(ref: str, name: str, **columns: object) -> dict[str, object]:
    row: dict[str, object] = {
        "ACCOUNT_REF": ref,
        "NAME": name,
        "ADDRESS_1": "67a Station Road",
        "ADDRESS_2": "",
        "ADDRESS_3": "Blackpool",
        "ADDRESS_4": "Lancashire",
        "ADDRESS_5": "BP12 7HT",
        "CONTACT_NAME": "Ian Cairns",
        "TELEPHONE": "01742 876 234",
        "TELEPHONE_2": "",
        "FAX": "",
        "E_MAIL": "accounts@example.co.uk",
        "ANALYSIS_1": "Trade",
        "ANALYSIS_2": "North West",
        "STATUS_NUMBER": 0,
        "STATUS_TEXT": "Open",
        "COUNTRY_CODE": "GB",
        "PAYMENT_DUE_DAYS": 30,
        "CREDIT_LIMIT": 1000.0,
        "ACCOUNT_ON_HOLD": 0,
        "INACTIVE_FLAG": 0,
        "RECORD_DELETED": 0,
    }
    row.update(columns)
    return row


CUSTOMERS = [
    _account("A1D001", "A1 Design Services"),
    _account(
        "CAFE01",
        "Café Crème £ Ltd",
        ADDRESS_3="Newcastle upon Tyne",
        ADDRESS_4="NE1 4GF",
        ADDRESS_5="",
        INACTIVE_FLAG="N",
        ACCOUNT_ON_HOLD="N",
        RECORD_DELETED="N",
    ),
    _account("AMBIG01", "Two Postcodes Ltd", ADDRESS_4="NE1 4GF", ADDRESS_5="Tyne & Wear"),
    _account("HOLD01", "On Hold Haulage", ACCOUNT_ON_HOLD=1),
    _account("HOLDY", "Stopped Skips", ACCOUNT_ON_HOLD="Y", STATUS_TEXT="Stopped - see manager"),
    _account("INACT01", "Closed Quarry", INACTIVE_FLAG="Y"),
    _account("GONE1", "Deleted One", RECORD_DELETED=1),
    _account("GONEY", "Deleted Y", RECORD_DELETED="Y"),
    _account("BADFLAG", "Odd Flag", INACTIVE_FLAG="X"),
]
SUPPLIERS = [
    _account("CON001", "Concept Stationery Supplies", ADDRESS_4="", ADDRESS_5="NE1 4GF"),
    _account("OLD001", "Former Supplier", RECORD_DELETED="Y"),
]
PRODUCTS = [
    {
        "STOCK_CODE": "BOARD001",
        "DESCRIPTION": "Whiteboard - Drywipe (900 x 1200)",
        "UNIT_OF_SALE": "Tonne",
        "NOMINAL_CODE": "4000",
        "PURCHASE_NOMINAL_CODE": "5000",
        "SALES_PRICE": 20.5,
        "STOCK_CAT": 6,
        "STOCK_CAT_NAME": "Aggregates",
        "INACTIVE_FLAG": 0,
        "RECORD_DELETED": 0,
    },
    {
        "STOCK_CODE": "PIPE/150MM/CLASS-B-LONG",
        "DESCRIPTION": "Pipe 150mm £/m",
        "SALES_PRICE": 12.0,
        "STOCK_CAT_NAME": "Pipes",
        "INACTIVE_FLAG": "Y",
    },
    {"STOCK_CODE": "GONE/ITEM", "DESCRIPTION": "Deleted", "INACTIVE_FLAG": 0, "RECORD_DELETED": 1},
]
COMPANY = "Bûrton & Sons (Aggregates) £ Ltd"


@pytest.fixture(scope="module")
def uk_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("ACCDATA")
    path = folder / "uk.sqlite"
    db = open_sqlite(path)
    write_uk_company(
        db,
        {
            "COMPANY": [{"NAME": COMPANY}],
            "SALES_LEDGER": CUSTOMERS,
            "PURCHASE_LEDGER": SUPPLIERS,
            "STOCK": PRODUCTS,
        },
        flag_type="VARCHAR(1)",
    )
    db.close()
    return path


def _source(
    odbc,
    uk_file: Path,
    layout: UkLayout | None = None,
    rule: StatusRule = RULE,
    dsn: str = "SageLine50v29",
):
    """The company through its own DSN name: unixODBC may not see a DSN rewritten within
    the same second."""
    odbc.add_dsn(dsn, odbc_env.SQLITE_DRIVER, Database=str(uk_file))
    conn = Connection(kind="odbc", dsn=dsn, user="MANAGER")
    db = connect(conn, SAGE50, None, read_only=True, extra=(("DIR", str(uk_file.parent)),))
    return Sage50UkSource(db, lambda e: FLAG_RULE if e is MATERIAL else rule, layout or UkLayout())


def _by_id(records):
    return {r.id: r for r in records}


def test_the_connection_names_the_dsn_user_and_accdata_folder():
    conn = Connection(kind="odbc", dsn="SageLine50v29", user="MANAGER")
    text = connection_string(conn, "secret", (("DIR", r"C:\ProgramData\Sage\ACCDATA"),))
    assert text == r"DSN=SageLine50v29;UID=MANAGER;PWD=secret;DIR=C:\ProgramData\Sage\ACCDATA"


def test_customers_read_by_the_uk_convention(odbc, uk_file):
    source = _source(odbc, uk_file)
    assert source.company_name() == COMPANY
    records = _by_id(source.read(CUSTOMER))
    assert sorted(records) == sorted(
        ["A1D001", "CAFE01", "AMBIG01", "HOLD01", "HOLDY", "INACT01", "BADFLAG"]
    )
    first = records["A1D001"]
    assert first.values == {
        **dict.fromkeys(CUSTOMER.turbo_fields),
        "id": "A1D001",
        "name": "A1 Design Services",
        "address1": "67a Station Road",
        "address2": "",
        "city": "Blackpool",
        "state": "Lancashire",
        "zip": "BP12 7HT",
        "country": "GB",
        "contact": "Ian Cairns",
        "phone1": "01742 876 234",
        "phone2": "",
        "fax": "",
        "email": "accounts@example.co.uk",
        "type": "Trade",
        "credit_status": None,
        "credit_limit": "1000.00",
        "terms": "30",
    }
    assert first.problems == () and first.notes == () and not first.inactive


def test_a_postcode_shifted_up_is_taken_and_said(odbc, uk_file):
    cafe = _by_id(_source(odbc, uk_file).read(CUSTOMER))["CAFE01"]
    assert cafe.values["name"] == "Café Crème £ Ltd"
    assert (cafe.values["city"], cafe.values["state"], cafe.values["zip"]) == (
        "Newcastle upon Tyne",
        "",
        "NE1 4GF",
    )
    assert cafe.notes == (
        "postcode 'NE1 4GF' read from SALES_LEDGER.ADDRESS_4: SALES_LEDGER.ADDRESS_5, the "
        "postcode line, is blank",
    )
    assert cafe.problems == () and not cafe.inactive


def test_a_postcode_above_a_filled_postcode_line_is_ambiguous(odbc, uk_file):
    ambiguous = _by_id(_source(odbc, uk_file).read(CUSTOMER))["AMBIG01"]
    assert ambiguous.problems == (
        "SALES_LEDGER.ADDRESS_4 'NE1 4GF' looks like a postcode but the postcode line "
        "SALES_LEDGER.ADDRESS_5 holds 'Tyne & Wear'; SMSync does not guess which is the postcode: "
        "correct the address in Sage 50",
    )


def test_on_hold_inactive_and_flags_as_y_n_or_0_1(odbc, uk_file):
    records = _by_id(_source(odbc, uk_file).read(CUSTOMER))
    assert records["HOLDY"].values["credit_status"] == "HOLD"
    assert records["HOLDY"].problems == ()
    assert records["HOLD01"].values["credit_status"] is None
    assert records["HOLD01"].problems == (
        "the account is on hold in Sage 50 (SALES_LEDGER.ACCOUNT_ON_HOLD) but its status "
        "'Open' has no SMSTurbo credit status in Setup's credit-status map; add e.g. "
        "'On Hold = HOLD' to the map (credit_status.map), then Refresh",
    )
    assert records["INACT01"].inactive and records["INACT01"].values["credit_status"] == "INACTIVE"
    assert records["BADFLAG"].problems == (
        "SALES_LEDGER.INACTIVE_FLAG is 'X', which is no Sage 50 UK yes/no (0 or 1, N or Y); "
        "SMSync does not guess: correct the record in Sage 50",
    )


def test_an_on_hold_entry_in_the_map_serves_every_held_account(odbc, uk_file):
    rule = StatusRule(by_code={"ON HOLD": "HOLD"})
    held = _by_id(_source(odbc, uk_file, rule=rule).read(CUSTOMER))["HOLD01"]
    assert held.values["credit_status"] == "HOLD" and held.problems == ()


def test_suppliers_without_deleted_rows(odbc, uk_file):
    records = _by_id(_source(odbc, uk_file).read(VENDOR))
    assert list(records) == ["CON001"]
    supplier = records["CON001"].values
    assert (supplier["state"], supplier["zip"], supplier["type"]) == ("", "NE1 4GF", "Trade")
    assert "credit_limit" not in {f.name for f in VENDOR.fields}
    assert supplier["credit_limit"] is None  # vendors take no credit limit from Sage 50


def test_products_keep_their_long_codes_and_are_invalid_by_the_id_rule(odbc, uk_file):
    records = _by_id(_source(odbc, uk_file).read(MATERIAL))
    assert sorted(records) == ["BOARD001", "PIPE/150MM/CLASS-B-LONG"]
    board = records["BOARD001"].values
    assert {k: board[k] for k in ("description", "unit", "category", "price", "inactive")} == {
        "description": "Whiteboard - Drywipe (900 x 1200)",
        "unit": "Tonne",
        "category": "Aggregates",
        "price": "20.50",
        "inactive": "No",
    }
    assert (board["sales_gl"], board["expense_gl"], board["item_class"]) == ("4000", "5000", None)
    pipe = records["PIPE/150MM/CLASS-B-LONG"]
    assert pipe.inactive and pipe.values["inactive"] == "Yes"
    plan = compare(MATERIAL, [pipe], [], ComparisonFacts(EntitySettings(), rule=FLAG_RULE))
    (row,) = plan.rows
    assert row.status is Status.INVALID and row.id == "PIPE/150MM/CLASS-B-LONG"
    assert "ID is 23 characters; SMSTurbo allows at most 15" in row.reasons
    assert "ID contains '/'; SMSTurbo allows only A-Z, 0-9, - and _" in row.reasons


def test_the_layout_chooses_lines_type_and_category(odbc, uk_file):
    layout = UkLayout(
        address_lines=("address1", "city", "none", "state", "zip"),
        customer_type="ANALYSIS_2",
        stock_category="STOCK_CAT",
    )
    source = _source(odbc, uk_file, layout)
    first = _by_id(source.read(CUSTOMER))["A1D001"].values
    assert (first["address1"], first["address2"], first["city"], first["type"]) == (
        "67a Station Road",
        None,
        "",
        "North West",
    )
    assert _by_id(source.read(MATERIAL))["BOARD001"].values["category"] == "6"


def test_a_company_without_the_ledger_column_is_named(odbc, tmp_path):
    path = tmp_path / "other.sqlite"
    db = open_sqlite(path)
    db.execute('CREATE TABLE "SALES_LEDGER" ("ACCOUNT_REF" TEXT, "NAME" TEXT)')
    db.close()
    with pytest.raises(
        SourceFormatError, match="table SALES_LEDGER has no column ANALYSIS_1, INACTIVE_FLAG\n"
    ):
        _source(odbc, path, dsn="SageLine50v28").read(CUSTOMER)


def test_the_uk_settings_are_validated_naming_the_key():
    values = {"uk.address_lines": ["address1", "street", "city", "state", "zip"]}
    with pytest.raises(SettingsError) as raised:
        uk_layout(values.get, lambda key: f"settings.toml: {key}")
    assert raised.value.where == "settings.toml: uk.address_lines"
    assert "'street' is no SMSTurbo address field" in str(raised.value)
    with pytest.raises(SettingsError, match="'ANALYSIS_9' is not one of"):
        uk_layout({"uk.customer_type": "ANALYSIS_9"}.get, str)
    assert uk_layout({}.get, str) == UkLayout()


def test_settings_with_the_uk_edition_open_the_uk_reader_with_dir(odbc, uk_file, memory_keyring):
    dsn = odbc.add_dsn("SageLine50v30", odbc_env.SQLITE_DRIVER, Database=str(uk_file))
    turbo = uk_file.parent / "turbo.sqlite"
    open_sqlite(turbo).close()
    settings = uk_file.parent / "settings.toml"
    settings.write_text(
        f'[sage50]\nedition = "uk"\nkind = "odbc"\ndsn = "{dsn}"\nuser = "MANAGER"\n'
        f'database = "{uk_file.parent}"\n[smsturbo]\npath = "turbo.sqlite"\n'
        '[uk]\ncustomer_type = "analysis 2"\n',
        encoding="utf-8",
    )
    loaded = load_settings(settings)
    assert odbc_connection(loaded)[1] == (("DIR", str(uk_file.parent)),)
    source = open_source(loaded)
    assert source.company_name() == COMPANY
    assert _by_id(source.read(CUSTOMER))["A1D001"].values["type"] == "North West"


def test_the_sheet_shows_how_the_postcode_was_read(odbc, uk_file):
    cafe = _by_id(_source(odbc, uk_file).read(CUSTOMER))["CAFE01"]
    plan = compare(CUSTOMER, [cafe], [], ComparisonFacts(EntitySettings()))
    (row,) = table_rows(plan, View.NOT_IN_SYNC)[SAGE_ONLY]
    shown = dict(zip((c.title for c in SAGE_COLUMNS), row, strict=True))
    assert (shown["Status"], shown["Reason"]) == ("NEW", cafe.notes[0])


def test_a_refused_sage_user_gets_the_uk_advice(
    odbc, postgres, monkeypatch, memory_keyring, tmp_path
):
    dsn = odbc.add_dsn(
        "SageLine50v31",
        odbc_env.PG_DRIVER,
        Servername=odbc_env.PG_HOST,
        Port=str(odbc_env.PG_PORT),
        Database="postgres",
    )
    monkeypatch.setenv("SMSYNC_SAGE50_PASSWORD", "not-the-password")
    settings = tmp_path / "settings.toml"
    open_sqlite(tmp_path / "turbo.sqlite").close()
    settings.write_text(
        f'[sage50]\nedition = "uk"\nkind = "odbc"\ndsn = "{dsn}"\nuser = "{postgres.role}"\n'
        f'database = "{tmp_path}"\n[smsturbo]\npath = "turbo.sqlite"\n',
        encoding="utf-8",
    )
    with pytest.raises(AuthorizationError) as raised:
        open_source(load_settings(settings))
    error = raised.value
    assert error.message.startswith("Sage 50 Accounts (UK) refused the user name or password")
    assert "not-the-password" not in str(error)
    assert error.advice.startswith(
        "Use a Sage 50 user and its password: Setup's User (MANAGER when access rights are off)."
    )


def test_the_uk_demo_reads_the_same_through_odbc_as_from_its_sqlite_file(odbc, tmp_path):
    from smsync_xl.core.fields import ENTITIES
    from smsync_xl.demo.uk_demo import create_uk_demo

    settings = load_settings(create_uk_demo(tmp_path))
    by_file = open_source(settings)
    odbc.add_dsn(
        "SageUkDemo", odbc_env.SQLITE_DRIVER, Database=str(tmp_path / "sage50_demo.sqlite")
    )
    conn = Connection(kind="odbc", dsn="SageUkDemo", user="MANAGER")
    db = connect(conn, SAGE50, None, read_only=True, extra=(("DIR", str(tmp_path)),))
    by_odbc = Sage50UkSource(db, settings.status_rule, settings.uk)
    for entity in ENTITIES.values():
        odbc_records = by_odbc.read(entity)
        assert odbc_records == by_file.read(entity), entity.key
        assert len(odbc_records) > 0
