import dataclasses
import sqlite3

import pytest
from click.testing import CliRunner

from smsync_xl.cli import main
from smsync_xl.core.errors import MissingDefaultsError, TargetError
from smsync_xl.core.fields import CUSTOMER, VENDOR
from smsync_xl.core.settings import EntitySettings
from smsync_xl.core.vocabulary import Outcome, Status
from smsync_xl.demo.company import create_demo
from smsync_xl.smsturbo.store import SMSTurboStore
from smsync_xl.sync.apply import apply
from smsync_xl.sync.undo import undo_last

from .conftest import audit_rows, dump, ids_with


def sync(demo, customers=(), vendors=(), plans=None, settings=None):
    plans = plans or {"customers": demo.plan(), "vendors": demo.plan("vendors")}
    chosen = {
        "customers": plans["customers"].chosen(customers),
        "vendors": plans["vendors"].chosen(vendors),
    }
    return apply(demo.source, demo.store, settings or demo.settings, chosen, user="tester")


def with_customer_options(settings, options):
    """Setup changed since Refresh: new settings, the old ones untouched (they are frozen)."""
    return dataclasses.replace(settings, entities={**settings.entities, "customers": options})


def outcomes(result):
    return {r.id: r.outcome for r in result.results}


def test_new_records_take_zzdefault_for_what_sage_does_not_supply(demo):
    result = sync(demo, ["NOLIMIT", "ZEROLIMIT"], ["VNEW1"])
    assert outcomes(result) == {
        "NOLIMIT": Outcome.CREATED,
        "ZEROLIMIT": Outcome.CREATED,
        "VNEW1": Outcome.CREATED,
    }
    nolimit = demo.store.fetch(CUSTOMER, "NOLIMIT")
    assert nolimit["credit_limit"] == "0.00"  # ZZDEFAULT's
    assert nolimit["credit_status"] == "CASH"
    assert (nolimit["tax_exempt"], nolimit["billing_cycle"]) == ("N", "MONTHLY")
    assert nolimit["name"] == "Blank Limit Lawn Care"
    vendor = demo.store.fetch(VENDOR, "VNEW1")
    assert vendor["terms"] == "30" and vendor["credit_status"] == "CASH"


def test_inactive_new_record_arrives_inactive(demo):
    sync(demo, ["RETAIL"])
    assert demo.store.fetch(CUSTOMER, "RETAIL")["credit_status"] == "INACTIVE"


def test_updates_touch_only_ticked_groups(demo):
    store = demo.store
    before = store.fetch(CUSTOMER, "DIFFTYPE")
    result = sync(demo, ["DIFFNAME", "DIFFTYPE"])
    assert outcomes(result) == {"DIFFNAME": Outcome.UPDATED, "DIFFTYPE": Outcome.SKIPPED}
    assert store.fetch(CUSTOMER, "DIFFNAME")["name"] == "Different Name Inc."
    assert store.fetch(CUSTOMER, "DIFFTYPE") == before
    assert "not ticked in Replace Options" in result.results[1].detail


def test_invalid_and_in_sync_rows_are_skipped_with_reason(demo):
    result = sync(demo, ["ACME CO", "C0001"])
    assert outcomes(result) == {"ACME CO": Outcome.SKIPPED, "C0001": Outcome.SKIPPED}
    assert result.results[0].detail.startswith("ID contains a space")
    assert result.run_id is None
    assert audit_rows(demo.settings.smsturbo.path) == (0, 0)


def test_a_row_changed_since_the_plan_is_a_conflict(demo):
    plans = {"customers": demo.plan(), "vendors": demo.plan("vendors")}
    connection = sqlite3.connect(demo.settings.sage50.path)
    with connection:
        connection.execute(
            "UPDATE Customers SET Phone_Number = '000' WHERE CustomerID = 'PROSPECT1'"
        )
    connection.close()
    result = sync(demo, ["PROSPECT1", "PROSPECT2"], plans=plans)
    assert outcomes(result) == {"PROSPECT1": Outcome.CONFLICT, "PROSPECT2": Outcome.CREATED}
    assert result.results[0].detail.startswith(
        "changed in Sage 50 or SMSTurbo since the lists were compared"
    )
    assert demo.store.fetch(CUSTOMER, "PROSPECT1") is None


