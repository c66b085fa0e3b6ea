"""SMSTurbo IDs for Sage 50 records that bring none (issue 21, item 4) and the unit map
(item 7): suggested IDs, the crosswalk SMSTurbo keeps, renames, typed IDs, `ids`."""

import datetime
import re
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from smsync_xl.app.open_sides import open_source, open_store
from smsync_xl.app.workbook_buttons import refresh, synchronize
from smsync_xl.book.file import FileBook
from smsync_xl.book.layout import INCLUDE, KEY, RESULT, SAGE_ONLY, TURBO_ID, column_letter
from smsync_xl.book.setup_sheet import read_setup
from smsync_xl.cli import main
from smsync_xl.core.errors import TargetError
from smsync_xl.core.fields import CUSTOMER, MATERIAL
from smsync_xl.core.vocabulary import Edition, Outcome, Status
from smsync_xl.demo.canada import create_canada_demo
from smsync_xl.demo.company import create_demo
from smsync_xl.demo.uk_demo import create_uk_demo
from smsync_xl.files.settings_file import load_settings
from smsync_xl.smsturbo.crosswalk import TABLE, Crosswalk
from smsync_xl.sync.apply import apply, make_plan

from .conftest import dump

DEMOS = {Edition.US: create_demo, Edition.CANADA: create_canada_demo, Edition.UK: create_uk_demo}
EPICERIE = "10"
"""The Canada demo's Épicerie Tremblay: its lId."""


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def remembered(turbo: Path) -> list[tuple]:
    with sqlite3.connect(turbo) as connection:
        return sorted(connection.execute(f'SELECT * FROM "{TABLE}"').fetchall())


def sage_sql(folder: Path, sql: str, params: tuple = ()) -> None:
    with sqlite3.connect(folder / "sage50_demo.sqlite") as connection:
        connection.execute(sql, params)


@pytest.mark.parametrize("edition", list(Edition))
def test_each_demo_syncs_once_remembers_ids_and_undo_restores_crosswalk_too(tmp_path, edition):
    settings = DEMOS[edition](tmp_path)
    turbo = tmp_path / "smsturbo_demo.sqlite"
    before = dump(turbo)
    first = run("sync", "--settings", settings, "--yes")
    assert first.exit_code == 0, first.output
    synced = dump(turbo)
    listed = run("ids", "list", "--settings", settings)
    assert listed.exit_code == 0, listed.output
    if edition is Edition.US:  # US codes are SMSTurbo IDs: nothing to remember
        assert listed.output == "SMSTurbo remembers no ID yet.\n"
    else:
        assert remembered(turbo) and "SMSTurbo remembers no ID" not in listed.output
    again = run("sync", "--settings", settings, "--yes")
    assert (again.exit_code, again.output) == (0, "Nothing to synchronize.\n")
    assert dump(turbo) == synced
    undone = run("undo", "--settings", settings, "--yes")
    assert undone.exit_code == 0, undone.output
    assert dump(turbo) == before


def test_canada_customers_without_a_code_get_stable_unique_suggested_ids(tmp_path):
    settings = load_settings(create_canada_demo(tmp_path))
    source, store = open_source(settings), open_store(settings)
    plans = [make_plan(CUSTOMER, source, store, settings) for _ in range(2)]
    rows = {r.sage.values["name"]: r for r in plans[0].rows}
    assert rows["Épicerie Tremblay"].status is Status.NEW
    assert rows["Épicerie Tremblay"].id == "EPICERIE-TREMBL"
    assert rows["Béton Montréal Inc."].id == "BETON-MONTREAL"
    assert rows["béton montréal inc"].id == "BETON-MONTREA-2"  # same stem: numbered
    assert rows["GRAVIERS LAVAL"].id == "GRAVIERS-LAVA-2"  # GRAVIERS-LAVAL is SMSTurbo's
    assert (
        "suggested SMSTurbo ID EPICERIE-TREMBL; accept it, or type another in the SMSTurbo "
        "ID column, before ticking"
    ) in rows["Épicerie Tremblay"].sage.notes[-1]
    assert [r.id for r in plans[0].rows] == [r.id for r in plans[1].rows]


