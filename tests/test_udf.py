from smsync_xl import udf
from smsync_xl.app import record_lookup
from smsync_xl.app.record_lookup import lookup
from smsync_xl.book.layout import SETUP, setup_layout

from .workbook_helpers import demo_workbook, open_book
from .xlwings_standin import Book


class Caller:
    """What xlwings passes as `caller`: the calling Range, whose sheet knows its book."""

    def __init__(self, book):
        self.sheet = type("Sheet", (), {"book": book})()


def test_id_problem_uses_the_engine_rule():
    assert udf.SMSYNC_ID_PROBLEM("ACME") == ""
    assert udf.SMSYNC_ID_PROBLEM("acme co") == (
        "ID contains a space; ID has lowercase letters; SMSTurbo IDs are uppercase"
    )
    assert udf.SMSYNC_ID_PROBLEM(123.0) == ""


def test_lookups_in_both_systems(tmp_path):
    port = open_book(demo_workbook(tmp_path))
    assert lookup(port, "smsturbo", "DIFFNAME", "Name", "Customers") == "Different Name Inc"
    assert lookup(port, "sage50", "DIFFNAME", "name", "customers") == "Different Name Inc."
    assert lookup(port, "sage50", "DIFFLIMIT", "Credit Limit", "Customers") == 5000.0
    assert lookup(port, "smsturbo", "VDIFFADDR", "City", "Vendors") == "Peoria"
    assert lookup(port, "smsturbo", "NOSUCH", "City", "Vendors") is None


def test_excel_functions_read_the_calling_workbook(tmp_path):
    book = Book(demo_workbook(tmp_path))
    assert udf.SMSYNC_SMSTURBO("DIFFPHONE", "Phone 1", caller=Caller(book)) == "217-555-0999"
    assert udf.SMSYNC_SAGE50("DIFFPHONE", "phone1", caller=Caller(book)) == "217-555-0100"
    assert udf.SMSYNC_SAGE50("X", "colour", caller=Caller(book)).startswith(
        "SMSync: 'colour' is not a field"
    )


def test_setup_errors_show_in_the_cell(tmp_path):
    path = demo_workbook(tmp_path)
    port = open_book(path)
    port.write_cell(SETUP, setup_layout().setting("smsturbo.path").cell, "nowhere.sqlite")
    port.finish()
    record_lookup._cache.clear()
    value = udf.SMSYNC_SMSTURBO("C0001", "Name", caller=Caller(Book(path)))
    assert value.startswith("SMSync: SMSTurbo database") and "not found" in value
