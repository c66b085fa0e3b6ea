"""Every failure a user can cause, as its own type carrying what to do about it.

Callers (CLI, workbook macros) show ``str(error)``: it always says what happened,
where, and what to do next.
"""

from __future__ import annotations

from smsync_xl.core.vocabulary import BUTTON_WORDS, Words


class SmsyncError(Exception):
    """Base class: a problem the user can fix, with the fix in ``advice``. A next step
    that depends on the face (comparing both systems again) is written ``{refresh}``
    (``{Refresh}`` starting a sentence) and worded by the face that shows the error
    (``worded``); ``str`` words it as the workbook does."""

    def __init__(self, message: str, *, where: str = "", advice: str = "") -> None:
        self.message = message
        self.where = where
        self.advice = advice
        super().__init__(self.__str__())

    def advice_in(self, words: Words) -> str:
        return words.fill(self.advice)

    def worded(self, words: Words) -> str:
        """What happened, where, and what to do, in the speaking face's ``words``."""
        parts = [f"{self.where}: {self.message}" if self.where else self.message]
        if self.advice:
            parts.append(self.advice_in(words))
        return "\n".join(parts)

    def __str__(self) -> str:
        return self.worded(BUTTON_WORDS)


class SettingsError(SmsyncError):
    """A setting is missing or wrong; ``where`` names the key or Setup cell."""


class IncludeError(SmsyncError):
    """The Include column holds something that is neither a tick nor blank, or a ticked
    row cannot be matched to the plan; ``where`` names the sheet row and ID."""


class PlanFileError(SmsyncError):
    """A saved plan file is missing, unreadable or not in SMSync's plan format."""


class WorkbookError(SmsyncError):
    """The workbook is not SMSync's, lacks a sheet or table, or cannot be saved."""


class WrittenButNotSavedError(SmsyncError):
    """SMSTurbo was changed and committed, but the workbook could not show or keep it."""


class KeyringUnavailableError(SmsyncError):
    """The system keyring cannot keep or give a password."""


class MappingError(SmsyncError):
    """The SMSTurbo table/column mapping file is unusable."""


class SageConnectionError(SmsyncError):
    """Sage 50 could not be reached (engine stopped, wrong server, DSN, driver)."""


class AuthorizationError(SageConnectionError):
    """Sage 50 refused the Data Access user or password."""


class DriverNotFoundError(SageConnectionError):
    """The ODBC data source (DSN) or driver named in the settings is not on this computer."""


class ArchitectureError(DriverNotFoundError):
    """The ODBC driver is 32-bit and this Python 64-bit, or the other way round."""


class EngineNotRunningError(SageConnectionError):
    """Nothing answered at the server named in the settings (engine stopped, wrong name)."""


class SourceFormatError(SmsyncError):
    """A Sage 50 export or table does not have the expected shape."""


class TargetError(SmsyncError):
    """SMSTurbo could not be read or written."""


class TargetLoginError(TargetError):
    """The SMSTurbo database refused the user or password."""


class MissingDefaultsError(TargetError):
    """SMSTurbo has no ZZDEFAULT customer to take defaults for new records from."""


class NothingToUndoError(SmsyncError):
    """There is no synchronization left to undo."""


class TargetBusyError(TargetError):
    """Another synchronization (or another program) kept SMSTurbo locked for writing
    longer than SMSync waits; nothing was changed."""


class TargetReadOnlyError(TargetError):
    """SMSTurbo can be read but not written here (a read-only file, no permission)."""


class TargetRefusedError(TargetError):
    """SMSTurbo's database refused a value: a unique or required column, a value longer
    than its column or of the wrong type; nothing was changed."""


class TargetReferenceError(TargetRefusedError):
    """A write broke a link between SMSTurbo's tables (a foreign key): a value another
    table must hold, or a record that other records still refer to."""


class TargetLostError(TargetError):
    """The connection to SMSTurbo's server broke, or the server stopped SMSync's
    statement (a time limit, an administrator); before the commit the server undoes
    everything, so nothing was changed."""


class NotADatabaseError(SmsyncError):
    """A file named as a database is a folder, or not a database at all."""


class InvalidDefaultsError(TargetError):
    """ZZDEFAULT holds a value SMSTurbo would not accept in a new record."""


class UndoChangedError(NothingToUndoError):
    """What Undo was about to reverse changed while it waited (another undo or a newer
    synchronization ran); nothing was changed."""
