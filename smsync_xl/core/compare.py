"""compare(): Sage 50 records and SMSTurbo records in, a Plan out. Pure: no I/O.

Matching is exact on ID (and the name is compared exactly); only padding has been
trimmed by the readers. A Sage 50 ID that matches an SMSTurbo ID only by letter case
is never imported as a second record: it is INVALID with the reason.

What the sheet shows is what is written: a Sage 50 value SMSTurbo or a workbook
cannot hold exactly is never cleaned, rounded or reinterpreted; its row is INVALID with
the reason (the README lists them all), to fix in Sage 50.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import operator
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import compress, repeat
from unicodedata import combining

from smsync_xl.core.fields import (
    EXCEL_CELL_CHARACTERS,
    FLAG,
    ID_FIELD,
    LAYOUT_CONTROLS,
    MATERIAL,
    REFUSED,
    TURBO_FIELDS,
    WHOLE_NUMBER,
    Entity,
    Limit,
    Record,
    SageRecord,
    TurboField,
    TurboRecord,
    decimals,
    not_an_item_class,
    number_text,
    parse_number,
    stored_as,
)
from smsync_xl.core.ids import VALID_ID, id_problems, suggest_id, valid_id
from smsync_xl.core.settings import EntitySettings, StatusRule
from smsync_xl.core.suggested_ids import AssignedId
from smsync_xl.core.vocabulary import DEFAULTS_ID, Status, View, taken_by_default


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str | None
    new: str | None

    def describe(self) -> str:
        label = TURBO_FIELDS[self.field].label
        old = shown(self.old) if self.old else "(blank)"
        new = shown(self.new) if self.new else "(blank)"
        return f"{label}: {old} → {new}"


def shown(value: str) -> str:
    """A value as a message shows it: as it is, or quoted with escapes (``'Acme\\xa0'``)
    when it holds something a reader would not see (a tab, a non-breaking space, a space
    at either end, a combining mark: Cafe\u0301 looks like Café) or a character a
    workbook cannot hold."""
    if value.isprintable() and value.strip(" ") == value and not any(map(combining, value)):
        return value
    return "".join(f"\\u{ord(c):04x}" if combining(c) else c for c in repr(value))


@dataclass(frozen=True)
class PlanRow:
    """One Sage 50 record and what Synchronize would do with it. ``values`` are what
    SMSTurbo would hold (Sage 50's values, a reactivated record's status applied, a new
    record's Import Defaults). ``changes`` are what an update would change or, for a new
    record, what Setup's Import Defaults fill in; either way part of the fingerprint, so
    a Setup change after Refresh is a conflict, never a surprise."""

    sage: SageRecord
    status: Status
    values: Record
    turbo: TurboRecord | None
    changes: tuple[FieldChange, ...] = ()
    other_differences: tuple[FieldChange, ...] = ()
    reasons: tuple[str, ...] = ()

    @functools.cached_property
    def fingerprint(self) -> str:
        """Computed when asked for: only the rows a sheet shows or apply re-checks need
        one, and most rows of a large company are IN SYNC and never shown."""
        return fingerprint(self.sage, self.turbo, self.status, self.changes)

    @property
    def id(self) -> str:
        return self.sage.id

    @property
    def inactive(self) -> bool:
        return self.sage.inactive

    @property
    def taken_by_default(self) -> bool:
        return taken_by_default(self.status, self.inactive, bool(self.changes))


@dataclass(frozen=True)
class TurboRow:
    """An SMSTurbo record shown on the SMSTurbo side: missing from Sage 50 or different."""

    record: TurboRecord
    note: str
    inactive: bool

    @property
    def id(self) -> str:
        return self.record.id


_SAGE_ID = operator.attrgetter("sage.id")


@dataclass
class Plan:
    entity: Entity
    rows: list[PlanRow]
    turbo_only: list[TurboRow]
    excluded_by_type: dict[str, str | None]
    """ID → its Sage 50 type, for the records Include Types leaves out."""
    replace: frozenset[str]
    rule: StatusRule
    template_missing: str | None = None
    """When new records of an entity whose template is optional have none: what to tell
    the bookkeeper."""
    assigned: dict[str, AssignedId] = field(default_factory=dict)
    """ID → where it came from, for the IDs Sage 50 did not give as they are
    (``suggested_ids.assign_ids``: remembered or suggested)."""
    remembered: dict[str, str] = field(default_factory=dict)
    """Source key → the SMSTurbo ID SMSTurbo remembers for it (the crosswalk, as read
    for this plan): no other record may be remembered against one of these."""
    by_id: dict[str, PlanRow] = field(init=False, repr=False)
    _all_by_id: dict[str, list[PlanRow]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        backwards = self.rows[::-1]  # so that the first one wins
        self.by_id = dict(zip(map(_SAGE_ID, backwards), backwards, strict=True))
        self._all_by_id = {}
        if len(self.by_id) < len(self.rows):  # a duplicated Sage 50 ID has several rows
            for row in self.rows:
                self._all_by_id.setdefault(row.sage.id, []).append(row)

    def row_for(self, record_id: str, mark: str) -> PlanRow | None:
        """The row with this ID, preferring the one with this fingerprint (a duplicated
        Sage 50 ID has several rows)."""
        first = self.by_id.get(record_id)
        rows = self._all_by_id.get(record_id) or ([first] if first else [])
        return next((r for r in rows if r.fingerprint == mark), first)

    def counts(self) -> dict[Status, int]:
        """Rows per status; LINK only when there is one (only Sage 50 Canada has them)."""
        counted = Counter(row.status for row in self.rows)
        return {
            status: counted.get(status, 0)
            for status in Status
            if status is not Status.LINK or counted.get(status)
        }

    def sage_side(self, view: View) -> list[PlanRow]:
        """Sage50-only list: missing records (and the invalid ones, to explain them),
        or everything without an exact match."""
        if view is View.MISSING_ONLY:
            return [r for r in self.rows if r.turbo is None or r.status is Status.LINK]
        return [r for r in self.rows if r.status is not Status.IN_SYNC]

    def turbo_side(self, view: View) -> list[TurboRow]:
        """SMSTurbo-only list; in the 'not in sync' view also SMSTurbo's side of each
        DIFFERENT record."""
        if view is View.MISSING_ONLY:
            return list(self.turbo_only)
        different = [
            TurboRow(
                r.turbo,
                "differs from Sage 50: "
                + ", ".join(TURBO_FIELDS[c.field].label for c in r.changes + r.other_differences),
                self.rule.says_inactive(r.turbo.values.get(self.entity.status_field)),
            )
            for r in self.rows
            if r.status is Status.DIFFERENT and r.turbo is not None
        ]
        return self.turbo_only + different

    def chosen(self, ids: Iterable[str]) -> dict[str, str]:
        """ID → fingerprint for the rows the user ticked (what apply() needs)."""
        return {i: self.by_id[i].fingerprint for i in ids if i in self.by_id}

    def default_selection(self, *, include_inactive: bool = False) -> dict[str, str]:
        """ID → fingerprint of what is taken when nobody picks rows (see
        :func:`~smsync_xl.core.vocabulary.taken_by_default`); ``include_inactive`` adds
        the NEW records that are inactive in Sage 50."""
        return {
            r.id: r.fingerprint
            for r in self.rows
            if taken_by_default(
                r.status, r.inactive, bool(r.changes), include_inactive=include_inactive
            )
        }


CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f]")
"""Unicode's control characters (category Cc): C0 (NUL to U+001F, tab and line breaks
included), DEL and C1 (U+0080 to U+009F). No SMSTurbo field holds one."""

ACTIVE_CHARACTERS = re.compile(f"{CONTROL_CHARACTERS.pattern}|[{LAYOUT_CONTROLS}]")
"""What a terminal or a message box acts on instead of showing: the control characters,
line and paragraph separators, and the bidirectional-text controls (a right-to-left
override makes a name read as another)."""


def inert(value: object) -> str:
    """``value`` as text a terminal shows but never acts on: each of the
    ``ACTIVE_CHARACTERS`` becomes its escape, ``\\x1b`` for ESC, ``\\u202e`` for a
    right-to-left override. Applying it twice changes nothing."""
    return ACTIVE_CHARACTERS.sub(_escape, str(value))


def _escape(found: re.Match[str]) -> str:
    code = ord(found.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


LAYOUT = re.compile(f"[{LAYOUT_CONTROLS}]")

_SHOWN_CHARACTERS = 3


def _character_kind(character: str) -> str:
    if CONTROL_CHARACTERS.match(character):
        return "control character"
    if character in "\u2028\u2029":
        return "line or paragraph separator"
    if LAYOUT.match(character):
        return "bidirectional control"
    if "\ud800" <= character <= "\udfff":
        return "lone surrogate"
    return "noncharacter"


def character_problem(label: str, value: str, place: str = "Sage 50") -> str | None:
    """Why a value holding characters no field may hold (``fields.REFUSED``) cannot be
    taken: each one as U+XXXX with its position (counted from 1), the first few."""
    found = [(m.start() + 1, m.group()) for m in REFUSED.finditer(value)]
    if not found:
        return None
    kinds = {_character_kind(c) for _, c in found}
    kind = kinds.pop() if len(kinds) == 1 else ""
    listed = ", ".join(
        f"U+{ord(c):04X}{'' if kind else f' ({_character_kind(c)})'} at position {at}"
        for at, c in found[:_SHOWN_CHARACTERS]
    )
    if len(found) > _SHOWN_CHARACTERS:
        listed += f" and {len(found) - _SHOWN_CHARACTERS} more"
    if len(found) == 1:
        return f"{label} contains the {kind or 'character'} {listed}; remove it in {place}"
    return f"{label} contains the {kind or 'character'}s {listed}; remove them in {place}"


Limits = Mapping[str, Limit]
"""Field → what SMSTurbo's column for it holds (``smsturbo.catalogue`` reads them)."""

