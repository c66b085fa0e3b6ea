"""SMSTurbo writes in batches, not one statement per record: PostgreSQL itself counts
the INSERT statements a synchronization runs (a statement-level trigger), and every
value, full-width text and blank amounts included, reads back as written."""

from __future__ import annotations

from decimal import Decimal

from smsync_xl.app.open_sides import open_source, open_store
from smsync_xl.core.fields import CUSTOMER, TURBO_FIELDS
from smsync_xl.core.vocabulary import Outcome, Status
from smsync_xl.demo.company import create_sage_company, write_smsturbo
from smsync_xl.demo.data import DEMO_LISTS, DemoLists, DemoRecord
from smsync_xl.files.settings_file import settings_from_values
from smsync_xl.smsturbo.audit import CHANGES
from smsync_xl.sync.apply import apply, make_plan
from smsync_xl.sync.undo import undo_last

from .conftest import ids_with, mariadb_database, mariadb_dsn, pg_database, pg_dsn

NEW = 600

COUNTING = (
    "CREATE TABLE smsync_test_statements (tab TEXT NOT NULL)",
    "CREATE FUNCTION smsync_test_count() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "INSERT INTO smsync_test_statements VALUES (TG_TABLE_NAME); RETURN NULL; END $$",
    'CREATE TRIGGER counted AFTER INSERT ON "Customers" FOR EACH STATEMENT '
    "EXECUTE FUNCTION smsync_test_count()",
    f"CREATE TRIGGER counted AFTER INSERT ON {CHANGES} FOR EACH STATEMENT "
    "EXECUTE FUNCTION smsync_test_count()",
)
"""PostgreSQL counts each INSERT statement on the customers and the audit's changes."""


def new_customer(n: int) -> DemoRecord:
    return DemoRecord(
        {
            "id": f"B{n:05d}",
            "name": f"Ｆｕｌｌ Café {n}" if n % 2 else f"Batch Customer {n}",
            "address1": f"{n} Quarry Rd",
            "city": "Springfield",
            "state": "IL",
            "zip": f"{n % 99999:05d}",
            "phone1": "217-555-0100",
            "type": "WHOLESAL",
            "credit_limit": "" if n % 3 == 0 else f"{n}.25",
            "terms": "30",
        }
    )


def test_synchronize_inserts_records_and_audit_in_batches(tmp_path, odbc, postgres, passwords):
    database = postgres.create_database()
    db = pg_database(postgres, database)
    write_smsturbo(db, DEMO_LISTS)
    db.close()
    sage = tmp_path / "sage50.sqlite"
    create_sage_company(sage, DemoLists([new_customer(n) for n in range(NEW)]))
    settings = settings_from_values(
        {
            "sage50.kind": "sqlite",
            "sage50.path": str(sage),
            "smsturbo.kind": "odbc",
            "smsturbo.dsn": pg_dsn(odbc, postgres, "turbo_batched", database),
            "smsturbo.user": postgres.role,
        },
        base=tmp_path,
        locate=str,
    )
    source, store = open_source(settings), open_store(settings)
    store.audit.ensure_tables()
    for statement in COUNTING:
        store.db.execute(statement)
    before = store.db.query('SELECT * FROM "Customers" ORDER BY "CustomerID"')
    plan = make_plan(CUSTOMER, source, store, settings)
    chosen = plan.chosen(ids_with(plan, Status.NEW))
    assert len(chosen) == NEW

    result = apply(source, store, settings, {"customers": chosen}, user="tester")

    assert result.count(Outcome.CREATED) == NEW
    counted = dict(store.db.query("SELECT tab, COUNT(*) FROM smsync_test_statements GROUP BY tab"))
    assert counted["Customers"] <= NEW / 50  # a statement per batch, not per record
    assert counted[CHANGES.lower()] <= NEW / 100
    after = make_plan(CUSTOMER, source, store, settings)
    assert {after.by_id[i].status for i in chosen} == {Status.IN_SYNC}
    written = store.fetch(CUSTOMER, "B00001")
    assert written is not None and written["name"] == "Ｆｕｌｌ Café 1"
    assert written["credit_limit"] == "1.25"
    blank = store.fetch(CUSTOMER, "B00000")
    assert blank is not None and blank["name"] == "Batch Customer 0"

    undone = undo_last(store, user="tester")
    assert undone.undone_run == result.run_id and undone.left_alone == []
    assert store.db.query('SELECT * FROM "Customers" ORDER BY "CustomerID"') == before


UPDATED = 600

COUNTING_UPDATES = (
    "CREATE TABLE smsync_test_updates (n INTEGER NOT NULL)",
    "CREATE FUNCTION smsync_test_count_update() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN INSERT INTO smsync_test_updates VALUES (1); RETURN NULL; END $$",
    'CREATE TRIGGER counted_updates AFTER UPDATE ON "Customers" FOR EACH STATEMENT '
    "EXECUTE FUNCTION smsync_test_count_update()",
)
"""PostgreSQL counts each UPDATE statement on the customers."""


def changed_customer(n: int) -> DemoRecord:
    """A customer SMSTurbo holds with other values than Sage 50's, in fields that differ
    from row to row: a name (full-width for some), a credit limit, a city, an empty phone,
    a second address line Sage 50 leaves blank."""
    sage = new_customer(n)
    turbo = dict(sage.values)
    turbo["name"] = f"Old Name {n}"
    if n % 2:
        turbo["credit_limit"] = "99.50"
    if n % 5 == 0:
        turbo["city"] = "Old Town"
    if n % 7 == 0:
        turbo["phone1"] = None
    if n % 3 == 0:
        turbo["address2"] = "Suite 9"
    return DemoRecord(sage.values, turbo=turbo)


