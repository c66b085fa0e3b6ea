import getpass
import json
import sqlite3
from contextlib import closing
from decimal import Decimal

import pytest
from click.testing import CliRunner

from smsync_xl import macros
from smsync_xl.app.plain_text import run_lines
from smsync_xl.book.layout import LOG
from smsync_xl.cli import main
from smsync_xl.connections import db as dbapi
from smsync_xl.core.errors import NothingToUndoError
from smsync_xl.core.fields import CUSTOMER
from smsync_xl.core.vocabulary import RunKind, Status
from smsync_xl.demo.company import SETTINGS_TEMPLATE, create_demo, write_sage_exports
from smsync_xl.demo.data import COMPANY_NAME, CUSTOMERS, VENDORS, DemoLists
from smsync_xl.files.package_files import template_path
from smsync_xl.smsturbo.audit import decoded, unchanged
from smsync_xl.smsturbo.store import SMSTurboStore
from smsync_xl.sync.apply import apply
from smsync_xl.sync.undo import NAMED, last_undoable_run, undo_last

from . import odbc_env
from .conftest import demo_at, dump, ids_with
from .test_concurrency import Turbo, chosen_now, pg_turbo, session, sqlite_turbo
from .workbook_helpers import Dialogs, demo_workbook, open_book


def sync_all(demo):
    chosen = {}
    for entity in ("customers", "vendors"):
        plan = demo.plan(entity)
        chosen[entity] = plan.chosen(ids_with(plan, Status.NEW, Status.DIFFERENT))
    return apply(demo.source, demo.store, demo.settings, chosen, user="tester")


def test_undo_restores_creations_and_updates_exactly(demo):
    path = demo.settings.smsturbo.path
    before = dump(path)
    result = sync_all(demo)
    assert dump(path) != before
    undone = undo_last(demo.store, user="tester")
    assert undone.undone_run == result.run_id
    assert len(undone.restored) == len(demo.store.audit.changes(result.run_id))
    assert undone.left_alone == []
    assert dump(path) == before


def test_records_changed_after_the_run_are_left_alone(demo):
    sync_all(demo)
    demo.store.update_row(CUSTOMER, "DIFFNAME", {"name": "Edited in SMSTurbo"})
    demo.store.update_row(CUSTOMER, "PROSPECT1", {"city": "Edited"})
    result = undo_last(demo.store, user="tester")
    assert sorted(c.record_id for c in result.left_alone) == ["DIFFNAME", "PROSPECT1"]
    assert demo.store.fetch(CUSTOMER, "DIFFNAME")["name"] == "Edited in SMSTurbo"
    assert demo.store.fetch(CUSTOMER, "PROSPECT2") is None
    assert "2 left as they are" in result.summary()


def test_undo_is_audited_and_walks_back_one_run_at_a_time(demo):
    path = demo.settings.smsturbo.path
    original = dump(path)
    first = apply(
        demo.source,
        demo.store,
        demo.settings,
        {"customers": demo.plan().chosen(["PROSPECT1"])},
        user="a",
    )
    after_first = dump(path)
    second = apply(
        demo.source,
        demo.store,
        demo.settings,
        {"customers": demo.plan().chosen(["PROSPECT2"])},
        user="b",
    )
    assert undo_last(demo.store, user="c").undone_run == second.run_id
    assert dump(path) == after_first
    assert undo_last(demo.store, user="c").undone_run == first.run_id
    assert dump(path) == original
    kinds = [(r.kind, r.undo_of) for r in demo.store.audit.runs()]
    assert kinds == [("undo", 1), ("undo", 2), ("sync", None), ("sync", None)]
    with pytest.raises(NothingToUndoError):
        undo_last(demo.store, user="c")


# Undo compares the whole row, every column of the real table, mapped or not, with what
# the run left; a clerk's second connection plays SMSTurbo's side, on an SQLite file and
# on PostgreSQL through psqlODBC.


@pytest.fixture(params=["sqlite", "postgresql"])
def turbo(request, tmp_path) -> Turbo:
    """The demo company; SMSTurbo on the parameter's backend."""
    settings = create_demo(tmp_path)
    if request.param == "sqlite":
        return sqlite_turbo(tmp_path, settings)
    return pg_turbo(request, tmp_path, SETTINGS_TEMPLATE, (CUSTOMERS, VENDORS))


def clerk(turbo: Turbo, *statements: tuple[str, list[object]]) -> None:
    """SMSTurbo's own users, on their own connection, each statement committed."""
    for sql, params in statements:
        turbo.edit(sql, params)


def without(dumped: dict, *tables: str) -> dict:
    return {name: rows for name, rows in dumped.items() if name not in tables}


AUDIT = ("smsync_runs", "smsync_changes")
OWN_COLUMNS = [
    ('ALTER TABLE "Customers" ADD COLUMN "Notes" VARCHAR(200)', []),
    ('ALTER TABLE "Customers" ADD COLUMN "Tickets" INTEGER', []),
    ('ALTER TABLE "Customers" ADD COLUMN "LastVisit" TIMESTAMP', []),
    ('ALTER TABLE "Customers" ADD COLUMN "Prefs" JSON', []),
]
"""Columns SMSTurbo has and SMSync does not map: a clerk's note, a ticket counter, and
one PostgreSQL cannot compare with = (json)."""
NOTES = 'UPDATE "Customers" SET "Notes" = ? WHERE "CustomerID" = ?'
TICKETS = 'UPDATE "Customers" SET "Tickets" = ? WHERE "CustomerID" = ?'
PARTLY = (
    "Synchronization 1 is only partly undone: Undo offers it again and takes back a record "
    "left alone only once it is exactly as that synchronization left it. One deleted since, "
    "or changed by SMSTurbo itself on every save, never will be: correct those in SMSTurbo "
    "by hand"
)


