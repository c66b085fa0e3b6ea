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
import re
from collections.abc import Callable
from pathlib import Path

from smsync_xl.core.errors import SourceFormatError
from smsync_xl.core.fields import (
    Entity,
    Record,
    SageField,
    SageRecord,
    exponent_problem,
)
from smsync_xl.core.settings import StatusRule
from smsync_xl.sources.inactive import with_status

UTF8_BOM = b"\xef\xbb\xbf"
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
"""One well-formed UTF-8 character beyond ASCII: a file holding one is UTF-8 text."""
ENCODING_NAMES = {"utf-16": "UTF-16", "utf-8-sig": "UTF-8", "cp1252": "Windows-1252"}


def encoding_of(data: bytes) -> str:
    """The encoding an export says it has, or the only one it can have: UTF-16 or UTF-8
    by its byte-order mark (Excel's 'Unicode text', 'CSV UTF-8'); UTF-8 when it is UTF-8
    and cannot be Windows-1252; else Windows-1252, Sage 50's own (a byte it does not
    define is refused by ``decode``). A file that reads as both, differently, is
    refused (``_undecided``)."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "utf-16"
    if data.startswith(UTF8_BOM):
        return "utf-8-sig"
    if not _UTF8_SEQUENCE.search(data):
        return "cp1252"
    if _decodes(data, "cp1252"):
        return UNDECIDED
    return "utf-8-sig"


UNDECIDED = ""
"""What ``encoding_of`` says of a file that reads as UTF-8 characters and as
Windows-1252 text alike (C3 A9 is é in one, Ã© in the other): SMSync does not guess."""


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def decode(data: bytes, path: Path) -> str:
    """The export's text, decoded exactly: a byte that is not text in its encoding (an
    undefined Windows-1252 byte, a broken UTF-8 or UTF-16 sequence) is refused, naming
    its line and column, never replaced; so is a file whose encoding is undecided."""
    encoding = encoding_of(data)
    if encoding == UNDECIDED:
        raise _undecided(data, path)
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise _undecodable(data, encoding, error, path) from None


_SHOWN_LINE = 60


def _undecided(data: bytes, path: Path) -> SourceFormatError:
    """Both readings of the first line where they differ."""
    number, line = next(
        (n, line) for n, line in enumerate(data.split(b"\n"), 1) if _UTF8_SEQUENCE.search(line)
    )
    as_utf8 = line.decode("utf-8", "backslashreplace").rstrip("\r")[:_SHOWN_LINE]
    as_1252 = line.decode("cp1252").rstrip("\r")[:_SHOWN_LINE]
    return SourceFormatError(
        f"the file has no byte-order mark and reads as UTF-8 and as Windows-1252 alike: "
        f"line {number} is {as_utf8!r} in UTF-8 but {as_1252!r} in Windows-1252; SMSync "
        "does not guess, so nothing was read",
        where=str(path),
        advice="Open the file in Excel and save it as 'CSV UTF-8 (Comma delimited)' (that "
        "adds the byte-order mark), then {refresh} again.",
    )


def _undecodable(
    data: bytes, encoding: str, error: UnicodeDecodeError, path: Path
) -> SourceFormatError:
    """Where the bad bytes are: the line and the column (by header) the text read
    before them ends in."""
    before = data[: error.start].decode(encoding)
    rows = list(csv.reader(io.StringIO(before, newline=""))) or [[""]]
    line = before.count("\n") + 1
    header = rows[0] if len(rows) > 1 else []
    index = len(rows[-1]) - 1
    column = f"column {header[index].strip()}" if 0 <= index < len(header) else f"field {index + 1}"
    record = f" (ID {rows[-1][0].strip()})" if len(rows) > 1 and index > 0 else ""
    shown = " ".join(f"0x{b:02X}" for b in error.object[error.start : error.end])
    return SourceFormatError(
        f"line {line}{record}, {column}: the byte{'s' if error.end - error.start > 1 else ''} "
        f"{shown} {'are' if error.end - error.start > 1 else 'is'} not "
        f"{ENCODING_NAMES[encoding]} text; nothing was read",
        where=str(path),
        advice="SMSync never replaces what it cannot read. Correct the value in Sage 50 and "
        "export the list again (or save the file again as UTF-8).",
    )


class Sage50CsvSource:
    """Reads each entity's records from the list exports in ``folder``."""

    def __init__(self, folder: Path, status_rule: Callable[[Entity], StatusRule]) -> None:
        self.folder = folder
        self.status_rule = status_rule

    def location(self) -> str:
        return str(self.folder)

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
        rows = csv.reader(io.StringIO(decode(path.read_bytes(), path), newline=""))
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
                if not any(cell.strip() for cell in row):
                    continue
                if len(row) != len(header):
                    raise SourceFormatError(
                        f"line {rows.line_num} has {len(row)} cells but the header has "
                        f"{len(header)}; SMSync does not guess which value belongs to which "
                        "column, so nothing was read",
                        where=str(path),
                        advice=f"Export the {entity.export_list} from Sage 50 again; do not "
                        "edit it in another program first.",
                    )
                records.append(self._record(entity, rule, row, fields, inactive_at))
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
        fields: list[tuple[SageField, int]],
        inactive_at: int,
    ) -> SageRecord:
        """One export line (as many cells as the header) as a record; a hidden column
        leaves its field None."""
        record: Record = dict.fromkeys(entity.turbo_fields)
        problems = []
        for spec, index in fields:
            record[spec.name] = spec.turbo.kind.normalise(row[index])
            exponent = (
                exponent_problem(spec.turbo.label, row[index]) if spec.turbo.kind.numeric else None
            )
            problems += [exponent] if exponent else []
        return with_status(entity, rule, record, problems, row[inactive_at], entity.inactive_csv)