REFERENCE_LIMITS: dict[str, Limit] = {
    name: spec.kind.limit(spec.max_length) for name, spec in TURBO_FIELDS.items()
}
"""What the reference schema's columns hold: the limits when none are given."""


_FIELD_ORDER = tuple(TURBO_FIELDS)

_ABSENT = "\x00"
"""Stands for 'no value' in a fingerprint (NUL never passes as a value: compare makes a
Sage 50 value with a control character INVALID)."""
_SEPARATOR = "\x1f"


def _values(record: Record) -> str:
    values = map(record.get, _FIELD_ORDER)
    return _SEPARATOR.join([_ABSENT if v is None else v for v in values])


@functools.cache
def _plan_digest(status: Status, applied: tuple[tuple[str, str | None], ...]) -> str:
    return hashlib.blake2b(repr((status.value, applied)).encode(), digest_size=4).hexdigest()


def fingerprint(
    read: SageRecord,
    turbo: TurboRecord | None,
    status: Status = Status.NEW,
    applied: tuple[FieldChange, ...] = (),
) -> str:
    """Stable across processes, so a value written to the workbook can be checked later.

    Two parts, ``data-plan``: the records as read from both systems, and what
    Synchronize would do with them (status and the changes of the ticked Replace
    Options), so a conflict can say whether the data or the Setup changed. A field
    missing from a record and a field holding None hash alike: both mean 'no value'.
    """
    data = _SEPARATOR.join(
        (
            "1" if read.inactive else "0",
            _values(read.values),
            _values(turbo.values) if turbo else "",
        )
    )
    digest = hashlib.blake2b(data.encode(), digest_size=8).hexdigest()
    return f"{digest}-{_plan_digest(status, tuple((c.field, c.new) for c in applied))}"


def same_data(mark: str, other: str) -> bool:
    """True when two fingerprints saw the same records (the plans may differ)."""
    return mark.partition("-")[0] == other.partition("-")[0]


Lookups = Mapping[str, Mapping[str, str]]
"""SMSTurbo list → {value with letter case folded: the value as SMSTurbo spells it}."""


def lookups_from(lists: Mapping[str, Iterable[str]]) -> Lookups:
    return {name: {v.upper(): v for v in values} for name, values in lists.items()}


def _looked_up(
    listed: Iterable[TurboField],
    record: Record,
    lookups: Lookups | None,
    advice: Mapping[str, str] | None = None,
) -> tuple[Record, list[str]]:
    """Values of ``listed`` fields in SMSTurbo's spelling (a blank one is 'not supplied'),
    and why a value is not on SMSTurbo's list. The record is copied only if it changes."""
    values = record
    problems = []
    for spec in listed:
        name = spec.name
        value = values.get(name)
        if value is None:
            continue
        spelled: str | None = None
        known = lookups.get(spec.lookup or "") if lookups is not None else None
        if value and known is not None:
            spelled = known.get(value.upper())
            if spelled is None:
                has = ", ".join(sorted(set(known.values()))) or "none"
                extra = (advice or {}).get(spec.lookup or "")
                problems.append(
                    f"{spec.label} {shown(value)} does not exist in SMSTurbo (it has: {has}); add "
                    "it there, or change it in Sage 50 or in Setup"
                    + (f"; {extra}" if extra else "")
                )
                continue
        elif value:
            continue
        if spelled != value:
            values = {**values, name: spelled}
    return values, problems


