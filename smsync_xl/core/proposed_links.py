"""A proposed link shown as one: a row whose SMSTurbo ID is the one SMSTurbo record with
exactly its name (``suggested_ids.IdOrigin.LINK``) is LINK, whatever compare() found
between the two, unless it is INVALID; ticked, Synchronize only remembers the pair, and
the next Refresh compares them as any other."""

from __future__ import annotations

from dataclasses import replace

from smsync_xl.core.compare import Plan
from smsync_xl.core.suggested_ids import IdOrigin
from smsync_xl.core.vocabulary import Status


def with_links(plan: Plan) -> Plan:
    """The plan with each proposed link's row as a LINK row."""
    linked = {i for i, a in plan.assigned.items() if a.origin is IdOrigin.LINK}
    if not linked:
        return plan
    rows = [
        replace(row, status=Status.LINK)
        if row.id in linked and row.status is not Status.INVALID
        else row
        for row in plan.rows
    ]
    return replace(plan, rows=rows)
