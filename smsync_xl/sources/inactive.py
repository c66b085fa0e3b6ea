"""The inactive-status rule both Sage 50 readers (the company's database and its CSV
exports) apply to each record they read, written once."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence

from smsync_xl.core.fields import (
    Entity,
    Record,
    SageRecord,
    each_once,
    flag_problem,
    sage_flag,
)
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


def with_statuses(
    entity: Entity,
    rule: StatusRule,
    records: list[Record],
    problems: Mapping[int, Sequence[str]],
    inactive_flags: Sequence[object],
    flag_label: str,
) -> list[SageRecord]:
    """``with_status`` of each record of a batch (``problems`` by its index), each
    distinct flag and status read once."""
    status = entity.status_field
    flags = each_once(sage_flag, inactive_flags)
    active = each_once(functools.partial(rule.status, False), [r.get(status) for r in records])
    inactive = rule.status(True, None)
    found = []
    for index, (record, flagged, word) in enumerate(zip(records, flags, active, strict=True)):
        problem = problems.get(index, ())
        if flagged is None:
            problem = [*problem, flag_problem(flag_label, inactive_flags[index])]
        record[status] = inactive if flagged else word
        found.append(SageRecord(record["id"] or "", bool(flagged), record, tuple(problem)))
    return found
