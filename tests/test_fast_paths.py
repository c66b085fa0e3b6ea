"""Refresh's column-at-a-time fast paths give exactly the cell (and the value) the
one-value-at-a-time conversion gives, for nasty values as for plain ones: a fast path
that gave another cell than the slow one would show the bookkeeper another value. The
audit's JSON images, made by one shared encoder, are the text ``json.dumps`` makes: Undo
reads them back."""

import datetime as dt
import json
import sqlite3
import uuid
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smsync_xl.app.open_sides import open_source, open_store
from smsync_xl.book import sheets
from smsync_xl.book.layout import SAGE_COLUMNS, TURBO_COLUMNS
from smsync_xl.book.sheet_xml import ColumnSpec, formula_text, table_row_cells, table_rows_cells
from smsync_xl.connections.db import Database, open_sqlite
from smsync_xl.core.errors import SourceFormatError, TargetError
from smsync_xl.core.fields import (
    CUSTOMER,
    ENTITIES,
    FLAG,
    ITEM_CLASS,
    MATERIAL,
    MONEY,
    TEXT,
    TURBO_FIELDS,
    WHOLE_NUMBER,
    each_once,
)
from smsync_xl.core.vocabulary import AuditAction, RunKind
from smsync_xl.demo.company import DEMO_FILES, create_demo
from smsync_xl.files.settings_file import load_settings
from smsync_xl.smsturbo import audit
from smsync_xl.smsturbo.audit import Audit, Change, image
from smsync_xl.smsturbo.store import SMSTurboStore

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


NASTY_SAGE = [
    ("CustomerID", "LEAD0 "),
    ("Customer_Bill_Name", "=1+1"),
    ("Contact", "  both ends  "),
    ("Phone_Number", "00123"),
    ("FAX_Number", "\U0001f600 non-BMP \U0001d518"),
    ("eMail_Address", "_x0041_&<b>"),
    ("Customer_Type", ""),
    ("Terms_CreditLimit", "12.3456789012345678"),
    ("Terms_DueDays", "1E2"),
]


def _company(folder):
    """The demo company, its first customers' values made nasty (one each), and an
    SMSTurbo customer whose ID is stored padded."""
    settings = create_demo(folder)
    with sqlite3.connect(folder / DEMO_FILES[0]) as connection:
        numbers = [
            n for (n,) in connection.execute('SELECT "CustomerRecordNumber" FROM "Customers"')
        ]
        for number, (column, value) in zip(numbers, NASTY_SAGE, strict=False):
            connection.execute(
                f'UPDATE "Customers" SET "{column}" = ? WHERE "CustomerRecordNumber" = ?',
                (value, number),
            )
        for sql in (
            'UPDATE "Customers" SET "Terms_CreditLimit" = NULL WHERE rowid = 2',
            'UPDATE "Customers" SET "Terms_CreditLimit" = \'$1E2\' WHERE rowid = 3',
            'UPDATE "Customers" SET "CustomerIsInactive" = 2 WHERE rowid IN (3, 4)',
            'UPDATE "LineItem" SET "SaleAcctRecordNumber" = 999 WHERE rowid = 2',
        ):
            connection.execute(sql)
        connection.execute('UPDATE "Address" SET "City" = \'Peoria   \'')
    with sqlite3.connect(folder / DEMO_FILES[1]) as connection:
        connection.execute(
            'INSERT INTO "Customers" ("CustomerID", "CustomerName") VALUES (\'PAD1   \', \'x \')'
        )
    return load_settings(settings)


def _read_all(settings):
    source, store = open_source(settings), open_store(settings)
    read = {}
    for entity in ENTITIES.values():
        read[entity.key] = (repr(source.read(entity)), repr(store.read(entity)))
    return read, dict(store._stored_ids)


@pytest.mark.parametrize("size", [1, 2, 3])
def test_reading_in_batches_of_any_size_reads_the_same_records(tmp_path, monkeypatch, size):
    """Each batch is decoded a column at a time: a record's values, problems, status and
    stored ID are its own whichever batch it falls in and wherever in it."""
    settings = _company(tmp_path)
    whole, whole_ids = _read_all(settings)
    assert "=1+1" in whole[CUSTOMER.key][0] and "PAD1" in whole_ids.get((CUSTOMER.key, "PAD1"), "")
    assert "written with an exponent" in whole[CUSTOMER.key][0]
    assert "is not a yes/no value" in whole[CUSTOMER.key][0]
    assert "Chart of Accounts record 999" in whole[MATERIAL.key][0]
    batches = Database.batches
    monkeypatch.setattr(
        Database,
        "batches",
        lambda self, sql, params=(), batch=0: batches(self, sql, params, batch=size),
    )
    assert _read_all(settings) == (whole, whole_ids)


