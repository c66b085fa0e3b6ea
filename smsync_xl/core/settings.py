"""Settings: one typed object, validated once, before any connection is opened.

Settings arrive as flat keys (``customers.replace``) from a TOML file for headless
runs or from the Setup sheet's named cells; ``locate`` turns a key into the place
the user must look (a TOML key, or a sheet cell), so every error points there.

Core does no I/O: the file is read by ``files.settings_file`` and parsed here, and
whether a path names a file or a folder is asked of the caller (``look``).

``SETTINGS_KEYS`` declares every key once: ``parse_settings`` can read no other,
and a settings file naming any other key or section is refused with the nearest known
one, so a misspelt ``include_type`` never silently means "every type".
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from types import MappingProxyType

from smsync_xl.core.errors import SettingsError, SmsyncError
from smsync_xl.core.fields import ENTITIES, NO, YES, Entity
from smsync_xl.core.ids import id_problems
from smsync_xl.core.uk_layout import UK_KEYS, UkLayout, uk_layout
from smsync_xl.core.vocabulary import DEFAULTS_ID, INACTIVE_STATUS, Edition, View

SAGE_KINDS = ("sqlite", "odbc", "csv")
TURBO_KINDS = ("sqlite", "odbc")
SAGE_ODBC_USER = "Peachtree"
MAX_DSN_LENGTH = 32  # SQL_MAX_DSN_LENGTH
SIDES = {"sage50": "Sage 50 company", "smsturbo": "SMSTurbo database"}
CONNECTION_KEYS = ("kind", "path", "dsn", "driver", "server", "database", "user")
ENTITY_KEYS = ("include_types", "replace")
TEMPLATE_KEY = "template"
DEFAULT_PREFIX = "default_"
STATUS_MAP_KEY = "credit_status.map"
UNIT_MAP_KEY = "units.map"
EDITION_KEY = "sage50.edition"
PRICE_LIST_KEY = "sage50.price_list"
CURRENCY_KEY = "sage50.currency"
REGULAR_PRICE_LIST = 1
HOME_CURRENCY = 1
"""Sage 50 Canadian Edition's price list 1 is Regular and currency 1 the home currency in
the installs seen (docs/DOMAIN.md §8, assumed): the defaults, changeable in Setup."""


class PathKind(Enum):
    """What a path in the settings names on disk."""

    MISSING = "missing"
    FILE = "file"
    FOLDER = "folder"


Look = Callable[[Path], PathKind]
"""What is at a path: asked of the caller, which may look (core does no I/O)."""


def entity_keys(entity: Entity) -> tuple[str, ...]:
    """An entity's settings keys: Include Types and Replace Options; the template
    record's ID where the entity's own table holds it; an Import Default per field
    that may have one."""
    keys = [*ENTITY_KEYS]
    if entity.template_entity == entity.key:
        keys.append(TEMPLATE_KEY)
    keys += [DEFAULT_PREFIX + f for f in entity.import_defaults]
    return tuple(f"{entity.key}.{key}" for key in keys)


SETTINGS_KEYS: tuple[str, ...] = (
    "view",
    *(f"{side}.{key}" for side in SIDES for key in CONNECTION_KEYS),
    EDITION_KEY,
    PRICE_LIST_KEY,
    CURRENCY_KEY,
    "smsturbo.mapping",
    *(key for entity in ENTITIES.values() for key in entity_keys(entity)),
    "credit_status.inactive",
    "credit_status.active",
    STATUS_MAP_KEY,
    UNIT_MAP_KEY,
    *UK_KEYS,
)
"""Every key :func:`settings_from_values` reads, so every key a settings file may hold:
``section.key`` (the key inside ``[section]``), or a bare key at the top of the file.
Only ``credit_status.map`` and ``units.map`` hold a table of their own."""

SECTIONS: tuple[str, ...] = tuple(
    dict.fromkeys(key.partition(".")[0] for key in SETTINGS_KEYS if "." in key)
)


@dataclass(frozen=True)
class Connection:
    """Where one side lives. Never holds a password: that comes from the keyring or
    an environment variable at connect time (``passwords.py``).

    ``path`` is an SQLite file, or for ``csv`` the folder holding Sage 50's list
    exports; ``odbc`` uses ``dsn``, or ``driver``/``server``/``database``.
    """

    kind: str
    path: Path | None = None
    dsn: str = ""
    driver: str = ""
    server: str = ""
    database: str = ""
    user: str = ""
    origin: str = ""
    """Where the user set this connection (a Setup cell or settings key), for errors."""

    def located(self, detail: str) -> str:
        """The setting the user typed (Setup cell or settings key), then ``detail``."""
        return f"{self.origin} ({detail})" if self.origin else detail


@dataclass(frozen=True)
class EntitySettings:
    include_types: frozenset[str] = frozenset()
    replace: frozenset[str] = frozenset()
    template: str = DEFAULTS_ID
    """The SMSTurbo record new records start from (when this entity's table holds it)."""
    defaults: Mapping[str, str] = field(default_factory=dict)
    """Import Defaults: field → value for new records when Sage 50 leaves it blank."""

    def includes_type(self, sage_type: str | None) -> bool:
        """Blank Include Types means every type; letter case is ignored."""
        return not self.include_types or (sage_type or "").upper() in self.include_types


@dataclass(frozen=True)
class StatusRule:
    """How a Sage 50 record's state becomes its SMSTurbo status field: Setup's rule for
    a credit status, or ``FLAG_RULE`` for a yes/no Inactive field.

    Inactive records always show ``inactive``. Otherwise Sage's own credit status text
    is looked up in ``by_code``; failing that ``active`` is used; blank means Sage 50
    does not supply a status (new records then take ZZDEFAULT's).
    """

    inactive: str = INACTIVE_STATUS
    active: str = ""
    by_code: Mapping[str, str] = field(default_factory=dict)

    def status(self, is_inactive: bool, sage_code: str | None) -> str | None:
        if is_inactive:
            return self.inactive
        mapped = self.by_code.get((sage_code or "").strip().upper())
        return mapped or self.active or None

    def says_inactive(self, value: str | None) -> bool:
        """Whether an SMSTurbo status value is the inactive one (letter case ignored)."""
        return (value or "").upper() == self.inactive.upper()


@dataclass(frozen=True)
class UnitMap:
    """Sage 50 units → SMSTurbo units (letter case ignored), and where the bookkeeper
    keeps the map (Setup cell or settings key), for the reason of an unmapped unit."""

    by_unit: Mapping[str, str] = field(default_factory=dict)
    place: str = ""


FLAG_RULE = StatusRule(inactive=YES, active=NO)
"""An Inactive flag: Sage 50 always supplies it, so a reactivated record is DIFFERENT."""


@dataclass(frozen=True)
class Settings:
    """Validated once, then never changed: a run reads the settings it started with."""

    sage50: Connection
    smsturbo: Connection
    mapping: Path | None
    entities: Mapping[str, EntitySettings]
    view: View = View.NOT_IN_SYNC
    credit_status: StatusRule = StatusRule()
    units: UnitMap = UnitMap()
    edition: Edition = Edition.US
    """Which Sage 50 product the company is: it picks the source and the words."""
    uk: UkLayout = field(default_factory=UkLayout)
    """Sage 50 UK's address lines, type and category columns (``core.uk_layout``)."""
    price_list: int = REGULAR_PRICE_LIST
    currency: int = HOME_CURRENCY
    """Sage 50 Canadian Edition keeps a price per price list and currency: the one read."""
    price_list_origin: str = PRICE_LIST_KEY
    currency_origin: str = CURRENCY_KEY
    """Where the user set the price list and currency (a Setup cell or settings key)."""

    def status_rule(self, entity: Entity) -> StatusRule:
        """How ``entity``'s status field says a record is inactive."""
        if entity.status_is_flag:
            return FLAG_RULE
        return self.credit_status

    def template_id(self, entity: Entity) -> str:
        """The ID of the SMSTurbo record new records of ``entity`` start from."""
        return self.entities[entity.template_entity].template


Locate = Callable[[str], str]


class _Values:
    """The flat settings, readable only through a declared key: reading one that is not
    in :data:`SETTINGS_KEYS` is a programming error, caught by the first test that runs
    it, so the declaration and the reading cannot drift apart."""

    def __init__(self, values: Mapping[str, object]) -> None:
        self._values = values

    def get(self, key: str) -> object:
        if key not in SETTINGS_KEYS:
            raise KeyError(f"settings key {key!r} is read but not declared in SETTINGS_KEYS")
        return self._values.get(key)


def described(value: object) -> str:
    """A TOML value's kind and value, for 'expected text, got …' messages."""
    if isinstance(value, bool):
        return f"{str(value).lower()} (a yes/no value)"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, Mapping):
        return f"a table {dict(value)!r}"
    if isinstance(value, list | tuple):
        return f"a list {list(value)!r}"
    if isinstance(value, str):
        return f"the text {value!r}"
    return f"{type(value).__name__} {value!r}"