def _column(limit: Limit) -> str:
    return f"SMSTurbo's column {limit.column}" if limit.column else "SMSTurbo"


_SPELLED_OUT = 30
"""Beyond this many digits a column's largest number is described, not written out."""


def _largest(limit: Limit) -> str:
    digits, places = limit.digits or 0, limit.places or 0
    if digits > _SPELLED_OUT:
        return f"{digits - places} digits before the decimal point"
    return number_text(Decimal(10) ** (digits - places) - Decimal(10) ** -places, places)


def number_problem(label: str, value: str, limit: Limit) -> str | None:
    """Why a number cannot go into its SMSTurbo column exactly as it is: it is no number
    SMSync reads without guessing, has more decimals than the column keeps (never
    rounded), or is too large for it. The caller says where to correct it."""
    number = parse_number(value)
    if number is None:
        hint = " (a comma only separates thousands, as in 1,250.00)" if "," in value else ""
        return f"{label} {value!r} is not a number{hint}"
    return (
        _decimals_problem(label, value, number, limit)
        or _size_problem(label, value, number, limit)
        or _binary_problem(label, value, number, limit)
    )


def _decimals_problem(label: str, value: str, number: Decimal, limit: Limit) -> str | None:
    """More decimals than the column keeps: SMSync never rounds."""
    places = decimals(number)
    if limit.places == 0 and places:
        return f"{label} {value} is not a whole number, and SMSync does not round"
    if limit.places is not None and places > limit.places:
        keeps = f"{limit.places} decimals" if limit.places else "whole numbers only"
        return (
            f"{label} {value} has {places} decimal{'s' if places > 1 else ''}; "
            f"{_column(limit)} keeps {keeps} and SMSync does not round"
        )
    return None


def _size_problem(label: str, value: str, number: Decimal, limit: Limit) -> str | None:
    """More digits before the point than the column has, or outside its range."""
    whole_digits = max(0, number.adjusted() + 1) if number else 0
    if limit.digits is not None and whole_digits > limit.digits - (limit.places or 0):
        if number < 0:
            return (
                f"{label} {value} is too small; {_column(limit)} holds at least -{_largest(limit)}"
            )
        return f"{label} {value} is too large; {_column(limit)} holds at most {_largest(limit)}"
    if (limit.low is not None and number < limit.low) or (
        limit.high is not None and number > limit.high
    ):
        return (
            f"{label} {value} is out of range; {_column(limit)} holds {limit.low} to {limit.high}"
        )
    return None


def _binary_problem(label: str, value: str, number: Decimal, limit: Limit) -> str | None:
    """A floating-point column would not keep the number exactly."""
    kept = stored_as(number, limit.binary) if limit.binary else None
    if limit.binary and (kept is None or Decimal(kept) != number):
        becomes = (
            f"it would become {number_text(Decimal(kept), 0)}" if kept else "too large for them"
        )
        return (
            f"{label} {value} cannot be held exactly: {_column(limit)} keeps "
            f"{limit.binary.value}, {becomes}, and SMSync does not round"
        )
    return None


def text_problem(label: str, value: str, limit: Limit) -> str | None:
    """Why a text cannot go into its SMSTurbo column as it is: the column keeps numbers
    (02134 would become 2134), or its database's encoding lacks a character."""
    if limit.text is False:
        return (
            f"{label} {shown(value)} is text, but {_column(limit)} keeps numbers (the text "
            f"would not be kept as it is); map {label} to a text column in Setup, or leave "
            "it unmapped"
        )
    if limit.encoding:
        lacking = sorted({c for c in value if not _encodable(c, limit.encoding)})
        if lacking:
            listed = ", ".join(f"{c} (U+{ord(c):04X})" for c in lacking[:_SHOWN_CHARACTERS])
            return (
                f"{label} {shown(value)} holds {listed}, which {_column(limit)} cannot "
                f"store (its database keeps text in {limit.encoding}); change it in Sage 50"
            )
    return None


def _encodable(character: str, encoding: str) -> bool:
    try:
        character.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def length_problem(label: str, value: str, limit: Limit) -> str | None:
    """Why a text is too long for its SMSTurbo column."""
    if limit.length is None or len(value) <= limit.length:
        return None
    column = f" (column {limit.column})" if limit.column else ""
    return f"{label} has {len(value)} characters; SMSTurbo holds at most {limit.length}{column}"


@dataclass(frozen=True)
class _Limits:
    """The limits compare() checks, sorted for speed: the given ones (the reference
    schema's where none are given); an ID's length only when its column is shorter than
    an ID may be (the ID rule in ``core.ids`` says the rest)."""

    lengths: dict[str, Limit]
    numbers: dict[str, tuple[Limit, re.Pattern[str] | None]]
    """Each number field's limit, and a pattern every value it matches surely fits."""
    texts: dict[str, Limit]
    """Text fields whose column keeps numbers, or text in a limited encoding."""
    shortest: int

    @classmethod
    def of(cls, given: Limits | None, supplied: Iterable[str]) -> _Limits:
        """``supplied``: the fields a record can hold a value for (what Sage 50 gives,
        the status, Setup's Import Defaults); no other has to be looked at."""
        limits = _supplied_limits(given, supplied)
        written = {f: lim for f, lim in limits.items() if TURBO_FIELDS[f].kind is not FLAG}
        lengths = {f: lim for f, lim in written.items() if lim.length is not None}
        numbers = {
            f: (lim, _surely_fits(lim)) for f, lim in limits.items() if TURBO_FIELDS[f].kind.numeric
        }
        texts = _text_limits(written)
        shortest = min((lim.length or 0 for lim in lengths.values()), default=0)
        return cls(lengths, numbers, texts, shortest)


def _supplied_limits(given: Limits | None, supplied: Iterable[str]) -> dict[str, Limit]:
    """The limits of the fields a record can hold a value for (a whole-number column's
    as such); the ID's only when its column is shorter than an ID may be."""
    limits = dict(REFERENCE_LIMITS if given is None else given)
    id_limit = limits.pop("id", None)
    if id_limit and id_limit.length is not None and id_limit.length < ID_FIELD.max_length:
        limits["id"] = id_limit
    kept = set(supplied)
    return {
        f: lim.whole() if TURBO_FIELDS[f].kind is WHOLE_NUMBER else lim
        for f, lim in limits.items()
        if f in kept
    }


def _text_limits(written: dict[str, Limit]) -> dict[str, Limit]:
    """Text fields worth a closer look: the column keeps numbers, or text in a limited
    encoding."""
    return {
        f: lim
        for f, lim in written.items()
        if (lim.text is False and not TURBO_FIELDS[f].kind.numeric) or lim.encoding
    }


