"""SMSTurbo IDs for the Sage 50 records that bring none: which SMSTurbo ID each record
takes before it is compared. Pure: the remembered IDs and SMSTurbo's records come in.

A record whose source key SMSTurbo remembers (``smsturbo.crosswalk``) takes the
remembered ID, so a record renamed in Sage 50 still meets its SMSTurbo record. One
whose edition gives no usable ID (Sage 50 Canada has no customer or vendor code, UK
stock codes run to 30 characters) gets a suggested ID: the ID rule applied to what
Sage 50 has, unique against SMSTurbo's IDs, the remembered ones and the other rows,
and the same on every Refresh (collisions numbered in the order of the source keys).
The bookkeeper accepts it, or types another in the SMSTurbo ID column. A Canada record
whose exact name one SMSTurbo record has is proposed a link to it instead
(``proposed_links``), taken only when ticked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum

from smsync_xl.core.fields import Entity, SageRecord, TurboRecord
from smsync_xl.core.ids import MAX_ID_LENGTH, suggest_id, valid_id

FALLBACK_STEM = "ID"
"""The stem of a suggestion for a record of which nothing can stand in an ID (a name
in Japanese): followed by its source key's ID form, or a number."""


class IdOrigin(StrEnum):
    """Where a record's SMSTurbo ID comes from."""

    OWN = "Sage 50"
    """Sage 50's own ID (or, for Canada, the name when it is a valid ID)."""
    REMEMBERED = "remembered"
    """The ID SMSTurbo remembers for the record's source key."""
    SUGGESTED = "suggested"
    """A suggestion, to accept or change in the SMSTurbo ID column."""
    LINK = "link"
    """The ID of the one SMSTurbo record with exactly the record's name (Sage 50 Canada):
    proposed, taken only when the bookkeeper ticks the row."""


@dataclass(frozen=True)
class AssignedId:
    """The SMSTurbo ID a record takes and what it is remembered against."""

    source_key: str
    """The source's own key: Canada's ``lId``, else the Sage 50 ID (UK/US code)."""
    sage_id: str
    """What Sage 50 gave as the ID (Canada: the name)."""
    origin: IdOrigin

    @property
    def to_remember(self) -> bool:
        """Whether a write of the record should remember its ID: whenever the ID is
        not Sage 50's own stable code."""
        return self.origin in (IdOrigin.SUGGESTED, IdOrigin.LINK) or self.source_key != self.sage_id


def no_own_id(product: str, entity: Entity) -> str:
    """How a source says a record has no ID of its own to stand as the SMSTurbo ID: a
    problem of the record that a remembered or suggested ID answers."""
    return f"{product} keeps no {entity.label.lower()} ID"


def _answered(record: SageRecord, entity: Entity, product: str, turbo_id: str) -> SageRecord:
    """The record with the SMSTurbo ID it takes, the source's 'no ID' problem answered."""
    unanswered = no_own_id(product, entity)
    return replace(
        record,
        id=turbo_id,
        values={**record.values, "id": turbo_id},
        problems=tuple(p for p in record.problems if not p.startswith(unanswered)),
    )


def source_key_of(record: SageRecord) -> str:
    """What the record's SMSTurbo ID is remembered against: the source's own key where
    the ID is none (Canada's ``lId``), else the Sage 50 ID."""
    return record.source_key if record.source_key is not None else record.id


def numbered(stem: str, number: int) -> str:
    """``stem`` with ``-number`` added, cut so the whole stays within the ID rule."""
    suffix = f"-{number}"
    return stem[: MAX_ID_LENGTH - len(suffix)].rstrip("-") + suffix


def _stem(record: SageRecord) -> str:
    """The suggestion before numbering: the ID rule applied to the Sage 50 ID (Canada: the
    name), or ``FALLBACK_STEM`` and the source key when nothing of it is left."""
    stem = suggest_id(record.id)
    if stem:
        return stem
    key = suggest_id(source_key_of(record))
    return (FALLBACK_STEM + (f"-{key}" if key else ""))[:MAX_ID_LENGTH].rstrip("-")


def _unique(stem: str, taken: set[str]) -> str:
    """``stem``, or the first numbered form of it no one has (letter case ignored)."""
    candidate, number = stem, 1
    while candidate.upper() in taken or not valid_id(candidate):
        number += 1
        candidate = numbered(stem, number)
    taken.add(candidate.upper())
    return candidate


def _note(context: _Context, record: SageRecord, suggested: str) -> str:
    """The Reason of a suggestion: why, what, and what the bookkeeper does with it, in the
    edition's word for the record."""
    number = f", Sage 50 record {record.source_key}" if record.source_key is not None else ""
    word = context.record_word or context.entity.label.lower()
    return (
        f"{context.product} gives this {word} no SMSTurbo ID ({record.id!r} is not "
        f"one{number}): suggested SMSTurbo ID {suggested}; accept it, or type another in "
        "the SMSTurbo ID column, before ticking"
    )


