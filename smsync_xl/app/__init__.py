"""The application layer: every use case the faces (the command line, the ribbon
macros, the Excel functions) and the PC checks call. Each opens what it needs from the
settings, does one job and returns a typed result; the faces only translate their
surface to it. The workbook's buttons are ``app.workbook_buttons``, against the
workbook port ``app.workbook_port``."""

from smsync_xl.app.demo_start import start_demo
from smsync_xl.app.open_sides import open_source, open_store
from smsync_xl.app.remembered_ids import forget_id, remembered_ids, set_id
from smsync_xl.app.session import (
    Choice,
    LeftOut,
    Plans,
    Preview,
    Session,
    choose_ids,
    default_choice,
    entities,
    last_synchronization,
    lists_to_read,
    missing_only_question,
    not_chosen,
    open_session,
    plan,
    plans,
    preview,
    run_changes,
    runs,
    sage50_records,
    smsturbo_records,
    synchronize,
    taken_back_already,
    undo_last,
    undo_question,
    view_to_show,
)

__all__ = [
    "Choice",
    "LeftOut",
    "Plans",
    "Preview",
    "Session",
    "choose_ids",
    "default_choice",
    "entities",
    "forget_id",
    "last_synchronization",
    "lists_to_read",
    "missing_only_question",
    "not_chosen",
    "open_session",
    "open_source",
    "open_store",
    "plan",
    "plans",
    "preview",
    "remembered_ids",
    "run_changes",
    "runs",
    "sage50_records",
    "set_id",
    "smsturbo_records",
    "start_demo",
    "synchronize",
    "taken_back_already",
    "undo_last",
    "undo_question",
    "view_to_show",
]
