"""Sage 50 UK as a source, from its positional record CSVs.

Sage 50 UK writes (and imports) customers, suppliers and products as CSV files without
a header row, each value at a fixed position (Excel columns A, B, C …): the reports
"Customer Record CSV", "Supplier Record CSV" and "Product Record CSV" (Sage's knowledge
base: "Customer record data fields you can import", "Product record data fields you can
import"; docs/DOMAIN.md §7). The bookkeeper runs each report to a file in one folder.

These layouts hold no inactive flag, no account status and no on-hold flag: every record
reads as active and its credit status as not supplied; a product's stock category is
its number (position I). Exports come in Windows-1252 or UTF-8, decoded exactly as the
US exports are (``sage50_csv.decode``).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from smsync_xl.core.errors import SourceFormatError
from smsync_xl.core.fields import CUSTOMER, MATERIAL, VENDOR, Entity, Record, SageRecord
from smsync_xl.core.uk_layout import UNUSED_LINE, UkLayout
from smsync_xl.sources.sage50_csv import decode
from smsync_xl.sources.sage50_uk import LEDGER_COLUMNS, STOCK_COLUMNS, read_address


def column_letter(index: int) -> str:
    """A 0-based position as Excel names its column: 0 is A, 26 is AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def position(letters: str) -> int:
    """An Excel column's 0-based position: A is 0, AD is 29."""
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - ord("A") + 1
    return index - 1


_PARTY_POSITIONS = {
    "ACCOUNT_REF": "A",
    "NAME": "B",
    **{f"ADDRESS_{n}": column_letter(1 + n) for n in range(1, 6)},
    "CONTACT_NAME": "H",
    "TELEPHONE": "I",
    "FAX": "J",
    "ANALYSIS_1": "K",
    "ANALYSIS_2": "L",
    "ANALYSIS_3": "M",
    "DEPT_NUMBER": "N",
    "CREDIT_LIMIT": "S",
    "TELEPHONE_2": "Z",
    "E_MAIL": "AA",
    "PAYMENT_DUE_DAYS": "AD",
}
"""Sage 50 UK column → its position in the Customer (Supplier) Record CSV. A to T are
what the report writes; Z, AA and AD are read when a line is that long."""
_PRODUCT_POSITIONS = {
    "STOCK_CODE": "A",
    "DESCRIPTION": "B",
    "SALES_PRICE": "D",
    "UNIT_OF_SALE": "F",
    "NOMINAL_CODE": "H",
    "STOCK_CAT": "I",
}
"""Sage 50 UK column → its position in the Product Record CSV (A to J written)."""

_PARTY_FIELDS = {f: c for f, c in LEDGER_COLUMNS.items() if c in _PARTY_POSITIONS}
_PRODUCT_FIELDS = {f: c for f, c in STOCK_COLUMNS.items() if c in _PRODUCT_POSITIONS}
"""SMSTurbo field → Sage 50 UK column, as over ODBC, for the columns the record CSVs
carry (declared once, in sage50_uk)."""


@dataclass(frozen=True)
class RecordLayout:
    """One positional record CSV: its report, the file it is saved as, where each
    column sits and how many positions every line has at least."""

    report: str
    file_name: str
    positions: dict[str, str]
    width: int
    header_words: tuple[str, ...]
    """A first cell that says the file starts with a header row, which these have not."""


LAYOUTS = {
    CUSTOMER.key: RecordLayout(
        "Customer Record CSV",
        "CUSTOMERS.CSV",
        _PARTY_POSITIONS,
        position("T") + 1,
        ("A/C", "ACCOUNT REFERENCE", "ACCOUNT_REF"),
    ),
    VENDOR.key: RecordLayout(
        "Supplier Record CSV",
        "SUPPLIERS.CSV",
        _PARTY_POSITIONS,
        position("T") + 1,
        ("A/C", "ACCOUNT REFERENCE", "ACCOUNT_REF"),
    ),
    MATERIAL.key: RecordLayout(
        "Product Record CSV",
        "PRODUCTS.CSV",
        _PRODUCT_POSITIONS,
        position("J") + 1,
        ("STOCK CODE", "STOCK_CODE", "PRODUCT CODE"),
    ),
}
"""The file names are SMSync's (the report asks for one): found whatever their case."""


def _fields(entity: Entity, layout: UkLayout) -> dict[str, str]:
    """SMSTurbo field → Sage 50 UK column the layout holds, for ``entity``."""
    if entity is MATERIAL:
        chosen = {"category": "STOCK_CAT"} if layout.stock_category == "STOCK_CAT" else {}
        fields = {**_PRODUCT_FIELDS, **chosen}
    else:
        type_column = layout.customer_type if entity is CUSTOMER else layout.vendor_type
        fields = {**_PARTY_FIELDS, "type": type_column}
    taken = {f.name for f in entity.fields}
    return {f: c for f, c in fields.items() if f in taken}