def test_a_canada_customer_renamed_after_its_first_sync_is_different_never_new(tmp_path):
    settings_path = create_canada_demo(tmp_path)
    assert run("sync", "--settings", settings_path, "--yes").exit_code == 0
    sage_sql(
        tmp_path, "UPDATE tCustomr SET sName = ? WHERE lId = ?", ("Épicerie Tremblay et Fils", 10)
    )
    settings = load_settings(settings_path)
    plan = make_plan(CUSTOMER, open_source(settings), open_store(settings), settings)
    row = plan.by_id["EPICERIE-TREMBL"]
    assert row.status is Status.DIFFERENT
    assert [c.describe() for c in row.changes] == [
        "Name: Épicerie Tremblay → Épicerie Tremblay et Fils"
    ]
    assert not [r for r in plan.rows if r.status is Status.NEW and not r.inactive]
    synced = run("sync", "--settings", settings_path, "--yes")
    assert "Import completed: 0 created, 1 updated" in synced.output, synced.output
    plan = make_plan(CUSTOMER, open_source(settings), open_store(settings), settings)
    assert plan.by_id["EPICERIE-TREMBL"].status is Status.IN_SYNC


def test_a_second_run_racing_on_the_same_source_key_makes_no_second_record(tmp_path):
    """Two runs planned from the same state: the first creates the record and remembers
    its ID; the second, after SMSync's writer lock, re-reads the crosswalk and skips."""
    settings = load_settings(create_canada_demo(tmp_path))
    source, store = open_source(settings), open_store(settings)
    plan = make_plan(CUSTOMER, source, store, settings)
    chosen = {CUSTOMER.key: plan.chosen(["EPICERIE-TREMBL"])}
    first = apply(source, store, settings, chosen, user="a")
    second = apply(source, open_store(settings), settings, chosen, user="b")
    assert [r.outcome for r in first.results] == [Outcome.CREATED]
    assert [r.outcome for r in second.results] == [Outcome.SKIPPED]
    turbo = tmp_path / "smsturbo_demo.sqlite"
    with sqlite3.connect(turbo) as connection:
        (count,) = connection.execute(
            "SELECT COUNT(*) FROM Customers WHERE CustomerName = 'Épicerie Tremblay'"
        ).fetchone()
    assert count == 1
    assert [r[3:] for r in remembered(turbo) if r[3] == EPICERIE] == [(EPICERIE, "EPICERIE-TREMBL")]


def test_the_crosswalk_refuses_a_second_source_key_for_one_id(tmp_path):
    settings = load_settings(create_canada_demo(tmp_path))
    store = open_store(settings)
    crosswalk = Crosswalk(store.db)
    with store.transaction():
        crosswalk.remember(Edition.CANADA, CUSTOMER, [("10", "EPI")])
    with pytest.raises(TargetError), store.transaction():
        crosswalk.remember(Edition.CANADA, CUSTOMER, [("11", "EPI")])
    assert crosswalk.of(Edition.CANADA, CUSTOMER) == {"10": "EPI"}


def _book(folder: Path) -> FileBook:
    return FileBook(folder / "SMSync.xlsm", confirm=lambda _: True, alert=print, status=print)


def _type_and_tick(folder: Path, key: str, turbo_id: str) -> int:
    """Type ``turbo_id`` in the SMSTurbo ID cell of the row with ``key`` and tick it;
    the row's index in the table."""
    port = _book(folder)
    table = port.read_table(SAGE_ONLY)
    index = [r[table.column(KEY)] for r in table.rows].index(key)
    row = table.sheet_row(index)
    port.write_cell(SAGE_ONLY, f"{column_letter(table.column(TURBO_ID))}{row}", turbo_id)
    port.write_cell(SAGE_ONLY, f"{column_letter(table.column(INCLUDE))}{row}", "x")
    port.finish()
    return index


