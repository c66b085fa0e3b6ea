"""A worksheet part saved in one pass over its text: the cells written since it was read
replace theirs in the rows that hold them, and every other row is copied as it was.

Writing a column (Include, Result) to a large sheet this way does not parse and keep
every row as ``SheetXml`` does: the part's bytes alone are held while it is saved, and
rows not written are copied as bytes, never decoded. The
rows patched are rewritten by ``SheetXml.put_cell``, so a cell comes out exactly as a
sheet parsed whole would write it. A part this pass cannot place rows in exactly (a
row without its ``r``, rows out of order, a ``<dimension>`` that is not a range) is
left to ``SheetXml``: ``patched_sheet`` returns None.
"""

from __future__ import annotations

import bisect
import codecs
import itertools
import re
from collections.abc import Callable, Iterator, Mapping

from smsync_xl.book.sheet_xml import SheetXml, Value, column_letters, range_bounds

Patches = dict[int, dict[int, Value]]
"""Row number → column number → the value written there last."""

OPENING = 1 << 16
"""Bytes of a worksheet part enough to reach ``<sheetData>`` in any SMSync sheet (its
columns, views and formats come first)."""
_SHEET_DATA = re.compile(r"<sheetData\b[^>]*?(/?)>")
_SHEET_DATA_BYTES = re.compile(rb"<sheetData\b[^>]*?(/?)>")
_ROW_START = re.compile(rb'<row r="(\d+)"')
_DIMENSION = re.compile(r'(<dimension\b[^>]*?\sref=")([^"]*)(")')
_PIECE = 1 << 20
"""Bytes of copied rows handed on at a time."""


def patchable(opening: str) -> bool:
    """Whether a part starting with ``opening`` has its rows where this pass finds them
    (else the part is parsed whole, which refuses one it cannot edit at once)."""
    return _SHEET_DATA.search(opening) is not None


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


def patched_sheet(
    data: bytes, patches: Mapping[int, Mapping[int, Value]]
) -> Callable[[], Iterator[bytes]] | None:
    """The part ``data`` (UTF-8) with ``patches`` written, given in pieces each time it
    is called; None when only a parsed ``SheetXml`` can write it exactly."""
    data = data.removeprefix(codecs.BOM_UTF8)
    found = _SHEET_DATA_BYTES.search(data)
    end = data.rfind(b"</sheetData>")
    if found is None or found.group(1) or end < found.end() or not patches:
        return None
    start = found.end()
    starts = [(int(m.group(1)), m.start()) for m in _ROW_START.finditer(data, start, end)]
    numbers = [number for number, _ in starts]
    if data.count(b"<row", start, end) != len(starts) or any(
        a >= b for a, b in itertools.pairwise(numbers)
    ):
        return None
    head = _grown(data[:start].decode("utf-8"), patches)
    if head is None:
        return None
    shell = SheetXml(head + data[end:].decode("utf-8"))
    return lambda: _pieces(data, head.encode("utf-8"), shell, (start, end), starts, patches)


def _row_end(data: bytes, start: int) -> int:
    close = data.index(b">", start)
    return close + 1 if data[close - 1] == 47 else data.index(b"</row>", close) + 6  # 47: "/"


def _pieces(
    data: bytes,
    head: bytes,
    shell: SheetXml,
    rows: tuple[int, int],
    starts: list[tuple[int, int]],
    patches: Mapping[int, Mapping[int, Value]],
) -> Iterator[bytes]:
    yield head
    numbers = [number for number, _ in starts]
    view = memoryview(data)
    position = rows[0]
    pieces: list[bytes | memoryview] = []
    size = 0
    for number in sorted(patches):
        index = bisect.bisect_left(numbers, number)
        at = starts[index][1] if index < len(starts) else rows[1]
        found = index < len(starts) and numbers[index] == number
        end = _row_end(data, at) if found else at
        shell.rows = {number: data[at:end].decode("utf-8")} if found else {}
        for column, value in patches[number].items():
            shell.put_cell(number, column, value)
        row = shell.rows[number].encode("utf-8")
        pieces += (view[position:at], row)
        size += at - position + len(row)
        position = end
        if size >= _PIECE:
            yield b"".join(pieces)
            pieces, size = [], 0
    pieces.append(view[position:])
    yield b"".join(pieces)
