"""Sage 50 Canadian Edition: the company's tables read from a real MariaDB server through
the MariaDB ODBC driver (as from Sage 50's own MySQL), with the Québec nastiness of the
Canada demo's records, the read-only session, and the plain messages for a Sage 50 that
is not running, a wrong password and a user without third-party read access."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pyodbc
import pytest

from smsync_xl.app.open_sides import open_source
from smsync_xl.connections.odbc import connect
from smsync_xl.core.errors import (
    AuthorizationError,
    EngineNotRunningError,
    SageConnectionError,
    SettingsError,
    SourceFormatError,
)
from smsync_xl.core.fields import CUSTOMER, MATERIAL, VENDOR, SageRecord
from smsync_xl.core.settings import Connection, Settings
from smsync_xl.demo.canada import CANADA_COMPANY, create_canada_demo, write_canada_company
from smsync_xl.files.settings_file import load_settings
from smsync_xl.sources.sage50_canada import SIDE, Sage50CanadaSource

from . import odbc_env
from .mariadb_env import MARIADB_DRIVER, PORT, MariaDB, running


@pytest.fixture(scope="module")
def canada_server(odbc: odbc_env.OdbcConfig) -> Iterator[MariaDB]:
    """A throwaway Canada company database on the real MariaDB server, loaded once for
    these tests; its ODBC driver is registered only meanwhile (other tests list the
    drivers installed)."""
    with running(odbc, "simply_test") as server:
        loader = pyodbc.connect(server.connection_string(server.writer), autocommit=True)
        write_canada_company(loader.cursor())
        loader.close()
        yield server


def _settings(folder: Path, server: MariaDB, user: str, *extra: str, port: int = PORT) -> Settings:
    """Settings for the company on the server, as the bookkeeper types them in Setup:
    driver, server:port, database, user."""
    settings = create_canada_demo(folder)
    text = settings.read_text(encoding="utf-8")
    odbc = (
        f'[sage50]\nedition = "canada"\nkind = "odbc"\ndriver = "{MARIADB_DRIVER}"\n'
        f'server = "127.0.0.1:{port}"\ndatabase = "{server.database}"\nuser = "{user}"\n'
        + "".join(f"{line}\n" for line in extra)
    )
    demo = '[sage50]\nedition = "canada"\nkind = "sqlite"\npath = "sage50_demo.sqlite"\n'
    assert demo in text
    settings.write_text(text.replace(demo, odbc), encoding="utf-8")
    return load_settings(settings)


@pytest.fixture
def password(monkeypatch: pytest.MonkeyPatch, canada_server: MariaDB) -> str:
    monkeypatch.setenv("SMSYNC_SAGE50_PASSWORD", canada_server.password)
    return canada_server.password


def _by_id(records: list[SageRecord]) -> dict[str, SageRecord]:
    return {r.id: r for r in records}


def test_the_company_is_read_through_the_mariadb_odbc_driver(tmp_path, canada_server, password):
    source = open_source(_settings(tmp_path, canada_server, canada_server.reader))
    assert isinstance(source, Sage50CanadaSource)
    assert source.db.dbms == "mariadb"
    assert source.company_name() == CANADA_COMPANY == "Granulats Saint-Laurent Ltée"
    customers = _by_id(source.read(CUSTOMER))
    epicerie = customers["Épicerie Tremblay"]
    assert epicerie.values | {"id": None} == {
        **dict.fromkeys(CUSTOMER.turbo_fields),
        "name": "Épicerie Tremblay",
        "address1": "1250 rue Sainte-Catherine",
        "address2": "",
        "city": "Montréal",
        "state": "QC",
        "zip": "H2X 1Y4",
        "country": "Canada",
        "contact": "Marie Côté",
        "phone1": "514-555-0100",
        "phone2": "",
        "fax": "",
        "email": "comptes@example.ca",
        "credit_limit": "5000.00",
        "terms": "30",
    }
    assert (epicerie.inactive, epicerie.source_key) == (False, "10")
    assert epicerie.problems == (
        "Sage 50 Canadian Edition keeps no customer ID: the customer name stands as the "
        "SMSTurbo ID and cannot be one as it is (Sage 50 record 10)",
    )
    long_name = "Société de Transport de Trois-Rivières"
    assert customers[long_name].values["city"] == "Trois-Rivières"
    assert {"Béton Montréal Inc.", "béton montréal inc", "GRAVIERS LAVAL", "GRAVIERS-LAVAL"} <= set(
        customers
    )
    inactive = customers["ANCIEN-CLIENT"]
    assert (inactive.inactive, inactive.values["credit_status"]) == (True, "INACTIVE")
    assert customers["BOUCHARD-BETON"].problems == ()
    vendors = _by_id(source.read(VENDOR))
    assert vendors["Garage Côté & Fils"].values["zip"] == "G1K 3A9"
    assert (
        vendors["Garage Côté & Fils"]
        .problems[0]
        .startswith("Sage 50 Canadian Edition keeps no vendor ID: the vendor name stands")
    )


def test_items_take_the_price_of_the_chosen_list_and_currency(tmp_path, canada_server, password):
    def read(folder: str, *extra: str) -> dict[str, SageRecord]:
        settings = _settings(tmp_path / folder, canada_server, canada_server.reader, *extra)
        return _by_id(open_source(settings).read(MATERIAL))

    items = read("regular")
    assert items["GRAV-20MM"].values["price"] == "18.50"
    assert items["PIERRE 0-3/4"].values["price"] == "27.00"
    assert read("list 2", "price_list = 2")["GRAV-20MM"].values["price"] == "19.50"
    assert read("currency 2", 'currency = "2"')["GRAV-20MM"].values["price"] == "20.50"
    with pytest.raises(SettingsError, match="no price in price list 3"):
        read("list 3", "price_list = 3")
    remblai = items["REMBLAI"]
    assert (remblai.inactive, remblai.values["inactive"], remblai.values["unit"]) == (
        True,
        "Yes",
        "YD",
    )
    assert items["GRAV-20MM"].values["description"] == "Gravier concassé 20 mm"


def test_mariadb_and_the_sqlite_demo_read_the_same(tmp_path, canada_server, password):
    """The demo stores the same tables in SQLite: the same reader SQL gives the same
    records from both."""
    server = open_source(_settings(tmp_path / "server", canada_server, canada_server.reader))
    demo = open_source(load_settings(create_canada_demo(tmp_path / "demo")))
    for entity in (CUSTOMER, VENDOR, MATERIAL):
        assert server.read(entity) == demo.read(entity)
    assert server.company_name() == demo.company_name()


def test_the_session_refuses_writes_even_for_a_user_who_may_write(tmp_path, canada_server):
    conn = Connection(
        kind="odbc",
        driver=MARIADB_DRIVER,
        server=f"127.0.0.1:{PORT}",
        database=canada_server.database,
        user=canada_server.writer,
    )
    db = connect(conn, SIDE, canada_server.password, read_only=True)
    with pytest.raises(pyodbc.Error, match="READ ONLY"):
        db.connection.execute("UPDATE tCustomr SET sCity = 'x'")
    assert db.query("SELECT COUNT(*) FROM tCustomr WHERE sCity = 'x'") == [(0,)]


def test_a_wrong_password_says_which_sage_50_user(tmp_path, canada_server, monkeypatch):
    monkeypatch.setenv("SMSYNC_SAGE50_PASSWORD", "not-the-password")
    with pytest.raises(AuthorizationError) as raised:
        open_source(_settings(tmp_path, canada_server, canada_server.reader))
    error = raised.value
    assert error.message.startswith(
        "Sage 50 Canadian Edition refused the user name or password (Access denied for user "
        f"'{canada_server.reader}'"
    )
    assert "Setup > Set Up Users" in error.advice
    assert "smsync-xl password set sage50" in error.advice


def test_a_user_without_third_party_access_is_told_where_to_grant_it(
    tmp_path, canada_server, password
):
    with pytest.raises(SageConnectionError) as raised:
        open_source(_settings(tmp_path, canada_server, canada_server.stranger))
    error = raised.value
    assert not isinstance(error, AuthorizationError)  # no password question: a right is missing
    assert error.message == (
        "Sage 50 Canadian Edition let the user in but not to the company's data (Access "
        f"denied for user '{canada_server.stranger}'@'%' to database '{canada_server.database}')"
    )
    assert error.advice.startswith(
        "In Sage 50 sign in as sysadmin, open Setup > Set Up Users, choose this user and give "
        "it Read data access for third-party products"
    )


def test_sage_50_not_running_says_to_open_the_company(tmp_path, canada_server, password):
    port = odbc_env.closed_port()
    with pytest.raises(EngineNotRunningError) as raised:
        open_source(_settings(tmp_path, canada_server, canada_server.reader, port=port))
    error = raised.value
    assert error.message.startswith("no Sage 50 Canadian Edition database engine answered")
    assert error.advice.startswith("Start Sage 50 and open the company on the computer")
    assert f"127.0.0.1:{port}" in error.where


def _demo_company(tmp_path: Path, sql: str) -> Sage50CanadaSource:
    """The Canada demo company (SQLite) changed by ``sql``."""
    settings = create_canada_demo(tmp_path)
    with sqlite3.connect(tmp_path / "sage50_demo.sqlite") as connection:
        connection.execute(sql)
    connection.close()
    source = open_source(load_settings(settings))
    assert isinstance(source, Sage50CanadaSource)
    return source


def test_a_missing_column_is_named(tmp_path):
    source = _demo_company(tmp_path, "ALTER TABLE tCustomr DROP COLUMN sPostalZip")
    with pytest.raises(SourceFormatError) as raised:
        source.read(CUSTOMER)
    assert raised.value.message == "table tCustomr has no column sPostalZip"
    assert source.read(VENDOR)  # the vendors' table still has it


def test_a_missing_price_table_is_named_and_other_lists_still_read(tmp_path):
    source = _demo_company(tmp_path, "DROP TABLE tInvPrc")
    with pytest.raises(SourceFormatError) as raised:
        source.read(MATERIAL)
    assert raised.value.message == "the Sage 50 company has no table tInvPrc"
    assert len(source.read(CUSTOMER)) == 14


def test_table_and_column_names_are_found_whatever_their_letter_case(
    tmp_path, odbc, canada_server, password
):
    """MySQL on Linux tells tVendor from TVENDOR; Sage 50 on Windows does not, so an
    install may have either spelling: the catalogue's is used."""
    other = MariaDB(password=canada_server.password)
    other.start(odbc)
    try:
        loader = pyodbc.connect(other.connection_string(other.writer), autocommit=True)
        write_canada_company(loader.cursor())
        loader.execute("RENAME TABLE tVendor TO TVENDOR")
        loader.execute("ALTER TABLE TVENDOR CHANGE sPostalZip SPOSTALZIP VARCHAR(9)")
        loader.close()
        settings = _settings(tmp_path, other, other.reader)
        vendors = _by_id(open_source(settings).read(VENDOR))
    finally:
        other.stop()
    assert vendors["PNEUS-LEVIS"].values["zip"] == "G6V 4Z2"
    assert len(vendors) == 5


