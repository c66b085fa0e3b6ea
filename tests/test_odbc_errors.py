"""Each connection problem of docs/DOMAIN.md §2 provoked with the real drivers, and the
plain-language advice it must give; the translation table kind by kind; and proof that
reading Sage 50 sends nothing but SELECTs and opens its exports only to read them."""

from __future__ import annotations

import builtins
import io
import os
import re
import sqlite3
import sys
from pathlib import Path

import pytest

from smsync_xl.app.open_sides import open_source, open_store
from smsync_xl.connections import odbc_errors
from smsync_xl.connections.db import Database
from smsync_xl.connections.odbc import connect, connection_string
from smsync_xl.connections.odbc_errors import (
    ARCHITECTURE,
    AUTHORIZATION,
    NO_ACCESS,
    NO_COLUMN,
    NO_DATABASE,
    NO_DSN,
    NO_TABLE,
    NOT_FOUND,
    SAGE50,
    SMSTURBO,
    STATEMENT_TRANSLATIONS,
    UNREACHABLE,
    classify,
    connect_error,
)
from smsync_xl.connections.passwords import ENV
from smsync_xl.core.errors import (
    ArchitectureError,
    AuthorizationError,
    DriverNotFoundError,
    EngineNotRunningError,
    SageConnectionError,
    SourceFormatError,
    TargetError,
    TargetLoginError,
)
from smsync_xl.core.fields import CUSTOMER, VENDOR
from smsync_xl.core.settings import Connection
from smsync_xl.core.vocabulary import BUTTON_WORDS, Words
from smsync_xl.demo.company import write_sage_exports
from smsync_xl.demo.data import COMPANY_NAME, DEMO_LISTS
from smsync_xl.files.settings_file import settings_from_values
from smsync_xl.sources.sage50_csv import Sage50CsvSource

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


def test_missing_database_says_to_check_the_settings(tmp_path, postgres, passwords):
    # PostgreSQL answers 08001 here too: the text tells it from a stopped engine.
    settings = sage_settings(
        tmp_path,
        driver=odbc_env.PG_DRIVER,
        server=f"{odbc_env.PG_HOST}:{odbc_env.PG_PORT}",
        database="no_such_company",
        user=postgres.role,
    )
    with pytest.raises(SageConnectionError) as error:
        open_source(settings)
    assert type(error.value) is SageConnectionError
    message = error.value.message
    assert message.startswith("the database named in the settings does not exist (")
    assert 'database "no_such_company" does not exist' in message
    assert error.value.advice == SAGE50.schema_advice


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
    before = source.read(CUSTOMER)
    with pytest.raises(pyodbc.Error, match="attempt to write a readonly database"):
        source.db.execute('UPDATE "Customers" SET "Contact" = ?', ["changed"])
    assert source.read(CUSTOMER) == before and len(before) == 48


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


# What reading Sage 50 sends and opens.


class RecordingCursor:
    """A DB-API cursor that notes every statement before the driver runs it."""

    def __init__(self, cursor, sent: list[str]) -> None:
        self._cursor, self._sent = cursor, sent

    def execute(self, sql, *args):
        self._sent.append(sql)
        return self._cursor.execute(sql, *args)

    def executemany(self, sql, *args):
        self._sent.append(sql)
        return self._cursor.executemany(sql, *args)

    def __getattr__(self, name):
        return getattr(self._cursor, name)


class RecordingConnection:
    def __init__(self, connection, sent: list[str]) -> None:
        self._connection, self._sent = connection, sent

    def cursor(self):
        return RecordingCursor(self._connection.cursor(), self._sent)

    def execute(self, sql, *args):
        self._sent.append(sql)
        return self._connection.execute(sql, *args)

    def __getattr__(self, name):
        return getattr(self._connection, name)