def nearest(word: str, known: Iterable[str]) -> str | None:
    """The known word closest to a misspelt one, letter case ignored, if any is close."""
    by_folded = {k.casefold(): k for k in known}
    found = difflib.get_close_matches(word.casefold(), list(by_folded), n=1, cutoff=0.6)
    return by_folded[found[0]] if found else None


def _as_list(value: object, key: str, locate: Locate) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return [v.strip() for v in value if v.strip()]
    raise SettingsError(
        f"expected a list of words, got {described(value)}",
        where=locate(key),
        advice="Write the words separated by commas, e.g. PROSPECT, RETAIL (in a settings "
        'file: ["PROSPECT", "RETAIL"]).',
    )


def _text(values: _Values, key: str, locate: Locate) -> str:
    value = values.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise SettingsError(
            f"expected text, got {described(value)}",
            where=locate(key),
            advice=f"Write it as text (in a settings file, in double quotes: "
            f'{key.rpartition(".")[2]} = "…").',
        )
    return value.strip()


def _choice(
    values: _Values, key: str, choices: tuple[str, ...], default: str, locate: Locate
) -> str:
    typed = _text(values, key, locate) or default
    value = typed.lower().replace(" ", "_")
    if value not in choices:
        shown = ", ".join(c.replace("_", " ") for c in choices)
        raise SettingsError(
            f"{typed!r} is not one of {shown}",
            where=locate(key),
            advice=f"Choose one of: {shown}.",
        )
    return value


