"""The application layer: every use case the faces (the command line, the ribbon
macros, the Excel functions) call. Each opens what it needs from the settings, does one
job and returns a typed result; the faces only translate their surface to it."""

from smsync_xl.app.session import (
    Choice,
    LeftOut,
    Plans,
    Session,
    choose_ids,
    default_choice,
    entities,
    last_synchronization,
    open_session,
    plan,
    plans,
    run_changes,
    runs,
    synchronize,
    taken_back_already,
    undo_last,
)

__all__ = [
    "Choice",
    "LeftOut",
    "Plans",
    "Session",
    "choose_ids",
    "default_choice",
    "entities",
    "last_synchronization",
    "open_session",
    "plan",
    "plans",
    "run_changes",
    "runs",
    "synchronize",
    "taken_back_already",
    "undo_last",
]