def test_an_absent_list_is_reported_as_missing(tmp_path):
    source = _demo_company(tmp_path, "DROP TABLE tVendor")
    assert source.missing_list(VENDOR) == (
        f"the Sage 50 company has no tVendor table ({source.location()})"
    )


@pytest.mark.parametrize("value", ['"Regular"', "0", "-1", "1.5", "true"])
def test_a_price_list_that_is_no_record_number_is_refused(tmp_path, value):
    settings = create_canada_demo(tmp_path)
    text = settings.read_text(encoding="utf-8")
    settings.write_text(text.replace("[sage50]\n", f"[sage50]\nprice_list = {value}\n"), "utf-8")
    with pytest.raises(SettingsError) as raised:
        load_settings(settings)
    assert raised.value.where.endswith("sage50.price_list")
    assert raised.value.message.startswith("expected a whole number from 1 up, got ")


def _priced_demo(tmp_path: Path, setting: str) -> Sage50CanadaSource:
    """The SQLite demo company read with ``setting`` added to [sage50]."""
    settings = create_canada_demo(tmp_path)
    text = settings.read_text(encoding="utf-8")
    settings.write_text(text.replace("[sage50]\n", f"[sage50]\n{setting}\n"), "utf-8")
    source = open_source(load_settings(settings))
    assert isinstance(source, Sage50CanadaSource)
    return source


