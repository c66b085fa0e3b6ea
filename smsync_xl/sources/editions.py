"""Which reader serves which Sage 50 edition and connection kind: the one place that
knows, so opening a company never names a reader class, and an edition that cannot be
read a given way is one plain message.

A database reader gets an open connection (an SQLite file or ODBC); a folder reader
gets the folder holding the edition's exports. ``SIDES`` gives each edition's
connection errors its own advice (where to set a password, which engine to start).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from smsync_xl.connections.db import Database
from smsync_xl.connections.odbc_errors import SAGE50, Side
from smsync_xl.connections.sage50_uk_side import SAGE50_UK
from smsync_xl.core.errors import SettingsError
from smsync_xl.core.ports import Source
from smsync_xl.core.settings import SAGE_KINDS, Connection, Settings
from smsync_xl.core.vocabulary import Edition
from smsync_xl.sources.sage50 import Sage50Source
from smsync_xl.sources.sage50_canada import SIDE as CANADA_SIDE
from smsync_xl.sources.sage50_canada import Sage50CanadaSource
from smsync_xl.sources.sage50_csv import Sage50CsvSource
from smsync_xl.sources.sage50_uk import Sage50UkSource, uk_odbc_connection
from smsync_xl.sources.sage50_uk_csv import Sage50UkCsvSource

DatabaseReader = Callable[[Database, Settings], Source]
FolderReader = Callable[[Path, Settings], Source]

FOLDER_KINDS = frozenset({"csv"})
"""Connection kinds that name a folder of exports rather than a database."""


def _us(db: Database, settings: Settings) -> Source:
    return Sage50Source(db, settings.status_rule)


def _us_exports(folder: Path, settings: Settings) -> Source:
    return Sage50CsvSource(folder, settings.status_rule)


def _uk(db: Database, settings: Settings) -> Source:
    return Sage50UkSource(db, settings.status_rule, settings.uk)


def _uk_record_csvs(folder: Path, settings: Settings) -> Source:
    return Sage50UkCsvSource(folder, settings.uk)


DATABASE_READERS: dict[tuple[Edition, str], DatabaseReader] = {
    (Edition.US, "sqlite"): _us,
    (Edition.US, "odbc"): _us,
    (Edition.CANADA, "sqlite"): Sage50CanadaSource,
    (Edition.CANADA, "odbc"): Sage50CanadaSource,
    (Edition.UK, "sqlite"): _uk,
    (Edition.UK, "odbc"): _uk,
}
FOLDER_READERS: dict[tuple[Edition, str], FolderReader] = {
    (Edition.US, "csv"): _us_exports,
    (Edition.UK, "csv"): _uk_record_csvs,
}
OdbcExtra = tuple[tuple[str, str], ...]
ODBC_CONNECTIONS: dict[Edition, Callable[[Connection], tuple[Connection, OdbcExtra]]] = {
    Edition.UK: uk_odbc_connection,
}
"""How an edition's driver is told what Setup's fields say, when not as the US one's:
Sage 50 UK's takes the company's folder as DIR=."""
SIDES: dict[Edition, Side] = {
    Edition.US: SAGE50,
    Edition.CANADA: CANADA_SIDE,
    Edition.UK: SAGE50_UK,
}


def odbc_connection(settings: Settings) -> tuple[Connection, OdbcExtra]:
    """The Sage 50 connection as the edition's ODBC driver takes it, and its extra keys."""
    found = ODBC_CONNECTIONS.get(settings.edition)
    return found(settings.sage50) if found else (settings.sage50, ())


def side(edition: Edition) -> Side:
    """The Sage 50 side whose advice fits ``edition``."""
    return SIDES.get(edition, SAGE50)


def _unsupported(settings: Settings) -> SettingsError:
    edition, kind = settings.edition, settings.sage50.kind
    ways = [k for k in SAGE_KINDS if (edition, k) in DATABASE_READERS | FOLDER_READERS]
    return SettingsError(
        f"SMSync cannot read {edition.words.edition_name} from {kind}",
        where=settings.sage50.origin,
        advice=(
            f"For {edition.words.edition_name} choose Read Sage 50 from: {', '.join(ways)}."
            if ways
            else f"SMSync cannot read {edition.words.edition_name} yet; check the Sage 50 edition."
        ),
    )


def database_reader(settings: Settings) -> DatabaseReader:
    """The reader for the settings' edition over an open database."""
    found = DATABASE_READERS.get((settings.edition, settings.sage50.kind))
    if found is None:
        raise _unsupported(settings)
    return found


def folder_reader(settings: Settings) -> FolderReader:
    """The reader for the settings' edition over a folder of exports."""
    found = FOLDER_READERS.get((settings.edition, settings.sage50.kind))
    if found is None:
        raise _unsupported(settings)
    return found
