"""Driver errors in plain language: what happened, where, and what to do.

Drivers report a SQLSTATE and a text. The table in DOMAIN.md §2 says what each means
for Sage 50; PostgreSQL reports a refused password as ``08001`` with the words
"password authentication failed", so the text is read as well as the code. The same
translation serves SMSTurbo, with its own advice and exception types.
"""

from __future__ import annotations

import re
import struct
import sys
from dataclasses import dataclass

from smsync_xl.connections.passwords import ENV
from smsync_xl.core.errors import (
    ArchitectureError,
    AuthorizationError,
    DriverNotFoundError,
    EngineNotRunningError,
    SageConnectionError,
    SmsyncError,
    SourceFormatError,
    TargetError,
    TargetLoginError,
)

AUTHORIZATION = "authorization"
NOT_FOUND = "not found"
ARCHITECTURE = "architecture"
UNREACHABLE = "unreachable"
NO_DATABASE = "no database"
NO_TABLE = "no table"
NO_COLUMN = "no column"

_SQLSTATE = re.compile(r"[0-9A-Z]{5}")


@dataclass(frozen=True)
class Side:
    """One end of the synchronization, with the advice that fits it."""

    key: str
    label: str
    errors: dict[str, type[SmsyncError]]
    login_advice: str
    engine_advice: str
    schema_advice: str

    def error(self, kind: str) -> type[SmsyncError]:
        return self.errors.get(kind, self.errors[""])


SAGE50 = Side(
    key="sage50",
    label="Sage 50",
    errors={
        "": SageConnectionError,
        AUTHORIZATION: AuthorizationError,
        NOT_FOUND: DriverNotFoundError,
        ARCHITECTURE: ArchitectureError,
        UNREACHABLE: EngineNotRunningError,
        NO_DATABASE: SageConnectionError,
        NO_TABLE: SourceFormatError,
        NO_COLUMN: SourceFormatError,
    },
    login_advice=(
        "In Sage 50 open Maintain > Users > Set Up Security, tab Data Access/Crystal "
        "Reports, and set the Data Access password (at most 8 characters; the ODBC user "
        "is always Peachtree). Then give it to SMSync: run 'smsync-xl password set sage50' "
        "(kept in the system keyring: Windows Credential Manager on Windows) or set the "
        f"environment variable {ENV['sage50']}."
    ),
    engine_advice=(
        "Start Sage 50 on the computer that holds the company (it starts the Pervasive / "
        "Actian Zen database engine), or start the Actian Zen engine service there. Check "
        "the server name (and port, default 1583) in Setup or in the DSN, and that a "
        "firewall lets the connection through."
    ),
    schema_advice=(
        "Check that the Sage 50 setting (DSN, database or company file) points at the Sage 50 "
        "US company (tables Company, Customers, Vendors, Address), not at another database."
    ),
)

SMSTURBO = Side(
    key="smsturbo",
    label="SMSTurbo",
    errors={"": TargetError, AUTHORIZATION: TargetLoginError},
    login_advice=(
        "Ask your SMSTurbo administrator for the database user and password; put the user "
        "in Setup or in the DSN and give the password to SMSync with 'smsync-xl password "
        f"set smsturbo' or the environment variable {ENV['smsturbo']}."
    ),
    engine_advice=(
        "Check that SMSTurbo's database server is running and that the server name and "
        "port in the DSN are right."
    ),
    schema_advice=("Check the SMSTurbo DSN and the table mapping (Setup: Table mapping file)."),
)


def state_and_text(error: Exception) -> tuple[str, str]:
    """The SQLSTATE (``''`` if the driver gives none, as sqlite3 does) and the text."""
    args = error.args
    if len(args) >= 2 and isinstance(args[0], str) and _SQLSTATE.fullmatch(args[0]):
        return args[0], str(args[1])
    return "", str(error)


def classify(state: str, text: str) -> str | None:
    """Which of the known problems a driver error is, or None."""
    lowered = text.lower()
    if (
        state == "28000"
        or "password authentication failed" in lowered
        or "invalid user authorization" in lowered
        or "no password supplied" in lowered
    ):
        return AUTHORIZATION
    if state == "IM014" or "architecture mismatch" in lowered:
        return ARCHITECTURE
    if state == "IM002" or "can't open lib" in lowered:
        return NOT_FOUND
    if state == "08001" and re.search(r'database ".*" does not exist', lowered):
        return NO_DATABASE
    if state in ("08001", "08S01", "HYT00", "HYT01"):
        return UNREACHABLE
    if state in ("42S02", "S0002", "42P01") or "no such table" in lowered:
        return NO_TABLE
    if state in ("42S22", "S0022", "42703") or "no such column" in lowered:
        return NO_COLUMN
    return None


