"""Sage 50 UK's positional record CSVs (no header row; a value's meaning is its
position, as Sage's knowledge base lists them), written as real files."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from smsync_xl.core.errors import SourceFormatError
from smsync_xl.core.fields import CUSTOMER, MATERIAL, VENDOR
from smsync_xl.core.uk_layout import UkLayout
from smsync_xl.sources.sage50_uk_csv import Sage50UkCsvSource, column_letter, position


def _party(ref: str, name: str, *address: str, limit: str = "1000.00") -> list[str]:
    """A Customer (Supplier) Record CSV line, A to AD."""
    line = [ref, name, *address, "Ian Cairns", "01742 876 234", "", "Trade", "North", ""]
    line += ["0", "GB238 3839 38", "0.00", "0.00", "0.00", limit, "30 days nett"]
    line += ["15", "2.50", "4000", "T1", "Malcolm", "01742 876 235", "ian@example.co.uk"]
    return [*line, "www.example.co.uk", "0.00", "30"]


def _write(folder: Path, name: str, rows: list[list[str]], encoding: str = "cp1252") -> Path:
    path = folder / name
    with path.open("w", encoding=encoding, newline="") as out:
        csv.writer(out).writerows(rows)
    return path


def test_positions_are_excel_columns():
    assert [column_letter(i) for i in (0, 19, 25, 26, 29)] == ["A", "T", "Z", "AA", "AD"]
    assert [position(c) for c in ("A", "T", "Z", "AA", "AD")] == [0, 19, 25, 26, 29]


def test_customers_by_position_with_a_shifted_postcode(tmp_path):
    _write(
        tmp_path,
        "customers.csv",
        [
            _party(
                "A1D001",
                "Café Crème £ Ltd",
                "67a Station Road",
                "",
                "Blackpool",
                "Lancs",
                "BP12 7HT",
            ),
            _party("SHIFT1", "Shifted Ltd", "1 High St", "", "Leeds", "LS1 4DY", "", limit="250.5"),
        ],
    )
    records = {r.id: r for r in Sage50UkCsvSource(tmp_path, UkLayout()).read(CUSTOMER)}
    first = records["A1D001"]
    assert first.values == {
        **dict.fromkeys(CUSTOMER.turbo_fields),
        "id": "A1D001",
        "name": "Café Crème £ Ltd",
        "address1": "67a Station Road",
        "address2": "",
        "city": "Blackpool",
        "state": "Lancs",
        "zip": "BP12 7HT",
        "contact": "Ian Cairns",
        "phone1": "01742 876 234",
        "phone2": "01742 876 235",
        "fax": "",
        "email": "ian@example.co.uk",
        "type": "Trade",
        "credit_limit": "1000.00",
        "terms": "30",
    }
    assert not first.inactive and first.notes == () and first.problems == ()
    shifted = records["SHIFT1"]
    assert (shifted.values["state"], shifted.values["zip"]) == ("", "LS1 4DY")
    assert shifted.values["credit_limit"] == "250.50"
    assert shifted.notes == (
        "postcode 'LS1 4DY' read from position F (ADDRESS_4): position G (ADDRESS_5), the "
        "postcode line, is blank",
    )


def test_suppliers_and_a_utf8_file(tmp_path):
    _write(
        tmp_path,
        "SUPPLIERS.CSV",
        [_party("CON001", "Bûrton Supplies", "66 New St", "", "Newcastle", "", "NE1 4GF")],
        encoding="utf-8-sig",
    )
    (supplier,) = Sage50UkCsvSource(tmp_path, UkLayout()).read(VENDOR)
    assert (supplier.id, supplier.values["name"], supplier.values["zip"]) == (
        "CON001",
        "Bûrton Supplies",
        "NE1 4GF",
    )


def test_products_keep_long_codes_and_take_the_category_number_only_when_chosen(tmp_path):
    line = ["PIPE/150MM/CLASS-B-LONG", "Pipe 150mm", "T1", "12.00", "9.10", "Tonne", "Yard"]
    _write(tmp_path, "Products.csv", [[*line, "4000", "6", "5012345678900"]])
    (product,) = Sage50UkCsvSource(tmp_path, UkLayout()).read(MATERIAL)
    assert product.id == "PIPE/150MM/CLASS-B-LONG"
    assert {k: product.values[k] for k in ("description", "unit", "price", "sales_gl")} == {
        "description": "Pipe 150mm",
        "unit": "Tonne",
        "price": "12.00",
        "sales_gl": "4000",
    }
    assert product.values["category"] is None and product.values["inactive"] is None
    by_number = Sage50UkCsvSource(tmp_path, UkLayout(stock_category="STOCK_CAT"))
    assert by_number.read(MATERIAL)[0].values["category"] == "6"


def test_a_short_line_is_refused_naming_file_line_and_positions(tmp_path):
    path = _write(
        tmp_path,
        "CUSTOMERS.CSV",
        [_party("A1", "Fine", "a", "b", "c", "d", "e"), ["B2", "Short", "1 Road"]],
    )
    with pytest.raises(SourceFormatError) as raised:
        Sage50UkCsvSource(tmp_path, UkLayout()).read(CUSTOMER)
    assert raised.value.where == str(path)
    assert str(raised.value).startswith(
        f"{path}: line 2 has 3 values (positions A to C) but the Customer Record CSV has at "
        "least 20 (A to T)"
    )


def test_a_header_row_is_refused(tmp_path):
    _write(tmp_path, "CUSTOMERS.CSV", [["A/C", "Name", *["x"] * 18]])
    with pytest.raises(SourceFormatError, match="line 1, position A holds 'A/C': the file"):
        Sage50UkCsvSource(tmp_path, UkLayout()).read(CUSTOMER)


def test_a_missing_file_and_a_type_the_layout_lacks_are_named(tmp_path):
    source = Sage50UkCsvSource(tmp_path, UkLayout())
    assert source.missing_list(MATERIAL) == f"no Product Record CSV (PRODUCTS.CSV) in {tmp_path}"
    _write(tmp_path, "CUSTOMERS.CSV", [_party("A1", "Fine", "a", "b", "c", "d", "e")])
    with pytest.raises(SourceFormatError, match="the Customer Record CSV has no DEPT_NAME"):
        Sage50UkCsvSource(tmp_path, UkLayout(customer_type="DEPT_NAME")).read(CUSTOMER)
