"""Bad data in a real Sage 50 company file, through the command line: a value holding a
control character, or a blank or NULL name, makes its row INVALID with the reason
(field, character, position, what to do in Sage 50), and nothing of it is written to
SMSTurbo; what Sage 50 or SMSTurbo holds reaches the terminal inert. Part of the
bad-input matrix."""

from __future__ import annotations

import re
import sqlite3
import zipfile
from contextlib import closing
from pathlib import Path
from xml.etree import ElementTree

import pytest

from smsync_xl import macros
from smsync_xl.app.plain_text import inert
from smsync_xl.book.layout import ID, SAGE_ONLY, STATUS
from smsync_xl.core.compare import CONTROL_CHARACTERS
from smsync_xl.core.fields import CUSTOMER, MATERIAL, TURBO_FIELDS, VENDOR, Entity, Record
from smsync_xl.demo.company import create_demo, create_sage_company
from smsync_xl.demo.data import DemoLists, DemoRecord

from . import odbc_env
from .conftest import dump, rebuild_sqlite_table
from .test_bad_settings import TURBO_FILE, edited, run_cli
from .test_store_failures import cli, pg_turbo
from .workbook_helpers import Dialogs, demo_workbook, open_book

SAGE_FILE = "sage50_demo.sqlite"
EMPTY_NAME = "Name is empty; enter the name in Sage 50"
EXISTING = {CUSTOMER.key: "C0001", VENDOR.key: "V001", MATERIAL.key: "AGG-57"}
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


def clean_material(record_id: str, **values: str | None) -> Record:
    """An inventory item every check passes, with ``values`` changed."""
    record: Record = {
        "id": record_id,
        "description": f"{record_id.title()} Stone",
        "item_class": "1",
        "unit": "TON",
        "category": "AGG",
        "price": "18.50",
        "sales_gl": "4000-00",
        "expense_gl": "5000-00",
    }
    record.update(values)
    return record


def sage_company(folder: Path, entity: Entity, *records: Record, name: str | None = None) -> None:
    """Replace the Sage 50 company with one holding only ``records`` (of ``entity``) and
    one clean NEW record of it, GOOD1."""
    (folder / SAGE_FILE).unlink(missing_ok=True)
    good = clean_material("GOOD1") if entity is MATERIAL else clean(entity, "GOOD1")
    rows = [DemoRecord(r) for r in (*records, good)]
    lists: dict[str, list[DemoRecord]] = {CUSTOMER.key: [], VENDOR.key: [], MATERIAL.key: []}
    lists[entity.key] = rows
    extra = {} if name is None else {"company": name}
    create_sage_company(
        folder / SAGE_FILE,
        DemoLists(lists[CUSTOMER.key], lists[VENDOR.key], lists[MATERIAL.key]),
        **extra,
    )


def company(folder: Path, entity: Entity, *records: Record, name: str | None = None) -> Path:
    """The demo's settings and SMSTurbo, with a Sage 50 company holding only ``records``
    (of ``entity``) and one clean NEW record of it, GOOD1."""
    settings = create_demo(folder)
    sage_company(folder, entity, *records, name=name)
    return settings


TURBO_TABLES = {
    CUSTOMER.key: ("Customers", "CustomerID"),
    VENDOR.key: ("Vendors", "VendorID"),
    MATERIAL.key: ("Material", "MaterialID"),
}


def turbo_row(folder: Path, entity: Entity, record_id: str) -> tuple | None:
    table, column = TURBO_TABLES[entity.key]
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
    assert "Name: '\\x1b[5mBlinking\\x1b[0m' → Customer 1 Hauling" in plan.output
    assert_inert(plan.output)

    synced = run_cli("sync", "--settings", settings, "--yes", "--entity", "customers", "C0001")
    assert "updated: Name: '\\x1b[5mBlinking\\x1b[0m' → Customer 1 Hauling" in synced.output
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


# Numbers: never rounded, never reinterpreted; what SMSTurbo's column cannot hold exactly
# makes the row INVALID, naming the field, the value and the limit.

NOT_ROUNDED = "SMSync does not round; correct it in Sage 50"
CREDIT_LIMIT = "SMSTurbo's column Customers.CreditLimit"
TERMS = "SMSTurbo's column Customers.InvoiceTerms"

# (entity, field, value as the Sage 50 column holds it, the reason)
NUMBER_CASES = [
    (CUSTOMER, "credit_limit", "NaN", "Credit Limit 'NaN' is not a number; correct it in Sage 50"),
    (CUSTOMER, "credit_limit", "Infinity", "Credit Limit 'Infinity' is not a number"),
    (CUSTOMER, "credit_limit", "-Infinity", "Credit Limit '-Infinity' is not a number"),
    (CUSTOMER, "credit_limit", "1e400", "Credit Limit 'inf' is not a number"),  # SQLite: Inf
    (
        CUSTOMER,
        "credit_limit",
        "12,50",
        "Credit Limit '12,50' is not a number (a comma only separates thousands, as in "
        "1,250.00); correct it in Sage 50",
    ),
    (CUSTOMER, "credit_limit", "1.250,00", "Credit Limit '1.250,00' is not a number"),
    (CUSTOMER, "credit_limit", "1_000", "Credit Limit '1_000' is not a number"),
    (
        CUSTOMER,
        "credit_limit",
        "12.505",
        f"Credit Limit 12.505 has 3 decimals; {CREDIT_LIMIT} keeps 2 decimals and {NOT_ROUNDED}",
    ),
    (
        CUSTOMER,
        "credit_limit",
        "0.001",
        f"Credit Limit 0.001 has 3 decimals; {CREDIT_LIMIT} keeps 2 decimals",
    ),
    (
        CUSTOMER,
        "credit_limit",
        "10000000000",
        f"Credit Limit 10000000000.00 is too large; {CREDIT_LIMIT} holds at most "
        "9999999999.99; correct it in Sage 50",
    ),
    (
        CUSTOMER,
        "terms",
        "30.5",
        f"Terms (due days) 30.5 is not a whole number, and {NOT_ROUNDED}",
    ),
    (
        CUSTOMER,
        "terms",
        "1e25",
        f"Terms (due days) 10000000000000000000000000 is out of range; {TERMS} holds "
        "-9223372036854775808 to 9223372036854775807; correct it in Sage 50",
    ),
    (
        MATERIAL,
        "price",
        "18.505",
        "Price 18.505 has 3 decimals; SMSTurbo's column Material.UnitPrice keeps 2 decimals",
    ),
    (MATERIAL, "price", "NaN", "Price 'NaN' is not a number"),
    (MATERIAL, "price", "18,50", "Price '18,50' is not a number"),
]


