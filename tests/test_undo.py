import pytest

from smsync_xl.core.errors import NothingToUndoError
from smsync_xl.core.fields import CUSTOMER
from smsync_xl.core.vocabulary import Status
from smsync_xl.sync.apply import apply
from smsync_xl.sync.undo import undo_last

from .conftest import dump, ids_with


def sync_all(demo):
    chosen = {}
    for entity in ("customers", "vendors"):
        plan = demo.plan(entity)
        chosen[entity] = plan.chosen(ids_with(plan, Status.NEW, Status.DIFFERENT))
    return apply(demo.source, demo.store, demo.settings, chosen, user="tester")


def test_undo_restores_creations_and_updates_exactly(demo):
    path = demo.settings.smsturbo.path
    before = dump(path)
    result = sync_all(demo)
    assert dump(path) != before
    undone = undo_last(demo.store, user="tester")
    assert undone.undone_run == result.run_id
    assert len(undone.restored) == len(demo.store.audit.changes(result.run_id))
    assert undone.left_alone == []
    assert dump(path) == before


def test_records_changed_after_the_run_are_left_alone(demo):
    sync_all(demo)
    demo.store.update(CUSTOMER, "DIFFNAME", {"name": "Edited in SMSTurbo"})
    demo.store.update(CUSTOMER, "PROSPECT1", {"city": "Edited"})
    result = undo_last(demo.store, user="tester")
    assert sorted(c.record_id for c in result.left_alone) == ["DIFFNAME", "PROSPECT1"]
    assert demo.store.fetch(CUSTOMER, "DIFFNAME")["name"] == "Edited in SMSTurbo"
    assert demo.store.fetch(CUSTOMER, "PROSPECT2") is None
    assert "2 left as they are" in result.summary()


def test_undo_is_audited_and_walks_back_one_run_at_a_time(demo):
    path = demo.settings.smsturbo.path
    original = dump(path)
    first = apply(
        demo.source,
        demo.store,
        demo.settings,
        {"customers": demo.plan().chosen(["PROSPECT1"])},
        user="a",
    )
    after_first = dump(path)
    second = apply(
        demo.source,
        demo.store,
        demo.settings,
        {"customers": demo.plan().chosen(["PROSPECT2"])},
        user="b",
    )
    assert undo_last(demo.store, user="c").undone_run == second.run_id
    assert dump(path) == after_first
    assert undo_last(demo.store, user="c").undone_run == first.run_id
    assert dump(path) == original
    kinds = [(r.kind, r.undo_of) for r in demo.store.audit.runs()]
    assert kinds == [("undo", 1), ("undo", 2), ("sync", None), ("sync", None)]
    with pytest.raises(NothingToUndoError):
        undo_last(demo.store, user="c")