def test_an_id_typed_in_the_smsturbo_id_column_is_checked_then_remembered(tmp_path):
    installed = run("install", "--dest", tmp_path, "--demo", "--edition", "canada")
    assert installed.exit_code == 0, installed.output
    assert refresh(_book(tmp_path))
    turbo = tmp_path / "smsturbo_demo.sqlite"
    before = dump(turbo, audit=True)
    index = _type_and_tick(tmp_path, "customers:EPICERIE-TREMBL", "epi tremblay")
    finished = synchronize(_book(tmp_path))
    assert finished and finished.synchronized
    (result,) = finished.synchronized.results
    assert result.outcome is Outcome.SKIPPED
    assert result.detail.startswith(
        "SMSTurbo ID 'epi tremblay' typed for EPICERIE-TREMBL: ID contains a space; ID has "
        "lowercase letters"
    )
    table = _book(tmp_path).read_table(SAGE_ONLY)
    assert "epi tremblay" in str(table.rows[index][table.column(RESULT)])
    assert dump(turbo, audit=True) == before
    _type_and_tick(tmp_path, "customers:EPICERIE-TREMBL", "EPI-TREMBLAY")
    finished = synchronize(_book(tmp_path))
    assert finished and finished.synchronized
    (result,) = finished.synchronized.results
    assert (result.outcome, result.detail) == (Outcome.CREATED, "as SMSTurbo ID EPI-TREMBLAY")
    assert ("canada", "customers", EPICERIE, "EPI-TREMBLAY") in [r[1:] for r in remembered(turbo)]
    settings = load_settings(tmp_path / "settings.toml")
    plan = make_plan(CUSTOMER, open_source(settings), open_store(settings), settings)
    assert plan.by_id["EPI-TREMBLAY"].status is Status.IN_SYNC


def test_a_typed_id_smsturbo_has_already_is_refused(tmp_path):
    installed = run("install", "--dest", tmp_path, "--demo", "--edition", "canada")
    assert installed.exit_code == 0, installed.output
    assert refresh(_book(tmp_path))
    _type_and_tick(tmp_path, "customers:EPICERIE-TREMBL", "graviers-laval".upper())
    finished = synchronize(_book(tmp_path))
    assert finished and finished.synchronized
    (result,) = finished.synchronized.results
    assert result.outcome is Outcome.SKIPPED
    assert "SMSTurbo or another row has this ID already" in result.detail


def test_ids_set_links_a_record_and_forget_suggests_again(tmp_path):
    settings = create_canada_demo(tmp_path)
    bad = run("ids", "set", "customers", "12", "béton", "--settings", settings)
    assert bad.exit_code == 1 and "'béton' cannot be an SMSTurbo ID" in bad.output
    done = run("ids", "set", "customers", "12", "BETON-MTL", "--settings", settings)
    assert done.exit_code == 0, done.output
    taken = run("ids", "set", "customers", "13", "beton-mtl".upper(), "--settings", settings)
    assert taken.exit_code == 1
    assert "SMSTurbo ID BETON-MTL is remembered already for Sage 50 record 12" in taken.output
    listed = run("ids", "list", "--settings", settings)
    assert listed.output.split() == ["customers", "12", "BETON-MTL"]
    loaded = load_settings(settings)
    plan = make_plan(CUSTOMER, open_source(loaded), open_store(loaded), loaded)
    assert plan.by_id["BETON-MTL"].sage.values["name"] == "Béton Montréal Inc."
    assert run("ids", "forget", "customers", "12", "--settings", settings).exit_code == 0
    plan = make_plan(CUSTOMER, open_source(loaded), open_store(loaded), loaded)
    assert plan.by_id["BETON-MONTREAL"].sage.values["name"] == "Béton Montréal Inc."
    again = run("ids", "forget", "customers", "12", "--settings", settings)
    assert again.exit_code == 1 and "SMSTurbo remembers no ID for Sage 50 record 12" in again.output


def _name_customers(folder: Path, name: str, *ids: str) -> None:
    with sqlite3.connect(folder / "smsturbo_demo.sqlite") as connection:
        for turbo_id in ids:
            connection.execute(
                "UPDATE Customers SET CustomerName = ? WHERE CustomerID = ?", (name, turbo_id)
            )


