"""The SMSTurbo table/column mapping (``templates/smsturbo_mapping.toml``), validated.

Every name in it ends up in SQL, so each must be a plain identifier; a field left out
means the installation has no such column and SMSync neither reads nor writes it.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from smsync_xl.connections.db import quote_identifier
from smsync_xl.core.errors import MappingError
from smsync_xl.core.fields import ENTITIES, TURBO_FIELDS
from smsync_xl.core.resources import template_path

REQUIRED_FIELDS = ("id", "name")


@dataclass(frozen=True)
class TableMapping:
    table: str
    columns: dict[str, str]

    def quoted(self, field: str) -> str:
        return quote_identifier(self.columns[field])


@dataclass(frozen=True)
class TurboMapping:
    tables: dict[str, TableMapping]
    status_table: str
    status_column: str
    source: Path


def _check_name(name: object, where: str) -> str:
    if not isinstance(name, str):
        raise MappingError(f"expected a table or column name, got {name!r}", where=where)
    try:
        quote_identifier(name)
    except ValueError as error:
        raise MappingError(
            str(error),
            where=where,
            advice="Use the name exactly as the SMSTurbo database spells it.",
        ) from None
    return name


def load_mapping(path: Path | None = None) -> TurboMapping:
    """Load and validate a mapping file; the bundled reference mapping by default."""
    path = path or template_path("smsturbo_mapping.toml")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MappingError(
            f"mapping file {path} not found", advice="Check smsturbo.mapping in the settings."
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise MappingError(f"{path} is not valid TOML: {error}") from None
    tables = {}
    for key in ENTITIES:
        section = raw.get(key)
        if not isinstance(section, dict) or "table" not in section:
            raise MappingError(f"section [{key}] with a 'table' name is missing", where=str(path))
        columns = section.get("columns", {})
        unknown = sorted(set(columns) - set(TURBO_FIELDS))
        if unknown:
            raise MappingError(
                f"[{key}.columns] names unknown fields {', '.join(unknown)}",
                where=str(path),
                advice="Known fields: " + ", ".join(TURBO_FIELDS) + ".",
            )
        missing = [f for f in REQUIRED_FIELDS if f not in columns]
        if missing:
            raise MappingError(f"[{key}.columns] must map {', '.join(missing)}", where=str(path))
        tables[key] = TableMapping(
            table=_check_name(section["table"], f"{path}: [{key}] table"),
            columns={f: _check_name(c, f"{path}: [{key}.columns] {f}") for f, c in columns.items()},
        )
    statuses = raw.get("credit_statuses", {})
    return TurboMapping(
        tables=tables,
        status_table=_check_name(
            statuses.get("table", "CreditStatuses"), f"{path}: [credit_statuses] table"
        ),
        status_column=_check_name(
            statuses.get("column", "Status"), f"{path}: [credit_statuses] column"
        ),
        source=path,
    )
