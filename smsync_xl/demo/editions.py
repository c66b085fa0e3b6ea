"""The demo of each Sage 50 edition: what writes it, and the counts it must show."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from smsync_xl.core.vocabulary import Edition
from smsync_xl.demo.canada import CANADA_EXPECTED, create_canada_demo
from smsync_xl.demo.company import create_demo
from smsync_xl.demo.data import EXPECTED

DEMOS: dict[Edition, Callable[[Path], Path]] = {
    Edition.US: create_demo,
    Edition.CANADA: create_canada_demo,
}
"""Edition → what writes its demo company, SMSTurbo database and settings into a folder
(returning the settings file)."""

EXPECTED_COUNTS: dict[Edition, dict[str, dict[str, int]]] = {
    Edition.US: EXPECTED,
    Edition.CANADA: CANADA_EXPECTED,
}