def assert_only_the_undo_was_recorded(turbo: Turbo, before: dict, summary: str) -> None:
    """SMSTurbo is exactly ``before`` (audit included) but for the undo's run row: it
    took nothing back, and says so."""
    now = turbo.dump()
    assert without(now, "smsync_runs") == without(before, "smsync_runs")
    undo_run = (len(before["smsync_runs"]) + 1, "undo", 1)
    added = [row for row in now["smsync_runs"] if row not in before["smsync_runs"]]
    assert [(row[:3], row[4:]) for row in added] == [(undo_run, ("*", COMPANY_NAME, summary))]


def synchronize(turbo: Turbo, ids: list[str]):
    source, store, settings = session(turbo)
    result = apply(source, store, settings, chosen_now(source, store, settings, ids), user="t")
    return store, result


def test_undo_leaves_a_row_whose_unmapped_column_changed_and_says_which(turbo):
    clerk(
        turbo,
        *OWN_COLUMNS,
        (
            'UPDATE "Customers" SET "Tickets" = 7, "LastVisit" = \'2026-11-30 08:15:00\', '
            '"Prefs" = \'{"copies": 2}\' WHERE "CustomerID" = ?',
            ["DIFFNAME"],
        ),
    )
    original = turbo.dump()
    store, result = synchronize(turbo, ["PROSPECT1", "DIFFNAME"])
    assert result.summary().startswith("Import completed: 1 created, 1 updated")
    audited = {c.record_id: c for c in store.audit.changes(1)}
    assert audited["PROSPECT1"].after["Notes"] is None
    assert audited["DIFFNAME"].after["Tickets"] == 7  # the whole row, as the run left it
    assert audited["DIFFNAME"].before["CustomerName"] == "Different Name Inc"

    clerk(turbo, (NOTES, ["Called Tuesday", "PROSPECT1"]), (TICKETS, [8, "DIFFNAME"]))
    edited = turbo.dump()
    undone = CliRunner().invoke(main, ["undo", "--settings", str(turbo.settings), "--yes"])
    said = [
        "customer DIFFNAME (table Customers): changed since that synchronization: Tickets",
        "customer PROSPECT1 (table Customers): changed since that synchronization: Notes",
    ]
    assert (undone.exit_code, undone.output) == (
        3,
        "Undo of synchronization 1: 0 restored, 2 left as they are:\n"
        + "".join(f"  {line}\n" for line in said)
        + f"{PARTLY}\n",
    )
    summary = (
        "Undo of synchronization 1: 0 restored, 2 left as they are: " + "; ".join(said) + ". "
        f"{PARTLY}"
    )
    assert_only_the_undo_was_recorded(turbo, edited, summary)
    assert store.audit.runs()[0].user == getpass.getuser()
    assert last_undoable_run(store).run_id == 1  # not marked undone: it was not

    # as the run left them again: both taken back, the clerk's columns as they were
    clerk(turbo, (NOTES, [None, "PROSPECT1"]), (TICKETS, [7, "DIFFNAME"]))
    again = undo_last(store, user="t")
    assert (len(again.restored), again.left_alone) == (2, [])
    taken = {c.record_id: c for c in store.audit.changes(3)}
    assert (taken["DIFFNAME"].action, taken["PROSPECT1"].action) == ("restore", "delete")
    assert taken["DIFFNAME"].before == audited["DIFFNAME"].after  # the whole row it found
    assert taken["DIFFNAME"].after["Tickets"] == 7
    assert taken["PROSPECT1"].after is None
    assert without(turbo.dump(), *AUDIT) == without(original, *AUDIT)
    assert [r.undone for r in store.audit.runs() if r.kind is RunKind.SYNC] == [True]
    assert "[undone by run 2, 3]" in run_lines(store.audit.runs())[-1]
    with pytest.raises(NothingToUndoError):
        undo_last(store, user="t")


def test_undo_after_the_mapping_changed_takes_back_every_record(turbo, tmp_path):
    original = turbo.dump()
    synchronize(turbo, ["PROSPECT1", "DIFFNAME"])
    mapping = tmp_path / "mapping.toml"
    bundled = template_path("smsturbo_mapping.toml")
    kept = [
        line
        for line in bundled.read_text(encoding="utf-8").splitlines()
        if not line.startswith(("fax =", "udf1 =", "email ="))
    ]
    mapping.write_text("\n".join(kept) + "\n", encoding="utf-8")
    text = turbo.settings.read_text(encoding="utf-8")
    turbo.settings.write_text(
        text.replace("[smsturbo]\n", '[smsturbo]\nmapping = "mapping.toml"\n'), encoding="utf-8"
    )
    _, remapped, _ = session(turbo)
    assert "fax" not in remapped.table(CUSTOMER).columns
    undone = undo_last(remapped, user="t")
    assert (len(undone.restored), undone.left_alone) == (2, [])
    assert undone.summary() == "Undo of synchronization 1: 1 removed, 1 restored"
    assert without(turbo.dump(), *AUDIT) == without(original, *AUDIT)