def record_statements(monkeypatch) -> list[str]:
    """Every SQL statement sent through any Database opened from now on (statements
    the ODBC layer sends while connecting, to make the session read-only, come first)."""
    sent: list[str] = []
    original = Database.__init__

    def recording(self, connection, **kwargs):
        original(self, RecordingConnection(connection, sent), **kwargs)
        if isinstance(connection, sqlite3.Connection):
            self._dbms = "sqlite"  # the wrapper hides the type Database.dbms looks for

    monkeypatch.setattr(Database, "__init__", recording)
    return sent


def read_everything(source) -> tuple[str, int, int]:
    return source.company_name(), len(source.read(CUSTOMER)), len(source.read(VENDOR))


@pytest.mark.parametrize("company", ["sage_sqlite_dsn", "demo"])
def test_reading_sage50_sends_only_select(company, request, tmp_path, monkeypatch):
    found = request.getfixturevalue(company)  # before recording: the demo writes SMSTurbo
    settings = found.settings if company == "demo" else sage_settings(tmp_path, dsn=found)
    sent = record_statements(monkeypatch)
    source = open_source(settings)
    assert read_everything(source) == (COMPANY_NAME, 48, 22)
    assert len(sent) >= 5, sent  # company, and each entity's table and addresses
    not_select = [sql for sql in sent if not re.match(r"\s*SELECT\s", sql, re.I) or ";" in sql]
    assert not_select == []


def test_recorder_sees_a_write_attempt(demo, monkeypatch):
    sent = record_statements(monkeypatch)
    source = open_source(demo.settings)
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        source.db.execute('DELETE FROM "Customers"')
    assert sent == ['DELETE FROM "Customers"']


def file_states(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.iterdir())}


def record_opens(monkeypatch, folder: Path) -> list[tuple[str, str]]:
    """(file name, mode) of every file opened inside ``folder`` from now on."""
    opened: list[tuple[str, str]] = []
    original = io.open
    inside = folder.resolve()

    def recording(file, mode="r", *args, **kwargs):
        if isinstance(file, str | bytes | os.PathLike):
            path = Path(os.fsdecode(file)).resolve()
            if path.is_relative_to(inside):
                opened.append((path.name, mode))
        return original(file, mode, *args, **kwargs)

    monkeypatch.setattr(io, "open", recording)  # what pathlib calls
    monkeypatch.setattr(builtins, "open", recording)
    return opened


def test_csv_source_opens_its_exports_only_to_read(tmp_path, monkeypatch):
    folder = tmp_path / "exports"
    folder.mkdir()
    write_sage_exports(folder, DEMO_LISTS)
    settings = settings_from_values(
        {"sage50.kind": "csv", "sage50.path": "exports", "smsturbo.path": "unused.sqlite"},
        base=tmp_path,
        locate=str,
    )
    before = file_states(folder)
    opened = record_opens(monkeypatch, folder)
    source = open_source(settings)
    assert isinstance(source, Sage50CsvSource)
    assert read_everything(source)[1:] == (48, 22)
    assert {name for name, _ in opened} == {"CUSTOMER.CSV", "VENDOR.CSV"}
    assert all(set(mode) <= set("rbt") for _, mode in opened), opened
    assert file_states(folder) == before


# The translation table, kind by kind (pure: no driver needed).


class DriverError(Exception):
    """What pyodbc raises: ``args`` are the SQLSTATE and the driver's text."""


