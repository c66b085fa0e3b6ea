"""Plain-text views of plans, results and the audit, shared by the CLI and the Log.

Everything printed here may hold text from Sage 50 or SMSTurbo; it is shown as read.
"""

from __future__ import annotations

from smsync_xl.core.compare import Plan, PlanRow
from smsync_xl.core.vocabulary import RunKind, Status, View
from smsync_xl.smsturbo.audit import Change, Run
from smsync_xl.sync.apply import SyncResult
from smsync_xl.sync.undo import UndoResult


def counts_line(plan: Plan) -> str:
    counts = plan.counts()
    parts = [f"{counts[s]} {s.value}" for s in Status]
    parts.append(f"{len(plan.turbo_only)} SMSTurbo-only")
    if plan.excluded_by_type:
        parts.append(f"{len(plan.excluded_by_type)} left out by Include Types")
    return f"{plan.entity.plural}: " + ", ".join(parts)


def row_detail(row: PlanRow) -> str:
    if row.status is Status.INVALID:
        return "; ".join(row.reasons)
    shown = [c.describe() for c in row.changes]
    shown += [f"(not applied) {c.describe()}" for c in row.other_differences]
    if row.inactive and row.status is Status.NEW:
        shown.append("inactive in Sage 50")
    return "; ".join(shown)


def plan_lines(plan: Plan, view: View) -> list[str]:
    """The two lists the workbook shows, as text."""
    lines = [counts_line(plan), f"  Sage50-only ({view.label}):"]
    for row in plan.sage_side(view):
        lines.append(
            f"    {row.status.value:<9} {row.id:<20} {row.values.get('name') or '':<40} "
            f"{row_detail(row)}".rstrip()
        )
    lines.append(f"  SMSTurbo-only ({view.label}):")
    for turbo in plan.turbo_side(view):
        name = turbo.record.values.get("name") or ""
        lines.append(f"    {turbo.id:<30} {name:<40} {turbo.note}")
    return lines


def result_lines(result: SyncResult) -> list[str]:
    lines = [f"  {r.entity:<10} {r.id:<20} {r.describe()}" for r in result.results]
    run = f" (run {result.run_id})" if result.run_id else ""
    return [*lines, result.summary() + run]


def undo_lines(result: UndoResult) -> list[str]:
    lines = [f"  left alone: {c.entity} {c.record_id} (changed since)" for c in result.left_alone]
    return [*lines, result.summary()]


def run_lines(runs: list[Run]) -> list[str]:
    undone = {r.undo_of: r.run_id for r in runs if r.kind is RunKind.UNDO}
    lines = []
    for run in runs:
        state = f"  [undone by run {undone[run.run_id]}]" if run.run_id in undone else ""
        lines.append(
            f"{run.run_id:>4}  {run.kind.value:<5} {run.started_at}  {run.user:<12} "
            f"{run.company}: {run.summary}{state}"
        )
    return lines


def change_lines(changes: list[Change]) -> list[str]:
    """Every value a run changed, before → after."""
    lines = []
    for change in changes:
        lines.append(f"{change.action.value:<7} {change.entity:<10} {change.record_id}")
        before, after = change.before or {}, change.after or {}
        for name in sorted(set(before) | set(after)):
            if before.get(name) != after.get(name):
                lines.append(f"    {name}: {before.get(name)!r} → {after.get(name)!r}")
    return lines