@pytest.mark.parametrize(
    ("setting", "key", "named"),
    [
        ("price_list = 9", "sage50.price_list", "the price lists it has are 1, 2"),
        ("currency = 3", "sage50.currency", "the currencies it has are 1, 2"),
        ("price_list = 2\ncurrency = 2", "sage50.price_list", "price list 2 has prices in"),
    ],
)
def test_a_price_list_or_currency_with_no_price_at_all_is_refused(tmp_path, setting, key, named):
    """Every new item would otherwise be priced 0 and every price difference hidden."""
    source = _priced_demo(tmp_path, setting)
    with pytest.raises(SettingsError) as raised:
        source.read(MATERIAL)
    error = raised.value
    assert error.where.startswith(f"settings.toml: {key} (") and "sage50_demo.sqlite" in error.where
    assert "every inventory item would be read without a price" in error.message
    assert named in error.message
    assert len(source.read(CUSTOMER)) == 14


def test_an_item_without_a_price_in_an_existing_list_reads_no_price(tmp_path):
    source = _priced_demo(tmp_path, "price_list = 2")
    with sqlite3.connect(tmp_path / "sage50_demo.sqlite") as connection:
        connection.execute("DELETE FROM tInvPrc WHERE lInventId = 1 AND lPrcListId = 2")
    connection.close()
    items = source.read(MATERIAL)
    assert [i.values["price"] for i in items].count(None) == 1