PERVASIVE = "Pervasive ODBC Client Interface"
DRIVER_SAYS = {
    AUTHORIZATION: (
        "28000",
        "[Pervasive][ODBC Client Interface]Invalid user authorization specification",
        "{label} refused the user name or password (Invalid user authorization specification)",
    ),
    ARCHITECTURE: (
        "IM014",
        "[Microsoft][ODBC Driver Manager] The specified DSN contains an architecture mismatch "
        "between the Driver and Application (0) (SQLDriverConnect)",
        "the driver of DSN 'Bellwether' is not built for a 64-bit program",
    ),
    NO_DSN: (
        "IM002",
        "[unixODBC][Driver Manager]Data source name not found and no default driver "
        "specified (0) (SQLDriverConnect)",
        "no ODBC data source (DSN) named 'Bellwether' on this computer",
    ),
    NOT_FOUND: (
        "01000",
        f"[unixODBC][Driver Manager]Can't open lib '{PERVASIVE}' : file not found (0) "
        "(SQLDriverConnect)",
        f"the ODBC driver '{PERVASIVE}' could not be loaded (Can't open lib '{PERVASIVE}' : "
        "file not found)",
    ),
    UNREACHABLE: (
        "08001",
        "[Pervasive][ODBC Client Interface][Client LI]Connection refused (10061)",
        "no {label} database engine answered (Connection refused)",
    ),
    NO_DATABASE: (
        "08001",
        'FATAL:  database "bellwether" does not exist',
        'the database named in the settings does not exist (FATAL: database "bellwether" '
        "does not exist)",
    ),
    NO_ACCESS: (
        "42000",
        "[ma-3.1.15]Access denied for user 'reader'@'%' to database 'simply' (1044) "
        "(SQLDriverConnect)",
        "{label} let the user in but not to the company's data (Access denied for user "
        "'reader'@'%' to database 'simply')",
    ),
    "": (
        "HY000",
        "[Pervasive][ODBC Client Interface]General error (-4994)",
        "could not connect to {label}: General error (-4994)",
    ),
}
"""Per table row: the SQLSTATE and text a driver sends, and the message SMSync gives."""

EXCEPTIONS = {
    "sage50": {
        AUTHORIZATION: AuthorizationError,
        ARCHITECTURE: ArchitectureError,
        NO_DSN: DriverNotFoundError,
        NOT_FOUND: DriverNotFoundError,
        UNREACHABLE: EngineNotRunningError,
        NO_DATABASE: SageConnectionError,
        NO_ACCESS: SageConnectionError,
        "": SageConnectionError,
    },
    "smsturbo": {kind: TargetError for kind in DRIVER_SAYS} | {AUTHORIZATION: TargetLoginError},
}


def translated(state: str, text: str, side=SAGE50, *, dsn="Bellwether", driver=""):
    installed = {"Payroll": "SQLite3"} if state == "IM002" else {"Bellwether": PERVASIVE}
    return connect_error(
        DriverError(state, text),
        side,
        f"ODBC DSN {dsn}" if dsn else f"ODBC driver {driver}",
        dsn=dsn,
        driver=driver,
        installed_dsns=installed,
        installed_drivers=[PERVASIVE, "SQLite3"],
    )


def test_every_connect_kind_has_a_row():
    assert set(odbc_errors.CONNECT_TRANSLATIONS) == set(DRIVER_SAYS)


@pytest.mark.parametrize("side", [SAGE50, SMSTURBO], ids=lambda side: side.key)
@pytest.mark.parametrize("kind", list(DRIVER_SAYS), ids=lambda kind: kind or "other")
def test_translation_table(kind, side, monkeypatch):
    monkeypatch.setattr(odbc_errors, "python_bits", lambda: 64)
    state, text, message = DRIVER_SAYS[kind]
    error = translated(state, text, side)
    assert type(error) is EXCEPTIONS[side.key][kind]
    assert error.message == message.format(label=side.label)
    assert error.where == "ODBC DSN Bellwether"
    assert str(error).startswith("ODBC DSN Bellwether: ")
    advice = {
        AUTHORIZATION: side.login_advice,
        UNREACHABLE: side.engine_advice,
        NO_DATABASE: side.schema_advice,
    }.get(kind)
    if advice is not None:
        assert error.advice == advice
    assert error.advice and error.advice in str(error)
    if kind == AUTHORIZATION:
        assert ENV[side.key] in error.advice
        assert f"smsync-xl password set {side.key}" in " ".join(error.advice.split())
    elif kind == ARCHITECTURE:
        assert "This Python is 64-bit" in error.advice
        assert "64-bit ODBC Data Source Administrator" in error.advice
    elif kind == NO_DSN:
        assert "Data sources this 64-bit Python can see: Payroll." in error.advice
        assert f"Drivers: {PERVASIVE}, SQLite3." in error.advice
    elif kind == NOT_FOUND:
        assert f"Drivers installed for this 64-bit Python: {PERVASIVE}, SQLite3." in error.advice
        assert "is 32-bit and invisible to this 64-bit Python" in error.advice
    elif kind == "":
        assert "smsync-xl doctor" in error.advice


