import re
import sqlite3

import pytest
from click.testing import CliRunner

from smsync_xl.app.open_sides import open_source, open_store
from smsync_xl.book.file import FileBook
from smsync_xl.book.setup_sheet import read_setup
from smsync_xl.cli import main
from smsync_xl.core.fields import CUSTOMER, ENTITIES, VENDOR
from smsync_xl.core.vocabulary import Edition
from smsync_xl.demo.canada import CANADA_EXPECTED, create_canada_demo
from smsync_xl.demo.company import create_demo
from smsync_xl.demo.data import EXPECTED
from smsync_xl.demo.uk_data import EXPECTED_UK, UK_COMPANY_NAME
from smsync_xl.demo.uk_demo import create_uk_demo
from smsync_xl.sync.apply import make_plan

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
    assert "Import completed: 19 created, 16 updated, 0 skipped, 0 conflicts" in result.output
    assert "Customers: 2 NEW, 1 DIFFERENT, 36 IN SYNC, 9 INVALID" in result.output
    assert "Materials: 1 NEW, 2 DIFFERENT, 17 IN SYNC, 11 INVALID, 3 SMSTurbo-only" in result.output


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
    assert "CustomerName: 'Different Name Inc' → 'Different Name Inc.'" in details.output

    undo = run("undo", "--settings", settings, "--yes")
    assert undo.exit_code == 0 and "1 removed, 1 restored" in undo.output
    assert demo_at(tmp_path, settings).store.fetch(CUSTOMER, "PROSPECT1") is None


def test_sync_without_ids_takes_the_default_selection(tmp_path):
    settings = create_demo(tmp_path)
    result = run("sync", "--settings", settings, "--yes")
    assert "Import completed: 19 created, 16 updated, 0 skipped" in result.output
    assert "DIFFTYPE" not in result.output  # differs only in a field not ticked
    assert "RETAIL" not in result.output and "VOLD" not in result.output
    rest = run("sync", "--settings", settings, "--yes", "--include-inactive")
    assert "Import completed: 4 created, 0 updated" in rest.output
    assert "WINTER-SALT" in rest.output  # the inactive NEW material


def test_saved_plan_twice_creates_nothing_twice(tmp_path):
    settings = create_demo(tmp_path)
    plan_file = tmp_path / "plan.json"
    assert run("plan", "--settings", settings, "--save", plan_file).exit_code == 0
    first = run("sync", "--settings", settings, "--plan", plan_file, "--yes", "--include-inactive")
    assert first.exit_code == 0 and "23 created, 16 updated" in first.output
    database = tmp_path / "smsturbo_demo.sqlite"
    after_first = dump(database, audit=True)
    second = run("sync", "--settings", settings, "--plan", plan_file, "--yes", "--include-inactive")
    assert second.exit_code == 0
    assert "0 created, 0 updated, 39 skipped, 0 conflicts" in second.output
    assert "skipped: already in sync (synchronized since the lists were compared)" in second.output
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
    assert "18 created, 16 updated, 0 skipped, 1 conflicts" in result.output
    assert run("runs", "--settings", settings, "--details", "99").exit_code == 1


def with_inactive_status(settings, status):
    text = settings.read_text(encoding="utf-8")
    settings.write_text(text.replace('inactive = "INACTIVE"', f'inactive = "{status}"'), "utf-8")