def _replace_groups(values: _Values, entity: Entity, locate: Locate) -> frozenset[str]:
    key = f"{entity.key}.replace"
    groups = [g.key for g in entity.groups]
    by_label = {g.label.lower(): g.key for g in entity.groups}
    chosen = set()
    for word in _as_list(values.get(key), key, locate):
        typed = word.lower().replace(" ", "_")
        group = typed if typed in groups else by_label.get(word.lower())
        if group is None:
            close = nearest(typed, groups)
            raise SettingsError(
                f"{word!r} is not a Replace Option for {entity.plural.lower()}",
                where=locate(key),
                advice=(f"Did you mean {close}? " if close else "")
                + "Use any of: "
                + ", ".join(groups)
                + ".",
            )
        chosen.add(group)
    return frozenset(chosen)


def _entity_settings(values: _Values, entity: Entity, locate: Locate) -> EntitySettings:
    key = entity.key
    types = _as_list(values.get(f"{key}.include_types"), f"{key}.include_types", locate)
    template_key = f"{key}.{TEMPLATE_KEY}"
    template = _text(values, template_key, locate) if template_key in SETTINGS_KEYS else ""
    defaults = {}
    for name in entity.import_defaults:
        value = _text(values, f"{key}.{DEFAULT_PREFIX}{name}", locate)
        if value:
            defaults[name] = value
    problems = id_problems(template) if template else []
    if problems:
        raise SettingsError(
            f"{template!r} cannot be an SMSTurbo {entity.label.lower()} ID: " + "; ".join(problems),
            where=locate(template_key),
            advice="Enter the ID of the SMSTurbo record new records start from exactly as "
            f"SMSTurbo has it (blank means {DEFAULTS_ID}).",
        )
    return EntitySettings(
        include_types=frozenset(t.upper() for t in types),
        replace=_replace_groups(values, entity, locate),
        template=template or DEFAULTS_ID,
        defaults=MappingProxyType(defaults),
    )


def joined(base: Path, text: str) -> Path:
    """``text`` read against the folder ``base`` (absolute, resolved by the caller), with
    ``..`` taken out as the file system would, without asking it: core does no I/O."""
    parts: list[str] = []
    for part in (base / text).parts:
        if part == ".." and len(parts) > 1:
            parts.pop()
        else:
            parts.append(part)
    return Path(*parts)


def _edition(values: _Values, locate: Locate) -> Edition:
    """The Sage 50 edition; blank is the US edition, anything else not one is refused."""
    typed = _text(values, EDITION_KEY, locate)
    found = next((e for e in Edition if e.value == typed.strip().lower()), None)
    if typed and found is None:
        shown = ", ".join(e.value for e in Edition)
        raise SettingsError(
            f"{typed!r} is not a Sage 50 edition",
            where=locate(EDITION_KEY),
            advice=f"Choose one of: {shown} ("
            + ", ".join(f"{e.value} = {e.words.edition_name}" for e in Edition)
            + ").",
        )
    return found or Edition.US


