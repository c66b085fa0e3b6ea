"""Sage 50 US as a source, from its list exports (Customer List, Vendor List,
Inventory Item List) in CSV.

For a company SMSync cannot reach over ODBC: the bookkeeper exports the lists (File >
Select Import/Export) into one folder. Columns are found by header name, so hidden or
reordered columns are fine; exports come in Windows-1252 or UTF-8 (with or without a
byte-order mark) and flags as TRUE/FALSE. Duplicate IDs pass through to compare(),
which reports each one as INVALID.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

from smsync_xl.core.errors import SourceFormatError
from smsync_xl.core.fields import Entity, Record, SageField, SageRecord, truthy
from smsync_xl.core.settings import StatusRule


def decode(data: bytes) -> str:
    """UTF-16 when it says so (Excel's 'Unicode text'), UTF-8 (a byte-order mark is
    dropped) when it is valid UTF-8, else Windows-1252, Sage 50's own encoding."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.removeprefix(b"\xef\xbb\xbf").decode("cp1252", errors="replace")


class Sage50CsvSource:
    """Reads each entity's records from the list exports in ``folder``."""

    def __init__(self, folder: Path, status_rule: Callable[[Entity], StatusRule]) -> None:
        self.folder = folder
        self.status_rule = status_rule

    def company_name(self) -> str:
        """Exports carry no company name: the folder is what the user recognises."""
        return f"Sage 50 exports in {self.folder}"

    def missing_list(self, entity: Entity) -> str | None:
        """Why the folder has no ``entity`` export at all, or None."""
        if any(p.name.upper() == entity.export_file for p in self.folder.glob("*")):
            return None
        return f"no {entity.export_list} export ({entity.export_file}) in {self.folder}"

    def _file(self, entity: Entity) -> Path:
        wanted = entity.export_file
        found = sorted(self.folder.glob("*"))
        for path in found:
            if path.name.upper() == wanted:
                return path
        raise SourceFormatError(
            f"no {entity.export_list} export ({wanted}) in the folder",
            where=str(self.folder),
            advice=f"In Sage 50 choose File > Select Import/Export, export the "
            f"{entity.export_list} as {wanted} into this folder. CSV files here: "
            + (", ".join(p.name for p in found if p.suffix.lower() == ".csv") or "none")
            + ".",
        )

    def read(self, entity: Entity) -> list[SageRecord]:
        """Every row of the export, normalised like the ODBC source's records."""
        path = self._file(entity)
        rows = csv.reader(io.StringIO(decode(path.read_bytes()), newline=""))
        header = [h.strip().lower() for h in next(rows, [])]
        column = {name: index for index, name in reversed(list(enumerate(header)))}
        missing = [h for h in entity.required_csv if h.lower() not in column]
        if missing:
            raise SourceFormatError(
                f"the export has no column {', '.join(missing)}",
                where=str(path),
                advice=f"Export the {entity.export_list} again with these columns shown "
                "(File > Select Import/Export, Fields tab: tick Show). Other columns may "
                "be hidden: SMSync then leaves those fields of SMSTurbo alone.",
            )
        fields = [
            (f, column[f.csv.lower()]) for f in entity.fields if f.csv and f.csv.lower() in column
        ]
        inactive_at = column[entity.inactive_csv.lower()]
        rule = self.status_rule(entity)
        records = []
        try:
            for row in rows:
                if any(cell.strip() for cell in row):
                    records.append(
                        self._record(entity, rule, row, len(header), fields, inactive_at)
                    )
        except csv.Error as error:
            raise SourceFormatError(
                f"line {rows.line_num} cannot be read as CSV: {error}",
                where=str(path),
                advice=f"Export the {entity.export_list} from Sage 50 again; do not edit it "
                "in another program first.",
            ) from None
        return records

    @staticmethod
    def _record(
        entity: Entity,
        rule: StatusRule,
        row: list[str],
        width: int,
        fields: list[tuple[SageField, int]],
        inactive_at: int,
    ) -> SageRecord:
        """One export line as a record; a hidden column leaves its field None."""
        cells = row + [""] * (width - len(row))
        record: Record = dict.fromkeys(entity.turbo_fields)
        for spec, index in fields:
            record[spec.name] = spec.turbo.kind.normalise(cells[index])
        inactive = truthy(cells[inactive_at])
        status = entity.status_field
        record[status] = rule.status(inactive, record.get(status))
        return SageRecord(record["id"] or "", inactive, record)
