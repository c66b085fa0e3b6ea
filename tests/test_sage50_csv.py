"""The Sage 50 Customer List / Vendor List CSV exports as a source."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from smsync_xl.app.open_sides import open_source, open_store
from smsync_xl.cli import main
from smsync_xl.core.compare import ComparisonFacts, compare
from smsync_xl.core.errors import SettingsError, SourceFormatError
from smsync_xl.core.fields import CUSTOMER, ENTITIES, MATERIAL, VENDOR, TurboRecord
from smsync_xl.core.settings import EntitySettings, StatusRule
from smsync_xl.core.vocabulary import Status
from smsync_xl.demo.company import create_demo, write_sage_exports
from smsync_xl.demo.data import CUSTOMERS, DEMO_LISTS, EXPECTED
from smsync_xl.files.settings_file import load_settings, settings_from_values
from smsync_xl.sources.sage50_csv import Sage50CsvSource
from smsync_xl.sync.apply import make_plan

HEADER = "Customer ID,Customer Name,Inactive,Bill to City,Telephone 1,Credit Limit"


def by_id(records):
    return {r.id: r.values for r in records}


def source(folder):
    return Sage50CsvSource(folder, lambda _: StatusRule())


def write(folder, text: str, encoding: str = "utf-8", name: str = "CUSTOMER.CSV"):
    (folder / name).write_bytes(text.encode(encoding))


@pytest.fixture
def exports(tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    write_sage_exports(folder, DEMO_LISTS)
    return folder


def test_exports_give_the_same_plan_as_the_company_file(tmp_path, exports):
    settings_path = create_demo(tmp_path)
    company_file = open_source(load_settings(settings_path))
    text = settings_path.read_text(encoding="utf-8")
    settings_path.write_text(
        text.replace(
            'kind = "sqlite"\npath = "sage50_demo.sqlite"', 'kind = "csv"\npath = "exports"'
        ),
        encoding="utf-8",
    )
    settings = load_settings(settings_path)
    csv_source, store = open_source(settings), open_store(settings)
    assert isinstance(csv_source, Sage50CsvSource)
    for key, entity in ENTITIES.items():
        plan = make_plan(entity, csv_source, store, settings)
        counts = {status.value: n for status, n in plan.counts().items()}
        assert counts | {"smsturbo_only": len(plan.turbo_only)} == EXPECTED[key]
    items = {r.id: r.values for r in csv_source.read(MATERIAL)}
    assert items == {r.id: r.values for r in company_file.read(MATERIAL)}
    assert items["HAUL-HR"]["item_class"] == "Service" and items["HAUL-HR"]["sales_gl"] == ""
    assert items["AGG-57"]["sales_gl"] == "4000-00" and items["AGG-57"]["price"] == "18.50"
    duplicates = [
        r for r in make_plan(CUSTOMER, csv_source, store, settings).rows if r.id == "DUP100"
    ]
    assert [r.status for r in duplicates] == [Status.INVALID, Status.INVALID]
    assert "ID appears 2 times in Sage 50" in duplicates[0].reasons[0]
    result = CliRunner().invoke(main, ["plan", "--settings", str(settings_path)])
    assert result.exit_code == 0 and "Sage 50 exports in" in result.output


def test_columns_found_by_name_in_any_order_padding_trimmed(tmp_path):
    write(
        tmp_path,
        "Credit Limit,Inactive,Customer Name,Customer ID,Telephone 1,Bill to City,"
        "Bill to Address-Line One,Bill to Address-Line Two,Bill to State,Bill to Zip,"
        "Bill to Country,Bill to Contact,Fax Number,Customer E-mail,Customer Type\r\n"
        '"1,500.00",FALSE,Acme   ,ACME  ,555-0100,Peoria,,,,02134,,,,,\r\n',
    )
    record = by_id(source(tmp_path).read(CUSTOMER))["ACME"]
    assert (record["name"], record["city"], record["zip"]) == ("Acme", "Peoria", "02134")
    assert record["credit_limit"] == "1500.00" and record["credit_status"] is None
    assert record["phone2"] is None


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8-sig", "utf-16"])
def test_windows_1252_and_utf8_or_utf16_with_their_bom(tmp_path, exports, encoding):
    text = (exports / "CUSTOMER.CSV").read_bytes().decode("cp1252")
    text = text.replace("Springfield", "Zürich Café", 1)
    write(tmp_path, text, encoding)
    records = source(tmp_path).read(CUSTOMER)
    assert records[0].values["city"] == "Zürich Café"
    assert records[0].id == CUSTOMERS[0].values["id"]  # no BOM glued to the first ID


def test_true_false_flags(tmp_path, exports):
    rule = StatusRule(active="CHARGE")
    records = by_id(Sage50CsvSource(exports, lambda _: rule).read(CUSTOMER))
    assert records["RETAIL"]["credit_status"] == "INACTIVE"
    assert records["C0001"]["credit_status"] == "CHARGE"
    assert by_id(Sage50CsvSource(exports, lambda _: rule).read(VENDOR))["VOLD"][
        "credit_status"
    ] == ("INACTIVE")


def test_missing_headers_are_listed_in_one_error(tmp_path):
    write(tmp_path, "Telephone 1,Bill to City\nA,B\n")
    with pytest.raises(SourceFormatError) as error:
        source(tmp_path).read(CUSTOMER)
    assert "CUSTOMER.CSV" in error.value.where
    assert error.value.message == ("the export has no column Customer ID, Customer Name, Inactive")
    assert "tick Show" in str(error.value)


def test_hidden_optional_columns_leave_their_fields_alone(tmp_path):
    write(tmp_path, "Inactive,Customer Name,Customer ID,Telephone 1\nFALSE,Acme,ACME,555\n")
    read = source(tmp_path).read(CUSTOMER)
    record = read[0].values
    assert (record["id"], record["name"], record["phone1"]) == ("ACME", "Acme", "555")
    assert record["city"] is None and record["credit_limit"] is None
    turbo = TurboRecord("ACME", {"id": "ACME", "name": "Acme", "phone1": "555", "city": "Peoria"})
    plan = compare(CUSTOMER, read, [turbo], ComparisonFacts(EntitySettings()))
    assert plan.by_id["ACME"].status is Status.IN_SYNC


def test_utf16_exports_and_broken_lines(tmp_path):
    (tmp_path / "CUSTOMER.CSV").write_bytes(
        "Customer ID,Customer Name,Inactive\nCAFE,Café Müller,FALSE\n".encode("utf-16")
    )
    assert source(tmp_path).read(CUSTOMER)[0].values["name"] == "Café Müller"
    (tmp_path / "CUSTOMER.CSV").write_bytes(
        b'Customer ID,Customer Name,Inactive\nA,"' + b"x" * 200_000 + b'",FALSE\n'
    )
    with pytest.raises(SourceFormatError, match="line 2 cannot be read as CSV"):
        source(tmp_path).read(CUSTOMER)


def test_missing_export_file_says_what_to_export(tmp_path):
    (tmp_path / "customer.csv").write_text(HEADER, encoding="utf-8")
    with pytest.raises(SourceFormatError) as error:
        source(tmp_path).read(VENDOR)
    assert "Vendor List as VENDOR.CSV" in str(error.value)
    assert "CSV files here: customer.csv" in str(error.value)


def test_csv_settings_need_an_existing_folder(tmp_path):
    (tmp_path / "file.csv").touch()
    with pytest.raises(SettingsError, match="is not a folder") as error:
        settings_from_values(
            {"sage50.kind": "csv", "sage50.path": "file.csv", "smsturbo.path": "t.sqlite"},
            base=tmp_path,
            locate=lambda key: f"Setup!{key}",
        )
    assert error.value.where == "Setup!sage50.path"


def test_every_list_goes_ahead_without_the_inventory_export_and_says_so(tmp_path):
    """Exports of customers and vendors only: asking for every list synchronizes those
    two and says materials were skipped and why; asking for materials is refused."""
    settings_path = create_demo(tmp_path)
    exports = tmp_path / "exports"
    exports.mkdir()
    write_sage_exports(exports, DEMO_LISTS)
    (exports / "ITEM.CSV").unlink()
    text = settings_path.read_text(encoding="utf-8")
    settings_path.write_text(
        text.replace(
            'kind = "sqlite"\npath = "sage50_demo.sqlite"', 'kind = "csv"\npath = "exports"'
        ),
        encoding="utf-8",
    )
    runner = CliRunner()
    result = runner.invoke(main, ["sync", "--settings", str(settings_path), "--yes"])
    assert result.exit_code == 0, result.output
    assert f"Materials skipped: no Inventory Item List export (ITEM.CSV) in {exports}" in (
        result.output
    )
    assert "Import completed: 15 created, 11 updated" in result.output
    refused = runner.invoke(
        main, ["plan", "--settings", str(settings_path), "--entity", "materials"]
    )
    assert refused.exit_code == 1 and "no Inventory Item List export (ITEM.CSV)" in (refused.output)
    doctor = runner.invoke(main, ["doctor", "--settings", str(settings_path)])
    assert "  note     materials: no Inventory Item List export (ITEM.CSV)" in doctor.output
    assert "  ok       48 customers" in doctor.output


def test_nothing_but_padding_spaces_is_trimmed(tmp_path):
    write(
        tmp_path,
        "Customer ID,Customer Name,Inactive,Bill to City,Telephone 1\r\n"
        'TAB,"Acme\t",FALSE,"Peoria\xa0", 555   \r\n',
        "utf-8-sig",
    )
    record = by_id(source(tmp_path).read(CUSTOMER))["TAB"]
    assert (record["name"], record["city"], record["phone1"]) == ("Acme\t", "Peoria\xa0", " 555")


BAD_BYTES = [
    (
        "cp1252",
        b"Customer ID,Customer Name,Inactive\r\nA1,Caf\xe9,FALSE\r\nB2,Bad \x81 Name,FALSE\r\n",
        "line 3 (ID B2), column Customer Name: the byte 0x81 is not Windows-1252 text",
    ),
    (
        "utf-8 with one stray byte",
        "\ufeffCustomer ID,Customer Name,Inactive\r\nA1,Café,FALSE\r\n".encode()
        + b"B2,Stra\xff,FALSE\r\n",
        "line 3 (ID B2), column Customer Name: the byte 0xFF is not UTF-8 text",
    ),
    (
        "utf-8 with a byte-order mark",
        b"\xef\xbb\xbfCustomer ID,Customer Name,Inactive\r\nA1,FALSE,Caf\xe9\r\n",
        "line 2 (ID A1), column Inactive: the byte 0xE9 is not UTF-8 text",
    ),
    (
        "utf-16 lone surrogate",
        "Customer ID,Customer Name,Inactive\r\nA1,".encode("utf-16")
        + b"\x00\xd8"
        + ",FALSE\r\n".encode("utf-16-le"),
        "line 2 (ID A1), column Customer Name: the bytes 0x00 0xD8",
    ),
    (
        "utf-16 cut short",
        "Customer ID,Customer Name,Inactive\r\nA1,Acme,FALSE".encode("utf-16") + b"\x0a",
        "line 2 (ID A1), column Inactive: the byte 0x0A is not UTF-16 text",
    ),
    (
        "in the header",
        b"Customer ID,Customer \x8dName,Inactive\r\nA1,Acme,FALSE\r\n",
        "line 1, field 2: the byte 0x8D is not Windows-1252 text",
    ),
]


@pytest.mark.parametrize(
    ("data", "says"), [c[1:] for c in BAD_BYTES], ids=[c[0] for c in BAD_BYTES]
)
def test_a_byte_that_is_not_text_in_the_exports_encoding_is_refused(tmp_path, data, says):
    """Once replaced by U+FFFD (or a whole UTF-8 file read as Windows-1252); now refused,
    naming the file, the line, the column and the bytes."""
    (tmp_path / "CUSTOMER.CSV").write_bytes(data)
    with pytest.raises(SourceFormatError) as error:
        source(tmp_path).read(CUSTOMER)
    assert error.value.where == str(tmp_path / "CUSTOMER.CSV")
    assert says in error.value.message and "nothing was read" in error.value.message
    assert "export the list again" in error.value.advice


UNDECIDED = [
    (
        "windows-1252 that is valid utf-8",
        "Customer ID,Customer Name,Inactive\r\nA1,RÉ’S Sand,FALSE\r\n".encode("cp1252"),
        "line 2 is 'A1,RɒS Sand,FALSE' in UTF-8 but 'A1,RÉ’S Sand,FALSE' in Windows-1252",
    ),
    (
        "utf-8 without a byte-order mark",
        "Customer ID,Customer Name,Inactive\r\nA1,Café,FALSE\r\n".encode(),
        "line 2 is 'A1,Café,FALSE' in UTF-8 but 'A1,CafÃ©,FALSE' in Windows-1252",
    ),
    (
        "windows-1252 that looks like utf-8 in one place",
        "Customer ID,Customer Name,Inactive\r\nA1,Ã© and ÿ,FALSE\r\n".encode("cp1252"),
        "line 2 is 'A1,é and \\\\xff,FALSE' in UTF-8 but 'A1,Ã© and ÿ,FALSE' in Windows-1252",
    ),
]


@pytest.mark.parametrize(
    ("data", "says"), [c[1:] for c in UNDECIDED], ids=[c[0] for c in UNDECIDED]
)
def test_an_export_that_reads_as_utf8_and_as_windows_1252_is_refused_naming_both(
    tmp_path, data, says
):
    """Without a byte-order mark such a file was read as UTF-8 (C9 92 became ɒ) or, with
    one stray byte, refused as 'not UTF-8' although it was good Windows-1252."""
    (tmp_path / "CUSTOMER.CSV").write_bytes(data)
    with pytest.raises(SourceFormatError) as error:
        source(tmp_path).read(CUSTOMER)
    assert error.value.where == str(tmp_path / "CUSTOMER.CSV")
    assert says in error.value.message, error.value.message
    assert "SMSync does not guess, so nothing was read" in error.value.message
    assert "CSV UTF-8" in error.value.advice


def test_windows_1252_with_no_utf8_lookalike_is_read_as_windows_1252(tmp_path):
    write(tmp_path, "Customer ID,Customer Name,Inactive\r\nA1,Café Müller,FALSE\r\n", "cp1252")
    assert by_id(source(tmp_path).read(CUSTOMER))["A1"]["name"] == "Café Müller"


@pytest.mark.parametrize(
    ("line", "cells"),
    [("A1,Acme\r\n", 2), ("A1,Acme,FALSE,Peoria\r\n", 4)],
    ids=["too few", "too many"],
)
def test_a_line_with_too_few_or_too_many_cells_is_refused_naming_it(tmp_path, line, cells):
    """Once padded with blanks or cut: a value in the wrong column, or lost."""
    write(tmp_path, "Customer ID,Customer Name,Inactive\r\nB2,Fine,FALSE\r\n" + line)
    with pytest.raises(SourceFormatError) as error:
        source(tmp_path).read(CUSTOMER)
    assert error.value.where == str(tmp_path / "CUSTOMER.CSV")
    assert error.value.message == (
        f"line 3 has {cells} cells but the header has 3; SMSync does not guess which value "
        "belongs to which column, so nothing was read"
    )


@pytest.mark.parametrize("inactive", ["Inactive", "1.0", "2", "Y"])
def test_an_inactive_value_sage_50_does_not_write_makes_the_row_invalid(tmp_path, inactive):
    write(tmp_path, f"Customer ID,Customer Name,Inactive\r\nA1,Acme,{inactive}\r\n")
    (record,) = source(tmp_path).read(CUSTOMER)
    plan = compare(CUSTOMER, [record], [], ComparisonFacts(EntitySettings()))
    assert plan.by_id["A1"].status is Status.INVALID
    assert (
        plan.by_id["A1"]
        .reasons[0]
        .startswith(f"Inactive {inactive!r} is not a yes/no value as Sage 50 writes one")
    )


@pytest.mark.parametrize("value", ["1E2", "1.5e3", "2E-2"])
def test_a_number_with_an_exponent_is_not_taken(tmp_path, value):
    """Sage 50 never writes 1E2; it was taken as 100."""
    write(tmp_path, f"Customer ID,Customer Name,Inactive,Credit Limit\r\nA1,Acme,FALSE,{value}\r\n")
    (record,) = source(tmp_path).read(CUSTOMER)
    plan = compare(CUSTOMER, [record], [], ComparisonFacts(EntitySettings()))
    assert plan.by_id["A1"].reasons == (
        f"Credit Limit {value!r} is written with an exponent, which Sage 50 never writes; "
        "correct it in Sage 50",
    )
