"""A worksheet part as its bytes and where each row starts: a few rows read, or the
part saved with the cells written since, without parsing every row.

Check All and Synchronize read a few facts of a large sheet (which rows are hidden,
which Include cell holds a formula without a result) and write one column. Parsed
whole (``SheetXml``), a 30,000-row sheet takes its text and every row again; here it
takes its bytes, each row asked about is decoded alone, and a save copies the rows
not written as bytes and rewrites the others with ``SheetXml.put_cell``, so a cell
comes out exactly as a sheet parsed whole would write it. A part whose rows cannot be
placed exactly this way (a row without its ``r``, rows out of order) is parsed whole:
``SheetRows.of`` gives None; so is one saved whose ``<dimension>`` is not a range.
"""

from __future__ import annotations

import bisect
import codecs
import itertools
import re
from collections.abc import Callable, Collection, Iterator, Mapping

from smsync_xl.book.sheet_xml import (
    SheetXml,
    Value,
    cell_xml,
    column_letters,
    range_bounds,
    split_ref,
)

Patches = dict[int, dict[int, Value]]
"""Row number → column number → the value written there last."""

_SHEET_DATA_BYTES = re.compile(rb"<sheetData\b[^>]*?(/?)>")
_ROW_START = re.compile(rb'<row r="(\d+)"([^>]*)>')
_HIDDEN = re.compile(rb'\shidden="(?:1|true)"')
_STYLE = re.compile(rb'\ss="(\d+)"')
_ERROR = re.compile(rb"""\st=["']e["']""")
_UNREFERENCED = re.compile(rb'<c(?! r=")')
"""A tag starting ``<c`` without a cell's reference: one pass over the rows finds it."""
_DIMENSION = re.compile(r'(<dimension\b[^>]*?\sref=")([^"]*)(")')
_CELL_REST = rb"([^>]*?)(?:/>|>(?:<is><t>([^<&_\r]+)</t></is>|(.*?))</c>)"
"""A cell's attributes, then its text when it is one plain run, else what it holds."""
_INLINE_TYPE = b' t="inlineStr"'
_TYPE = re.compile(rb'\st="([^"]*)"')
_INLINE = re.compile(rb'<is><t( xml:space="preserve")?>([^<]*)</t></is>|<is><t/></is>')
_BOOLEAN = {b"<v>0</v>": False, b"<v>1</v>": True}
_ENTITY = re.compile(rb"&(?:(amp|lt|gt|quot|apos)|#([0-9]+)|#x([0-9A-Fa-f]+));")
_NAMED = {b"amp": b"&", b"lt": b"<", b"gt": b">", b"quot": b'"', b"apos": b"'"}
_PIECE = 1 << 20
"""Bytes of copied rows handed on at a time."""


def _grown(head: str, patches: Mapping[int, Mapping[int, Value]]) -> str | None:
    """``head`` with its ``<dimension>`` grown to take the patched cells (a patch adds
    or replaces a cell, never removes one); None when its reference is not a range."""
    found = _DIMENSION.search(head)
    if found is None:
        return head
    if ":" not in found.group(2):
        return None
    top, left, bottom, right = range_bounds(found.group(2))
    columns = [column for cells in patches.values() for column in cells]
    top, bottom = min(top, min(patches)), max(bottom, max(patches))
    left, right = min(left, min(columns)), max(right, max(columns))
    ref = f"{column_letters(left)}{top}:{column_letters(right)}{bottom}"
    return head[: found.start(2)] + ref + head[found.end(2) :]


class NotPlain(Exception):
    """A cell not in a shape ``SheetRows.column_values`` reads (a shared string, a
    number, a formula, rich text...): the sheet is read whole instead."""


def _entity(found: re.Match[bytes]) -> bytes:
    named, decimal, hexadecimal = found.groups()
    if named:
        return _NAMED[named]
    return chr(int(decimal or hexadecimal, 16 if hexadecimal else 10)).encode("utf-8")


def _plain_value(attributes: bytes, inner: bytes | None) -> Value:
    """An empty cell, an inline string of one run, or a boolean, as python-calamine
    reads it (an empty text is None); anything else raises ``NotPlain``."""
    if not inner:
        return None
    kind = _TYPE.search(attributes)
    if kind is not None and kind.group(1) == b"b" and inner in _BOOLEAN:
        return _BOOLEAN[inner]
    text = _INLINE.fullmatch(inner) if kind is not None and kind.group(1) == b"inlineStr" else None
    if text is None or b"\r" in inner or b"_x" in inner:
        raise NotPlain
    return _text(text.group(2) or b"", preserved=bool(text.group(1))) or None


