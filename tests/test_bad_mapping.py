"""Bad SMSTurbo table mappings, through the command line: each is refused with exit
code 1, one message naming the mapping file and the key and saying what to do, no
traceback, and SMSTurbo exactly as it was. Part of the bad-input matrix."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

from smsync_xl.core.errors import MappingError
from smsync_xl.demo.company import SETTINGS_TEMPLATE, create_demo
from smsync_xl.files.package_files import template_path
from smsync_xl.smsturbo.mapping import load_mapping

from .test_bad_settings import edited, run_cli, sync_refused, unreadable

REFERENCE = template_path("smsturbo_mapping.toml").read_text(encoding="utf-8")
MAPPING = "my_mapping.toml"
CREDIT_STATUSES = '[credit_statuses]\ntable = "CreditStatuses"\ncolumn = "Status"\n'

Edit = Callable[[str], str]


def _swap(old: str, new: str) -> Edit:
    return lambda text: edited(text, old, new)


def _top(line: str) -> Edit:
    """A line above the first section (so TOML puts it at the top of the file)."""
    return lambda text: edited(text, "[customers]\n", f"{line}\n\n[customers]\n")


def _in(section: str, line: str) -> Edit:
    return lambda text: edited(text, f"[{section}]\n", f"[{section}]\n{line}\n")


CASES: dict[str, tuple[Edit, str, str]] = {
    # two fields to one column
    "phone2 into the name column": (
        _swap('phone2 = "Phone2"', 'phone2 = "CustomerName"'),
        "[customers.columns] phone2: phone2 and name are both mapped to column 'CustomerName'",
        "give each field its own column",
    ),
    "letter case ignored": (
        _swap('phone2 = "Phone2"', 'phone2 = "customername"'),
        "[customers.columns] phone2: phone2 and name are both mapped",
        "give each field its own column",
    ),
    "two vendor fields to one column": (
        _swap(
            'fax = "Fax"\nemail = "Email"\ntype = "VendorType"',
            'fax = "Phone1"\nemail = "Email"\ntype = "VendorType"',
        ),
        "[vendors.columns] fax: fax and phone1 are both mapped to column 'Phone1'",
        "delete the line of the field your SMSTurbo has no column for",
    ),
    "the ID column twice": (
        _swap('udf1 = "UDF1"', 'udf1 = "CUSTOMERID"'),
        "[customers.columns] udf1: udf1 and id are both mapped",
        "its own column",
    ),
    "one table for customers and vendors": (
        _swap('table = "Vendors"', 'table = "customers"'),
        "[vendors] table: [vendors] and [customers] both name table 'customers'",
        "Name SMSTurbo's vendors table",
    ),
    # sections that are not tables
    "credit_statuses as text": (
        lambda text: _top('credit_statuses = "CreditStatuses"')(edited(text, CREDIT_STATUSES, "")),
        "credit_statuses: [credit_statuses] must be a table, got the text 'CreditStatuses'",
        'then table = "CreditStatuses" and column = "Status"',
    ),
    "credit_statuses as a list": (
        lambda text: _top('credit_statuses = ["CASH", "HOLD"]')(edited(text, CREDIT_STATUSES, "")),
        "credit_statuses: [credit_statuses] must be a table, got a list",
        "Write it as a section",
    ),
    "customers as a number": (
        lambda text: "customers = 1\n\n" + text[text.index("[vendors]") :],
        "customers: [customers] must be a table, got the number 1",
        "Write it as a section",
    ),
    "columns as text": (
        lambda text: (
            '[customers]\ntable = "Customers"\ncolumns = "CustomerID"\n\n'
            + text[text.index("[vendors]") :]
        ),
        "[customers] columns: [customers.columns] must be a table, got the text 'CustomerID'",
        'one line per field, such as id = "CustomerID"',
    ),
    # unknown sections and keys, with the nearest known one
    "section costumers": (
        _swap("[customers.columns]", "[costumers.columns]"),
        "[costumers]: section 'costumers' is not one SMSync knows",
        "Did you mean customers?",
    ),
    "section credit_status": (
        _swap("[credit_statuses]", "[credit_status]"),
        "[credit_status]: section 'credit_status' is not one SMSync knows",
        "Did you mean credit_statuses?",
    ),
    "key tabel": (
        _swap('table = "Vendors"', 'tabel = "Vendors"'),
        "[vendors] tabel: key 'tabel' is not one SMSync knows",
        "Did you mean table?",
    ),
    "field phone3": (
        _swap('fax = "Fax"', 'phone3 = "Fax"'),
        "[customers.columns] phone3: field 'phone3' is not one SMSync knows",
        "Did you mean phone",
    ),
    "field Name in capitals": (
        _swap('name = "VendorName"', 'Name = "VendorName"'),
        "[vendors.columns] Name: field 'Name' is not one SMSync knows",
        "Did you mean name?",
    ),
    "credit_statuses key colum": (
        _swap('column = "Status"', 'colum = "Status"'),
        "[credit_statuses] colum: key 'colum' is not one SMSync knows",
        "Did you mean column?",
    ),
    "unknown top key": (
        _top('version = "2"'),
        "[version]: section 'version' is not one SMSync knows",
        "Known: customers, vendors, materials, credit_statuses, units",
    ),
    # names that are not plain identifiers, or not text
    "number for a table name": (
        _swap('table = "Customers"', "table = 5"),
        "[customers] table: expected a table or column name, got the number 5",
        "Use the name exactly as the SMSTurbo database spells it",
    ),
    "number for a column name": (
        _swap('zip = "Zip"', "zip = 12"),
        "[customers.columns] zip: expected a table or column name, got the number 12",
        "in double quotes",
    ),
    "list for a column name": (
        _swap('email = "Email"', 'email = ["Email", "Email2"]'),
        "[customers.columns] email: expected a table or column name, got a list",
        "in double quotes",
    ),
    "table for the status column": (
        _swap('column = "Status"', "column = { name = 'Status' }"),
        "[credit_statuses] column: expected a table or column name, got a table",
        "in double quotes",
    ),
    "SQL in a table name": (
        _swap('table = "Customers"', "table = 'Cust\"; DROP TABLE Vendors; --'"),
        "[customers] table",
        "Use the name exactly as the SMSTurbo database spells it",
    ),
    "space in a column name": (
        _swap('city = "City"', 'city = "Bill City"'),
        "[customers.columns] city",
        "Use the name exactly as the SMSTurbo database spells it",
    ),
    # what must be there
    "no id column": (
        _swap('id = "VendorID"\n', ""),
        "[vendors.columns]: [vendors.columns] must map id",
        'Add id = "…"',
    ),
    "no table": (
        _swap('table = "Customers"\n', ""),
        "[customers] table: section [customers] with a 'table' name is missing",
        "the name of SMSTurbo's customers table",
    ),
    "not TOML": (
        _swap('table = "Customers"', "table = Customers"),
        "the mapping file is not valid TOML",
        "text goes in double quotes",
    ),
}


@pytest.fixture
def demo_with_mapping(tmp_path: Path) -> tuple[Path, Path, Path]:
    """The demo, its settings pointing at a copy of the reference mapping."""
    settings = create_demo(tmp_path)
    settings.write_text(
        edited(SETTINGS_TEMPLATE, "[smsturbo]\n", f'[smsturbo]\nmapping = "{MAPPING}"\n'),
        encoding="utf-8",
    )
    mapping = tmp_path / MAPPING
    mapping.write_text(REFERENCE, encoding="utf-8")
    return tmp_path, settings, mapping


def test_the_copy_of_the_reference_mapping_works(demo_with_mapping):
    _, settings, _ = demo_with_mapping
    result = run_cli("sync", "--settings", settings, "--yes")
    assert result.exit_code == 0, result.output
    assert "Import completed: 19 created, 16 updated" in result.output


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_a_bad_mapping_is_refused_naming_the_file_the_key_and_the_fix(demo_with_mapping, case):
    folder, settings, mapping = demo_with_mapping
    edit, where, fix = CASES[case]
    mapping.write_text(edit(REFERENCE), encoding="utf-8")
    sync_refused(folder, settings, str(mapping), where, fix)


@pytest.mark.parametrize(
    ("prefix", "encoding"),
    [(b"\xef\xbb\xbf", "utf-8"), (b"", "cp1252")],
    ids=["UTF-8 with BOM", "windows-1252"],
)
def test_a_mapping_notepad_saved_is_read(demo_with_mapping, prefix, encoding):
    _, settings, mapping = demo_with_mapping
    mapping.write_bytes(prefix + REFERENCE.replace("#", "# Café:", 1).encode(encoding))
    result = run_cli("sync", "--settings", settings, "--yes")
    assert result.exit_code == 0, result.output


def test_a_mapping_that_became_a_folder_is_refused(demo_with_mapping):
    """Settings check the path first; one that changes later is still a message."""
    folder, settings, mapping = demo_with_mapping
    mapping.unlink()
    mapping.mkdir()
    sync_refused(folder, settings, "settings.toml: smsturbo.mapping", "is a folder")
    with pytest.raises(MappingError, match="the mapping file is a folder, not a file") as error:
        load_mapping(mapping)
    assert error.value.where == str(mapping)


def test_a_missing_mapping_is_refused(tmp_path):
    with pytest.raises(MappingError, match="the mapping file is not found") as error:
        load_mapping(tmp_path / "gone.toml")
    assert "smsturbo.mapping" in error.value.advice


def test_an_unreadable_mapping_is_refused(demo_with_mapping, monkeypatch):
    folder, settings, mapping = demo_with_mapping
    unreadable(monkeypatch, mapping)
    sync_refused(
        folder, settings, f"{mapping}: the mapping file cannot be read", "no other program locks it"
    )


def test_a_mapping_written_before_materials_still_serves_customers_and_vendors(
    demo_with_mapping,
):
    """An installation's own mapping without [materials]: customers and vendors go on as
    before; asking for materials names the missing section and what to add."""
    _, settings, mapping = demo_with_mapping
    start = REFERENCE.index("[materials]")
    mapping.write_text(
        REFERENCE[:start] + REFERENCE[REFERENCE.index("[credit_statuses]") :], encoding="utf-8"
    )
    result = run_cli("sync", "--settings", settings, "--yes")
    assert result.exit_code == 0, result.output
    assert "Import completed: 15 created, 11 updated" in result.output
    assert f"Materials skipped: the table mapping has no [materials] section ({mapping})" in (
        result.output
    )
    refused = run_cli("plan", "--settings", settings, "--entity", "materials")
    assert refused.exit_code == 1 and "Traceback" not in refused.output
    assert f"{mapping}: the mapping file has no [materials] section" in refused.output
    assert "Add [materials] and [materials.columns]" in refused.output
    doctor = run_cli("doctor", "--settings", settings)
    assert "  note     materials: not in the mapping file, so not synchronized" in doctor.output


def test_a_units_list_smsturbo_lacks_names_the_mapping_section(tmp_path):
    settings = create_demo(tmp_path)
    with closing(sqlite3.connect(tmp_path / "smsturbo_demo.sqlite")) as db, db:
        db.execute('ALTER TABLE "Units" RENAME TO "UnitsOfMeasure"')
    result = run_cli("plan", "--settings", settings, "--entity", "materials")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "SMSTurbo's list of units (Units.Unit) cannot be read" in result.output
    assert "in [units] of the table mapping file" in result.output
    assert run_cli("plan", "--settings", settings, "--entity", "vendors").exit_code == 0


def test_doctor_reads_on_the_sage_side_only_the_lists_a_run_reads(demo_with_mapping):
    """A list the mapping leaves out is not read from Sage 50 either: the doctor checks
    what a run reads (``app.lists_to_read``), not every list Sage 50 has."""
    _, settings, mapping = demo_with_mapping
    start = REFERENCE.index("[materials]")
    mapping.write_text(
        REFERENCE[:start] + REFERENCE[REFERENCE.index("[credit_statuses]") :], encoding="utf-8"
    )
    doctor = run_cli("doctor", "--settings", settings)
    sage_side = doctor.output[doctor.output.index("Sage 50 (") : doctor.output.index("SMSTurbo (")]
    assert " customers" in sage_side
    assert "materials" not in sage_side
    assert "  note     materials: not in the mapping file, so not synchronized" in doctor.output
