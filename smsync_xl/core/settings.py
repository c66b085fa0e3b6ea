"""Settings: one typed object, validated once, before any connection is opened.

Settings arrive as flat keys (``customers.replace``) from a TOML file for headless
runs or from the Setup sheet's named cells; ``locate`` turns a key into the place
the user must look (a TOML key, or a sheet cell), so every error points there.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from smsync_xl.core.errors import SettingsError
from smsync_xl.core.fields import ENTITIES, GROUPS
from smsync_xl.core.vocabulary import INACTIVE_STATUS, View

SAGE_KINDS = ("sqlite", "odbc", "csv")
TURBO_KINDS = ("sqlite", "odbc")
SAGE_ODBC_USER = "Peachtree"
MAX_DSN_LENGTH = 32  # SQL_MAX_DSN_LENGTH


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

    def includes_type(self, sage_type: str | None) -> bool:
        """Blank Include Types means every type; letter case is ignored."""
        return not self.include_types or (sage_type or "").upper() in self.include_types


@dataclass(frozen=True)
class CreditStatusRule:
    """How a Sage 50 record's state becomes an SMSTurbo credit status.

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


@dataclass(frozen=True)
class Settings:
    """Validated once, then never changed: a run reads the settings it started with."""

    sage50: Connection
    smsturbo: Connection
    mapping: Path | None
    entities: Mapping[str, EntitySettings]
    view: View = View.NOT_IN_SYNC
    credit_status: CreditStatusRule = CreditStatusRule()


Locate = Callable[[str], str]


def _as_list(value: object, key: str, locate: Locate) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return [v.strip() for v in value if v.strip()]
    raise SettingsError(
        f"expected a list of words, got {value!r}",
        where=locate(key),
        advice="Write the values separated by commas, e.g. PROSPECT, RETAIL.",
    )


def _text(values: Mapping[str, object], key: str, locate: Locate) -> str:
    value = values.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise SettingsError(f"expected text, got {value!r}", where=locate(key))
    return value.strip()


def _choice(
    values: Mapping[str, object], key: str, choices: tuple[str, ...], default: str, locate: Locate
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


def _replace_groups(values: Mapping[str, object], key: str, locate: Locate) -> frozenset[str]:
    by_label = {g.label.lower(): g.key for g in GROUPS.values()}
    chosen = set()
    for word in _as_list(values.get(key), key, locate):
        typed = word.lower().replace(" ", "_")
        group = typed if typed in GROUPS else by_label.get(word.lower())
        if group is None:
            raise SettingsError(
                f"{word!r} is not a Replace Option",
                where=locate(key),
                advice="Use any of: " + ", ".join(GROUPS) + ".",
            )
        chosen.add(group)
    return frozenset(chosen)


def _connection(
    values: Mapping[str, object], side: str, kinds: tuple[str, ...], base: Path, locate: Locate
) -> Connection:
    kind = _choice(values, f"{side}.kind", kinds, "sqlite", locate)
    path_text = _text(values, f"{side}.path", locate)
    path = (base / path_text).resolve() if path_text else None
    conn = Connection(
        kind=kind,
        path=path,
        dsn=_text(values, f"{side}.dsn", locate),
        driver=_text(values, f"{side}.driver", locate),
        server=_text(values, f"{side}.server", locate),
        database=_text(values, f"{side}.database", locate),
        user=_text(values, f"{side}.user", locate) or (SAGE_ODBC_USER if side == "sage50" else ""),
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
    if not path.exists() and side == "sage50":
        raise SettingsError(
            f"{path} does not exist",
            where=locate(f"{side}.path"),
            advice="Check the path, or export the list from Sage 50 again.",
        )
    if kind == "csv" and not path.is_dir():
        raise SettingsError(
            f"{path} is not a folder",
            where=locate(f"{side}.path"),
            advice="Enter the folder where the Customer List and Vendor List exports are saved.",
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


def _status_map(raw: object, locate: Locate) -> Mapping[str, object]:
    """A TOML table, or the Setup cell's text 'Always Hold = HOLD; Hold Over Limit = HOLD'."""
    if not raw:
        return {}
    if isinstance(raw, Mapping):
        return raw
    pairs = [part.partition("=") for part in str(raw).split(";") if part.strip()]
    if isinstance(raw, str) and all(sep and k.strip() and v.strip() for k, sep, v in pairs):
        return {k.strip(): v.strip() for k, _, v in pairs}
    raise SettingsError(
        f"{raw!r} is not a list of Sage 50 status = SMSTurbo status",
        where=locate("credit_status.map"),
        advice="Write pairs separated by semicolons, e.g. Always Hold = HOLD; "
        "Hold Over Limit = HOLD.",
    )


def settings_from_values(values: Mapping[str, object], *, base: Path, locate: Locate) -> Settings:
    """Build and validate settings from flat keys; raise SettingsError naming the place."""
    mapping_text = _text(values, "smsturbo.mapping", locate)
    by_code_raw = _status_map(values.get("credit_status.map"), locate)
    rule = CreditStatusRule(
        inactive=_text(values, "credit_status.inactive", locate) or INACTIVE_STATUS,
        active=_text(values, "credit_status.active", locate).upper(),
        by_code={str(k).strip().upper(): str(v).strip().upper() for k, v in by_code_raw.items()},
    )
    return Settings(
        sage50=_connection(values, "sage50", SAGE_KINDS, base, locate),
        smsturbo=_connection(values, "smsturbo", TURBO_KINDS, base, locate),
        mapping=(base / mapping_text).resolve() if mapping_text else None,
        entities=MappingProxyType(
            {
                key: EntitySettings(
                    include_types=frozenset(
                        t.upper()
                        for t in _as_list(
                            values.get(f"{key}.include_types"), f"{key}.include_types", locate
                        )
                    ),
                    replace=_replace_groups(values, f"{key}.replace", locate),
                )
                for key in ENTITIES
            }
        ),
        view=View(_choice(values, "view", tuple(View), View.NOT_IN_SYNC, locate)),
        credit_status=rule,
    )


def _flatten(table: Mapping[str, object], prefix: str = "") -> dict[str, object]:
    flat: dict[str, object] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and name != "credit_status.map":
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def load_settings(path: Path) -> Settings:
    """Read a TOML settings file (the headless twin of the Setup sheet)."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SettingsError(
            f"settings file {path} not found",
            advice="Run 'smsync-xl demo' to create an example, or pass --settings FILE.",
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"{path} is not valid TOML: {error}") from None
    return settings_from_values(
        _flatten(raw), base=path.parent, locate=lambda key: f"{path.name}: {key}"
    )