def test_translation_names_the_driver_when_there_is_no_dsn(monkeypatch):
    monkeypatch.setattr(odbc_errors, "python_bits", lambda: 32)
    state, text, _ = DRIVER_SAYS[ARCHITECTURE]
    error = translated(state, text, dsn="", driver="Pervasive ODBC Interface")
    assert type(error) is ArchitectureError
    assert (
        error.message == "the driver 'Pervasive ODBC Interface' is not built for a 32-bit program"
    )
    state, text, _ = DRIVER_SAYS[NOT_FOUND]
    error = translated(state, text, dsn="", driver="Actian Zen")
    assert type(error) is DriverNotFoundError
    assert error.message.startswith("the ODBC driver 'Actian Zen' could not be loaded")
    assert "invisible to this 64-bit Python" not in error.advice  # a 32-bit Python sees it


@pytest.mark.parametrize(
    ("state", "text", "kind"),
    [
        ("28000", "Invalid user authorization specification", AUTHORIZATION),
        ("08001", 'FATAL:  password authentication failed for user "u"', AUTHORIZATION),
        ("08001", "fe_sendauth: no password supplied", AUTHORIZATION),
        ("IM014", "architecture mismatch between the Driver and Application", ARCHITECTURE),
        ("IM002", "Data source name not found", NOT_FOUND),
        ("01000", "Can't open lib 'X' : file not found", NOT_FOUND),
        ("08001", 'FATAL:  database "x" does not exist', NO_DATABASE),
        ("08001", "Connection refused", UNREACHABLE),
        ("08S01", "Communication link failure", UNREACHABLE),
        ("HYT00", "timeout expired", UNREACHABLE),
        ("HYT01", "Connection timeout expired", UNREACHABLE),
        ("42S02", "Table not found", NO_TABLE),
        ("42P01", 'relation "Customers" does not exist', NO_TABLE),
        ("", "no such table: Company", NO_TABLE),
        ("42703", 'column "CompanyName" does not exist', NO_COLUMN),
        ("S0022", "Column not found", NO_COLUMN),
        ("", "no such column: Contact", NO_COLUMN),
        ("", 'database "x" does not exist', None),  # only with 08001
        ("25006", "cannot execute DELETE in a read-only transaction", None),
    ],
)
def test_classify_table(state, text, kind):
    assert classify(state, text) == kind


def test_each_statement_advice_names_the_next_step_in_the_speaking_faces_words():
    """The ribbon never names a command or flag; the command line never says "press" or
    "button" (issue 20): the advice holds the step as a fact, each face words it."""
    command_line = Words(
        refresh="run 'smsync-xl plan --settings s.toml'",
        synchronize="run 'smsync-xl sync --settings s.toml'",
        twice="another smsync-xl command?",
        again="run the command again",
        fewer="name fewer IDs, or one list with --entity",
        show_list="run 'smsync-xl plan --settings s.toml --entity {list}'",
    )
    for side in STATEMENT_TRANSLATIONS.values():
        for kind, translation in side.items():
            in_workbook = BUTTON_WORDS.fill(translation.advice)
            in_terminal = command_line.fill(translation.advice)
            assert "smsync-xl" not in in_workbook and "--" not in in_workbook, kind
            assert "press " not in in_terminal.lower() and "button" not in in_terminal, kind
            assert "{" not in in_workbook + in_terminal, kind
