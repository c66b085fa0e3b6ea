"""One worksheet part as text: the XML before and after ``<sheetData>`` kept exactly as
it was, and its rows, each kept as written until a cell in it is replaced.

Cells are written the way every reader understands them: strings inline
(``t="inlineStr"``, so sharedStrings.xml is never touched) and always as text, never a
formula; numbers as numbers; booleans as booleans; a calculated column's formula as
``<f>`` without a cached value. A new cell takes its column's ``<col style>`` (the Text,
money and General formats the builder set); a replaced cell keeps its own style.

Only rows that change are parsed, and only as far as needed: a row is found by its
``r``, a cell by its reference, so rewriting a column of 100,000 rows touches nothing
else. Rows or cells that omit their (optional) ``r`` are numbered as Excel would.
"""

from __future__ import annotations

import functools
import html
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import cast

ILLEGAL_CHARACTERS_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""The characters XML 1.0 cannot hold, removed from text: openpyxl's own pattern
(openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE) plus lone surrogates, U+FFFE and U+FFFF, so
the sheet stays well-formed. Field values never reach here with one: ``Kind.to_cell``
shows them as escapes, and compare() makes their rows INVALID."""
EXCEL_LAST_ROW = 1_048_576
"""Excel's last row (2**20)."""
EXCEL_LAST_COLUMN = 16_384
"""Excel's last column, XFD (2**14)."""
_SPECIAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff&<>\r]")
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_ATTRIBUTE_ESCAPES = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\r": "&#13;", "\n": "&#10;"}
)

_XSTRING = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)")
"""The underscore of what a reader of OOXML text decodes as an escaped character (the x
lower case); overlapping ones too (``_x0041_x0042_``: both underscores)."""
_XML_SPACE = " \t\n\r"
_EDGE_SPACES = tuple(f"\x00{c}" for c in _XML_SPACE) + tuple(f"{c}\x00" for c in _XML_SPACE)
"""A space at either end of a text, in texts each put between NULs (no plain text holds
one)."""
_TEXT_TYPES = {str, type(None)}
_SHEET_DATA = re.compile(r"<sheetData\b[^>]*?(/?)>")
_PREFIXED_SHEET_DATA = re.compile(r"<\w+:sheetData\b")
_ROW_TAG = re.compile(r"<row\b([^>]*?)(/?)>")
_CELL_TAG = re.compile(r"<c\b([^>]*?)(/?)>")
_R = re.compile(r'\sr="([^"]*)"')
_CELL_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)")
_WHOLE_COLUMNS = re.compile(r"\$?([A-Za-z]{1,3}):\$?([A-Za-z]{1,3})")
_WHOLE_ROWS = re.compile(r"\$?(\d+):\$?(\d+)")
_STYLE = re.compile(r'\ss="(\d+)"')
_HIDDEN = re.compile(r'\shidden="(?:1|true)"')
_SPANS = re.compile(r'\sspans="[^"]*"')
_DIMENSION = re.compile(r'(<dimension\b[^>]*?\sref=")[^"]*(")')
_COL = re.compile(r"<col\b([^>]*?)/?>")
_COLS = re.compile(r"<cols>.*?</cols>|<cols\s*/>", re.S)
_ATTRIBUTE = re.compile(r'([\w:]+)="([^"]*)"')
_FORMULA = re.compile(r"<f\b[^>]*?(?:/>|>(.*?)</f>)", re.DOTALL)
_CACHED = re.compile(r"<v>[^<]")
_EMPTY_CACHED = re.compile(r"<v\s*/>|<v></v>")
_STRING_RESULT = re.compile(r'\st="str"')
_PLACED_RANGES = re.compile(
    r'(<(?:mergeCell|hyperlink)\b[^>]*?\sref=")([^"]*)(")|(\ssqref=")([^"]*)(")'
    r"|(<xm:sqref>)([^<]*)(</xm:sqref>)"
)
_MERGE_REF = re.compile(r'<mergeCell\b[^>]*?\sref="([^"]*)"')
_HOLDS = re.compile(r"<(?:v|is|f)\b")
_ROW_NUMBER = re.compile(r'(<row\b[^>]*?\sr=")(\d+)(")')
_CELL_ROW = re.compile(r'(<c\b[^>]*?\sr="[A-Za-z]{1,3})(\d+)(")')
_LEADING_REF = re.compile(r'<c r="([A-Z]{1,3})\d')
_ANY_CELL = re.compile(r"<c[\s/>]")