def test_a_custom_inactive_status_leaves_the_inactive_records_out(tmp_path):
    """Setup may call inactive records CLOSED (a status SMSTurbo has): what is taken
    follows the records' inactive flag, not the word INACTIVE."""
    settings = create_demo(tmp_path)
    with_inactive_status(settings, "CLOSED")
    connection = sqlite3.connect(tmp_path / "smsturbo_demo.sqlite")
    with connection:
        connection.execute("INSERT INTO CreditStatuses (Status) VALUES ('CLOSED')")
    connection.close()
    result = run("sync", "--settings", settings, "--yes")
    assert result.exit_code == 0, result.output
    assert "Import completed: 19 created" in result.output
    store = demo_at(tmp_path, settings).store
    for record_id in ("RETAIL", "PROSPECT5"):
        assert store.fetch(CUSTOMER, record_id) is None
    assert store.fetch(VENDOR, "VOLD") is None
    assert store.fetch(CUSTOMER, "WENTINACT")["credit_status"] == "CLOSED"
    plan = run("plan", "--settings", settings, "--entity", "customers")
    assert re.search(r"NEW\s+RETAIL .*inactive in Sage 50", plan.output)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "the plan file does not exist"),
        ("not json {", "this is not a saved plan: not JSON (line 1, column 1"),
        ("[1, 2]", "this is not a saved SMSync plan"),
        ('{"format": "smsync-plan", "version": 99}', "format version 99; this SMSync reads"),
        (
            '{"format": "smsync-plan", "version": 1, "company": "X", "entities": {}}',
            "saved by an earlier SMSync (format version 1), which did not record where",
        ),
        ('{"format": "smsync-plan", "version": 2, "company": "X"}', "the key 'source'"),
        (
            '{"format": "smsync-plan", "version": 2, "company": "X", "source": "Y"}',
            "the key 'entities'",
        ),
        (
            '{"format": "smsync-plan", "version": 2, "company": "X", "source": "Y", '
            '"entities": {"customers": {"A": {"status": "NEW"}}}}',
            "entities.customers.A: the key 'fingerprint' is missing",
        ),
        (
            '{"format": "smsync-plan", "version": 2, "company": "X", "source": "Y", '
            '"entities": {"customers": {"A": {"status": "SOON", "fingerprint": "f", '
            '"inactive": false, "has_changes": false}}}}',
            "'SOON' is not a status",
        ),
        (
            '{"format": "smsync-plan", "version": 2, "company": "X", "source": "Y", '
            '"entities": {"costumers": {}}}',
            "'costumers' is not one of customers, vendors",
        ),
    ],
)
def test_a_bad_plan_file_is_one_plain_message(tmp_path, content, expected):
    settings = create_demo(tmp_path)
    plan_file = tmp_path / "plan.json"
    if content is not None:
        plan_file.write_text(content, encoding="utf-8")
    before = dump(tmp_path / "smsturbo_demo.sqlite", audit=True)
    result = run("sync", "--settings", settings, "--plan", plan_file, "--yes")
    assert result.exit_code == 1
    assert expected in result.output
    assert str(plan_file) in result.output and "plan --save" in result.output
    assert ("Traceback" not in result.output and result.exception is None) or isinstance(
        result.exception, SystemExit
    )
    assert dump(tmp_path / "smsturbo_demo.sqlite", audit=True) == before


def test_build_workbook_outside_a_checkout_needs_an_output(tmp_path, monkeypatch):
    monkeypatch.setattr("smsync_xl.files.package_files.checkout_workbook", lambda: None)
    refused = run("build-workbook")
    assert refused.exit_code == 1 and "--output" in refused.output
    built = run("build-workbook", "--output", tmp_path / "SMSync.xlsm")
    assert built.exit_code == 0 and (tmp_path / "SMSync.xlsm").stat().st_size > 10_000


def only_types(settings, entity, *types):
    text = settings.read_text(encoding="utf-8")
    old = f"[{entity}]\n"
    start = text.index(old)
    line = text.index("include_types = []", start)
    listed = ", ".join(f'"{t}"' for t in types)
    settings.write_text(
        text[:line] + f"include_types = [{listed}]" + text[line + len("include_types = []") :],
        encoding="utf-8",
    )


def test_sync_of_an_id_the_type_filter_leaves_out_says_so(tmp_path):
    """PROSPECT1 is in Sage 50 with type PROSPECT; Include Types takes only WHOLESAL:
    the message names the type and the setting, not 'Not found in Sage 50'."""
    settings = create_demo(tmp_path)
    only_types(settings, "customers", "WHOLESAL")
    before = dump(tmp_path / "smsturbo_demo.sqlite", audit=True)
    result = run("sync", "--settings", settings, "--yes", "PROSPECT1", "NOSUCHID")
    assert result.exit_code == 1, result.output
    assert "Not found in Sage 50 (all): NOSUCHID" in result.output
    assert "PROSPECT1" not in result.output.split("Not found")[1].splitlines()[0]
    assert (
        "PROSPECT1 is in Sage 50 but left out by the type filter: its Customer Type is "
        f"'PROSPECT', and [customers] include_types in {settings} takes only WHOLESAL"
    ) in result.output
    assert dump(tmp_path / "smsturbo_demo.sqlite", audit=True) == before
    both = run("sync", "--settings", settings, "--yes", "PROSPECT1", "DIFFNAME")
    assert both.exit_code == 0 and "1 updated" in both.output
    assert "PROSPECT1 is in Sage 50 but left out by the type filter" in both.output


