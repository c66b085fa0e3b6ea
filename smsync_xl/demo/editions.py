"""Which demo each Sage 50 edition has, and what the workbook's Setup says for it: the
one place ``demo`` and ``install --demo`` ask, so an edition's demo is one line here."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from smsync_xl.core.settings import EDITION_KEY, STATUS_MAP_KEY
from smsync_xl.core.vocabulary import Edition
from smsync_xl.demo.company import create_demo
from smsync_xl.demo.uk_demo import create_uk_demo

DEMOS: dict[Edition, Callable[[Path], Path]] = {
    Edition.US: create_demo,
    Edition.UK: create_uk_demo,
}
"""Edition → the function that writes its demo into a folder and returns the settings."""
SETUP_VALUES: dict[Edition, dict[str, str]] = {
    Edition.UK: {EDITION_KEY: Edition.UK.value, STATUS_MAP_KEY: "On Hold = HOLD"},
}
"""What the installed workbook's Setup must say to read an edition's demo (the demo's
files have the same names in every edition); the US demo is Setup's defaults."""
DEMO_EDITIONS = tuple(e.value for e in DEMOS)
