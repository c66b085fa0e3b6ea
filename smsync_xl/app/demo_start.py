"""Starting the demo: its company and SMSTurbo database written in a folder, never over
an earlier demo's files unless asked. What the demo then shows and synchronizes is the
ordinary use cases (``plans``, ``default_choice``, ``synchronize``)."""

from __future__ import annotations

from pathlib import Path

from smsync_xl.app import interrupts
from smsync_xl.core.errors import SmsyncError
from smsync_xl.core.vocabulary import Edition


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