Value = object
"""A cell value as the port's callers give and get it: None, str, bool, int or float."""


class SheetXmlError(ValueError):
    """The part is not a worksheet this module can edit."""


def column_letters(index: int) -> str:
    """1 → A, 26 → Z, 27 → AA (1-based, as in the XML)."""
    letters = ""
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def column_number(letters: str) -> int:
    """A → 1, Z → 26, AA → 27."""
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


@functools.cache
def _column_number(letters: str) -> int:
    return column_number(letters)


def split_ref(ref: str) -> tuple[int, int]:
    """'AA6' → (row 6, column 27)."""
    found = _CELL_REF.fullmatch(ref.strip())
    if found is None:
        raise ValueError(f"{ref!r} is not a cell reference")
    return int(found.group(2)), column_number(found.group(1))


def range_bounds(address: str) -> tuple[int, int, int, int]:
    """'A5:AA40' → (first row, first column, last row, last column); 'A2' → one cell;
    whole columns 'AK:AL' and whole rows '3:5' (as validations and formats may cover)."""
    columns = _WHOLE_COLUMNS.fullmatch(address.strip())
    if columns is not None:
        left, right = (column_number(c) for c in columns.groups())
        return 1, min(left, right), EXCEL_LAST_ROW, max(left, right)
    rows = _WHOLE_ROWS.fullmatch(address.strip())
    if rows is not None:
        top, bottom = (int(r) for r in rows.groups())
        return min(top, bottom), 1, max(top, bottom), EXCEL_LAST_COLUMN
    first, _, last = address.partition(":")
    top, left = split_ref(first)
    bottom, right = split_ref(last) if last else (top, left)
    return min(top, bottom), min(left, right), max(top, bottom), max(left, right)


def escape_attribute(text: str) -> str:
    return text.translate(_ATTRIBUTE_ESCAPES)


def _escaped(text: str) -> tuple[str, str]:
    """(the cleaned text, as <t> holds it): XML's escapes, and ST_Xstring's (ECMA-376
    Part 1, 22.9.2.19): a reader turns ``_xHHHH_`` into the character U+HHHH (Excel, and
    python-calamine, which the port reads with), so text that looks like one has its
    underscore written as ``_x005F_``: ``_x0041_`` stays ``_x0041_``, never ``A``."""
    if _SPECIAL.search(text) is not None:
        text = ILLEGAL_CHARACTERS_RE.sub("", text)
        escaped = text.translate(_ESCAPES)
    else:
        escaped = text
    if "_x" in escaped:
        escaped = _XSTRING.sub("_x005F_", escaped)
    return text, escaped


def _text_body(text: str) -> tuple[str, str]:
    """(the cleaned text, its escaped form inside <is>); the cleaned text may be ''."""
    text, escaped = _escaped(text)
    if text and (text[0] in _XML_SPACE or text[-1] in _XML_SPACE):
        return text, f'<is><t xml:space="preserve">{escaped}</t></is>'
    return text, f"<is><t>{escaped}</t></is>"


def _number(value: float) -> str:
    text = repr(value)
    return text[:-2] if text.endswith(".0") else text


def read_back(value: Value) -> Value:
    """What a reader gets from a cell written with ``value``: text cleaned, '' as an
    empty cell (None), whole floats as int (as openpyxl reads them)."""
    if value is None or value is True or value is False:
        return value
    if isinstance(value, str):
        text = ILLEGAL_CHARACTERS_RE.sub("", value) if _SPECIAL.search(value) else value
        return text or None
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def cell_xml(ref: str, style: str, value: Value) -> tuple[str, Value]:
    """The ``<c>`` element for ``value`` (``style`` is ' s="N"' or ''), and what a reader
    gets back from it. Strings are always text: '=SUM(…)' never becomes a formula."""
    if value is None:
        return f'<c r="{ref}"{style}/>', None
    if isinstance(value, str):
        text, body = _text_body(value)
        if not text:
            return f'<c r="{ref}"{style}/>', None
        return f'<c r="{ref}"{style} t="inlineStr">{body}</c>', text
    if value is True or value is False:
        return f'<c r="{ref}"{style} t="b"><v>{int(value)}</v></c>', value
    if isinstance(value, int):
        return f'<c r="{ref}"{style}><v>{value}</v></c>', value
    if isinstance(value, float | Decimal):
        number = float(value)
        if not math.isfinite(number):
            return cell_xml(ref, style, str(value))
        return f'<c r="{ref}"{style}><v>{_number(number)}</v></c>', read_back(number)
    raise TypeError(f"a cell cannot hold {type(value).__name__} {value!r}")