def driver_text(text: str) -> str:
    """The driver's own words, without the [vendor][component] prefixes and codes."""
    cleaned = re.sub(r"\[[^\]]*\]", "", text)
    cleaned = re.sub(r"\((\d+|SQL\w+)\)", "", cleaned)
    cleaned = re.sub(r";?\s*Error while executing the query", "", cleaned)
    return " ".join(cleaned.split())


def python_bits() -> int:
    return struct.calcsize("P") * 8


def _names(values: list[str]) -> str:
    return ", ".join(values) if values else "none"


def connect_error(
    error: Exception,
    side: Side,
    where: str,
    *,
    dsn: str,
    driver: str,
    installed_dsns: dict[str, str],
    installed_drivers: list[str],
) -> SmsyncError:
    """A failed connection as the exception that tells the user what to do."""
    state, text = state_and_text(error)
    kind = classify(state, text) or ""
    said = driver_text(text)
    bits = python_bits()
    if kind == AUTHORIZATION:
        message = f"{side.label} refused the user name or password ({said})"
        advice = side.login_advice
    elif kind == ARCHITECTURE:
        named = f"the driver of DSN '{dsn}'" if dsn else f"the driver '{driver}'"
        message = f"{named} is not built for a {bits}-bit program"
        advice = (
            f"This Python is {bits}-bit ({sys.executable}). Sage 50's 'Pervasive ODBC Client "
            "Interface' is 32-bit: run SMSync with a 32-bit Python, or install the Actian Zen "
            "64-bit client and use its 'Pervasive ODBC Interface' driver. Create the DSN in "
            f"the {bits}-bit ODBC Data Source Administrator."
        )
    elif kind == NOT_FOUND and dsn and dsn not in installed_dsns:
        message = f"no ODBC data source (DSN) named '{dsn}' on this computer"
        advice = (
            f"Data sources this {bits}-bit Python can see: {_names(sorted(installed_dsns))}. "
            f"Drivers: {_names(installed_drivers)}. Correct the DSN in Setup, or create it in "
            f"the {bits}-bit ODBC Data Source Administrator (a DSN made in the other one is "
            "invisible here)."
        )
    elif kind == NOT_FOUND:
        named = installed_dsns.get(dsn, driver)
        message = f"the ODBC driver '{named}' could not be loaded ({said})"
        advice = (
            f"Drivers installed for this {bits}-bit Python: {_names(installed_drivers)}. "
            "Enter one of these names in Setup (Driver), or install the driver: for Sage 50 "
            "the Pervasive / Actian Zen client that Sage 50 installs on each workstation."
        )
        if bits == 64 and any(w in named.lower() for w in ("pervasive", "zen", "actian")):
            advice += (
                " If Sage 50 is installed here, its 'Pervasive ODBC Client Interface' is "
                "32-bit and invisible to this 64-bit Python: run SMSync with a 32-bit "
                "Python, or install the Actian Zen 64-bit client."
            )
    elif kind == UNREACHABLE:
        message = f"no {side.label} database engine answered ({said})"
        advice = side.engine_advice
    elif kind == NO_DATABASE:
        message = f"the database named in the settings does not exist ({said})"
        advice = side.schema_advice
    else:
        message = f"could not connect to {side.label}: {said}"
        advice = (
            "Run 'smsync-xl doctor' (or 'smsync-xl doctor --book SMSync.xlsm') to check "
            "the drivers, the DSNs and both connections."
        )
    return side.error(kind)(message, where=where, advice=advice)


def statement_error(error: Exception, *, side: Side, where: str) -> SmsyncError | None:
    """A missing table or column in plain language; None for anything else."""
    state, text = state_and_text(error)
    kind = classify(state, text)
    if kind not in (NO_TABLE, NO_COLUMN):
        return None
    what = "table" if kind == NO_TABLE else "column"
    return side.error(kind)(
        f"a {what} SMSync reads is missing in {side.label} ({driver_text(text)})",
        where=where,
        advice=side.schema_advice,
    )
