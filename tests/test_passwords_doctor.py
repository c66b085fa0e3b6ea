"""Passwords never land in settings, output or the databases; the keyring and the
prompt; and ``smsync-xl doctor`` on real drivers."""

from __future__ import annotations

from pathlib import Path

import keyring
import pytest
from click.testing import CliRunner

from smsync_xl.cli import main
from smsync_xl.connections import passwords
from smsync_xl.core.errors import KeyringUnavailableError, SettingsError
from smsync_xl.demo.company import create_demo
from smsync_xl.demo.data import COMPANY_NAME
from smsync_xl.pc.doctor import windows_library

from . import odbc_env
from .workbook_helpers import demo_workbook


def run(*args, input=None):
    return CliRunner().invoke(main, [str(a) for a in args], input=input)


def test_no_keyring_backend_means_no_stored_password():
    assert type(keyring.get_keyring()).__module__ == "keyring.backends.fail"
    assert passwords.lookup("sage50") is None  # the 'fail' backend raises; not a crash


@pytest.mark.parametrize("side", sorted(passwords.ENV))
def test_a_keyring_that_cannot_keep_it_names_the_variable_to_set(side):
    assert type(keyring.get_keyring()).__module__ == "keyring.backends.fail"
    with pytest.raises(KeyringUnavailableError) as error:
        passwords.store(side, "Kept-nowhere-7")
    assert not isinstance(error.value, SettingsError)  # the settings are not at fault
    assert error.value.where == "keyring service smsync-xl"
    assert error.value.advice == f"Set the environment variable {passwords.ENV[side]} instead."
    assert "Kept-nowhere-7" not in str(error.value)


def test_password_set_without_a_keyring_says_what_to_do_instead():
    result = run("password", "set", "smsturbo", input="abc123\nabc123\n")
    assert result.exit_code == 1
    assert "no system keyring to keep the password in" in result.output
    assert "Set the environment variable SMSYNC_SMSTURBO_PASSWORD instead." in result.output


def test_environment_comes_before_the_keyring(memory_keyring, monkeypatch):
    passwords.store("smsturbo", "from-keyring")
    assert passwords.lookup("smsturbo") == "from-keyring"
    monkeypatch.setenv("SMSYNC_SMSTURBO_PASSWORD", "from-env")
    assert passwords.lookup("smsturbo") == "from-env"


def test_password_set_keeps_it_in_the_keyring(memory_keyring):
    result = run("password", "set", "sage50", input="abc123\nabc123\n")
    assert result.exit_code == 0, result.output
    assert memory_keyring.kept[("smsync-xl", "sage50")] == "abc123"
    assert "MemoryKeyring" in result.output


def write_settings(tmp_path, sage_dsn: str, turbo_dsn: str, role: str):
    path = tmp_path / "settings.toml"
    path.write_text(
        f'[sage50]\nkind = "odbc"\ndsn = "{sage_dsn}"\nuser = "{role}"\n\n'
        f'[smsturbo]\nkind = "odbc"\ndsn = "{turbo_dsn}"\n',
        encoding="utf-8",
    )
    return path


def test_password_is_nowhere_after_refresh_and_synchronize(
    tmp_path, sage_pg_dsn, turbo_pg_dsn, postgres, memory_keyring, monkeypatch
):
    secret = postgres.password
    passwords.store("sage50", secret)
    monkeypatch.setenv("SMSYNC_SMSTURBO_PASSWORD", secret)
    settings = write_settings(tmp_path, sage_pg_dsn, turbo_pg_dsn, postgres.role)
    outputs = [
        run("plan", "--settings", settings, "--save", tmp_path / "plan.json"),
        run("sync", "--settings", settings, "--yes", "--entity", "customers", "PROSPECT1"),
        run("runs", "--settings", settings, "--details", "1"),
        run("doctor", "--settings", settings),
    ]
    assert [r.exit_code for r in outputs] == [0, 0, 0, 0], outputs[-1].output
    assert "1 created" in outputs[1].output
    texts = [r.output for r in outputs]
    texts += [
        p.read_text(encoding="utf-8", errors="replace") for p in tmp_path.rglob("*") if p.is_file()
    ]
    texts += [str(postgres_rows) for postgres_rows in dump_turbo(postgres, turbo_pg_dsn)]
    assert all(secret not in text for text in texts)

    monkeypatch.setenv("SMSYNC_SAGE50_PASSWORD", "Wrong-" + secret)
    refused = run("plan", "--settings", settings)
    assert refused.exit_code == 1 and "Data Access/Crystal Reports" in refused.output
    assert secret not in refused.output


def dump_turbo(postgres, dsn: str) -> list[list[tuple]]:
    import pyodbc

    connection = pyodbc.connect(f"DSN={dsn};PWD={postgres.password}")
    tables = ['"Customers"', '"Vendors"', "SMSync_Runs", "SMSync_Changes"]
    rows = [[tuple(r) for r in connection.execute(f"SELECT * FROM {t}")] for t in tables]
    connection.close()
    return rows


