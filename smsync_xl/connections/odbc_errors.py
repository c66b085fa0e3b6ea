"""Driver errors in plain language: what happened, where, and what to do.

Drivers report a SQLSTATE and a text. The table in docs/DOMAIN.md §2 says what each
means for Sage 50; PostgreSQL reports a refused password as ``08001`` with the words
"password authentication failed", so the text is read as well as the code. The same
translation serves SMSTurbo, with its own advice and exception types. Both steps are
tables: ``RULES`` (code and text → kind) and ``CONNECT_TRANSLATIONS`` (kind → message
and advice). A statement that fails once connected (a lock held too long, a read-only
file, a value SMSTurbo's columns refuse) goes through ``STATEMENT_RULES`` and
``STATEMENT_TRANSLATIONS`` the same way, per side.
"""

from __future__ import annotations

import re
import struct
import sys
from collections.abc import Callable
from dataclasses import dataclass

from smsync_xl.connections import db
from smsync_xl.connections.passwords import ENV
from smsync_xl.core.errors import (
    ArchitectureError,
    AuthorizationError,
    DriverNotFoundError,
    EngineNotRunningError,
    NotADatabaseError,
    SageConnectionError,
    SmsyncError,
    SourceFormatError,
    TargetBusyError,
    TargetError,
    TargetLoginError,
    TargetLostError,
    TargetReadOnlyError,
    TargetReferenceError,
    TargetRefusedError,
)

