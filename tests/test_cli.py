import re
import sqlite3

from click.testing import CliRunner

from smsync_xl.cli import main
from smsync_xl.core.fields import CUSTOMER
from smsync_xl.demo.company import create_demo
from smsync_xl.demo.data import EXPECTED

from .conftest import demo_at, dump


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_demo_prints_the_designed_counts_then_synchronizes(tmp_path):
    result = run("demo", tmp_path / "demo")
    assert result.exit_code == 0, result.output
    for entity, expected in EXPECTED.items():
        line = (
            f"{entity.title()}: {expected['NEW']} NEW, {expected['DIFFERENT']} DIFFERENT, "
            f"{expected['IN SYNC']} IN SYNC, {expected['INVALID']} INVALID, "
            f"{expected['smsturbo_only']} SMSTurbo-only"
        )
        assert line in result.output
    assert "Import completed: 15 created, 11 updated, 1 skipped, 0 conflicts" in result.output
    assert "Customers: 2 NEW, 1 DIFFERENT, 36 IN SYNC, 9 INVALID" in result.output


def test_plan_sync_undo_runs(tmp_path):
    settings = create_demo(tmp_path)
    plan = run("plan", "--settings", settings, "--entity", "customers", "--view", "missing_only")
    assert plan.exit_code == 0
    assert "PROSPECT1" in plan.output and "DIFFNAME" not in plan.output

    sync = run(
        "sync", "--settings", settings, "--entity", "customers", "--yes", "PROSPECT1", "DIFFNAME"
    )
    assert sync.exit_code == 0, sync.output
    assert "Import completed: 1 created, 1 updated" in sync.output

    runs = run("runs", "--settings", settings)
    assert re.search(r"^\s+1\s+sync", runs.output, re.M)
    details = run("runs", "--settings", settings, "--details", "1")
    assert "name: 'Different Name Inc' → 'Different Name Inc.'" in details.output

    undo = run("undo", "--settings", settings, "--yes")
    assert undo.exit_code == 0 and "2 restored" in undo.output
    assert demo_at(tmp_path, settings).store.fetch(CUSTOMER, "PROSPECT1") is None


def test_sync_without_ids_takes_every_active_new_record(tmp_path):
    settings = create_demo(tmp_path)
    result = run("sync", "--settings", settings, "--yes")
    assert "Import completed: 15 created, 0 updated" in result.output
    assert "RETAIL" not in result.output and "VOLD" not in result.output
    rest = run("sync", "--settings", settings, "--yes", "--include-inactive")
    assert "Import completed: 3 created, 0 updated" in rest.output


def test_saved_plan_twice_creates_nothing_twice(tmp_path):
    settings = create_demo(tmp_path)
    plan_file = tmp_path / "plan.json"
    assert run("plan", "--settings", settings, "--save", plan_file).exit_code == 0
    first = run("sync", "--settings", settings, "--plan", plan_file, "--yes", "--include-inactive")
    assert first.exit_code == 0 and "18 created" in first.output
    database = tmp_path / "smsturbo_demo.sqlite"
    after_first = dump(database, audit=True)
    second = run("sync", "--settings", settings, "--plan", plan_file, "--yes", "--include-inactive")
    assert second.exit_code == 0
    assert "0 created, 0 updated, 18 skipped, 0 conflicts" in second.output
    assert "skipped: already in sync (synchronized since Refresh)" in second.output
    assert dump(database, audit=True) == after_first


def test_confirmation_can_be_refused(tmp_path):
    settings = create_demo(tmp_path)
    before = dump(tmp_path / "smsturbo_demo.sqlite", audit=True)
    result = CliRunner().invoke(main, ["sync", "--settings", str(settings)], input="n\n")
    assert result.exit_code == 1 and "Bellwether Aggregates & Hauling" in result.output
    assert dump(tmp_path / "smsturbo_demo.sqlite", audit=True) == before


def test_user_errors_exit_1_with_advice(tmp_path):
    result = run("plan", "--settings", tmp_path / "nope.toml")
    assert result.exit_code == 1
    assert "Run 'smsync-xl demo'" in result.output
    settings = create_demo(tmp_path)
    assert run("undo", "--settings", settings, "--yes").exit_code == 1
    unknown = run("sync", "--settings", settings, "--yes", "NOSUCHID")
    assert unknown.exit_code == 1 and "Not found in Sage 50" in unknown.output


def test_rows_changed_since_the_saved_plan_exit_3(tmp_path):
    settings = create_demo(tmp_path)
    plan_file = tmp_path / "plan.json"
    run("plan", "--settings", settings, "--save", plan_file)
    connection = sqlite3.connect(tmp_path / "sage50_demo.sqlite")
    with connection:
        connection.execute("UPDATE Customers SET Contact = 'New' WHERE CustomerID = 'PROSPECT1'")
    connection.close()
    result = run("sync", "--settings", settings, "--plan", plan_file, "--yes")
    assert result.exit_code == 3
    assert "PROSPECT1            conflict: changed in Sage 50 or SMSTurbo" in result.output
    assert "14 created, 0 updated, 0 skipped, 1 conflicts" in result.output
    assert run("runs", "--settings", settings, "--details", "99").exit_code == 1