def test_running_the_same_plan_twice_creates_nothing_twice(demo):
    plans = {"customers": demo.plan(), "vendors": demo.plan("vendors")}
    new = ids_with(plans["customers"], Status.NEW)
    first = sync(demo, new, plans=plans)
    assert first.count(Outcome.CREATED) == len(new) == 12
    after_first = dump(demo.settings.smsturbo.path, audit=True)
    second = sync(demo, new, plans=plans)
    assert second.count(Outcome.CREATED) == 0 and second.count(Outcome.SKIPPED) == len(new)
    assert {r.detail for r in second.results} == {
        "already in sync (synchronized since the lists were compared)"
    }
    assert second.run_id is None
    assert dump(demo.settings.smsturbo.path, audit=True) == after_first


def test_failure_in_the_middle_leaves_smsturbo_exactly_as_before(demo, monkeypatch):
    path = demo.settings.smsturbo.path
    before = dump(path, audit=True)
    calls = []
    original = SMSTurboStore.update_rows

    def failing_update(self, entity, ids, values, **options):
        """Fails once the batch's rows are written, before the inserts and the audit."""
        written = original(self, entity, ids, values, **options)
        calls.append(sum(written))
        raise RuntimeError("disk full")

    monkeypatch.setattr(SMSTurboStore, "update_rows", failing_update)
    plan = demo.plan()
    ids = ids_with(plan, Status.NEW, Status.DIFFERENT)
    with pytest.raises(RuntimeError, match="disk full"):
        sync(demo, ids, plans={"customers": plan, "vendors": demo.plan("vendors")})
    assert len(calls) == 1 and calls[0] >= 3
    assert dump(path, audit=True) == before


def test_updates_are_one_statement_per_batch_not_per_record(demo):
    """SQLite's own trace of the statements run: the DIFFERENT customers updated by one
    UPDATE per set of columns they change, each row with its own values, and the
    audit's before and after as each row's."""
    plan = demo.plan()
    ids = [i for i in ids_with(plan, Status.DIFFERENT) if plan.by_id[i].changes]
    assert len(ids) >= 5
    statements: list[str] = []
    demo.store.db.connection.set_trace_callback(statements.append)
    try:
        result = sync(demo, ids, plans={"customers": plan, "vendors": demo.plan("vendors")})
    finally:
        demo.store.db.connection.set_trace_callback(None)
    assert result.count(Outcome.UPDATED) == len(ids)
    updates = [s for s in statements if s.startswith('UPDATE "Customers"')]
    written = {frozenset(c.field for c in plan.by_id[i].changes) for i in ids}
    assert len(updates) == len(written) < len(ids), updates  # a statement per set of columns
    after = demo.plan()
    assert {after.by_id[i].status for i in ids} == {Status.IN_SYNC}
    changes = {c.record_id: c for c in demo.store.audit.changes(result.run_id)}
    for row in (plan.by_id[i] for i in ids):
        change = changes[row.id]
        columns = demo.store.table(CUSTOMER).columns
        for field in row.changes:
            column = columns[field.field]
            assert change.before[column] != change.after[column], (row.id, column)


def test_audit_holds_every_before_and_after(demo):
    result = sync(demo, ["DIFFPHONE", "PROSPECT1"])
    changes = demo.store.audit.changes(result.run_id)
    assert [(c.action, c.record_id) for c in changes] == [
        ("update", "DIFFPHONE"),
        ("create", "PROSPECT1"),
    ]
    update = changes[0]
    assert (update.table, update.key) == ("Customers", "CustomerID")
    assert update.before["Phone1"] == "217-555-0999"
    assert update.after["Phone1"] == "217-555-0100"
    assert changes[1].before is None and changes[1].after["CustomerID"] == "PROSPECT1"
    run = demo.store.audit.runs()[0]
    assert (run.kind, run.user, run.company) == (
        "sync",
        "tester",
        "Bellwether Aggregates & Hauling",
    )
    assert run.summary.startswith("Import completed: 1 created, 1 updated")


def test_missing_zzdefault_stops_before_any_write(demo):
    path = demo.settings.smsturbo.path
    demo.store.db.execute("DELETE FROM Customers WHERE CustomerID = ?", ["ZZDEFAULT"])
    before = dump(path, audit=True)
    with pytest.raises(MissingDefaultsError, match="Create customer ZZDEFAULT"):
        sync(demo, ["DIFFNAME", "PROSPECT1"])
    assert dump(path, audit=True) == before


def test_type_filtered_out_after_refresh_is_a_conflict(demo):
    plans = {"customers": demo.plan(), "vendors": demo.plan("vendors")}
    changed = with_customer_options(
        demo.settings, EntitySettings(include_types=frozenset({"PROSPECT"}))
    )
    result = sync(demo, ["FORMULA1"], plans=plans, settings=changed)
    assert result.results[0].outcome == Outcome.CONFLICT
    assert "Include Types" in result.results[0].detail


