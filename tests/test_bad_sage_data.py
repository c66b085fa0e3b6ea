"""Bad data in a real Sage 50 company file, through the command line: a value holding a
control character, or a blank or NULL name, makes its row INVALID with the reason
(field, character, position, what to do in Sage 50), and nothing of it is written to
SMSTurbo; what Sage 50 or SMSTurbo holds reaches the terminal inert. Part of the
bad-input matrix."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from smsync_xl.core.compare import CONTROL_CHARACTERS
from smsync_xl.core.fields import CUSTOMER, TURBO_FIELDS, VENDOR, Entity, Record
from smsync_xl.demo.company import create_demo, create_sage_company
from smsync_xl.demo.data import DemoRecord
from smsync_xl.report import inert

from .conftest import dump
from .test_bad_settings import TURBO_FILE, run_cli

SAGE_FILE = "sage50_demo.sqlite"
EMPTY_NAME = "Name is empty; enter the name in Sage 50"
EXISTING = {CUSTOMER.key: "C0001", VENDOR.key: "V001"}
"""Records the demo's SMSTurbo holds, with clean values."""


def clean(entity: Entity, record_id: str, **values: str | None) -> Record:
    """A record every check passes, with ``values`` changed."""
    record: Record = {
        "id": record_id,
        "name": f"{record_id.title()} Hauling",
        "address1": "100 Main St",
        "address2": "Suite 4",
        "city": "Springfield",
        "state": "IL",
        "zip": "62701",
        "country": "USA",
        "contact": "Pat Lee",
        "phone1": "217-555-0100",
        "fax": "217-555-0101",
        "email": "office@example.com",
        "type": "WHOLESAL",
    }
    if entity is CUSTOMER:
        record.update(credit_limit="5000.00", terms="30")
    record.update(values)
    return record


def company(folder: Path, entity: Entity, *records: Record, name: str | None = None) -> Path:
    """The demo's settings and SMSTurbo, with a Sage 50 company holding only ``records``
    (of ``entity``) and one clean NEW record of it, GOOD1."""
    settings = create_demo(folder)
    (folder / SAGE_FILE).unlink()
    rows = [DemoRecord(r) for r in (*records, clean(entity, "GOOD1"))]
    customers, vendors = (rows, []) if entity is CUSTOMER else ([], rows)
    extra = {} if name is None else {"company": name}
    create_sage_company(folder / SAGE_FILE, customers, vendors, **extra)
    return settings


def turbo_row(folder: Path, entity: Entity, record_id: str) -> tuple | None:
    table, column = ("Customers", "CustomerID") if entity is CUSTOMER else ("Vendors", "VendorID")
    with sqlite3.connect(folder / TURBO_FILE) as connection:
        return connection.execute(
            f'SELECT * FROM "{table}" WHERE "{column}" = ?', (record_id,)
        ).fetchone()


def assert_inert(output: str) -> None:
    """Nothing a terminal would act on: no control character but the line breaks."""
    assert CONTROL_CHARACTERS.findall(output.replace("\n", "")) == [], repr(output)


def control_reason(field: str, character: str, position: int) -> str:
    return (
        f"{TURBO_FIELDS[field].label} contains the control character U+{ord(character):04X} "
        f"at position {position}; remove it in Sage 50"
    )


# (entity, field, value with one control character, the character, its position)
CONTROL_CASES = [
    (CUSTOMER, "name", "Acme\x00Gravel", "\x00", 5),
    (CUSTOMER, "name", "\x1b[2JAcme Gravel", "\x1b", 1),
    (CUSTOMER, "name", "Acme\x07 Gravel", "\x07", 5),
    (CUSTOMER, "name", "Acme\tGravel", "\t", 5),
    (CUSTOMER, "name", "Acme\nGravel", "\n", 5),
    (CUSTOMER, "name", "Acme\rGravel", "\r", 5),
    (CUSTOMER, "name", "Acme Gravel\x7fCo", "\x7f", 12),
    (CUSTOMER, "name", "Acme\x85Gravel", "\x85", 5),
    (CUSTOMER, "name", "Acme\x9b2JGravel", "\x9b", 5),
    (CUSTOMER, "name", "Acme\x1fGravel", "\x1f", 5),
    (CUSTOMER, "address1", "100\x00Main St", "\x00", 4),
    (CUSTOMER, "address2", "Suite\x1b4", "\x1b", 6),
    (CUSTOMER, "city", "Spring\x0bfield", "\x0b", 7),
    (CUSTOMER, "state", "I\x00", "\x00", 2),
    (CUSTOMER, "zip", "627\x0001", "\x00", 4),
    (CUSTOMER, "country", "US\x7fA", "\x7f", 3),
    (CUSTOMER, "contact", "Pat\x85Lee", "\x85", 4),
    (CUSTOMER, "phone1", "217\x00555 0100", "\x00", 4),
    (CUSTOMER, "fax", "217\x08555", "\x08", 4),
    (CUSTOMER, "email", "office\x00@example.com", "\x00", 7),
    (CUSTOMER, "type", "WHOLE\x1bS", "\x1b", 6),
    (CUSTOMER, "credit_limit", "50\x0000", "\x00", 3),
    (VENDOR, "name", "Fuel\x1b]0;pwned Supply", "\x1b", 5),
    (VENDOR, "address1", "9 Quarry\x00Rd", "\x00", 9),
    (VENDOR, "city", "Peo\x9bria", "\x9b", 4),
    (VENDOR, "phone1", "309\x0c555", "\x0c", 4),
    (VENDOR, "email", "fuel@ex\x01ample.com", "\x01", 8),
]