def test_a_partly_undone_run_stays_undoable_and_names_what_cannot_be_compared(turbo):
    original = turbo.dump()
    store, _ = synchronize(turbo, ["PROSPECT1", "PROSPECT2", "DIFFNAME"])
    clerk(
        turbo,
        ('UPDATE "Customers" SET "CustomerName" = ? WHERE "CustomerID" = ?', ["Mine", "DIFFNAME"]),
        ('ALTER TABLE "Customers" RENAME COLUMN "Fax" TO "FaxNumber"', []),
    )
    edited = turbo.dump()
    undone = undo_last(store, user="t")
    assert undone.restored == []
    assert_only_the_undo_was_recorded(turbo, edited, undone.summary(named=None))
    renamed = (
        "cannot compare column Fax: no longer in the table; cannot compare column FaxNumber: "
        "added to the table after that synchronization, and it holds a value"
    )
    assert [a.describe() for a in undone.left_alone] == [
        "customer DIFFNAME (table Customers): cannot compare column Fax: no longer in the "
        "table; changed since that synchronization: CustomerName; cannot compare column "
        "FaxNumber: added to the table after that synchronization, and it holds a value",
        f"customer PROSPECT2 (table Customers): {renamed}",
        f"customer PROSPECT1 (table Customers): {renamed}",
    ]
    clerk(turbo, ('ALTER TABLE "Customers" RENAME COLUMN "FaxNumber" TO "Fax"', []))
    second = undo_last(store, user="t")
    assert sorted((c.action, c.record_id) for c in second.restored) == [
        ("delete", "PROSPECT1"),
        ("delete", "PROSPECT2"),
    ]
    assert [a.describe() for a in second.left_alone] == [
        "customer DIFFNAME (table Customers): changed since that synchronization: CustomerName"
    ]
    assert [r.undone for r in store.audit.runs() if r.kind is RunKind.SYNC] == [False]
    assert "[partly undone by run 2, 3]" in run_lines(store.audit.runs())[-1]

    clerk(
        turbo,
        (
            'UPDATE "Customers" SET "CustomerName" = ? WHERE "CustomerID" = ?',
            ["Different Name Inc.", "DIFFNAME"],
        ),
    )
    assert last_undoable_run(store).run_id == 1
    third = undo_last(store, user="t")
    assert [(c.action, c.record_id) for c in third.restored] == [("restore", "DIFFNAME")]
    assert third.summary() == "Undo of synchronization 1: 1 restored"
    assert without(turbo.dump(), *AUDIT) == without(original, *AUDIT)


OLD_AUDIT = (
    "CREATE TABLE SMSync_Runs (RunID INTEGER PRIMARY KEY, Kind VARCHAR(10) NOT NULL, "
    "UndoOf INTEGER, UserName VARCHAR(100) NOT NULL, StartedAt VARCHAR(40) NOT NULL, "
    "Company VARCHAR(200) NOT NULL, Summary VARCHAR(400) NOT NULL)",
    "CREATE TABLE SMSync_Changes (RunID INTEGER NOT NULL, Seq INTEGER NOT NULL, "
    "Entity VARCHAR(20) NOT NULL, RecordID VARCHAR(40) NOT NULL, Action VARCHAR(10) NOT NULL, "
    "BeforeJson TEXT, AfterJson TEXT, PRIMARY KEY (RunID, Seq))",
)
"""The audit tables as SMSync made them before it kept whole records."""
SQLITE_SAGE = '[sage50]\nkind = "sqlite"\npath = "sage50_demo.sqlite"\n'


def earlier_smsync_created(turbo: Turbo, record_id: str) -> str:
    """SMSTurbo as an earlier SMSync left it after creating ``record_id``: its audit
    tables (Company VARCHAR(200)) and its record of the run, the mapped fields keyed
    by field name, amounts as text. Returns that record's JSON."""
    store, _ = synchronize(turbo, [record_id])
    created = store.audit.changes(1)[0]
    fields = {f: decoded(created.after[c]) for f, c in store.table(CUSTOMER).columns.items()}
    old = json.dumps(
        {f: str(v) if isinstance(v, Decimal) else v for f, v in fields.items()}, sort_keys=True
    )
    clerk(
        turbo,
        ("DROP TABLE SMSync_Changes", []),
        ("DROP TABLE SMSync_Runs", []),
        *[(ddl, []) for ddl in OLD_AUDIT],
        (
            "INSERT INTO SMSync_Runs (RunID, Kind, UndoOf, UserName, StartedAt, Company, "
            "Summary) VALUES (1, 'sync', NULL, 'earlier', '2026-01-05T09:00:00+00:00', ?, ?)",
            [COMPANY_NAME, "Import completed: 1 created, 0 updated, 0 skipped, 0 conflicts"],
        ),
        (
            "INSERT INTO SMSync_Changes (RunID, Seq, Entity, RecordID, Action, BeforeJson, "
            "AfterJson) VALUES (1, 1, 'customers', ?, 'create', NULL, ?)",
            [record_id, old],
        ),
    )
    return old