def _surely_fits(limit: Limit) -> re.Pattern[str] | None:
    """Plain numbers ``limit`` holds for certain (at most as many digits before and after
    the point as it keeps, at most 15 digits in all in a floating-point column), so that
    most values need no closer look."""
    before, places = _sure_digits(limit)
    if before is not None and before < 1:
        return None
    sign = "" if limit.low is not None and limit.low >= 0 else "-?"
    whole = rf"{sign}[0-9]+" if before is None else rf"{sign}[0-9]{{1,{before}}}"
    return re.compile(whole + _fraction_pattern(places))


def _sure_digits(limit: Limit) -> tuple[int | None, int | None]:
    """Digits before and after the point the column surely keeps (None: no limit); a
    floating-point column keeps only ``_BINARY_DIGITS`` in all exactly."""
    if limit.digits is not None:
        before: int | None = limit.digits - (limit.places or 0)
    elif limit.high is not None:
        before = len(str(int(limit.high))) - 1
    else:
        before = None
    if limit.binary is None:
        return before, limit.places
    places = min(limit.places or 0, _BINARY_DIGITS)
    return min(before or _BINARY_DIGITS, _BINARY_DIGITS - places), places


def _fraction_pattern(places: int | None) -> str:
    """The digits after the point: any number, at most ``places``, or none at all."""
    if places is None:
        return r"(?:\.[0-9]+)?"
    return rf"(?:\.[0-9]{{1,{places}}})?" if places else ""


_BINARY_DIGITS = 6
"""Digits every floating-point column keeps exactly (a 4-byte float's; a double keeps 15)."""


def _field_problems(entity: Entity, record: Record, limits: _Limits) -> list[str]:
    """Every reason a record's values cannot go into SMSTurbo. Most records have none:
    one look at all their text together comes first, the detail only when it finds one."""
    problems = _title_problems(entity, record)
    problems += _text_at_a_glance(record, limits)
    if limits.numbers:
        problems += _number_problems(record, limits.numbers)
    if entity is MATERIAL:
        problems += _item_class_problems(record)
    if limits.texts:
        problems += _text_problems(record, limits.texts)
    return problems


def _title_problems(entity: Entity, record: Record) -> list[str]:
    """A record needs its title (a customer's name, a material's description)."""
    title = record.get(entity.title_field)
    if title and title.strip():
        return []
    label = TURBO_FIELDS[entity.title_field].label
    return [f"{label} is empty; enter the {label.lower()} in Sage 50"]


def _text_at_a_glance(record: Record, limits: _Limits) -> list[str]:
    """Values too long for a cell or a column, or holding refused characters: looked at
    one by one only when the record's longest value or its text together says so."""
    supplied = [value for value in record.values() if value]
    longest = max(map(len, supplied), default=0)
    problems = []
    if longest > EXCEL_CELL_CHARACTERS:
        problems += _excel_problems(record)
    if not "".join(supplied).isprintable():
        problems += _character_problems(record)
    if longest > limits.shortest:
        problems += _length_problems(record, limits)
    return problems


def _item_class_problems(record: Record) -> list[str]:
    """A material's item class must be one SMSTurbo knows."""
    refused = not_an_item_class(TURBO_FIELDS["item_class"].label, record.get("item_class") or "")
    return [refused] if refused else []


def _excel_problems(record: Record) -> list[str]:
    """Values too long for an Excel cell: the sheets could not show them. Called only
    when the record's longest value is."""
    return [
        f"{TURBO_FIELDS[f].label} has {len(v)} characters; an Excel cell holds at most "
        f"{EXCEL_CELL_CHARACTERS}, so the sheets could not show it; shorten it in Sage 50"
        for f, v in record.items()
        if v and len(v) > EXCEL_CELL_CHARACTERS
    ]


def _character_problems(record: Record) -> list[str]:
    """Values holding characters SMSync refuses. Called only when the record's text
    together is not printable; a printable value holds none of them (each is a control
    character, a separator, a format character, a surrogate or a noncharacter)."""
    problems = []
    for name, value in record.items():
        refused = (
            character_problem(TURBO_FIELDS[name].label, value)
            if value and not value.isprintable()
            else None
        )
        if refused:
            problems.append(refused)
    return problems


def _length_problems(record: Record, limits: _Limits) -> list[str]:
    """Values too long for their SMSTurbo columns. Called only when the record's longest
    value is longer than the shortest column; shorter values are passed over unlooked."""
    problems = []
    for name, value in record.items():
        if not value or len(value) <= limits.shortest or name not in limits.lengths:
            continue
        problem = length_problem(TURBO_FIELDS[name].label, value, limits.lengths[name])
        if problem:
            problems.append(problem)
    return problems


def _number_problems(
    record: Record, numbers: dict[str, tuple[Limit, re.Pattern[str] | None]]
) -> list[str]:
    """Numbers their SMSTurbo columns cannot hold exactly; a value the column's
    sure-fit pattern matches needs no closer look."""
    problems = []
    for name, (limit, fits) in numbers.items():
        value = record.get(name)
        if not value or (fits is not None and fits.fullmatch(value)):
            continue
        problem = number_problem(TURBO_FIELDS[name].label, value, limit)
        if problem:
            problems.append(f"{problem}; correct it in Sage 50")
    return problems


def _text_problems(record: Record, texts: dict[str, Limit]) -> list[str]:
    """Texts their SMSTurbo columns cannot keep as they are (numeric columns, limited
    encodings)."""
    problems = []
    for name, limit in texts.items():
        value = record.get(name)
        problem = text_problem(TURBO_FIELDS[name].label, value, limit) if value else None
        if problem:
            problems.append(problem)
    return problems


_LISTED = frozenset(n for n, f in TURBO_FIELDS.items() if f.lookup)
"""Fields whose values come from an SMSTurbo list, where letter case does not matter."""


@dataclass(frozen=True)
class ComparisonFacts:
    """What :func:`compare` needs besides the entity and the two sides' records: Setup's
    options for the entity and what SMSTurbo says about it, gathered once by the caller.
    The defaults are SMSTurbo saying nothing: no lists, the reference schema's limits,
    every field stored, the template found among SMSTurbo's records."""

    options: EntitySettings
    """Setup's options for the entity: types to include, fields to replace, Import Defaults."""
    lookups: Lookups | None = None
    """SMSTurbo's lists (credit statuses, units): values must be on them."""
    rule: StatusRule = field(default_factory=StatusRule)
    """How the entity's status field says 'inactive': a record active in Sage 50 but
    inactive in SMSTurbo gets its active status back (the template's when Setup names
    none), so a reactivated customer is DIFFERENT, not IN SYNC."""
    template_id: str = DEFAULTS_ID
    """The template record's ID; new records take Setup's Import Defaults, then the
    template's values, for the fields Sage 50 leaves blank."""
    template: Record | None = None
    """The template record's values when kept outside ``turbo_records`` (a vendor's is
    a customer); else it is found among them."""
    stored: Iterable[str] | None = None
    """The fields SMSTurbo has columns for (all when not given): a new record needs
    only those."""
    limits: Limits | None = None
    """What SMSTurbo's columns hold (the reference schema's when not given): a value
    beyond them makes its row INVALID."""
    list_advice: Mapping[str, str] = field(default_factory=dict)
    """Per SMSTurbo list, what else the bookkeeper can do about a value not on it."""


