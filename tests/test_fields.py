from decimal import Decimal

import pytest

from smsync_xl.core.fields import (
    CUSTOMER,
    ENTITIES,
    GROUPS,
    MONEY,
    TEXT,
    TURBO_FIELDS,
    WHOLE_NUMBER,
    Binary,
    Limit,
    declared_limit,
    is_number,
    money,
    parse_number,
    text,
    whole_number,
)


def test_text_trims_padding_only():
    assert text("ACME CO   ") == "ACME CO"
    assert text(None) is None
    assert text(30.0) == "30"


@pytest.mark.parametrize(
    "raw", ["  ACME", "ACME\t", "ACME\n", "ACME\r\n", "ACME\xa0", "ACME\u3000", "ACME\x0b "]
)
def test_text_keeps_everything_but_the_padding_spaces(raw):
    assert text(raw) == raw.rstrip(" ")
    assert TEXT.from_sage(raw) == TEXT.from_turbo(raw) == raw.rstrip(" ")


def test_money_makes_equal_amounts_equal():
    assert money(1500) == money("1500.00") == money(Decimal("1500")) == money("1,500") == "1500.00"
    assert money(0) == money("-0.00") == money(-0.0) == "0.00"
    assert money("") is None and money(None) is None and money("   ") is None
    assert money(" 12.5 ") == money("$12.50") == money(12.5) == money(Decimal("12.500")) == "12.50"
    assert money("1,250,000.5") == "1250000.50"


@pytest.mark.parametrize(
    ("raw", "exact"),
    [
        ("12.505", "12.505"),
        (12.505, "12.505"),
        (Decimal("0.125"), "0.125"),
        (0.1 + 0.2, "0.30000000000000004"),
        ("1e400", "1E+400"),
        ("123456789012345678901234567890.5", "123456789012345678901234567890.50"),
    ],
)
def test_money_never_rounds(raw, exact):
    assert money(raw) == exact


@pytest.mark.parametrize(
    "raw",
    [
        "12,50",
        "1,25",
        "12,500.5,0",
        "NaN",
        "nan",
        "Infinity",
        "-inf",
        "sNaN",
        "1_000",
        "١٢",
        "12.50\t",
        "\xa012.50",
        "e5",
        ".",
        "$",
        "12.5.0",
        "(12.50)",
        float("nan"),
        float("inf"),
        Decimal("NaN"),
        Decimal("-Infinity"),
        "1e1612345678901234567890",  # an exponent no Decimal holds
    ],
)
def test_what_is_not_plainly_a_number_is_kept_as_it_is(raw):
    """Never reinterpreted: compare() makes the row INVALID (not a number)."""
    assert parse_number(raw) is None
    assert money(raw) == whole_number(raw) == str(raw).strip(" ")
    assert not is_number(money(raw))


def test_whole_number():
    assert whole_number(30) == whole_number("30.0") == whole_number(30.0) == "30"
    assert whole_number("7.5") == "7.5"  # kept: compare() says it is not whole


CENTS = Decimal(2**63 - 1) / 100


@pytest.mark.parametrize(
    ("declared", "limit"),
    [
        ("VARCHAR(20)", Limit(length=20, text=True)),
        ("character varying(30)", Limit(length=30, text=True)),
        ("CHAR(15)", Limit(length=15, text=True)),
        ("NVARCHAR(10)", Limit(length=10, text=True)),
        ("NUMERIC(12, 2)", Limit(digits=12, places=2, text=False)),
        ("decimal(10,3)", Limit(digits=10, places=3, text=False)),
        ("NUMERIC(5)", Limit(digits=5, places=0, text=False)),
        ("SMALLINT", Limit(places=0, low=-32768, high=32767, text=False)),
        ("INTEGER", Limit(places=0, low=-(2**31), high=2**31 - 1, text=False)),
        ("bigint", Limit(places=0, low=-(2**63), high=2**63 - 1, text=False)),
        ("TEXT", Limit(text=True)),
        ("NUMERIC", Limit(text=False)),
        ("REAL", Limit(binary=Binary.SINGLE, text=False)),
        ("double precision", Limit(binary=Binary.DOUBLE, text=False)),
        ("money", Limit(places=2, low=Decimal(-(2**63)) / 100, high=CENTS, text=False)),
        ("", Limit()),
    ],
)
def test_a_declared_column_type_gives_its_limit(declared, limit):
    assert declared_limit(declared) == limit


def test_the_reference_schema_limits_come_from_its_column_types():
    assert MONEY.limit(20) == Limit(digits=12, places=2, text=False)
    assert WHOLE_NUMBER.limit(20) == Limit(places=0, low=-(2**31), high=2**31 - 1, text=False)
    assert TEXT.limit(30) == Limit(length=30, text=True)


def test_registry_is_consistent():
    for entity in ENTITIES.values():
        names = [f.name for f in entity.fields]
        assert len(names) == len(set(names))
        assert set(names) <= set(TURBO_FIELDS)
        assert entity.field("id").odbc and entity.field("id").csv
    for field in TURBO_FIELDS.values():
        assert field.group is None or field.group in GROUPS
    assert CUSTOMER.field("credit_limit").odbc == "Terms_CreditLimit"


def test_each_kind_decides_cells_parameters_and_columns():
    assert MONEY.to_cell("1500.00") == 1500.0 and isinstance(MONEY.to_cell("1500.00"), float)
    assert MONEY.to_cell("abc") == "abc"  # an INVALID row shows what Sage 50 holds
    assert MONEY.to_db("") is None and MONEY.to_db("12.50") == Decimal("12.50")
    assert WHOLE_NUMBER.to_cell("30") == 30 and WHOLE_NUMBER.to_db("30") == 30
    assert WHOLE_NUMBER.to_cell("7.5") == "7.5"  # the format shows no decimals
    assert MONEY.to_cell("12.505") == "12.505"  # "#,##0.00" would show 12.51
    assert MONEY.to_cell("1E+400") == "1E+400" and MONEY.to_cell("nan") == "nan"
    assert MONEY.to_cell("1234567890123456.00") == "1234567890123456.00"  # > 15 digits
    assert TEXT.to_db("") == "" and TEXT.to_cell("") is None
    assert TEXT.to_cell("A\uffffB\x00C\ud800\tD") == "A\\uffffB\\x00C\\ud800\tD"
    assert TEXT.from_sage(None) == "" and MONEY.from_sage(None) is None
    assert MONEY.sql_type(20) == "NUMERIC(12, 2)" and TEXT.sql_type(8, padded=True) == "CHAR(8)"


def test_sheet_formats_follow_the_kinds():
    from smsync_xl.book.layout import SAGE_COLUMNS

    formats = {c.field: c.number_format for c in SAGE_COLUMNS if c.field}
    assert formats.pop("credit_limit") == "#,##0.00" and formats.pop("terms") == "0"
    assert formats.pop("price") == "#,##0.00"
    assert set(formats.values()) == {"@"}  # every text field is a Text column


def test_a_text_longer_than_an_excel_cell_is_shown_cut_saying_so():
    """An INVALID row's over-long value: a cell holds 32,767 characters."""
    shown = TEXT.to_cell("x" * 40000)
    assert isinstance(shown, str) and len(shown) == 32767
    assert shown.endswith("… (cut: 40000 characters in all)")
    assert TEXT.to_cell("x" * 32767) == "x" * 32767