def _record_number(values: _Values, key: str, default: int, locate: Locate) -> int:
    """A Sage 50 record number (a price list, a currency): a whole number from 1 up."""
    raw = values.get(key)
    if raw is None or raw == "":
        return default
    typed = raw if isinstance(raw, int) and not isinstance(raw, bool) else None
    if isinstance(raw, str) and raw.strip().isdigit():
        typed = int(raw.strip())
    if typed is None or typed < 1:
        raise SettingsError(
            f"expected a whole number from 1 up, got {described(raw)}",
            where=locate(key),
            advice=f"Enter the number Sage 50 gives it, or leave it blank for {default}.",
        )
    return typed


def _connection(
    values: _Values,
    side: str,
    kinds: tuple[str, ...],
    base: Path,
    locate: Locate,
    look: Look,
    default_user: str = "",
) -> Connection:
    kind = _choice(values, f"{side}.kind", kinds, "sqlite", locate)
    path_text = _text(values, f"{side}.path", locate)
    path = joined(base, path_text) if path_text else None
    conn = Connection(
        kind=kind,
        path=path,
        dsn=_text(values, f"{side}.dsn", locate),
        driver=_text(values, f"{side}.driver", locate),
        server=_text(values, f"{side}.server", locate),
        database=_text(values, f"{side}.database", locate),
        user=_text(values, f"{side}.user", locate) or default_user,
        origin=locate(f"{side}.{'dsn' if kind == 'odbc' else 'path'}"),
    )
    if kind == "odbc":
        return _odbc_connection(conn, side, locate)
    if path is None:
        raise SettingsError(
            f"no file given for the {kind} {side} connection",
            where=locate(f"{side}.path"),
            advice="Enter the path of the file (relative paths start at the settings file).",
        )
    found = look(path)
    if found is PathKind.MISSING and side == "sage50":
        raise SettingsError(
            f"{path} does not exist",
            where=locate(f"{side}.path"),
            advice="Check the path, or export the list from Sage 50 again.",
        )
    if kind == "csv" and found is not PathKind.FOLDER:
        raise SettingsError(
            f"{path} is not a folder",
            where=locate(f"{side}.path"),
            advice="Enter the folder where the Customer List, Vendor List and Inventory Item "
            "List exports are saved.",
        )
    if kind == "sqlite" and found is PathKind.FOLDER:
        raise SettingsError(
            f"{path} is a folder, not the {SIDES[side]} file",
            where=locate(f"{side}.path"),
            advice=f"Enter the path of the {SIDES[side]} file itself, inside that folder.",
        )
    return conn


def _odbc_connection(conn: Connection, side: str, locate: Locate) -> Connection:
    if not conn.dsn and not (conn.driver and conn.database):
        raise SettingsError(
            "an ODBC connection needs a DSN, or a driver and a database",
            where=locate(f"{side}.dsn"),
            advice="Enter the DSN name, or fill in Driver, Server and Database.",
        )
    if len(conn.dsn) > MAX_DSN_LENGTH:
        raise SettingsError(
            f"the DSN name is {len(conn.dsn)} characters; ODBC allows at most {MAX_DSN_LENGTH}",
            where=locate(f"{side}.dsn"),
            advice="Give the data source a shorter name in the ODBC Data Source Administrator.",
        )
    return conn


_MAP_ADVICE = (
    "Write pairs separated by semicolons, e.g. Always Hold = HOLD; Hold Over Limit = HOLD "
    '(in a settings file: map = { "Always Hold" = "HOLD" }).'
)
_UNIT_MAP_ADVICE = (
    "Write pairs separated by semicolons, e.g. Tonne = TON; Each = EACH "
    '(in a settings file: [units] map = { "Tonne" = "TON" }).'
)


def _status_map(raw: object, locate: Locate) -> dict[str, str]:
    """A TOML table, or the Setup cell's text 'Always Hold = HOLD; Hold Over Limit = HOLD'.
    Every Sage 50 status and every SMSTurbo status must be non-blank text: a blank
    Sage 50 status would match every record that has none."""
    return _pairs(raw, locate, STATUS_MAP_KEY, "status", _MAP_ADVICE)