def _number_id(case: tuple) -> str:
    entity, field, value, _ = case
    return f"{entity.key}-{field}-{value}"


def bad_record(entity: Entity, record_id: str, **values: str | None) -> Record:
    return (
        clean_material(record_id, **values)
        if entity is MATERIAL
        else clean(entity, record_id, **values)
    )


def plan_line(output: str, record_id: str) -> str:
    """The plan's line for ``record_id`` (split at line feeds only: a value may hold
    U+2028, which ``splitlines`` would split at)."""
    return next(line for line in output.split("\n") if f" {record_id} " in line)


@pytest.mark.parametrize("existing", [False, True], ids=["new", "existing"])
@pytest.mark.parametrize("case", NUMBER_CASES, ids=[_number_id(c) for c in NUMBER_CASES])
def test_a_number_smsturbo_cannot_hold_exactly_makes_the_row_invalid(tmp_path, case, existing):
    entity, field, value, reason = case
    record_id = EXISTING[entity.key] if existing else "BADNUM"
    settings = company(tmp_path, entity, bad_record(entity, record_id, **{field: value}))

    plan = run_cli("plan", "--settings", settings, "--entity", entity.key)
    assert plan.exit_code == 0, plan.output
    line = plan_line(plan.output, record_id)
    assert line.lstrip().startswith("INVALID") and reason in " ".join(plan.output.split()), line

    before = dump(tmp_path / TURBO_FILE, audit=True)
    chosen = run_cli("sync", "--settings", settings, "--yes", "--entity", entity.key, record_id)
    assert chosen.exit_code == 0, chosen.output
    assert "Import completed: 0 created, 0 updated, 1 skipped" in chosen.output
    assert dump(tmp_path / TURBO_FILE, audit=True) == before

    row_before = turbo_row(tmp_path, entity, record_id)
    everything = run_cli("sync", "--settings", settings, "--yes", "--include-inactive")
    assert everything.exit_code == 0, everything.output
    assert "Import completed: 1 created" in everything.output  # GOOD1 only
    assert turbo_row(tmp_path, entity, record_id) == row_before


def test_an_amount_differing_only_past_smsturbos_decimals_is_not_in_sync(tmp_path):
    """Rounded half-even, 5000.005 used to be 5000.00: IN SYNC with a real difference."""
    settings = company(tmp_path, CUSTOMER, clean(CUSTOMER, "C0001", credit_limit="5000.005"))
    with sqlite3.connect(tmp_path / TURBO_FILE) as connection:
        connection.execute(
            'UPDATE "Customers" SET "CreditLimit" = 5000.00 WHERE "CustomerID" = \'C0001\''
        )
    plan = run_cli("plan", "--settings", settings, "--entity", "customers", "--view", "not_in_sync")
    line = plan_line(plan.output, "C0001")
    assert line.lstrip().startswith("INVALID"), line
    assert f"Credit Limit 5000.005 has 3 decimals; {CREDIT_LIMIT} keeps 2" in plan.output


# SMSTurbo's real columns: read from its catalogue, not assumed from the reference schema.

NARROW_NAME = "Narrow Name Hauling Company Of Peoria"  # 37 characters: Sage 50 holds 39


def redeclare(path: Path, table: str, *edits: tuple[str, str]) -> None:
    """Give SMSTurbo's ``table`` other column types (each edit: old declaration, new),
    rows kept: what a real installation may have instead of the reference schema."""

    def declared(sql: str) -> str:
        for old, new in edits:
            sql = edited(sql, old, new)
        return sql

    with closing(sqlite3.connect(path)) as connection:
        rebuild_sqlite_table(connection, table, declared)


def narrow_sqlite_customers(path: Path) -> None:
    """A 30-character name and an amount of 8 digits, 3 of them decimals."""
    redeclare(
        path,
        "Customers",
        ('"CustomerName" VARCHAR(500)', '"CustomerName" VARCHAR(30)'),
        ('"CreditLimit" NUMERIC(12, 2)', '"CreditLimit" NUMERIC(8, 3)'),
    )


NARROW_RECORDS = (
    clean(CUSTOMER, "LONGNAME", name=NARROW_NAME),
    clean(CUSTOMER, "BIGLIMIT", credit_limit="123456.5"),
    clean(CUSTOMER, "FINELIMIT", credit_limit="12.505"),
)
NARROW_REASONS = {
    "LONGNAME": "Name has 37 characters; SMSTurbo holds at most 30 (column Customers.CustomerName)",
    "BIGLIMIT": f"Credit Limit 123456.50 is too large; {CREDIT_LIMIT} holds at most 99999.999",
}


def test_a_narrower_smsturbo_column_makes_the_row_invalid_at_refresh(tmp_path):
    settings = company(tmp_path, CUSTOMER, *NARROW_RECORDS)
    narrow_sqlite_customers(tmp_path / TURBO_FILE)

    plan = run_cli("plan", "--settings", settings, "--entity", "customers")
    text = " ".join(plan.output.split())
    for record_id, reason in NARROW_REASONS.items():
        assert plan_line(plan.output, record_id).lstrip().startswith("INVALID")
        assert reason in text, text
    assert plan_line(plan.output, "FINELIMIT").lstrip().startswith("NEW")  # 3 decimals kept

    synced = run_cli("sync", "--settings", settings, "--yes", "--entity", "customers")
    assert "Import completed: 2 created, 0 updated, 0 skipped" in synced.output, synced.output
    assert turbo_row(tmp_path, CUSTOMER, "LONGNAME") is None
    assert turbo_row(tmp_path, CUSTOMER, "BIGLIMIT") is None
    with sqlite3.connect(tmp_path / TURBO_FILE) as connection:
        (written,) = connection.execute(
            'SELECT CAST("CreditLimit" AS TEXT) FROM "Customers" WHERE "CustomerID" = ?',
            ["FINELIMIT"],
        ).fetchone()
    assert written == "12.505"  # exactly what Sage 50 holds, not rounded to 12.50