def _text(raw: bytes, *, preserved: bool) -> str:
    """A ``<t>``'s text, its entities replaced; ``NotPlain`` when a full read would
    trim it (``_trimmed``) or it holds an entity XML does not define."""
    if b"&" in raw:
        if b"&" in _ENTITY.sub(b"", raw):
            raise NotPlain
        raw = _ENTITY.sub(_entity, raw)
    if not preserved and _trimmed(raw):
        raise NotPlain
    return raw.decode("utf-8")


def _trimmed(text: bytes) -> bool:
    """A full read trims the whitespace around a text not marked xml:space="preserve"
    (which an SMSync save marks): such a text is left to it."""
    return text[:1].isspace() or text[-1:].isspace()


def _cell_value(attributes: bytes, text: bytes, inner: bytes) -> Value:
    """A cell found by ``_CELL_REST``: its one plain run of text, or ``_plain_value``."""
    if not text:
        return _plain_value(attributes, inner)
    if _INLINE_TYPE not in attributes or _trimmed(text):
        raise NotPlain
    return text.decode("utf-8")


class SheetRows:
    """The part's bytes (UTF-8), and each row's number and where it starts."""

    def __init__(
        self,
        data: bytes,
        rows: tuple[int, int],
        starts: list[int],
        numbers: list[int],
        hidden: set[int],
    ) -> None:
        self.data = data
        self._rows = rows
        self._starts = starts
        self._numbers = numbers
        self._hidden = hidden
        self._formulas: dict[int, set[int]] = {}
        self._referenced: bool | None = None
        self._head = data[: rows[0]].decode("utf-8")
        self._shell = SheetXml(self._head + data[rows[1] :].decode("utf-8"))
        """The part without its rows: each row asked about or written is put in alone."""

    @classmethod
    def of(cls, data: bytes) -> SheetRows | None:
        data = data.removeprefix(codecs.BOM_UTF8)
        found = _SHEET_DATA_BYTES.search(data)
        end = data.rfind(b"</sheetData>")
        if found is None or found.group(1) or end < found.end():
            return None
        start = found.end()
        matches = list(_ROW_START.finditer(data, start, end))
        numbers = [int(m.group(1)) for m in matches]
        if data.count(b"<row", start, end) != len(numbers) or any(
            a >= b for a, b in itertools.pairwise(numbers)
        ):
            return None
        hidden = {n for n, m in zip(numbers, matches, strict=True) if _HIDDEN.search(m.group(2))}
        return cls(data, (start, end), [m.start() for m in matches], numbers, hidden)

    def _find(self, number: int) -> tuple[int, int, bool]:
        """(where row ``number`` starts, or would; where it ends; whether it is there)."""
        index = bisect.bisect_left(self._numbers, number)
        at = self._starts[index] if index < len(self._starts) else self._rows[1]
        if index < len(self._numbers) and self._numbers[index] == number:
            close = self.data.index(b">", at)
            if self.data[close - 1] == 47:  # "/": a row without cells
                return at, close + 1, True
            return at, self.data.index(b"</row>", close) + 6, True
        return at, at, False

    def _shell_with(self, number: int) -> tuple[SheetXml, int, int]:
        """The part without rows but row ``number``; where that row starts and ends."""
        at, end, found = self._find(number)
        self._shell.rows = {number: self.data[at:end].decode("utf-8")} if found else {}
        return self._shell, at, end

    def is_hidden(self, number: int) -> bool:
        return number in self._hidden

    def _cell(self, number: int, column: int, row: tuple[int, int]) -> tuple[int, int, int]:
        """Where the cell starts, its start tag ends (at its ">") and it ends; -1 first
        when the row has no cell there."""
        data = self.data
        at = data.find(f'<c r="{column_letters(column)}{number}"'.encode(), *row)
        if at < 0:
            return -1, -1, -1
        close = data.index(b">", at)
        return at, close, close + 1 if data[close - 1] == 47 else data.index(b"</c>", close) + 4

    def any_row_after(self, number: int) -> bool:
        """Whether the sheet holds a row (any ``<row>``, empty or not) numbered after
        ``number``."""
        return bool(self._numbers) and self._numbers[-1] > number

    def unplain_rows(self, column: int) -> set[int]:
        """The rows whose cell in ``column`` is not a plain value: it has an ``<f`` (may
        hold a formula) or is an error (``t="e"``: #N/A pasted as a value, which a reader
        gives as empty). One pass over the bytes, so each row is not looked at alone."""
        if column not in self._formulas:
            letters = column_letters(column).encode()
            cells = re.compile(rb'<c r="' + letters + rb'(\d+)"([^>]*)(?<!/)>(.*?)</c>', re.DOTALL)
            self._formulas[column] = {
                int(m.group(1))
                for m in cells.finditer(self.data, *self._rows)
                if b"<f" in m.group(3) or _ERROR.search(m.group(2))
            }
        return self._formulas[column]

    def _cells_have_references(self) -> bool:
        """Every cell tag starts with its reference (``<c r="``), so a column's cells
        are found by it (a rich text run's ``<color``, ``<charset`` or ``<condense``
        counts as a cell without one: that sheet is read whole)."""
        if self._referenced is None:
            self._referenced = _UNREFERENCED.search(self.data, *self._rows) is None
        return self._referenced

    def column_values(self, columns: Collection[int]) -> dict[int, dict[int, Value]]:
        """Per column of ``columns``, row number → value of each of its cells holding
        one, as a full read gives it: the cells found by their references, in one pass
        over the rows, without reading the other columns. Raises ``NotPlain`` for a
        cell not read here, or cells without references."""
        if not self._cells_have_references():
            raise NotPlain
        named = {column_letters(column).encode(): column for column in columns}
        letters = b"|".join(named)  # "A" or "AG": the digits and quote after tell them apart
        cells = re.compile(rb'<c r="(' + letters + rb')(\d+)"' + _CELL_REST, re.DOTALL)
        values: dict[int, dict[int, Value]] = {column: {} for column in columns}
        for found, number, attributes, text, inner in cells.findall(self.data, *self._rows):
            value = _cell_value(attributes, text, inner)
            if value is not None:
                values[named[found]][int(number)] = value
        for column in columns:
            self._formulas[column] = set()
        return values

    def row_values(self, number: int) -> dict[int, Value]:
        """Column number → value of each cell of row ``number`` holding one (as
        ``column_values``)."""
        if not self._cells_have_references():
            raise NotPlain
        at, end, _ = self._find(number)
        cells = re.compile(rb'<c r="([A-Z]+)' + str(number).encode() + b'"' + _CELL_REST, re.DOTALL)
        values = {}
        for letters, attributes, text, inner in cells.findall(self.data, at, end):
            value = _cell_value(attributes, text, inner)
            if value is not None:
                values[split_ref(letters.decode() + str(number))[1]] = value
        return values

    def uncalculated(self, number: int, column: int) -> str | None:
        """As ``SheetXml.uncalculated``; the row is decoded only when the cell holds a
        formula."""
        if number not in self.unplain_rows(column):
            return None
        return self._shell_with(number)[0].uncalculated(number, column)

    def _replaced(
        self, number: int, cells: Mapping[int, Value], row: tuple[int, int]
    ) -> list[tuple[int, int, bytes]] | None:
        """(start, end, new XML) of each cell written, when the row holds them all: as
        ``SheetXml.put_cell`` replaces a cell it finds, keeping its style."""
        found = []
        for column, value in cells.items():
            at, close, end = self._cell(number, column, row)
            if at < 0:
                return None
            style = _STYLE.search(self.data, at, close)
            attribute = f' s="{style.group(1).decode()}"' if style else ""
            xml = cell_xml(f"{column_letters(column)}{number}", attribute, value)[0]
            found.append((at, end, xml.encode("utf-8")))
        return sorted(found)

    def saved(
        self, patches: Mapping[int, Mapping[int, Value]]
    ) -> Callable[[], Iterator[bytes]] | None:
        """The part with ``patches`` written, given in pieces each time it is called;
        None when nothing was written (the part is parsed whole, as before) or its
        ``<dimension>`` is not a range."""
        head = _grown(self._head, patches) if patches else None
        if head is None:
            return None
        return lambda: self._pieces(head.encode("utf-8"), patches)

    def _pieces(self, head: bytes, patches: Mapping[int, Mapping[int, Value]]) -> Iterator[bytes]:
        yield head
        view = memoryview(self.data)
        position = self._rows[0]
        pieces: list[bytes | memoryview] = []
        size = 0
        for number in sorted(patches):
            at, end, found = self._find(number)
            cells = self._replaced(number, patches[number], (at, end)) if found else None
            if cells is None:
                shell = self._shell_with(number)[0]
                for column, value in patches[number].items():
                    shell.put_cell(number, column, value)
                cells = [(at, end, shell.rows[number].encode("utf-8"))]
            for cell_at, cell_end, xml in cells:
                pieces += (view[position:cell_at], xml)
                size += cell_at - position + len(xml)
                position = cell_end
            if size >= _PIECE:
                yield b"".join(pieces)
                pieces, size = [], 0
        pieces.append(view[position:])
        yield b"".join(pieces)
