"""Plain-text views of plans and results, shared by the CLI and the workbook's Log."""

from __future__ import annotations

from smsync_xl.core.compare import MISSING_ONLY, Plan, PlanRow, Status
from smsync_xl.smsturbo.store import Run
from smsync_xl.sync.apply import SyncResult

VIEW_LABELS = {MISSING_ONLY: "missing only", "not_in_sync": "not in sync"}


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
    if row.sage.get("credit_status") == "INACTIVE" and row.status is Status.NEW:
        shown.append("inactive in Sage 50")
    return "; ".join(shown)


def plan_lines(plan: Plan, view: str) -> list[str]:
    """The two lists the workbook shows, as text."""
    lines = [counts_line(plan), f"  Sage50-only ({VIEW_LABELS[view]}):"]
    for row in plan.sage_side(view):
        lines.append(
            f"    {row.status.value:<9} {row.id:<20} {row.sage.get('name') or '':<40} "
            f"{row_detail(row)}".rstrip()
        )
    lines.append(f"  SMSTurbo-only ({VIEW_LABELS[view]}):")
    for turbo in plan.turbo_side(view):
        lines.append(f"    {turbo.id:<30} {turbo.record.get('name') or '':<40} {turbo.note}")
    return lines


def result_lines(result: SyncResult) -> list[str]:
    lines = [f"  {r.entity:<10} {r.id:<20} {r.describe()}" for r in result.results]
    run = f" (run {result.run_id})" if result.run_id else ""
    return [*lines, result.summary() + run]


def run_lines(runs: list[Run]) -> list[str]:
    undone = {r.undo_of: r.run_id for r in runs if r.kind == "undo"}
    lines = []
    for run in runs:
        state = f"  [undone by run {undone[run.run_id]}]" if run.run_id in undone else ""
        lines.append(
            f"{run.run_id:>4}  {run.kind:<5} {run.started_at}  {run.user:<12} "
            f"{run.company}: {run.summary}{state}"
        )
    return lines