def test_ticking_a_replace_option_after_refresh_is_a_conflict(demo):
    plans = {"customers": demo.plan(), "vendors": demo.plan("vendors")}
    assert plans["customers"].by_id["DIFFTYPE"].changes == ()
    options = demo.settings.entities["customers"]
    changed = with_customer_options(
        demo.settings, dataclasses.replace(options, replace=options.replace | {"type"})
    )
    result = sync(demo, ["DIFFTYPE"], plans=plans, settings=changed)
    assert result.results[0].outcome == Outcome.CONFLICT
    assert "because Setup changed" in result.results[0].detail
    assert demo.store.fetch(CUSTOMER, "DIFFTYPE")["type"] == "RETAIL"


def test_padded_smsturbo_ids_are_written_and_undone_exactly(demo):
    path = demo.settings.smsturbo.path
    connection = sqlite3.connect(path)
    with connection:
        connection.execute(
            "UPDATE Customers SET CustomerID = 'DIFFPHONE   ' WHERE CustomerID = 'DIFFPHONE'"
        )
    connection.close()
    before = dump(path)
    result = sync(demo, ["DIFFPHONE"])
    assert outcomes(result) == {"DIFFPHONE": Outcome.UPDATED}
    assert demo.store.fetch(CUSTOMER, "DIFFPHONE   ")["phone1"] == "217-555-0100"
    undo_last(demo.store, user="tester")
    assert dump(path) == before


def test_a_write_that_touches_no_row_fails_and_rolls_back(demo):
    path = demo.settings.smsturbo.path
    before = dump(path, audit=True)
    with pytest.raises(TargetError, match="touched 0 rows"), demo.store.db.transaction():
        demo.store.update_row(CUSTOMER, "NOSUCHID", {"name": "x"})
    assert dump(path, audit=True) == before


def test_second_row_of_a_duplicated_id_is_skipped_with_the_reason(demo):
    plan = demo.plan()
    second = [r for r in plan.rows if r.id == "DUP100"][1]
    chosen = {"customers": {"DUP100": second.fingerprint}}
    result = apply(demo.source, demo.store, demo.settings, chosen, user="tester")
    assert result.results[0].outcome == Outcome.SKIPPED
    assert "ID appears 2 times" in result.results[0].detail


def test_a_run_that_writes_nothing_leaves_no_audit_tables_behind(demo):
    path = demo.settings.smsturbo.path
    connection = sqlite3.connect(path)
    with connection:
        connection.execute("DROP TABLE SMSync_Changes")
        connection.execute("DROP TABLE SMSync_Runs")
    connection.close()
    before = dump(path, audit=True)
    assert sync(demo, ["C0001", "ACME CO"]).run_id is None
    assert dump(path, audit=True) == before
    assert demo.store.audit.runs() == []
    assert sync(demo, ["PROSPECT1"]).run_id == 1


def test_a_clerks_record_matching_only_by_letter_case_is_the_conflicts_reason(tmp_path):
    """The plan said NEW for RETAIL; a clerk then typed 'retail' into SMSTurbo. The
    conflict names SMSTurbo's record and the letter case (not Setup), nothing is created
    and SMSTurbo keeps exactly what the clerk typed."""
    settings = create_demo(tmp_path)
    database = tmp_path / "smsturbo_demo.sqlite"
    plan_file = tmp_path / "plan.json"
    runner = CliRunner()
    saved = runner.invoke(main, ["plan", "--settings", str(settings), "--save", str(plan_file)])
    assert saved.exit_code == 0, saved.output
    connection = sqlite3.connect(database)
    with connection:
        connection.execute(
            "INSERT INTO Customers (CustomerID, CustomerName) VALUES ('retail', 'Typed by a clerk')"
        )
    connection.close()
    before = dump(database, audit=True)
    result = runner.invoke(
        main,
        [
            *("sync", "--settings", str(settings), "--plan", str(plan_file)),
            *("--entity", "customers", "RETAIL", "--yes"),
        ],
    )
    said = " ".join(result.output.split())
    assert result.exit_code == 3, result.output
    assert (
        "RETAIL conflict: INVALID since the lists were compared: matches SMSTurbo ID retail "
        "only by letter case; make the IDs identical in Sage 50; nothing was written for it"
    ) in said
    assert "Setup changed" not in said and "Traceback" not in said
    assert dump(database, audit=True) == before
