"""The command line as the ribbon's twin: a command for every button, acting on the
workbook file with the same rules, in the command line's own words, with a record of
each run (issue 20)."""

from __future__ import annotations

import errno
import os
import shlex
import sqlite3

from click.testing import CliRunner

from smsync_xl import app
from smsync_xl.book.layout import INCLUDE, KEY, LOG, SAGE_ONLY, TURBO_ONLY
from smsync_xl.book.sheets import is_ticked
from smsync_xl.cli import main
from smsync_xl.files.settings_file import load_settings

from .workbook_helpers import demo_workbook, open_book


def run(*args, input=None):
    result = CliRunner().invoke(main, [str(a) for a in args], input=input)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def ticked_keys(book):
    table = open_book(book).read_table(SAGE_ONLY)
    include, key = table.column(INCLUDE), table.column(KEY)
    return sorted(str(row[key]) for row in table.rows if is_ticked(row[include]))


def log_rows(book):
    return open_book(book).read_table(LOG).rows


def default_keys(folder):
    session = app.open_session(load_settings(folder / "settings.toml"))
    chosen = app.default_choice(app.plans(session, "customers").plans)
    return sorted(f"customers:{i}" for i in chosen["customers"])


def test_refresh_yes_answers_only_the_company_so_check_all_ticks_what_sync_takes(tmp_path):
    book = demo_workbook(tmp_path)
    refreshed = run("refresh", book, "--yes")
    assert refreshed.exit_code == 0, refreshed.output
    assert "missing customers only" not in refreshed.output
    assert "View: not in sync." in refreshed.output
    assert run("check-all", book).exit_code == 0
    assert ticked_keys(book) == default_keys(tmp_path)


def test_refresh_takes_the_list_and_the_view(tmp_path):
    book = demo_workbook(tmp_path)
    shown = run("refresh", book, "--list", "vendors", "--view", "missing_only", "--yes")
    assert shown.exit_code == 0, shown.output
    assert shown.output.count("Vendors: ") == 1 and "View: missing only." in shown.output
    table = open_book(book).read_table(SAGE_ONLY)
    keys = [str(row[table.column(KEY)]) for row in table.rows]
    assert keys and all(k.startswith("vendors:") for k in keys)


def test_uncheck_all_tick_and_untick_act_on_the_sage50_only_sheet(tmp_path):
    book = demo_workbook(tmp_path)
    run("refresh", book, "--yes")
    assert run("check-all", book).exit_code == 0
    assert run("uncheck-all", book).exit_code == 0
    assert ticked_keys(book) == []
    ticked = run("tick", book, "PROSPECT1", "DIFFNAME")
    assert (ticked.exit_code, ticked.output) == (0, "2 row(s) ticked on the Sage50-only sheet.\n")
    assert ticked_keys(book) == ["customers:DIFFNAME", "customers:PROSPECT1"]
    assert run("untick", book, "DIFFNAME").exit_code == 0
    assert ticked_keys(book) == ["customers:PROSPECT1"]


def test_ticking_an_id_not_listed_names_it_and_changes_nothing(tmp_path):
    book = demo_workbook(tmp_path)
    run("refresh", book, "--yes")
    before = book.read_bytes()
    refused = run("tick", book, "PROSPECT1", "NOSUCH")
    assert refused.exit_code == 1
    assert "Sage50-only sheet: not listed: NOSUCH (customers)" in refused.output
    assert f"run 'smsync-xl refresh {book}' first" in refused.output
    assert book.read_bytes() == before


def test_synchronize_says_import_completed_once_and_the_log_hint_works_as_printed(
    tmp_path, monkeypatch
):
    book = demo_workbook(tmp_path)
    run("refresh", book, "--yes")
    run("tick", book, "PROSPECT1", "DIFFNAME")
    synchronized = run("synchronize", book, "--yes")
    assert synchronized.exit_code == 0, synchronized.output
    assert synchronized.output.count("Import completed") == 1, synchronized.output
    hint = str(log_rows(book)[-1][-1])
    assert hint.startswith("every record: smsync-xl runs ")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # no settings file here, as in a normal installation
    listed = run(*shlex.split(hint.removeprefix("every record: smsync-xl ")))
    assert listed.exit_code == 0, listed.output
    assert "create  customers  PROSPECT1" in listed.output
    assert "update  customers  DIFFNAME" in listed.output


