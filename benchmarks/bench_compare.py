"""compare() of N Sage 50 customers against N SMSTurbo customers.

Prints the best of several runs, and two ratios measured in the same run (these
machines are shared and noisy): 100k against 10k (should be ~10: linear), and
compare() against a plain dict copy of the same rows (machine-independent cost).

    python benchmarks/bench_compare.py            # 100,000 against 100,000
    python benchmarks/bench_compare.py --rows 20000
"""

from __future__ import annotations

import argparse
import time

from smsync_xl.core.compare import ComparisonFacts, compare
from smsync_xl.core.fields import CUSTOMER, Record, SageRecord, TurboRecord
from smsync_xl.core.settings import EntitySettings


def records(count: int) -> tuple[list[SageRecord], list[TurboRecord]]:
    """90% in sync, 5% different (phone), 5% new, plus 5% SMSTurbo-only."""
    sage: list[Record] = []
    turbo: list[Record] = []
    for n in range(count):
        record = {
            "id": f"C{n:08d}",
            "name": f"Customer {n} Hauling LLC",
            "address1": f"{n} Main St",
            "address2": "",
            "city": "Springfield",
            "state": "IL",
            "zip": f"{n % 99999:05d}",
            "country": "USA",
            "contact": "Pat Lee",
            "phone1": "217-555-0100",
            "phone2": None,
            "fax": "",
            "email": f"c{n}@example.com",
            "type": "WHOLESAL",
            "credit_status": None,
            "credit_limit": "5000.00",
            "terms": "30",
        }
        sage.append(record)
        if n % 20 == 0:
            continue
        copy = dict(record)
        if n % 20 == 1:
            copy["phone1"] = "217-555-0999"
        turbo.append(copy)
    turbo += [{**sage[0], "id": f"T{n:08d}"} for n in range(count // 20)]
    return (
        [SageRecord(str(r["id"]), False, r) for r in sage],
        [TurboRecord(str(r["id"]), r) for r in turbo],
    )


def best(action, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    options = EntitySettings(replace=frozenset({"phone", "address"}))

    def run(count: int):
        sage, turbo = records(count)
        return (
            best(lambda: compare(CUSTOMER, sage, turbo, ComparisonFacts(options)), args.repeat),
            best(lambda: [dict(r.values) for r in [*sage, *turbo]], args.repeat),
        )

    small, _ = run(args.rows // 10)
    full, copy = run(args.rows)
    plan = compare(CUSTOMER, *records(args.rows), ComparisonFacts(options))
    print(
        f"rows: {args.rows:,} Sage 50 against {args.rows * 19 // 20 + args.rows // 20:,} SMSTurbo"
    )
    print(
        f"counts: { {s.value: n for s, n in plan.counts().items()} }, "
        f"SMSTurbo-only {len(plan.turbo_only):,}"
    )
    print(f"compare(): {full:.3f} s (best of {args.repeat})")
    print(f"ratio {args.rows:,} / {args.rows // 10:,} rows: {full / small:.1f}")
    print(f"ratio compare() / dict copy of the same rows: {full / copy:.1f}")


if __name__ == "__main__":
    main()
