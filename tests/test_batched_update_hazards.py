"""The batched UPDATE (``Database.update_rows``, ``SMSTurboStore.update_rows`` and
``restore_rows``) writes what a row-by-row UPDATE writes, against the real databases:
found by an adversarial round, each case once wrote something else."""

from __future__ import annotations

import sqlite3

import pytest

from smsync_xl.app.open_sides import open_source, open_store
from smsync_xl.core.errors import TargetError
from smsync_xl.core.fields import CUSTOMER
from smsync_xl.core.vocabulary import Outcome, Status
from smsync_xl.demo.company import create_sage_company, create_smsturbo, write_smsturbo
from smsync_xl.demo.data import DemoLists, DemoRecord
from smsync_xl.files.settings_file import settings_from_values

from .conftest import (
    ids_with,
    mariadb_database,
    mariadb_dsn,
    pg_database,
    pg_dsn,
    rebuild_sqlite_table,
)
from .odbc_env import PG_DRIVER, PG_HOST, PG_PORT


def customer(n: int, **values: object) -> dict[str, object]:
    record: dict[str, object] = {
        "id": f"C{n:04d}",
        "name": f"Customer {n}",
        "address1": f"{n} Main St",
        "city": "Springfield",
        "state": "IL",
        "zip": "62701",
        "phone1": "217-555-0100",
        "type": "WHOLESAL",
        "credit_limit": "500.25",
        "terms": "30",
    }
    record.update(values)
    return record


def two_customers(credit_b: str) -> DemoLists:
    """C0001: SMSTurbo has another credit limit (99.50); C0002: only another name, its
    credit limit (``credit_b``) the same on both sides."""
    return DemoLists(
        [
            DemoRecord(customer(1), turbo=customer(1, credit_limit="99.50")),
            DemoRecord(
                customer(2, credit_limit=credit_b),
                turbo=customer(2, name="Old Name", credit_limit=credit_b),
            ),
        ]
    )


def session(
    tmp_path,
    lists: DemoLists,
    turbo: dict[str, str],
    user: str = "",
    replace: str = "name, credit_limit",
):
    sage = tmp_path / "sage50.sqlite"
    create_sage_company(sage, lists)
    settings = settings_from_values(
        {
            "sage50.kind": "sqlite",
            "sage50.path": str(sage),
            **turbo,
            **({"smsturbo.user": user} if user else {}),
            "customers.replace": replace,
        },
        base=tmp_path,
        locate=str,
    )
    return open_source(settings), open_store(settings), settings


def synchronize_all(source, store, settings):
    from smsync_xl.sync.apply import apply, make_plan

    plan = make_plan(CUSTOMER, source, store, settings)
    chosen = plan.chosen(ids_with(plan, Status.DIFFERENT))
    assert len(chosen) == 2, [(r.id, r.status) for r in plan.rows]
    return apply(source, store, settings, {"customers": chosen}, user="tester")


def test_mariadb_float_column_of_a_row_not_changing_it_keeps_its_value(
    tmp_path, odbc, mariadb, monkeypatch
):
    """MariaDB, SMSTurbo's credit limit a FLOAT column. C0001's new credit limit is a
    Decimal parameter, so ``CASE id WHEN ? THEN ? ELSE "CreditLimit" END`` is a string
    expression (MariaDB aggregates a string parameter and a FLOAT into a string): C0002,
    in the same statement only for its name, gets its FLOAT back through a 6-digit
    string: 123456.75 became 123457. A statement's rows now write the same columns:
    C0002's credit limit is never named, as row by row."""
    db = mariadb_database(mariadb)
    write_smsturbo(db, two_customers("123456.75"))
    db.execute('ALTER TABLE "Customers" MODIFY "CreditLimit" FLOAT')
    db.close()
    monkeypatch.setenv("SMSYNC_SMSTURBO_PASSWORD", mariadb.password)
    dsn = mariadb_dsn(odbc, mariadb)
    source, store, settings = session(
        tmp_path,
        two_customers("123456.75"),
        {"smsturbo.kind": "odbc", "smsturbo.dsn": dsn},
        mariadb.writer,
    )
    query = 'SELECT "CustomerID", "CreditLimit", "CustomerName" FROM "Customers"'
    assert ("C0002", 123456.75, "Old Name") in store.db.query(query)

    result = synchronize_all(source, store, settings)

    assert result.count(Outcome.UPDATED) == 2, result.summary()
    rows = {r[0]: r for r in store.db.query(query)}
    assert rows["C0002"][2] == "Customer 2"
    assert rows["C0001"][1] == 500.25
    assert rows["C0002"][1] == 123456.75  # not 123457.0: a field nobody ticked


CREDIT_REVIEW = (
    'CREATE TRIGGER credit_review AFTER UPDATE OF "CreditLimit" ON "Customers" '
    'BEGIN UPDATE "Customers" SET "CreditStatus" = \'REVIEW\' '
    'WHERE "CustomerID" = NEW."CustomerID"; END'
)
"""SMSTurbo's own rule (SQLite): a customer whose credit limit is written goes to credit
review. ``UPDATE OF`` fires for every row of a statement that assigns the column."""


