"""The ribbon's macros on a real copy of SMSync.xlsm, through the file adapter."""

from __future__ import annotations

import html
import re
import sqlite3
import zipfile
from contextlib import closing

import pytest
from openpyxl import load_workbook

from smsync_xl import macros
from smsync_xl.app.open_sides import open_source, open_store
from smsync_xl.book.layout import (
    HEADER_ROW,
    INCLUDE,
    KEY,
    LOG,
    RESULT,
    SAGE_COLUMNS,
    SAGE_ONLY,
    SETUP,
    STATUS,
    TURBO_ONLY,
    VISIBLE,
    column_letter,
    setup_layout,
)
from smsync_xl.book.setup_sheet import read_setup
from smsync_xl.book.sheet_xml import formula_text
from smsync_xl.core.fields import CUSTOMER, ENTITIES, MATERIAL
from smsync_xl.core.vocabulary import TICK, Status
from smsync_xl.files.package_files import workbook_path
from smsync_xl.files.settings_file import load_settings
from smsync_xl.sync.apply import make_plan

from .conftest import dump
from .workbook_helpers import Dialogs, demo_workbook, edit_workbook, hide_rows, open_book


def cell(key: str) -> str:
    return setup_layout().setting(key).cell


@pytest.fixture
def book(tmp_path):
    return demo_workbook(tmp_path)


def refreshed(path, *answers):
    dialogs = Dialogs(*answers)
    assert macros.refresh(open_book(path, dialogs))
    return dialogs


def rows_by_id(path, sheet=SAGE_ONLY):
    table = open_book(path).read_table(sheet)
    key = table.column(KEY)
    return {
        str(r[key]).split(":", 1)[1]: dict(zip(table.header, r, strict=True)) for r in table.rows
    }


def tick(path, ticks: dict[str, object], sheet=SAGE_ONLY):
    port = open_book(path)
    table = port.read_table(sheet)
    key, include = table.column(KEY), table.column(INCLUDE)
    values = [ticks.get(str(r[key]).split(":", 1)[1], r[include]) for r in table.rows]
    port.write_column(sheet, INCLUDE, values)
    port.finish()


def turbo_plan(folder):
    settings = load_settings(folder / "settings.toml")
    return make_plan(CUSTOMER, open_source(settings), open_store(settings), settings)


def test_refresh_confirms_company_asks_view_and_fills_both_tables(book):
    dialogs = refreshed(book, True, False)
    assert "Bellwether Aggregates & Hauling" in dialogs.questions[0]
    assert dialogs.questions[1].startswith("Do you want to see missing customers only?")
    sage = rows_by_id(book)
    assert sage["DIFFNAME"][STATUS] == "DIFFERENT"
    assert sage["DIFFNAME"]["Changes"] == "Name: Different Name Inc → Different Name Inc."
    assert sage["RETAIL"]["Credit Status"] == "INACTIVE"
    assert sage["ACME CO"]["Reason"].startswith("ID contains a space")
    assert "C0001" not in sage  # IN SYNC rows are not listed
    assert set(rows_by_id(book, TURBO_ONLY)) == {
        "GRAVEL01",
        "WALKIN",
        "CASH-SALE",
        "T-ONLY1",
        "OLDCO",
        *(i for i in sage if sage[i][STATUS] == "DIFFERENT"),
    }
    summary = open_book(book).read_range(SAGE_ONLY, "A2")[0][0]
    assert summary.startswith("Customers: 12 NEW, 9 DIFFERENT, 18 IN SYNC, 9 INVALID")
    assert "not in sync" in summary and "Bellwether" in summary


def test_missing_only_view(book):
    refreshed(book, True, True)
    assert {r[STATUS] for r in rows_by_id(book).values()} == {"NEW", "INVALID"}
    assert len(rows_by_id(book, TURBO_ONLY)) == 5


def test_wrong_company_stops_and_changes_nothing(book):
    dialogs = refreshed(book, False)
    assert len(dialogs.questions) == 1
    assert rows_by_id(book) == {}