def test_a_plan_for_another_company_is_refused_naming_both(tmp_path):
    settings = create_demo(tmp_path)
    plan_file = tmp_path / "plan.json"
    assert run("plan", "--settings", settings, "--save", plan_file).exit_code == 0
    connection = sqlite3.connect(tmp_path / "sage50_demo.sqlite")
    with connection:
        connection.execute("UPDATE Company SET CompanyName = 'Other Quarry LLC'")
    connection.close()
    before = dump(tmp_path / "smsturbo_demo.sqlite", audit=True)
    result = run("sync", "--settings", settings, "--plan", plan_file, "--yes")
    assert result.exit_code == 1, result.output
    assert str(plan_file) in result.output
    said = " ".join(result.output.split())
    assert "made for Sage 50 company 'Bellwether Aggregates & Hauling' read from" in said
    assert "open company 'Other Quarry LLC' read from" in said
    assert "Nothing was changed" in result.output and "plan --save" in result.output
    assert dump(tmp_path / "smsturbo_demo.sqlite", audit=True) == before


def test_a_plan_for_another_company_of_the_same_name_is_refused_naming_both(tmp_path):
    """A copy of the company (a test company, last year's) has the same name: the plan
    names the file it was read from, and a plan from the one is refused in the other."""
    settings = create_demo(tmp_path / "live")
    plan_file = tmp_path / "plan.json"
    assert run("plan", "--settings", settings, "--save", plan_file).exit_code == 0
    copy = create_demo(tmp_path / "test")
    before = dump(tmp_path / "test" / "smsturbo_demo.sqlite", audit=True)
    result = run("sync", "--settings", copy, "--plan", plan_file, "--yes")
    assert result.exit_code == 1, result.output
    said = " ".join(result.output.split())
    assert (
        "made for Sage 50 company 'Bellwether Aggregates & Hauling' read from "
        f"{tmp_path / 'live' / 'sage50_demo.sqlite'}, but the settings open company "
        f"'Bellwether Aggregates & Hauling' read from {tmp_path / 'test' / 'sage50_demo.sqlite'}"
    ) in said
    assert "Nothing was changed" in said
    assert dump(tmp_path / "test" / "smsturbo_demo.sqlite", audit=True) == before


def test_demo_on_an_existing_demo_is_refused_without_force(tmp_path):
    folder = tmp_path / "demo"
    assert run("demo", folder).exit_code == 0
    settings = folder / "settings.toml"
    settings.write_text(settings.read_text("utf-8") + "# my own notes\n", encoding="utf-8")
    edited = settings.read_bytes()
    before = dump(folder / "smsturbo_demo.sqlite", audit=True)
    sage = (folder / "sage50_demo.sqlite").read_bytes()
    refused = run("demo", folder)
    assert refused.exit_code == 1, refused.output
    assert (
        f"{folder}: {folder} already holds sage50_demo.sqlite, smsturbo_demo.sqlite, "
        "settings.toml: a new demo would replace them"
    ) in refused.output
    assert "Pass --force" in refused.output and "Nothing was changed" in refused.output
    assert settings.read_bytes() == edited
    assert dump(folder / "smsturbo_demo.sqlite", audit=True) == before
    assert (folder / "sage50_demo.sqlite").read_bytes() == sage
    forced = run("demo", folder, "--force")
    assert forced.exit_code == 0 and "19 created" in forced.output
    assert b"# my own notes" not in settings.read_bytes()


def _counts_line(entity: str, expected: dict[str, int]) -> str:
    return (
        f"{entity.title()}: {expected['NEW']} NEW, {expected['DIFFERENT']} DIFFERENT, "
        f"{expected['IN SYNC']} IN SYNC, {expected['INVALID']} INVALID, "
        f"{expected['smsturbo_only']} SMSTurbo-only"
    )


