"""Open the two sides named in the settings: Sage 50 read-only, SMSTurbo read-write.

An SQLite file is opened and read once inside the error translation, so a folder, a
file that is no database or a locked file is a plain message naming the setting.

Passwords are looked up here, at connect time (``connections.passwords``); when the
database refuses a missing password and the caller can ask the user, it asks once and
retries.
"""

from __future__ import annotations

import contextlib
from functools import partial
from pathlib import Path

from smsync_xl.connections.db import Database, open_sqlite
from smsync_xl.connections.odbc import connect
from smsync_xl.connections.odbc_errors import SMSTURBO, Side, statement_error
from smsync_xl.connections.passwords import Prompt, lookup, store
from smsync_xl.core.errors import (
    AuthorizationError,
    KeyringUnavailableError,
    NotADatabaseError,
    SageConnectionError,
    SettingsError,
    TargetError,
    TargetLoginError,
)
from smsync_xl.core.ports import Source
from smsync_xl.core.settings import Connection, Settings
from smsync_xl.smsturbo.mapping import load_mapping
from smsync_xl.smsturbo.store import SMSTurboStore
from smsync_xl.sources.editions import (
    FOLDER_KINDS,
    database_reader,
    folder_reader,
    odbc_connection,
    side,
)

__all__ = ["open_source", "open_store"]


def _open_odbc(
    conn: Connection,
    side: Side,
    *,
    read_only: bool,
    prompt: Prompt | None,
    extra: tuple[tuple[str, str], ...] = (),
) -> Database:
    """Connect with the kept password; when there is none and the database refuses,
    ask once, and keep what worked in the system keyring for next time."""
    password = lookup(side.key)
    try:
        return connect(conn, side, password, read_only=read_only, extra=extra)
    except (AuthorizationError, TargetLoginError):
        if password is not None or prompt is None:
            raise
        asked = prompt(f"{side.label} password for user {conn.user or '(from the DSN)'}")
        if not asked:
            raise
    database = connect(conn, side, asked, read_only=read_only, extra=extra)
    with contextlib.suppress(KeyringUnavailableError):
        store(side.key, asked)
    return database


def _path(conn: Connection) -> Path:
    """The file or folder of a connection that has one (settings validation made sure)."""
    if conn.path is None:
        raise SettingsError("no file given", where=conn.origin)
    return conn.path


def _not_a_folder(conn: Connection, path: Path, side: Side, what: str) -> None:
    """An SQLite connection names a file; a folder is refused before SQLite sees it."""
    if path.is_dir():
        raise NotADatabaseError(
            f"{path} is a folder, not the {side.label} {what}",
            where=conn.origin,
            advice=f"Enter the path of the {side.label} {what} itself (a relative path "
            "starts at the workbook's or settings file's folder).",
        )


def open_source(settings: Settings, *, prompt: Prompt | None = None) -> Source:
    """Sage 50 is only ever read: the connection itself refuses writes. The edition and
    the kind pick the reader (``sources.editions``)."""
    conn = settings.sage50
    sage50 = side(settings.edition)
    if conn.kind in FOLDER_KINDS:
        return folder_reader(settings)(_path(conn), settings)
    reader = database_reader(settings)
    if conn.kind == "odbc":
        odbc_conn, extra = odbc_connection(settings)
        db = _open_odbc(odbc_conn, sage50, read_only=True, prompt=prompt, extra=extra)
        return reader(db, settings)
    path = _path(conn)
    _not_a_folder(conn, path, sage50, "company file")
    translate = partial(statement_error, side=sage50, where=conn.located(str(path)))
    try:
        db = open_sqlite(path, read_only=True, translate=translate)
    except FileNotFoundError:
        raise SageConnectionError(
            f"Sage 50 company file {path} not found",
            where=conn.origin,
            advice="Check the company file; a relative path starts at the workbook's (or "
            "settings file's) folder.",
        ) from None
    return reader(db, settings)


def open_store(settings: Settings, *, prompt: Prompt | None = None) -> SMSTurboStore:
    conn = settings.smsturbo
    mapping = load_mapping(settings.mapping)
    if conn.kind == "odbc":
        return SMSTurboStore(_open_odbc(conn, SMSTURBO, read_only=False, prompt=prompt), mapping)
    path = _path(conn)
    if not path.exists():
        raise TargetError(
            f"SMSTurbo database {path} not found",
            where=conn.origin,
            advice="Check the SMSTurbo database file; a relative path starts at the "
            "workbook's (or settings file's) folder. 'smsync-xl install --demo' or "
            "'smsync-xl demo' creates a demo database.",
        )
    _not_a_folder(conn, path, SMSTURBO, "database file")
    translate = partial(statement_error, side=SMSTURBO, where=conn.located(str(path)))
    return SMSTurboStore(open_sqlite(path, translate=translate), mapping)
