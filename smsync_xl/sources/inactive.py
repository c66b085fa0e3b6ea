"""The inactive-status rule both Sage 50 readers (the company's database and its CSV
exports) apply to each record they read, written once."""

from __future__ import annotations

from collections.abc import Sequence

from smsync_xl.core.fields import Entity, Record, SageRecord, flag_problem, sage_flag
from smsync_xl.core.settings import StatusRule


def with_status(
    entity: Entity,
    rule: StatusRule,
    record: Record,
    problems: Sequence[str],
    inactive_flag: object,
    flag_label: str,
) -> SageRecord:
    """The record read, with its Inactive flag taken as Sage 50 writes a yes/no (anything
    else is a problem of the row, never guessed; the record then counts as active) and
    its status field set from it by Setup's status rule (``record`` gets that value)."""
    flagged = sage_flag(inactive_flag)
    if flagged is None:
        problems = [*problems, flag_problem(flag_label, inactive_flag)]
    inactive = bool(flagged)
    status = entity.status_field
    record[status] = rule.status(inactive, record.get(status))
    return SageRecord(record["id"] or "", inactive, record, tuple(problems))