def test_tick_sort_filter_synchronize_then_refresh_shows_in_sync(book, tmp_path):
    refreshed(book, True, False)
    tick(
        book,
        {
            "PROSPECT1": "x",
            "DIFFNAME": True,
            "FORMULA1": "✓",
            "ZEROLIMIT": 1,
            "DIFFPHONE": "X",
            "ACME CO": "x",
        },
    )
    port = open_book(book)
    table = port.read_table(SAGE_ONLY)
    credit = table.column("Credit Status")
    reordered = sorted(table.rows, key=lambda r: (str(r[credit]), str(r[2])), reverse=True)
    port.write_table(SAGE_ONLY, reordered)
    port.finish()
    hide_rows(book, SAGE_ONLY, range(6, 10))

    dialogs = Dialogs(True)
    assert macros.synchronize(open_book(book, dialogs))
    assert "Bring 6 customers from Sage 50 company 'Bellwether" in dialogs.questions[0]
    assert dialogs.alerts == ["Import completed: 3 created, 2 updated, 1 skipped, 0 conflicts"]
    results = {i: r[RESULT] for i, r in rows_by_id(book).items()}
    assert results["PROSPECT1"] == "created"
    assert results["DIFFNAME"].startswith("updated: Name:")
    assert results["ACME CO"].startswith("skipped: ID contains a space")
    assert results["RETAIL"] is None

    plan = turbo_plan(tmp_path)
    for record_id in ("PROSPECT1", "DIFFNAME", "FORMULA1", "ZEROLIMIT", "DIFFPHONE"):
        assert plan.by_id[record_id].status is Status.IN_SYNC
    refreshed(book, True, False)
    assert "PROSPECT1" not in rows_by_id(book) and "DIFFNAME" not in rows_by_id(book)
    log = open_book(book).read_table(LOG)
    actions = [r[3] for r in log.rows]
    assert actions.count("Refresh") == 2 and "Synchronize" in actions


def test_junk_in_include_names_the_row_and_changes_nothing(book, tmp_path):
    refreshed(book, True, True)
    tick(book, {"PROSPECT2": "maybe"})
    before = dump(tmp_path / "smsturbo_demo.sqlite", audit=True)
    dialogs = Dialogs(True)
    assert not macros.synchronize(open_book(book, dialogs))
    row = 6 + list(rows_by_id(book)).index("PROSPECT2")
    assert dialogs.alerts == [
        f"Sage50-only sheet, row {row} (ID PROSPECT2): Include holds "
        "'maybe'\nType x to include the row, or clear the cell to leave "
        "it out."
    ]
    assert dialogs.questions == []
    assert dump(tmp_path / "smsturbo_demo.sqlite", audit=True) == before


def test_a_tick_on_the_smsturbo_only_sheet_is_refused(book, tmp_path):
    refreshed(book, True, True)
    tick(book, {"PROSPECT1": "x"})
    tick(book, {"WALKIN": "x"}, sheet=TURBO_ONLY)
    before = dump(tmp_path / "smsturbo_demo.sqlite", audit=True)
    dialogs = Dialogs(True)
    assert not macros.synchronize(open_book(book, dialogs))
    assert dialogs.alerts[0].startswith("SMSTurbo-only sheet, row ")
    assert "(ID WALKIN)" in dialogs.alerts[0] and "never writes to Sage 50" in dialogs.alerts[0]
    assert dump(tmp_path / "smsturbo_demo.sqlite", audit=True) == before


def test_setup_error_names_the_cell(book):
    port = open_book(book)
    port.write_cell(SETUP, cell("view"), "sideways")
    port.write_cell(SETUP, cell("sage50.path"), "missing.sqlite")
    port.finish()
    dialogs = Dialogs()
    assert not macros.refresh(open_book(book, dialogs))
    assert dialogs.alerts[0].startswith(
        f"Setup sheet, cell {cell('sage50.path')} (Company file or export folder): "
    )
    assert dialogs.questions == []
    port = open_book(book)
    port.write_cell(SETUP, cell("sage50.path"), "sage50_demo.sqlite")
    port.finish()
    dialogs = Dialogs()
    assert not macros.refresh(open_book(book, dialogs))
    assert dialogs.alerts[0].startswith(
        f"Setup sheet, cell {cell('view')} (Lists): 'sideways' is not one of"
    )