def _case_id(case: tuple) -> str:
    entity, field, _, character, _ = case
    return f"{entity.key}-{field}-U+{ord(character):04X}"


@pytest.mark.parametrize("existing", [False, True], ids=["new", "existing"])
@pytest.mark.parametrize("case", CONTROL_CASES, ids=[_case_id(c) for c in CONTROL_CASES])
def test_a_control_character_makes_the_row_invalid_and_nothing_of_it_is_written(
    tmp_path, case, existing
):
    entity, field, value, character, position = case
    record_id = EXISTING[entity.key] if existing else "BADCHAR"
    settings = company(tmp_path, entity, clean(entity, record_id, **{field: value}))
    reason = control_reason(field, character, position)

    plan = run_cli("plan", "--settings", settings, "--entity", entity.key)
    assert plan.exit_code == 0, plan.output
    line = next(line for line in plan.output.splitlines() if f" {record_id} " in line)
    assert line.lstrip().startswith("INVALID") and reason in line
    assert_inert(plan.output)

    before = dump(tmp_path / TURBO_FILE, audit=True)
    chosen = run_cli("sync", "--settings", settings, "--yes", "--entity", entity.key, record_id)
    assert chosen.exit_code == 0, chosen.output
    assert "skipped: " in chosen.output and reason in chosen.output
    assert "Import completed: 0 created, 0 updated, 1 skipped" in chosen.output
    assert_inert(chosen.output)
    assert dump(tmp_path / TURBO_FILE, audit=True) == before

    row_before = turbo_row(tmp_path, entity, record_id)
    everything = run_cli("sync", "--settings", settings, "--yes", "--include-inactive")
    assert everything.exit_code == 0, everything.output
    assert "Import completed: 1 created" in everything.output  # GOOD1 only
    assert turbo_row(tmp_path, entity, record_id) == row_before
    assert turbo_row(tmp_path, entity, "GOOD1") is not None


def test_several_control_characters_are_each_named(tmp_path):
    settings = company(tmp_path, CUSTOMER, clean(CUSTOMER, "MANY", name="\x00a\x01b\x02c\x03d\x04"))
    plan = run_cli("plan", "--settings", settings, "--entity", "customers")
    assert (
        "Name contains the control characters U+0000 at position 1, U+0001 at position 3, "
        "U+0002 at position 5 and 2 more; remove them in Sage 50"
    ) in plan.output


def test_a_control_character_in_the_id_is_named_too(tmp_path):
    settings = company(tmp_path, CUSTOMER, clean(CUSTOMER, "BAD\x1bID"))
    plan = run_cli("plan", "--settings", settings, "--entity", "customers")
    assert plan.exit_code == 0
    assert "BAD\\x1bID" in plan.output
    assert control_reason("id", "\x1b", 4) in plan.output
    assert_inert(plan.output)
    chosen = run_cli("sync", "--settings", settings, "--yes", "--entity", "customers", "BAD\x1bID")
    assert "Import completed: 0 created, 0 updated, 1 skipped" in chosen.output
    assert_inert(chosen.output)
    assert "Import completed: 1 created" in run_cli("sync", "--settings", settings, "--yes").output
    assert turbo_row(tmp_path, CUSTOMER, "BAD\x1bID") is None


