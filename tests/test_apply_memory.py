"""Synchronize holds only what the chosen rows need once they are decided: the records
of both sides and the plan's rows nobody ticked (most of a large company is IN SYNC)
are let go before the writes, the re-read and the audit, so a large company's run
does not hold them all through the transaction."""

from __future__ import annotations

import gc
import tracemalloc

from smsync_xl.core.fields import CUSTOMER
from smsync_xl.core.vocabulary import Outcome, Status
from smsync_xl.demo.company import DEMO_FILES, create_demo, create_sage_company, create_smsturbo
from smsync_xl.demo.data import DemoLists, DemoRecord
from smsync_xl.sync import apply as apply_module
from smsync_xl.sync.apply import apply, make_plan

from .conftest import demo_at, ids_with

RECORDS = 3000
TICKED = 30


def customer(n: int) -> dict[str, str]:
    return {
        "id": f"C{n:06d}",
        "name": f"Customer {n} Hauling",
        "address1": f"{n} Quarry Rd",
        "city": "Springfield",
        "state": "IL",
        "zip": "62701",
        "phone1": "217-555-0100",
        "credit_limit": "100.00",
        "terms": "30",
    }


def company() -> DemoLists:
    """Mostly IN SYNC; every 100th record differs in SMSTurbo by its phone."""
    found = []
    for n in range(RECORDS):
        values = customer(n)
        turbo = {**values, "phone1": "217-555-0999"} if n % 100 == 0 else dict(values)
        found.append(DemoRecord(values, turbo=turbo))
    return DemoLists(found)


def test_the_records_and_unticked_rows_are_let_go_before_writing(tmp_path, monkeypatch):
    settings_path = create_demo(tmp_path)
    sage, turbo, _ = (tmp_path / name for name in DEMO_FILES)
    sage.unlink()
    turbo.unlink()
    create_sage_company(sage, company())
    create_smsturbo(turbo, company())
    demo = demo_at(tmp_path, settings_path)
    plan = make_plan(CUSTOMER, demo.source, demo.store, demo.settings)
    chosen = plan.chosen(ids_with(plan, Status.DIFFERENT))
    assert len(chosen) == TICKED
    del plan
    held: list[int] = []
    write = apply_module._Writer.write

    def writing(self, changes):  # what the run holds as the writes begin
        gc.collect()
        held.append(tracemalloc.get_traced_memory()[0])
        return write(self, changes)

    monkeypatch.setattr(apply_module._Writer, "write", writing)
    gc.collect()
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        records = make_plan(CUSTOMER, demo.source, demo.store, demo.settings)
        planned = tracemalloc.get_traced_memory()[0] - start
        del records
        gc.collect()
        start = tracemalloc.get_traced_memory()[0]
        result = apply(demo.source, demo.store, demo.settings, {"customers": chosen}, user="t")
    finally:
        tracemalloc.stop()
    assert result.count(Outcome.UPDATED) == TICKED, result.summary()
    assert planned > 1_000_000  # both sides' 3,000 records and the plan's rows
    # before: the plan and Sage 50's records, nearly all of it (0.9x); now 30 writes
    assert held[0] - start < planned * 0.2, (held[0] - start, planned)
