"""ODBC connections through pyodbc and the system's driver manager, for both sides.

pyodbc is imported here, lazily: a machine without unixODBC still runs the SQLite
path. A Sage 50 connection is read-only three times over: the ODBC access-mode
attribute (what Pervasive honours), and for drivers that ignore it a read-only
session (PostgreSQL, MySQL/MariaDB: Sage 50 Canadian Edition) or ``query_only``
(SQLite), so a write fails in the driver.
"""

from __future__ import annotations

import contextlib
from functools import partial
from types import ModuleType
from typing import Any

from smsync_xl.connections.db import MYSQL_FAMILY, Database
from smsync_xl.connections.odbc_errors import Side, connect_error, statement_error
from smsync_xl.core.settings import Connection

TIMEOUT_SECONDS = 15
QUERY_TIMEOUT_SECONDS = 600
"""A statement still running after this fails (HYT00) instead of freezing Excel."""
_PERVASIVE = ("pervasive", "zen", "actian")


def load_pyodbc(side: Side, where: str = "") -> ModuleType:
    """pyodbc, or the error that says to install the ODBC driver manager."""
    try:
        import pyodbc
    except ImportError as error:
        raise side.error("")(
            f"ODBC is not available to this Python ({error})",
            where=where or f"{side.label} connection",
            advice="Install unixODBC (Debian/Ubuntu: apt-get install unixodbc; macOS: brew "
            "install unixodbc) and the database's ODBC driver; on Windows reinstall pyodbc.",
        ) from None
    module: ModuleType = pyodbc  # Any to mypy, which does not find pyodbc's stubs (pyproject)
    return module


def _value(text: str) -> str:
    """One connection-string value; braced when it holds characters ODBC treats specially."""
    if any(c in text for c in ";{}=") or text != text.strip():
        return "{" + text.replace("}", "}}") + "}"
    return text


def _server_parts(conn: Connection) -> list[tuple[str, str]]:
    """Pervasive takes ``ServerName=host.port`` and ``DBQ``; other drivers ``Server``,
    ``Port`` (written ``host:port`` in Setup) and ``Database``."""
    if any(word in conn.driver.lower() for word in _PERVASIVE):
        return [("ServerName", conn.server.replace(":", ".")), ("DBQ", conn.database)]
    host, _, port = conn.server.partition(":")
    return [("Server", host), ("Port", port), ("Database", conn.database)]


def connection_string(
    conn: Connection, password: str | None, extra: tuple[tuple[str, str], ...] = ()
) -> str:
    """DSN=… or Driver={…};… from the Setup fields, plus the user and password, and any
    ``extra`` keys a driver needs (Sage 50 UK's ``DIR=``, the company's data folder)."""
    if conn.dsn:
        parts = [("DSN", conn.dsn)]
    else:
        driver = conn.driver.strip().removeprefix("{").removesuffix("}")
        parts = [("Driver", "{" + driver.replace("}", "}}") + "}"), *_server_parts(conn)]
    parts += [("UID", conn.user), ("PWD", password or ""), *extra]
    return ";".join(
        f"{key}={value if key == 'Driver' else _value(value)}" for key, value in parts if value
    )


def describe(conn: Connection) -> str:
    """Where a connection points, for messages (never the password)."""
    if conn.dsn:
        return f"ODBC DSN {conn.dsn}"
    where = f"ODBC driver {conn.driver}"
    if conn.server:
        where += f", server {conn.server}"
    return f"{where}, database {conn.database}"


def _refuse_writes(
    connection: Any,  # a pyodbc connection: pyodbc is untyped to mypy (pyproject)
    pyodbc: ModuleType,
) -> None:
    dbms = str(connection.getinfo(pyodbc.SQL_DBMS_NAME)).lower()
    if "postgresql" in dbms:
        connection.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
    elif "sqlite" in dbms:
        connection.execute("PRAGMA query_only = ON")
    elif "mysql" in dbms or "mariadb" in dbms:
        connection.execute("SET SESSION TRANSACTION READ ONLY")


def utf8_text(
    connection: Any,  # a pyodbc connection: pyodbc is untyped to mypy (pyproject)
    pyodbc: ModuleType,
) -> None:
    """MySQL's and MariaDB's drivers: text both ways in UTF-8. Their UTF-16 text comes
    back garbled beyond a few hundred characters (a whole audited record, say)."""
    dbms = str(connection.getinfo(pyodbc.SQL_DBMS_NAME)).lower()
    if dbms.startswith(MYSQL_FAMILY):
        connection.setdecoding(pyodbc.SQL_CHAR, encoding="utf-8")
        connection.setdecoding(pyodbc.SQL_WCHAR, encoding="utf-8")
        connection.setencoding(encoding="utf-8")


def installed(pyodbc: ModuleType) -> tuple[dict[str, str], list[str]]:
    """The DSNs (name → driver) and driver names this process's driver manager knows."""
    return pyodbc.dataSources(), sorted(pyodbc.drivers())


def connect(
    conn: Connection,
    side: Side,
    password: str | None,
    *,
    read_only: bool,
    timeout: int = TIMEOUT_SECONDS,
    extra: tuple[tuple[str, str], ...] = (),
) -> Database:
    """Open an ODBC connection in autocommit (``Database.transaction`` turns it off)."""
    label = describe(conn)
    where = conn.located(label)
    pyodbc = load_pyodbc(side, conn.located(f"{side.label} connection"))
    try:
        connection = pyodbc.connect(
            connection_string(conn, password, extra),
            autocommit=True,
            readonly=read_only,
            timeout=timeout,
        )
    except pyodbc.Error as error:
        dsns, drivers = installed(pyodbc)
        raise connect_error(
            error,
            side,
            where,
            dsn=conn.dsn,
            driver=conn.driver,
            installed_dsns=dsns,
            installed_drivers=drivers,
        ) from None
    with contextlib.suppress(pyodbc.Error):  # psqlODBC refuses it: no timeout there
        connection.timeout = QUERY_TIMEOUT_SECONDS
    utf8_text(connection, pyodbc)
    if read_only:
        _refuse_writes(connection, pyodbc)
    translate = partial(statement_error, side=side, where=where)
    return Database(connection, label=label, translate=translate)