def test_a_canada_record_with_exactly_an_smsturbo_name_is_linked_only_when_ticked(tmp_path):
    settings_path = create_canada_demo(tmp_path)
    _name_customers(tmp_path, "Épicerie Tremblay", "VIEUX-CLIENT")
    settings = load_settings(settings_path)
    source, store = open_source(settings), open_store(settings)
    plan = make_plan(CUSTOMER, source, store, settings)
    row = plan.by_id["VIEUX-CLIENT"]
    assert (row.status, row.sage.source_key) == (Status.LINK, EPICERIE)
    assert row.sage.notes[-1] == (
        "LINK proposed: SMSTurbo customer VIEUX-CLIENT has exactly this name (Sage 50 record "
        "10); tick to link them, so SMSync remembers VIEUX-CLIENT for it, or leave it unticked"
    )
    assert "1 LINK" in run("plan", "--settings", settings_path).output
    turbo = tmp_path / "smsturbo_demo.sqlite"
    before = dump(turbo)
    assert run("sync", "--settings", settings_path, "--yes").exit_code == 0  # Check All's rows
    assert [r for r in remembered(turbo) if r[3] == EPICERIE] == []
    plan = make_plan(CUSTOMER, source, store, settings)
    assert plan.by_id["VIEUX-CLIENT"].status is Status.LINK
    chosen = {CUSTOMER.key: plan.chosen(["VIEUX-CLIENT"])}
    (result,) = apply(source, store, settings, chosen, user="me").results
    assert result.outcome is Outcome.UPDATED and result.detail.startswith("linked:")
    assert [r[3:] for r in remembered(turbo) if r[3] == EPICERIE] == [(EPICERIE, "VIEUX-CLIENT")]
    plan = make_plan(CUSTOMER, source, store, settings)
    assert plan.by_id["VIEUX-CLIENT"].status is Status.IN_SYNC  # the demo's records agree
    assert run("undo", "--settings", settings_path, "--yes").exit_code == 0
    assert run("undo", "--settings", settings_path, "--yes").exit_code == 0
    assert dump(turbo) == before


def test_a_canada_record_named_like_two_smsturbo_records_is_not_guessed(tmp_path):
    settings_path = create_canada_demo(tmp_path)
    _name_customers(tmp_path, "Épicerie Tremblay", "VIEUX-CLIENT", "CARRIERE-EST")
    settings = load_settings(settings_path)
    plan = make_plan(CUSTOMER, open_source(settings), open_store(settings), settings)
    (row,) = [r for r in plan.rows if r.sage.values["name"] == "Épicerie Tremblay"]
    assert row.status is Status.INVALID
    assert row.reasons[-1] == (
        "SMSTurbo customers CARRIERE-EST, VIEUX-CLIENT have exactly this name; choose the one "
        "to link with 'smsync-xl ids set customers 10 <its ID>', then press Refresh"
    )
    linked = run("ids", "set", "customers", "10", "VIEUX-CLIENT", "--settings", settings_path)
    assert linked.exit_code == 0
    plan = make_plan(CUSTOMER, open_source(settings), open_store(settings), settings)
    assert plan.by_id["VIEUX-CLIENT"].sage.source_key == EPICERIE


def test_a_remembered_id_gives_a_us_record_with_a_bad_id_its_smsturbo_id(demo):
    plan = make_plan(CUSTOMER, demo.source, demo.store, demo.settings)
    assert plan.by_id["ACME CO"].status is Status.INVALID  # unchanged without one
    assert (
        run(
            "ids", "set", "customers", "ACME CO", "ACME-CO", "--settings", demo.settings_path
        ).exit_code
        == 0
    )
    plan = make_plan(CUSTOMER, demo.source, demo.store, demo.settings)
    assert "ACME CO" not in plan.by_id
    assert plan.by_id["ACME-CO"].status is Status.NEW


# Item 7: the unit map.


def _uk_with_units(folder: Path, units: str) -> Path:
    settings = create_uk_demo(folder)
    settings.write_text(settings.read_text(encoding="utf-8") + units, encoding="utf-8")
    return settings