def test_a_narrower_column_on_postgresql_is_caught_per_row_not_per_batch(request, tmp_path):
    """psqlODBC says an unbounded VARCHAR holds 255 characters and a NUMERIC without
    precision 28 digits with 6 decimals: the server's own catalogue is asked instead."""
    turbo = pg_turbo(request, tmp_path)
    long_email = "x" * 290 + "@example.com"
    sage_company(
        tmp_path,
        CUSTOMER,
        *NARROW_RECORDS,
        clean(CUSTOMER, "LONGMAIL", email=long_email),
        clean(CUSTOMER, "TINYLIMIT", credit_limit="0.1234567"),
    )
    turbo.run(
        'ALTER TABLE "Customers" ALTER COLUMN "CustomerName" TYPE VARCHAR(30) '
        'USING left("CustomerName", 30), ALTER COLUMN "CreditLimit" TYPE NUMERIC(8, 3), '
        'ALTER COLUMN "Email" TYPE VARCHAR, ALTER COLUMN "UDF1" TYPE TEXT'
    )

    plan = cli("plan", "--settings", turbo.settings, "--entity", "customers")
    text = " ".join(plan.output.split())
    for record_id, reason in NARROW_REASONS.items():
        assert plan_line(plan.output, record_id).lstrip().startswith("INVALID")
        assert reason in text, text
    assert "Credit Limit 0.1234567 has 7 decimals; " + CREDIT_LIMIT + " keeps 3" in text

    before = turbo.dump()
    synced = cli("sync", "--settings", turbo.settings, "--yes", "--entity", "customers")
    assert synced.exit_code == 0, synced.output
    assert "Import completed: 3 created, 0 updated, 0 skipped" in synced.output
    after = turbo.dump()
    created = {row[0] for row in after["customers"]} - {row[0] for row in before["customers"]}
    assert created == {"FINELIMIT", "GOOD1", "LONGMAIL"}


# Text: nothing is trimmed but the padding spaces of fixed-width columns; what no field
# may hold makes the row INVALID; bytes that are not text are refused where they are.

SMSTURBO_NAME = "Acme Gravel"


def set_turbo_name(folder: Path, record_id: str, name: str) -> None:
    with sqlite3.connect(folder / TURBO_FILE) as connection:
        connection.execute(
            'UPDATE "Customers" SET "CustomerName" = ? WHERE "CustomerID" = ?', [name, record_id]
        )


@pytest.mark.parametrize(
    ("sage_name", "reason"),
    [
        ("Acme Gravel\t", control_reason("name", "\t", 12)),
        ("Acme Gravel\n", control_reason("name", "\n", 12)),
        ("Acme Gravel\r", control_reason("name", "\r", 12)),
        ("\tAcme Gravel", control_reason("name", "\t", 1)),
        ("Acme Gravel\x0b", control_reason("name", "\x0b", 12)),
    ],
    ids=["trailing tab", "trailing LF", "trailing CR", "leading tab", "trailing VT"],
)
def test_a_trailing_control_character_is_never_trimmed_the_row_is_invalid(
    tmp_path, sage_name, reason
):
    settings = company(tmp_path, CUSTOMER, clean(CUSTOMER, "C0001", name=sage_name))
    set_turbo_name(tmp_path, "C0001", SMSTURBO_NAME)
    plan = run_cli("plan", "--settings", settings, "--entity", "customers")
    line = plan_line(plan.output, "C0001")
    assert line.lstrip().startswith("INVALID") and reason in line, line


@pytest.mark.parametrize(
    ("sage_name", "shown"),
    [
        ("Acme Gravel\xa0", "'Acme Gravel\\xa0'"),
        ("Acme\xa0Gravel", "'Acme\\xa0Gravel'"),
        ("Acme Gravel\u3000", "'Acme Gravel\\u3000'"),
        (" Acme Gravel", "' Acme Gravel'"),
    ],
    ids=["trailing NBSP", "inner NBSP", "ideographic space", "leading space"],
)
def test_whitespace_that_is_not_padding_is_kept_shown_and_written_exactly(
    tmp_path, sage_name, shown
):
    """Once trimmed, such a name was IN SYNC with SMSTurbo's: a difference nobody saw."""
    settings = company(tmp_path, CUSTOMER, clean(CUSTOMER, "C0001", name=sage_name))
    set_turbo_name(tmp_path, "C0001", SMSTURBO_NAME)
    plan = run_cli("plan", "--settings", settings, "--entity", "customers")
    line = plan_line(plan.output, "C0001")
    assert line.lstrip().startswith("DIFFERENT") and f"Name: {SMSTURBO_NAME} → {shown}" in line

    synced = run_cli("sync", "--settings", settings, "--yes", "--entity", "customers", "C0001")
    assert f"updated: Name: {SMSTURBO_NAME} → {shown}" in synced.output, synced.output
    row = turbo_row(tmp_path, CUSTOMER, "C0001")
    assert row is not None and sage_name in row


NONCHARACTERS = ["\ufffe", "\uffff", "\ufdd0", "\ufdef", "\U0001fffe", "\U0010ffff"]


@pytest.mark.parametrize("existing", [False, True], ids=["new", "existing"])
@pytest.mark.parametrize("character", NONCHARACTERS, ids=[f"U+{ord(c):04X}" for c in NONCHARACTERS])
def test_a_unicode_noncharacter_makes_the_row_invalid(tmp_path, character, existing):
    record_id = "C0001" if existing else "NONCHAR"
    settings = company(tmp_path, CUSTOMER, clean(CUSTOMER, record_id, city=f"Peo{character}ria"))
    reason = (
        f"City contains the noncharacter U+{ord(character):04X} at position 4; remove it in Sage 50"
    )
    plan = run_cli("plan", "--settings", settings, "--entity", "customers")
    line = plan_line(plan.output, record_id)
    assert line.lstrip().startswith("INVALID") and reason in line, line

    before = dump(tmp_path / TURBO_FILE, audit=True)
    chosen = run_cli("sync", "--settings", settings, "--yes", "--entity", "customers", record_id)
    assert "Import completed: 0 created, 0 updated, 1 skipped" in chosen.output
    assert dump(tmp_path / TURBO_FILE, audit=True) == before


def test_a_character_xml_cannot_hold_leaves_the_workbook_well_formed(tmp_path):
    """U+FFFF used to go into the sheet as it was: Excel then refuses the file."""
    workbook = demo_workbook(tmp_path)
    sage_company(
        tmp_path,
        CUSTOMER,
        clean(CUSTOMER, "FFFF1", name="Acme\uffffGravel", city="Peo\ufffeia"),
        clean(CUSTOMER, "FF\uffffID"),
        clean(CUSTOMER, "NUL1", name="Nul\x00Gravel"),
    )
    assert macros.refresh(open_book(workbook, Dialogs(True, False)))

    with zipfile.ZipFile(workbook) as package:
        for name in package.namelist():
            if name.endswith((".xml", ".rels")):
                ElementTree.fromstring(package.read(name))  # well-formed, or it raises
    table = open_book(workbook).read_table(SAGE_ONLY)
    rows = {row[table.column(ID)]: dict(zip(table.header, row, strict=True)) for row in table.rows}
    assert rows["FFFF1"][STATUS] == "INVALID"
    assert rows["FFFF1"]["Name"] == "Acme\\uffffGravel"  # shown, never dropped silently
    assert "Name contains the noncharacter U+FFFF at position 5" in rows["FFFF1"]["Reason"]
    assert "City contains the noncharacter U+FFFE at position 4" in rows["FFFF1"]["Reason"]
    assert rows["NUL1"]["Name"] == "Nul\\x00Gravel"
    assert rows["FF\\uffffID"][STATUS] == "INVALID"


