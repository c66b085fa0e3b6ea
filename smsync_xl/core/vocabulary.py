"""The words that cross layers, each declared once: statuses, views, outcomes, run kinds,
audit actions, the tick words, the default selection and the Sage 50 editions with
their words.

The CLI, the workbook, the plan file and the audit all read these; a word typed twice
in two places is how a meaning drifts apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    """What Synchronize would do with one Sage 50 record."""

    NEW = "NEW"
    DIFFERENT = "DIFFERENT"
    IN_SYNC = "IN SYNC"
    INVALID = "INVALID"
    LINK = "LINK"
    """A Sage 50 Canada record without an SMSTurbo ID of its own, and one SMSTurbo record
    with exactly its name: ticked, SMSync remembers that record's ID for it."""

    @property
    def tickable(self) -> bool:
        """Only NEW, DIFFERENT and LINK rows can be brought into SMSTurbo."""
        return self in (Status.NEW, Status.DIFFERENT, Status.LINK)


class View(StrEnum):
    """Which records the two lists show (SMSTurbo's "missing customers only?" question)."""

    NOT_IN_SYNC = "not_in_sync"
    MISSING_ONLY = "missing_only"
    ASK = "ask_each_time"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


class Outcome(StrEnum):
    """What Synchronize did with one chosen row."""

    CREATED = "created"
    UPDATED = "updated"
    SKIPPED = "skipped"
    CONFLICT = "conflict"


class LogAction(StrEnum):
    """A Log row's Action: the step that wrote it (the ribbon's button names)."""

    REFRESH = "Refresh"
    SYNCHRONIZE = "Synchronize"
    UNDO = "Undo"


class RunKind(StrEnum):
    SYNC = "sync"
    UNDO = "undo"


class AuditAction(StrEnum):
    """One audited change: a run creates or updates; its undo deletes or restores."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    RESTORE = "restore"


INACTIVE_STATUS = "INACTIVE"
"""The SMSTurbo credit status given to inactive Sage 50 records unless Setup names another."""

DEFAULTS_ID = "ZZDEFAULT"
"""The SMSTurbo customer whose values new customers and vendors start from."""

TICK = "x"
TICK_WORDS = (TICK, "✓", "✔", "1", "true")
"""What counts as ticked in an Include or Replace Options cell (letter case ignored);
the sheets' data validation is built from the same words."""
UNTICK_WORDS = ("", "0", "false")


def taken_by_default(
    status: Status, inactive: bool, has_changes: bool, *, include_inactive: bool = False
) -> bool:
    """The one default selection: what Check All ticks, what ``sync`` without IDs, the demo
    and a saved plan take. Every NEW record active in Sage 50 (inactive ones stay out, as
    SMSTurbo's help advises, unless ``include_inactive``: sync --include-inactive) and
    every DIFFERENT record with a change to apply (an update is how a record that went
    inactive in Sage 50 becomes inactive in SMSTurbo)."""
    if status is Status.NEW:
        return include_inactive or not inactive
    return status is Status.DIFFERENT and has_changes


class Edition(StrEnum):
    """Which Sage 50 product the company belongs to: three products with their own
    storage and their own words (docs/DOMAIN.md §2, §7, §8)."""

    US = "us"
    CANADA = "canada"
    UK = "uk"

    @property
    def words(self) -> EditionWords:
        return EDITION_WORDS[self]


@dataclass(frozen=True)
class EditionWords:
    """What an edition calls things, for the company confirmation, ``doctor`` and the
    messages: the bookkeeper reads the words of the Sage 50 in front of them."""

    product: str
    """The name questions and messages give the product (plain "Sage 50" for the US
    edition, as SMSync always called it)."""
    edition_name: str
    """The name that tells the three editions apart (Setup's choices, doctor)."""
    customer_key: str
    """What identifies a customer (and, alike, a vendor) in that edition."""
    vendor: str
    item: str
    region: str
    postal_code: str
    ledger_account: str

    def record(self, list_key: str) -> str:
        """What the edition calls one record of a list (by the list's key): a UK
        supplier, a Canada inventory item."""
        return {"vendors": self.vendor, "materials": self.item}.get(list_key, "customer")


EDITION_WORDS: dict[Edition, EditionWords] = {
    Edition.US: EditionWords(
        product="Sage 50",
        edition_name="Sage 50 US",
        customer_key="customer ID",
        vendor="vendor",
        item="item",
        region="state",
        postal_code="ZIP code",
        ledger_account="GL account",
    ),
    Edition.CANADA: EditionWords(
        product="Sage 50 Canadian Edition",
        edition_name="Sage 50 Canadian Edition",
        customer_key="customer name",
        vendor="vendor",
        item="inventory item",
        region="province",
        postal_code="postal code",
        ledger_account="account",
    ),
    Edition.UK: EditionWords(
        product="Sage 50 Accounts (UK)",
        edition_name="Sage 50 Accounts (UK)",
        customer_key="account ref",
        vendor="supplier",
        item="product",
        region="county",
        postal_code="postcode",
        ledger_account="nominal code",
    ),
}


@dataclass(frozen=True)
class Words:
    """How the face that is speaking names a step: the ribbon says "press Refresh", the
    command line names its command. The facts of each message stay here; only these
    words change with the face."""

    refresh: str
    synchronize: str
    twice: str
    """What may have started a second run on the same workbook."""
    again: str
    """How to run the same step again."""
    fewer: str
    """How to take fewer records into one synchronization."""
    show_list: str
    """How to refresh with another list shown; ``{list}`` is its name (customers)."""

    def fill(self, text: str) -> str:
        """``text`` with its next steps in these words: ``{refresh}`` (``{Refresh}``
        starting a sentence) is how this face compares both systems again, ``{fewer}``
        how it takes fewer records at once."""
        return (
            text.replace("{Refresh}", sentence(self.refresh))
            .replace("{refresh}", self.refresh)
            .replace("{fewer}", self.fewer)
        )

    def refresh_list(self, name: str) -> str:
        """How to refresh showing the list ``name`` (customers, vendors, materials)."""
        return self.show_list.format(list=name, List=name.capitalize())


BUTTON_WORDS = Words(
    refresh="press Refresh",
    synchronize="press Synchronize",
    twice="a button pressed twice?",
    again="press the button again",
    show_list="press the {List} button",
    fewer="tick fewer rows",
)


def sentence(words: str) -> str:
    """``words`` starting a sentence ("press Refresh" → "Press Refresh")."""
    return words[:1].upper() + words[1:]