def test_a_mapped_unit_letter_case_ignored_is_smsturbo_s_unit(tmp_path):
    settings = load_settings(_uk_with_units(tmp_path, '\n[units]\nmap = { "tonne" = "ton" }\n'))
    plan = make_plan(MATERIAL, open_source(settings), open_store(settings), settings)
    row = plan.by_id["TOPSOIL"]
    assert row.status is Status.NEW, row.reasons
    assert row.values["unit"] == "TON"


def test_an_unmapped_unit_stays_invalid_and_names_the_map_s_place(tmp_path):
    settings = load_settings(_uk_with_units(tmp_path, '\n[units]\nmap = { "Each" = "EACH" }\n'))
    plan = make_plan(MATERIAL, open_source(settings), open_store(settings), settings)
    row = plan.by_id["TOPSOIL"]
    assert row.status is Status.INVALID
    assert row.reasons == (
        "Unit Tonne does not exist in SMSTurbo (it has: EACH, HOUR, LOAD, TON, YD); add it "
        "there, or change it in Sage 50 or in Setup; or map it to one of SMSTurbo's units in "
        "the unit map, settings.toml: units.map (it holds: EACH = EACH)",
    )


def test_a_unit_map_that_is_no_list_of_pairs_names_its_key(tmp_path):
    settings = _uk_with_units(tmp_path, '\n[units]\nmap = "Tonne TON"\n')
    result = run("plan", "--settings", settings)
    assert result.exit_code == 1
    assert "settings.toml: units.map" in result.output
    assert "'Tonne TON' is not a list of Sage 50 unit = SMSTurbo unit" in result.output


def test_the_setup_sheet_unit_map_is_read_and_named_in_the_reason(tmp_path):
    installed = run("install", "--dest", tmp_path, "--demo", "--edition", "uk")
    assert installed.exit_code == 0, installed.output
    port = _book(tmp_path)
    settings, _ = read_setup(port)
    assert settings.units.by_unit == {}
    place = settings.units.place
    assert place.startswith("Setup sheet, cell B") and "Sage 50 unit → SMSTurbo unit" in place
    plan = make_plan(MATERIAL, open_source(settings), open_store(settings), settings)
    assert place in plan.by_id["TOPSOIL"].reasons[0]
    cell = place.split("cell ", 1)[1].split(" ", 1)[0]
    port.write_cell("Setup", cell, "Tonne = TON")
    port.finish()
    settings, _ = read_setup(_book(tmp_path))
    assert settings.units.by_unit == {"TONNE": "TON"}
    plan = make_plan(MATERIAL, open_source(settings), open_store(settings), settings)
    assert plan.by_id["TOPSOIL"].status is Status.NEW


# The crosswalk on a server, with two real processes racing.


@pytest.mark.parametrize("backend", ["postgresql", "mariadb"])
def test_two_canada_syncs_at_once_on_a_server_remember_and_create_each_record_once(
    request, tmp_path, backend
):
    from smsync_xl.demo.canada import (
        CANADA_CUSTOMERS,
        CANADA_MATERIALS,
        CANADA_SETTINGS,
        CANADA_VENDORS,
        _demo_records,
    )

    from .test_concurrency import SERVERS, customer_ids, runs, started_together

    create_canada_demo(tmp_path)
    records = [_demo_records(r) for r in (CANADA_CUSTOMERS, CANADA_VENDORS, CANADA_MATERIALS)]
    turbo = SERVERS[backend](request, tmp_path, CANADA_SETTINGS, records)
    before = turbo.dump()
    sync = ["sync", "--settings", turbo.settings, "--yes"]
    results = started_together(turbo, sync, sync)
    assert [code for code, _ in results] == [0, 0], results
    summaries = sorted(
        re.search(r"Import completed: .*conflicts", out).group(0) for _, out in results
    )
    assert summaries == [
        "Import completed: 0 created, 0 updated, 16 skipped, 0 conflicts",
        "Import completed: 12 created, 4 updated, 0 skipped, 0 conflicts",
    ], results
    ids = customer_ids(turbo)
    assert len(ids) == len(set(ids)) and "EPICERIE-TREMBL" in ids
    assert [kind for _, kind, _ in runs(turbo)] == ["sync"]
    with turbo.connect() as connection:
        keys = connection.execute(f'SELECT "sourcekey", "turboid" FROM "{TABLE}"').fetchall()
    # the 16 written and the 10 matched by their name as ID (remembered at the sync)
    assert len(keys) == len({tuple(k) for k in keys}) == 26
    with turbo.connect() as connection, pytest.raises(Exception, match=r"(?i)unique|duplicate"):
        connection.execute(
            f'INSERT INTO "{TABLE}" VALUES (?, ?, ?, ?, ?)',
            ["canada/customers/99", "canada", "customers", "99", "EPICERIE-TREMBL"],
        )
    undone = run("undo", "--settings", turbo.settings, "--yes")
    assert undone.exit_code == 0, undone.output
    with turbo.connect() as connection:
        assert connection.execute(f'SELECT COUNT(*) FROM "{TABLE}"').fetchone()[0] == 0
    audit = {"smsync_runs", "smsync_changes", TABLE}
    after = turbo.dump()
    assert {t: v for t, v in after.items() if t.lower() not in audit} == {
        t: v for t, v in before.items() if t.lower() not in audit
    }