def _unit_map(raw: object, locate: Locate) -> UnitMap:
    """Setup's unit map, read like the credit-status map: 'Tonne = TON; Each = EACH'."""
    by_unit = _pairs(raw, locate, UNIT_MAP_KEY, "unit", _UNIT_MAP_ADVICE)
    return UnitMap(MappingProxyType(by_unit), locate(UNIT_MAP_KEY))


def _pairs(raw: object, locate: Locate, key: str, noun: str, advice: str) -> dict[str, str]:
    """Sage 50 ``noun`` = SMSTurbo ``noun`` pairs, both folded to upper case."""
    if raw is None or raw == "" or raw == {}:
        return {}
    if isinstance(raw, Mapping):
        pairs = list(raw.items())
    elif isinstance(raw, str):
        split = [part.partition("=") for part in raw.split(";") if part.strip()]
        if not all(sep for _, sep, _ in split):
            raise SettingsError(
                f"{raw!r} is not a list of Sage 50 {noun} = SMSTurbo {noun}",
                where=locate(key),
                advice=advice,
            )
        pairs = [(k, v) for k, _, v in split]
    else:
        raise SettingsError(
            f"expected Sage 50 {noun} = SMSTurbo {noun} pairs, got {described(raw)}",
            where=locate(key),
            advice=advice,
        )
    by_code = {}
    for sage, turbo in pairs:
        if not isinstance(turbo, str) or not turbo.strip() or not str(sage).strip():
            raise SettingsError(
                f"{str(sage).strip()!r} = {turbo!r} is not a Sage 50 {noun} = SMSTurbo {noun} "
                "pair: both must be non-blank text",
                where=locate(key),
                advice=advice,
            )
        by_code[str(sage).strip().upper()] = turbo.strip().upper()
    return by_code


def parse_settings(
    values: Mapping[str, object], *, base: Path, locate: Locate, look: Look
) -> Settings:
    """Build and validate settings from flat keys; raise SettingsError naming the place.

    Keys not in :data:`SETTINGS_KEYS` are not read (the Setup sheet also passes the
    entity its lists show); :func:`parse_settings_file` refuses them in a settings file."""
    read = _Values(values)
    mapping_text = _text(read, "smsturbo.mapping", locate)
    mapping = joined(base, mapping_text) if mapping_text else None
    mapping_kind = look(mapping) if mapping is not None else PathKind.FILE
    if mapping is not None and mapping_kind is not PathKind.FILE:
        raise SettingsError(
            f"{mapping} {'is a folder' if mapping_kind is PathKind.FOLDER else 'does not exist'}",
            where=locate("smsturbo.mapping"),
            advice="Enter the path of your copy of smsturbo_mapping.toml (relative paths "
            "start at the settings file), or leave it blank for SMSTurbo's reference names.",
        )
    rule = StatusRule(
        inactive=_text(read, "credit_status.inactive", locate).upper() or INACTIVE_STATUS,
        active=_text(read, "credit_status.active", locate).upper(),
        by_code=_status_map(read.get(STATUS_MAP_KEY), locate),
    )
    edition = _edition(read, locate)
    sage_user = SAGE_ODBC_USER if edition is Edition.US else ""
    return Settings(
        sage50=_connection(read, "sage50", SAGE_KINDS, base, locate, look, sage_user),
        smsturbo=_connection(read, "smsturbo", TURBO_KINDS, base, locate, look),
        mapping=mapping,
        entities=MappingProxyType(
            {key: _entity_settings(read, entity, locate) for key, entity in ENTITIES.items()}
        ),
        view=View(_choice(read, "view", tuple(View), View.NOT_IN_SYNC, locate)),
        credit_status=rule,
        units=_unit_map(read.get(UNIT_MAP_KEY), locate),
        edition=edition,
        uk=uk_layout(read.get, locate),
        price_list=_record_number(read, PRICE_LIST_KEY, REGULAR_PRICE_LIST, locate),
        currency=_record_number(read, CURRENCY_KEY, HOME_CURRENCY, locate),
        price_list_origin=locate(PRICE_LIST_KEY),
        currency_origin=locate(CURRENCY_KEY),
    )