def test_the_uk_demo_prints_its_designed_counts_syncs_once_and_undoes_exactly(tmp_path):
    folder = tmp_path / "demo-uk"
    result = run("demo", folder, "--edition", "uk")
    assert result.exit_code == 0, result.output
    assert f"Sage 50 Accounts (UK) company: {UK_COMPANY_NAME}" in result.output
    for entity, expected in EXPECTED_UK.items():
        assert _counts_line(entity, expected) in result.output
    assert (
        "NEW       CAFE01               Café Crème £ Ltd                         postcode "
        "'NE1 4GF' read from SALES_LEDGER.ADDRESS_4: SALES_LEDGER.ADDRESS_5, the postcode "
        "line, is blank"
    ) in result.output
    assert "Import completed: 5 created, 4 updated, 0 skipped, 0 conflicts" in result.output
    assert "Customers: 1 NEW, 0 DIFFERENT, 6 IN SYNC, 2 INVALID, 1 SMSTurbo-only" in result.output
    assert "Materials: 0 NEW, 0 DIFFERENT, 5 IN SYNC, 1 INVALID, 1 SMSTurbo-only" in result.output
    settings = folder / "settings.toml"
    turbo = folder / "smsturbo_demo.sqlite"
    cafe = demo_at(folder, settings).store.fetch(CUSTOMER, "CAFE01")
    assert cafe is not None
    assert (cafe["city"], cafe["state"], cafe["zip"]) == (
        "Newcastle upon Tyne",
        "",
        "NE1 4GF",
    )
    synced = dump(turbo)
    again = run("sync", "--settings", settings, "--yes")
    assert again.exit_code == 0, again.output
    assert again.output == "Nothing to synchronize.\n"
    assert dump(turbo) == synced
    undo = run("undo", "--settings", settings, "--yes")
    assert (
        undo.exit_code == 0
        and "5 removed, 4 restored; 1 remembered SMSTurbo ID taken back" in undo.output
    ), undo.output
    create_uk_demo(tmp_path / "fresh")
    assert dump(turbo) == dump(tmp_path / "fresh" / "smsturbo_demo.sqlite")


def test_install_with_the_uk_demo_sets_setup_for_it(tmp_path):
    result = run("install", "--dest", tmp_path, "--demo", "--edition", "uk")
    assert result.exit_code == 0, result.output
    book = FileBook(tmp_path / "SMSync.xlsm", confirm=bool, alert=print, status=print)
    settings, _ = read_setup(book)
    assert settings.edition is Edition.UK
    assert settings.credit_status.by_code == {"ON HOLD": "HOLD"}
    source = open_source(settings)
    assert source.company_name() == UK_COMPANY_NAME
    store = open_store(settings)
    for key, expected in EXPECTED_UK.items():
        plan = make_plan(ENTITIES[key], source, store, settings)
        counts = {status.value: n for status, n in plan.counts().items()}
        assert {**counts, "smsturbo_only": len(plan.turbo_only)} == expected


def test_canada_demo_prints_the_designed_counts_then_synchronizes(tmp_path):
    result = run("demo", tmp_path / "demo", "--edition", "canada")
    assert result.exit_code == 0, result.output
    assert "Sage 50 Canadian Edition company: Granulats Saint-Laurent Ltée" in result.output
    for entity, expected in CANADA_EXPECTED.items():
        line = (
            f"{entity.title()}: {expected['NEW']} NEW, {expected['DIFFERENT']} DIFFERENT, "
            f"{expected['IN SYNC']} IN SYNC, {expected['INVALID']} INVALID, "
            f"{expected['smsturbo_only']} SMSTurbo-only"
        )
        assert line in result.output
    assert "Import completed: 12 created, 4 updated, 0 skipped, 0 conflicts" in result.output
    assert "Customers: 1 NEW, 0 DIFFERENT, 13 IN SYNC, 0 INVALID, 1 SMSTurbo-only" in result.output
    assert "Materials: 0 NEW, 1 DIFFERENT, 7 IN SYNC, 0 INVALID, 1 SMSTurbo-only" in result.output
    assert (
        "Sage 50 Canadian Edition gives this customer no SMSTurbo ID ('Épicerie Tremblay' is "
        "not one, Sage 50 record 10): suggested SMSTurbo ID EPICERIE-TREMBL; accept it, or "
        "type another in the SMSTurbo ID column, before ticking"
    ) in result.output


def test_canada_demo_synchronizes_nothing_twice_and_undo_restores_smsturbo(tmp_path):
    settings = create_canada_demo(tmp_path)
    before = dump(tmp_path / "smsturbo_demo.sqlite")
    first = run("sync", "--settings", settings, "--yes")
    assert first.exit_code == 0, first.output
    assert "Import completed: 12 created, 4 updated" in first.output
    again = run("sync", "--settings", settings, "--yes")
    assert (again.exit_code, again.output) == (0, "Nothing to synchronize.\n")
    undone = run("undo", "--settings", settings, "--yes")
    assert undone.exit_code == 0, undone.output
    assert dump(tmp_path / "smsturbo_demo.sqlite") == before