def test_refresh_keeps_a_ticked_row_s_typed_smsturbo_id(tmp_path):
    installed = run("install", "--dest", tmp_path, "--demo", "--edition", "canada")
    assert installed.exit_code == 0, installed.output
    assert refresh(_book(tmp_path))
    index = _type_and_tick(tmp_path, "customers:EPICERIE-TREMBL", "EPI-TREMBLAY")
    assert refresh(_book(tmp_path))
    table = _book(tmp_path).read_table(SAGE_ONLY)
    row = table.rows[index]
    assert (row[table.column(INCLUDE)], row[table.column(TURBO_ID)]) == ("x", "EPI-TREMBLAY")


def test_a_code_smsturbo_has_in_another_letter_case_gets_no_second_record():
    from smsync_xl.core.compare import ComparisonFacts, compare
    from smsync_xl.core.fields import SageRecord, TurboRecord
    from smsync_xl.core.settings import EntitySettings
    from smsync_xl.core.suggested_ids import assign_ids

    sage = [
        SageRecord("pipe-150", False, {"id": "pipe-150", "description": "Pipe"}),
        SageRecord("PIPE/150/CLASS-B", False, {"id": "X", "description": "B", "unit": "TON"}),
    ]
    turbo = [TurboRecord("PIPE-150", {"id": "PIPE-150", "description": "Pipe"})]
    records, assigned = assign_ids(
        MATERIAL, sage, turbo, {}, suggest=True, product="Sage 50 Accounts (UK)"
    )
    assert [r.id for r in records] == ["pipe-150", "PIPE-150-CLASS"]
    plan = compare(MATERIAL, records, turbo, ComparisonFacts(EntitySettings()))
    assert plan.by_id["pipe-150"].status is Status.INVALID
    assert "matches SMSTurbo ID PIPE-150 only by letter case" in "; ".join(
        plan.by_id["pipe-150"].reasons
    )
    assert plan.by_id["PIPE-150-CLASS"].status is Status.NEW
    assert assigned["PIPE-150-CLASS"].source_key == "PIPE/150/CLASS-B"


def test_ids_reads_the_workbook_s_setup_like_the_other_commands(tmp_path):
    installed = run("install", "--dest", tmp_path, "--demo", "--edition", "canada")
    assert installed.exit_code == 0, installed.output
    book = tmp_path / "SMSync.xlsm"
    assert run("ids", "list", book).output == "SMSTurbo remembers no ID yet.\n"
    done = run("ids", "set", "customers", "12", "BETON-MTL", book)
    assert done.exit_code == 0, done.output
    assert run("ids", "list", book).output.split() == ["customers", "12", "BETON-MTL"]
    assert run("ids", "forget", "customers", "12", book).exit_code == 0
    assert run("ids", "list", book).output == "SMSTurbo remembers no ID yet.\n"


