"""Driver errors in plain language: what happened, where, and what to do.

Drivers report a SQLSTATE and a text. The table in docs/DOMAIN.md §2 says what each
means for Sage 50; PostgreSQL reports a refused password as ``08001`` with the words
"password authentication failed", so the text is read as well as the code. The same
translation serves SMSTurbo, with its own advice and exception types. Both steps are
tables: ``RULES`` (code and text → kind) and ``CONNECT_TRANSLATIONS`` (kind → message
and advice).
"""

from __future__ import annotations

import re
import struct
import sys
from collections.abc import Callable
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


@dataclass(frozen=True)
class Rule:
    """A driver error is ``kind`` when its SQLSTATE is one of ``states`` or its text
    (lower-cased) holds one of ``words``; with ``also``, the text must match it too."""

    kind: str
    states: frozenset[str] = frozenset()
    words: tuple[str, ...] = ()
    also: re.Pattern[str] | None = None

    def matches(self, state: str, lowered: str) -> bool:
        said = state in self.states or any(word in lowered for word in self.words)
        return said and (self.also is None or self.also.search(lowered) is not None)


RULES: tuple[Rule, ...] = (
    Rule(
        AUTHORIZATION,
        states=frozenset({"28000"}),
        words=(
            "password authentication failed",
            "invalid user authorization",
            "no password supplied",
        ),
    ),
    Rule(ARCHITECTURE, states=frozenset({"IM014"}), words=("architecture mismatch",)),
    Rule(NOT_FOUND, states=frozenset({"IM002"}), words=("can't open lib",)),
    # Before UNREACHABLE: PostgreSQL says 08001 for a database that does not exist too.
    Rule(
        NO_DATABASE, states=frozenset({"08001"}), also=re.compile(r'database ".*" does not exist')
    ),
    Rule(UNREACHABLE, states=frozenset({"08001", "08S01", "HYT00", "HYT01"})),
    Rule(NO_TABLE, states=frozenset({"42S02", "S0002", "42P01"}), words=("no such table",)),
    Rule(NO_COLUMN, states=frozenset({"42S22", "S0022", "42703"}), words=("no such column",)),
)
"""Checked in order; the first rule that matches names the problem."""


def classify(state: str, text: str) -> str | None:
    """Which of the known problems a driver error is, or None."""
    lowered = text.lower()
    return next((rule.kind for rule in RULES if rule.matches(state, lowered)), None)


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


@dataclass(frozen=True)
class Failure:
    """A refused connection, with what the messages and the advice may name."""

    side: Side
    said: str
    dsn: str
    driver: str
    installed_dsns: dict[str, str]
    installed_drivers: list[str]
    bits: int

    @property
    def dsn_missing(self) -> bool:
        return bool(self.dsn) and self.dsn not in self.installed_dsns

    @property
    def named_driver(self) -> str:
        """The driver the DSN names, else the one in the settings."""
        return self.installed_dsns.get(self.dsn, self.driver)


@dataclass(frozen=True)
class Translation:
    """How one kind of refused connection is told: what happened and what to do."""

    message: Callable[[Failure], str]
    advice: Callable[[Failure], str]


def _architecture_message(f: Failure) -> str:
    named = f"the driver of DSN '{f.dsn}'" if f.dsn else f"the driver '{f.driver}'"
    return f"{named} is not built for a {f.bits}-bit program"


def _architecture_advice(f: Failure) -> str:
    return (
        f"This Python is {f.bits}-bit ({sys.executable}). Sage 50's 'Pervasive ODBC Client "
        "Interface' is 32-bit: run SMSync with a 32-bit Python, or install the Actian Zen "
        "64-bit client and use its 'Pervasive ODBC Interface' driver. Create the DSN in "
        f"the {f.bits}-bit ODBC Data Source Administrator."
    )


def _no_dsn_advice(f: Failure) -> str:
    return (
        f"Data sources this {f.bits}-bit Python can see: {_names(sorted(f.installed_dsns))}. "
        f"Drivers: {_names(f.installed_drivers)}. Correct the DSN in Setup, or create it in "
        f"the {f.bits}-bit ODBC Data Source Administrator (a DSN made in the other one is "
        "invisible here)."
    )


def _no_driver_advice(f: Failure) -> str:
    advice = (
        f"Drivers installed for this {f.bits}-bit Python: {_names(f.installed_drivers)}. "
        "Enter one of these names in Setup (Driver), or install the driver: for Sage 50 "
        "the Pervasive / Actian Zen client that Sage 50 installs on each workstation."
    )
    if f.bits == 64 and any(w in f.named_driver.lower() for w in ("pervasive", "zen", "actian")):
        advice += (
            " If Sage 50 is installed here, its 'Pervasive ODBC Client Interface' is "
            "32-bit and invisible to this 64-bit Python: run SMSync with a 32-bit "
            "Python, or install the Actian Zen 64-bit client."
        )
    return advice


NO_DSN = "no dsn"
"""Not a kind of its own: NOT_FOUND when the DSN itself is missing (not its driver)."""

CONNECT_TRANSLATIONS: dict[str, Translation] = {
    AUTHORIZATION: Translation(
        message=lambda f: f"{f.side.label} refused the user name or password ({f.said})",
        advice=lambda f: f.side.login_advice,
    ),
    ARCHITECTURE: Translation(message=_architecture_message, advice=_architecture_advice),
    NO_DSN: Translation(
        message=lambda f: f"no ODBC data source (DSN) named '{f.dsn}' on this computer",
        advice=_no_dsn_advice,
    ),
    NOT_FOUND: Translation(
        message=lambda f: f"the ODBC driver '{f.named_driver}' could not be loaded ({f.said})",
        advice=_no_driver_advice,
    ),
    UNREACHABLE: Translation(
        message=lambda f: f"no {f.side.label} database engine answered ({f.said})",
        advice=lambda f: f.side.engine_advice,
    ),
    NO_DATABASE: Translation(
        message=lambda f: f"the database named in the settings does not exist ({f.said})",
        advice=lambda f: f.side.schema_advice,
    ),
    "": Translation(
        message=lambda f: f"could not connect to {f.side.label}: {f.said}",
        advice=lambda f: (
            "Run 'smsync-xl doctor' (or 'smsync-xl doctor --book SMSync.xlsm') to check "
            "the drivers, the DSNs and both connections."
        ),
    ),
}
"""Message and advice per kind; any other kind (a missing table at connect time) is ''."""


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
    failure = Failure(
        side=side,
        said=driver_text(text),
        dsn=dsn,
        driver=driver,
        installed_dsns=installed_dsns,
        installed_drivers=installed_drivers,
        bits=python_bits(),
    )
    row = NO_DSN if kind == NOT_FOUND and failure.dsn_missing else kind
    translation = CONNECT_TRANSLATIONS.get(row, CONNECT_TRANSLATIONS[""])
    return side.error(kind)(
        translation.message(failure), where=where, advice=translation.advice(failure)
    )


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