class Sage50UkCsvSource:
    """Reads customers, suppliers and products from the record CSVs in ``folder``."""

    def __init__(self, folder: Path, layout: UkLayout) -> None:
        self.folder = folder
        self.layout = layout

    def location(self) -> str:
        return str(self.folder)

    def company_name(self) -> str:
        """The record CSVs carry no company name: the folder is what the user knows."""
        return f"Sage 50 UK record CSVs in {self.folder}"

    def _find(self, entity: Entity) -> Path | None:
        wanted = LAYOUTS[entity.key].file_name
        return next((p for p in sorted(self.folder.glob("*")) if p.name.upper() == wanted), None)

    def missing_list(self, entity: Entity) -> str | None:
        if self._find(entity) is not None:
            return None
        found = LAYOUTS[entity.key]
        return f"no {found.report} ({found.file_name}) in {self.folder}"

    def read(self, entity: Entity) -> list[SageRecord]:
        """Every line of the entity's record CSV, by position."""
        found = LAYOUTS[entity.key]
        path = self._find(entity)
        if path is None:
            raise SourceFormatError(
                f"no {found.report} ({found.file_name}) in the folder",
                where=str(self.folder),
                advice=f"In Sage 50 run the report '{found.report}' to a file named "
                f"{found.file_name} in this folder, then {{refresh}} again.",
            )
        fields = _fields(entity, self.layout)
        wanted = set(fields.values())
        if entity is not MATERIAL:
            wanted |= {f"ADDRESS_{n}" for n in range(1, 6)}
        missing = sorted(c for c in wanted if c not in found.positions)
        if missing:
            raise SourceFormatError(
                f"the {found.report} has no {', '.join(missing)}",
                where="settings: [uk]",
                advice="Choose ANALYSIS_1, ANALYSIS_2, ANALYSIS_3 or DEPT_NUMBER as the type: "
                "the record CSVs hold no other.",
            )
        rows = csv.reader(io.StringIO(decode(path.read_bytes(), path), newline=""))
        records = []
        try:
            for row in rows:
                if not any(cell.strip() for cell in row):
                    continue
                self._check(found, path, rows.line_num, row)
                records.append(self._record(entity, found, fields, row))
        except csv.Error as error:
            raise SourceFormatError(
                f"line {rows.line_num} cannot be read as CSV: {error}",
                where=str(path),
                advice=f"Run the report '{found.report}' again; do not edit the file in "
                "another program first.",
            ) from None
        return records

    @staticmethod
    def _check(found: RecordLayout, path: Path, line: int, row: list[str]) -> None:
        """A line the layout cannot be read from: a header row, or too few positions."""
        if line == 1 and row[0].strip().upper() in found.header_words:
            raise SourceFormatError(
                f"line 1, position A holds {row[0]!r}: the file starts with a header row, "
                f"which the {found.report} layout does not have; nothing was read",
                where=str(path),
                advice=f"Run the report '{found.report}' in Sage 50 to make the file (or "
                "delete the header line), then {refresh} again.",
            )
        if len(row) < found.width:
            last = column_letter(found.width - 1)
            raise SourceFormatError(
                f"line {line} has {len(row)} values (positions A to "
                f"{column_letter(len(row) - 1)}) but the {found.report} has at least "
                f"{found.width} (A to {last}); SMSync does not guess which value belongs "
                "where, so nothing was read",
                where=str(path),
                advice=f"Run the report '{found.report}' again; do not edit the file in "
                "another program first.",
            )

    def _record(
        self, entity: Entity, found: RecordLayout, fields: dict[str, str], row: list[str]
    ) -> SageRecord:
        def cell(column: str) -> str | None:
            at = position(found.positions[column])
            return row[at] if at < len(row) else None

        record: Record = dict.fromkeys(entity.turbo_fields)
        for field, column in fields.items():
            record[field] = entity.turbo_fields[field].kind.normalise(cell(column))
        notes: tuple[str, ...] = ()
        problems: tuple[str, ...] = ()
        if entity is not MATERIAL:
            lines = {f"ADDRESS_{n}": (cell(f"ADDRESS_{n}") or "") for n in range(1, 6)}
            address = read_address(
                lines, self.layout, lambda c: f"position {found.positions[c]} ({c})"
            )
            used = {f for f in self.layout.address_lines if f != UNUSED_LINE}
            record.update({f: v for f, v in address.values.items() if f in used})
            notes = (address.note,) if address.note else ()
            problems = (address.problem,) if address.problem else ()
        return SageRecord(record["id"] or "", False, record, problems, notes=notes)
