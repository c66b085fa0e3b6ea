"""Reading the files SMSync is given (the settings file, a table mapping): the bytes
are read here and parsed in ``core.settings``, which does no I/O; and what a path in
the settings names on disk is looked up here for it."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from smsync_xl.core.errors import SettingsError, SmsyncError
from smsync_xl.core.settings import (
    Locate,
    PathKind,
    Settings,
    parse_settings,
    parse_settings_file,
    parse_toml,
)


def path_kind(path: Path) -> PathKind:
    """Whether ``path`` is a folder, a file, or nothing at all."""
    if path.is_dir():
        return PathKind.FOLDER
    return PathKind.FILE if path.exists() else PathKind.MISSING


def read_toml(
    path: Path, error: type[SmsyncError], *, what: str, missing_advice: str
) -> dict[str, object]:
    """Read a TOML file SMSync is given (settings, mapping): every problem with the file
    itself is ``error`` naming it, never a traceback."""
    try:
        if path.is_dir():
            raise error(
                f"the {what} is a folder, not a file",
                where=str(path),
                advice=f"Give the path of the {what} inside it. {missing_advice}",
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise error(f"the {what} is not found", where=str(path), advice=missing_advice) from None
    except OSError as problem:
        raise error(
            f"the {what} cannot be read ({problem.strerror or problem})",
            where=str(path),
            advice="Check that you may read the file and that no other program locks it.",
        ) from None
    return parse_toml(data, path, error, what=what)


def load_settings(path: Path) -> Settings:
    """Read a TOML settings file (the headless twin of the Setup sheet)."""
    raw = read_toml(
        path,
        SettingsError,
        what="settings file",
        missing_advice="Run 'smsync-xl demo' to create an example, or pass --settings FILE.",
    )
    return parse_settings_file(raw, path, look=path_kind)


def settings_from_values(values: Mapping[str, object], *, base: Path, locate: Locate) -> Settings:
    """Settings from flat keys (the Setup sheet's, or a test's), their paths looked up
    on this computer."""
    return parse_settings(values, base=base, locate=locate, look=path_kind)
