"""The SMSTurbo table/column mapping (``templates/smsturbo_mapping.toml``), validated.

Every name in it ends up in SQL, so each must be a plain identifier; a field left out
means the installation has no such column and SMSync neither reads nor writes it. Every
section and key must be one SMSync knows (a misspelt one is refused with the nearest
known one, never ignored), and no column may hold two fields.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from smsync_xl.connections.db import quote_identifier
from smsync_xl.core.errors import MappingError
from smsync_xl.core.fields import CREDIT_STATUSES, ENTITIES, LOOKUPS, UNITS, Entity
from smsync_xl.core.settings import described, nearest
from smsync_xl.files.package_files import template_path
from smsync_xl.files.settings_file import read_toml

TABLE = "table"
COLUMN = "column"
COLUMNS = "columns"
ENTITY_KEYS = (TABLE, COLUMNS)
LOOKUP_KEYS = (TABLE, COLUMN)
LOOKUP_DEFAULTS = {
    CREDIT_STATUSES: {TABLE: "CreditStatuses", COLUMN: "Status"},
    UNITS: {TABLE: "Units", COLUMN: "Unit"},
}
"""Each SMSTurbo list's section (``[credit_statuses]``, ``[units]``) as the reference
schema names it, used when left out."""
SECTIONS = (*ENTITIES, *LOOKUPS)
NAME_ADVICE = "Use the name exactly as the SMSTurbo database spells it, in double quotes."


@dataclass(frozen=True)
class TableMapping:
    table: str
    columns: dict[str, str]

    def quoted(self, field: str) -> str:
        return quote_identifier(self.columns[field])


@dataclass(frozen=True)
class ListMapping:
    """Where SMSTurbo keeps one list (credit statuses, units): a table and its column."""

    table: str
    column: str


@dataclass(frozen=True)
class TurboMapping:
    tables: dict[str, TableMapping]
    """Only the entities the file has a section for: a mapping written before SMSync knew
    materials still serves customers and vendors."""
    lists: dict[str, ListMapping]
    source: Path

    def table(self, entity: Entity) -> TableMapping:
        if entity.key not in self.tables:
            raise MappingError(
                f"the mapping file has no [{entity.key}] section, so SMSync does not know "
                f"SMSTurbo's {entity.plural.lower()} table",
                where=str(self.source),
                advice=f"Add [{entity.key}] and [{entity.key}.columns] (copy them from "
                "templates/smsturbo_mapping.toml and change the names to your SMSTurbo's).",
            )
        return self.tables[entity.key]


def _check_name(name: object, where: str) -> str:
    if not isinstance(name, str):
        raise MappingError(
            f"expected a table or column name, got {described(name)}",
            where=where,
            advice=NAME_ADVICE,
        )
    try:
        quote_identifier(name)
    except ValueError as error:
        raise MappingError(str(error), where=where, advice=NAME_ADVICE) from None
    return name


def _unknown(path: Path, section: str, key: str, known: Iterable[str], what: str) -> MappingError:
    known = list(known)
    close = nearest(key, known)
    return MappingError(
        f"{what} {key!r} is not one SMSync knows",
        where=f"{path}: [{section}] {key}" if section else f"{path}: [{key}]",
        advice=(f"Did you mean {close}? " if close else "")
        + f"Known: {', '.join(known)}. A misspelt name is refused rather than ignored.",
    )


def _table(value: object, section: str, where: str, example: str) -> Mapping[str, object]:
    """A section (TOML table) of the mapping; anything else names the key and the fix."""
    if not isinstance(value, Mapping):
        raise MappingError(
            f"[{section}] must be a table, got {described(value)}",
            where=where,
            advice=f"Write it as a section: [{section}] on a line of its own, then {example} "
            "on the lines below it.",
        )
    return value


def _check_known(raw: Mapping[str, object], path: Path) -> None:
    for key in raw:
        if key not in SECTIONS:
            raise _unknown(path, "", key, SECTIONS, "section")
    for key in ENTITIES:
        if key not in raw:
            continue
        section = _table(raw[key], key, f"{path}: {key}", f'table = "…" and [{key}.columns]')
        for name in section:
            if name not in ENTITY_KEYS:
                raise _unknown(path, key, name, ENTITY_KEYS, "key")
        if COLUMNS in section:
            columns = _table(
                section[COLUMNS],
                f"{key}.{COLUMNS}",
                f"{path}: [{key}] {COLUMNS}",
                'one line per field, such as id = "CustomerID"',
            )
            fields = ENTITIES[key].turbo_fields
            for name in columns:
                if name not in fields:
                    raise _unknown(path, f"{key}.{COLUMNS}", name, fields, "field")
    for key, names in LOOKUP_DEFAULTS.items():
        if key not in raw:
            continue
        section = _table(
            raw[key],
            key,
            f"{path}: {key}",
            f'table = "{names[TABLE]}" and column = "{names[COLUMN]}"',
        )
        for name in section:
            if name not in LOOKUP_KEYS:
                raise _unknown(path, key, name, LOOKUP_KEYS, "key")


def _entity(raw: Mapping[str, object], key: str, path: Path) -> TableMapping:
    section = _table(raw[key], key, f"{path}: {key}", f'table = "…" and [{key}.columns]')
    if TABLE not in section:
        raise MappingError(
            f"section [{key}] with a 'table' name is missing",
            where=f"{path}: [{key}] {TABLE}",
            advice=f'Add [{key}] with table = "…", the name of SMSTurbo\'s '
            f"{ENTITIES[key].plural.lower()} table (see templates/smsturbo_mapping.toml).",
        )
    columns = _table(section.get(COLUMNS, {}), f"{key}.{COLUMNS}", f"{path}: [{key}] {COLUMNS}", "")
    missing = [f for f in ("id", ENTITIES[key].title_field) if f not in columns]
    if missing:
        raise MappingError(
            f"[{key}.columns] must map {', '.join(missing)}",
            where=f"{path}: [{key}.columns]",
            advice="Add "
            + " and ".join(f'{f} = "…"' for f in missing)
            + ", naming SMSTurbo's column for it.",
        )
    table = _check_name(section[TABLE], f"{path}: [{key}] {TABLE}")
    mapped: dict[str, str] = {}
    by_column: dict[str, str] = {}
    for field, column in columns.items():
        where = f"{path}: [{key}.columns] {field}"
        name = _check_name(column, where)
        other = by_column.setdefault(name.casefold(), field)
        if other != field:
            raise MappingError(
                f"{field} and {other} are both mapped to column {name!r} of table {table}",
                where=where,
                advice="A column holds one field: give each field its own column, or delete "
                "the line of the field your SMSTurbo has no column for.",
            )
        mapped[field] = name
    return TableMapping(table=table, columns=mapped)


def load_mapping(path: Path | None = None) -> TurboMapping:
    """Load and validate a mapping file; the bundled reference mapping by default."""
    path = path or template_path("smsturbo_mapping.toml")
    raw = read_toml(
        path,
        MappingError,
        what="mapping file",
        missing_advice="Check smsturbo.mapping in the settings (Setup: Table mapping file).",
    )
    _check_known(raw, path)
    tables: dict[str, TableMapping] = {}
    for key in [k for k in ENTITIES if k in raw]:
        tables[key] = _entity(raw, key, path)
        other = next(
            (
                k
                for k, t in tables.items()
                if k != key and t.table.casefold() == tables[key].table.casefold()
            ),
            None,
        )
        if other is not None:
            raise MappingError(
                f"[{key}] and [{other}] both name table {tables[key].table!r}",
                where=f"{path}: [{key}] {TABLE}",
                advice=f"Name SMSTurbo's {ENTITIES[key].plural.lower()} table, which is not "
                f"its {ENTITIES[other].plural.lower()} table.",
            )
    lists = {}
    for key, names in LOOKUP_DEFAULTS.items():
        given = {**names, **_table(raw.get(key, {}), key, f"{path}: {key}", "")}
        lists[key] = ListMapping(
            table=_check_name(given[TABLE], f"{path}: [{key}] {TABLE}"),
            column=_check_name(given[COLUMN], f"{path}: [{key}] {COLUMN}"),
        )
    if not tables:
        raise MappingError(
            "the mapping file names no SMSTurbo table: it has none of the sections "
            + ", ".join(f"[{key}]" for key in ENTITIES),
            where=str(path),
            advice="Start from a copy of templates/smsturbo_mapping.toml and change the "
            "names on the right-hand side.",
        )
    return TurboMapping(tables=tables, lists=lists, source=path)