def test_a_long_export_folder_fits_the_audit_even_one_an_earlier_smsync_made(turbo, tmp_path):
    original = turbo.dump()
    old = earlier_smsync_created(turbo, "PROSPECT2")
    earlier = turbo.dump()
    folder = tmp_path.joinpath(*["Sage 50 exports for Bellwether Aggregates and Hauling"] * 4)
    folder.mkdir(parents=True)
    write_sage_exports(folder, DemoLists(CUSTOMERS, VENDORS))
    company = f"Sage 50 exports in {folder}"
    assert len(company) > 200
    settings = turbo.settings.read_text(encoding="utf-8")
    turbo.settings.write_text(
        settings.replace(SQLITE_SAGE, f'[sage50]\nkind = "csv"\npath = "{folder}"\n'),
        encoding="utf-8",
    )
    cli = ["--settings", str(turbo.settings), "--yes"]

    synced = CliRunner().invoke(main, ["sync", *cli, "--entity", "customers", "PROSPECT1"])
    assert synced.exit_code == 0, synced.output
    assert "Import completed: 1 created, 0 updated, 0 skipped, 0 conflicts (run 2)" in synced.output
    now = turbo.dump()
    assert without(now, *AUDIT) != without(earlier, *AUDIT)
    first, second = now["smsync_runs"]
    assert first == earlier["smsync_runs"][0]  # the earlier run, kept as it was
    assert (second[:3], second[5]) == ((2, "sync", None), company)
    assert now["smsync_changes"][0] == (
        1,
        1,
        "customers",
        "PROSPECT2",
        "create",
        None,
        None,
        None,
        old,
    )

    undone = CliRunner().invoke(main, ["undo", *cli])
    assert undone.output == "Undo of synchronization 2: 1 removed\n"
    assert without(turbo.dump(), *AUDIT) == without(earlier, *AUDIT)
    undone = CliRunner().invoke(main, ["undo", *cli])  # the earlier SMSync's run
    assert undone.output == "Undo of synchronization 1: 1 removed\n"
    assert without(turbo.dump(), *AUDIT) == without(original, *AUDIT)


def test_the_workbook_names_the_first_records_left_alone_and_where_the_rest_are(tmp_path):
    book = demo_workbook(tmp_path)
    demo = demo_at(tmp_path, tmp_path / "settings.toml")
    path = demo.settings.smsturbo.path
    sync_all(demo)
    changed = len(demo.store.audit.changes(1))
    assert changed > NAMED
    with closing(sqlite3.connect(path)) as connection:
        for table in ("Customers", "Vendors"):
            connection.execute(f'ALTER TABLE "{table}" RENAME COLUMN "Fax" TO "FaxNumber"')
    renamed = dump(path)
    dialogs = Dialogs(True)
    assert macros.undo_last(open_book(book, dialogs))

    assert dump(path) == renamed
    headline = f"Undo of synchronization 1: 0 restored, {changed} left as they are: "
    tail = (
        f"; and {changed - NAMED} more, each named by 'smsync-xl runs' (run 2). "
        "Synchronization 1 is only partly undone"
    )
    shown = dialogs.alerts[0]
    assert shown.startswith(headline) and tail in shown
    assert shown.count("cannot compare column Fax: no longer in the table") == NAMED
    log = open_book(book).read_table(LOG)
    assert shown == log.rows[-1][log.column("Summary")] + "\n\nPress Refresh to see the new state."
    audited = demo.store.audit.runs()[0].summary
    assert audited.startswith(headline) and tail not in audited
    assert audited.count("cannot compare column Fax: no longer in the table") == changed


def test_undo_of_a_run_an_earlier_smsync_recorded_compares_what_it_can(turbo):
    original = turbo.dump()
    earlier_smsync_created(turbo, "PROSPECT2")
    clerk(turbo, OWN_COLUMNS[0], (NOTES, ["Called Tuesday", "PROSPECT2"]))
    cli = ["undo", "--settings", str(turbo.settings), "--yes"]

    undone = CliRunner().invoke(main, cli)
    assert (undone.exit_code, undone.output) == (
        3,
        "Undo of synchronization 1: 0 restored, 1 left as they are:\n"
        "  customer PROSPECT2 (table Customers): cannot compare column Notes: not recorded "
        "by the earlier SMSync that made that synchronization, and it holds a value\n"
        f"{PARTLY}\n",
    )
    with closing(turbo.connect()) as connection:
        audit = connection.execute("SELECT * FROM SMSync_Changes WHERE 1 = 0").description
    assert "tablename" in [d[0].lower() for d in audit]  # brought to today's shape

    clerk(turbo, (NOTES, [None, "PROSPECT2"]))
    undone = CliRunner().invoke(main, cli)
    assert (undone.exit_code, undone.output) == (0, "Undo of synchronization 1: 1 removed\n")
    now = turbo.dump()
    assert without(now, *AUDIT, "customers") == without(original, *AUDIT, "customers")
    assert [row[:-1] for row in now["customers"]] == original["customers"]  # Notes aside


def test_audit_tables_an_earlier_smsync_made_that_cannot_be_rebuilt_are_named_with_the_fix(
    request, tmp_path, postgres
):
    turbo = pg_turbo(request, create_demo(tmp_path).parent, SETTINGS_TEMPLATE, (CUSTOMERS, VENDORS))
    earlier_smsync_created(turbo, "PROSPECT2")
    granted = odbc_env.psql(
        f"\\c {postgres.databases[-1]}\n"
        "ALTER SCHEMA public OWNER TO postgres;\n"
        f"GRANT USAGE, CREATE ON SCHEMA public TO {postgres.role};\n"
        "ALTER TABLE smsync_runs OWNER TO postgres;\n"
        "ALTER TABLE smsync_changes OWNER TO postgres;\n"
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON smsync_runs, smsync_changes TO {postgres.role};\n"
    )
    assert granted.returncode == 0, granted.stderr
    before = turbo.dump()
    cli = ["--settings", str(turbo.settings), "--yes"]
    synced = CliRunner().invoke(main, ["sync", *cli, "--entity", "customers", "PROSPECT1"])
    assert (synced.exit_code, synced.output) == (
        1,
        "Synchronizing\n"
        f"Error: {turbo.where}: SMSync's audit tables "
        "(SMSync_Runs, SMSync_Changes) were made by an earlier SMSync and must be made again "
        "to hold whole records and long values, but the database refused it (ERROR: must be "
        "owner of table smsync_changes); nothing was changed\n"
        "Let the database user SMSync connects as own SMSync_Runs and SMSync_Changes (or have "
        "their owner run one synchronization), then synchronize again.\n",
    )
    assert turbo.dump() == before


