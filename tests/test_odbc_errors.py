"""Each connection problem of DOMAIN.md §2 provoked with the real drivers, and the
plain-language advice it must give; plus proof that Sage 50 is only ever read."""

from __future__ import annotations

import re
import sqlite3
import sys
from pathlib import Path

import pytest

import smsync_xl.connections.odbc
import smsync_xl.sources.sage50
import smsync_xl.sources.sage50_csv
from smsync_xl.connections.odbc import connect, connection_string
from smsync_xl.connections.odbc_errors import SAGE50, connect_error
from smsync_xl.core.errors import (
    ArchitectureError,
    AuthorizationError,
    DriverNotFoundError,
    EngineNotRunningError,
    SageConnectionError,
    SourceFormatError,
    TargetLoginError,
)
from smsync_xl.core.fields import CUSTOMER
from smsync_xl.core.settings import Connection, settings_from_values
from smsync_xl.sides import open_source, open_store

from . import odbc_env
from .conftest import pg_database


def sage_settings(tmp_path, **sage: str):
    values = {f"sage50.{k}": v for k, v in sage.items()}
    values.update({"sage50.kind": "odbc", "smsturbo.path": "unused.sqlite"})
    return settings_from_values(values, base=tmp_path, locate=str)


def test_wrong_password_says_where_sage50_keeps_it(tmp_path, sage_pg_dsn, postgres, monkeypatch):
    monkeypatch.setenv("SMSYNC_SAGE50_PASSWORD", "not-it-42")
    settings = sage_settings(tmp_path, dsn=sage_pg_dsn, user=postgres.role)
    with pytest.raises(AuthorizationError) as error:
        open_source(settings)
    text = str(error.value)
    assert "Maintain > Users > Set Up Security" in text
    assert "Data Access/Crystal Reports" in text
    assert "smsync-xl password set sage50" in text and "SMSYNC_SAGE50_PASSWORD" in text
    assert "not-it-42" not in text


def test_missing_password_is_asked_once_then_used(tmp_path, sage_pg_dsn, postgres):
    settings = sage_settings(tmp_path, dsn=sage_pg_dsn, user=postgres.role)
    questions = []

    def prompt(question: str) -> str:
        questions.append(question)
        return postgres.password

    source = open_source(settings, prompt=prompt)
    assert source.company_name() == "Bellwether Aggregates & Hauling"
    assert questions == [f"Sage 50 password for user {postgres.role}"]
    with pytest.raises(AuthorizationError):
        open_source(settings)


def test_unknown_dsn_lists_the_dsns_and_drivers_that_exist(tmp_path, sage_sqlite_dsn):
    with pytest.raises(DriverNotFoundError) as error:
        open_source(sage_settings(tmp_path, dsn="BELLWETHER"))
    text = str(error.value)
    assert "no ODBC data source (DSN) named 'BELLWETHER'" in text
    assert sage_sqlite_dsn in text and odbc_env.SQLITE_DRIVER in text
    assert "64-bit ODBC Data Source Administrator" in text


def test_unknown_driver_lists_the_drivers_that_exist(tmp_path, odbc):
    settings = sage_settings(
        tmp_path,
        driver="Pervasive ODBC Client Interface",
        server="OFFICE.1583",
        database="BELLWETHER",
    )
    with pytest.raises(DriverNotFoundError) as error:
        open_source(settings)
    text = str(error.value)
    assert "the ODBC driver 'Pervasive ODBC Client Interface' could not be loaded" in text
    assert f"Drivers installed for this 64-bit Python: {odbc_env.PG_DRIVER}" in text
    assert "Pervasive / Actian Zen client" in text
    assert "is 32-bit and invisible to this 64-bit Python" in text


def test_stopped_engine_says_to_start_it(tmp_path, postgres, passwords):
    settings = sage_settings(
        tmp_path,
        driver=odbc_env.PG_DRIVER,
        server=f"127.0.0.1:{odbc_env.closed_port()}",
        database="company",
        user=postgres.role,
    )
    with pytest.raises(EngineNotRunningError) as error:
        open_source(settings)
    text = str(error.value)
    assert "Connection refused" in text
    assert "Start Sage 50 on the computer that holds the company" in text
    assert "default 1583" in text


def test_engine_that_never_answers_times_out(postgres):
    with odbc_env.silent_server() as port:
        conn = Connection(
            "odbc",
            driver=odbc_env.PG_DRIVER,
            server=f"127.0.0.1:{port}",
            database="company",
            user=postgres.role,
        )
        with pytest.raises(EngineNotRunningError, match="timeout expired") as error:
            connect(conn, SAGE50, postgres.password, read_only=True, timeout=1)
    assert "Actian Zen engine service" in str(error.value)


def test_architecture_mismatch_names_python_and_driver():
    # IM014 only exists in the Windows driver manager (32-bit driver, 64-bit Python);
    # unixODBC cannot produce it, so this one is a unit test of the translation.
    # 28000 is what Pervasive answers for a wrong password; no driver here sends it
    # at connect time (PostgreSQL's refusal is 08001, tested above with the real driver).
    import pyodbc

    def translated(state: str, text: str):
        return connect_error(
            pyodbc.Error(state, text),
            SAGE50,
            "ODBC DSN Bellwether",
            dsn="Bellwether",
            driver="",
            installed_dsns={},
            installed_drivers=[],
        )

    error = translated(
        "IM014",
        "[IM014] [Microsoft][ODBC Driver Manager] The specified DSN contains an "
        "architecture mismatch between the Driver and Application (0) (SQLDriverConnect)",
    )
    assert isinstance(error, ArchitectureError)
    assert "DSN 'Bellwether' is not built for a 64-bit program" in str(error)
    assert "'Pervasive ODBC Client Interface' is 32-bit: run SMSync with a 32-bit Python" in (
        error.advice
    )
    error = translated(
        "28000",
        "[28000] [Pervasive][ODBC Client Interface]Invalid user "
        "authorization specification (-1903)",
    )
    assert isinstance(error, AuthorizationError) and "Data Access/Crystal Reports" in str(error)


