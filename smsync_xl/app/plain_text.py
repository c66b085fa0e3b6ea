"""Plain-text views of plans, results and the audit, shared by the CLI and the Log.

Everything printed here may hold text from Sage 50 or SMSTurbo. It is shown as read,
except that every control character and bidirectional-text control is shown inert, as
its escape (``\\x1b``, ``\\u202e``): a name holding an escape sequence must never clear
the screen or retitle the terminal, nor one holding a right-to-left override read as
another name.
"""

from __future__ import annotations

from smsync_xl.core.compare import Plan, PlanRow
from smsync_xl.core.compare import inert as inert  # declared with what it escapes
from smsync_xl.core.vocabulary import RunKind, Status, View
from smsync_xl.smsturbo.audit import Change, Run
from smsync_xl.sync.apply import SyncResult
from smsync_xl.sync.undo import UndoResult

__all__ = [
    "change_lines",
    "counts_line",
    "inert",
    "plan_lines",
    "result_lines",
    "row_detail",
    "run_lines",
    "undo_lines",
]


def _lines(lines: list[str]) -> list[str]:
    """The last guard: no line leaves this module with a live control character."""
    return [inert(line) for line in lines]


def counts_line(plan: Plan) -> str:
    counts = plan.counts()
    parts = [f"{counts[s]} {s.value}" for s in Status]
    parts.append(f"{len(plan.turbo_only)} SMSTurbo-only")
    if plan.excluded_by_type:
        parts.append(f"{len(plan.excluded_by_type)} left out by Include Types")
    return f"{plan.entity.plural}: " + ", ".join(parts)


def row_detail(row: PlanRow) -> str:
    if row.status is Status.INVALID:
        return inert("; ".join(row.reasons))
    shown = [c.describe() for c in row.changes]
    shown += [f"(not applied) {c.describe()}" for c in row.other_differences]
    if row.inactive and row.status is Status.NEW:
        shown.append("inactive in Sage 50")
    shown += row.sage.notes
    return inert("; ".join(shown))


def plan_lines(plan: Plan, view: View) -> list[str]:
    """The two lists the workbook shows, as text."""
    title = plan.entity.title_field
    lines = [counts_line(plan)]
    if plan.template_missing:
        lines.append(f"  Note: {plan.template_missing}")
    lines.append(f"  Sage50-only ({view.label}):")
    for row in plan.sage_side(view):
        name = inert(row.values.get(title) or "")
        lines.append(
            f"    {row.status.value:<9} {inert(row.id):<20} {name:<40} {row_detail(row)}".rstrip()
        )
    lines.append(f"  SMSTurbo-only ({view.label}):")
    for turbo in plan.turbo_side(view):
        name = inert(turbo.record.values.get(title) or "")
        lines.append(f"    {inert(turbo.id):<30} {name:<40} {turbo.note}")
    return _lines(lines)


def result_lines(result: SyncResult, compare: str) -> list[str]:
    """Each row's result, then the summary; ``compare`` is the speaking face's way to
    compare both systems again."""
    lines = [f"  {r.entity:<10} {inert(r.id):<20} {r.describe(compare)}" for r in result.results]
    run = f" (run {result.run_id})" if result.run_id else ""
    return _lines([*lines, result.summary() + run])


def undo_lines(result: UndoResult) -> list[str]:
    """The summary, one record left alone a line."""
    if not result.left_alone:
        return _lines([result.headline()])
    lines = [f"  {left.describe()}" for left in result.left_alone]
    return _lines([f"{result.headline()}:", *lines, result.still_undoable()])


def run_lines(runs: list[Run]) -> list[str]:
    """Every run; a synchronization says whether its undos took it back wholly or partly."""
    undos: dict[int, list[str]] = {}
    for run in sorted(runs, key=lambda r: r.run_id):
        if run.kind is RunKind.UNDO and run.undo_of is not None:
            undos.setdefault(run.undo_of, []).append(str(run.run_id))
    lines = []
    for run in runs:
        state = ""
        if run.run_id in undos:
            by = ", ".join(undos[run.run_id])
            state = f"  [undone by run {by}]" if run.undone else f"  [partly undone by run {by}]"
        lines.append(
            f"{run.run_id:>4}  {run.kind.value:<5} {run.started_at}  {inert(run.user):<12} "
            f"{run.company}: {run.summary}{state}"
        )
    return _lines(lines)


def change_lines(changes: list[Change]) -> list[str]:
    """Every value a run changed, before → after."""
    lines = []
    for change in changes:
        lines.append(f"{change.action.value:<7} {change.entity:<10} {change.record_id}")
        before, after = change.before or {}, change.after or {}
        names = set(before) | set(after)
        if change.before is not None and change.after is not None:
            names = set(before) & set(after)  # a synchronization kept the columns it set
        for name in sorted(names):
            if before.get(name) != after.get(name):
                lines.append(f"    {name}: {before.get(name)!r} → {after.get(name)!r}")
    return _lines(lines)