# Undo locks the rows it takes back before it compares them, compares every column in
# Python, and writes them by their ID: nothing a clerk saves meanwhile is lost, and a
# value the driver cannot give back exactly (json, a time with fractions) never makes a
# row SMSync left untouched look changed.


@pytest.fixture
def pg(request, tmp_path) -> Turbo:
    """The demo company; SMSTurbo on PostgreSQL through psqlODBC."""
    create_demo(tmp_path)
    return pg_turbo(request, tmp_path, SETTINGS_TEMPLATE, (CUSTOMERS, VENDORS))


PREFS = 'UPDATE "Customers" SET "Prefs" = \'{"clerk": "call first"}\' WHERE "CustomerID" = ?'


def test_a_clerk_cannot_save_a_row_between_undos_compare_and_its_delete(pg, monkeypatch):
    import pyodbc

    clerk(pg, ('ALTER TABLE "Customers" ADD COLUMN "Prefs" JSON', []))
    store, _ = synchronize(pg, ["PROSPECT1"])
    tried: list[str] = []
    deleting = SMSTurboStore.delete_row

    def clerk_saves_first(self, entity, record_id, **kwargs):
        with closing(pg.connect()) as screen:
            screen.execute("SET lock_timeout = '300ms'")
            with pytest.raises(pyodbc.Error, match="55P03"):  # the row is Undo's now
                screen.execute(PREFS, [record_id.strip()])
        tried.append(record_id.strip())
        return deleting(self, entity, record_id, **kwargs)

    monkeypatch.setattr(SMSTurboStore, "delete_row", clerk_saves_first)
    undone = undo_last(store, user="t")
    assert (tried, [c.record_id for c in undone.restored]) == (["PROSPECT1"], ["PROSPECT1"])


def test_a_row_a_clerk_is_editing_is_left_alone_at_once_and_named(pg, monkeypatch):
    monkeypatch.setattr(dbapi, "LOCK_WAIT_SECONDS", 1.0)
    clerk(pg, ('ALTER TABLE "Customers" ADD COLUMN "Prefs" JSON', []))
    store, _ = synchronize(pg, ["PROSPECT1", "DIFFNAME"])
    screen = pg.connect()
    try:
        screen.autocommit = False
        screen.execute(PREFS, ["PROSPECT1"])  # being edited, not saved yet
        undone = undo_last(store, user="t")
        screen.commit()
    finally:
        screen.close()
    assert [c.record_id for c in undone.restored] == ["DIFFNAME"]
    assert [a.describe() for a in undone.left_alone] == [
        "customer PROSPECT1 (table Customers): being edited in SMSTurbo right now (another "
        "user holds it locked), so it was not compared; undo again once that edit is saved "
        "or cancelled"
    ]
    rows = pg.dump()["Customers"] if "Customers" in pg.dump() else pg.dump()["customers"]
    assert any("call first" in repr(row) for row in rows)


def test_undo_after_the_mapping_moved_to_another_table_works_on_the_audited_one(pg, tmp_path):
    clerk(
        pg,
        ('ALTER TABLE "Customers" ADD COLUMN "Prefs" JSON DEFAULT \'{"copies": 1}\'', []),
        ('UPDATE "Customers" SET "Prefs" = \'{"copies": 2}\'', []),
    )
    original = pg.dump()
    synchronize(pg, ["PROSPECT1", "DIFFNAME"])
    clerk(pg, ('CREATE TABLE "Clients" AS SELECT * FROM "Customers"', []))
    mapping = tmp_path / "mapping.toml"
    bundled = template_path("smsturbo_mapping.toml").read_text(encoding="utf-8")
    mapping.write_text(bundled.replace('table = "Customers"', 'table = "Clients"'), "utf-8")
    text = pg.settings.read_text(encoding="utf-8")
    pg.settings.write_text(
        text.replace("[smsturbo]\n", '[smsturbo]\nmapping = "mapping.toml"\n'), encoding="utf-8"
    )
    undone = CliRunner().invoke(main, ["undo", "--settings", str(pg.settings), "--yes"])
    assert (undone.exit_code, undone.output) == (
        0,
        "Undo of synchronization 1: 1 removed, 1 restored\n",
    )
    now = pg.dump()
    assert {k: v for k, v in now.items() if k.lower() != "clients"} == {
        k: v for k, v in without(original, *AUDIT).items()
    } | {k: v for k, v in now.items() if k in AUDIT}


ROUND_TRIPS = [
    ("TIME", "'13:14:15.5'", {}),
    ("TIMESTAMPTZ", "'2026-11-01 06:30:00+00'", {"PGTZ": "America/Chicago"}),
    ("TIMESTAMPTZ", "'2026-06-01 12:00:00+00'", {"PGTZ": "America/Chicago", "then": "UTC"}),
    ("DATE", "'infinity'", {}),
    ("TIMESTAMP", "'infinity'", {}),
    ("DATE", "'0044-03-15 BC'", {}),
    ("JSON", '\'{"b":1,  "a":2}\'', {}),
    ("XML", "'<a>1</a>'", {}),
    ("POINT", "'(1,2)'", {}),
]