def sage_text(folder: Path, sql: str) -> None:
    with sqlite3.connect(folder / SAGE_FILE) as connection:
        connection.execute(sql)


@pytest.mark.parametrize(
    ("sql", "where"),
    [
        (
            'UPDATE "Customers" SET "Customer_Bill_Name" = CAST(X\'41636D65FF\' AS TEXT) '
            "WHERE \"CustomerID\" = 'GOOD1'",
            "Customers record 1 (ID GOOD1), column Customer_Bill_Name: the text holds bytes "
            "that are not UTF-8 (0xFF)",
        ),
        (
            'UPDATE "Customers" SET "CustomerID" = CAST(X\'474F4FE931\' AS TEXT)',
            "Customers record 1 (ID GOO?1), column CustomerID: the text holds bytes that are "
            "not UTF-8 (0xE9)",
        ),
        (
            'UPDATE "Address" SET "City" = CAST(X\'5065C3A96F72C0AF6961\' AS TEXT)',
            "Address record 10, column City: the text holds bytes that are not UTF-8 (0xC0 0xAF)",
        ),
        (
            'UPDATE "Company" SET "CompanyName" = CAST(X\'42656C6C9D\' AS TEXT)',
            "Company, column CompanyName: the text holds bytes that are not UTF-8 (0x9D)",
        ),
    ],
    ids=["name", "ID", "address", "company name"],
)
def test_bytes_that_are_not_utf8_in_an_sqlite_company_are_refused_by_row_and_column(
    tmp_path, sql, where
):
    """sqlite3 used to stop with a traceback; other readers replace such bytes with
    U+FFFD. Neither: the message names the table, the record and the column."""
    settings = company(tmp_path, CUSTOMER)
    sage_text(tmp_path, sql)
    before = dump(tmp_path / TURBO_FILE, audit=True)
    for command in (["plan"], ["sync", "--yes"]):
        result = run_cli(*command, "--settings", settings, "--entity", "customers")
        assert result.exit_code == 1, result.output
        text = " ".join(result.output.split())
        assert f"{tmp_path / SAGE_FILE}: {where}" in text, text
        assert "nothing was read" in text and "Retype the value in Sage 50" in text
        assert f"then run 'smsync-xl plan --settings {settings}' again" in text, text
        assert "Traceback" not in result.output
    assert dump(tmp_path / TURBO_FILE, audit=True) == before


def test_a_chart_account_that_is_not_utf8_is_refused(tmp_path):
    settings = company(tmp_path, MATERIAL)
    sage_text(tmp_path, 'UPDATE "Chart" SET "AccountID" = CAST(X\'343030FF\' AS TEXT)')
    result = run_cli("plan", "--settings", settings, "--entity", "materials")
    assert result.exit_code == 1
    assert "Chart record 100, column AccountID: the text holds bytes that are not UTF-8 (0xFF)" in (
        " ".join(result.output.split())
    )


# GL accounts: a Chart record number Sage 50's Chart does not resolve is never replaced
# by the template's account without a word.


@pytest.mark.parametrize("existing", [False, True], ids=["new", "existing"])
@pytest.mark.parametrize(
    ("sql", "reason"),
    [
        (
            'UPDATE "LineItem" SET "SaleAcctRecordNumber" = 999 WHERE "ItemID" = ?',
            "Sales GL # is Chart of Accounts record 999, which Sage 50's Chart does not "
            "have; choose the item's G/L Sales Account again in Sage 50",
        ),
        (
            'UPDATE "LineItem" SET "InvAcctRecordNumber" = 103 WHERE "ItemID" = ?',
            "Expense GL # is Chart of Accounts record 103, which Sage 50's Chart has without "
            "an account ID; choose the item's G/L Inventory Account again in Sage 50",
        ),
    ],
    ids=["not in the Chart", "no account ID"],
)
def test_a_gl_record_number_the_chart_does_not_resolve_makes_the_item_invalid(
    tmp_path, sql, reason, existing
):
    """A new item used to take the template material's accounts (4000-00) silently."""
    record_id = EXISTING[MATERIAL.key] if existing else "NEWGL"
    settings = company(tmp_path, MATERIAL, clean_material(record_id))
    with sqlite3.connect(tmp_path / SAGE_FILE) as connection:
        connection.execute(sql, [record_id])
        connection.execute('UPDATE "Chart" SET "AccountID" = NULL WHERE "GLAcntNumber" = 103')

    plan = run_cli("plan", "--settings", settings, "--entity", "materials")
    line = plan_line(plan.output, record_id)
    assert line.lstrip().startswith("INVALID") and reason in line, line

    before = dump(tmp_path / TURBO_FILE, audit=True)
    chosen = run_cli("sync", "--settings", settings, "--yes", "--entity", "materials", record_id)
    assert chosen.exit_code == 0, chosen.output
    assert "Import completed: 0 created, 0 updated, 1 skipped" in chosen.output
    assert reason in " ".join(chosen.output.split())
    assert dump(tmp_path / TURBO_FILE, audit=True) == before