def test_undo_and_runs_take_the_workbook(tmp_path, monkeypatch):
    book = demo_workbook(tmp_path)
    run("refresh", book, "--yes")
    run("tick", book, "PROSPECT1", "DIFFNAME")
    run("synchronize", book, "--yes")
    monkeypatch.chdir(tmp_path.parent)
    listed = run("runs", book)
    assert listed.exit_code == 0 and "   1  sync  " in listed.output, listed.output
    undone = run("undo", book, "--yes")
    assert undone.exit_code == 0, undone.output
    assert undone.output.count("Undo of synchronization 1: 1 removed, 1 restored") == 1
    assert "Run 'smsync-xl refresh " in undone.output and "Press Refresh" not in undone.output
    assert [row[3] for row in log_rows(book)][-2:] == ["Synchronize", "Undo"]


def test_the_command_line_names_its_commands_not_buttons(tmp_path):
    book = demo_workbook(tmp_path)
    run("refresh", book, "--yes")
    nothing = run("synchronize", book, "--yes")
    assert f"then run 'smsync-xl synchronize {book}'." in nothing.output
    assert "press" not in nothing.output.lower()


def test_plan_ends_with_what_sync_would_do(tmp_path):
    settings = tmp_path / "settings.toml"
    demo_workbook(tmp_path)
    planned = run("plan", "--settings", settings)
    last = planned.output.splitlines()[-1]
    assert last == (
        "sync without IDs would create 19, update 16, leave 23 INVALID and 7 NEW or "
        "DIFFERENT it does not take by default."
    )
    done = run("sync", "--settings", settings, "--yes")
    assert "Import completed: 19 created, 16 updated, 0 skipped" in done.output


def test_the_confirmation_names_the_records(tmp_path):
    settings = tmp_path / "settings.toml"
    demo_workbook(tmp_path)
    refused = run("sync", "--settings", settings, input="n\n")
    assert (
        "Synchronize 35 record(s) (customers PROSPECT1, PROSPECT2, PROSPECT3, PROSPECT4, "
        "FORMULA1 and 30 more) from Sage 50 company" in refused.output
    )


def test_headless_runs_leave_a_log_file_with_what_the_log_sheet_holds(tmp_path):
    book = demo_workbook(tmp_path)
    run("refresh", book, "--yes")
    run("tick", book, "DIFFNAME")
    shown = run("synchronize", book, "--yes", "-v")
    assert "update  customers  DIFFNAME\n    CustomerName: " in shown.output
    lines = (tmp_path / "SMSync-log.txt").read_text(encoding="utf-8").splitlines()
    rows = ["\t".join("" if c is None else str(c) for c in row) for row in log_rows(book)]
    assert lines[0] == rows[-2] and lines[1] == rows[-1]
    assert lines[2:] == [
        "update  customers  DIFFNAME",
        "    CustomerName: 'Different Name Inc' → 'Different Name Inc.'",
    ]


def test_sync_and_undo_with_a_settings_file_log_beside_it_or_where_asked(tmp_path):
    settings = tmp_path / "settings.toml"
    demo_workbook(tmp_path)
    run("sync", "--settings", settings, "--yes", "DIFFNAME")
    logged = (tmp_path / "SMSync-log.txt").read_text(encoding="utf-8").splitlines()
    assert len(logged) == 1
    fields = logged[0].split("\t")
    assert fields[3:6] == [
        "Synchronize",
        "1",
        "Import completed: 0 created, 1 updated, 0 skipped, 0 conflicts",
    ]
    hint = fields[6].removeprefix("every record: smsync-xl ")
    assert "update  customers  DIFFNAME" in run(*shlex.split(hint)).output
    elsewhere = tmp_path / "runs.log"
    undone = run("undo", "--settings", settings, "--yes", "--log", elsewhere)
    assert undone.output == "Undo of synchronization 1: 1 restored\n"
    assert elsewhere.read_text(encoding="utf-8").split("\t")[3:6] == [
        "Undo",
        "2",
        "Undo of synchronization 1: 1 restored",
    ]


