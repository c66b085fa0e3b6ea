"""The demo of each Sage 50 edition: what writes it, the counts it must show, and what
the installed workbook's Setup must say to read it: the one place ``demo`` and
``install --demo`` ask, so an edition's demo is one line here."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from smsync_xl.core.settings import STATUS_MAP_KEY
from smsync_xl.core.vocabulary import Edition
from smsync_xl.demo.canada import create_canada_demo
from smsync_xl.demo.company import create_demo
from smsync_xl.demo.uk_demo import create_uk_demo

DEMOS: dict[Edition, Callable[[Path], Path]] = {
    Edition.US: create_demo,
    Edition.CANADA: create_canada_demo,
    Edition.UK: create_uk_demo,
}
"""Edition → what writes its demo company, SMSTurbo database and settings into a folder
(returning the settings file)."""

SAGE_USER_KEY = "sage50.user"

SETUP_VALUES: dict[Edition, dict[str, str]] = {
    Edition.CANADA: {SAGE_USER_KEY: ""},
    Edition.UK: {STATUS_MAP_KEY: "On Hold = HOLD", SAGE_USER_KEY: "MANAGER"},
}
"""What else than its edition the installed workbook's Setup must say to read an
edition's demo (the demo's files have the same names in every edition): the Sage 50
user too, whose workbook default (Peachtree) is the US edition's (Canada's ODBC needs
none; UK's is a Sage 50 user, MANAGER as the company is made)."""
