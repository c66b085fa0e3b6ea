"""SMSTurbo's ID rule, in one place: at most 15 characters of A–Z, 0–9, '-' and '_'.

The vendor's advice is to fix such IDs in Sage 50 rather than convert them silently,
so we only explain what is wrong and offer a suggestion for the bookkeeper to type.
"""

from __future__ import annotations

import re
import unicodedata

from smsync_xl.core.fields import TURBO_FIELDS

MAX_ID_LENGTH = TURBO_FIELDS["id"].max_length
_ALLOWED = re.compile(r"[A-Z0-9_-]")
VALID_ID = re.compile(rf"[A-Z0-9_-]{{1,{MAX_ID_LENGTH}}}")
"""A valid ID, in full: ``map(VALID_ID.fullmatch, ids)`` checks many IDs without a
Python call per ID."""


def valid_id(value: str) -> bool:
    return VALID_ID.fullmatch(value) is not None


def id_problems(value: str) -> list[str]:
    """Every reason ``value`` is not a valid SMSTurbo ID (empty list when it is)."""
    if VALID_ID.fullmatch(value):
        return []
    if value == "":
        return ["ID is empty"]
    problems = []
    if len(value) > MAX_ID_LENGTH:
        problems.append(f"ID is {len(value)} characters; SMSTurbo allows at most {MAX_ID_LENGTH}")
    if " " in value:
        problems.append("ID contains a space")
    if any(c.islower() for c in value):
        problems.append("ID has lowercase letters; SMSTurbo IDs are uppercase")
    others = sorted({c for c in value if not _ALLOWED.match(c) and c != " " and not c.islower()})
    if others:
        shown = " ".join(repr(c) for c in others)
        problems.append(f"ID contains {shown}; SMSTurbo allows only A-Z, 0-9, - and _")
    return problems


def suggest_id(value: str) -> str:
    """A valid ID close to ``value``, shown as a hint to type into Sage 50 (never
    applied): compatibility forms as their plain letters (ＡＢＣ as ABC, Ⅻ as XII, É as
    E); empty when nothing of ``value`` is left."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", value) if not unicodedata.combining(c))
    upper = plain.strip().upper().replace(" ", "-")
    cleaned = "".join(c if _ALLOWED.match(c) else "-" for c in upper)
    collapsed = re.sub("-{2,}", "-", cleaned).strip("-")
    return collapsed[:MAX_ID_LENGTH].rstrip("-")