@dataclass(frozen=True)
class Comparison:
    """Everything the rules of :func:`compare` read, worked out once per comparison:
    the entity and Setup's options for it, the status rule, SMSTurbo's lists and column
    limits, the template record, SMSTurbo's records by ID (exactly and with letter case
    folded), and Sage 50's IDs (as given and upper-cased, with how often each that
    repeats occurs)."""

    entity: Entity
    options: EntitySettings
    rule: StatusRule
    lookups: Lookups | None
    template_id: str
    template: Record | None
    """The template record's values: as given, else found among SMSTurbo's records."""
    needed: tuple[str, ...]
    """The Import Defaults a new record must have: only those SMSTurbo stores."""
    limits: _Limits
    listed: tuple[TurboField, ...]
    """The entity's fields whose values come from an SMSTurbo list."""
    list_advice: Mapping[str, str]
    """SMSTurbo list → what else the bookkeeper can do about a value not on it (map it
    in Setup's unit map, say)."""
    reactivated: str | None
    """The status a record active in Sage 50 but inactive in SMSTurbo gets back."""
    turbo_by_id: dict[str, TurboRecord]
    """SMSTurbo's records by ID, the template left out."""
    turbo_by_folded: dict[str, str]
    """SMSTurbo's IDs by their upper-cased spelling (the first spelling of each); empty
    when every ID is spelled upper-case, as each then is its own (:meth:`folded_match`)."""
    sage_ids: list[str]
    """Sage 50's IDs, record by record."""
    sage_folded: set[str]
    """Sage 50's IDs, upper-cased."""
    repeated: dict[str, int]
    """The upper-cased IDs Sage 50 has more than once, and how often (empty when none
    repeats, so the rules skip the look-up)."""

    def folded_match(self, record_id: str) -> str | None:
        """The SMSTurbo ID spelled as ``record_id`` is, letter case ignored."""
        folded = record_id.upper()
        if self.turbo_by_folded:
            return self.turbo_by_folded.get(folded)
        return folded if folded in self.turbo_by_id else None

    @classmethod
    def of(
        cls,
        entity: Entity,
        sage_records: list[SageRecord],
        turbo_records: list[TurboRecord],
        facts: ComparisonFacts,
    ) -> Comparison:
        """The inputs of :func:`compare` (:class:`ComparisonFacts` says what each
        means), indexed once so each Sage 50 record is compared with dict look-ups."""
        options, rule, template_id = facts.options, facts.rule, facts.template_id
        status_field = entity.status_field
        template = _template_values(facts.template, turbo_records, template_id)
        turbo_by_id, turbo_by_folded = _turbo_index(turbo_records, template_id)
        supplied = {*(f.name for f in entity.fields), status_field, *options.defaults}
        sage_ids = list(map(operator.attrgetter("id"), sage_records))
        folded = list(map(str.upper, sage_ids))
        sage_folded = set(folded)
        return cls(
            entity=entity,
            options=options,
            rule=rule,
            lookups=facts.lookups,
            template_id=template_id,
            template=template,
            needed=_needed(entity, facts.stored),
            limits=_Limits.of(facts.limits, supplied),
            listed=tuple(spec for spec in entity.turbo_fields.values() if spec.lookup),
            list_advice=facts.list_advice,
            reactivated=rule.active or (template or {}).get(status_field) or None,
            turbo_by_id=turbo_by_id,
            turbo_by_folded=turbo_by_folded,
            sage_ids=sage_ids,
            sage_folded=sage_folded,
            repeated=_repeated(folded) if len(sage_folded) < len(folded) else {},
        )


def _repeated(folded: list[str]) -> dict[str, int]:
    """The IDs (upper-cased) that occur more than once, and how often."""
    return {folded_id: count for folded_id, count in Counter(folded).items() if count > 1}


def _needed(entity: Entity, stored: Iterable[str] | None) -> tuple[str, ...]:
    """The Import Defaults a new record must have: only those SMSTurbo stores."""
    if stored is None:
        return tuple(entity.import_defaults)
    kept = set(stored)
    return tuple(f for f in entity.import_defaults if f in kept)


def _template_values(
    template: Record | None, turbo_records: list[TurboRecord], template_id: str
) -> Record | None:
    """The template record's values: as given, else found among the SMSTurbo records."""
    if template is None:
        template = next((r.values for r in turbo_records if r.id == template_id), None)
    return template


def _turbo_index(
    turbo_records: list[TurboRecord], template_id: str
) -> tuple[dict[str, TurboRecord], dict[str, str]]:
    """SMSTurbo records by ID (template left out) and by upper-cased ID, built once
    so each Sage 50 row is matched with a dict look-up."""
    turbo_by_id = dict(
        zip(map(operator.attrgetter("id"), turbo_records), turbo_records, strict=True)
    )
    turbo_by_id.pop(template_id, None)
    turbo_ids = list(turbo_by_id)
    folded = list(map(str.upper, turbo_ids))
    if folded == turbo_ids:  # as SMSTurbo's IDs mostly are: each is its own folded spelling
        return turbo_by_id, {}
    backwards = turbo_ids[::-1]  # so that the first spelling wins
    return turbo_by_id, dict(zip(folded[::-1], backwards, strict=True))


# The rules, in the order compare() applies them to each Sage 50 record.


def _type_excluded(inputs: Comparison, sage: SageRecord) -> bool:
    """Setup's Include Types rule: when it lists types, a record of another type is left
    out of the comparison (and shown as excluded)."""
    options = inputs.options
    return bool(options.include_types) and not options.includes_type(
        sage.values.get(inputs.entity.type_field)
    )


def _with_defaults(inputs: Comparison, sage: SageRecord) -> tuple[Record, tuple[str, ...]]:
    """Defaults for a new record: Setup's Import Defaults in the fields Sage 50 leaves
    blank; the fields filled are returned too, to show."""
    values = sage.values
    defaults = inputs.options.defaults
    if not defaults:
        return values, ()
    defaulted = tuple(f for f in defaults if not values.get(f))
    if not defaulted:
        return values, ()
    return {**values, **{f: defaults[f] for f in defaulted}}, defaulted


