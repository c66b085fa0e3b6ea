"""Database passwords: never in the workbook, the settings or the logs.

Looked up at connect time: an environment variable first (headless runs, CI), then
the system keyring (Windows Credential Manager on Windows). A machine without a
keyring backend simply has no stored password; the caller may then prompt.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from smsync_xl.core.errors import KeyringUnavailableError

SERVICE = "smsync-xl"
ENV = {"sage50": "SMSYNC_SAGE50_PASSWORD", "smsturbo": "SMSYNC_SMSTURBO_PASSWORD"}

Prompt = Callable[[str], str | None]
"""Asks the user for a password (hidden input), given the question; None if cancelled."""


def lookup(side: str) -> str | None:
    """The password for ``side`` ('sage50' or 'smsturbo'), or None if none is kept."""
    from_env = os.environ.get(ENV[side])
    if from_env:
        return from_env
    import keyring
    from keyring.errors import KeyringError

    try:
        return keyring.get_password(SERVICE, side)
    except (KeyringError, RuntimeError):
        return None


def store(side: str, password: str) -> str:
    """Keep ``password`` in the system keyring; returns the keyring's name."""
    import keyring
    from keyring.errors import KeyringError

    try:
        keyring.set_password(SERVICE, side, password)
    except (KeyringError, RuntimeError) as error:
        raise KeyringUnavailableError(
            f"no system keyring to keep the password in ({error})",
            where=f"keyring service {SERVICE}",
            advice=f"Set the environment variable {ENV[side]} instead.",
        ) from None
    return type(keyring.get_keyring()).__name__
