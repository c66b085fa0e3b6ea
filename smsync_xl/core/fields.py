"""The field registry: one declaration per entity that every layer reads.

Each SMSTurbo record shape is a set of fields: customers and vendors share one
(``PARTY_FIELDS``), materials have their own (``MATERIAL_FIELDS``). A field has a label,
a kind (how it is normalised, stored in SQL and shown in Excel), its size in SMSTurbo,
its Replace Options group and, for a field whose values come from a list SMSTurbo
keeps (credit statuses, units), that list. Each entity then says, one line per field,
where Sage 50 keeps that value (ODBC column and its size, or the ``Address`` table) and
which header the Sage 50 list export gives it (docs/DOMAIN.md §3, §4, §6).

Adding an entity is one ``Entity`` here, one source table (its Sage 50 columns are in
the entity), one mapping section and one export file name.
"""

from __future__ import annotations

import dataclasses
import enum
import math
import operator
import re
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from itertools import repeat
from typing import TypeVar, cast

Value = str | None
Record = dict[str, Value]
"""A record's values keyed by SMSTurbo field name; None means 'no value supplied'."""


PADDING = " "
"""The one thing trimmed from a value: the spaces a fixed-width (CHAR) column pads it
with, on the right of a text and on either side of a number (right-aligned). Nothing
else is ever trimmed, cleaned or replaced: a leading space, a tab, a line break or a
non-breaking space is part of a text (and compare() makes a row holding a control
character INVALID); a number with one is not a number."""


def text(raw: object) -> Value:
    """A text value without its padding (``PADDING``), otherwise exact. The one text
    normaliser: sources, the store and the sheets' cells all read through it."""
    if raw.__class__ is str:  # the usual value, first
        return raw.rstrip(PADDING)
    if raw is None:
        return None
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    return str(raw).rstrip(PADDING)


_NUMBER = re.compile(
    r"[+-]?\$?(?:[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?|[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
    r"(?:[eE][+-]?[0-9]+)?"
)
"""A number as Sage 50 US writes one: a sign, a dollar sign, thousands separated by
commas in groups of three (1,250.00), a decimal point, an exponent. A comma anywhere
else (12,50) is not read as a decimal point: such a value is not a number."""
_FIXED_RANGE = 100
"""Numbers further than 10**±100 from 1 keep their exponent (1E+400): no column holds
them, and written out they would be hundreds of digits."""


def parse_number(raw: object) -> Decimal | None:
    """The exact number ``raw`` holds (never rounded), or None when it holds none: text
    that is not a plain number, NaN and infinities (of a float, a Decimal or text)."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        return Decimal(repr(raw)) if math.isfinite(raw) else None
    if isinstance(raw, Decimal):
        return raw if raw.is_finite() else None
    cleaned = str(raw).strip(PADDING)
    if not _NUMBER.fullmatch(cleaned):
        return None
    try:
        return Decimal(cleaned.replace("$", "").replace(",", ""))
    except InvalidOperation:  # an exponent beyond any Decimal's: no number to keep
        return None


def decimals(number: Decimal) -> int:
    """Digits after the decimal point that matter: 12.50 has 1, 12.505 has 3."""
    _, digits, exponent = number.as_tuple()
    assert isinstance(exponent, int)  # finite, as parse_number gives
    if exponent >= 0 or not number:
        return 0
    trailing = 0
    for digit in reversed(digits):
        if digit:
            break
        trailing += 1
    return max(0, -exponent - trailing)


def number_text(number: Decimal, places: int) -> str:
    """The exact number as text with at least ``places`` decimals (more only when it has
    them), so equal amounts read alike: 1500, 1500.0 and 1,500.00 are 1500.00."""
    if number == 0:
        number = Decimal(0)  # -0.00 is 0.00
    if abs(number.adjusted()) > _FIXED_RANGE:
        return str(number)
    return f"{number:.{max(places, decimals(number))}f}"


def _numeric(raw: object, places: int) -> Value:
    """A number's text (see ``number_text``); blank is None; anything that is not a
    number stays as it is (without padding), for compare() to make its row INVALID."""
    if raw is None:
        return None
    if isinstance(raw, str) and raw.strip(PADDING) == "":
        return None
    number = parse_number(raw)
    if number is None:
        return raw.strip(PADDING) if isinstance(raw, str) else str(raw)
    return number_text(number, places)


def money(raw: object) -> Value:
    """An amount: 1500, 1500.0 and '1,500.00' are '1500.00'; 12.505 stays 12.505."""
    return _numeric(raw, 2)


def whole_number(raw: object) -> Value:
    """Whole numbers such as due days; '30', 30 and 30.0 are '30'; 7.5 stays 7.5."""
    return _numeric(raw, 0)


def is_number(value: str) -> bool:
    return parse_number(value) is not None


def truthy(raw: object) -> bool:
    """Sage 50 flags: 1/0 over ODBC, TRUE/FALSE in its CSV exports."""
    return str(raw).strip().upper() in {"1", "TRUE", "T", "Y", "YES", "-1"}


_SAGE_FLAGS = {"1": True, "-1": True, "TRUE": True, "0": False, "FALSE": False, "": False}
"""Sage 50's yes/no as it writes one: 1/0 over ODBC (-1 from some drivers), TRUE/FALSE in
its exports; NULL or blank is no."""


def sage_flag(raw: object) -> bool | None:
    """A Sage 50 yes/no (``_SAGE_FLAGS``), or None for anything else (1.0, 2, Inactive),
    which is never guessed (``flag_problem``)."""
    if raw is None:
        return False
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int | str):
        return _SAGE_FLAGS.get(str(raw).strip(PADDING).upper())
    return None


def flag_problem(label: str, raw: object) -> str:
    return (
        f"{label} {raw!r} is not a yes/no value as Sage 50 writes one (1 or 0, TRUE or "
        "FALSE); SMSync does not guess: correct the record in Sage 50"
    )


def exponent_problem(label: str, raw: object) -> str | None:
    """Why a number written as text with an exponent (1E2) is not taken: Sage 50 never
    writes one, so it is no number SMSync reads without guessing."""
    if isinstance(raw, str) and "e" in raw.lower() and parse_number(raw) is not None:
        return (
            f"{label} {raw.strip(PADDING)!r} is written with an exponent, which Sage 50 "
            "never writes; correct it in Sage 50"
        )
    return None


YES = "Yes"
NO = "No"
FLAG_LENGTH = len(YES)
"""A yes/no field's size as SMSync handles it: the words; the database holds 1/0."""