@pytest.mark.parametrize(("kind", "value", "zones"), ROUND_TRIPS)
def test_values_the_driver_cannot_bind_back_exactly_do_not_look_changed(
    pg, monkeypatch, kind, value, zones
):
    """A column SMSync does not map, holding a value psqlODBC reads but cannot pass back
    as the same value (or reads differently in another time zone): nobody touched the
    rows, so Undo takes both back."""
    clerk(
        pg,
        (f'ALTER TABLE "Customers" ADD COLUMN "Odd" {kind}', []),
        (f'UPDATE "Customers" SET "Odd" = {value}', []),
    )
    monkeypatch.delenv("PGTZ", raising=False)
    original = pg.dump()
    if "PGTZ" in zones:
        monkeypatch.setenv("PGTZ", zones["PGTZ"])
    synchronize(pg, ["PROSPECT1", "DIFFNAME"])
    monkeypatch.setenv("PGTZ", zones.get("then", zones.get("PGTZ", "UTC")))
    _, store, _ = session(pg)
    undone = undo_last(store, user="t")
    assert (len(undone.restored), undone.left_alone) == (2, []), undone.summary()
    monkeypatch.delenv("PGTZ", raising=False)  # read as the first dump was
    assert without(pg.dump(), *AUDIT) == without(original, *AUDIT)


def test_a_composite_column_is_no_obstacle_to_undo(pg):
    """psqlODBC cannot pass a composite value back (0A000): Undo never binds one."""
    clerk(
        pg,
        ("CREATE TYPE pair AS (a int, b text)", []),
        ('ALTER TABLE "Customers" ADD COLUMN "Pair" pair', []),
        ('UPDATE "Customers" SET "Pair" = ROW(1, \'x\')', []),
    )
    original = pg.dump()
    synchronize(pg, ["PROSPECT1", "DIFFNAME"])
    undone = CliRunner().invoke(main, ["undo", "--settings", str(pg.settings), "--yes"])
    assert (undone.exit_code, undone.output) == (
        0,
        "Undo of synchronization 1: 1 removed, 1 restored\n",
    )
    assert without(pg.dump(), *AUDIT) == without(original, *AUDIT)


def test_a_refusal_the_driver_does_not_classify_is_a_plain_message(pg):
    clerk(
        pg,
        (
            "CREATE FUNCTION keep() RETURNS trigger AS $$ BEGIN "
            "RAISE EXCEPTION 'records of a closed period stay'; END $$ LANGUAGE plpgsql",
            [],
        ),
        (
            'CREATE TRIGGER keep BEFORE DELETE ON "Customers" FOR EACH ROW EXECUTE FUNCTION keep()',
            [],
        ),
    )
    synchronize(pg, ["PROSPECT1"])
    synchronized = pg.dump()
    undone = CliRunner().invoke(main, ["undo", "--settings", str(pg.settings), "--yes"])
    assert undone.exit_code == 1
    said = undone.stderr
    assert "deleting customer 'PROSPECT1' (table Customers): SMSTurbo's database refused it" in said
    assert "records of a closed period stay" in said and "Traceback" not in said
    assert "nothing was changed" in said
    assert pg.dump() == synchronized


def lower_case_mapping(turbo: Turbo, tmp_path) -> None:
    """A mapping that spells SMSTurbo's columns in another case than the table does,
    as SQLite allows (its names ignore case)."""
    mapping = tmp_path / "mapping.toml"
    bundled = template_path("smsturbo_mapping.toml").read_text(encoding="utf-8")
    lower = bundled.replace('id = "CustomerID"', 'id = "customerid"')
    mapping.write_text(lower.replace('phone1 = "Phone1"', 'phone1 = "phone1"'), "utf-8")
    text = turbo.settings.read_text(encoding="utf-8")
    turbo.settings.write_text(
        text.replace("[smsturbo]\n", '[smsturbo]\nmapping = "mapping.toml"\n'), encoding="utf-8"
    )


@pytest.mark.parametrize("when", ["before the synchronization", "before the undo"])
def test_sqlite_column_names_in_another_case_work_as_sqlite_takes_them(tmp_path, when):
    turbo = sqlite_turbo(tmp_path, create_demo(tmp_path))
    original = turbo.dump()
    if when == "before the synchronization":
        lower_case_mapping(turbo, tmp_path)
    _, result = synchronize(turbo, ["PROSPECT1", "DIFFNAME", "DIFFPHONE"])
    assert result.summary().startswith("Import completed: 1 created, 2 updated"), result.summary()
    if when == "before the undo":
        lower_case_mapping(turbo, tmp_path)
    _, store, _ = session(turbo)
    undone = undo_last(store, user="t")
    assert (len(undone.restored), undone.left_alone) == (3, []), undone.summary()
    assert without(turbo.dump(), *AUDIT) == without(original, *AUDIT)


def test_sqlite_an_earlier_smsyncs_audit_is_placed_by_names_in_any_case(tmp_path):
    turbo = sqlite_turbo(tmp_path, create_demo(tmp_path))
    original = turbo.dump()
    earlier_smsync_created(turbo, "PROSPECT1")
    lower_case_mapping(turbo, tmp_path)
    _, store, _ = session(turbo)
    undone = undo_last(store, user="t")
    assert undone.left_alone == [], undone.summary()
    assert without(turbo.dump(), *AUDIT) == without(original, *AUDIT)