_FUTURE_FUNCTION = re.compile(r"\b(AGGREGATE)\(")
"""Functions newer than the file format's first edition, which a file names with the
_xlfn. prefix (else Excel shows #NAME? until the cell is edited; support.microsoft.com,
"Issue: An _xlfn. prefix is displayed in front of a formula"): the ones SMSync writes."""


def formula_text(formula: str) -> str:
    """A formula as <f> holds it: without its '=', newer functions prefixed, escaped."""
    return _FUTURE_FUNCTION.sub(r"_xlfn.\1(", formula.removeprefix("=")).translate(_ESCAPES)


class ColumnSpec:
    """How one table column is written: its letters, style attribute and formula, with
    the pieces of its cells made once for every row."""

    __slots__ = ("empty", "formula", "letters", "number", "opening", "style", "text")

    def __init__(self, letters: str, style: str, formula: str | None = None) -> None:
        self.letters = letters
        self.style = style
        self.formula = formula
        """For a calculated column, its formula as <f> holds it (``formula_text``); the
        cell is written without a cached value, and Excel and LibreOffice calculate it."""
        self.opening = f'<c r="{letters}'
        self.empty = f'"{style}/>'
        self.text = f'"{style} t="inlineStr"><is><t>'
        self.number = f'"{style}><v>'


def table_row_cells(
    number: int, values: Sequence[Value], specs: Sequence[ColumnSpec]
) -> tuple[str, list[Value]]:
    """The cells of one table row, every column present (an empty one as a styled empty
    cell, so a later column write finds it at once), and what a reader gets back."""
    if len(values) > len(specs):
        raise ValueError(f"a row of {len(values)} cells for a table of {len(specs)} columns")
    row = str(number)
    parts: list[str] = []
    back: list[Value] = []
    for index, spec in enumerate(specs):
        value = values[index] if index < len(values) else None
        made = _cell_end(spec, value)
        if made is None:
            xml, got = cell_xml(spec.letters + row, spec.style, value)
        else:
            xml, got = spec.opening + row + made[0], made[1]
        parts.append(xml)
        back.append(got)
    return "".join(parts), back


def _cell_end(spec: ColumnSpec, value: Value) -> tuple[str, Value] | None:
    """A cell of ``spec``'s column after its row number (``spec.opening`` + row + this),
    and what a reader gets back; None for a value only ``cell_xml`` writes."""
    kind = value.__class__
    if spec.formula is not None:
        return f'"{spec.style}><f>{spec.formula}</f></c>', None
    if value is None:
        return spec.empty, None
    if kind is str:
        return _text_end(spec, cast(str, value))
    if kind is int:
        return f"{spec.number}{value}</v></c>", value
    if kind is float and isinstance(value, float) and math.isfinite(value):
        amount: float = int(value) if value.is_integer() and abs(value) < 2**53 else value
        return f"{spec.number}{amount!r}</v></c>", amount
    return None


def _text_end(spec: ColumnSpec, value: str) -> tuple[str, str | None]:
    """A text cell's end (``_cell_end``) and what a reader gets back: escaped where XML
    or Excel needs it, spaces at either end kept; a text empty after that, an empty cell."""
    text = escaped = value
    if "_x" in text or _SPECIAL.search(text) is not None:
        text, escaped = _escaped(text)
    if not text:
        return spec.empty, None
    if text[0] in _XML_SPACE or text[-1] in _XML_SPACE:
        return (
            f'"{spec.style} t="inlineStr"><is><t xml:space="preserve">{escaped}</t></is></c>'
        ), text
    return f"{spec.text}{escaped}</t></is></c>", text