def test_the_command_line_says_how_to_compare_again_in_its_own_words(tmp_path):
    settings = tmp_path / "settings.toml"
    demo_workbook(tmp_path)
    plan_file = tmp_path / "plan.json"
    run("plan", "--settings", settings, "--save", plan_file)
    connection = sqlite3.connect(tmp_path / "sage50_demo.sqlite")
    with connection:
        connection.execute("UPDATE Customers SET Contact = 'New' WHERE CustomerID = 'PROSPECT1'")
    connection.close()
    result = run("sync", "--settings", settings, "--plan", plan_file, "--yes", "PROSPECT1")
    assert result.exit_code == 3, result.output
    assert (
        "conflict: changed in Sage 50 or SMSTurbo since the lists were compared. "
        f"Run 'smsync-xl plan --settings {settings}' and review it again" in result.output
    )
    assert "Refresh" not in result.output


def test_the_workbook_result_keeps_the_ribbon_words_whoever_synchronized(tmp_path):
    book = demo_workbook(tmp_path)
    run("refresh", book, "--yes")
    run("tick", book, "PROSPECT1")
    connection = sqlite3.connect(tmp_path / "sage50_demo.sqlite")
    with connection:
        connection.execute("UPDATE Customers SET Contact = 'New' WHERE CustomerID = 'PROSPECT1'")
    connection.close()
    assert run("synchronize", book, "--yes").exit_code == 3
    table = open_book(book).read_table(SAGE_ONLY)
    results = [row[table.column("Result")] for row in table.rows if row[table.column("Result")]]
    assert results == [
        "conflict: changed in Sage 50 or SMSTurbo since the lists were compared. "
        "Press Refresh and review it again"
    ]


def test_undo_of_the_workbook_exits_3_when_records_are_left_alone(tmp_path):
    book = demo_workbook(tmp_path)
    run("refresh", book, "--yes")
    run("tick", book, "DIFFNAME")
    run("synchronize", book, "--yes")
    connection = sqlite3.connect(tmp_path / "smsturbo_demo.sqlite")
    with connection:
        connection.execute(
            "UPDATE Customers SET CustomerName = 'Edited' WHERE CustomerID = 'DIFFNAME'"
        )
    connection.close()
    undone = run("undo", book, "--yes")
    assert undone.exit_code == 3, undone.output
    assert "Undo of synchronization 1: 0 restored, 1 left as they are" in undone.output


def test_a_workbook_problem_says_what_to_run_on_the_command_line(tmp_path):
    book = demo_workbook(tmp_path)
    run("refresh", book, "--yes")
    port = open_book(book)
    turbo = port.read_table(TURBO_ONLY)
    include = turbo.column(INCLUDE)
    port.write_column(
        TURBO_ONLY, INCLUDE, ["x" if i == 0 else r[include] for i, r in enumerate(turbo.rows)]
    )
    port.finish()
    refused = run("synchronize", book, "--yes")
    assert refused.exit_code == 1
    assert (
        "Clear the Include cell on the SMSTurbo-only sheet, then run "
        f"'smsync-xl synchronize {book}' again." in refused.output
    )
    assert "press" not in refused.output.lower()


def _turbo_runs(folder):
    connection = sqlite3.connect(folder / "smsturbo_demo.sqlite")
    with connection:
        counted = connection.execute("SELECT COUNT(*) FROM SMSync_Runs").fetchone()[0]
    connection.close()
    return counted


def test_a_log_that_is_the_workbook_settings_or_a_database_is_refused_before_anything(tmp_path):
    """Appending the run's lines would corrupt it; nothing is done, nothing is changed."""
    book = demo_workbook(tmp_path)
    settings = tmp_path / "settings.toml"
    run("refresh", book, "--yes")
    run("tick", book, "DIFFNAME")
    sqlite_db = tmp_path / "smsturbo_demo.sqlite"
    other_db = tmp_path / "other.db"
    sqlite3.connect(other_db).execute("CREATE TABLE t (a)").connection.close()
    binary = tmp_path / "picture.bin"
    binary.write_bytes(b"\xff\xd8\xff\xe0 not text")
    before = {path: path.read_bytes() for path in (book, settings, sqlite_db, other_db, binary)}
    runs_before = _turbo_runs(tmp_path)
    attempts = [
        ("synchronize", book, "--yes", "--log", book),
        ("refresh", book, "--yes", "--log", settings),
        ("undo", book, "--yes", "--log", other_db),
        ("sync", "--settings", settings, "--yes", "DIFFNAME", "--log", settings),
        ("sync", "--settings", settings, "--yes", "DIFFNAME", "--log", sqlite_db),
        ("undo", "--settings", settings, "--yes", "--log", binary),
    ]
    for attempt in attempts:
        refused = run(*attempt)
        assert refused.exit_code == 1, (attempt, refused.output)
        assert f"--log {attempt[-1]}: the --log file is " in refused.output
        assert "nothing was done" in refused.output
    assert {path: path.read_bytes() for path in before} == before
    assert _turbo_runs(tmp_path) == runs_before