@pytest.fixture
def broken_sage(tmp_path, odbc, postgres, passwords):
    """A PostgreSQL database with Sage 50 names, but no Customers table and a Company
    table whose name column is not CompanyName."""
    name = postgres.create_database()
    db = pg_database(postgres, name)
    db.execute('CREATE TABLE "Company" ("Name" CHAR(39))')
    db.close()
    dsn = odbc.add_dsn(
        f"broken_{name}",
        odbc_env.PG_DRIVER,
        Servername="127.0.0.1",
        Database=name,
        Username=postgres.role,
    )
    return open_source(sage_settings(tmp_path, dsn=dsn, user=postgres.role))


def test_missing_table_is_named_with_advice(broken_sage):
    with pytest.raises(SourceFormatError) as error:
        broken_sage.read(CUSTOMER)
    assert 'relation "Customers" does not exist' in str(error.value)
    assert "points at the Sage 50 US company" in error.value.advice


def test_missing_column_is_named_with_advice(broken_sage):
    with pytest.raises(SourceFormatError) as error:
        broken_sage.company_name()
    assert 'column "CompanyName" does not exist' in str(error.value)
    assert "points at the Sage 50 US company" in error.value.advice


def test_missing_table_through_sqlite_odbc(tmp_path, odbc):
    sqlite3.connect(tmp_path / "empty.sqlite").close()
    dsn = odbc.add_dsn(
        "smsync_empty", odbc_env.SQLITE_DRIVER, Database=str(tmp_path / "empty.sqlite")
    )
    with pytest.raises(SourceFormatError, match="no such table: Company"):
        open_source(sage_settings(tmp_path, dsn=dsn)).company_name()


def test_smsturbo_wrong_password_names_its_own_fix(tmp_path, turbo_pg_dsn, monkeypatch):
    monkeypatch.setenv("SMSYNC_SMSTURBO_PASSWORD", "wrong-one")
    (tmp_path / "sage.sqlite").touch()
    settings = settings_from_values(
        {"sage50.path": "sage.sqlite", "smsturbo.kind": "odbc", "smsturbo.dsn": turbo_pg_dsn},
        base=tmp_path,
        locate=str,
    )
    with pytest.raises(TargetLoginError) as error:
        open_store(settings)
    assert "SMSYNC_SMSTURBO_PASSWORD" in error.value.advice
    assert "wrong-one" not in str(error.value)


def test_postgres_sage_connection_refuses_writes(tmp_path, sage_pg_dsn, postgres, passwords):
    import pyodbc

    source = open_source(sage_settings(tmp_path, dsn=sage_pg_dsn, user=postgres.role))
    with pytest.raises(pyodbc.Error) as error:
        source.db.execute('DELETE FROM "Customers"')
    assert error.value.args[0] == "25006"
    assert "read-only transaction" in error.value.args[1]
    assert len(source.read(CUSTOMER)) == 48


def test_sqlite_odbc_sage_connection_refuses_writes(tmp_path, sage_sqlite_dsn):
    import pyodbc

    source = open_source(sage_settings(tmp_path, dsn=sage_sqlite_dsn))
    with pytest.raises(pyodbc.Error, match="attempt to write a readonly database"):
        source.db.execute('UPDATE "Customers" SET "Contact" = ?', ["changed"])
    assert {r.values["contact"] for r in source.read(CUSTOMER)} != {"changed"}


def test_source_modules_only_select():
    for module in (
        smsync_xl.sources.sage50,
        smsync_xl.sources.sage50_csv,
        smsync_xl.connections.odbc,
    ):
        text = Path(module.__file__).read_text(encoding="utf-8")
        statements = re.findall(
            r"\b(INSERT|UPDATE|DELETE|MERGE|DROP|CREATE|ALTER|TRUNCATE|GRANT)\b", text, re.I
        )
        assert statements == [], module.__name__


def test_without_unixodbc_the_odbc_side_says_what_to_install(demo, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyodbc", None)  # 'import pyodbc' raises ImportError
    with pytest.raises(SageConnectionError, match="ODBC is not available") as error:
        open_source(sage_settings(tmp_path, dsn="Bellwether"))
    assert "apt-get install unixodbc" in error.value.advice
    assert demo.reload().source.company_name() == "Bellwether Aggregates & Hauling"


def test_connection_string_from_setup_fields():
    pervasive = Connection(
        kind="odbc",
        driver="{Pervasive ODBC Client Interface}",
        server="OFFICE-PC:1583",
        database="BELLWETHER",
        user="Peachtree",
    )
    assert connection_string(pervasive, "p;w}d") == (
        "Driver={Pervasive ODBC Client Interface};ServerName=OFFICE-PC.1583;DBQ=BELLWETHER;"
        "UID=Peachtree;PWD={p;w}}d}"
    )
    other = Connection(
        kind="odbc", driver="PostgreSQL Unicode", server="db:5432", database="smsturbo", user="u"
    )
    assert connection_string(other, None) == (
        "Driver={PostgreSQL Unicode};Server=db;Port=5432;Database=smsturbo;UID=u"
    )