def test_a_name_nothing_of_which_can_stand_in_an_id_is_suggested_one_from_its_key():
    from smsync_xl.core.fields import SageRecord
    from smsync_xl.core.suggested_ids import assign_ids

    sage = [
        SageRecord("日本", False, {"id": "日本", "name": "日本"}, source_key="15"),
        SageRecord("日本 ", False, {"id": "日本 ", "name": "日本 "}, source_key="16"),
    ]
    records, _ = assign_ids(CUSTOMER, sage, [], {}, suggest=True, product="Sage 50")
    assert [r.id for r in records] == ["ID-15", "ID-16"]


@pytest.mark.parametrize("converted", [123.0, datetime.datetime(2026, 1, 2)])
def test_an_smsturbo_id_excel_converted_is_refused_naming_the_row(converted):
    """Pasted over the column's Text format, ``00123`` reaches SMSync as 123.0 and ``1-2``
    as a date: SMSync names the row instead of guessing what was typed."""
    from smsync_xl.book.layout import INCLUDE, KEY, SAGE_ONLY, TURBO_ID
    from smsync_xl.book.sheets import make_key, typed_ids
    from smsync_xl.core.errors import SmsyncError
    from smsync_xl.core.ports import TableData

    header = [INCLUDE, KEY, TURBO_ID]
    typed = TableData(SAGE_ONLY, header, [["x", make_key("customers", "A-1"), "B-2"]], 6)
    assert typed_ids(typed) == {"customers": {"A-1": "B-2"}}
    table = TableData(SAGE_ONLY, header, [["x", make_key("customers", "A-1"), converted]], 6)
    with pytest.raises(SmsyncError) as refused:
        typed_ids(table)
    assert "Excel converted it" in str(refused.value)
    assert "row 6" in str(refused.value) and "A-1" in str(refused.value)


def test_a_canada_customer_in_sync_by_its_name_and_renamed_after_a_sync_is_different(tmp_path):
    settings_path = create_canada_demo(tmp_path)
    turbo = tmp_path / "smsturbo_demo.sqlite"
    settings = load_settings(settings_path)
    plan = make_plan(CUSTOMER, open_source(settings), open_store(settings), settings)
    assert plan.by_id["BOUCHARD-BETON"].status is Status.IN_SYNC
    assert run("sync", "--settings", settings_path, "--yes").exit_code == 0
    assert ("canada", "customers", "1", "BOUCHARD-BETON") in [r[1:] for r in remembered(turbo)]
    sage_sql(tmp_path, "UPDATE tCustomr SET sName = ? WHERE lId = ?", ("BOUCHARD BETON INC", 1))
    plan = make_plan(CUSTOMER, open_source(settings), open_store(settings), settings)
    row = plan.by_id["BOUCHARD-BETON"]
    assert row.status is Status.DIFFERENT
    assert any(c.describe().startswith("Name: ") for c in row.changes)
    assert not [r for r in plan.rows if r.status is Status.NEW and not r.inactive]
    assert not [r for r in plan.turbo_only if r.id == "BOUCHARD-BETON"]
    assert run("undo", "--settings", settings_path, "--yes").exit_code == 0
    assert "canada/customers/1" not in [r[0] for r in remembered(turbo)]


@pytest.mark.parametrize("edition", [Edition.CANADA, Edition.UK])
def test_undo_counts_the_records_as_synchronized_and_the_remembered_ids_apart(tmp_path, edition):
    settings = DEMOS[edition](tmp_path)
    synced = run("sync", "--settings", settings, "--yes")
    counts = re.search(r"Import completed: (\d+) created, (\d+) updated", synced.output)
    assert counts, synced.output
    ids = len(remembered(tmp_path / "smsturbo_demo.sqlite"))
    undone = run("undo", "--settings", settings, "--yes")
    assert (
        f"Undo of synchronization 1: {counts[1]} removed, {counts[2]} restored; "
        f"{ids} remembered SMSTurbo ID{'s' if ids != 1 else ''} taken back"
    ) in undone.output, undone.output