def table_rows_cells(
    first: int, rows: Sequence[Sequence[Value]], specs: Sequence[ColumnSpec]
) -> tuple[list[str], list[list[Value]]]:
    """``table_row_cells`` of each row from row ``first`` on, made a column at a time
    (a Refresh writes every cell of every row): a cell's end made once per distinct
    value of its column, or for a column of plain text (nothing to escape, no space at
    either end) put together at once; each row is then its cells' ends joined by its
    number. Rows of another width, or a value only ``cell_xml`` writes, go row by row."""
    ends = _column_ends(rows, specs)
    if ends is None:
        made = [table_row_cells(first + i, values, specs) for i, values in enumerate(rows)]
        return [cells for cells, _ in made], [back for _, back in made]
    pieces, backs = ends
    opening = specs[0].opening
    cells = [
        str(number).join((opening, *row))
        for number, row in enumerate(zip(*pieces, strict=True), start=first)
    ]
    return cells, list(map(list, zip(*backs, strict=True)))


def _column_ends(
    rows: Sequence[Sequence[Value]], specs: Sequence[ColumnSpec]
) -> tuple[list[list[str]], list[list[Value]]] | None:
    """Each column's cell ends, each followed by the next column's opening, and what a
    reader gets back; None when the rows cannot be taken a column at a time."""
    if not rows or set(map(len, rows)) != {len(specs)}:
        return None
    pieces, backs = [], []
    following = [spec.opening for spec in specs[1:]] + [""]
    for spec, values, after in zip(specs, zip(*rows, strict=True), following, strict=True):
        made = _plain_text_ends(spec, values, after) or _each_end(spec, values, after)
        if made is None:
            return None
        pieces.append(made[0])
        backs.append(made[1])
    return pieces, backs


def _plain_text_ends(
    spec: ColumnSpec, values: Sequence[Value], after: str
) -> tuple[list[str], list[Value]] | None:
    """A column of text (and blanks) nothing in which needs escaping or keeps a space at
    either end, at once; None for any other column."""
    if spec.formula is not None or not set(map(type, values)) <= _TEXT_TYPES:
        return None
    given = cast("list[str]", list(filter(None, values)))
    apart = "\x00{}\x00".format("\x00".join(given))
    if "_x" in apart or _SPECIAL.search("".join(given)) or any(e in apart for e in _EDGE_SPACES):
        return None
    empty, start, end = spec.empty + after, spec.text, "</t></is></c>" + after
    return [f"{start}{value}{end}" if value else empty for value in values], [
        value or None for value in values
    ]


def _each_end(
    spec: ColumnSpec, values: Sequence[Value], after: str
) -> tuple[list[str], list[Value]] | None:
    """Each value's cell end (``_cell_end``), once per distinct value of one type."""
    made: dict[Value, tuple[str, Value] | None] = {}
    alike = len(set(map(type, values)) - {type(None)}) <= 1
    pieces, backs = [], []
    for value in values:
        found = made.get(value) if alike else None
        if found is None:
            found = _cell_end(spec, value)
            if found is None:
                return None
            found = (found[0] + after, found[1])
            if alike:
                made[value] = found
        pieces.append(found[0])
        backs.append(found[1])
    return pieces, backs


def _attributes(attrs: str) -> dict[str, str]:
    return dict(_ATTRIBUTE.findall(attrs))


_Span = tuple[int, int, dict[str, str]]


def _col_spans(cols: str) -> list[_Span]:
    """The ``<col>`` elements of ``cols`` as (first, last, attributes): the columns each covers."""
    return [
        (int(a.get("min", "1")), int(a.get("max", a.get("min", "1"))), a)
        for a in (_attributes(m.group(1)) for m in _COL.finditer(cols))
    ]


def _col_shown(attrs: dict[str, str], width: float) -> bool:
    """Whether a column shows: not hidden, and not width 0 (how Excel through xlwings hides one)."""
    if attrs.get("hidden") in ("1", "true"):
        return False
    return float(attrs.get("width", width)) != 0