@pytest.mark.parametrize(
    ("edit", "zzdefault", "says"),
    [
        (
            ('"BillingCycle" VARCHAR(20)', '"BillingCycle" VARCHAR(5)'),
            None,
            "Billing Cycle 'MONTHLY' has 7 characters; SMSTurbo holds at most 5",
        ),
        (
            ('"InvoiceTerms" INTEGER', '"InvoiceTerms" SMALLINT'),
            'UPDATE "Customers" SET "InvoiceTerms" = 99999 WHERE "CustomerID" = \'ZZDEFAULT\'',
            "Terms (due days) 99999 is out of range; SMSTurbo's column Vendors.InvoiceTerms "
            "holds -32768 to 32767",
        ),
        *(
            (
                ('"UDF1" VARCHAR(30)', '"UDF1" VARCHAR(30)'),
                f'UPDATE "Customers" SET "BillingCycle" = \'MON{character}LY\' '
                "WHERE \"CustomerID\" = 'ZZDEFAULT'",
                f"Billing Cycle contains the {kind} U+{ord(character):04X} at position 4; "
                "remove it in SMSTurbo",
            )
            for character, kind in (
                ("\t", "control character"),
                ("\x1b", "control character"),
                ("\uffff", "noncharacter"),
            )
        ),
    ],
    ids=["text", "number", "tab", "escape", "U+FFFF"],
)
def test_a_template_value_the_real_column_cannot_hold_stops_the_run(
    tmp_path, edit, zzdefault, says
):
    """New vendors take customer ZZDEFAULT's values: checked against the Vendors
    table's real columns, not the reference schema's, before anything is written."""
    settings = company(tmp_path, VENDOR)
    redeclare(tmp_path / TURBO_FILE, "Vendors", edit)
    if zzdefault:
        with sqlite3.connect(tmp_path / TURBO_FILE) as connection:
            connection.execute(zzdefault)
    before = dump(tmp_path / TURBO_FILE, audit=True)
    result = run_cli("sync", "--settings", settings, "--yes", "--entity", "vendors", "GOOD1")
    assert result.exit_code == 1, result.output
    text = " ".join(result.output.split())
    assert "customer ZZDEFAULT in SMSTurbo holds values new records cannot take" in text
    assert says in text and "nothing was changed" in text, text
    assert dump(tmp_path / TURBO_FILE, audit=True) == before


def through_sqlite_odbc(odbc: odbc_env.OdbcConfig, folder: Path, settings: Path) -> None:
    """Read the Sage 50 company file through the SQLite ODBC driver instead."""
    dsn = odbc.add_dsn(
        f"sage_{folder.name}"[-32:], odbc_env.SQLITE_DRIVER, Database=str(folder / SAGE_FILE)
    )
    text = settings.read_text(encoding="utf-8")
    settings.write_text(
        edited(
            text, 'kind = "sqlite"\npath = "sage50_demo.sqlite"', f'kind = "odbc"\ndsn = "{dsn}"'
        ),
        encoding="utf-8",
    )


def test_numbers_read_through_the_sqlite_odbc_driver_are_not_reinterpreted(odbc, tmp_path):
    """The SQLite ODBC driver hands a NUMERIC column's text to atof: 12,50 was 12.0."""
    settings = company(
        tmp_path,
        CUSTOMER,
        clean(CUSTOMER, "COMMA", credit_limit="12,50"),
        clean(CUSTOMER, "NOTNUM", credit_limit="NaN"),
        clean(CUSTOMER, "PRECISE", credit_limit="12.505"),
        clean(CUSTOMER, "C0001", credit_limit="5000"),
    )
    through_sqlite_odbc(odbc, tmp_path, settings)
    plan = run_cli("plan", "--settings", settings, "--entity", "customers")
    assert plan.exit_code == 0, plan.output
    text = " ".join(plan.output.split())
    assert "Credit Limit '12,50' is not a number" in text
    assert "Credit Limit 'NaN' is not a number" in text
    assert f"Credit Limit 12.505 has 3 decimals; {CREDIT_LIMIT} keeps 2" in text
    assert "Credit Limit:" not in plan_line(plan.output, "C0001")  # 5000 is 5000.00
    assert plan_line(plan.output, "GOOD1").lstrip().startswith("NEW")


def test_an_id_longer_than_smsturbos_id_column_is_invalid(tmp_path):
    """A valid SMSTurbo ID (15 characters at most) may still not fit a narrower column."""
    settings = company(tmp_path, CUSTOMER, clean(CUSTOMER, "LONGID12345"))
    redeclare(
        tmp_path / TURBO_FILE,
        "Customers",
        ('"CustomerID" VARCHAR(15)', '"CustomerID" VARCHAR(10)'),
    )
    plan = run_cli("plan", "--settings", settings, "--entity", "customers")
    line = plan_line(plan.output, "LONGID12345")
    assert line.lstrip().startswith("INVALID")
    assert "ID has 11 characters; SMSTurbo holds at most 10 (column Customers.CustomerID)" in line
    synced = run_cli("sync", "--settings", settings, "--yes", "--entity", "customers")
    assert "Import completed: 1 created" in synced.output  # GOOD1 only
    assert turbo_row(tmp_path, CUSTOMER, "LONGID12345") is None


def test_text_read_through_the_sqlite_odbc_driver_is_read_exactly(odbc, tmp_path):
    """The driver drops a byte that is not UTF-8 and turns a character beyond U+FFFF into
    U+FFFF: the company's bytes are read instead."""
    settings = company(tmp_path, CUSTOMER, clean(CUSTOMER, "EMOJI", name="Gravel \U0001f600 Co"))
    through_sqlite_odbc(odbc, tmp_path, settings)
    synced = run_cli("sync", "--settings", settings, "--yes", "--entity", "customers", "EMOJI")
    assert "Import completed: 1 created" in synced.output, synced.output
    assert "Gravel \U0001f600 Co" in (turbo_row(tmp_path, CUSTOMER, "EMOJI") or ())

    sage_text(
        tmp_path,
        'UPDATE "Customers" SET "Customer_Bill_Name" = CAST(X\'41636D65FF\' AS TEXT) '
        "WHERE \"CustomerID\" = 'GOOD1'",
    )
    before = dump(tmp_path / TURBO_FILE, audit=True)
    plan = run_cli("plan", "--settings", settings, "--entity", "customers")
    assert plan.exit_code == 1, plan.output
    assert (
        "Customers record 2 (ID GOOD1), column Customer_Bill_Name: the text holds bytes that "
        "are not UTF-8 (0xFF)"
    ) in " ".join(plan.output.split())
    assert dump(tmp_path / TURBO_FILE, audit=True) == before


# What SMSTurbo's column really keeps: a floating-point or SQLite number column keeps a
# number only when it comes back as written; a whole number is never truncated; a text
# column is needed for text.

