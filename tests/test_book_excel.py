"""The xlwings adapter against a recording stand-in of the xlwings calls it makes."""

from __future__ import annotations

import shutil

import pytest

from smsync_xl import macros
from smsync_xl.book.excel import ExcelBook, as_text, visible_sheet_rows
from smsync_xl.book.layout import HEADER_ROW, SAGE_ONLY
from smsync_xl.core.resources import workbook_path
from smsync_xl.demo.company import create_sage_company, create_smsturbo
from smsync_xl.demo.data import DemoRecord

from .xlwings_standin import Book, Range


def customers(count: int) -> list[DemoRecord]:
    return [
        DemoRecord(
            {
                "id": f"C{n:06d}",
                "name": f"=Customer {n}",
                "zip": "02134",
                "phone1": "+1 555 0100",
                "credit_limit": "100.00",
            }
        )
        for n in range(count)
    ]


def standin(folder, count: int) -> Book:
    create_sage_company(folder / "sage50_demo.sqlite", customers(count), [])
    create_smsturbo(folder / "smsturbo_demo.sqlite", [], [])
    shutil.copyfile(workbook_path(), folder / "SMSync.xlsm")
    return Book(folder / "SMSync.xlsm")


def calls_per_macro(book: Book) -> dict[str, int]:
    port = ExcelBook(book)
    counts = {}
    for action in (macros.refresh, macros.check_all, macros.synchronize, macros.refresh):
        start = len(book.calls)
        assert action(port), book.app.messages
        counts[action.__name__ + str(len(counts))] = len(book.calls) - start
    return counts


def test_excel_calls_do_not_grow_with_rows(tmp_path):
    small, large = tmp_path / "small", tmp_path / "large"
    small.mkdir()
    large.mkdir()
    small_book, large_book = standin(small, 10), standin(large, 10_000)
    small_calls, large_calls = calls_per_macro(small_book), calls_per_macro(large_book)
    assert small_calls == large_calls
    assert max(small_calls.values()) < 60
    assert any(m.startswith("Import completed: 10000 created") for m in large_book.app.messages)


def test_strings_go_to_excel_as_text(tmp_path):
    book = standin(tmp_path, 3)
    assert macros.refresh(ExcelBook(book))
    sheet = book.sheets[SAGE_ONLY]
    first = HEADER_ROW + 1
    row = {sheet.grid.get((first, c)): (first, c) for c in range(1, 26)}
    for value in ("C000000", "=Customer 0", "02134", "+1 555 0100", "NEW"):
        assert row[value] in sheet.text_cells, value
    assert row[100.0] not in sheet.text_cells


def test_questions_and_messages_use_excel_dialogs(tmp_path):
    book = standin(tmp_path, 2)
    book.app.answer = "no"
    assert macros.refresh(ExcelBook(book))
    assert book.app.messages == [m for m in book.app.messages if m.startswith("Is this")]
    assert book.sheets[SAGE_ONLY].grid.get((HEADER_ROW + 1, 3)) is None


@pytest.mark.parametrize(
    ("address", "rows"),
    [
        ("$A$6:$Y$9", {6, 7, 8, 9}),
        ("$A$6:$Y$7,$A$10:$Y$10", {6, 7, 10}),
        ("$A$12", {12}),
    ],
)
def test_visible_rows_from_an_excel_address(address, rows):
    assert visible_sheet_rows(address) == rows


def test_as_text():
    assert as_text("00123") == "'00123"
    assert as_text("") == "" and as_text(None) is None and as_text(1.5) == 1.5


class VisibleCells:
    """What Excel's COM Range.api answers for SpecialCells(xlCellTypeVisible)."""

    def __init__(self, address: str | None):
        self.address = address

    def SpecialCells(self, kind):
        assert kind == 12
        if self.address is None:
            raise RuntimeError("No cells were found.")
        return type("Visible", (), {"Address": self.address})()


@pytest.mark.parametrize(
    ("address", "hidden"),
    [
        ("$A$6:$Y$7,$A$9:$Y$10", {2}),
        (None, {0, 1, 2, 3, 4}),
    ],
)
def test_hidden_rows_from_excel(tmp_path, monkeypatch, address, hidden):
    book = standin(tmp_path, 5)
    port = ExcelBook(book)
    assert macros.refresh(port)
    monkeypatch.setattr(Range, "api", property(lambda self: VisibleCells(address)))
    monkeypatch.setattr(
        Range,
        "rows",
        property(lambda self: type("Rows", (), {"count": self.last[0] - self.first[0] + 1})()),
        raising=False,
    )
    assert port.hidden_rows(SAGE_ONLY) == hidden


def test_hidden_rows_without_com_is_none(tmp_path):
    book = standin(tmp_path, 3)
    port = ExcelBook(book)
    assert macros.refresh(port)
    assert port.hidden_rows(SAGE_ONLY) == set()
