"""What in a worksheet part points at rows of a sheet: formulas (shared ones as far as
their copies reach), conditional formats, validations and hyperlinks. The headless port
does not rewrite references when it inserts rows, so it refuses to move rows anything
points at, naming the first thing that does."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator

from smsync_xl.book.sheet_xml import range_bounds

_STRING = re.compile(r'"[^"]*"')
_REFERENCE = re.compile(
    r"(?:(?:'((?:[^']|'')+)'|([^\s'!()=,;:+\-*/&^<>\"{}\[\]]+))!)?"
    r"(?<![\w.$])(\$?[A-Za-z]{1,3}\$?\d+(?::\$?[A-Za-z]{1,3}\$?\d+)?|\$?\d+:\$?\d+)"
    r"(?![\w(!.\[])"
)
_ROW = re.compile(r"(\$?)(\d+)(?![A-Za-z])")
_CELL_FORMULA = re.compile(r"<f\b([^>]*?)(?:/>|>([^<]*)</f>)")
_SHARED_REF = re.compile(r'\sref="([^"]*)"')
_CELL_START = re.compile(r'<c\b[^>]*?\sr="([A-Za-z]{1,3}\d+)"')
_FORMATS = re.compile(
    r"<conditionalFormatting\b[^>]*?\ssqref=\"([^\"]*)\"[^>]*>(.*?)</conditionalFormatting>",
    re.DOTALL,
)
_VALIDATIONS = re.compile(
    r"<dataValidation\b[^>]*?\ssqref=\"([^\"]*)\"[^>]*>(.*?)</dataValidation>", re.DOTALL
)
_RULE_FORMULA = re.compile(r"<(formula\d?|xm:f)>([^<]*)</\1>")
_EXTENSIONS = re.compile(
    r"<x14:(conditionalFormatting|dataValidation)\b[^>]*>(.*?)</x14:\1>", re.DOTALL
)
_EXTENSION_SQREF = re.compile(r"<xm:sqref>([^<]*)</xm:sqref>")
_HYPERLINK = re.compile(r"<hyperlink\b[^>]*>")
_ATTRIBUTE = re.compile(r'([\w:]+)="([^"]*)"')


def rows_pointed_at(formula: str, target: str, own: bool, spread: int = 0) -> Iterator[int]:
    """The rows of sheet ``target`` that ``formula`` refers to; unqualified references
    count when the formula is on that sheet (``own``). A relative row may reach
    ``spread`` rows further (the copies of a shared formula)."""
    for found in _REFERENCE.finditer(_STRING.sub('""', formula)):
        quoted, plain = found.group(1), found.group(2)
        sheet = quoted.replace("''", "'") if quoted is not None else plain
        if (sheet is None and own) or (sheet is not None and sheet.lower() == target.lower()):
            for row in _ROW.finditer(found.group(3)):
                yield int(row.group(2)) + (0 if row.group(1) else spread)


def _first_cell(sqref: str) -> str:
    return sqref.split()[0].split(":")[0] if sqref.strip() else "?"


def pointer_below(xml: str, sheet: str, target: str, at: int) -> str | None:
    """What in sheet ``sheet``'s part ``xml`` points at row ``at`` or below of sheet
    ``target``, in words (the first found), or None."""
    own = sheet == target

    def below(text: str, spread: int = 0) -> bool:
        return any(r >= at for r in rows_pointed_at(html.unescape(text), target, own, spread))

    return (
        _formula_pointer(xml, sheet, below)
        or _rule_pointer(xml, sheet, below)
        or _extension_pointer(xml, sheet, below)
        or _hyperlink_pointer(xml, sheet, below)
    )


def _formula_pointer(xml: str, sheet: str, below: Callable[..., bool]) -> str | None:
    """The first cell formula that points below: checked first, as the likeliest case."""
    for found in _CELL_FORMULA.finditer(xml):
        text = found.group(2) or ""
        shared = _SHARED_REF.search(found.group(1))
        spread = 0
        if shared is not None:
            top, _, bottom, _ = range_bounds(shared.group(1))
            spread = bottom - top
        if text and below(text, spread):
            cells = list(_CELL_START.finditer(xml, 0, found.start()))
            cell = cells[-1].group(1) if cells else "?"
            return f"the formula in cell {cell} of the {sheet} sheet points there"
    return None


def _rule_pointer(xml: str, sheet: str, below: Callable[..., bool]) -> str | None:
    """The first conditional format or data validation whose rule points below."""
    for pattern, what in ((_FORMATS, "conditional format"), (_VALIDATIONS, "data validation")):
        for found in pattern.finditer(xml):
            if any(below(f.group(2)) for f in _RULE_FORMULA.finditer(found.group(2))):
                cell = _first_cell(found.group(1))
                return f"the {what} on cell {cell} of the {sheet} sheet uses cells there"
    return None


def _extension_pointer(xml: str, sheet: str, below: Callable[..., bool]) -> str | None:
    """The same for the x14 extension rules, which keep their range in a child element."""
    for found in _EXTENSIONS.finditer(xml):
        if any(below(f.group(2)) for f in _RULE_FORMULA.finditer(found.group(2))):
            sqref = _EXTENSION_SQREF.search(found.group(2))
            cell = _first_cell(sqref.group(1)) if sqref else "?"
            kind = found.group(1)
            what = "conditional format" if kind == "conditionalFormatting" else "data validation"
            return f"the {what} on cell {cell} of the {sheet} sheet uses cells there"
    return None


def _hyperlink_pointer(xml: str, sheet: str, below: Callable[..., bool]) -> str | None:
    """The first in-book hyperlink whose location lies below."""
    for found in _HYPERLINK.finditer(xml):
        attributes = dict(_ATTRIBUTE.findall(found.group(0)))
        location = attributes.get("location")
        if location and below(location):
            cell = attributes.get("ref", "?")
            return f"the hyperlink in cell {cell} of the {sheet} sheet leads there"
    return None


_CHART_FORMULA = re.compile(r"<(?:\w+:)?f>([^<]*)</(?:\w+:)?f>")
_PIVOT_SOURCE = re.compile(r"<worksheetSource\b[^>]*>")


def part_pointer_below(xml: str, part: str, target: str, at: int) -> str | None:
    """What in a chart or PivotTable cache part points at row ``at`` or below of sheet
    ``target``, in words, or None."""
    if part.startswith("xl/charts/"):
        for found in _CHART_FORMULA.finditer(xml):
            if any(r >= at for r in rows_pointed_at(html.unescape(found.group(1)), target, False)):
                return "a chart takes its data from there"
    elif part.startswith("xl/pivotCache/"):
        for found in _PIVOT_SOURCE.finditer(xml):
            attributes = {k: html.unescape(v) for k, v in _ATTRIBUTE.findall(found.group(0))}
            ref = attributes.get("ref")
            same = attributes.get("sheet", "").lower() == target.lower()
            if same and ref is not None and range_bounds(ref)[2] >= at:
                return "a PivotTable takes its data from there"
    return None
