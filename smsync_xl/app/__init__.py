"""The application layer: every use case the faces (the command line, the ribbon
macros, the Excel functions) and the PC checks call. Each opens what it needs from the
settings, does one job and returns a typed result; the faces only translate their
surface to it. The workbook's buttons are ``app.workbook_buttons``, against the
workbook port ``app.workbook_port``.

The use cases are imported when one is first asked for (``__getattr__``): a command
that needs none of them (``check-all``) does not import the database stack."""

# ruff: noqa: F405 - __all__ names what the star imports give the type checker

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smsync_xl.app.demo_start import *  # noqa: F403 - re-exported: names in its __all__
    from smsync_xl.app.open_sides import *  # noqa: F403
    from smsync_xl.app.remembered_ids import forget_id as forget_id
    from smsync_xl.app.remembered_ids import remembered_ids as remembered_ids
    from smsync_xl.app.remembered_ids import set_id as set_id
    from smsync_xl.app.session import *  # noqa: F403

__all__ = [
    "Choice",
    "DemoRun",
    "LeftOut",
    "ListsToRead",
    "Plans",
    "Preview",
    "Session",
    "Skipped",
    "SkippedBy",
    "SynchronizeQuestion",
    "choose",
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
    "run_demo",
    "runs",
    "sage50_records",
    "set_id",
    "smsturbo_records",
    "start_demo",
    "synchronize",
    "synchronize_question",
    "undo_last",
    "undo_question",
    "view_to_show",
]
"""What the faces take from ``app``: the ``__all__`` of ``session``, ``demo_start`` and
``open_sides``, and ``remembered_ids``' three functions (also that module's name).
Listed here so that nothing is imported to know them; tests/test_architecture.py
checks that the list is theirs."""


def __getattr__(name: str) -> object:
    """A use case, its module imported now (and every other's, each name then an
    attribute). Any other name, a module of this package not imported yet too, is
    not one: ``from smsync_xl.app import interrupts`` asks first."""
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from smsync_xl.app import demo_start, open_sides, session
    from smsync_xl.app.remembered_ids import forget_id, remembered_ids, set_id

    names = {n: getattr(m, n) for m in (session, demo_start, open_sides) for n in m.__all__}
    names.update(forget_id=forget_id, remembered_ids=remembered_ids, set_id=set_id)
    globals().update(names)
    return names[name]