DOUBLE = "keeps 8-byte floating-point numbers (about 15 digits)"
SQLITE_NUMBER = "keeps 64-bit integers and 8-byte floating-point numbers (about 15 digits)"
REAL_COLUMN_CASES = [
    (
        ('"CreditLimit" NUMERIC(12, 2)', '"CreditLimit" REAL'),
        "credit_limit",
        "12345678901234567.89",
        f"Credit Limit 12345678901234567.89 cannot be held exactly: {CREDIT_LIMIT} {DOUBLE}, "
        "it would become 12345678901234568, and SMSync does not round",
    ),
    (
        ('"CreditLimit" NUMERIC(12, 2)', '"CreditLimit" DOUBLE'),
        "credit_limit",
        "9007199254740993",
        f"Credit Limit 9007199254740993.00 cannot be held exactly: {CREDIT_LIMIT} {DOUBLE}, "
        "it would become 9007199254740992",
    ),
    (
        ('"CreditLimit" NUMERIC(12, 2)', '"CreditLimit" NUMERIC(20, 2)'),
        "credit_limit",
        "99999999999999.99",
        f"Credit Limit 99999999999999.99 cannot be held exactly: {CREDIT_LIMIT} "
        f"{SQLITE_NUMBER}, it would become 99999999999999.98",
    ),
    (
        ('"InvoiceTerms" INTEGER', '"InvoiceTerms" REAL'),
        "terms",
        "7.5",
        "Terms (due days) 7.5 is not a whole number, and SMSync does not round",
    ),
    (
        ('"InvoiceTerms" INTEGER', '"InvoiceTerms" TEXT'),
        "terms",
        "10000000000000000000000000",
        f"Terms (due days) 10000000000000000000000000 is out of range; {TERMS} holds "
        "-9223372036854775808 to 9223372036854775807",
    ),
    (
        ('"Zip" VARCHAR(20)', '"Zip" INTEGER'),
        "zip",
        "02134",
        "ZIP 02134 is text, but SMSTurbo's column Customers.Zip keeps numbers (the text "
        "would not be kept as it is); map ZIP to a text column in Setup, or leave it unmapped",
    ),
]
SAGE_NUMBER_COLUMNS = {
    "credit_limit": ("Customers", "Terms_CreditLimit", "NUMERIC(12, 2)"),
    "terms": ("Customers", "Terms_DueDays", "INTEGER"),
}


def exact_sage_value(folder: Path, field: str, record_id: str, value: str) -> None:
    """Give a Sage 50 number column no type affinity and ``value`` as written (an SQLite
    NUMERIC column would already have made 99999999999999.99 a double)."""
    table, column, declared = SAGE_NUMBER_COLUMNS[field]
    redeclare(folder / SAGE_FILE, table, (f'"{column}" {declared}', f'"{column}" BLOB'))
    with sqlite3.connect(folder / SAGE_FILE) as connection:
        connection.execute(
            f'UPDATE "{table}" SET "{column}" = ? WHERE "CustomerID" = ?', [value, record_id]
        )


@pytest.mark.parametrize("existing", [False, True], ids=["new", "existing"])
@pytest.mark.parametrize(
    "case", REAL_COLUMN_CASES, ids=[f"{c[0][1]}-{c[2]}" for c in REAL_COLUMN_CASES]
)
def test_a_value_smsturbos_real_column_cannot_hold_exactly_makes_the_row_invalid(
    tmp_path, case, existing
):
    edit, field, value, reason = case
    record_id = EXISTING[CUSTOMER.key] if existing else "BADREAL"
    settings = company(tmp_path, CUSTOMER, clean(CUSTOMER, record_id, **{field: value}))
    redeclare(tmp_path / TURBO_FILE, "Customers", edit)
    if field in SAGE_NUMBER_COLUMNS:
        exact_sage_value(tmp_path, field, record_id, value)

    plan = run_cli("plan", "--settings", settings, "--entity", "customers")
    assert plan.exit_code == 0, plan.output
    assert plan_line(plan.output, record_id).lstrip().startswith("INVALID"), plan.output
    assert reason in " ".join(plan.output.split()), plan.output

    before = dump(tmp_path / TURBO_FILE, audit=True)
    chosen = run_cli("sync", "--settings", settings, "--yes", "--entity", "customers", record_id)
    assert chosen.exit_code == 0, chosen.output
    assert "Import completed: 0 created, 0 updated, 1 skipped" in chosen.output
    assert dump(tmp_path / TURBO_FILE, audit=True) == before


def test_a_value_a_real_column_holds_exactly_is_written_and_then_in_sync(tmp_path):
    """The counterpart: 0.1 comes back from a REAL column as 0.1, 5000 from SQLite's
    NUMERIC as 5000; such rows are NEW, written, and IN SYNC afterwards."""
    settings = company(
        tmp_path,
        CUSTOMER,
        clean(CUSTOMER, "TENTH", credit_limit="0.1", terms="30"),
    )
    redeclare(
        tmp_path / TURBO_FILE,
        "Customers",
        ('"CreditLimit" NUMERIC(12, 2)', '"CreditLimit" REAL'),
        ('"InvoiceTerms" INTEGER', '"InvoiceTerms" NUMERIC(20, 2)'),
    )
    synced = run_cli("sync", "--settings", settings, "--yes", "--entity", "customers")
    assert "Import completed: 2 created, 0 updated, 0 skipped" in synced.output, synced.output
    with sqlite3.connect(tmp_path / TURBO_FILE) as connection:
        written = connection.execute(
            'SELECT "CreditLimit", "InvoiceTerms" FROM "Customers" WHERE "CustomerID" = ?',
            ["TENTH"],
        ).fetchone()
    assert written == (0.1, 30)
    plan = run_cli("plan", "--settings", settings, "--entity", "customers")
    assert "Customers: 0 NEW, 0 DIFFERENT, 2 IN SYNC, 0 INVALID" in plan.output, plan.output


def test_postgresql_floating_point_money_and_integer_columns_take_only_what_they_hold(
    request, tmp_path
):
    """real keeps 4-byte floats (16777217 would be 16777216), money 2 decimals in a 64-bit
    count of cents; an integer column takes a whole amount (5000.00) as the number it is."""
    turbo = pg_turbo(request, tmp_path)
    sage_company(
        tmp_path,
        CUSTOMER,
        clean(CUSTOMER, "FLOATY", credit_limit="16777217"),
        clean(CUSTOMER, "TENTH", credit_limit="0.1"),
    )
    turbo.run('ALTER TABLE "Customers" ALTER COLUMN "CreditLimit" TYPE real')
    plan = cli("plan", "--settings", turbo.settings, "--entity", "customers")
    text = " ".join(plan.output.split())
    assert plan_line(plan.output, "FLOATY").lstrip().startswith("INVALID"), plan.output
    assert (
        "Credit Limit 16777217.00 cannot be held exactly: SMSTurbo's column "
        "Customers.CreditLimit keeps 4-byte floating-point numbers (about 6 digits), it "
        "would become 16777216, and SMSync does not round"
    ) in text
    synced = cli("sync", "--settings", turbo.settings, "--yes", "--entity", "customers")
    assert "Import completed: 2 created, 0 updated, 0 skipped" in synced.output, synced.output
    after = cli("plan", "--settings", turbo.settings, "--entity", "customers")
    assert "0 NEW, 0 DIFFERENT, 2 IN SYNC, 1 INVALID" in after.output, after.output

    turbo.run(
        'ALTER TABLE "Customers" ALTER COLUMN "CreditLimit" TYPE integer USING 0; '
        'UPDATE "Customers" SET "CreditLimit" = 0'
    )
    sage_company(tmp_path, CUSTOMER, clean(CUSTOMER, "WHOLE", credit_limit="5000.00"))
    whole = cli("sync", "--settings", turbo.settings, "--yes", "--entity", "customers", "WHOLE")
    assert "Import completed: 1 created" in whole.output, whole.output
    with closing(turbo.connect()) as connection:
        (written,) = connection.execute(
            'SELECT "CreditLimit" FROM "Customers" WHERE "CustomerID" = \'WHOLE\''
        ).fetchone()
    assert written == 5000


