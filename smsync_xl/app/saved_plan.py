"""A saved plan (``plan --save``, ``sync --plan``): versioned JSON, validated on load.

It holds, per entity and ID, what the plan saw: status, fingerprint, whether the record
is inactive in Sage 50 and whether an update has changes to apply, so ``sync --plan``
takes the same default selection as the plan that was reviewed and refuses rows that
changed since. Every way a file can be wrong is a :class:`PlanFileError` naming the file
and the key.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from smsync_xl.app.plain_text import inert
from smsync_xl.core.compare import Plan
from smsync_xl.core.errors import PlanFileError
from smsync_xl.core.fields import ENTITIES
from smsync_xl.core.vocabulary import Status, taken_by_default
from smsync_xl.sync.apply import Chosen

__all__ = ["FORMAT", "VERSION", "SavedPlan", "SavedRow", "load_plan", "save_plan"]

FORMAT = "smsync-plan"
VERSION = 2
"""2: the plan names where the company was read from (``source``); a version 1 plan
did not, so it cannot be matched to a company and is refused."""
_AGAIN = "Save the plan again with 'smsync-xl plan --save FILE', then run sync --plan FILE."


@dataclass(frozen=True)
class SavedRow:
    status: Status
    fingerprint: str
    inactive: bool
    has_changes: bool


@dataclass(frozen=True)
class SavedPlan:
    path: Path
    company: str
    source: str
    """Where the company was read from (``Source.location``)."""
    entities: Mapping[str, Mapping[str, SavedRow]]

    def check_company(self, company: str, source: str) -> None:
        """A plan is for the Sage 50 company it was made from, by name and by location
        (two companies may share a name): its IDs and fingerprints mean nothing in
        another one."""
        if (company, source) != (self.company, self.source):
            raise PlanFileError(
                f"the plan was made for Sage 50 company '{inert(self.company)}' read from "
                f"{inert(self.source)}, but the settings open company '{inert(company)}' "
                f"read from {inert(source)}. Nothing was changed",
                where=str(self.path),
                advice="Run sync with the settings of the plan's company, or save a plan "
                "for this company with 'smsync-xl plan --save FILE' and review it first.",
            )

    def chosen(self, keys: Iterable[str], ids: Sequence[str], *, include_inactive: bool) -> Chosen:
        """ID → fingerprint per entity: these IDs, or the default selection without IDs."""
        chosen: dict[str, dict[str, str]] = {}
        for key in keys:
            rows = self.entities.get(key, {})
            wanted = ids or [
                i
                for i, r in rows.items()
                if taken_by_default(
                    r.status, r.inactive, r.has_changes, include_inactive=include_inactive
                )
            ]
            chosen[key] = {i: rows[i].fingerprint for i in wanted if i in rows}
        return chosen


def save_plan(path: Path, plans: Iterable[Plan], company: str, source: str) -> None:
    data = {
        "format": FORMAT,
        "version": VERSION,
        "company": company,
        "source": source,
        "entities": {
            p.entity.key: {
                r.id: {
                    "status": r.status.value,
                    "fingerprint": r.fingerprint,
                    "inactive": r.inactive,
                    "has_changes": bool(r.changes),
                }
                for r in p.rows
            }
            for p in plans
        },
    }
    try:
        path.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
    except OSError as error:
        raise PlanFileError(
            f"the plan could not be saved ({error.strerror})",
            where=str(path),
            advice="Choose a file in a folder you can write to.",
        ) from None


def _field(row: object, key: str, kind: type, where: str) -> object:
    """``row[key]``, which must be of ``kind``."""
    if not isinstance(row, dict) or key not in row:
        raise PlanFileError(f"the key {key!r} is missing", where=where, advice=_AGAIN)
    value = row[key]
    if not isinstance(value, kind):
        raise PlanFileError(
            f"{key!r} holds {value!r}, not a {kind.__name__}", where=where, advice=_AGAIN
        )
    return value


def _row(row: object, where: str) -> SavedRow:
    status = _field(row, "status", str, where)
    if status not in {s.value for s in Status}:
        raise PlanFileError(f"{status!r} is not a status", where=where, advice=_AGAIN)
    return SavedRow(
        Status(status),
        str(_field(row, "fingerprint", str, where)),
        bool(_field(row, "inactive", bool, where)),
        bool(_field(row, "has_changes", bool, where)),
    )


def load_plan(path: Path) -> SavedPlan:
    """Read and check a saved plan; every problem names the file (and the key)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PlanFileError(
            "the plan file does not exist", where=str(path), advice=_AGAIN
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise PlanFileError(
            f"the plan file cannot be read ({error})", where=str(path), advice=_AGAIN
        ) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise PlanFileError(
            f"this is not a saved plan: not JSON (line {error.lineno}, column {error.colno}: "
            f"{error.msg})",
            where=str(path),
            advice=_AGAIN,
        ) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise PlanFileError(
            'this is not a saved SMSync plan (no "format": "smsync-plan")',
            where=str(path),
            advice=_AGAIN,
        )
    if data.get("version") == 1:
        raise PlanFileError(
            "the plan was saved by an earlier SMSync (format version 1), which did not "
            "record where the Sage 50 company was read from, so it cannot be checked "
            "against the settings' company",
            where=str(path),
            advice=_AGAIN,
        )
    if data.get("version") != VERSION:
        raise PlanFileError(
            f"the plan is in format version {data.get('version')!r}; this SMSync reads "
            f"version {VERSION}",
            where=str(path),
            advice=_AGAIN,
        )
    company = _field(data, "company", str, str(path))
    source = _field(data, "source", str, str(path))
    _field(data, "entities", dict, str(path))
    entities: dict[str, dict[str, SavedRow]] = {}
    for key, rows in data["entities"].items():
        where = f"{path}: entities.{key}"
        if key not in ENTITIES:
            raise PlanFileError(
                f"{key!r} is not one of {', '.join(ENTITIES)}", where=where, advice=_AGAIN
            )
        if not isinstance(rows, dict):
            raise PlanFileError("expected the rows by ID", where=where, advice=_AGAIN)
        entities[key] = {i: _row(r, f"{where}.{i}") for i, r in rows.items()}
    return SavedPlan(path, str(company), str(source), entities)
