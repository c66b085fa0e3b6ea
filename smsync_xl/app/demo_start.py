"""The demo: its company and SMSTurbo database written in a folder, never over an
earlier demo's files unless asked; then the ordinary use cases (``plans``,
``default_choice``, ``synchronize``) on it, as ``smsync-xl demo`` shows them."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from smsync_xl.app import interrupts
from smsync_xl.app.session import Plans, Session, default_choice, open_session, plans, synchronize
from smsync_xl.connections.passwords import Prompt
from smsync_xl.core.compare import Plan
from smsync_xl.core.errors import SmsyncError
from smsync_xl.core.vocabulary import Edition
from smsync_xl.files.settings_file import load_settings
from smsync_xl.sync.apply import Progress, SyncResult

__all__ = ["DemoRun", "run_demo", "start_demo"]


def start_demo(folder: Path, *, force: bool, edition: Edition = Edition.US) -> Path:
    """Write the demo in ``folder`` and return its settings file; an earlier demo there
    is replaced only with ``force``, and an interrupt meanwhile is told once the files
    are whole. ``edition`` chooses the demo company's Sage 50 edition."""
    from smsync_xl.demo.company import existing_demo_files
    from smsync_xl.demo.editions import DEMOS

    existing = existing_demo_files(folder)
    if existing and not force:
        raise SmsyncError(
            f"{folder} already holds {', '.join(existing)}: a new demo would replace them "
            "(the settings file rewritten, both demo databases reset, their runs gone)",
            where=str(folder),
            advice=f"Pass --force to replace them, or choose another folder, e.g. "
            f"smsync-xl demo {folder}-2. Nothing was changed.",
        )
    interrupts.hold()  # the demo's files are made whole before an interrupt is told
    interrupts.changed(
        f"the demo in {folder} was written anew ("
        + (f"{', '.join(existing)} replaced" if existing else "its settings and databases")
        + ")"
    )
    settings_path = DEMOS[edition](folder)
    interrupts.advise(interrupts.settings_advice(str(settings_path)))
    return settings_path


@dataclass(frozen=True)
class DemoRun:
    """What the demo did: the plans before, the synchronization of what Check All
    ticks, and the plans after."""

    settings_path: Path
    session: Session
    before: Plans
    result: SyncResult
    after: list[Plan]


def run_demo(
    folder: Path,
    *,
    force: bool,
    edition: Edition = Edition.US,
    prompt: Prompt | None = None,
    progress: Callable[[int], AbstractContextManager[Progress]] | None = None,
) -> DemoRun:
    """Write the demo (``start_demo``), compare, synchronize what Check All ticks and
    compare again. ``progress`` makes, for the number of records, what is told of each
    one written."""
    settings_path = start_demo(folder, force=force, edition=edition)
    session = open_session(load_settings(settings_path), prompt=prompt)
    before = plans(session)
    chosen = default_choice(before.plans)
    if progress is None:
        result = synchronize(session, chosen)
    else:
        with progress(sum(len(ids) for ids in chosen.values())) as told:
            result = synchronize(session, chosen, progress=told)
    return DemoRun(settings_path, session, before, result, plans(session).plans)