def test_text_a_win1252_postgresql_cannot_store_makes_the_row_invalid(request, tmp_path):
    turbo = pg_turbo(
        request, tmp_path, "ENCODING 'WIN1252' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0"
    )
    sage_company(
        tmp_path,
        CUSTOMER,
        clean(CUSTOMER, "LODZ", name="Łódź Gravel"),
        clean(CUSTOMER, "CAFE", name="Café Gravel"),
    )
    plan = cli("plan", "--settings", turbo.settings, "--entity", "customers")
    assert plan.exit_code == 0, plan.output
    assert plan_line(plan.output, "LODZ").lstrip().startswith("INVALID"), plan.output
    assert (
        "Name Łódź Gravel holds Ł (U+0141), ź (U+017A), which SMSTurbo's column "
        "Customers.CustomerName cannot store (its database keeps text in cp1252); change "
        "it in Sage 50"
    ) in " ".join(plan.output.split())
    before = turbo.dump()
    synced = cli("sync", "--settings", turbo.settings, "--yes", "--entity", "customers")
    assert synced.exit_code == 0, synced.output
    assert "Import completed: 2 created, 0 updated, 0 skipped" in synced.output
    created = {row[0] for row in turbo.dump()["customers"]} - {
        row[0] for row in before["customers"]
    }
    assert created == {"CAFE", "GOOD1"}


def test_numbers_through_the_sqlite_odbc_driver_are_read_exactly_or_refused(odbc, tmp_path):
    """The driver gave a double to 15 digits (0.30000000000000004 became 0.3) and dropped
    a byte that is not UTF-8 from a number column's text (1\\xFF00.00 became 100.00)."""
    settings = company(
        tmp_path, CUSTOMER, clean(CUSTOMER, "SUM", credit_limit="1"), clean(CUSTOMER, "BYTE")
    )
    with sqlite3.connect(tmp_path / SAGE_FILE) as connection:
        connection.execute(
            'UPDATE "Customers" SET "Terms_CreditLimit" = ? WHERE "CustomerID" = ?',
            [0.1 + 0.2, "SUM"],
        )
    through_sqlite_odbc(odbc, tmp_path, settings)
    plan = run_cli("plan", "--settings", settings, "--entity", "customers")
    assert plan_line(plan.output, "SUM").lstrip().startswith("INVALID"), plan.output
    assert "Credit Limit 0.30000000000000004 has 17 decimals" in " ".join(plan.output.split())

    with sqlite3.connect(tmp_path / SAGE_FILE) as connection:
        connection.execute(
            'UPDATE "Customers" SET "Terms_CreditLimit" = CAST(X\'31FF30302E3030\' AS TEXT) '
            'WHERE "CustomerID" = ?',
            ["BYTE"],
        )
    refused = run_cli("plan", "--settings", settings, "--entity", "customers")
    assert refused.exit_code != 0
    assert "column Terms_CreditLimit: the text holds bytes that are not UTF-8 (0xFF)" in " ".join(
        refused.output.split()
    ), refused.output


LAYOUT_CASES = [
    ("\u2028", "line or paragraph separator"),
    ("\u2029", "line or paragraph separator"),
    ("\u202e", "bidirectional control"),
    ("\u202a", "bidirectional control"),
    ("\u2066", "bidirectional control"),
    ("\u2069", "bidirectional control"),
]


@pytest.mark.parametrize("existing", [False, True], ids=["new", "existing"])
@pytest.mark.parametrize(
    ("character", "kind"), LAYOUT_CASES, ids=[hex(ord(c)) for c, _ in LAYOUT_CASES]
)
def test_a_line_separator_or_bidi_control_makes_the_row_invalid_and_is_printed_inert(
    tmp_path, character, kind, existing
):
    """A line break by another name, or text that reorders what a reader sees."""
    record_id = "C0001" if existing else "LAYOUT"
    name = f"Acme{character}Gravel"
    settings = company(tmp_path, CUSTOMER, clean(CUSTOMER, record_id, name=name))
    plan = run_cli("plan", "--settings", settings, "--entity", "customers")
    line = plan_line(plan.output, record_id)
    reason = f"Name contains the {kind} U+{ord(character):04X} at position 5; remove it in Sage 50"
    assert line.lstrip().startswith("INVALID") and reason in line, line
    assert character not in plan.output
    before = dump(tmp_path / TURBO_FILE, audit=True)
    chosen = run_cli("sync", "--settings", settings, "--yes", "--entity", "customers", record_id)
    assert "Import completed: 0 created, 0 updated, 1 skipped" in chosen.output
    assert character not in chosen.output
    assert dump(tmp_path / TURBO_FILE, audit=True) == before


def test_an_smsturbo_name_with_a_bidi_control_is_printed_inert(tmp_path):
    settings = company(tmp_path, CUSTOMER)
    set_turbo_name(tmp_path, "C0001", "Evil\u202eCo")
    plan = run_cli("plan", "--settings", settings, "--entity", "customers")
    assert "Evil\\u202eCo" in plan.output and "\u202e" not in plan.output