def count_saves(turbo: Turbo) -> None:
    """A column SMSTurbo changes on every save (as an ``updated at`` trigger does),
    counted so that two saves never look alike."""
    clerk(turbo, ('ALTER TABLE "Customers" ADD COLUMN "Saves" INTEGER DEFAULT 0', []))
    if turbo.backend == "postgresql":
        clerk(
            turbo,
            (
                'CREATE FUNCTION saved() RETURNS trigger AS $$ BEGIN NEW."Saves" = '
                'OLD."Saves" + 1; RETURN NEW; END $$ LANGUAGE plpgsql',
                [],
            ),
            (
                'CREATE TRIGGER saved BEFORE UPDATE ON "Customers" FOR EACH ROW '
                "EXECUTE FUNCTION saved()",
                [],
            ),
        )
    else:
        clerk(
            turbo,
            (
                'CREATE TRIGGER saved AFTER UPDATE ON "Customers" WHEN NEW."Saves" IS '
                'OLD."Saves" BEGIN UPDATE "Customers" SET "Saves" = OLD."Saves" + 1 '
                "WHERE rowid = NEW.rowid; END",
                [],
            ),
        )


def test_a_record_synchronized_twice_is_undone_twice_despite_a_save_counter(turbo, tmp_path):
    """SMSync's own first undo changes the counter: the second undo compares with the
    row as that undo left it, not as the first synchronization did."""
    count_saves(turbo)
    store, _ = synchronize(turbo, ["DIFFNAME"])
    with closing(sqlite3.connect(tmp_path / "sage50_demo.sqlite")) as sage:
        sage.execute(
            "UPDATE Customers SET Phone_Number = '999-555-0000' WHERE trim(CustomerID) = 'DIFFNAME'"
        )
        sage.commit()
    store, second = synchronize(turbo, ["DIFFNAME"])
    assert second.summary().startswith("Import completed: 0 created, 1 updated")
    first_undo = undo_last(store, user="t")
    second_undo = undo_last(store, user="t")
    assert (first_undo.undone_run, first_undo.left_alone) == (2, [])
    assert (second_undo.undone_run, second_undo.left_alone) == (1, []), second_undo.summary()
    with pytest.raises(NothingToUndoError):
        undo_last(store, user="t")


def test_a_created_record_a_clerk_deleted_counts_as_taken_back(turbo):
    original = turbo.dump()
    store, _ = synchronize(turbo, ["DIFFNAME"])
    store, _ = synchronize(turbo, ["PROSPECT1"])
    clerk(turbo, ('DELETE FROM "Customers" WHERE "CustomerID" = ?', ["PROSPECT1"]))
    undone = CliRunner().invoke(main, ["undo", "--settings", str(turbo.settings), "--yes"])
    assert (undone.exit_code, undone.output) == (
        0,
        "Undo of synchronization 2: 0 restored, 1 created by it already deleted in SMSTurbo\n",
    )
    (gone,) = store.audit.changes(3)
    assert (gone.action, gone.record_id, gone.before, gone.after) == (
        "delete",
        "PROSPECT1",
        None,
        None,
    )
    assert last_undoable_run(store).run_id == 1  # run 2 is undone: Undo moves on
    assert undo_last(store, user="t").left_alone == []
    assert without(turbo.dump(), *AUDIT) == without(original, *AUDIT)


def test_an_updated_record_deleted_since_is_named_as_one_undo_cannot_give_back(turbo):
    store, _ = synchronize(turbo, ["DIFFNAME"])
    clerk(turbo, ('DELETE FROM "Customers" WHERE "CustomerID" = ?', ["DIFFNAME"]))
    undone = undo_last(store, user="t")
    assert [a.describe() for a in undone.left_alone] == [
        "customer DIFFNAME (table Customers): it is no longer in SMSTurbo (deleted since "
        "that synchronization), so its earlier values cannot be given back"
    ]


PARTLY_ASKED = (
    "It is partly undone already: undo run 2 took back 1 of its 2 changes; this undo tries "
    "the 1 left."
)


def test_the_question_before_undoing_a_partly_undone_run_says_what_is_left(tmp_path):
    book = demo_workbook(tmp_path)
    turbo = sqlite_turbo(tmp_path, tmp_path / "settings.toml")
    synchronize(turbo, ["DIFFNAME", "PROSPECT1"])
    clerk(turbo, ('UPDATE "Customers" SET "Phone2" = ? WHERE "CustomerID" = ?', ["x", "DIFFNAME"]))
    fresh = CliRunner().invoke(main, ["undo", "--settings", str(turbo.settings)], input="y\n")
    assert "partly undone already" not in fresh.output
    again = CliRunner().invoke(main, ["undo", "--settings", str(turbo.settings)], input="n\n")
    asked = again.output.splitlines()[0]
    assert asked.startswith("Undo synchronization 1 of ") and asked.endswith(
        f"? {PARTLY_ASKED} [y/N]: n"
    )
    dialogs = Dialogs(False)
    macros.undo_last(open_book(book, dialogs))
    assert dialogs.questions[0].endswith(f"\n\n{PARTLY_ASKED}")


