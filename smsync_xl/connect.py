"""Open the two sides named in the settings: Sage 50 read-only, SMSTurbo read-write."""

from __future__ import annotations

from .db import open_sqlite
from .errors import SageConnectionError, TargetError
from .sage50 import Sage50Source
from .settings import Settings
from .smsturbo import SMSTurboStore
from .turbo_mapping import load_mapping


def open_source(settings: Settings) -> Sage50Source:
    """Sage 50 is only ever read: the connection itself refuses writes."""
    path = settings.sage50.path
    try:
        db = open_sqlite(path, read_only=True)
    except FileNotFoundError:
        raise SageConnectionError(
            f"Sage 50 company file {path} not found",
            advice="Check the Sage 50 path in the settings.",
        ) from None
    return Sage50Source(db, settings.credit_status)


def open_store(settings: Settings) -> SMSTurboStore:
    path = settings.smsturbo.path
    if not path.exists():
        raise TargetError(
            f"SMSTurbo database {path} not found",
            advice="Check the SMSTurbo path in the settings, or run "
            "'smsync-xl demo' to create a demo database.",
        )
    return SMSTurboStore(open_sqlite(path), load_mapping(settings.mapping))
