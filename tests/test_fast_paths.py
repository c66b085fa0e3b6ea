"""Refresh's column-at-a-time fast paths give exactly the cell (and the value) the
one-value-at-a-time conversion gives, for nasty values as for plain ones: a fast path
that gave another cell than the slow one would show the bookkeeper another value."""

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from smsync_xl.book import sheets
from smsync_xl.book.layout import SAGE_COLUMNS, TURBO_COLUMNS
from smsync_xl.core.fields import (
    FLAG,
    ITEM_CLASS,
    MONEY,
    TEXT,
    TURBO_FIELDS,
    WHOLE_NUMBER,
    each_once,
)

KINDS = (TEXT, MONEY, WHOLE_NUMBER, FLAG, ITEM_CLASS)

NASTY = [
    None,
    "",
    " ",
    "  padded  ",
    "trailing ",
    " leading",
    "=1+1",
    "=SUM(A1:A3)",
    "+1",
    "-1",
    "@A1",
    "'quoted",
    "00123",
    "02134",
    "0",
    "-0",
    "-0.00",
    "0.00",
    "1500",
    "1500.00",
    "1,500.00",
    "$12.50",
    "12,50",
    "1E2",
    "1e400",
    "12.505",
    "0.1",
    "0.30000000000000004",
    "99999999999999.99",
    "123456789012345678",
    "1.0000000000000001",
    "3.14159265358979323846264338327950288",
    "NaN",
    "inf",
    "-Infinity",
    "True",
    "Yes",
    "3",
    "11",
    "12",
    "a\x00b",
    "bell\x07",
    "\ud800lone",
    "\udcff",
    "\uffff",
    "\ufffe",
    "tab\there",
    "line\nbreak",
    "cr\r",
    "😀 emoji",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "a" * 32767,
    "b" * 40000,
    "_x0041_",
    "a&b<c>",
    "\u202eRTL",
    "\xa0nbsp\xa0",
]


def cells_of(kind, values):
    """The cells ``to_cells`` makes, each with its type (1 == 1.0 == True otherwise)."""
    return [(type(cell), cell) for cell in kind.to_cells(values)]


def one_at_a_time(kind, values):
    return [(type(cell), cell) for cell in map(kind.to_cell, values)]


def test_to_cells_is_to_cell_for_nasty_values():
    for kind in KINDS:
        for values in (NASTY, NASTY * 3, [v for v in NASTY if v is None or len(v) < 100]):
            assert cells_of(kind, values) == one_at_a_time(kind, values), kind.name


def test_to_cells_is_to_cell_for_plain_columns():
    plain = ["ACME Hauling", "", None, "217-555-0100", "5000.00", "30", "5000.00", "30"] * 50
    long = ["x" * 40000, "ok", "y" * 32767, None]
    for kind in KINDS:
        assert cells_of(kind, plain) == one_at_a_time(kind, plain), kind.name
        assert cells_of(kind, long) == one_at_a_time(kind, long), kind.name
        assert kind.to_cells([]) == []


value_text = st.one_of(
    st.none(),
    st.sampled_from(NASTY[:-3]),
    st.text(max_size=30),
    st.text(alphabet="0123456789.,-+$eE ", max_size=25),
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers().map(str),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(value_text, max_size=40))
def test_to_cells_is_to_cell_for_random_columns(values):
    for kind in KINDS:
        assert cells_of(kind, values) == one_at_a_time(kind, values), kind.name


record_values = st.dictionaries(
    st.sampled_from(sorted(TURBO_FIELDS)), value_text, max_size=len(TURBO_FIELDS)
)


@settings(max_examples=200, deadline=None)
@given(st.lists(record_values, max_size=12), st.booleans())
def test_field_cells_are_field_cell_of_each_record(records, same_keys):
    """Records with every field, or missing some (a record without a field shows an
    empty cell), taken a column at a time as one record at a time."""
    if same_keys:
        records = [{f: record.get(f) for f in TURBO_FIELDS} for record in records]
    for columns in (SAGE_COLUMNS, TURBO_COLUMNS):
        expected = {
            c.title: [sheets.field_cell(c.field, record.get(c.field)) for record in records]
            for c in columns
            if c.field
        }
        found = sheets._field_cells(columns, records)
        assert {t: [(type(v), v) for v in cells] for t, cells in found.items()} == {
            t: [(type(v), v) for v in cells] for t, cells in expected.items()
        }


RAW = [
    *NASTY,
    0,
    1,
    -1,
    True,
    False,
    1.0,
    0.0,
    -0.0,
    12.505,
    0.1 + 0.2,
    1e16,
    2.0**400,
    2**400,
    float("nan"),
    float("inf"),
    Decimal("1.0"),
    Decimal("1.00"),
    Decimal("1E+200"),
    Decimal("1.0E+200"),
    Decimal("-0.00"),
    "real:12.5",
    "stored:00123",
    "1E+200",
]


def typed(values):
    return [(type(v), v if v == v else "nan") for v in values]


def test_column_decoders_are_the_one_value_decoders_for_nasty_raw_values():
    """Sage 50 and SMSTurbo values as drivers give them, types mixed or not: equal
    values of other types (True and 1, 0.0 and -0.0, Decimal 1.0 and 1.00) never share
    a conversion."""
    columns = [RAW, RAW * 2, [v for v in RAW if isinstance(v, str)]]
    columns += [[v for v in RAW if type(v) is t] + [None] for t in (int, float, Decimal, bool)]
    columns += [
        [2**400, 2.0**400],
        [0.0, -0.0, 1.0],
        [True, 1],
        [Decimal("1E+200"), Decimal("1.0E+200")],
    ]
    for kind in KINDS:
        for raws in columns:
            assert typed(kind.from_sage_column(raws)) == typed(map(kind.from_sage, raws))
            assert typed(kind.from_turbo_column(raws)) == typed(map(kind.from_turbo, raws))
            assert typed(each_once(kind.normalise, raws)) == typed(map(kind.normalise, raws))


raw_value = st.one_of(
    value_text,
    st.integers(),
    st.floats(),
    st.booleans(),
    st.decimals(),
    st.sampled_from(RAW),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(raw_value, max_size=30), st.sampled_from(KINDS))
def test_column_decoders_are_the_one_value_decoders_for_random_columns(raws, kind):
    assert typed(kind.from_sage_column(raws)) == typed(map(kind.from_sage, raws))
    assert typed(kind.from_turbo_column(raws)) == typed(map(kind.from_turbo, raws))
