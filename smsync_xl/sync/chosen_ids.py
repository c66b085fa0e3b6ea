"""The SMSTurbo IDs a synchronization gives the rows it writes: the plan's (Sage 50's
own, remembered or suggested) or the one the bookkeeper typed in the SMSTurbo ID
column, which is checked like any other before anything is written."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from smsync_xl.core.compare import Plan, PlanRow
from smsync_xl.core.ids import id_problems
from smsync_xl.core.suggested_ids import IdOrigin
from smsync_xl.core.vocabulary import Edition

ChosenIds = Mapping[str, str]
"""A row's ID (as Refresh listed it) → the SMSTurbo ID typed for it."""
NO_TYPED_IDS: Mapping[str, ChosenIds] = MappingProxyType({})
"""Per entity, no ID typed (a run from the command line)."""


@dataclass
class IdChoices:
    """One list's typed IDs, checked against SMSTurbo's IDs, the remembered ones and
    the IDs other rows take."""

    plan: Plan
    typed: ChosenIds
    edition: Edition
    _given: set[str] = field(default_factory=set)

    def _taken(self) -> set[str]:
        turbo = {r.turbo.id for r in self.plan.rows if r.turbo is not None}
        turbo |= {r.id for r in self.plan.turbo_only}
        remembered = set(self.plan.remembered.values())  # also for records not listed
        return {i.upper() for i in turbo | set(self.plan.by_id) | remembered} | self._given

    def chosen(self, row: PlanRow) -> tuple[str, str]:
        """The SMSTurbo ID the row is written with, and why a typed one is refused ("")."""
        typed = self.typed.get(row.id, row.id)
        if typed == row.id:
            return row.id, ""
        origin = self.plan.assigned.get(row.id)
        said = f"SMSTurbo ID {typed!r} typed for {row.id}"
        if origin is not None and origin.origin is IdOrigin.LINK:
            return row.id, (
                f"{said}: the row proposes a link to SMSTurbo's {row.id}; to give the record "
                f"another ID instead, put {row.id} back, leave the row unticked and use "
                f"'smsync-xl ids set {self.plan.entity.key} {origin.source_key} <ID>'"
            )
        if origin is None or origin.origin is not IdOrigin.SUGGESTED or row.turbo is not None:
            return row.id, (
                f"{said}: this record's SMSTurbo ID is {row.id} (given by Sage 50 or "
                "remembered in SMSTurbo); put it back in the SMSTurbo ID column, or change "
                "it with 'smsync-xl ids set'"
            )
        problems = id_problems(typed)
        if not problems and typed.upper() in self._taken():
            problems = ["SMSTurbo or another row has this ID already (letter case ignored)"]
        if problems:
            return row.id, f"{said}: {'; '.join(problems)}; type another and tick it again"
        self._given.add(typed.upper())
        return typed, ""

    def source_key(self, row: PlanRow) -> str | None:
        """What the row's ID is remembered against, when it must be."""
        origin = self.plan.assigned.get(row.id)
        return origin.source_key if origin is not None and origin.to_remember else None