def _reactivated(inputs: Comparison, sage: SageRecord, turbo: TurboRecord) -> Record:
    """Reactivation: a record active in Sage 50 (which gives no status of its own) but
    inactive in SMSTurbo gets its active status back."""
    status_field = inputs.entity.status_field
    values = sage.values
    if (
        not sage.inactive
        and values.get(status_field) is None
        and inputs.reactivated
        and inputs.rule.says_inactive(turbo.values.get(status_field))
    ):
        return {**values, status_field: inputs.reactivated}
    return values


def _id_rule(record_id: str, template_id: str, *, coded: bool = True) -> list[str]:
    """The ID rule: why the ID cannot be an SMSTurbo ID (badly formed, with the ID to use
    instead when there is one, or reserved for the template). ``coded``: Sage 50 keeps a
    code to change (not Canada, whose ID is the name)."""
    reasons = [] if valid_id(record_id) else id_problems(record_id)
    suggested = suggest_id(record_id) if reasons else ""
    if suggested:
        where = " (change it in Sage 50)" if coded else ""
        reasons.append(f"suggested ID: {suggested}{where}")
    if record_id == template_id:
        reasons.append(f"{template_id} is reserved for SMSTurbo's default values")
    return reasons


def _duplicates(inputs: Comparison, record_id: str) -> list[str]:
    """Duplicates: an ID Sage 50 has more than once, letter case ignored."""
    count = inputs.repeated.get(record_id.upper())
    return [f"ID appears {count} times in Sage 50 (letter case ignored)"] if count else []


def _case_only_match(folded_match: str | None) -> list[str]:
    """Case-only match: a new ID matching an SMSTurbo ID only by letter case is never
    imported as a second record."""
    if folded_match is None:
        return []
    return [
        f"matches SMSTurbo ID {folded_match} only by letter case; make the IDs identical in Sage 50"
    ]


def _new_problems(inputs: Comparison, values: Record) -> list[str]:
    """A new record needs each needed field (one Setup may give an Import Default for,
    that SMSTurbo stores: a material's unit) from Sage 50, Setup or the template."""
    entity, template = inputs.entity, inputs.template or {}
    return [
        f"{TURBO_FIELDS[name].label} is blank in Sage 50, in Setup's Import Defaults and in "
        f"the template {entity.label.lower()}; fill in one of them"
        for name in inputs.needed
        if not values.get(name) and not template.get(name)
    ]


def _differences(sage: Record, turbo: Record) -> list[FieldChange]:
    """Per-field differences: exact, except that a value from an SMSTurbo list may
    differ in letter case."""
    return [
        FieldChange(name, turbo[name], value)
        for name, value in sage.items()
        if name != "id"
        and value is not None
        and name in turbo
        and (turbo[name] or "") != value
        and not (name in _LISTED and (turbo[name] or "").upper() == value.upper())
    ]


def _plan_row(
    inputs: Comparison,
    sage: SageRecord,
    values: Record,
    turbo: TurboRecord | None,
    reasons: list[str],
    defaulted: tuple[str, ...],
) -> PlanRow:
    """Status: INVALID with reasons, NEW, IN SYNC, or DIFFERENT with the changes split
    into those Setup applies and those only shown."""
    if reasons:
        return _row(sage, Status.INVALID, values, turbo, reasons=tuple(reasons))
    if turbo is None:
        filled = tuple(FieldChange(f, None, values[f]) for f in defaulted) if defaulted else ()
        return _row(sage, Status.NEW, values, None, filled)
    differences = _differences(values, turbo.values)
    if not differences:
        return _row(sage, Status.IN_SYNC, values, turbo)
    replace = inputs.options.replace
    taken = [TURBO_FIELDS[d.field].group in replace for d in differences]
    applied = tuple(compress(differences, taken))
    shown = tuple(compress(differences, map(operator.not_, taken)))
    return _row(sage, Status.DIFFERENT, values, turbo, applied, shown)


def _row(
    sage: SageRecord,
    status: Status,
    values: Record,
    turbo: TurboRecord | None,
    changes: tuple[FieldChange, ...] = (),
    other_differences: tuple[FieldChange, ...] = (),
    reasons: tuple[str, ...] = (),
) -> PlanRow:
    """``PlanRow(sage, status, ...)``, its attributes filled in as the dataclass's
    ``__init__`` fills them but without the frozen class's ``object.__setattr__`` per
    field (half the time of making the rows of a large company)."""
    row: PlanRow = object.__new__(PlanRow)
    filled = row.__dict__
    filled["sage"] = sage
    filled["status"] = status
    filled["values"] = values
    filled["turbo"] = turbo
    filled["changes"] = changes
    filled["other_differences"] = other_differences
    filled["reasons"] = reasons
    return row


def _compared(inputs: Comparison, sage: SageRecord, checked: bool = False) -> PlanRow:
    """One Sage 50 record through every rule: the values SMSTurbo would get, the
    reasons they cannot go there, and from both the row's status. ``checked``: the
    screen found Sage 50's values free of field problems, so values the rules leave
    as they are need no second look."""
    record_id = sage.id
    turbo = inputs.turbo_by_id.get(record_id)
    folded_match = None
    if turbo is None:
        values, defaulted = _with_defaults(inputs, sage)
        folded_match = inputs.folded_match(record_id)
    else:
        values, defaulted = _reactivated(inputs, sage, turbo), ()
    values, not_listed = _looked_up(inputs.listed, values, inputs.lookups, inputs.list_advice)
    reasons = (
        []
        if VALID_ID.fullmatch(record_id) and record_id != inputs.template_id
        else _id_rule(record_id, inputs.template_id, coded=sage.source_key is None)
    )
    if inputs.repeated:
        reasons += _duplicates(inputs, record_id)
    if folded_match is not None:
        reasons += _case_only_match(folded_match)
    reasons += sage.problems
    if not checked or values is not sage.values:
        reasons += _field_problems(inputs.entity, values, inputs.limits)
    reasons += not_listed
    if turbo is None and folded_match is None and inputs.needed:
        reasons += _new_problems(inputs, values)
    return _plan_row(inputs, sage, values, turbo, reasons, defaulted)