def only_the_written_row_is_reviewed(source, store, settings) -> None:
    """Both customers updated; the credit-review rule put C0001 (its credit limit
    written) under review, never C0002 (only its name written)."""
    status = 'SELECT "CreditStatus" FROM "Customers" WHERE "CustomerID" = ?'
    unreviewed = store.db.query(status, ["C0002"])[0][0]
    assert unreviewed != "REVIEW"

    result = synchronize_all(source, store, settings)

    assert result.count(Outcome.UPDATED) == 2, result.summary()
    assert store.db.query(status, ["C0001"])[0][0] == "REVIEW"
    assert store.db.query(status, ["C0002"])[0][0] == unreviewed  # not 'REVIEW'


def test_sqlite_update_of_trigger_does_not_fire_for_a_row_not_changing_that_column(tmp_path):
    """SQLite SMSTurbo with an ``AFTER UPDATE OF "CreditLimit"`` trigger. C0001's credit
    limit changes, C0002 only its name; the batch assigns "CreditLimit" (``ELSE
    "CreditLimit"``) to both rows, so the trigger puts C0002 under credit review too. Row
    by row, and now batched by the columns written, C0002's UPDATE never names it."""
    turbo = tmp_path / "smsturbo.sqlite"
    create_smsturbo(turbo, two_customers("700.00"))
    connection = sqlite3.connect(turbo)
    connection.execute(CREDIT_REVIEW)
    connection.commit()
    connection.close()
    source, store, settings = session(
        tmp_path, two_customers("700.00"), {"smsturbo.kind": "sqlite", "smsturbo.path": str(turbo)}
    )
    only_the_written_row_is_reviewed(source, store, settings)


ON_HOLD = (
    'CREATE TRIGGER on_hold BEFORE UPDATE ON "Customers" '
    "WHEN OLD.\"CustomerType\" = 'ONHOLD' BEGIN SELECT RAISE(IGNORE); END"
)
"""SMSTurbo's own rule (SQLite): a customer on hold is never changed, silently."""


def test_rows_of_a_table_without_a_unique_id_are_written_one_by_one(tmp_path):
    """The batch checks only the SUM of rows changed. SMSTurbo's customer IDs are not
    unique here (doctor warns, Synchronize goes on) and C0002 is there twice, alike;
    C0001 is on hold (a trigger skips its UPDATE). One statement changes 0 + 2 = 2 rows,
    the two it names, so the batch is taken as written: C0001 is reported UPDATED (and
    audited) though SMSTurbo kept its old credit limit, and both C0002 rows are
    overwritten. Row by row, C0001 is a conflict and C0002's write stops the run
    ('expected once … touched 2 rows'), nothing written: where the ID is not unique,
    rows now go one by one."""
    turbo = tmp_path / "smsturbo.sqlite"
    lists = DemoLists(
        [
            DemoRecord(
                customer(1, type="ONHOLD"),
                turbo=customer(1, type="ONHOLD", credit_limit="99.50"),
            ),
            DemoRecord(customer(2), turbo=customer(2, name="Old Name")),
        ]
    )
    create_smsturbo(turbo, lists)
    connection = sqlite3.connect(turbo)
    rebuild_sqlite_table(
        connection, "Customers", lambda sql: sql.replace("NOT NULL PRIMARY KEY", "NOT NULL")
    )
    connection.execute(
        'INSERT INTO "Customers" SELECT * FROM "Customers" WHERE "CustomerID" = \'C0002\''
    )
    connection.execute(ON_HOLD)
    connection.commit()
    connection.close()
    source, store, settings = session(
        tmp_path, lists, {"smsturbo.kind": "sqlite", "smsturbo.path": str(turbo)}
    )

    try:
        result = synchronize_all(source, store, settings)
    except TargetError as error:  # row by row: C0002's write touched 2 rows
        assert "touched 2 rows" in error.message
        return
    outcomes = {r.id: r.outcome for r in result.results}
    limit = 'SELECT "CreditLimit" FROM "Customers" WHERE "CustomerID" = ?'
    held = store.db.query(limit, ["C0001"])[0][0]
    assert outcomes["C0001"] is not Outcome.UPDATED or held == 500.25  # not 99.5


def transaction_rollback_session(tmp_path, odbc, postgres, alter: str):
    """PostgreSQL through a DSN with 'Server side prepare' off and 'Level of rollback on
    errors: Transaction'; SMSTurbo holds 500 customers with an old name and one with
    other terms, then ``alter`` is run on it."""
    database = postgres.create_database()
    db = pg_database(postgres, database)
    lists = DemoLists(
        [DemoRecord(customer(n), turbo=customer(n, name="Old Name")) for n in range(500)]
        + [DemoRecord(customer(500), turbo=customer(500, terms="45"))]
    )
    write_smsturbo(db, lists)
    db.execute(alter)
    db.close()
    dsn = odbc.add_dsn(
        f"noprep_{database[-20:]}",
        PG_DRIVER,
        Servername=PG_HOST,
        Port=str(PG_PORT),
        Database=database,
        Username=postgres.role,
        UseServerSidePrepare="0",
        Protocol="7.4-1",
    )
    return session(
        tmp_path,
        lists,
        {"smsturbo.kind": "odbc", "smsturbo.dsn": dsn},
        user=postgres.role,
        replace="name, terms",
    )