def test_a_byte_that_is_not_utf8_in_a_later_batch_names_its_record(tmp_path, monkeypatch):
    settings = _company(tmp_path)
    with sqlite3.connect(tmp_path / DEMO_FILES[0]) as connection:
        connection.execute(
            'UPDATE "Customers" SET "Contact" = CAST(X\'41FF\' AS TEXT) WHERE rowid = 5'
        )
    with sqlite3.connect(tmp_path / DEMO_FILES[1]) as connection:
        connection.execute(
            'UPDATE "Customers" SET "CustomerName" = CAST(X\'42FF\' AS TEXT) '
            "WHERE \"CustomerID\" = 'PAD1   '"
        )
    batches = Database.batches
    monkeypatch.setattr(
        Database,
        "batches",
        lambda self, sql, params=(), batch=0: batches(self, sql, params, batch=2),
    )
    with pytest.raises(SourceFormatError, match=r"Customers record 5 \(ID \w+\), column Contact"):
        open_source(settings).read(CUSTOMER)
    with pytest.raises(TargetError, match="Customers record PAD1, column CustomerName"):
        open_store(settings).read(CUSTOMER)


SPECS = [
    ColumnSpec("A", ""),
    ColumnSpec("B", ' s="3"'),
    ColumnSpec("C", ' s="4"', formula_text("=[@ID]&1")),
    ColumnSpec("AA", ' s="7"'),
]

cell_value = st.one_of(
    value_text,
    st.integers(min_value=-(2**60), max_value=2**60),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, -0.0, 1.0, 1, 2.0**53, 2**53, 0.1, "  ", "\t", "a\r\nb", "x_x0041_"]),
)


def one_row_at_a_time(first, rows, specs):
    made = [table_row_cells(first + i, row, specs) for i, row in enumerate(rows)]
    return [cells for cells, _ in made], [[(type(v), v) for v in back] for _, back in made]


def columns_at_once(first, rows, specs):
    cells, backs = table_rows_cells(first, rows, specs)
    return cells, [[(type(v), v) for v in back] for back in backs]


def test_table_cells_made_a_column_at_a_time_are_those_made_row_by_row():
    values = [v for v in NASTY if v is None or len(v) < 100] + [5000, 30, 12.5, 1.0, -0.0]
    plain = [["ACME", "Peoria", None, "5000.00"], ["B", "", None, None]] * 20
    for rows in (
        [[v, v, v, v] for v in values],
        [[v, "plain", None, "x"] for v in values],
        [[v] * 4 for v in NASTY[-6:]],
        plain,
        [[1, 1.0, None, True]],
        [[float("nan"), 1, None, "x"]],
        [["short"], ["row", "x"]],
        [],
    ):
        assert columns_at_once(7, rows, SPECS) == one_row_at_a_time(7, rows, SPECS)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(cell_value, min_size=4, max_size=4), max_size=12), st.integers(2, 999))
def test_table_cells_made_a_column_at_a_time_are_those_made_row_by_row_for_random_rows(rows, first):
    assert columns_at_once(first, rows, SPECS) == one_row_at_a_time(first, rows, SPECS)


AUDITED = [
    *RAW,
    'quote " and \\ backslash \\" end',
    "\\u0041 not an escape",
    "\x1f\x1e\x7f\x85\u2028\u2029",
    "</script>",
    '=HYPERLINK("http://x")',
    -(2**63),
    2**64,
    Decimal("0.1000000000000000000000000001"),
    Decimal("-123456789012345678901234567890.123456789"),
    Decimal("NaN"),
    Decimal("-Infinity"),
    Decimal("1E-30"),
    float("-inf"),
    5e-324,
    dt.date(1, 1, 1),
    dt.date(9999, 12, 31),
    dt.datetime(2026, 12, 7, 23, 59, 59, 999999),
    dt.datetime(2026, 3, 29, 1, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5, minutes=-30))),
    dt.time(0, 0),
    dt.time(12, 30, 15, 1),
    b"",
    b'\x00\xff\\"',
    bytearray(b"raw"),
    memoryview(b"view"),
    uuid.UUID(int=0),
    uuid.UUID("12345678-1234-5678-1234-567812345678"),
]
"""Values a row read from SMSTurbo may hold, as its drivers give them."""