def _set_shown(attrs: dict[str, str], shown: bool, width: float) -> None:
    """Show or hide by ``hidden``; a column shown again with no width gets ``width``."""
    attrs.pop("hidden", None)
    if shown:
        if float(attrs.get("width", "0")) == 0:
            attrs.update(width=_number(float(width)), customWidth="1")
    else:
        attrs.setdefault("width", _number(float(width)))
        attrs["hidden"] = "1"


def _split_spans(
    spans: list[_Span], covering: _Span | None, column: int, attrs: dict[str, str]
) -> list[_Span]:
    """The spans with ``column`` cut out of the one covering it, so it alone gets ``attrs``."""
    rest = [s for s in spans if s is not covering]
    if covering:
        low, high, old = covering
        rest += [(low, column - 1, old)] if low < column else []
        rest += [(column + 1, high, old)] if column < high else []
    rest.append((column, column, attrs))
    return rest


def _cols_xml(spans: list[_Span]) -> str:
    """The ``<col>`` elements for ``spans``, in column order as Excel requires."""
    return "".join(
        "<col "
        + " ".join(f'{k}="{v}"' for k, v in {**a, "min": str(low), "max": str(high)}.items())
        + "/>"
        for low, high, a in sorted(spans, key=lambda s: s[0])
    )


def _column_of(attrs: str) -> int | None:
    found = _R.search(attrs)
    ref = _CELL_REF.fullmatch(found.group(1)) if found else None
    return _column_number(ref.group(1).upper()) if ref else None


@dataclass
class _Cell:
    column: int
    xml: str


