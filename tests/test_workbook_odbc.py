"""The workbook's own buttons against real ODBC drivers: Sage 50 through psqlODBC,
SMSTurbo embedded or in PostgreSQL — and the password nowhere in what is saved."""

from __future__ import annotations

import zipfile

import pytest

from smsync_xl import macros
from smsync_xl.app.open_sides import open_store
from smsync_xl.book.file import FileBook
from smsync_xl.book.layout import LOG, SAGE_ONLY, SETUP, STATUS, setup_layout
from smsync_xl.book.setup_sheet import read_setup
from smsync_xl.demo.company import create_smsturbo
from smsync_xl.demo.data import DEMO_LISTS

from .test_odbc_scenario import dump
from .workbook_helpers import Dialogs, demo_workbook, open_book


@pytest.fixture(params=["sqlite-embedded", "postgresql-odbc"])
def book(request, tmp_path, sage_pg_dsn, postgres, passwords):
    path = demo_workbook(tmp_path)
    values = {
        "sage50.kind": "odbc",
        "sage50.dsn": sage_pg_dsn,
        "sage50.user": postgres.role,
        "sage50.path": None,
    }
    if request.param == "sqlite-embedded":
        create_smsturbo(tmp_path / "embedded.sqlite", DEMO_LISTS)
        values |= {"smsturbo.path": "embedded.sqlite"}
    else:
        values |= {
            "smsturbo.kind": "odbc",
            "smsturbo.path": None,
            "smsturbo.dsn": request.getfixturevalue("turbo_pg_dsn"),
            "smsturbo.user": postgres.role,
        }
    port = open_book(path)
    for key, value in values.items():
        port.write_cell(SETUP, setup_layout().setting(key).cell, value)
    for cell in setup_layout().replace_cells:
        port.write_cell(SETUP, cell.cell, "x")
    port.finish()
    return path


def statuses(path) -> set[str]:
    table = open_book(path).read_table(SAGE_ONLY)
    return {row[table.column(STATUS)] for row in table.rows}


def test_buttons_end_to_end_and_no_password_saved(book, passwords):
    store = open_store(read_setup(open_book(book))[0])
    before = dump(store)
    dialogs = Dialogs(True, False)
    assert macros.refresh(open_book(book, dialogs)), dialogs.alerts
    assert statuses(book) == {"NEW", "DIFFERENT", "INVALID"}
    assert macros.check_all(open_book(book))
    dialogs = Dialogs(True)
    assert macros.synchronize(open_book(book, dialogs)), dialogs.alerts
    assert dialogs.alerts[0].startswith("Import completed: 10 created, 9 updated")
    assert macros.refresh(open_book(book, Dialogs(True, False)))
    assert statuses(book) == {"NEW", "INVALID"}
    table = open_book(book).read_table(SAGE_ONLY)
    left = {r[table.column("ID")]: r[table.column("Inactive")] for r in table.rows}
    assert {i for i, inactive in left.items() if inactive} == {"RETAIL", "PROSPECT5"}
    assert macros.undo_last(open_book(book, Dialogs(True)))
    assert dump(store) == before

    with zipfile.ZipFile(book) as archive:
        saved = b"".join(archive.read(name) for name in archive.namelist())
    assert passwords.encode() not in saved
    log = open_book(book).read_table(LOG)
    assert all(passwords not in str(cell) for row in log.rows for cell in row)


def test_a_missing_password_is_asked_once_then_kept_in_the_keyring(
    book, passwords, monkeypatch, memory_keyring
):
    monkeypatch.delenv("SMSYNC_SAGE50_PASSWORD")
    monkeypatch.delenv("SMSYNC_SMSTURBO_PASSWORD")
    asked = []

    def ask(question):
        asked.append(question)
        return passwords

    dialogs = Dialogs(True, True)
    port = FileBook(
        book,
        confirm=dialogs.confirm,
        alert=dialogs.alerts.append,
        status=lambda _: None,
        ask_password=ask,
    )
    assert macros.refresh(port), dialogs.alerts
    assert asked[0].startswith("Sage 50 password for user ")
    assert memory_keyring.kept[("smsync-xl", "sage50")] == passwords
    asked.clear()
    assert macros.refresh(open_book(book, Dialogs(True, True)))
    assert asked == []
    with zipfile.ZipFile(book) as archive:
        assert passwords.encode() not in b"".join(archive.read(n) for n in archive.namelist())


def test_a_cancelled_password_question_gives_the_plain_error(book, monkeypatch, memory_keyring):
    monkeypatch.delenv("SMSYNC_SAGE50_PASSWORD")
    dialogs = Dialogs(True, True)
    port = FileBook(
        book,
        confirm=dialogs.confirm,
        alert=dialogs.alerts.append,
        status=lambda _: None,
        ask_password=lambda _: None,
    )
    assert not macros.refresh(port)
    assert "password" in dialogs.alerts[0] and "Set Up Security" in dialogs.alerts[0]