def test_undo_after_a_column_type_changed_compares_values_not_spellings(pg):
    """The administrator widens CreditLimit (numeric(12,2) to numeric(14,4): 5000.00 is
    read as 5000.0000) and makes Phone1 char(30) (padded): no value changed, so Undo
    takes the run back, writing the exact old values. A real change is still one."""
    original = pg.dump()
    store, result = synchronize(pg, ["PROSPECT1", "DIFFNAME"])
    assert result.summary().startswith("Import completed: 1 created, 1 updated")
    clerk(
        pg,
        ('ALTER TABLE "Customers" ALTER COLUMN "CreditLimit" TYPE numeric(14,4)', []),
        ('ALTER TABLE "Customers" ALTER COLUMN "Phone1" TYPE char(30)', []),
        ('UPDATE "Customers" SET "CreditLimit" = 5000.0001 WHERE "CustomerID" = ?', ["PROSPECT1"]),
    )
    edited = pg.dump()
    first = CliRunner().invoke(main, ["undo", "--settings", str(pg.settings), "--yes"])
    assert first.exit_code == 3, first.output
    assert (
        "  customer PROSPECT1 (table Customers): changed since that synchronization: CreditLimit\n"
    ) in first.output
    assert first.output.startswith("Undo of synchronization 1: 1 restored, 1 left as they are")
    assert pg.dump() != edited  # DIFFNAME was restored

    clerk(pg, ('UPDATE "Customers" SET "CreditLimit" = 5000 WHERE "CustomerID" = ?', ["PROSPECT1"]))
    again = CliRunner().invoke(main, ["undo", "--settings", str(pg.settings), "--yes"])
    assert (again.exit_code, again.output) == (0, "Undo of synchronization 1: 1 removed\n")

    def padding_aside(dumped: dict) -> dict:
        return {
            name: [tuple(v.rstrip(" ") if isinstance(v, str) else v for v in row) for row in rows]
            for name, rows in without(dumped, *AUDIT).items()
        }

    assert padding_aside(pg.dump()) == padding_aside(original)
    restored = {c.record_id: c for c in store.audit.changes(2)}["DIFFNAME"]
    assert restored.after["CustomerName"] == "Different Name Inc"  # the exact old value
    assert [r.undone for r in store.audit.runs() if r.kind is RunKind.SYNC] == [True]


@pytest.mark.parametrize(
    ("now", "kept", "same"),
    [
        (Decimal("5000.0000"), {"decimal": "5000.00"}, True),
        (5000, {"decimal": "5000.00"}, True),
        (5000.0, {"decimal": "5000.00"}, True),
        (Decimal("5000.0001"), {"decimal": "5000.00"}, False),
        (0.1, {"decimal": "0.1"}, False),  # the float is not exactly 0.1
        (Decimal("1"), True, False),
        ("217-555-0100      ", "217-555-0100", True),
        ("217-555-0100\t", "217-555-0100", False),
        (" 217-555-0100", "217-555-0100", False),
        ("217-555-0100\u00a0", "217-555-0100", False),
        ("5000", {"decimal": "5000"}, False),
    ],
)
def test_undo_compares_values_as_values_and_only_padding_is_set_aside(now, kept, same):
    assert unchanged(now, kept) is same


EXACT = {
    "Balance": ("DECIMAL(14, 4)", "1234.5678", "1234.5679"),
    "Code": ("CHAR(10)", "'ab'", "'AB'"),
    "Seen": ("{timestamp}", "'2026-11-30 08:15:00.123456'", "'2026-11-30 08:15:00.123457'"),
    "Remark": ("VARCHAR(40)", "'Café ☕ 😀'", "'Cafe ☕ 😀'"),
}
"""Columns SMSync does not map, as SQL types and literals: a value, and one that differs
from it only in its last digit, its letter case, its last microsecond or its accent."""
TIMESTAMPS = {"sqlite": "TIMESTAMP", "postgresql": "TIMESTAMP(6)", "mariadb": "DATETIME(6)"}


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def any_turbo(request, tmp_path) -> Turbo:
    """The demo company; SMSTurbo in an SQLite file or on a database server."""
    from .test_concurrency import SERVERS

    settings = create_demo(tmp_path)
    if request.param == "sqlite":
        return sqlite_turbo(tmp_path, settings)
    return SERVERS[request.param](request, tmp_path, SETTINGS_TEMPLATE, (CUSTOMERS, VENDORS))


@pytest.mark.parametrize("edited", [None, *EXACT])
def test_exact_values_survive_sync_and_undo_and_any_edit_of_them_is_seen(any_turbo, edited):
    """A decimal, padded text, a timestamp to the microsecond and text with accents and
    emoji: a synchronization's compare-and-set matches them as stored, Undo gives them
    back exactly, and a clerk's edit of only a digit, a letter's case, a microsecond or
    an accent makes Undo leave the row alone, naming the column."""
    kind = TIMESTAMPS[any_turbo.backend]
    clerk(
        any_turbo,
        *[
            (f'ALTER TABLE "Customers" ADD "{c}" {t.format(timestamp=kind)}', [])
            for c, (t, _, _) in EXACT.items()
        ],
        (
            'UPDATE "Customers" SET '
            + ", ".join(f'"{c}" = {value}' for c, (_, value, _) in EXACT.items())
            + " WHERE \"CustomerID\" = 'DIFFNAME'",
            [],
        ),
    )
    original = any_turbo.dump()
    store, result = synchronize(any_turbo, ["DIFFNAME"])
    assert result.summary().startswith("Import completed: 0 created, 1 updated"), result.summary()
    if edited is not None:
        other = EXACT[edited][2]
        clerk(
            any_turbo,
            (f'UPDATE "Customers" SET "{edited}" = {other} WHERE "CustomerID" = \'DIFFNAME\'', []),
        )
    before_undo = any_turbo.dump()
    undone = undo_last(store, user="t")
    if edited is None:
        assert (len(undone.restored), undone.left_alone) == (1, [])
        assert without(any_turbo.dump(), *AUDIT) == without(original, *AUDIT)
    else:
        assert [c.record_id for c in undone.left_alone] == ["DIFFNAME"]
        assert f"changed since that synchronization: {edited}" in undone.summary()
        assert without(any_turbo.dump(), *AUDIT) == without(before_undo, *AUDIT)