def _unknown(key: str, value: object, file: Path) -> SettingsError:
    """A key or section the settings do not have, with the nearest one that exists."""
    section, dot, name = key.rpartition(".")
    if not dot and isinstance(value, Mapping):
        close = nearest(key, SECTIONS)
        return SettingsError(
            f"there is no section [{key}] in SMSync's settings",
            where=f"{file.name}: [{key}]",
            advice=(f"Did you mean [{close}]? " if close else "")
            + "The sections are "
            + ", ".join(f"[{s}]" for s in SECTIONS)
            + ".",
        )
    siblings = [k.rpartition(".")[2] for k in SETTINGS_KEYS if k.rpartition(".")[0] == section]
    place = f"in [{section}]" if dot else "at the top of the file"
    known = ", ".join(siblings)
    return SettingsError(
        f"there is no setting {name!r} {place}",
        where=f"{file.name}: {key}",
        advice=_did_you_mean(section, name, siblings)
        + (f"The settings {place} are: {known}." if known else "")
        + " A misspelt setting is refused rather than ignored.",
    )


def _did_you_mean(section: str, name: str, siblings: list[str]) -> str:
    """The nearest key of this section and the same key in another section; failing
    both, the nearest key of any section."""
    close = nearest(name, siblings)
    found = [f"{section}.{close}" if section else close] if close else []
    found += [k for k in SETTINGS_KEYS if k.rpartition(".")[2] == name and k not in found]
    if not found:
        by_name = {k.rpartition(".")[2]: k for k in reversed(SETTINGS_KEYS)}
        close = nearest(name, by_name)
        found = [by_name[close]] if close else []
    return f"Did you mean {' or '.join(found)}? " if found else ""


def _flatten(raw: Mapping[str, object], file: Path) -> dict[str, object]:
    """``[section] key`` becomes ``section.key``; every key and section must be known.
    A table where a key expects text stays a table, so the key reports its type."""
    flat: dict[str, object] = {}
    for name, value in raw.items():
        if name not in SECTIONS:
            if name not in SETTINGS_KEYS:
                raise _unknown(name, value, file)
            flat[name] = value
            continue
        if not isinstance(value, Mapping):
            raise SettingsError(
                f"{name} must be a section of settings, got {described(value)}",
                where=f"{file.name}: {name}",
                advice=f"Write [{name}] on a line of its own, with its settings on the lines "
                "below it.",
            )
        for key, inner in value.items():
            if f"{name}.{key}" not in SETTINGS_KEYS:
                raise _unknown(f"{name}.{key}", inner, file)
            flat[f"{name}.{key}"] = inner
    return flat


_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


def _decode(data: bytes, path: Path, error: type[SmsyncError], what: str) -> str:
    """UTF-8 (with or without the BOM Notepad writes), UTF-16 with its BOM, or else
    Windows-1252, which Notepad calls ANSI on a Western Windows. Anything else is
    refused with the encoding it is not."""
    advice = "Save it again as UTF-8 (in Notepad: File > Save as, Encoding: UTF-8)."
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as problem:
                raise error(
                    f"the {what} starts as {encoding.upper().removesuffix('-SIG')} text, but "
                    f"byte {problem.start} is not {encoding.upper().removesuffix('-SIG')}",
                    where=str(path),
                    advice=advice,
                ) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as problem:
        raise error(
            f"the {what} is neither UTF-8 nor Windows-1252 text (byte "
            f"0x{data[problem.start]:02X} at offset {problem.start})",
            where=str(path),
            advice=advice,
        ) from None


def parse_toml(
    data: bytes, path: Path, error: type[SmsyncError], *, what: str
) -> dict[str, object]:
    """Parse a TOML file SMSync is given (settings, mapping), read as bytes by the caller:
    every problem with its text is ``error`` naming the file, never a traceback."""
    text = _decode(data, path, error, what)
    if "\x00" in text:
        raise error(
            f"the {what} holds NUL characters: it is not a text file (or it is UTF-16 "
            "without a byte-order mark)",
            where=str(path),
            advice="Save it again as UTF-8 (in Notepad: File > Save as, Encoding: UTF-8).",
        )
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as problem:
        raise error(
            f"the {what} is not valid TOML: {problem}",
            where=str(path),
            advice='Correct that line: text goes in double quotes (key = "value"), lists in '
            'brackets (key = ["A", "B"]), and each key appears once per section.',
        ) from None


def parse_settings_file(raw: Mapping[str, object], path: Path, *, look: Look) -> Settings:
    """The settings of a TOML settings file (the headless twin of the Setup sheet),
    parsed from ``raw``, its TOML read by the caller."""
    return parse_settings(
        _flatten(raw, path), base=path.parent, locate=lambda key: f"{path.name}: {key}", look=look
    )