def _turbo_only(inputs: Comparison) -> list[TurboRow]:
    """The SMSTurbo records Sage 50 lacks, noting those it has only in another letter case."""
    sage_ids = inputs.sage_ids
    known = set(sage_ids)
    only = list(
        compress(
            inputs.turbo_by_id, map(operator.not_, map(known.__contains__, inputs.turbo_by_id))
        )
    )
    sage_by_folded = {}
    if any(map(inputs.sage_folded.__contains__, map(str.upper, only))):  # seldom
        sage_by_folded = dict(zip(map(str.upper, sage_ids), sage_ids, strict=True))
    status_field = inputs.entity.status_field
    turbo_only = []
    for turbo_id in only:
        record = inputs.turbo_by_id[turbo_id]
        by_case = sage_by_folded.get(turbo_id.upper())
        note = (
            f"Sage 50 has {by_case}, which matches only by letter case"
            if by_case
            else "not in Sage 50"
        )
        inactive = inputs.rule.says_inactive(record.values.get(status_field))
        turbo_only.append(TurboRow(record, note, inactive))
    return turbo_only


def _template_note(inputs: Comparison) -> str | None:
    """What new records take when SMSTurbo has no template record (and needs none)."""
    entity, options = inputs.entity, inputs.options
    if inputs.template is not None or entity.template_required:
        return None
    given = ", ".join(TURBO_FIELDS[f].label for f in options.defaults) or "none"
    return (
        f"SMSTurbo has no template {entity.label.lower()} {inputs.template_id}: new "
        f"{entity.plural.lower()} take Sage 50's values and Setup's Import Defaults "
        f"({given}), other fields stay blank"
    )


# The fast path. Most rows of a large company are IN SYNC: the screen below finds them
# with C-level iterators over whole rows (a record's values as one tuple and as one
# text), and only the rows it cannot clear go through the rules one by one
# (``_compared``). It is conservative: a row it clears is one the rules would make IN
# SYNC with Sage 50's values unchanged; any doubt (a blank against a None, a list value
# in another letter case, a value holding the separator) sends the row to the rules.


_NO_MATCH = TurboRecord("", dict.fromkeys(TURBO_FIELDS))
"""The SMSTurbo record of a row without one: None for every field (a plain dict, so
that taking its values stays a C-level pass)."""

_JOIN = "\u00a6"
"""Joins a row's values into one text the row pattern reads: a printable character
(the text's printability is its values'), rare in data (a value holding it is doubted)."""

_SAMPLE = 64
"""How many records decide which fields a source leaves None (no column for them)."""


@dataclass
class _Screen:
    """One comparison's Sage 50 records beside the SMSTurbo records they match
    (``_NO_MATCH`` when none), and the rows found doubtful so far."""

    inputs: Comparison
    records: list[SageRecord]
    ids: list[str]
    values: list[Record]
    matched: list[TurboRecord]
    turbo_values: list[Record]
    """The values of the SMSTurbo records matched."""
    doubtful: set[int] = field(default_factory=set)
    unclean: set[int] = field(default_factory=set)
    """Rows whose Sage 50 values may have a field problem (all of them doubtful too)."""

    @classmethod
    def of(cls, inputs: Comparison, records: list[SageRecord]) -> _Screen:
        """``records``: those ``inputs`` was made of."""
        ids = inputs.sage_ids
        matched = list(map(inputs.turbo_by_id.get, ids, repeat(_NO_MATCH)))
        return cls(
            inputs,
            records,
            ids,
            list(map(operator.attrgetter("values"), records)),
            matched,
            list(map(operator.attrgetter("values"), matched)),
        )

    def column(self, name: str) -> list[str | None]:
        """Sage 50's values of one field, row by row (None where a record lacks it)."""
        return list(map(dict.get, self.values, repeat(name)))

    def doubt(self, flags: Iterable[object]) -> None:
        """Mark the rows whose flag is true."""
        self.doubtful.update(compress(range(len(self.records)), flags))

    def suspect(self, flags: Iterable[object]) -> None:
        """Mark the rows whose flag is true as maybe holding a value with a problem."""
        self.unclean.update(compress(range(len(self.records)), flags))

    def suspect_where(self, name: str, wrong: Callable[[str | None], object]) -> None:
        """Mark the rows whose value of ``name`` is ``wrong`` (a look at each value, for
        the checks only some entities or settings need)."""
        self.suspect(map(wrong, self.column(name)))

    def suspect_all(self) -> None:
        self.unclean.update(range(len(self.records)))


def _screen_matches(screen: _Screen) -> None:
    """Rows without an SMSTurbo record, with a problem the source noted, a malformed or
    duplicated ID, or (when Setup lists types) a type left out."""
    inputs, records = screen.inputs, screen.records
    ids = screen.ids
    screen.doubt(map(operator.is_, screen.matched, repeat(_NO_MATCH)))
    screen.doubt(map(operator.attrgetter("problems"), records))
    screen.doubt(map(operator.not_, map(VALID_ID.fullmatch, ids)))
    id_limit = inputs.limits.lengths.get("id")
    if id_limit is not None:
        screen.suspect(map(operator.lt, repeat(id_limit.length or 0), map(len, ids)))
    if inputs.repeated:
        screen.doubt(map(inputs.repeated.__contains__, map(str.upper, ids)))
    if inputs.options.include_types:
        included = inputs.options.includes_type
        wrong_type = map(operator.not_, map(included, screen.column(inputs.entity.type_field)))
        screen.doubt(wrong_type)


def _screen_status_and_lists(screen: _Screen) -> None:
    """Rows whose values the rules would change: a record SMSTurbo holds as inactive
    (reactivation), and a list field that is blank or not in SMSTurbo's spelling; and
    the checks only some entities or settings need."""
    inputs = screen.inputs
    if inputs.reactivated:
        status_field = inputs.entity.status_field
        statuses = list(map(dict.get, screen.turbo_values, repeat(status_field)))
        inactive = {status: inputs.rule.says_inactive(status) for status in set(statuses)}
        screen.doubt(map(inactive.__getitem__, statuses))
    for spec in inputs.listed:
        known = inputs.lookups.get(spec.lookup or "") if inputs.lookups is not None else None
        if known is None:
            screen.doubt(map(operator.eq, screen.column(spec.name), repeat("")))
            continue
        spelled = {*known.values(), None} - {""}
        screen.doubt(map(operator.not_, map(spelled.__contains__, screen.column(spec.name))))
    if inputs.entity is MATERIAL:
        label = TURBO_FIELDS["item_class"].label
        screen.suspect_where("item_class", lambda v: not_an_item_class(label, v or ""))
    for name in inputs.limits.texts:
        screen.suspect_where(name, bool)


def _supplied_and_absent(values: list[Record]) -> tuple[list[str], list[str]]:
    """The fields looked at (the ID's value too), as a sample of records has them: those
    it mostly supplies, and those it mostly leaves None (a field the source has no
    column for)."""
    sample = values[:_SAMPLE]
    names = sorted(set().union(*sample))
    absent = [n for n in names if sum(r.get(n) is None for r in sample) * 2 > len(sample)]
    return [n for n in names if n not in absent], absent