def test_synchronize_updates_records_in_batches_with_exact_values(
    tmp_path, odbc, postgres, passwords
):
    """PostgreSQL counts the UPDATE statements on the customers itself (a trigger)."""
    database = postgres.create_database()
    db = pg_database(postgres, database)
    write_smsturbo(db, DemoLists([changed_customer(n) for n in range(UPDATED)]))
    db.close()
    dsn = pg_dsn(odbc, postgres, "turbo_batched_updates", database)
    source, store, settings = updating_session(tmp_path, dsn, postgres.role)
    for statement in COUNTING_UPDATES:
        store.db.execute(statement)
    updates_are_batched_and_exact(
        source,
        store,
        settings,
        lambda: int(store.db.query("SELECT COUNT(*) FROM smsync_test_updates")[0][0]),
    )


def test_mariadb_updates_records_in_batches_with_exact_values(tmp_path, odbc, mariadb, monkeypatch):
    """MariaDB counts the session's UPDATE statements (its Com_update status): the
    customers' and SMSync's own few (the writer lock, the run's summary)."""
    db = mariadb_database(mariadb)
    write_smsturbo(db, DemoLists([changed_customer(n) for n in range(UPDATED)]))
    db.close()
    monkeypatch.setenv("SMSYNC_SMSTURBO_PASSWORD", mariadb.password)
    dsn = mariadb_dsn(odbc, mariadb)
    source, store, settings = updating_session(tmp_path, dsn, mariadb.writer)
    updates_are_batched_and_exact(
        source,
        store,
        settings,
        lambda: int(store.db.query("SHOW SESSION STATUS LIKE 'Com_update'")[0][1]),
        besides=5,
    )


def updating_session(tmp_path, dsn: str, user: str):
    """Sage 50 holding the customers as ``new_customer`` makes them, SMSTurbo (``dsn``)
    as ``changed_customer`` does, every changed field's Replace Option ticked."""
    sage = tmp_path / "sage50.sqlite"
    create_sage_company(sage, DemoLists([new_customer(n) for n in range(UPDATED)]))
    settings = settings_from_values(
        {
            "sage50.kind": "sqlite",
            "sage50.path": str(sage),
            "smsturbo.kind": "odbc",
            "smsturbo.dsn": dsn,
            "smsturbo.user": user,
            "customers.replace": "name, address, phone, credit_limit",
        },
        base=tmp_path,
        locate=str,
    )
    return open_source(settings), open_store(settings), settings


def updates_are_batched_and_exact(source, store, settings, statements, besides: int = 0) -> None:
    """Updates are a statement per batch, not per record (``statements``: the UPDATE
    statements run so far; ``besides``: SMSync's own others), and each row gets its own
    values as the column's type: 1.25 is the number 1.25, blank text is as an insert
    writes it, a phone that was NULL is filled, a full-width name is itself; the audit
    holds each row's before and after, and Undo gives back the table exactly, in
    batches too."""
    before = store.db.query('SELECT * FROM "Customers" ORDER BY "CustomerID"')
    plan = make_plan(CUSTOMER, source, store, settings)
    chosen = plan.chosen(ids_with(plan, Status.DIFFERENT))
    assert len(chosen) == UPDATED
    counted = statements()

    result = apply(source, store, settings, {"customers": chosen}, user="tester")

    assert result.count(Outcome.UPDATED) == UPDATED, result.summary()
    updating = statements() - counted
    # a statement per batch of rows writing the same columns, not one per record
    assert updating <= UPDATED / 20 + besides, updating
    after = make_plan(CUSTOMER, source, store, settings)
    assert {after.by_id[i].status for i in chosen} == {Status.IN_SYNC}
    raw = store.fetch_raw(CUSTOMER, ["B00000", "B00001", "B00003", "B00007", "B00010"])
    assert raw["B00001"]["credit_limit"] == Decimal("1.25")
    assert raw["B00001"]["name"] == "Ｆｕｌｌ Café 1"
    assert raw["B00000"]["credit_limit"] is None and raw["B00000"]["name"] == "Batch Customer 0"
    assert raw["B00003"]["address2"] == TURBO_FIELDS["address2"].kind.to_db("")  # as inserted
    assert raw["B00007"]["phone1"] == "217-555-0100" and raw["B00007"]["city"] == "Springfield"
    assert raw["B00010"]["city"] == "Springfield"
    changes = {c.record_id: c for c in store.audit.changes(result.run_id)}
    assert len(changes) == UPDATED
    assert changes["B00001"].before["CreditLimit"] == {"decimal": "99.50"}
    assert changes["B00001"].after["CreditLimit"] == {"decimal": "1.25"}
    assert changes["B00003"].before["Address2"] == "Suite 9"
    assert changes["B00007"].before["Phone1"] is None
    assert changes["B00007"].after["Phone1"] == "217-555-0100"

    counted = statements()
    undone = undo_last(store, user="tester")
    assert undone.undone_run == result.run_id and undone.left_alone == []
    assert store.db.query('SELECT * FROM "Customers" ORDER BY "CustomerID"') == before
    restoring = statements() - counted
    assert restoring <= UPDATED / 20 + besides, restoring  # Undo's too