def test_an_unwritable_log_is_refused_before_smsturbo_is_written(tmp_path):
    book = demo_workbook(tmp_path)
    settings = tmp_path / "settings.toml"
    run("refresh", book, "--yes")
    run("tick", book, "DIFFNAME")
    runs_before = _turbo_runs(tmp_path)
    nowhere = tmp_path / "no such folder" / "runs.log"
    for attempt in (
        ("synchronize", book, "--yes", "--log", nowhere),
        ("sync", "--settings", settings, "--yes", "DIFFNAME", "--log", nowhere),
        ("undo", "--settings", settings, "--yes", "--log", nowhere),
    ):
        refused = run(*attempt)
        assert refused.exit_code == 1
        assert f"--log {nowhere}: the log file cannot be written" in refused.output
    assert _turbo_runs(tmp_path) == runs_before
    assert not nowhere.parent.exists()
    assert ticked_keys(book) == ["customers:DIFFNAME"]


def test_a_workbook_not_saved_after_smsturbo_was_written_still_gets_its_log_line(
    tmp_path, monkeypatch
):
    """The run that most needs a record: SMSTurbo committed, the workbook's Log row lost
    with the save; the log file has the line, and the advice names the command line's
    undo, not a button."""
    book = demo_workbook(tmp_path)
    run("refresh", book, "--yes")
    run("tick", book, "DIFFNAME")
    log_file = tmp_path / "SMSync-log.txt"
    before = log_file.read_text(encoding="utf-8")

    def disk_full(_descriptor: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("smsync_xl.book.file.os.fsync", disk_full)
    failed = run("synchronize", book, "--yes")
    assert failed.exit_code == 1, failed.output
    shown = " ".join(failed.output.split())
    assert "SMSTurbo WAS changed: Synchronize run 1 is committed" in shown
    assert f"'smsync-xl undo {book}' takes it back" in shown
    assert "button" not in shown
    added = log_file.read_text(encoding="utf-8").removeprefix(before).splitlines()
    assert len(added) == 1
    fields = added[0].split("\t")
    assert fields[3:6] == [
        "Synchronize",
        "1",
        "Import completed: 0 created, 1 updated, 0 skipped, 0 conflicts",
    ]
    assert fields[6].startswith("the workbook was not saved (could not save the workbook: ")
    assert fields[6].endswith(f"every record: smsync-xl runs {book} --details 1")


def test_tick_and_untick_count_the_rows_they_change(tmp_path):
    book = demo_workbook(tmp_path)
    run("refresh", book, "--yes")
    said = lambda *args: run(*args).output  # noqa: E731
    assert said("tick", book, "PROSPECT1", "PROSPECT1") == (
        "1 row(s) ticked on the Sage50-only sheet.\n"
    )
    assert said("tick", book, "PROSPECT1") == "0 row(s) ticked on the Sage50-only sheet.\n"
    assert said("untick", book, "PROSPECT1", "PROSPECT1", "PROSPECT1") == (
        "1 row(s) cleared on the Sage50-only sheet.\n"
    )
    assert said("untick", book, "PROSPECT1") == "0 row(s) cleared on the Sage50-only sheet.\n"
    assert ticked_keys(book) == []


def test_ticking_an_invalid_row_is_refused_naming_it_and_changes_nothing(tmp_path):
    """The Help sheet says INVALID rows cannot be ticked: tick by ID says so too."""
    book = demo_workbook(tmp_path)
    run("refresh", book, "--yes")
    before = book.read_bytes()
    table = open_book(book).read_table(SAGE_ONLY)
    status, key = table.column("Status"), table.column(KEY)
    invalid = [
        (table.sheet_row(i), str(row[key]).split(":", 1)[1])
        for i, row in enumerate(table.rows)
        if row[status] == "INVALID" and row[key] in ("customers:ACME CO", "customers:DUP100")
    ]
    assert len(invalid) == 3  # ACME CO, and DUP100 twice
    refused = run("tick", book, "PROSPECT1", "ACME CO", "DUP100")
    assert refused.exit_code == 1
    assert (
        "Sage50-only sheet: only NEW, DIFFERENT, LINK rows can be ticked: "
        + "; ".join(f"row {n} ({i}) is INVALID" for n, i in invalid)
    ) in refused.output
    assert "Leave these IDs out (nothing was changed)" in refused.output
    assert book.read_bytes() == before


def test_ticking_another_list_than_the_sheet_shows_says_how_to_show_it(tmp_path):
    book = demo_workbook(tmp_path)
    run("refresh", book, "--yes")
    refused = run("tick", book, "--list", "vendors", "PROSPECT1")
    assert refused.exit_code == 1
    advice = f"run 'smsync-xl refresh {book} --list vendors' first"
    assert advice in refused.output
    suggested = advice.removeprefix("run '").removesuffix("' first")
    assert run(*shlex.split(suggested)[1:], "--yes").exit_code == 0
    again = run("tick", book, "--list", "vendors", "PROSPECT1").output
    assert "not listed: PROSPECT1 (vendors)" in again and "--list" not in again


def test_an_unknown_run_number_says_how_to_list_the_runs_of_the_same_database(tmp_path):
    book = demo_workbook(tmp_path)
    settings = tmp_path / "settings.toml"
    for source in ([book], ["--settings", settings]):
        refused = run("runs", *source, "--details", 999)
        assert refused.exit_code == 1
        assert "there is no run 999 in this SMSTurbo database" in refused.output
        advice = refused.output.splitlines()[-1]
        listed_by = advice.removesuffix(" lists the runs and their numbers.").strip("'")
        assert listed_by == shlex.join(["smsync-xl", "runs", *map(str, source)])
        assert run(*shlex.split(listed_by)[1:]).exit_code == 0


def test_the_undo_question_names_company_and_database_and_no_stops_plainly(tmp_path):
    settings = tmp_path / "settings.toml"
    demo_workbook(tmp_path)
    database = tmp_path / "smsturbo_demo.sqlite"
    run("sync", "--settings", settings, "--yes", "DIFFNAME")
    runs_before = _turbo_runs(tmp_path)
    refused = run("undo", "--settings", settings, input="n\n")
    assert refused.exit_code == 1
    asked = refused.output.splitlines()[0]
    assert asked.startswith("Undo synchronization 1 of ")
    assert asked.endswith(
        f" (Sage 50 company 'Bellwether Aggregates & Hauling', SMSTurbo database "
        f"{database})? [y/N]: n"
    )
    assert refused.output.splitlines()[-1] == "Undo stopped; nothing was changed."
    assert "Aborted!" not in refused.output
    assert _turbo_runs(tmp_path) == runs_before
    stopped = run("sync", "--settings", settings, "PROSPECT1", input="n\n")
    assert stopped.exit_code == 1
    assert stopped.output.splitlines()[-1] == "Synchronize stopped; nothing was changed."


def test_a_renamed_header_names_the_refresh_command_not_the_button(tmp_path):
    """The table's missing column is told with the command that rebuilds it; the
    ribbon's wording ("Press Refresh") is for the workbook only."""
    book = demo_workbook(tmp_path)
    run("refresh", book, "--yes")
    run("tick", book, "PROSPECT1")
    port = open_book(book)
    port.write_cell(SAGE_ONLY, "A5", "Tick")
    port.finish()
    refused = run("synchronize", book, "--yes")
    assert refused.exit_code == 1, refused.output
    said = " ".join(refused.output.split())
    assert f"Run 'smsync-xl refresh {book}': it rebuilds the table and its headers." in said, said
    assert "Press Refresh" not in said and "press Refresh" not in said
