"""Setup's unit map applied to SMSTurbo's list of units: Sage 50's units ("Tonne",
"MT", "Each") rarely are SMSTurbo's ("TON", "EACH"), so the bookkeeper maps them once.
A mapped unit is looked up like one of SMSTurbo's own spellings, letter case ignored;
an unmapped one keeps the item INVALID, with the map's place in the reason."""

from __future__ import annotations

from collections.abc import Mapping

from smsync_xl.core.compare import Lookups
from smsync_xl.core.fields import UNITS
from smsync_xl.core.settings import UnitMap


def with_unit_map(lookups: Lookups, units: UnitMap) -> Lookups:
    """SMSTurbo's lists with each mapped Sage 50 unit added to the units, spelled as
    SMSTurbo spells the unit it maps to. A pair whose SMSTurbo unit SMSTurbo does not
    have adds nothing: its Sage 50 unit stays unknown, and the reason says so."""
    known = lookups.get(UNITS)
    if known is None or not units.by_unit:
        return lookups
    added = {sage: known[turbo] for sage, turbo in units.by_unit.items() if turbo in known}
    return {**lookups, UNITS: {**known, **added}}


def unit_advice(units: UnitMap) -> Mapping[str, str]:
    """What the reason of a unit SMSTurbo does not have adds: the unit map's place, and
    what it holds for the unit when its SMSTurbo unit is not SMSTurbo's."""
    if not units.place:
        return {}
    mapped = "; ".join(f"{sage} = {turbo}" for sage, turbo in units.by_unit.items())
    holds = f" (it holds: {mapped})" if mapped else ""
    return {UNITS: f"or map it to one of SMSTurbo's units in the unit map, {units.place}{holds}"}