def test_a_canada_name_several_smsturbo_records_share_is_not_sent_to_sage_50(tmp_path):
    settings_path = create_canada_demo(tmp_path)
    _name_customers(tmp_path, "Épicerie Tremblay", "VIEUX-CLIENT", "CARRIERE-EST")
    settings = load_settings(settings_path)
    plan = make_plan(CUSTOMER, open_source(settings), open_store(settings), settings)
    (row,) = [r for r in plan.rows if r.sage.values["name"] == "Épicerie Tremblay"]
    assert "suggested ID: EPICERIE-TREMBL" in row.reasons  # no code to change in Sage 50
    assert not [r for r in row.reasons if "change it in Sage 50" in r]


def test_uk_words_for_sage_50_s_records_in_doctor_and_suggestions(tmp_path):
    settings_path = create_uk_demo(tmp_path)
    settings = load_settings(settings_path)
    plan = make_plan(MATERIAL, open_source(settings), open_store(settings), settings)
    notes = [n for r in plan.rows for n in r.sage.notes if "no SMSTurbo ID" in n]
    assert notes and all(
        n.startswith("Sage 50 Accounts (UK) gives this product no SMSTurbo ID") for n in notes
    )
    doctor = run("doctor", "--settings", settings_path)
    sage_part = doctor.output.split("SMSTurbo (")[0]
    assert re.search(r"ok +\d+ suppliers\n +ok +\d+ products\n", sage_part), doctor.output


def test_an_id_remembered_for_a_record_gone_from_sage_50_blocks_no_synchronize(tmp_path):
    """Record 1 (remembered as BOUCHARD-BETON) leaves Sage 50 and record 15 takes its
    name: 15 is not remembered against BOUCHARD-BETON, and other rows still go."""
    settings = create_canada_demo(tmp_path)
    turbo = tmp_path / "smsturbo_demo.sqlite"
    assert run("sync", "--settings", settings, "--yes").exit_code == 0
    assert ("canada", "customers", "1", "BOUCHARD-BETON") in [r[1:] for r in remembered(turbo)]
    sage_sql(tmp_path, "UPDATE tCustomr SET lId = 15 WHERE lId = 1")
    other = run("sync", "--settings", settings, "--entity", "customers", "ANCIEN-CLIENT", "--yes")
    assert other.exit_code == 0, other.output
    assert "1 created" in other.output
    keys = [(*r[1:3], r[4]) for r in remembered(turbo)]
    assert ("canada", "customers", "BOUCHARD-BETON") in keys
    assert "canada/customers/15" not in [r[0] for r in remembered(turbo)]


def test_a_name_two_sage_50_records_have_is_remembered_for_neither(tmp_path):
    settings = create_canada_demo(tmp_path)
    turbo = tmp_path / "smsturbo_demo.sqlite"
    assert run("sync", "--settings", settings, "--yes").exit_code == 0
    assert run("ids", "forget", "customers", "6", "--settings", settings).exit_code == 0
    sage_sql(
        tmp_path,
        "INSERT INTO tCustomr (lId, sName, sCity) VALUES (?, ?, ?)",
        (16, "CARRIERE-EST", "Zeroville"),
    )
    other = run("sync", "--settings", settings, "--entity", "customers", "ANCIEN-CLIENT", "--yes")
    assert other.exit_code == 0, other.output
    keys = [r[0] for r in remembered(turbo)]
    assert "canada/customers/6" not in keys and "canada/customers/16" not in keys


def test_a_typed_id_remembered_for_a_record_not_listed_is_refused_alone(tmp_path):
    installed = run("install", "--dest", tmp_path, "--demo", "--edition", "canada")
    assert installed.exit_code == 0, installed.output
    added = run("ids", "set", "customers", "99", "FOO", str(tmp_path / "SMSync.xlsm"))
    assert added.exit_code == 0, added.output
    assert refresh(_book(tmp_path))
    _type_and_tick(tmp_path, "customers:EPICERIE-TREMBL", "FOO")
    finished = synchronize(_book(tmp_path))
    assert finished and finished.synchronized
    (result,) = finished.synchronized.results
    assert result.outcome is Outcome.SKIPPED
    assert "has this ID already" in result.detail