def _field_pattern(inputs: Comparison, name: str) -> str:
    """What a value of ``name`` the rules find no problem in surely looks like."""
    limit = inputs.limits.lengths.get(name)
    most = EXCEL_CELL_CHARACTERS if limit is None or limit.length is None else limit.length
    value = f"[^{_JOIN}]{{0,{min(most, EXCEL_CELL_CHARACTERS)}}}"
    if name == inputs.entity.title_field:
        value = rf"(?=[^{_JOIN}]*[^{_JOIN}\s]){value}"
    if name in inputs.limits.numbers:
        fits = inputs.limits.numbers[name][1]
        value = f"(?=(?:{fits.pattern if fits else '(?!)'})?(?:{_JOIN}|\\Z)){value}"
    return value


def _row_pattern(inputs: Comparison, supplied: list[str]) -> re.Pattern[str]:
    """A row's supplied values joined: the title not blank, each value within its
    column's length and a cell's, each number one its column surely keeps."""
    return re.compile(_JOIN.join(_field_pattern(inputs, n) for n in supplied))


def _getter(names: list[str]) -> Callable[[Record], tuple[str | None, ...]]:
    """A record's values of ``names`` as one tuple (a tuple also for a single name)."""
    if len(names) == 1:
        return lambda record: (record[names[0]],)
    return operator.itemgetter(*names) if names else lambda _: ()


def _screen_rows(screen: _Screen) -> None:
    """Rows whose values differ from SMSTurbo's at all, hold a None where the source
    mostly supplies a value (or one where it mostly does not), or do not match the row
    pattern (a blank title, a value too long, a number not surely kept, a character not
    printable). A record with other fields than the sample's is suspect; when one
    lacks a field the sample has, all are."""
    inputs = screen.inputs
    supplied, absent = _supplied_and_absent(screen.values)
    if inputs.entity.title_field not in supplied:
        screen.suspect_all()
        return
    fields = len(supplied) + len(absent)
    screen.suspect(map(operator.ne, map(len, screen.values), repeat(fields)))
    take, take_absent = _getter(supplied), _getter(absent)
    try:
        rows = list(map(take, screen.values))
        nones = list(map(take_absent, screen.values))
    except KeyError:
        screen.suspect_all()
        return
    _doubt_differing(screen, rows, take)
    screen.suspect(map(operator.ne, nones, repeat((None,) * len(absent))))
    joined = _joined(screen, rows)
    screen.suspect(map(operator.not_, map(str.isprintable, joined)))
    screen.suspect(map(operator.not_, map(_row_pattern(inputs, supplied).fullmatch, joined)))


def _doubt_differing(
    screen: _Screen,
    rows: list[tuple[str | None, ...]],
    take: Callable[[Record], tuple[str | None, ...]],
) -> None:
    """Doubt the rows whose values differ from SMSTurbo's values of the fields ``take``
    takes; a record lacking one differs. SMSTurbo's values are taken as they are compared,
    never kept (a list of them cost more than the comparison), so a record lacking one
    stops the pass; the rows doubted until then differ too."""
    try:
        screen.doubt(map(operator.ne, rows, map(take, screen.turbo_values)))
    except KeyError:
        screen.doubt(
            map(operator.ne, rows, map(functools.partial(_taken, take), screen.turbo_values))
        )


def _taken(
    take: Callable[[Record], tuple[str | None, ...]], values: Record
) -> tuple[str | None, ...] | None:
    try:
        return take(values)
    except KeyError:
        return None


def _joined(screen: _Screen, rows: list[tuple[str | None, ...]]) -> list[str]:
    """Each row's values as one text. A row holding a None (where the source mostly
    supplies a value) is suspect, its None joined as 'None'."""
    try:
        return list(map(_JOIN.join, rows))  # type: ignore[arg-type]
    except TypeError:
        screen.suspect(map(operator.contains, rows, repeat(None)))
        return list(map(_JOIN.join, map(map, repeat(str), rows)))


Screened = tuple[list["TurboRecord | None"], list[bool]]
"""Row by row: the SMSTurbo record of a row plainly IN SYNC (else None), and whether the
row's Sage 50 values are free of field problems."""


def _screened(inputs: Comparison, records: list[SageRecord]) -> Screened:
    """Row by row, the SMSTurbo record of each row the rules would make IN SYNC with
    Sage 50's values as they are (None for every other row: the rules decide it), and
    whether the screen found the row's Sage 50 values free of field problems."""
    screen = _Screen.of(inputs, records)
    if records:
        _screen_matches(screen)
        _screen_status_and_lists(screen)
        _screen_rows(screen)
    plain: list[TurboRecord | None] = list(screen.matched)
    checked = [True] * len(records)
    for row in screen.unclean:
        checked[row] = False
    for row in screen.doubtful | screen.unclean:
        plain[row] = None
    return plain, checked


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector paused while records are read and compared: they make
    no reference cycles (reference counting frees all they drop), yet the collector,
    woken by the many new rows, would walk every live object, the records read
    included, again and again (measured: a third of compare()'s time at 100,000
    records). Nested use is fine: it is set back as it was found.

    When it is switched back on, what was made meanwhile is moved to the oldest
    generation first (``gc.freeze`` then ``gc.unfreeze``, no walk): left young, the
    first allocation after would start a collection walking every row just made (about
    a tenth of compare()'s time at 100,000 records), and a later one walking them again.
    Not when the program has frozen objects of its own: unfreezing would set them free."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if not gc.get_freeze_count():
                gc.freeze()
                gc.unfreeze()
            gc.enable()


def compare(
    entity: Entity,
    sage_records: list[SageRecord],
    turbo_records: list[TurboRecord],
    facts: ComparisonFacts,
) -> Plan:
    """Give every Sage 50 record a status and list the SMSTurbo records missing from it,
    by Setup's options and SMSTurbo's lists, limits and template in ``facts``."""
    with collector_paused():
        inputs = Comparison.of(entity, sage_records, turbo_records, facts)
        rows: list[PlanRow] = []
        row, in_sync = rows.append, Status.IN_SYNC
        excluded: dict[str, str | None] = {}
        plain, checked = _screened(inputs, sage_records)
        for sage, turbo, clean in zip(sage_records, plain, checked, strict=True):
            if turbo is not None:
                row(_row(sage, in_sync, sage.values, turbo))
            elif _type_excluded(inputs, sage):
                excluded[sage.id] = sage.values.get(entity.type_field)
            else:
                row(_compared(inputs, sage, clean))
        return Plan(
            entity,
            rows,
            _turbo_only(inputs),
            excluded,
            facts.options.replace,
            inputs.rule,
            _template_note(inputs),
        )
