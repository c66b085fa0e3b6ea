from decimal import Decimal

from smsync_xl.core.fields import (
    CUSTOMER,
    ENTITIES,
    GROUPS,
    TURBO_FIELDS,
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
        assert entity.sage_id.odbc and entity.sage_id.csv
    for field in TURBO_FIELDS.values():
        assert field.group is None or field.group in GROUPS
    assert CUSTOMER.field("credit_limit").odbc == "Terms_CreditLimit"