NASTY_COLUMNS = ["id", "ID", "Id", "", " ", "é", "Ω", 'a"b', "a\\b", "\x00", "😀", "z", "1", "_"]


def straightforward(values):
    return None if values is None else json.dumps(values, sort_keys=True)


def nasty_rows():
    """Every audited value in every nasty column, the columns in both orders."""
    rows = []
    for n, value in enumerate(AUDITED):
        columns = NASTY_COLUMNS if n % 2 else NASTY_COLUMNS[::-1]
        rows.append({c: AUDITED[(n + i) % len(AUDITED)] for i, c in enumerate(columns)})
        rows.append({"id": value})
    return [*rows, {}]


def test_audit_images_are_the_json_dumps_text_for_nasty_values():
    for row in nasty_rows():
        kept = image(row)
        assert audit._json(kept) == straightforward(kept), row
        assert audit._values(audit._json(kept)) == json.loads(straightforward(kept))
    assert audit._json(None) is None


audited_value = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.text(),
    st.binary(max_size=20),
    st.dates(),
    st.datetimes(timezones=st.one_of(st.none(), st.timezones())),
    st.times(),
    st.uuids(),
)


@given(st.dictionaries(st.text(max_size=8), audited_value, max_size=12))
def test_audit_images_are_the_json_dumps_text_for_random_rows(row):
    kept = image(row)
    assert audit._json(kept) == straightforward(kept)


def test_the_audit_stores_the_json_dumps_text_of_each_image(tmp_path):
    """What ``log_changes`` writes, read back from SMSTurbo's table as it is stored."""
    db = open_sqlite(tmp_path / "audit.sqlite")
    log = Audit(db)
    log.ensure_tables()
    run = log.start_run(RunKind.SYNC, "clerk", "2026-12-07T00:00:00+00:00", "Company")
    rows = nasty_rows()
    changes = [
        Change("customer", str(n), AuditAction.UPDATE, image(before), image(after), "T", "id")
        for n, (before, after) in enumerate(zip(rows, rows[1:] + rows[:1], strict=True))
    ]
    changes.append(Change("customer", "new", AuditAction.CREATE, None, image(rows[0]), "T", "id"))
    log.log_changes(run, changes)
    stored = db.query(f"SELECT Seq, BeforeJson, AfterJson FROM {audit.CHANGES} ORDER BY Seq")
    assert [(b, a) for _, b, a in stored] == [
        (straightforward(c.before), straightforward(c.after)) for c in changes
    ]


def one_record_at_a_time(raw):
    return {f: TURBO_FIELDS[f].kind.from_turbo(v) for f, v in raw.items()}


def typed_records(records):
    return {i: {f: (type(v), v) for f, v in record.items()} for i, record in records.items()}


def test_records_normalised_together_are_each_normalised_alone(tmp_path):
    """Synchronize compares the rows SMSTurbo holds now with what the plan saw, all
    decoded a field at a time: each as the one-value decoders give it, nasty values and
    mixed types in every field."""
    store = open_store(load_settings(create_demo(tmp_path)))
    fields = [*TURBO_FIELDS]
    raws = {
        f"R{n}": {f: RAW[(n + i) % len(RAW)] for i, f in enumerate(fields)} for n in range(len(RAW))
    }
    expected = {i: one_record_at_a_time(raw) for i, raw in raws.items()}
    assert typed_records(store.normalised(raws)) == typed_records(expected)
    assert store.normalised({}) == {}


ONE_FIELD_A_KIND = [
    next(f for f, spec in TURBO_FIELDS.items() if spec.kind is kind)
    for kind in KINDS
    if any(spec.kind is kind for spec in TURBO_FIELDS.values())
]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(raw_value, min_size=len(ONE_FIELD_A_KIND), max_size=5), max_size=12))
def test_records_normalised_together_are_each_normalised_alone_for_random_rows(rows):
    store = SMSTurboStore.__new__(SMSTurboStore)  # normalised needs no connection
    fields = ONE_FIELD_A_KIND
    rows = [row[: len(fields)] for row in rows]
    raws = {f"R{n}": dict(zip(fields, row, strict=True)) for n, row in enumerate(rows)}
    expected = {i: one_record_at_a_time(raw) for i, raw in raws.items()}
    assert typed_records(store.normalised(raws)) == typed_records(expected)