AUTHORIZATION = "authorization"
NOT_FOUND = "not found"
ARCHITECTURE = "architecture"
UNREACHABLE = "unreachable"
NO_DATABASE = "no database"
NO_TABLE = "no table"
NO_COLUMN = "no column"
NO_ACCESS = "no access"
"""Signed in, but the user may not read the company's data (MySQL's "access denied …
to database", "SELECT command denied"): a right to grant, not a password to retype."""

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
    access_advice: str = ""
    """Where to give the user read access, for a server that signs a user in without it."""

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
        "US company (tables Company, Customers, Vendors, Address, LineItem), not at another "
        "database."
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
            "(using password:",
        ),
    ),
    Rule(NO_ACCESS, words=("command denied to user",)),
    Rule(NO_ACCESS, words=("access denied for user",), also=re.compile(r"to database")),
    Rule(ARCHITECTURE, states=frozenset({"IM014"}), words=("architecture mismatch",)),
    Rule(NOT_FOUND, states=frozenset({"IM002"}), words=("can't open lib",)),
    # Before UNREACHABLE: PostgreSQL says 08001 for a database that does not exist too.
    Rule(
        NO_DATABASE, states=frozenset({"08001"}), also=re.compile(r'database ".*" does not exist')
    ),
    Rule(
        UNREACHABLE,
        states=frozenset({"08001", "08S01", "HYT00", "HYT01"}),
        words=("can't connect to",),
    ),
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
    NO_ACCESS: Translation(
        message=lambda f: (
            f"{f.side.label} let the user in but not to the company's data ({f.said})"
        ),
        advice=lambda f: f.side.access_advice or f.side.login_advice,
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
    """A failed statement in plain language: a missing table or column, a lock held too
    long, a read-only or non-database file, a value the database refuses. None for
    anything else (kept as it is: a bug to report, not a problem to fix)."""
    state, text = state_and_text(error)
    kind = classify(state, text)
    if kind == NO_ACCESS:
        return side.error(kind)(
            f"{side.label} refused to let this user read the company's data ({driver_text(text)})",
            where=where,
            advice=side.access_advice or side.login_advice,
        )
    if kind in (NO_TABLE, NO_COLUMN):
        what = "table" if kind == NO_TABLE else "column"
        return side.error(kind)(
            f"a {what} SMSync reads is missing in {side.label} ({driver_text(text)})",
            where=where,
            advice=side.schema_advice,
        )
    translation = STATEMENT_TRANSLATIONS[side.key].get(classify_statement(state, text) or "")
    if translation is None:
        return None
    wait = f"{db.LOCK_WAIT_SECONDS:g}"
    return translation.error(
        translation.message.format(said=driver_text(text), wait=wait),
        where=where,
        advice=translation.advice,
    )


CANCELLED = "cancelled"
IDLE = "idle too long"
DEADLOCK = "deadlock"
READ_ONLY_DATABASE = "read-only database"
LOST = "lost"
LOCKED = "locked"
TIMED_OUT = "timed out"
READ_ONLY = "read only"
CANNOT_OPEN = "cannot open"
NOT_A_DATABASE = "not a database"
UNIQUE = "unique"
REQUIRED = "required"
REFERENCED = "referenced"
CONSTRAINT = "constraint"
TOO_LONG = "too long"
BAD_VALUE = "bad value"
STORAGE = "storage"

STATEMENT_RULES: tuple[Rule, ...] = (
    # Before LOST: the server ends the session, but for a reason of its own to tell.
    Rule(
        IDLE,
        states=frozenset({"25P03"}),
        words=("idle-in-transaction timeout", "idle_in_transaction_session_timeout"),
    ),
    Rule(DEADLOCK, states=frozenset({"40P01"}), words=("deadlock",)),
    Rule(
        READ_ONLY_DATABASE,
        states=frozenset({"25006"}),
        words=("read-only transaction", "during recovery"),
    ),
    Rule(
        CANCELLED,
        states=frozenset({"57014"}),
        words=("statement timeout", "canceling statement due to user request"),
    ),
    Rule(
        LOST,
        states=frozenset({"08S01", "08003", "08006", "08007", "57P01", "57P02"}),
        words=(
            "connection has been lost",
            "connection lost",
            "server closed the connection unexpectedly",
            "terminating connection",
            "communication link failure",
            # psqlODBC's first words in a transaction whose session the server ended
            # (SMSync never goes on after a failed statement, so nothing else causes it)
            "internal savepoint failed",
        ),
    ),
    Rule(
        LOCKED,
        states=frozenset({"55P03", "40001"}),
        words=(
            "database is locked",
            "database table is locked",
            "lock timeout",
            "lock wait timeout",
            "lock request time out",
            "could not obtain lock",
            "resource busy",
        ),
    ),
    Rule(TIMED_OUT, states=frozenset({"HYT00", "HYT01"}), words=("timeout expired",)),
    Rule(
        READ_ONLY,
        states=frozenset({"42501"}),
        words=("readonly database", "read-only", "permission denied"),
    ),
    Rule(CANNOT_OPEN, words=("unable to open database file",)),
    Rule(NOT_A_DATABASE, words=("file is not a database", "file is encrypted")),
    Rule(
        UNIQUE,
        states=frozenset({"23505"}),
        words=("unique constraint", "duplicate key", "duplicate entry", "primary key constraint"),
    ),
    Rule(
        REQUIRED,
        states=frozenset({"23502"}),
        words=("not null constraint", "null value in column", "value null", "cannot be null"),
    ),
    Rule(
        REFERENCED,
        states=frozenset({"23503"}),
        words=("foreign key constraint", "reference constraint", "still referenced"),
    ),
    Rule(
        CONSTRAINT,
        states=frozenset({"23000", "23514"}),
        words=("constraint failed", "violates"),
    ),
    Rule(
        TOO_LONG,
        states=frozenset({"22001"}),
        words=("value too long", "right truncat", "data too long"),
    ),
    Rule(
        BAD_VALUE,
        states=frozenset({"22P02", "22003", "22005", "22007", "22008", "22018"}),
        words=("invalid input syntax", "out of range", "numeric field overflow", "mismatch"),
    ),
    Rule(
        STORAGE,
        states=frozenset({"53100"}),
        words=("disk is full", "disk i/o error", "malformed", "no space left"),
    ),
)
"""What a failed statement means (after a missing table or column, see ``RULES``);
checked in order, the first rule that matches names the problem."""


@dataclass(frozen=True)
class StatementTranslation:
    """How one kind of failed statement is told on one side: ``message`` may name
    ``{said}`` (the driver's words) and ``{wait}`` (seconds waited for a lock)."""

    error: type[SmsyncError]
    message: str
    advice: str


_NOTHING_CHANGED = "; nothing was changed"
_TURBO_BUSY = StatementTranslation(
    TargetBusyError,
    "another synchronization (or another program) is writing SMSTurbo and did not finish "
    "within {wait} seconds ({said})" + _NOTHING_CHANGED,
    "Try again in a minute. If it happens again, another program keeps SMSTurbo locked: "
    "close it, or end its unfinished work, then synchronize again.",
)
_FIX_THE_VALUE = (
    "Correct the value in Sage 50 (or in customer ZZDEFAULT in SMSTurbo: new records take "
    "from it what Sage 50 does not supply), {refresh} and synchronize again."
)

STATEMENT_TRANSLATIONS: dict[str, dict[str, StatementTranslation]] = {
    SMSTURBO.key: {
        CANCELLED: StatementTranslation(
            TargetLostError,
            "SMSTurbo's database server stopped one of SMSync's statements before it "
            "finished ({said}): a time limit its administrator set (statement_timeout), or "
            "an administrator cancelled it" + _NOTHING_CHANGED,
            "Ask the SMSTurbo administrator to give SMSync's database user more time "
            "(PostgreSQL: ALTER ROLE … SET statement_timeout, 0 for no limit), or "
            "synchronize fewer records at once ({fewer}); "
            "then synchronize again.",
        ),
        LOST: StatementTranslation(
            TargetLostError,
            "the connection to SMSTurbo's database server was lost ({said}); the server "
            "undoes whatever SMSync had not committed" + _NOTHING_CHANGED,
            "Check the network and that SMSTurbo's server is running (its administrator can "
            "tell whether it restarted or ended SMSync's session), then synchronize again.",
        ),
        LOCKED: _TURBO_BUSY,
        TIMED_OUT: _TURBO_BUSY,
        DEADLOCK: StatementTranslation(
            TargetBusyError,
            "SMSTurbo's database server stopped SMSync's synchronization because SMSync and "
            "another program or user were each waiting for the other (a deadlock: {said})"
            + _NOTHING_CHANGED,
            "Synchronize again: the other program's work went through. If it happens often, "
            "tell SMSync's support which program was working in SMSTurbo at the time.",
        ),
        IDLE: StatementTranslation(
            TargetLostError,
            "SMSTurbo's database server ended SMSync's session because its transaction "
            "waited longer than the limit the server's administrator set "
            "(idle_in_transaction_session_timeout; {said}); the server undid whatever "
            "SMSync had not committed" + _NOTHING_CHANGED,
            "Synchronize again. If it happens again, ask the SMSTurbo administrator to raise "
            "that limit for SMSync's database user (PostgreSQL: ALTER ROLE … SET "
            "idle_in_transaction_session_timeout = '5min', or 0 for none).",
        ),
        READ_ONLY_DATABASE: StatementTranslation(
            TargetReadOnlyError,
            "SMSTurbo's database accepts only reads: a read-only database or a standby "
            "server, whatever the user's rights ({said})" + _NOTHING_CHANGED,
            "Point smsturbo.dsn (Setup) at SMSTurbo's main database server, or ask its "
            "administrator to allow writes to the database (PostgreSQL: ALTER DATABASE … "
            "SET default_transaction_read_only = off); then synchronize again.",
        ),
        READ_ONLY: StatementTranslation(
            TargetReadOnlyError,
            "SMSTurbo can only be read here, so SMSync cannot write it ({said})" + _NOTHING_CHANGED,
            "Make the SMSTurbo database file and its folder writable for the user who runs "
            "SMSync (Windows: the file's Properties, untick Read-only; a file on a read-only "
            "share must be copied first), or on a database server give that user the right "
            "to change SMSTurbo's tables. Then synchronize again.",
        ),
        CANNOT_OPEN: StatementTranslation(
            NotADatabaseError,
            "SMSync cannot open the SMSTurbo database file, or the journal file SQLite "
            "writes beside it ({said})" + _NOTHING_CHANGED,
            "Check that smsturbo.path (Setup: SMSTurbo database file) names the SMSTurbo "
            "database file, and that the user who runs SMSync may read and write the file "
            "and its folder.",
        ),
        NOT_A_DATABASE: StatementTranslation(
            NotADatabaseError,
            "this file is not an SQLite database ({said})",
            "Check smsturbo.path (Setup: SMSTurbo database file): it must name the SMSTurbo "
            "database file (the demo's is smsturbo_demo.sqlite), not a workbook, an export "
            "or a backup archive.",
        ),
        UNIQUE: StatementTranslation(
            TargetRefusedError,
            "SMSTurbo refused a value that must be unique ({said})" + _NOTHING_CHANGED,
            "Another SMSTurbo record already holds this value in a column SMSTurbo keeps "
            "unique. Correct the record in Sage 50 (or the other one in SMSTurbo), "
            "{refresh} and synchronize again.",
        ),
        REQUIRED: StatementTranslation(
            TargetRefusedError,
            "SMSTurbo refused a blank value in a column it requires ({said})" + _NOTHING_CHANGED,
            "Fill in the value in Sage 50, or in customer ZZDEFAULT in SMSTurbo (new records "
            "take from it what Sage 50 does not supply), then {refresh} and synchronize "
            "again.",
        ),
        CONSTRAINT: StatementTranslation(
            TargetRefusedError,
            "SMSTurbo refused a value that breaks one of its rules ({said})" + _NOTHING_CHANGED,
            _FIX_THE_VALUE,
        ),
        REFERENCED: StatementTranslation(
            TargetReferenceError,
            "SMSTurbo refused it: a link between its tables would break ({said})"
            + _NOTHING_CHANGED,
            "A value must be one another SMSTurbo table holds, or a record other records "
            "refer to cannot go. Correct the value in Sage 50 (or in customer ZZDEFAULT in "
            "SMSTurbo), {refresh} and synchronize again.",
        ),
        TOO_LONG: StatementTranslation(
            TargetRefusedError,
            "a value is longer than its SMSTurbo column ({said})" + _NOTHING_CHANGED,
            "This SMSTurbo column is narrower than SMSync expects. Shorten the value in "
            "Sage 50 (or in customer ZZDEFAULT in SMSTurbo), or widen the column in "
            "SMSTurbo; then {refresh} and synchronize again.",
        ),
        BAD_VALUE: StatementTranslation(
            TargetRefusedError,
            "a value does not suit its SMSTurbo column ({said})" + _NOTHING_CHANGED,
            _FIX_THE_VALUE,
        ),
        STORAGE: StatementTranslation(
            TargetError,
            "SMSTurbo's database could not be read or written ({said})" + _NOTHING_CHANGED,
            "Check the free space on SMSTurbo's disk. If SMSTurbo itself reports the "
            "database damaged, restore it from its backup before synchronizing again.",
        ),
    },
    SAGE50.key: {
        LOCKED: StatementTranslation(
            SageConnectionError,
            "another program kept the Sage 50 company locked for more than {wait} seconds ({said})",
            "Try again in a minute; if it happens again, close the program that is "
            "writing the company.",
        ),
        TIMED_OUT: StatementTranslation(
            EngineNotRunningError,
            "Sage 50's database engine did not answer in time ({said})",
            SAGE50.engine_advice,
        ),
        CANCELLED: StatementTranslation(
            SageConnectionError,
            "Sage 50's database server stopped a read before it finished ({said}): a time "
            "limit its administrator set, or an administrator cancelled it",
            "Ask the database administrator to give SMSync's user more time, then try again.",
        ),
        LOST: StatementTranslation(
            EngineNotRunningError,
            "the connection to Sage 50's database engine was lost while reading ({said})",
            SAGE50.engine_advice,
        ),
        CANNOT_OPEN: StatementTranslation(
            NotADatabaseError,
            "SMSync cannot open the Sage 50 company file ({said})",
            "Check sage50.path (Setup: Company file or export folder): it must name the "
            "company file, and the user who runs SMSync must be allowed to read it.",
        ),
        NOT_A_DATABASE: StatementTranslation(
            NotADatabaseError,
            "this file is not an SQLite database ({said})",
            "Check sage50.path (Setup: Company file or export folder): it must name the "
            "company database file (the demo's is sage50_demo.sqlite); for Sage 50's list "
            "exports choose the kind csv and name their folder.",
        ),
        STORAGE: StatementTranslation(
            SageConnectionError,
            "the Sage 50 company could not be read ({said})",
            "Check the disk holding the company; if Sage 50 itself reports the company "
            "damaged, restore it from its backup.",
        ),
    },
}
"""Message, advice and exception per kind of failed statement and side. Sage 50 is only
read, so a write refused there (SMSync's own read-only guard) stays the driver's error."""


def classify_statement(state: str, text: str) -> str | None:
    """Which of the known problems a failed statement is (see ``STATEMENT_RULES``)."""
    lowered = text.lower()
    return next((rule.kind for rule in STATEMENT_RULES if rule.matches(state, lowered)), None)