def _same_name(entity: Entity, record: SageRecord, matches: list[str]) -> str:
    """Why a record with no ID of its own gets none: several SMSTurbo records have
    exactly its name (Canada's rule for finding a customer), and SMSync does not guess."""
    return (
        f"SMSTurbo {entity.plural.lower()} {', '.join(matches)} have exactly this name; "
        f"choose the one to link with 'smsync-xl ids set {entity.key} "
        f"{source_key_of(record)} <its ID>', then press Refresh"
    )


def _link_note(entity: Entity, record: SageRecord, match: str) -> str:
    return (
        f"LINK proposed: SMSTurbo {entity.label.lower()} {match} has exactly this name "
        f"(Sage 50 record {source_key_of(record)}); tick to link them, so SMSync remembers "
        f"{match} for it, or leave it unticked"
    )


def _by_name(turbo: list[TurboRecord], remembered: Mapping[str, str]) -> dict[str, list[str]]:
    """SMSTurbo's IDs by exact name, those remembered for a record left out."""
    linked = {v.upper() for v in remembered.values()}
    named: dict[str, list[str]] = {}
    for held in turbo:
        name = held.values.get("name")
        if name and held.id.upper() not in linked:
            named.setdefault(name, []).append(held.id)
    return {name: sorted(ids) for name, ids in named.items()}


@dataclass(frozen=True)
class _Context:
    entity: Entity
    product: str
    named: dict[str, list[str]]
    taken: set[str]
    record_word: str | None = None
    """What the edition calls the record (a UK product), for the Reason."""


def _given(context: _Context, record: SageRecord) -> tuple[SageRecord, str, IdOrigin]:
    """A record whose ID breaks the ID rule: linked to the one SMSTurbo record with its
    exact name (Canada), refused when several have it, or given a suggested ID."""
    entity, product = context.entity, context.product
    matches = context.named.get(record.values.get("name") or "", [])
    if record.source_key is not None and len(matches) > 1:
        refused = _same_name(entity, record, matches)
        return replace(record, problems=(*record.problems, refused)), record.id, IdOrigin.OWN
    if record.source_key is not None and matches:
        linked = _answered(record, entity, product, matches[0])
        note = _link_note(entity, record, matches[0])
        return replace(linked, notes=(*record.notes, note)), matches[0], IdOrigin.LINK
    suggested = _unique(_stem(record), context.taken)
    answered = _answered(record, entity, product, suggested)
    note = _note(context, record, suggested)
    return replace(answered, notes=(*record.notes, note)), suggested, IdOrigin.SUGGESTED


def assign_ids(
    entity: Entity,
    records: list[SageRecord],
    turbo_records: Iterable[TurboRecord],
    remembered: Mapping[str, str],
    *,
    suggest: bool,
    product: str,
    record_word: str | None = None,
) -> tuple[list[SageRecord], dict[str, AssignedId]]:
    """Each record with the SMSTurbo ID it takes, and per ID taken what it came from.

    ``remembered`` maps source keys to SMSTurbo IDs. With ``suggest`` (an edition that
    gives no usable ID), a record whose ID breaks the ID rule gets a suggested one
    (noted for the Reason column); without it (the US edition) it keeps its ID and
    compare() makes it INVALID, as always. So does a record whose ID SMSTurbo has in
    another letter case: it is never given a second record. ``record_word``: what the
    edition calls such a record, for the Reason (else the list's label)."""
    turbo = list(turbo_records)
    held = {r.id.upper() for r in turbo} if suggest else set()
    results = list(records)
    assigned: dict[int, tuple[str, IdOrigin]] = {}
    wanting: list[int] = []
    for place, record in enumerate(records):
        key = source_key_of(record)
        if key in remembered:
            results[place] = _answered(record, entity, product, remembered[key])
            assigned[place] = (remembered[key], IdOrigin.REMEMBERED)
        elif not suggest or valid_id(record.id) or record.id.upper() in held or not record.id:
            assigned[place] = (record.id, IdOrigin.OWN)
        else:
            wanting.append(place)
    if wanting:  # the IDs taken and SMSTurbo's names, only for the records given an ID
        taken = held | {v.upper() for v in remembered.values()}
        taken |= {given.upper() for given, origin in assigned.values() if origin is IdOrigin.OWN}
        context = _Context(entity, product, _by_name(turbo, remembered), taken, record_word)
        for place in sorted(wanting, key=lambda p: (_stem(records[p]), source_key_of(records[p]))):
            results[place], turbo_id, origin = _given(context, records[place])
            assigned[place] = (turbo_id, origin)
    origins: dict[str, AssignedId] = {}
    for place, record in enumerate(records):
        turbo_id, origin = assigned[place]
        origins.setdefault(turbo_id, AssignedId(source_key_of(record), record.id, origin))
    return results, origins