@pytest.mark.parametrize("value", ["\u00b2", "\uff11", "\u0661", "12", "1.0", "Stock"])
def test_an_item_class_that_is_not_an_ascii_number_from_0_to_11_makes_the_item_invalid(
    tmp_path, value
):
    """² crashed int(); １ and ١ were silently read as 1."""
    settings = company(
        tmp_path,
        MATERIAL,
        clean_material("ODDCLASS", item_class=value),
        clean_material("LASTCLASS", item_class="11"),
    )
    plan = run_cli("plan", "--settings", settings, "--entity", "materials")
    assert plan.exit_code == 0, plan.output
    reason = (
        f"Item Class {value!r} is not one of Sage 50's item classes (0 to 11); choose the "
        "item's class again in Sage 50"
    )
    assert plan_line(plan.output, "ODDCLASS").lstrip().startswith("INVALID"), plan.output
    assert reason in " ".join(plan.output.split())
    assert plan_line(plan.output, "LASTCLASS").lstrip().startswith("NEW")


@pytest.mark.parametrize("flag", ["1.0", "2", "Inactive", "yes"])
def test_an_inactive_flag_sage_50_does_not_write_makes_the_row_invalid(tmp_path, flag):
    """1.0, 2 and 'Inactive' were read as active."""
    settings = company(tmp_path, CUSTOMER, clean(CUSTOMER, "ODDFLAG"))
    redeclare(
        tmp_path / SAGE_FILE,
        "Customers",
        ('"CustomerIsInactive" INTEGER', '"CustomerIsInactive" BLOB'),
    )
    with sqlite3.connect(tmp_path / SAGE_FILE) as connection:
        connection.execute(
            'UPDATE "Customers" SET "CustomerIsInactive" = ? WHERE "CustomerID" = ?',
            [float(flag) if flag == "1.0" else flag, "ODDFLAG"],
        )
    plan = run_cli("plan", "--settings", settings, "--entity", "customers")
    assert plan_line(plan.output, "ODDFLAG").lstrip().startswith("INVALID"), plan.output
    shown = repr(float(flag)) if flag == "1.0" else repr(flag)
    assert (
        f"CustomerIsInactive {shown} is not a yes/no value as Sage 50 writes one (1 or 0, "
        "TRUE or FALSE); SMSync does not guess"
    ) in " ".join(plan.output.split())


def test_a_chart_without_account_ids_makes_items_with_accounts_invalid(tmp_path):
    """New items used to take the template material's accounts without a word."""
    settings = company(tmp_path, MATERIAL, clean_material("NOCHART"))
    with sqlite3.connect(tmp_path / SAGE_FILE) as connection:
        connection.execute('ALTER TABLE "Chart" DROP COLUMN "AccountID"')
        connection.execute(
            'UPDATE "LineItem" SET "InvAcctRecordNumber" = 0 WHERE "ItemID" = ?', ["NOCHART"]
        )
    plan = run_cli("plan", "--settings", settings, "--entity", "materials")
    assert plan_line(plan.output, "NOCHART").lstrip().startswith("INVALID"), plan.output
    text = " ".join(plan.output.split())
    assert (
        "Sales GL # is Chart of Accounts record 100, but Sage 50's Chart has no AccountID "
        "column to say which account that is; check the company's Chart of Accounts in Sage 50"
    ) in text
    assert "Expense GL #" not in plan_line(plan.output, "NOCHART")  # 0: no account
    before = dump(tmp_path / TURBO_FILE, audit=True)
    chosen = run_cli("sync", "--settings", settings, "--yes", "--entity", "materials", "NOCHART")
    assert "Import completed: 0 created, 0 updated, 1 skipped" in chosen.output
    assert dump(tmp_path / TURBO_FILE, audit=True) == before


def test_a_gl_record_number_stored_as_text_finds_its_account(tmp_path):
    settings = company(tmp_path, MATERIAL, clean_material("TEXTGL"))
    redeclare(
        tmp_path / SAGE_FILE,
        "LineItem",
        ('"SaleAcctRecordNumber" INTEGER', '"SaleAcctRecordNumber" TEXT'),
    )
    with sqlite3.connect(tmp_path / SAGE_FILE) as connection:
        connection.execute(
            'UPDATE "LineItem" SET "SaleAcctRecordNumber" = \'100\' WHERE "ItemID" = ?',
            ["TEXTGL"],
        )
        (account,) = connection.execute(
            'SELECT "AccountID" FROM "Chart" WHERE "GLAcntNumber" = 100'
        ).fetchone()
    synced = run_cli("sync", "--settings", settings, "--yes", "--entity", "materials", "TEXTGL")
    assert "Import completed: 1 created" in synced.output, synced.output
    row = turbo_row(tmp_path, MATERIAL, "TEXTGL")
    assert row is not None and account.strip() in row


def test_smsturbo_text_that_is_not_utf8_is_refused_naming_table_record_and_column(tmp_path):
    """It used to end in a traceback from SQLite ('Could not decode to UTF-8')."""
    settings = company(tmp_path, CUSTOMER)
    with sqlite3.connect(tmp_path / TURBO_FILE) as connection:
        connection.execute(
            'INSERT INTO "Customers" ("CustomerID", "CustomerName") '
            "VALUES ('TBAD', CAST(X'41636D65FF' AS TEXT))"
        )
    before = (tmp_path / TURBO_FILE).read_bytes()  # dump() cannot read the bad text
    for command in (("plan",), ("sync", "--yes")):
        result = run_cli(*command, "--settings", settings, "--entity", "customers")
        assert result.exit_code != 0
        assert "Traceback" not in result.output
        assert (
            "Customers record TBAD, column CustomerName: the text holds bytes that are not "
            "UTF-8 (0xFF); SMSync never replaces what it cannot read, so nothing was read"
        ) in " ".join(result.output.split()), result.output
        assert "Retype the value in SMSTurbo" in result.output
    assert (tmp_path / TURBO_FILE).read_bytes() == before


def test_a_char1_yes_no_column_takes_the_1_or_0_written(tmp_path):
    """Every material was INVALID with 'Inactive has 2 characters' (the sheet's word)."""
    settings = company(tmp_path, MATERIAL)
    redeclare(tmp_path / TURBO_FILE, "Material", ('"Inactive" SMALLINT', '"Inactive" CHAR(1)'))
    plan = run_cli("plan", "--settings", settings, "--entity", "materials")
    assert plan_line(plan.output, "GOOD1").lstrip().startswith("NEW"), plan.output
    assert "Inactive has" not in plan.output
    synced = run_cli("sync", "--settings", settings, "--yes", "--entity", "materials", "GOOD1")
    assert "Import completed: 1 created" in synced.output, synced.output
    with sqlite3.connect(tmp_path / TURBO_FILE) as connection:
        (written,) = connection.execute(
            'SELECT "Inactive" FROM "Material" WHERE "MaterialID" = ?', ["GOOD1"]
        ).fetchone()
    assert written == "0"