def test_a_refused_batch_under_transaction_rollback_dsn_names_the_setting_and_writes_nothing(
    tmp_path, odbc, postgres, passwords
):
    """SMSTurbo's own rule refuses one customer's new name (a CHECK constraint SMSync
    cannot know of): with 'Level of rollback on errors: Transaction' the refused batch
    ends the transaction, so there is no going on row by row. The run stops with an
    error that says so and names the DSN setting, never a raw driver error, and
    nothing is written."""
    from smsync_xl.sync.apply import apply, make_plan

    source, store, settings = transaction_rollback_session(
        tmp_path,
        odbc,
        postgres,
        'ALTER TABLE "Customers" ADD CONSTRAINT no_seven CHECK ("CustomerName" <> \'Customer 7\')',
    )
    before = store.db.query('SELECT * FROM "Customers" ORDER BY "CustomerID"')
    plan = make_plan(CUSTOMER, source, store, settings)
    chosen = plan.chosen(ids_with(plan, Status.DIFFERENT))
    with pytest.raises(TargetError) as refused:
        apply(source, store, settings, {"customers": chosen}, user="tester")
    said = str(refused.value)
    assert "refused a batch of updates" in said and "nothing was changed" in said
    assert "no_seven" in said and "Protocol=7.4-2" in refused.value.advice
    store.db.connection.rollback()
    assert store.db.query('SELECT * FROM "Customers" ORDER BY "CustomerID"') == before
    assert not store.audit.exists() or store.audit.runs() == []


def test_postgres_literal_parameters_under_transaction_rollback_dsn_update_in_batches(
    tmp_path, odbc, postgres, passwords
):
    """PostgreSQL through psqlODBC with 'Server side prepare' off (UseServerSidePrepare=0)
    and 'Level of rollback on errors: Transaction' (Protocol=7.4-1), both DSN settings:
    parameters go in as literals, so a customer's terms (a whole number) for SMSTurbo's
    VARCHAR "InvoiceTerms" make ``CASE … WHEN ? THEN 30 ELSE "InvoiceTerms" END`` an
    error ('CASE types character varying and integer cannot be matched'), where row by
    row ``SET "InvoiceTerms" = 30`` is fine. psqlODBC aborts the whole transaction, the
    savepoint with it, so the row-by-row retry fails too ('current transaction is
    aborted') and a synchronization that worked row by row now fails every time, with
    a raw pyodbc error. Each value is now cast to its column's type (without its size),
    as a plain SET takes it, so the batch goes through."""
    from smsync_xl.sync.apply import apply, make_plan

    source, store, settings = transaction_rollback_session(
        tmp_path,
        odbc,
        postgres,
        'ALTER TABLE "Customers" ALTER COLUMN "InvoiceTerms" TYPE VARCHAR(20)',
    )
    plan = make_plan(CUSTOMER, source, store, settings)
    chosen = plan.chosen(ids_with(plan, Status.DIFFERENT))
    assert len(chosen) == 501

    result = apply(source, store, settings, {"customers": chosen}, user="tester")

    assert result.count(Outcome.UPDATED) == 501, result.summary()
    assert len(store.audit.changes(result.run_id)) == 501
    terms = 'SELECT "InvoiceTerms" FROM "Customers" WHERE "CustomerID" = ?'
    assert store.db.query(terms, ["C0500"])[0][0] == "30"
    name = 'SELECT "CustomerName" FROM "Customers" WHERE "CustomerID" = ?'
    assert store.db.query(name, ["C0000"])[0][0] == "Customer 0"


PG_CREDIT_REVIEW = (
    "CREATE FUNCTION credit_review() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "NEW.\"CreditStatus\" := 'REVIEW'; RETURN NEW; END $$",
    'CREATE TRIGGER credit_review BEFORE UPDATE OF "CreditLimit" ON "Customers" '
    "FOR EACH ROW EXECUTE FUNCTION credit_review()",
)
"""The same rule on PostgreSQL: ``UPDATE OF`` fires for each row of a statement whose
SET list names the column, whether or not the row's value changes."""


def test_postgres_update_of_trigger_does_not_fire_for_a_row_not_changing_that_column(
    tmp_path, odbc, postgres, passwords
):
    """As the SQLite test, on PostgreSQL (a BEFORE UPDATE OF trigger): C0002, whose
    credit limit nobody changes, is not put under credit review by SMSync's batch."""
    database = postgres.create_database()
    db = pg_database(postgres, database)
    write_smsturbo(db, two_customers("700.00"))
    for statement in PG_CREDIT_REVIEW:
        db.execute(statement)
    db.close()
    dsn = pg_dsn(odbc, postgres, "turbo_update_of", database)
    source, store, settings = session(
        tmp_path,
        two_customers("700.00"),
        {"smsturbo.kind": "odbc", "smsturbo.dsn": dsn},
        postgres.role,
    )
    only_the_written_row_is_reviewed(source, store, settings)
