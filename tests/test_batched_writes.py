"""SMSTurbo writes in batches, not one statement per record: PostgreSQL itself counts
the INSERT statements a synchronization runs (a statement-level trigger), and every
value, full-width text and blank amounts included, reads back as written."""

from __future__ import annotations

from smsync_xl.app.open_sides import open_source, open_store
from smsync_xl.core.fields import CUSTOMER
from smsync_xl.core.vocabulary import Outcome, Status
from smsync_xl.demo.company import create_sage_company, write_smsturbo
from smsync_xl.demo.data import DEMO_LISTS, DemoLists, DemoRecord
from smsync_xl.files.settings_file import settings_from_values
from smsync_xl.smsturbo.audit import CHANGES
from smsync_xl.sync.apply import apply, make_plan
from smsync_xl.sync.undo import undo_last

from .conftest import ids_with, pg_database, pg_dsn

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