@pytest.mark.parametrize("entity", [CUSTOMER, VENDOR], ids=["customers", "vendors"])
@pytest.mark.parametrize(
    "name", ["", None, "    ", "\u3000"], ids=["blank", "NULL", "spaces", "ideographic space"]
)
@pytest.mark.parametrize("existing", [False, True], ids=["new", "existing"])
def test_a_blank_or_null_name_makes_the_row_invalid(tmp_path, entity, name, existing):
    record_id = EXISTING[entity.key] if existing else "NONAME"
    settings = company(tmp_path, entity, clean(entity, record_id, name=name))

    plan = run_cli("plan", "--settings", settings, "--entity", entity.key)
    line = next(line for line in plan.output.splitlines() if f" {record_id} " in line)
    assert line.lstrip().startswith("INVALID") and EMPTY_NAME in line

    before = dump(tmp_path / TURBO_FILE, audit=True)
    chosen = run_cli("sync", "--settings", settings, "--yes", "--entity", entity.key, record_id)
    assert chosen.exit_code == 0 and f"skipped: {EMPTY_NAME}" in chosen.output
    assert dump(tmp_path / TURBO_FILE, audit=True) == before

    row_before = turbo_row(tmp_path, entity, record_id)
    run_cli("sync", "--settings", settings, "--yes", "--include-inactive")
    assert turbo_row(tmp_path, entity, record_id) == row_before


ESCAPES = "\x1b[2J\x1b]0;pwned\x07"


def test_escape_sequences_from_sage_50_are_printed_inert(tmp_path):
    settings = company(tmp_path, CUSTOMER, clean(CUSTOMER, "EVIL", name=f"{ESCAPES}Evil Co"))
    plan = run_cli("plan", "--settings", settings)
    assert plan.exit_code == 0
    assert "\\x1b[2J\\x1b]0;pwned\\x07Evil Co" in plan.output
    assert_inert(plan.output)


def test_escape_sequences_from_smsturbo_are_printed_inert(tmp_path):
    """SMSTurbo's side is never INVALID (SMSync does not own it), so its values are
    shown: in the SMSTurbo-only list, and as the old value an update replaces."""
    settings = company(tmp_path, CUSTOMER, clean(CUSTOMER, "C0001", name="Customer 1 Hauling"))
    with sqlite3.connect(tmp_path / TURBO_FILE) as connection:
        connection.execute(
            'INSERT INTO "Customers" ("CustomerID", "CustomerName") VALUES (?, ?)',
            ("EVILTURBO", f"{ESCAPES}Scale House"),
        )
        connection.execute(
            'UPDATE "Customers" SET "CustomerName" = ? WHERE "CustomerID" = ?',
            ("\x1b[5mBlinking\x1b[0m", "C0001"),
        )
    plan = run_cli("plan", "--settings", settings, "--entity", "customers")
    assert "EVILTURBO" in plan.output and "\\x1b[2J\\x1b]0;pwned\\x07Scale House" in plan.output
    assert "Name: \\x1b[5mBlinking\\x1b[0m → Customer 1 Hauling" in plan.output
    assert_inert(plan.output)

    synced = run_cli("sync", "--settings", settings, "--yes", "--entity", "customers", "C0001")
    assert "updated: Name: \\x1b[5mBlinking\\x1b[0m → Customer 1 Hauling" in synced.output
    assert_inert(synced.output)
    details = run_cli("runs", "--settings", settings, "--details", "1")
    assert "\\x1b[5mBlinking" in details.output
    assert_inert(details.output)


def test_an_escape_sequence_in_the_company_name_is_printed_inert_in_runs(tmp_path):
    settings = company(tmp_path, CUSTOMER, name=f"{ESCAPES}Bellwether")
    assert run_cli("sync", "--settings", settings, "--yes").exit_code == 0
    runs = run_cli("runs", "--settings", settings)
    assert "\\x1b[2J\\x1b]0;pwned\\x07Bellwether" in runs.output
    assert_inert(runs.output)


@pytest.mark.parametrize(
    "text",
    ["\x1b[2J", "\x1b]0;title\x07", "\x9b31m", "a\x00b", "tab\there", "\x7f", "plain é → ✓"],
)
def test_inert_shows_every_control_character_and_nothing_else(text):
    shown = inert(text)
    assert CONTROL_CHARACTERS.search(shown) is None
    assert inert(shown) == shown
    assert re.sub(r"\\x[0-9a-f]{2}", "", shown) == CONTROL_CHARACTERS.sub("", text)


def test_a_company_name_with_escape_sequences_is_printed_inert(tmp_path):
    import sqlite3

    from click.testing import CliRunner

    from smsync_xl.cli import main
    from smsync_xl.demo.company import create_demo

    settings = create_demo(tmp_path)
    connection = sqlite3.connect(tmp_path / "sage50_demo.sqlite")
    with connection:
        connection.execute('UPDATE "Company" SET "CompanyName" = ?', ["Evil\x1b[2J\x1b]0;x\x07Co"])
    connection.close()
    for command in (["plan"], ["sync", "PROSPECT1"]):  # sync asks, naming the company
        result = CliRunner().invoke(main, [*command, "--settings", str(settings)], input="n\n")
        assert "\x1b" not in result.output and "\x07" not in result.output
        assert "Evil\\x1b[2J\\x1b]0;x\\x07Co" in result.output