def test_replace_options_come_from_the_setup_grid(book, tmp_path):
    port = open_book(book)
    for target in setup_layout().replace_cells:
        if target.entity == "customers" and target.group in ("name", "address"):
            port.write_cell(SETUP, target.cell, None)
    port.finish()
    refreshed(book, True, False)
    sage = rows_by_id(book)
    assert sage["DIFFNAME"]["Changes"] is None
    assert sage["DIFFNAME"]["Other differences"].startswith("Name:")


def test_check_all_ticks_the_default_selection_of_visible_rows(book):
    refreshed(book, True, False)
    hide_rows(book, SAGE_ONLY, [6])
    assert macros.check_all(open_book(book))
    rows = list(rows_by_id(book).values())
    assert rows[0][INCLUDE] is None
    for row in rows[1:]:
        taken = (row[STATUS] == "NEW" and row["Inactive"] is None) or (
            row[STATUS] == "DIFFERENT" and row["Changes"] is not None
        )
        assert (row[INCLUDE] == "x") == taken, row
    by_id = rows_by_id(book)
    assert by_id["RETAIL"]["Inactive"] == "Yes" and by_id["RETAIL"][INCLUDE] is None
    assert by_id["WENTINACT"][INCLUDE] == "x"  # the update makes it inactive in SMSTurbo
    assert by_id["DIFFTYPE"][INCLUDE] is None  # differs only in a field not ticked
    assert macros.uncheck_all(open_book(book))
    assert all(r[INCLUDE] is None for r in rows_by_id(book).values())


def test_text_excel_would_run_is_stored_as_text(book):
    refreshed(book, True, True)
    with zipfile.ZipFile(book) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet2.xml").decode()
    visible = next(c.formula for c in SAGE_COLUMNS if c.formula)
    stored = set(re.findall(r"<f>(.*?)</f>", sheet_xml))
    # only the Visible column, as a file names it
    stored_visible = html.unescape(formula_text(visible))
    assert {html.unescape(f) for f in stored} == {stored_visible}
    saved = load_workbook(book)
    cells = [
        c
        for row in saved[SAGE_ONLY].iter_rows()
        for c in row
        if isinstance(c.value, str) and c.value[:1] in "=+-@" and c.value[1:] != stored_visible
    ]
    assert {c.value for c in cells} >= {
        "=SUM(A1:A9) Excavating",
        "+Plus Concrete",
        "+1 217 555 0111",
        "-Minus Materials",
        "@Front Desk",
    }
    assert {c.data_type for c in cells} == {"s"}
    ids = {c.value: c for row in saved[SAGE_ONLY].iter_rows() for c in row}
    assert ids["PROSPECT1"].number_format == "@"


def test_vba_and_both_ribbon_parts_survive_a_headless_save(book):
    refreshed(book, True, True)
    with zipfile.ZipFile(book) as saved, zipfile.ZipFile(workbook_path()) as built:
        assert saved.read("xl/vbaProject.bin") == built.read("xl/vbaProject.bin")
        for part in ("customUI/customUI.xml", "customUI/customUI14.xml"):
            assert saved.read(part) == built.read(part)
        rels = saved.read("_rels/.rels").decode()
        assert rels.count("ui/extensibility") == 2
        assert "macroEnabled.main+xml" in saved.read("[Content_Types].xml").decode()


def test_undo_from_the_workbook(book, tmp_path):
    database = tmp_path / "smsturbo_demo.sqlite"
    before = dump(database)
    refreshed(book, True, True)
    tick(book, {"PROSPECT1": "x", "PROSPECT2": "x"})
    assert macros.synchronize(open_book(book, Dialogs(True)))
    dialogs = Dialogs(True)
    assert macros.undo_last(open_book(book, dialogs))
    assert dialogs.questions[0].startswith("Undo synchronization 1 of ")
    assert dialogs.alerts[0].startswith("Undo of synchronization 1: 2 removed")
    assert dump(database) == before
    dialogs = Dialogs(True)
    assert not macros.undo_last(open_book(book, dialogs))
    assert "no synchronization left to undo" in dialogs.alerts[0]