def test_doctor_lists_drivers_dsns_bitness_and_both_connections(
    tmp_path, sage_sqlite_dsn, turbo_pg_dsn, postgres, passwords
):
    settings = tmp_path / "settings.toml"
    settings.write_text(
        f'[sage50]\nkind = "odbc"\ndsn = "{sage_sqlite_dsn}"\n\n'
        f'[smsturbo]\nkind = "odbc"\ndsn = "{turbo_pg_dsn}"\n',
        encoding="utf-8",
    )
    result = run("doctor", "--settings", settings)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "64-bit" in out.splitlines()[0]
    assert f"ok       {odbc_env.PG_DRIVER}: " in out and "psqlodbcw.so, 64-bit" in out
    assert f"  {sage_sqlite_dsn} → {odbc_env.SQLITE_DRIVER}" in out
    assert f'Sage 50 (odbc): ok, company "{COMPANY_NAME}"\n' in out
    assert "  ok       48 customers\n  ok       22 vendors\n  ok       31 items\n" in out
    assert (
        "SMSTurbo (odbc): ok\n  ok       33 customers\n  ok       template customer ZZDEFAULT"
        in out
    )
    assert "  ok       19 materials\n  ok       template material ZZDEFAULT\n" in out
    assert "No problems found." in out


def test_doctor_gives_each_problem_its_fix(tmp_path, odbc):
    fake32 = tmp_path / "libold32odbc.so"
    fake32.write_bytes(b"\x7fELF\x01\x01\x01" + bytes(57))
    odbc.add_driver("Old 32-bit Driver", str(fake32))
    odbc.add_driver("Removed Driver", "/nonexistent/libremoved.so")
    settings = tmp_path / "settings.toml"
    settings.write_text(
        '[sage50]\nkind = "odbc"\ndriver = "Old 32-bit Driver"\ndatabase = "company"\n\n'
        '[smsturbo]\nkind = "odbc"\ndsn = "NoSuchTurbo"\n',
        encoding="utf-8",
    )
    try:
        result = run("doctor", "--settings", settings)
    finally:
        odbc.remove_driver("Old 32-bit Driver")
        odbc.remove_driver("Removed Driver")
    out = result.output
    assert result.exit_code == 1
    assert "3 problem(s):" in out
    assert "driver 'Old 32-bit Driver' is 32-bit and this Python is 64-bit" in out
    assert "Fix: Use a 32-bit Python for this driver" in out
    assert "PROBLEM  Removed Driver: library /nonexistent/libremoved.so not found" in out
    assert "driver 'Removed Driver'" not in out  # listed, but the settings do not use it
    assert "no ODBC data source (DSN) named 'NoSuchTurbo'" in out
    assert "SMSTurbo: settings.toml: smsturbo.dsn (ODBC DSN NoSuchTurbo)" in out


def test_doctor_still_lists_drivers_when_the_settings_are_wrong(tmp_path, odbc):
    settings = tmp_path / "settings.toml"
    settings.write_text('[sage50]\nkind = "csv"\npath = "nope"\n', encoding="utf-8")
    result = run("doctor", "--settings", settings)
    assert result.exit_code == 1
    assert f"ok       {odbc_env.PG_DRIVER}: " in result.output
    assert "settings.toml: sage50.path:" in result.output and "does not exist" in result.output
    assert "No usable settings: connection tests skipped." in result.output


def test_doctor_reads_a_csv_folder_it_cannot_use(tmp_path, odbc):
    (tmp_path / "exports").mkdir()
    settings = tmp_path / "settings.toml"
    settings.write_text(
        '[sage50]\nkind = "csv"\npath = "exports"\n\n[smsturbo]\n'
        'kind = "sqlite"\npath = "missing.sqlite"\n',
        encoding="utf-8",
    )
    result = run("doctor", "--settings", settings)
    assert 'Sage 50 (csv): ok, company "Sage 50 exports in' in result.output
    assert "  PROBLEM  customers" in result.output and "  PROBLEM  items" in result.output
    assert "no Customer List export (CUSTOMER.CSV)" in result.output
    assert "no Inventory Item List export (ITEM.CSV)" in result.output


def test_doctor_takes_the_settings_from_the_workbook(tmp_path, odbc):
    book = demo_workbook(tmp_path)
    result = run("doctor", "--book", book)
    assert "Sage 50 (sqlite): ok" in result.output and "48 customers" in result.output
    assert "SMSTurbo (sqlite): ok\n  ok       33 customers\n" in result.output
    assert "  ok       19 materials\n  ok       template material ZZDEFAULT\n" in result.output


def test_windows_driver_paths(monkeypatch):
    monkeypatch.setenv("SYSTEMROOT", r"C:\Windows")
    assert windows_library(r"%SYSTEMROOT%\system32\PODBC32.dll", True) == (
        r"C:\Windows\SysWOW64\PODBC32.dll"
    )
    assert windows_library(r"C:\Windows\System32\x64.dll", False) == r"C:\Windows\System32\x64.dll"


def test_doctor_never_says_no_problems_after_a_problem_line(tmp_path, odbc):
    settings = create_demo(tmp_path)
    odbc.add_driver("Removed Driver", "/nonexistent/libremoved.so")
    try:
        result = run("doctor", "--settings", settings)
    finally:
        odbc.remove_driver("Removed Driver")
    out = result.output
    assert "PROBLEM  Removed Driver: library /nonexistent/libremoved.so not found" in out
    assert "No problems found." not in out
    assert (
        "No problem for these settings: the driver(s) marked PROBLEM above "
        "(Removed Driver) are not used by them." in out
    )
    assert result.exit_code == 0, out


def test_doctor_finds_the_sqlite_driver_where_debian_installs_it(tmp_path, odbc):
    library = "/usr/lib/x86_64-linux-gnu/odbc/libsqlite3odbc.so"
    if not Path(library).exists():
        pytest.skip(f"no Debian libsqliteodbc here ({library})")
    odbc.add_driver("SQLite3", "libsqlite3odbc.so")
    try:
        result = run("doctor", "--settings", create_demo(tmp_path))
    finally:
        odbc.remove_driver("SQLite3")
    assert f"  ok       SQLite3: {library}, 64-bit\n" in result.output