class SheetXml:
    """A worksheet part: ``head`` (up to ``<sheetData>``), rows by number, ``tail``."""

    def __init__(self, xml: str) -> None:
        found = _SHEET_DATA.search(xml)
        if found is None:
            if _PREFIXED_SHEET_DATA.search(xml):
                raise SheetXmlError("the sheet's XML uses a namespace prefix")
            raise SheetXmlError("the part has no <sheetData>")
        if found.group(1):
            self.head = xml[: found.start()] + "<sheetData>"
            data = ""
            self.tail = "</sheetData>" + xml[found.end() :]
        else:
            end = xml.index("</sheetData>", found.end())
            self.head = xml[: found.end()]
            data = xml[found.end() : end]
            self.tail = xml[end:]
        self.rows: dict[int, str] = {}
        number = 0
        position = 0
        while True:
            tag = _ROW_TAG.search(data, position)
            if tag is None:
                break
            r = _R.search(tag.group(1))
            number = int(r.group(1)) if r else number + 1
            position = tag.end() if tag.group(2) else data.index("</row>", tag.end()) + 6
            row = data[tag.start() : position]
            self.rows[number] = row if r else f'<row r="{number}"' + row[4:]
        self.styles = self._column_styles()

    def _column_styles(self) -> dict[int, int]:
        styles: dict[int, int] = {}
        for found in _COL.finditer(self.head):
            attrs = _attributes(found.group(1))
            style = int(attrs.get("style", "0"))
            if style:
                for column in range(int(attrs.get("min", "1")), int(attrs.get("max", "1")) + 1):
                    styles[column] = style
        return styles

    def show_column(self, column: int, shown: bool, width: float) -> bool:
        """Show or hide one column by its ``<col hidden>``, splitting a ``<col>`` that spans
        several columns. A column shown again that has no width, or width 0 (how Excel
        through xlwings hides one), gets ``width``. Returns whether anything changed."""
        found = _COLS.search(self.head)
        spans = _col_spans(found.group(0) if found else "")
        covering = next((s for s in spans if s[0] <= column <= s[1]), None)
        attrs = dict(covering[2]) if covering else {"min": str(column), "max": str(column)}
        if _col_shown(attrs, width) == shown:
            return False
        _set_shown(attrs, shown, width)
        cols = _cols_xml(_split_spans(spans, covering, column, attrs))
        if found:
            self.head = (
                self.head[: found.start()] + f"<cols>{cols}</cols>" + self.head[found.end() :]
            )
        else:
            at = self.head.rindex("<sheetData")
            self.head = self.head[:at] + f"<cols>{cols}</cols>" + self.head[at:]
        return True

    def style_attribute(self, column: int) -> str:
        """' s="N"' for the column's <col style>, '' for General."""
        style = self.styles.get(column, 0)
        return f' s="{style}"' if style else ""

    # rows

    def _start_tag(self, row: str) -> tuple[str, int, bool]:
        """(the start tag's attributes, where the cells begin, self-closing)."""
        tag = _ROW_TAG.match(row)
        assert tag is not None
        return tag.group(1), tag.end(), bool(tag.group(2))

    def is_hidden(self, number: int) -> bool:
        row = self.rows.get(number)
        return row is not None and _HIDDEN.search(self._start_tag(row)[0]) is not None

    def uncalculated(self, number: int, column: int) -> str | None:
        """The formula of a cell that has one but no saved result (a file not saved by a
        program that calculates), else None: readers see such a cell as empty."""
        row = self.rows.get(number)
        ref = f'<c r="{column_letters(column)}{number}"'
        at = row.find(ref) if row is not None else -1
        if row is None or at < 0:
            return None
        close = row.index(">", at)
        if row[close - 1] == "/":
            return None
        cell = row[close : row.index("</c>", close)]
        formula = _FORMULA.search(cell)
        if formula is None or _CACHED.search(cell):
            return None
        if _STRING_RESULT.search(row, at, close) and _EMPTY_CACHED.search(cell):
            return None  # a saved result: the empty string (Excel writes <v></v>)
        return "=" + html.unescape(formula.group(1) or "")

    def show(self, number: int) -> None:
        """Take a row's hidden flag off (a filter or the bookkeeper hid it)."""
        row = self.rows.get(number)
        if row is not None:
            attrs, body = self._body(row)
            if _HIDDEN.search(attrs):
                self._set_row(number, _HIDDEN.sub("", attrs), body)

    def _body(self, row: str) -> tuple[str, str]:
        attrs, start, closed = self._start_tag(row)
        return attrs, "" if closed else row[start : len(row) - 6]

    def _set_row(self, number: int, attrs: str, body: str) -> None:
        if body:
            self.rows[number] = f"<row{attrs}>{body}</row>"
        elif set(_attributes(attrs)) - {"r", "spans"}:
            self.rows[number] = f"<row{_SPANS.sub('', attrs)}/>"
        else:
            self.rows.pop(number, None)

    def _cells(self, number: int, body: str) -> list[_Cell]:
        """Every cell of a row body, each with its column (and an r if it had none)."""
        cells: list[_Cell] = []
        column = 0
        position = 0
        while True:
            tag = _CELL_TAG.search(body, position)
            if tag is None:
                return cells
            known = _column_of(tag.group(1))
            column = known if known is not None else column + 1
            position = tag.end() if tag.group(2) else body.index("</c>", tag.end()) + 4
            xml = body[tag.start() : position]
            if known is None:
                xml = f'<c r="{column_letters(column)}{number}"' + xml[2:]
            cells.append(_Cell(column, xml))

    def _outer_columns(self, body: str) -> tuple[int, int] | None:
        """The first and last cell's columns, when both say where they are."""
        first = _LEADING_REF.match(body)
        at = body.rfind('<c r="')
        last = _LEADING_REF.match(body, at) if at >= 0 else None
        if first is not None and last is not None and _ANY_CELL.search(body, at + 6) is None:
            return _column_number(first.group(1)), _column_number(last.group(1))
        opening = _CELL_TAG.search(body)
        last_at = max(body.rfind("<c "), body.rfind("<c>"), body.rfind("<c/"))
        closing = _CELL_TAG.match(body, last_at) if last_at >= 0 else None
        if opening is None or closing is None:
            return None
        left, right = _column_of(opening.group(1)), _column_of(closing.group(1))
        return None if left is None or right is None else (left, right)

    def replace_cells(self, number: int, first: int, last: int, cells: str) -> None:
        """Row ``number``'s cells in columns ``first``..``last`` become ``cells`` (in column
        order); its other cells and its attributes (hidden, height) stay."""
        row = self.rows.get(number)
        if row is None:
            if cells:
                self.rows[number] = f'<row r="{number}">{cells}</row>'
            return
        attrs, body = self._body(row)
        attrs = _SPANS.sub("", attrs)
        if body:
            outer = self._outer_columns(body)
            if outer is None or outer[0] < first or outer[1] > last:
                kept = self._cells(number, body)
                body = (
                    "".join(c.xml for c in kept if c.column < first)
                    + cells
                    + "".join(c.xml for c in kept if c.column > last)
                )
            else:
                body = cells
        else:
            body = cells
        self._set_row(number, attrs, body)

    def put_cell(self, number: int, column: int, value: Value) -> Value:
        """Write one cell, keeping its style (a new cell takes its column's); returns
        what a reader gets back."""
        ref = column_letters(column) + str(number)
        row = self.rows.get(number)
        if row is None:
            xml, back = cell_xml(ref, self.style_attribute(column), value)
            self.rows[number] = f'<row r="{number}">{xml}</row>'
            return back
        at = row.find(f'<c r="{ref}"')
        if at >= 0:
            close = row.index(">", at)
            end = close + 1 if row[close - 1] == "/" else row.index("</c>", close) + 4
            style = _STYLE.search(row, at, close)
            xml, back = cell_xml(ref, f' s="{style.group(1)}"' if style else "", value)
            self.rows[number] = row[:at] + xml + row[end:]
            return back
        attrs, body = self._body(row)
        cells = self._cells(number, body)
        old = next((c for c in cells if c.column == column), None)
        if old is None:
            style_attribute = self.style_attribute(column)
        else:
            tag = _CELL_TAG.match(old.xml)
            style = _STYLE.search(tag.group(1)) if tag else None
            style_attribute = f' s="{style.group(1)}"' if style else ""
        xml, back = cell_xml(ref, style_attribute, value)
        kept = [c for c in cells if c.column != column] + [_Cell(column, xml)]
        kept.sort(key=lambda c: c.column)
        self._set_row(number, _SPANS.sub("", attrs), "".join(c.xml for c in kept))
        return back

    # inserting rows

    def _placed(self) -> Iterator[tuple[int, int, int, int]]:
        """Every merged block, hyperlink, validation and conditional format's range."""
        for found in _PLACED_RANGES.finditer(self.tail):
            text = found.group(2) or found.group(5) or found.group(8) or ""
            for ref in text.split():
                yield range_bounds(ref)

    def first_used_row(self, after: int) -> tuple[int, str] | None:
        """The first row below ``after`` holding anything (a value or formula, or the top
        of a merged block, hyperlink, validation or format), and the first such cell. A
        cell with only a format is not counted: Excel leaves those where a table shrank."""
        found: list[tuple[int, int]] = []
        for number in sorted(n for n in self.rows if n > after):
            cells = self._cells(number, self._body(self.rows[number])[1])
            held = [c for c in cells if _HOLDS.search(c.xml)]
            if held:
                found.append((number, held[0].column))
                break
        found += [(top, left) for top, left, _, _ in self._placed() if top > after]
        if not found:
            return None
        number, column = min(found)
        return number, f"{column_letters(column)}{number}"

    def first_held(self, top: int, bottom: int, left: int, right: int) -> str | None:
        """The first cell of the block holding a value or formula, or the top-left cell
        of a merged block reaching into it."""
        for number in sorted(n for n in self.rows if top <= n <= bottom):
            for cell in self._cells(number, self._body(self.rows[number])[1]):
                if left <= cell.column <= right and _HOLDS.search(cell.xml):
                    return f"{column_letters(cell.column)}{number}"
        for found in _MERGE_REF.finditer(self.tail):
            first, first_column, last, last_column = range_bounds(found.group(1))
            if first <= bottom and top <= last and first_column <= right and left <= last_column:
                return f"{column_letters(first_column)}{first}"
        return None

    def pushed_off(self, at: int, count: int) -> str | None:
        """The first thing ``count`` rows inserted above row ``at`` would push past
        Excel's last row: a cell holding a value or formula, or the top of a merged
        block, hyperlink, validation or format that starts at or below ``at``. Rows and
        cells holding only a format or a hidden flag are not counted: they drop off the
        end, as in Excel."""
        gone = max(at, EXCEL_LAST_ROW - count + 1)
        for number in sorted(n for n in self.rows if n >= gone):
            cells = self._cells(number, self._body(self.rows[number])[1])
            held = [c for c in cells if _HOLDS.search(c.xml)]
            if held:
                return f"{column_letters(held[0].column)}{number}"
        tops = sorted((top, left) for top, left, _, _ in self._placed() if top >= gone)
        return f"{column_letters(tops[0][1])}{tops[0][0]}" if tops else None

    def formula_from(self, first: int) -> str | None:
        """The first cell at or below row ``first`` holding a formula (its references
        would have to change with the rows), or None."""
        for number in sorted(n for n in self.rows if n >= first):
            if "<f" in self.rows[number]:
                for cell in self._cells(number, self._body(self.rows[number])[1]):
                    if "<f" in cell.xml:
                        return f"{column_letters(cell.column)}{number}"
        return None

    def insert_rows(self, at: int, count: int) -> None:
        """``count`` empty rows above row ``at``: that row and every row, merged block,
        hyperlink, validation and conditional format below it move down; a range that
        starts above ``at`` and reaches it grows (up to Excel's last row). Rows pushed past
        the last row drop off. The caller has made sure that nothing but formats and
        hidden flags would be pushed off (``pushed_off``) and that no formula lies below
        or points there (references are not rewritten)."""

        def moved(number: int) -> int:
            return number + count if number >= at else number

        def shift_row(row: str) -> str:
            row = _ROW_NUMBER.sub(lambda m: f"{m[1]}{moved(int(m[2]))}{m[3]}", row, count=1)
            return _CELL_ROW.sub(lambda m: f"{m[1]}{moved(int(m[2]))}{m[3]}", row)

        self.rows = {
            moved(n): shift_row(row) if n >= at else row
            for n, row in sorted(self.rows.items())
            if moved(n) <= EXCEL_LAST_ROW
        }

        def shift_ref(ref: str) -> str:
            if _WHOLE_COLUMNS.fullmatch(ref):
                return ref
            top, left, bottom, right = range_bounds(ref)
            top = moved(top)
            bottom = min(bottom + count, EXCEL_LAST_ROW) if bottom >= at else bottom
            if _WHOLE_ROWS.fullmatch(ref):
                return f"{top}:{bottom}"
            first = f"{column_letters(left)}{top}"
            last = f"{column_letters(right)}{bottom}"
            return first if first == last and ":" not in ref else f"{first}:{last}"

        def shift_list(found: re.Match[str]) -> str:
            for opening in (1, 4, 7):
                if found.group(opening) is not None:
                    refs = " ".join(shift_ref(r) for r in found.group(opening + 1).split())
                    return found.group(opening) + refs + found.group(opening + 2)
            return found.group(0)

        self.tail = _PLACED_RANGES.sub(shift_list, self.tail)

    # writing

    def _extent(self) -> str:
        """The <dimension> reference: the smallest block holding every cell."""
        left = top = 1 << 30
        right = bottom = 0
        for number, row in self.rows.items():
            _, body = self._body(row)
            outer = self._outer_columns(body) if body else None
            if outer is None and body:
                cells = self._cells(number, body)
                outer = (cells[0].column, cells[-1].column) if cells else None
            if outer is not None:
                left, right = min(left, outer[0]), max(right, outer[1])
                top, bottom = min(top, number), max(bottom, number)
        if not bottom:
            return "A1"
        first, last = f"{column_letters(left)}{top}", f"{column_letters(right)}{bottom}"
        return first if first == last else f"{first}:{last}"

    def chunks(self, rows_per_chunk: int = 2000) -> Iterator[bytes]:
        """The part's XML, in UTF-8 pieces, rows in order, <dimension> updated."""
        yield _DIMENSION.sub(
            lambda m: m.group(1) + self._extent() + m.group(2), self.head, count=1
        ).encode("utf-8")
        numbers = sorted(self.rows)
        for start in range(0, len(numbers), rows_per_chunk):
            rows = self.rows
            yield "".join([rows[n] for n in numbers[start : start + rows_per_chunk]]).encode(
                "utf-8"
            )
        yield self.tail.encode("utf-8")