def test_show_entity_shows_vendors(book):
    refreshed(book, True, True)
    assert macros.show_entity("vendors", open_book(book, Dialogs(True, True)))
    assert open_book(book).read_range(SETUP, cell("entity"))[0][0] == "Vendors"
    assert set(rows_by_id(book)) >= {"VNEW1", "ACE TIRE"}
    table = open_book(book).read_table(SAGE_ONLY)
    assert all(r[table.column(KEY)].startswith("vendors:") for r in table.rows)


def test_an_unexpected_failure_becomes_a_message_and_a_log_row(book, tmp_path, monkeypatch):
    refreshed(book, True, True)
    tick(book, {"PROSPECT1": "x"})
    before = dump(tmp_path / "smsturbo_demo.sqlite", audit=True)

    def broken(*_args, **_kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("smsync_xl.smsturbo.store.SMSTurboStore.insert_many", broken)
    dialogs = Dialogs(True)
    assert not macros.synchronize(open_book(book, dialogs))
    assert dialogs.alerts[0].startswith(
        "SMSync stopped on an unexpected error: RuntimeError: disk full"
    )
    log = open_book(book).read_table(LOG)
    assert "RuntimeError: disk full" in log.rows[-1][-1]
    assert dump(tmp_path / "smsturbo_demo.sqlite", audit=True) == before


def test_a_missing_smsturbo_file_names_its_setup_cell(book):
    port = open_book(book)
    port.write_cell(SETUP, cell("smsturbo.path"), "nope.sqlite")
    port.finish()
    dialogs = Dialogs(True, True)
    assert not macros.refresh(open_book(book, dialogs))
    assert dialogs.alerts[0].startswith(
        f"Setup sheet, cell {cell('smsturbo.path')} (SMSTurbo database file): SMSTurbo database"
    )


def test_a_renamed_header_is_explained_and_refresh_puts_it_right(book):
    refreshed(book, True, True)
    tick(book, {"PROSPECT1": "x"})
    port = open_book(book)
    port.write_cell(SAGE_ONLY, "A5", "Tick")
    port.finish()
    dialogs = Dialogs(True)
    assert not macros.synchronize(open_book(book, dialogs))
    assert dialogs.alerts[0] == (
        "Sage50-only sheet, header row 5: the table has no column "
        "'Include'\nPress Refresh: it rebuilds the table and its "
        "headers."
    )
    refreshed(book, True, True)
    assert open_book(book).read_table(SAGE_ONLY).header[0] == "Include"


def test_an_id_typed_over_on_the_sheet_is_refused(book, tmp_path):
    refreshed(book, True, True)
    port = open_book(book)
    table = port.read_table(SAGE_ONLY)
    index = [r[table.column(KEY)] for r in table.rows].index("customers:ACME CO")
    port.write_cell(SAGE_ONLY, f"C{table.sheet_row(index)}", "ACME-CO")
    port.write_cell(SAGE_ONLY, f"A{table.sheet_row(index)}", "x")
    port.finish()
    before = dump(tmp_path / "smsturbo_demo.sqlite", audit=True)
    dialogs = Dialogs(True)
    assert not macros.synchronize(open_book(book, dialogs))
    assert (
        f"row {table.sheet_row(index)} (ID ACME CO): the ID was changed on the sheet "
        "(to 'ACME-CO')" in dialogs.alerts[0]
    )
    assert "Change the ID in Sage 50" in dialogs.alerts[0]
    assert dump(tmp_path / "smsturbo_demo.sqlite", audit=True) == before


def test_a_bad_replace_tick_names_the_option(book):
    target = next(
        c for c in setup_layout().replace_cells if c.entity == "vendors" and c.group == "phone"
    )
    port = open_book(book)
    port.write_cell(SETUP, target.cell, "yes please")
    port.write_cell(SETUP, cell("view"), "sideways")
    port.finish()
    dialogs = Dialogs()
    assert not macros.refresh(open_book(book, dialogs))
    assert dialogs.alerts[0] == (
        f"Setup sheet, cell {target.cell} (Replace Options: Phone numbers (phones, fax), "
        "Vendors): 'yes please' is not a tick\nType x to tick, or clear the cell."
    )
    port = open_book(book)
    port.write_cell(SETUP, target.cell, "x")
    port.finish()
    dialogs = Dialogs()
    assert not macros.refresh(open_book(book, dialogs))
    assert "'sideways' is not one of not in sync, missing only, ask each time" in dialogs.alerts[0]


def test_a_damaged_hidden_fingerprint_names_the_row_and_changes_nothing(book, tmp_path):
    refreshed(book, True, True)
    tick(book, {"PROSPECT1": "x"})
    port = open_book(book)
    table = port.read_table(SAGE_ONLY)
    port.write_column(SAGE_ONLY, "Fingerprint", [None for _ in table.rows])
    port.finish()
    before = dump(tmp_path / "smsturbo_demo.sqlite", audit=True)
    dialogs = Dialogs(True)
    assert not macros.synchronize(open_book(book, dialogs))
    assert dialogs.alerts[0] == (
        "Sage50-only sheet, row 6 (ID PROSPECT1): the row's hidden Key or Fingerprint column "
        "is empty or damaged\nPress Refresh to rebuild the list, then tick the rows again."
    )
    assert dump(tmp_path / "smsturbo_demo.sqlite", audit=True) == before


def test_an_unknown_records_choice_names_the_cell(book):
    port = open_book(book)
    port.write_cell(SETUP, cell("entity"), "Suppliers")
    port.finish()
    dialogs = Dialogs()
    assert not macros.refresh(open_book(book, dialogs))
    assert dialogs.alerts[0] == (
        f"Setup sheet, cell {cell('entity')} (Records): 'Suppliers' is not Customers or "
        "Vendors or Materials\nChoose Customers or Vendors or Materials."
    )
    assert dialogs.questions == []


def test_a_custom_inactive_status_in_setup_leaves_inactive_rows_unticked(book, tmp_path):
    """Setup's inactive status CLOSED: the sheet shows CLOSED, greying and Check All
    follow the Inactive column, and Synchronize brings only active NEW rows."""
    import sqlite3

    connection = sqlite3.connect(tmp_path / "smsturbo_demo.sqlite")
    with connection:
        connection.execute("INSERT INTO CreditStatuses (Status) VALUES ('CLOSED')")
    connection.close()
    port = open_book(book)
    port.write_cell(SETUP, cell("credit_status.inactive"), "CLOSED")
    port.finish()
    refreshed(book, True, True)
    sage = rows_by_id(book)
    assert sage["RETAIL"]["Credit Status"] == "CLOSED" and sage["RETAIL"]["Inactive"] == "Yes"
    assert macros.check_all(open_book(book))
    dialogs = Dialogs(True)
    finished = macros.synchronize(open_book(book, dialogs))
    assert finished is not None and finished.synchronized is not None
    assert finished.synchronized.summary().startswith("Import completed: 10 created, 0 updated")
    store = open_store(load_settings(tmp_path / "settings.toml"))
    assert store.fetch(CUSTOMER, "RETAIL") is None and store.fetch(CUSTOMER, "PROSPECT5") is None
    assert store.fetch(CUSTOMER, "PROSPECT1") is not None


def swap_columns(path, first: str, second: str, sheet=SAGE_ONLY):
    """What dragging a column in Excel does: the header and every cell move together."""
    table = open_book(path).read_table(sheet)
    a, b = table.column(first) + 1, table.column(second) + 1

    def change(book) -> None:
        worksheet = book[sheet]
        for row in range(table.first_row - 1, table.first_row + len(table.rows)):
            left, right = worksheet.cell(row, a), worksheet.cell(row, b)
            left.value, right.value = right.value, left.value

    edit_workbook(path, change)


def test_moved_columns_are_read_and_written_by_their_headers(book):
    refreshed(book, True, False)
    swap_columns(book, "ID", "Name")
    swap_columns(book, "Result", "Reason")
    tick(book, {"PROSPECT1": "x", "DIFFNAME": "x"})
    assert macros.synchronize(open_book(book, Dialogs(True)))
    sage = rows_by_id(book)
    assert sage["PROSPECT1"][RESULT] == "created" and sage["PROSPECT1"]["ID"] == "PROSPECT1"
    assert sage["DIFFNAME"][RESULT].startswith("updated: Name:")
    assert sage["ACME CO"]["Reason"].startswith("ID contains a space")
    assert sage["ACME CO"][RESULT] is None


def test_refresh_under_a_filter_clears_it_headless_too(book):
    refreshed(book, True, False)
    hide_rows(book, SAGE_ONLY, (6, 8))
    finished = macros.refresh(open_book(book, Dialogs(True, False)))
    assert finished is not None and "The filter on Sage50-only was cleared" in finished.summary
    assert open_book(book).hidden_rows(SAGE_ONLY) == set()


def test_a_leading_apostrophe_in_an_id_or_setup_cell_is_excels_text_mark(book):
    """A Text cell keeps an apostrophe typed (or written by an older SMSync) as part of
    the value: reading drops it, so the row and the Setup still match."""
    refreshed(book, True, False)
    port = open_book(book)
    table = port.read_table(SAGE_ONLY)
    ids = [r[table.column("ID")] for r in table.rows]
    port.write_column(SAGE_ONLY, "ID", ["'" + i for i in ids])
    port.write_cell(SETUP, cell("entity"), "'Customers")
    port.finish()
    tick(book, {"PROSPECT1": "x"})
    finished = macros.synchronize(open_book(book, Dialogs(True)))
    assert finished is not None and finished.synchronized is not None
    assert finished.synchronized.summary().startswith("Import completed: 1 created")


def test_materials_refresh_check_all_synchronize_then_undo_restores_smsturbo(book, tmp_path):
    """The whole workbook flow for the third list: the Materials button, Check All,
    Synchronize, Undo; SMSTurbo ends exactly as it began."""
    database = tmp_path / "smsturbo_demo.sqlite"
    before = dump(database, audit=False)
    assert macros.show_entity("materials", open_book(book, Dialogs(True, False)))
    assert open_book(book).read_range(SETUP, cell("entity"))[0][0] == "Materials"
    rows = rows_by_id(book)
    assert rows["WINTER-SALT"]["Inactive"] == "Yes" and rows["WINTER-SALT"]["Status"] == "NEW"
    assert rows["HAUL-HR"]["Item Class"] == "Service" and rows["MULCH-BLK"]["Unit"] == "YD"
    assert rows["BASE-CA6"]["Changes"] is None  # Description is not ticked for materials
    assert "Unit BAG does not exist in SMSTurbo" in rows["BAGGED-LIME"]["Reason"]
    assert rows["=CALC-MIX"]["Description"] == "=SUM(A1) Mix"  # text, not a formula
    assert set(rows_by_id(book, TURBO_ONLY)) >= {"TOPSOIL", "SCALE-FEE", "WINTER-MIX"}
    sheet = load_workbook(book)[SAGE_ONLY]
    hidden = {
        sheet.cell(HEADER_ROW, n).value
        for n in range(1, sheet.max_column + 1)
        if sheet.column_dimensions[sheet.cell(HEADER_ROW, n).column_letter].hidden
    }
    assert {"Name", "Credit Status", "Address line 1", "Key"} <= hidden
    assert not {"Description", "Unit", "Price", "Sales GL #", "Inactive"} & hidden

    assert macros.check_all(open_book(book))
    ticked = {i for i, r in rows_by_id(book).items() if r[INCLUDE] == TICK}
    assert ticked == {
        "CRUSH-LIME", "MULCH-BLK", "HAUL-HR", "FILL-DIRT",
        "AGG-34", "SAND-MASON", "FUEL-SURCH", "RIVER-ROCK", "ASPHALT-OLD",
    }  # fmt: skip
    dialogs = Dialogs(True)
    assert macros.synchronize(open_book(book, dialogs))
    assert "Import completed: 4 created, 5 updated, 0 skipped, 0 conflicts" in dialogs.alerts[0]
    settings = load_settings(tmp_path / "settings.toml")
    fill = open_store(settings).fetch(MATERIAL, "FILL-DIRT")
    assert fill is not None and (fill["unit"], fill["taxable"]) == ("TON", "Yes")  # template

    assert macros.undo_last(open_book(book, Dialogs(True)))
    assert dump(database, audit=False) == before


def test_no_to_the_company_question_leaves_records_as_they_were(book):
    dialogs = Dialogs(False)
    assert macros.show_entity("materials", open_book(book, dialogs)), dialogs.alerts
    assert len(dialogs.questions) == 1
    assert open_book(book).read_range(SETUP, cell("entity"))[0][0] == "Customers"


def replace_cell(entity: str, group: str) -> str:
    return next(
        c.cell for c in setup_layout().replace_cells if c.entity == entity and c.group == group
    )


def test_the_setup_sheet_gives_every_lists_settings(book):
    """The new rows and the grid's third column reach the settings."""
    port = open_book(book)
    for key, value in (
        ("materials.include_types", "STONE, sand"),
        ("customers.template", "ZZTEMPLATE"),
        ("materials.template", "MATDEFAULT"),
        ("materials.default_unit", "TON"),
    ):
        port.write_cell(SETUP, cell(key), value)
    port.write_cell(SETUP, replace_cell("materials", "unit"), "x")
    port.write_cell(SETUP, replace_cell("materials", "price"), None)
    port.finish()
    settings, entity = read_setup(open_book(book))
    assert entity.key == "customers"
    materials = settings.entities["materials"]
    assert materials.include_types == {"STONE", "SAND"}
    assert materials.replace == {"unit", "gl_accounts", "inactive"}
    assert materials.template == "MATDEFAULT" and dict(materials.defaults) == {"unit": "TON"}
    assert settings.template_id(ENTITIES["vendors"]) == "ZZTEMPLATE"
    assert setup_layout().setting("entity").choices == ("Customers", "Vendors", "Materials")


def test_without_a_template_material_refresh_says_what_new_materials_take(book, tmp_path):
    with closing(sqlite3.connect(tmp_path / "smsturbo_demo.sqlite")) as db, db:
        db.execute("DELETE FROM Material WHERE MaterialID = 'ZZDEFAULT'")
    finished = macros.show_entity("materials", open_book(book, Dialogs(True, False)))
    note = (
        "Note: SMSTurbo has no template material ZZDEFAULT: new materials take Sage 50's "
        "values and Setup's Import Defaults (none), other fields stay blank."
    )
    assert finished is not None and note in finished.summary
    port = open_book(book)
    for sheet in (SAGE_ONLY, TURBO_ONLY):
        assert note in port.read_range(sheet, "A2")[0][0]
    fill = rows_by_id(book)["FILL-DIRT"]  # no unit in Sage 50, Setup or a template
    assert fill["Status"] == "INVALID" and fill["Reason"].startswith("Unit is blank in Sage 50")


def test_refresh_keeps_the_ticks_of_records_that_did_not_change(book, tmp_path):
    """A tick survives a Refresh when the record's Key and Fingerprint are the same; a
    record that changed in Sage 50 loses its tick, and the summary counts both."""
    refreshed(book, True, False)
    tick(book, {"PROSPECT1": "x", "DIFFNAME": True, "DIFFPHONE": "✓"})
    with closing(sqlite3.connect(tmp_path / "sage50_demo.sqlite")) as db, db:
        db.execute(
            "UPDATE Customers SET Customer_Bill_Name = 'Diffphone Renamed' "
            "WHERE CustomerID = 'DIFFPHONE'"
        )
    port = open_book(book, Dialogs(True, False))
    finished = macros.refresh(port)
    assert finished
    assert "2 tick(s) kept: those records did not change" in finished.summary
    assert "1 tick(s) cleared: those records changed or are no longer listed" in finished.summary
    rows = rows_by_id(book)
    assert rows["PROSPECT1"][INCLUDE] == "x" and rows["DIFFNAME"][INCLUDE] is True
    assert rows["DIFFPHONE"][INCLUDE] is None
    assert rows["DIFFPHONE"]["Name"] == "Diffphone Renamed"
    assert open_book(book).read_range(SAGE_ONLY, "A2")[0][0] == finished.summary

    dialogs = Dialogs(True)
    assert macros.synchronize(open_book(book, dialogs))
    assert "Bring 2 customers" in dialogs.questions[0]
    plan = turbo_plan(tmp_path)
    assert plan.by_id["PROSPECT1"].status is Status.IN_SYNC
    assert plan.by_id["DIFFNAME"].status is Status.IN_SYNC


def test_uncheck_all_clears_rows_a_filter_hides(book):
    """What the ribbon's Uncheck All tooltip promises (every row, hidden or not)."""
    refreshed(book, True, False)
    first = next(iter(rows_by_id(book)))
    tick(book, {first: TICK})
    hide_rows(book, SAGE_ONLY, [6])  # the first body row (header in row 5)
    assert rows_by_id(book)[first][INCLUDE] == TICK
    assert macros.uncheck_all(open_book(book))
    assert all(r[INCLUDE] is None for r in rows_by_id(book).values())


def test_the_visible_column_is_never_taken_for_a_total_row_headless(book):
    """The file port writes the Visible column as AGGREGATE(3,5,…) (COUNTA ignoring
    hidden rows), which Excel does not take for a total row as it may a SUBTOTAL."""
    refreshed(book, True, False)
    table = open_book(book).read_table(SAGE_ONLY)
    sheet = load_workbook(book)[SAGE_ONLY]
    column = table.column(VISIBLE) + 1
    formulas = {sheet.cell(table.sheet_row(i), column).value for i in range(len(table.rows))}
    assert formulas == {
        '=IF(SageOnly[[#This Row],[Key]]="","",_xlfn.AGGREGATE(3,5,SageOnly[[#This Row],[Key]]))'
    }


def test_check_all_leaves_rows_hidden_by_hand_headless(book, tmp_path):
    """The file port reads each row's own hidden flag, so rows hidden by hand are seen as
    the filter's are (no formula to recalculate)."""
    refreshed(book, True, False)
    reference = tmp_path / "reference.xlsm"
    reference.write_bytes(book.read_bytes())
    assert macros.check_all(open_book(reference))
    ticked = [r[INCLUDE] == TICK for r in rows_by_id(reference).values()]
    hide = [ticked.index(True), len(ticked) - 1 - ticked[::-1].index(True)]
    first = open_book(book).read_table(SAGE_ONLY).first_row
    hide_rows(book, SAGE_ONLY, [first + i for i in hide])
    assert macros.check_all(open_book(book))
    after = [r[INCLUDE] == TICK for r in rows_by_id(book).values()]
    assert after == [t and i not in hide for i, t in enumerate(ticked)]


def test_refresh_keeps_dragged_columns_where_they_are_headless(book):
    """Excel moved the conditional formats and the Include validation with the dragged
    columns: the headless Refresh writes each column where the sheet has it now."""
    refreshed(book, True, False)
    swap_columns(book, "Status", "Name")
    swap_columns(book, "Include", "Reason")
    header = open_book(book).read_table(SAGE_ONLY).header
    refreshed(book, True, False)
    assert open_book(book).read_table(SAGE_ONLY).header == header
    rows = rows_by_id(book)
    assert rows["PROSPECT1"]["Status"] == "NEW" and rows["PROSPECT1"]["Name"]
    assert rows["ACME CO"]["Reason"].startswith("ID contains a space")


def test_refresh_repairs_a_renamed_visible_column_holding_text_headless(book):
    """The file port reads rows' hidden flags, never the Visible column, and Refresh
    writes the column's header and formula again."""
    refreshed(book, True, False)
    port = open_book(book)
    table = port.read_table(SAGE_ONLY)
    column = table.column(VISIBLE)
    port.write_column(SAGE_ONLY, VISIBLE, ["=IF(1,1)"] * len(table.rows))  # text
    port.write_cell(SAGE_ONLY, f"{column_letter(column)}{HEADER_ROW}", "Visible (old)")
    port.finish()
    hide_rows(book, SAGE_ONLY, [table.first_row + 1])
    assert macros.check_all(open_book(book))
    finished = macros.refresh(open_book(book, Dialogs(True, False)))
    assert finished is not None and "was cleared" in finished.summary
    sheet = load_workbook(book)[SAGE_ONLY]
    assert sheet.cell(HEADER_ROW, column + 1).value == VISIBLE
    cells = [sheet.cell(table.first_row + i, column + 1) for i in range(len(table.rows))]
    assert all(c.data_type == "f" and "AGGREGATE(3,5," in c.value for c in cells)
