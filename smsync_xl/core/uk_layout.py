"""Sage 50 UK's own choices, made once in the settings' ``[uk]`` section.

Sage 50 UK keeps an address as five plain lines (``ADDRESS_1`` … ``ADDRESS_5``): by
convention street, street 2, town, county, postcode (the labels a company shows are in
``COMPANY.ADDRESS_LABEL_1..5``), but a company may use them otherwise, so which
SMSTurbo field each line fills is a setting. It has no customer type: the nearest thing
is one of the three analysis fields (``ANALYSIS_1`` by default); a product's category is
the stock category's name (``STOCK_CAT_NAME``) or its number (``STOCK_CAT``).
docs/DOMAIN.md §7.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from smsync_xl.core.errors import SettingsError

ADDRESS_LINE_COUNT = 5
UNUSED_LINE = "none"
LINE_FIELDS = ("address1", "address2", "city", "state", "zip", "country", UNUSED_LINE)
"""What an address line may fill: an SMSTurbo address field, or nothing."""
DEFAULT_LINES = ("address1", "address2", "city", "state", "zip")
"""The UK convention: street, street 2, town, county, postcode."""
TYPE_COLUMNS = ("ANALYSIS_1", "ANALYSIS_2", "ANALYSIS_3", "DEPT_NAME", "DEPT_NUMBER")
"""Ledger columns that may serve as the customer (supplier) type for Include Types."""
CATEGORY_COLUMNS = ("STOCK_CAT_NAME", "STOCK_CAT")
"""Stock columns that may serve as a material's category."""

UK_KEYS = ("uk.address_lines", "uk.customer_type", "uk.vendor_type", "uk.stock_category")
"""The ``[uk]`` settings keys (blank: the defaults below)."""


@dataclass(frozen=True)
class UkLayout:
    """Which SMSTurbo field each of Sage 50 UK's address lines fills, and which
    columns serve as type and category."""

    address_lines: tuple[str, ...] = DEFAULT_LINES
    customer_type: str = "ANALYSIS_1"
    vendor_type: str = "ANALYSIS_1"
    stock_category: str = "STOCK_CAT_NAME"


def _words(value: object) -> list[str] | None:
    if isinstance(value, str):
        return [w.strip() for w in value.replace(";", ",").split(",")]
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return [v.strip() for v in value]
    return None


def _address_lines(value: object, where: str) -> tuple[str, ...]:
    words = _words(value)
    advice = (
        f"Write {ADDRESS_LINE_COUNT} words, one per line ADDRESS_1 to ADDRESS_5, from: "
        + ", ".join(LINE_FIELDS)
        + ' (the UK convention: address_lines = ["address1", "address2", "city", "state", '
        '"zip"]).'
    )
    if words is None or len(words) != ADDRESS_LINE_COUNT:
        raise SettingsError(
            f"expected {ADDRESS_LINE_COUNT} address-line fields, got {value!r}",
            where=where,
            advice=advice,
        )
    lines = tuple(w.lower() for w in words)
    unknown = [w for w in lines if w not in LINE_FIELDS]
    used = [w for w in lines if w != UNUSED_LINE]
    if unknown or len(used) != len(set(used)):
        problem = (
            f"{', '.join(map(repr, unknown))} is no SMSTurbo address field"
            if unknown
            else "a field is filled by two lines"
        )
        raise SettingsError(f"{value!r}: {problem}", where=where, advice=advice)
    return lines


def _column(value: object, choices: tuple[str, ...], default: str, where: str) -> str:
    if value is None or value == "":
        return default
    typed = str(value).strip().upper().replace(" ", "_")
    if typed not in choices:
        raise SettingsError(
            f"{value!r} is not one of {', '.join(choices)}",
            where=where,
            advice=f"Choose one of: {', '.join(choices)} (blank means {default}).",
        )
    return typed


def uk_layout(get: Callable[[str], object], locate: Callable[[str], str]) -> UkLayout:
    """The ``[uk]`` settings, validated; blank keys take the UK convention."""
    default = UkLayout()
    lines = get("uk.address_lines")
    return UkLayout(
        address_lines=(
            default.address_lines
            if lines in (None, "", [])
            else _address_lines(lines, locate("uk.address_lines"))
        ),
        customer_type=_column(
            get("uk.customer_type"),
            TYPE_COLUMNS,
            default.customer_type,
            locate("uk.customer_type"),
        ),
        vendor_type=_column(
            get("uk.vendor_type"), TYPE_COLUMNS, default.vendor_type, locate("uk.vendor_type")
        ),
        stock_category=_column(
            get("uk.stock_category"),
            CATEGORY_COLUMNS,
            default.stock_category,
            locate("uk.stock_category"),
        ),
    )
