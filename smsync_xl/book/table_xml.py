"""One table part (xl/tables/tableN.xml), edited in place: its reference and its
autoFilter's, its filter, its column names. Everything else in it stays as written."""

from __future__ import annotations

import html
import re

from smsync_xl.book.sheet_xml import escape_attribute

_TABLE_TAG = re.compile(r"<table\b[^>]*>")
_REF = re.compile(r'(\sref=")([^"]*)(")')
_AUTO_FILTER_TAG = re.compile(r"<autoFilter\b[^>]*>")
_FILTER_COLUMN = re.compile(
    r"<filterColumn\b[^>]*/>|<filterColumn\b[^>]*[^/]>.*?</filterColumn>", re.DOTALL
)
_SORT_STATE = re.compile(r"<sortState\b[^>]*/>|<sortState\b[^>]*[^/]>.*?</sortState>", re.DOTALL)
_TABLE_COLUMN = re.compile(r"<tableColumn\b([^>]*?)(?:/>|>.*?</tableColumn>)", re.DOTALL)
_NAME = re.compile(r'(\sname=")([^"]*)(")')
_ID = re.compile(r'\sid="(\d+)"')
_TABLE_COLUMNS = re.compile(r"<tableColumns\b[^>]*>.*?</tableColumns>", re.DOTALL)
_COL_ID = re.compile(r'\scolId="(\d+)"')
_DISPLAY_NAME = re.compile(r'\sdisplayName="([^"]*)"')
_TOTALS_ROW_COUNT = re.compile(r'\stotalsRowCount="(\d+)"')
_TOTALS_ROW_SHOWN = re.compile(r'\stotalsRowShown="[^"]*"')


def _renamed(column: str, name: str) -> str:
    found = _NAME.search(column)
    if found is None:
        return column
    return column[: found.start(2)] + escape_attribute(name) + column[found.end(2) :]


def _within(filter_column: str, count: int) -> str:
    """A <filterColumn> kept if its (0-based) column is still in the table."""
    found = _COL_ID.search(filter_column)
    return filter_column if found is not None and int(found.group(1)) < count else ""


class TableXmlError(ValueError):
    """The part is not a table this module can edit."""


class TablePart:
    def __init__(self, xml: str) -> None:
        self.xml = xml
        self.changed = False
        if self._tag() is None:
            raise TableXmlError("the part has no <table>")

    def _tag(self) -> re.Match[str] | None:
        return _TABLE_TAG.search(self.xml)

    @property
    def display_name(self) -> str:
        tag = self._tag()
        assert tag is not None
        found = _DISPLAY_NAME.search(tag.group(0))
        return html.unescape(found.group(1)) if found else ""

    @property
    def ref(self) -> str:
        tag = self._tag()
        assert tag is not None
        found = _REF.search(tag.group(0))
        if found is None:
            raise TableXmlError("the table has no ref")
        return found.group(2)

    def _edit(self, xml: str) -> None:
        if xml != self.xml:
            self.xml = xml
            self.changed = True

    def resize(self, ref: str) -> None:
        """The table and its autoFilter cover ``ref``; a sort state (of rows now
        rewritten) is dropped."""
        if ref == self.ref:
            return
        tag = self._tag()
        assert tag is not None
        xml = (
            self.xml[: tag.start()]
            + _REF.sub(lambda m: m.group(1) + ref + m.group(3), tag.group(0), count=1)
            + self.xml[tag.end() :]
        )
        xml = _AUTO_FILTER_TAG.sub(
            lambda m: _REF.sub(lambda r: r.group(1) + ref + r.group(3), m.group(0), count=1),
            xml,
            count=1,
        )
        self._edit(_SORT_STATE.sub("", xml))

    def totals_rows(self) -> int:
        """The Total Row's height at the end of ``ref`` (totalsRowCount; 0 when off)."""
        tag = self._tag()
        found = _TOTALS_ROW_COUNT.search(tag.group(0)) if tag else None
        return int(found.group(1)) if found else 0

    def drop_total_row(self) -> None:
        """The Total Row turned off as Excel saves it then: no totalsRowCount,
        totalsRowShown="0" (the columns keep their totalsRowFunction for when it is turned
        on again). The caller empties its cells."""
        tag = self._tag()
        if tag is None or not self.totals_rows():
            return
        opening = _TOTALS_ROW_SHOWN.sub("", _TOTALS_ROW_COUNT.sub("", tag.group(0)))
        opening = re.sub(r"\s*(/?)>$", r' totalsRowShown="0"\1>', opening, count=1)
        self._edit(self.xml[: tag.start()] + opening + self.xml[tag.end() :])

    def filtered(self) -> bool:
        """A <filterColumn> in the autoFilter: a criterion, hiding rows or not."""
        return _FILTER_COLUMN.search(self.xml) is not None

    def clear_filter(self) -> None:
        """No column filtered; the filter buttons stay."""
        self._edit(_FILTER_COLUMN.sub("", self.xml))

    def column_names(self) -> list[str]:
        names = []
        for column in _TABLE_COLUMN.finditer(self.xml):
            found = _NAME.search(column.group(1))
            names.append(html.unescape(found.group(2)) if found else "")
        return names

    def name_columns(self, names: list[str]) -> None:
        """The columns carry the header cells' names, as Excel requires: the same names
        in another order move the columns (each keeps its id and formula), other names
        rename them in place. Left alone if the count differs or a name repeats."""
        current = self.column_names()
        if names == current or len(names) != len(current) or len(set(names)) != len(names):
            return
        columns = list(_TABLE_COLUMN.finditer(self.xml))
        if sorted(names) == sorted(current):
            by_name = dict(zip(current, (c.group(0) for c in columns), strict=True))
            texts = [by_name[name] for name in names]
        else:
            texts = [_renamed(c.group(0), name) for c, name in zip(columns, names, strict=True)]
        start, end = columns[0].start(), columns[-1].end()
        self._edit(self.xml[:start] + "".join(texts) + self.xml[end:])

    def set_columns(self, names: list[str]) -> None:
        """Exactly these columns, in this order, after Excel changed the table's column
        count (a column deleted, or typed beside the table): a column keeps its element
        (id, calculated formula, formats) by name, a new name gets a fresh id, ``count``
        follows, and a filter on a column that no longer exists is dropped."""
        if self.column_names() == names:
            return
        found = _TABLE_COLUMNS.search(self.xml)
        if found is None:
            raise TableXmlError("the table has no <tableColumns>")
        existing: dict[str, str] = {}
        for column in _TABLE_COLUMN.finditer(found.group(0)):
            named = _NAME.search(column.group(1))
            existing.setdefault(html.unescape(named.group(2)) if named else "", column.group(0))
        ids = [int(i) for i in _ID.findall(found.group(0))]
        fresh = max(ids, default=0)
        texts = []
        for name in names:
            if name in existing:
                texts.append(existing[name])
            else:
                fresh += 1
                texts.append(f'<tableColumn id="{fresh}" name="{escape_attribute(name)}"/>')
        columns = f'<tableColumns count="{len(names)}">{"".join(texts)}</tableColumns>'
        xml = self.xml[: found.start()] + columns + self.xml[found.end() :]
        self._edit(_FILTER_COLUMN.sub(lambda m: _within(m.group(0), len(names)), xml))
