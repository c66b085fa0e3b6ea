from decimal import Decimal

from smsync_xl.core.fields import (
    CUSTOMER,
    ENTITIES,
    GROUPS,
    MONEY,
    TEXT,
    TURBO_FIELDS,
    WHOLE_NUMBER,
    money,
    text,
    whole_number,
)


def test_text_trims_padding_only():
    assert text("  ACME CO   ") == "ACME CO"
    assert text(None) is None
    assert text(30.0) == "30"


def test_money_makes_equal_amounts_equal():
    assert money(1500) == money("1500.00") == money(Decimal("1500")) == money("1,500") == "1500.00"
    assert money(0) == "0.00"
    assert money("") is None and money(None) is None


def test_whole_number():
    assert whole_number(30) == whole_number("30.0") == "30"
    assert whole_number("7.5") == "7.50"


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
    assert WHOLE_NUMBER.to_cell("7.50") == 7.5
    assert TEXT.to_db("") == "" and TEXT.to_cell("") is None
    assert TEXT.from_sage(None) == "" and MONEY.from_sage(None) is None
    assert MONEY.sql_type(20) == "NUMERIC(12, 2)" and TEXT.sql_type(8, padded=True) == "CHAR(8)"


def test_sheet_formats_follow_the_kinds():
    from smsync_xl.book.layout import SAGE_COLUMNS

    formats = {c.field: c.number_format for c in SAGE_COLUMNS if c.field}
    assert formats.pop("credit_limit") == "#,##0.00" and formats.pop("terms") == "0"
    assert formats.pop("price") == "#,##0.00"
    assert set(formats.values()) == {"@"}  # every text field is a Text column