def flag(raw: object) -> Value:
    """A yes/no value as the sheets show it; None stays 'not supplied'."""
    if raw is None:
        return None
    return YES if truthy(raw) else NO


NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""What XML 1.0, and so a workbook, cannot hold at all: control characters other than
tab and line breaks, lone surrogates, U+FFFE and U+FFFF."""
_PLANE_ENDS = "".join(f"{chr(p * 0x10000 + 0xFFFE)}-{chr(p * 0x10000 + 0xFFFF)}" for p in range(17))
LAYOUT_CONTROLS = "\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
"""Characters that are not control characters but act like them: the line and paragraph
separators (a line break) and the bidirectional marks and controls that reorder what
follows."""
REFUSED = re.compile(
    f"[\x00-\x1f\x7f-\x9f{LAYOUT_CONTROLS}\ud800-\udfff\ufdd0-\ufdef{_PLANE_ENDS}]"
)
"""Characters no value SMSync writes may hold (compare() makes such a row INVALID):
control characters (C0 with tab and line breaks, DEL, C1), the line and paragraph
separators and bidirectional controls (``LAYOUT_CONTROLS``), lone surrogates (what an
undecodable byte becomes) and Unicode's 66 noncharacters (U+FDD0-U+FDEF and the last
two code points of every plane, U+FFFE and U+FFFF among them)."""


UNDECODED = re.compile("[\udc80-\udcff]")
"""What ``surrogateescape`` makes of a byte that is not UTF-8: U+DC80 + the byte."""


undecoded: Callable[[bytes], str] = operator.methodcaller("decode", "utf-8", "surrogateescape")
"""SQLite text as stored: a byte that is not UTF-8 is kept (as a lone surrogate, see
``UNDECODED``) for the reader to refuse by row and column, never replaced. Called for
every text cell SQLite gives (its text factory), so it is C code, not a Python call."""


def undecoded_bytes(value: str) -> str | None:
    """The bytes that were not UTF-8 in a text ``undecoded`` made (0xFF), or None."""
    if value.isascii() or not UNDECODED.search(value):
        return None
    return " ".join(f"0x{ord(c) - 0xDC00:02X}" for c in UNDECODED.findall(value))


def cell_safe(value: str) -> str:
    """Text a cell can hold: each character XML cannot carry shown as its escape
    (\\x00, \\uffff), so an INVALID row shows where its bad character is."""
    return NOT_IN_XML.sub(
        lambda m: (
            f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}"
        ),
        value,
    )


class Binary(enum.Enum):
    """How a floating-point column holds a number: only numbers that come back exactly
    as written fit (0.1 does; 99999999999999.99 comes back as 99999999999999.98)."""

    DOUBLE = "8-byte floating-point numbers (about 15 digits)"
    SINGLE = "4-byte floating-point numbers (about 6 digits)"
    SQLITE = "64-bit integers and 8-byte floating-point numbers (about 15 digits)"
    """SQLite's INTEGER and NUMERIC affinity: a whole number as an integer, any other as
    a double (SQLite never keeps a decimal number's digits)."""


INT64 = (-(2**63), 2**63 - 1)
"""A 64-bit integer's range: SQLite's INTEGER, and the most a database parameter takes."""


def _shortest_single(number: float) -> str | None:
    """The shortest decimal text a 4-byte float reads back as (what PostgreSQL shows)."""
    try:
        packed = struct.pack("<f", number)
    except OverflowError:
        return None
    (single,) = struct.unpack("<f", packed)
    if not math.isfinite(single):
        return None
    return next(
        shown
        for digits in range(1, 10)
        if struct.pack("<f", float(shown := f"{single:.{digits}g}")) == packed
    )


def stored_as(number: Decimal, binary: Binary) -> str | None:
    """The number a ``binary`` column gives back for ``number`` (None: none at all)."""
    whole = number == number.to_integral_value() and INT64[0] <= number <= INT64[1]
    if binary is Binary.SQLITE and whole:
        return str(int(number))
    as_float = float(number)
    if binary is Binary.SINGLE:
        return _shortest_single(as_float)
    return repr(as_float) if math.isfinite(as_float) else None


@dataclass(frozen=True)
class Limit:
    """What one SMSTurbo column holds, as its database declares it: characters for
    text, digits and decimals for numbers, a range for integers, the floating-point
    form a number is kept in, whether it keeps text as text, and the encoding of the
    text it keeps. None is 'no limit' (or 'not known')."""

    length: int | None = None
    digits: int | None = None
    places: int | None = None
    low: int | Decimal | None = None
    high: int | Decimal | None = None
    binary: Binary | None = None
    text: bool | None = None
    """True: the column keeps a text as written; False: it keeps numbers (a ZIP 02134
    would become 2134); None: not known."""
    encoding: str | None = None
    """The Python codec of the database's text (a PostgreSQL server in WIN1252); None:
    any character."""
    column: str = ""
    """The column, for messages (``Material.UnitPrice``); blank for the reference
    schema's limits."""

    def named(self, column: str) -> Limit:
        return dataclasses.replace(self, column=column)

    def whole(self) -> Limit:
        """This limit for a whole-number field: never a fraction (nothing is truncated),
        and no more than a 64-bit integer, the most a database parameter takes."""
        low = INT64[0] if self.low is None else max(self.low, INT64[0])
        high = INT64[1] if self.high is None else min(self.high, INT64[1])
        return dataclasses.replace(self, places=0, low=low, high=high)


_INTEGER_RANGES = {
    "TINYINT": (0, 255),
    "SMALLINT": (-(2**15), 2**15 - 1),
    "INT2": (-(2**15), 2**15 - 1),
    "INT": (-(2**31), 2**31 - 1),
    "INTEGER": (-(2**31), 2**31 - 1),
    "INT4": (-(2**31), 2**31 - 1),
    "MEDIUMINT": (-(2**23), 2**23 - 1),
    "BIGINT": INT64,
    "INT8": INT64,
}
"""What each integer type holds: SQL's sizes (SMALLINT 16 bits, INTEGER 32, BIGINT 64)."""
_FLOATS = {
    "REAL": Binary.SINGLE,
    "FLOAT4": Binary.SINGLE,
    "FLOAT": Binary.DOUBLE,
    "FLOAT8": Binary.DOUBLE,
    "DOUBLE": Binary.DOUBLE,
    "DOUBLE PRECISION": Binary.DOUBLE,
}
"""SQL's floating-point types (REAL is 4 bytes, FLOAT and DOUBLE PRECISION 8)."""
_MONEY = Limit(places=2, low=Decimal(INT64[0]) / 100, high=Decimal(INT64[1]) / 100, text=False)
"""PostgreSQL's MONEY: a 64-bit count of cents."""
POSTGRES_NUMERIC = Limit(digits=131072 + 16383, places=16383, text=False)
"""An unconstrained PostgreSQL NUMERIC: 131072 digits before the point, 16383 after."""
_TEXT_TYPES = re.compile(
    r"(N|NATIONAL )?(VAR)?CHAR(ACTER)?( VARYING)?2?|BPCHAR|VARCHAR2|N?TEXT|N?CLOB|LONG VARCHAR"
)
_DECIMAL_TYPES = ("NUMERIC", "DECIMAL", "DEC", "NUMBER")
_DECLARED = re.compile(r"\s*([A-Za-z][A-Za-z0-9 ]*?)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?\s*")


def declared_limit(type_name: str) -> Limit:
    """The limit a column type declares: VARCHAR(20), CHAR(15), NUMERIC(12, 2),
    DECIMAL(10), INTEGER, SMALLINT, REAL, MONEY, …; TEXT keeps any text, and a type
    SMSync does not know has no limit."""
    found = _DECLARED.fullmatch(type_name or "")
    if found is None:
        return Limit()
    name, first, second = found.group(1).upper(), found.group(2), found.group(3)
    name = " ".join(name.split())
    if name in _INTEGER_RANGES:
        low, high = _INTEGER_RANGES[name]
        return Limit(places=0, low=low, high=high, text=False)
    if name in _DECIMAL_TYPES:
        if first is None:
            return Limit(text=False)
        return Limit(digits=int(first), places=int(second or 0), text=False)
    if name in _FLOATS:
        return Limit(binary=_FLOATS[name], text=False)
    if name == "MONEY":
        return _MONEY
    if _TEXT_TYPES.fullmatch(name):
        return Limit(length=int(first) if first else None, text=True)
    return Limit()


def sqlite_limit(type_name: str) -> Limit:
    """What an SQLite column holds: its declared size, and what its type affinity
    (sqlite.org/datatype3.html) does to a value. TEXT and BLOB affinity keep text as
    written; INTEGER and NUMERIC keep a number as a 64-bit integer or a double, REAL as
    a double, and turn a text that looks like a number (02134) into one. INTEGER and INT
    are 64-bit in SQLite."""
    declared = declared_limit(type_name)
    upper = (type_name or "").upper()
    if "INT" in upper:
        if re.fullmatch(r"\s*INT(EGER)?\s*", upper):
            declared = dataclasses.replace(declared, low=INT64[0], high=INT64[1])
        return dataclasses.replace(declared, binary=Binary.SQLITE, text=False)
    if any(word in upper for word in ("CHAR", "CLOB", "TEXT", "BLOB")) or not upper.strip():
        return dataclasses.replace(declared, text=True)
    if any(word in upper for word in ("REAL", "FLOA", "DOUB")):
        return dataclasses.replace(declared, binary=Binary.DOUBLE, text=False)
    return dataclasses.replace(declared, binary=Binary.SQLITE, text=False)


@dataclass(frozen=True)
class Kind:
    """What sort of value a field holds, and so how every layer treats it."""

    name: str
    normalise: Callable[[object], Value]
    excel_format: str
    """Number format of the field's sheet column: Text ('@') keeps every text as typed,
    so an ID like 00123, a ZIP like 02134 or a name like =SUM(…) stays text in Excel."""
    numeric: bool = False
    places: int = 0
    """Decimals the sheet's number format shows."""

    def sql_type(self, length: int, *, padded: bool = False) -> str:
        """The column type in SMSTurbo's reference schema and, ``padded`` as Pervasive
        stores text, in the demo's Sage 50 tables."""
        if self is MONEY:
            return "NUMERIC(12, 2)"
        if self is WHOLE_NUMBER:
            return "INTEGER"
        if self is FLAG:
            return "SMALLINT"
        return f"{'CHAR' if padded else 'VARCHAR'}({length})"

    def limit(self, length: int) -> Limit:
        """What the reference schema's column holds: the limit when the database's own
        catalogue is not asked (see ``smsturbo.catalogue``)."""
        return Limit() if self is FLAG else declared_limit(self.sql_type(length))

    def to_db(self, value: object) -> object:
        """A parameter for the database: amounts as Decimal (a whole amount without
        decimals, so an integer column takes 5000.00 as 5000), whole numbers as int (a
        fraction, which compare() makes INVALID, is never truncated), yes/no as 1/0, and
        blank numbers as NULL."""
        if self is FLAG and value is not None:
            return int(truthy(value))
        if not self.numeric or value is None:
            return value
        if value == "":
            return None
        number = Decimal(str(value))
        if number != number.to_integral_value():
            return number
        return int(number) if self is WHOLE_NUMBER else Decimal(int(number))

    def to_cell(self, value: Value) -> object:
        """A cell value: numbers go to Excel as numbers (so they sort) when the cell
        shows them exactly (no more decimals than its format shows, no more digits
        than Excel keeps); anything else, an INVALID row's value among them, as the
        text it is, with what a workbook cannot hold shown as escapes."""
        if value is None or value == "":
            return None
        if not self.numeric:
            return _within_a_cell(cell_safe(value))
        number = parse_number(value)
        if number is None or decimals(number) > self.places or not _fits_excel(number):
            return _within_a_cell(cell_safe(value))
        return int(number) if self is WHOLE_NUMBER else float(number)

    def to_cells(self, values: Sequence[Value]) -> list[object]:
        """``to_cell`` of each value, a column at a time (a Refresh makes a cell of every
        field of every row listed): a number is converted once however often it repeats
        (credit limits, terms), and a text column nothing in which needs escaping or
        cutting is taken as it is, blanks as None."""
        if not set(map(type, values)) <= _VALUE_TYPES:
            return list(map(self.to_cell, values))
        if self.numeric:
            cells = {value: self.to_cell(value) for value in set(values)}
            return list(map(cells.__getitem__, values))
        given = list(filter(None, values))
        joined = "".join(given)
        if NOT_IN_XML.search(joined) or (
            len(joined) > EXCEL_CELL_CHARACTERS and max(map(len, given)) > EXCEL_CELL_CHARACTERS
        ):
            return list(map(self.to_cell, values))
        return [value or None for value in values]

    def from_turbo(self, raw: object) -> Value:
        """A value as SMSTurbo holds it: a NULL yes/no is an unticked box, No, so a
        material SMSTurbo never flagged is not 'different' from an active Sage 50 item."""
        value = self.normalise(raw)
        return NO if value is None and self is FLAG else value

    def from_sage(self, raw: object) -> Value:
        """A value from a Sage 50 column that exists: NULL text is blank text, as Sage 50
        shows it; a NULL amount stays None ('not supplied': new records take
        ZZDEFAULT's)."""
        value = self.normalise(raw)
        return "" if value is None and not self.numeric else value

    def from_sage_column(self, raws: Sequence[object]) -> list[Value]:
        """``from_sage`` of each of a column's values (see ``_column``)."""
        return self._column(self.from_sage, raws, None if self.numeric else "")

    def from_turbo_column(self, raws: Sequence[object]) -> list[Value]:
        """``from_turbo`` of each of a column's values (see ``_column``)."""
        return self._column(self.from_turbo, raws, None)

    def _column(
        self, convert: Callable[[object], Value], raws: Sequence[object], blank: Value
    ) -> list[Value]:
        """``convert`` of each value, a column at a time (a read decodes every value of
        every record): a text column of text (and NULLs, ``blank``) only loses its
        padding; any other column's values are converted once each (``each_once``)."""
        if self is TEXT:
            types = set(map(type, raws))
            if types == {str}:
                return list(map(str.rstrip, cast("Sequence[str]", raws), repeat(PADDING)))
            if types <= _VALUE_TYPES:
                return [blank if raw is None else cast(str, raw).rstrip(PADDING) for raw in raws]
        return each_once(convert, raws)


_T = TypeVar("_T")


def each_once(convert: Callable[[object], _T], raws: Sequence[object]) -> list[_T]:
    """``convert`` of each value, a value that repeats (credit limits, terms, types)
    converted once: only where equal values are alike, text and integers, and floats
    but for a zero (-0.0 == 0.0); True == 1 and Decimal 1.0 == 1.00 are not alike."""
    types = set(map(type, raws)) - {type(None)}
    alike = types <= {str} or types == {int} or (types == {float} and 0.0 not in raws)
    if not alike:
        return list(map(convert, raws))
    converted = {raw: convert(raw) for raw in set(raws)}
    return list(map(converted.__getitem__, raws))


def _within_a_cell(shown: str) -> str:
    """Text an Excel cell holds: a longer one (only an INVALID row's, whose reason says
    so) is shown cut, saying how long it is."""
    if len(shown) <= EXCEL_CELL_CHARACTERS:
        return shown
    cut = f"… (cut: {len(shown)} characters in all)"
    return shown[: EXCEL_CELL_CHARACTERS - len(cut)] + cut


def _fits_excel(number: Decimal) -> bool:
    """Whether Excel (a double, 15 significant digits) holds ``number`` exactly."""
    as_float = float(number)
    return (
        math.isfinite(as_float)
        and Decimal(repr(as_float)) == number
        and len(number.as_tuple().digits) <= EXCEL_DIGITS
    )


EXCEL_DIGITS = 15
"""Significant digits Excel keeps of a number."""
_VALUE_TYPES = {str, type(None)}
"""What a record's values are (``Value``): the types ``Kind.to_cells`` takes at once."""
EXCEL_CELL_CHARACTERS = 32767
"""Characters an Excel cell holds: a longer value could not be shown as it is."""

TEXT = Kind("text", text, "@")
MONEY = Kind("money", money, "#,##0.00", numeric=True, places=2)
WHOLE_NUMBER = Kind("whole number", whole_number, "0", numeric=True)
FLAG = Kind("yes/no", flag, "@")

ITEM_CLASSES = (
    "Non-stock item",
    "Stock item",
    "Description only",
    "Assembly",
    "Service",
    "Labor",
    "Activity item",
    "Charge item",
    "Master stock item",
    "Substock item",
    "Serialized stock item",
    "Serialized assembly",
)
"""Sage 50's item classes by the number it stores (0-11, documented on its Inventory Item
List import/export page; docs/DOMAIN.md §6)."""


_CLASS_NUMBER = re.compile("[0-9]{1,2}")
"""An item class as Sage 50 writes it: ASCII digits (not ², １ or ١)."""


def item_class(raw: object) -> Value:
    """Sage 50 stores the item class as a number 0-11: shown as its name; anything else
    stays as it is, for compare() to make its row INVALID (``not_an_item_class``)."""
    value = text(raw)
    if value is not None and _CLASS_NUMBER.fullmatch(value) and int(value) < len(ITEM_CLASSES):
        return ITEM_CLASSES[int(value)]
    return value


def not_an_item_class(label: str, value: str) -> str | None:
    """Why a value is no item class Sage 50 has (blank is none given)."""
    if not value or value in ITEM_CLASSES:
        return None
    return (
        f"{label} {value!r} is not one of Sage 50's item classes (0 to {len(ITEM_CLASSES) - 1}); "
        "choose the item's class again in Sage 50"
    )


ITEM_CLASS = Kind("item class", item_class, "@")


@dataclass(frozen=True)
class Group:
    """A Replace Option: fields of an existing SMSTurbo record replaced together."""

    key: str
    label: str


GROUPS: dict[str, Group] = {
    g.key: g
    for g in (
        Group("name", "Name"),
        Group("address", "Address lines (lines, city, state, ZIP, country)"),
        Group("phone", "Phone numbers (phones, fax)"),
        Group("contact", "Contact"),
        Group("email", "E-mail"),
        Group("credit_limit", "Credit limit"),
        Group("credit_status", "Credit status"),
        Group("type", "Type"),
        Group("terms", "Terms"),
        Group("description", "Description"),
        Group("unit", "Unit of measure"),
        Group("category", "Category"),
        Group("price", "Price"),
        Group("gl_accounts", "GL accounts (sales, expense)"),
        Group("inactive", "Inactive"),
    )
}


@dataclass(frozen=True)
class TurboField:
    """One field of an SMSTurbo record."""

    name: str
    label: str
    max_length: int
    group: str | None
    kind: Kind = TEXT
    lookup: str | None = None
    """The SMSTurbo list its values must come from (``smsturbo.mapping`` names the
    table); letter case is ignored and SMSTurbo's spelling is written."""


CREDIT_STATUSES = "credit_statuses"
UNITS = "units"
LOOKUPS = (CREDIT_STATUSES, UNITS)
"""The lists SMSTurbo keeps that field values must come from."""

ID_FIELD = TurboField("id", "ID", 15, None)
"""Every SMSTurbo ID: at most 15 characters (the rule itself is in ``core.ids``)."""


def _shape(*fields: TurboField) -> dict[str, TurboField]:
    return {f.name: f for f in (ID_FIELD, *fields)}


PARTY_FIELDS = _shape(
    TurboField("name", "Name", 500, "name"),
    TurboField("address1", "Address line 1", 60, "address"),
    TurboField("address2", "Address line 2", 60, "address"),
    TurboField("city", "City", 40, "address"),
    TurboField("state", "State", 20, "address"),
    TurboField("zip", "ZIP", 20, "address"),
    TurboField("country", "Country", 40, "address"),
    TurboField("contact", "Contact", 60, "contact"),
    TurboField("phone1", "Phone 1", 30, "phone"),
    TurboField("phone2", "Phone 2", 30, "phone"),
    TurboField("fax", "Fax", 30, "phone"),
    TurboField("email", "E-mail", 100, "email"),
    TurboField("type", "Type", 20, "type"),
    TurboField("credit_status", "Credit Status", 20, "credit_status", lookup=CREDIT_STATUSES),
    TurboField("credit_limit", "Credit Limit", 20, "credit_limit", MONEY),
    TurboField("terms", "Terms (due days)", 20, "terms", WHOLE_NUMBER),
    TurboField("tax_exempt", "Tax Exempt", 1, None),
    TurboField("billing_cycle", "Billing Cycle", 20, None),
    TurboField("udf1", "User Field 1", 30, None),
    TurboField("udf2", "User Field 2", 30, None),
)
"""An SMSTurbo customer or vendor."""

MATERIAL_FIELDS = _shape(
    TurboField("description", "Description", 5000, "description"),
    TurboField("item_class", "Item Class", 30, None, ITEM_CLASS),
    TurboField("unit", "Unit", 20, "unit", lookup=UNITS),
    TurboField("category", "Category", 30, "category"),
    TurboField("price", "Price", 20, "price", MONEY),
    TurboField("sales_gl", "Sales GL #", 30, "gl_accounts"),
    TurboField("expense_gl", "Expense GL #", 30, "gl_accounts"),
    TurboField("inactive", "Inactive", FLAG_LENGTH, "inactive", FLAG),
    TurboField("taxable", "Taxable", FLAG_LENGTH, None, FLAG),
    TurboField("restricted", "Restricted", FLAG_LENGTH, None, FLAG),
    TurboField("is_default", "Default", FLAG_LENGTH, None, FLAG),
)
"""An SMSTurbo material (docs/DOMAIN.md §6)."""

TURBO_FIELDS: dict[str, TurboField] = {**PARTY_FIELDS, **MATERIAL_FIELDS}
"""Every SMSTurbo field by its name: names are unique across shapes (``id`` is shared)."""

MAIN = "main"
ADDRESS = "address"


@dataclass(frozen=True)
class SageField:
    """Where Sage 50 US keeps one SMSTurbo field: ODBC column (on the entity's own
    table or on ``Address``) with its size there, and the list export's CSV header.
    ``optional`` columns are discovered at run time and may be absent. An ``account``
    column holds a Chart of Accounts record number over ODBC (the export gives the
    account ID itself)."""

    name: str
    odbc: str
    length: int
    csv: str
    table: str = MAIN
    optional: bool = False
    account: bool = False

    @property
    def turbo(self) -> TurboField:
        return TURBO_FIELDS[self.name]


@dataclass(frozen=True)
class Entity:
    """One list SMSync brings over: its SMSTurbo record shape, the Sage 50 table and
    the field lines, and the few fields the workflow treats specially."""

    key: str
    label: str
    plural: str
    turbo_fields: dict[str, TurboField]
    sage_table: str
    sage_record_number: str
    sage_inactive: str
    inactive_csv: str
    fields: tuple[SageField, ...]
    title_field: str
    """The field that names a record (customer name, material description): never empty."""
    type_field: str
    """The Sage 50 field Include Types filters on."""
    status_field: str
    """The SMSTurbo field that says a record is inactive: a credit status word, or a
    yes/no flag (see ``settings.StatusRule``)."""
    template_entity: str
    """Whose SMSTurbo table holds the template record new records start from."""
    template_required: bool = True
    """Without its template record no new record is created (ZZDEFAULT); otherwise new
    records take only Sage 50's values and Setup's Import Defaults."""
    import_defaults: tuple[str, ...] = ()
    """Fields Setup gives a value for new records when Sage 50 leaves them blank: a new
    record cannot be without them (a material's unit)."""
    export_list: str = ""
    """The Sage 50 list export that holds the entity (File > Select Import/Export)."""
    export_file: str = ""
    """The export's default file name, found whatever its letter case."""

    def field(self, name: str) -> SageField:
        return next(f for f in self.fields if f.name == name)

    @property
    def status_is_flag(self) -> bool:
        """Whether the status field is a yes/no Inactive flag (not a credit status word):
        it then follows ``settings.FLAG_RULE`` and the lists show it as the Inactive column."""
        return self.turbo_fields[self.status_field].kind is FLAG

    @property
    def required_csv(self) -> tuple[str, ...]:
        """The export headers without which a list cannot be read: ID, title, Inactive."""
        return (self.field("id").csv, self.field(self.title_field).csv, self.inactive_csv)

    @property
    def groups(self) -> tuple[Group, ...]:
        """The Replace Options that can change something: groups of the fields Sage 50
        supplies, in the order of ``GROUPS``."""
        used = {f.turbo.group for f in self.fields} | {self.turbo_fields[self.status_field].group}
        return tuple(g for g in GROUPS.values() if g.key in used)


CUSTOMER = Entity(
    key="customers",
    label="Customer",
    plural="Customers",
    turbo_fields=PARTY_FIELDS,
    title_field="name",
    type_field="type",
    status_field="credit_status",
    template_entity="customers",
    export_list="Customer List",
    export_file="CUSTOMER.CSV",
    sage_table="Customers",
    sage_record_number="CustomerRecordNumber",
    sage_inactive="CustomerIsInactive",
    inactive_csv="Inactive",
    fields=(
        SageField("id", "CustomerID", 20, "Customer ID"),
        SageField("name", "Customer_Bill_Name", 39, "Customer Name"),
        SageField("address1", "AddressLine1", 30, "Bill to Address-Line One", ADDRESS),
        SageField("address2", "AddressLine2", 30, "Bill to Address-Line Two", ADDRESS),
        SageField("city", "City", 20, "Bill to City", ADDRESS),
        SageField("state", "State", 2, "Bill to State", ADDRESS),
        SageField("zip", "Zip", 12, "Bill to Zip", ADDRESS),
        SageField("country", "Country", 15, "Bill to Country", ADDRESS),
        SageField("contact", "Contact", 20, "Bill to Contact"),
        SageField("phone1", "Phone_Number", 20, "Telephone 1"),
        SageField("phone2", "Phone_Number2", 20, "Telephone 2", optional=True),
        SageField("fax", "FAX_Number", 20, "Fax Number"),
        SageField("email", "eMail_Address", 64, "Customer E-mail"),
        SageField("type", "Customer_Type", 8, "Customer Type"),
        SageField("credit_status", "CreditStatus", 20, "Credit Status", optional=True),
        SageField("credit_limit", "Terms_CreditLimit", 12, "Credit Limit"),
        SageField("terms", "Terms_DueDays", 4, "Due Days", optional=True),
    ),
)

VENDOR = Entity(
    key="vendors",
    label="Vendor",
    plural="Vendors",
    turbo_fields=PARTY_FIELDS,
    title_field="name",
    type_field="type",
    status_field="credit_status",
    template_entity="customers",
    export_list="Vendor List",
    export_file="VENDOR.CSV",
    sage_table="Vendors",
    sage_record_number="VendorRecordNumber",
    sage_inactive="IsInactive",
    inactive_csv="Inactive",
    fields=(
        SageField("id", "VendorID", 20, "Vendor ID"),
        SageField("name", "Name", 39, "Vendor Name"),
        SageField("address1", "AddressLine1", 30, "Address-Line One", ADDRESS),
        SageField("address2", "AddressLine2", 30, "Address-Line Two", ADDRESS),
        SageField("city", "City", 20, "City", ADDRESS),
        SageField("state", "State", 2, "State", ADDRESS),
        SageField("zip", "Zip", 12, "Zip", ADDRESS),
        SageField("country", "Country", 15, "Country", ADDRESS),
        SageField("contact", "Contact", 20, "Contact"),
        SageField("phone1", "PhoneNumber", 20, "Telephone 1"),
        SageField("phone2", "PhoneNumber2", 20, "Telephone 2", optional=True),
        SageField("fax", "FAXNumber", 20, "Fax Number"),
        SageField("email", "Email", 64, "Vendor E-mail"),
        SageField("type", "VendorType", 8, "Vendor Type"),
    ),
)

MATERIAL = Entity(
    key="materials",
    label="Material",
    plural="Materials",
    turbo_fields=MATERIAL_FIELDS,
    title_field="description",
    type_field="category",
    status_field="inactive",
    template_entity="materials",
    template_required=False,
    import_defaults=("unit",),
    export_list="Inventory Item List",
    export_file="ITEM.CSV",
    # LineItem (LINEITEM.DAT), docs/DOMAIN.md §6. Documented on Sage's data dictionary
    # page: ItemID (20), ItemDescription (30), ItemRecordNumber, ItemIsInactive. The
    # other names are what public code querying Sage 50 uses, so they are optional:
    # ItemClass (0-11), Category (the Item Type), StockingUM, PriceLevel1Amount, and the
    # GL accounts as Chart record numbers. CSV headers: the Inventory Item List export.
    sage_table="LineItem",
    sage_record_number="ItemRecordNumber",
    sage_inactive="ItemIsInactive",
    inactive_csv="Inactive",
    fields=(
        SageField("id", "ItemID", 20, "Item ID"),
        SageField("description", "ItemDescription", 30, "Item Description"),
        SageField("item_class", "ItemClass", 2, "Item Class", optional=True),
        SageField("unit", "StockingUM", 6, "Stocking U/M", optional=True),
        SageField("category", "Category", 8, "Item Type", optional=True),
        SageField("price", "PriceLevel1Amount", 12, "Sales Price 1", optional=True),
        SageField(
            "sales_gl", "SaleAcctRecordNumber", 15, "G/L Sales Account", optional=True, account=True
        ),
        SageField(
            "expense_gl",
            "InvAcctRecordNumber",
            15,
            "G/L Inventory Account",
            optional=True,
            account=True,
        ),
    ),
)

ENTITIES: dict[str, Entity] = {e.key: e for e in (CUSTOMER, VENDOR, MATERIAL)}


@dataclass(frozen=True, slots=True)
class SageRecord:
    """One Sage 50 record as a source read it. Being inactive is a fact of its own, not
    a credit-status word: Setup may call inactive records anything SMSTurbo has.
    ``problems`` are what the source could not read as a value (a GL account record the
    Chart does not have): compare() makes the row INVALID with them."""

    id: str
    inactive: bool
    values: Record
    problems: tuple[str, ...] = ()
    source_key: str | None = None
    """The source's own stable key where the ID is no stable key (Sage 50 Canadian
    Edition's ``lId``: its customers are known by name), for the SMSTurbo ID to be
    remembered against."""
    notes: tuple[str, ...] = ()
    """How a value was read when Sage 50 offered more than one reading (a UK postcode
    found on the line above its own): said, never decided silently."""


@dataclass(frozen=True, slots=True)
class TurboRecord:
    """One SMSTurbo record, IDs trimmed; ``values`` holds only the mapped fields."""

    id: str
    values: Record
