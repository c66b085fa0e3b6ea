"""Property: synchronizing everything valid leaves only INVALID rows to do, and undo
puts SMSTurbo back exactly as it was — for random Sage 50 and SMSTurbo data."""

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smsync_xl.app.open_sides import open_source, open_store
from smsync_xl.core.fields import ENTITIES
from smsync_xl.core.vocabulary import Status
from smsync_xl.demo.company import create_sage_company, create_smsturbo
from smsync_xl.demo.data import ACCOUNTS, DemoLists, DemoRecord
from smsync_xl.files.settings_file import settings_from_values
from smsync_xl.sync.apply import apply, make_plan
from smsync_xl.sync.undo import undo_last

from .conftest import dump, ids_with

ID_ALPHABET = "ABCDEFGHJKZ0129-_ab .&/"
ids = st.text(alphabet=ID_ALPHABET, min_size=1, max_size=17)
words = st.text(
    alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "Zs")), max_size=40
)
limits = st.one_of(st.none(), st.decimals(min_value=0, max_value=99999, places=2))


@st.composite
def values(draw, record_id):
    return {
        "id": record_id,
        "name": draw(words),
        "address1": draw(words),
        "city": draw(st.sampled_from(["Springfield", "Peoria", "", "Zürich"])),
        "zip": draw(st.sampled_from(["02134", "62701", ""])),
        "phone1": draw(st.sampled_from(["217-555-0100", "+1 555 0199", ""])),
        "type": draw(st.sampled_from(["WHOLESAL", "PROSPECT", "retail"])),
        "credit_limit": None if (limit := draw(limits)) is None else str(limit),
    }


@st.composite
def items(draw, record_id):
    return {
        "id": record_id,
        "description": draw(words),
        "item_class": draw(st.sampled_from(["0", "1", "4", "7", "12"])),
        "unit": draw(st.sampled_from(["TON", "ton", "YD", "", "BAG"])),
        "category": draw(st.sampled_from(["AGG", "SAND", "agg", ""])),
        "price": None if (price := draw(limits)) is None else str(price),
        "sales_gl": draw(st.sampled_from([*ACCOUNTS, ""])),
        "expense_gl": draw(st.sampled_from([*ACCOUNTS, ""])),
    }


@st.composite
def datasets(draw, values=values, status=("credit_status", [None, "CASH", "INACTIVE"])):
    sage_ids = draw(st.lists(ids, max_size=12))
    records = []
    for record_id in sage_ids:
        sage = draw(values(record_id))
        turbo = None
        if draw(st.booleans()) and record_id.strip() not in {
            r.turbo["id"] for r in records if r.turbo
        }:
            field, words = status
            turbo = {**draw(values(record_id.strip())), field: draw(st.sampled_from(words))}
            if draw(st.booleans()):
                turbo = {**sage, "id": record_id.strip()}
        records.append(
            DemoRecord(sage, inactive=draw(st.booleans()), padded=draw(st.booleans()), turbo=turbo)
        )
    taken = {r.turbo["id"] for r in records if r.turbo}
    for extra in draw(st.lists(ids.map(str.strip).filter(bool), max_size=4, unique=True)):
        if extra not in taken and extra != "ZZDEFAULT":
            records.append(
                DemoRecord(draw(values(extra)), in_sage=False, turbo=draw(values(extra)))
            )
    return records


def settings_for(folder: Path):
    every_group = {f"{e.key}.replace": ",".join(g.key for g in e.groups) for e in ENTITIES.values()}
    return settings_from_values(
        {"sage50.path": "sage.sqlite", "smsturbo.path": "turbo.sqlite", **every_group},
        base=folder,
        locate=str,
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    customers=datasets(),
    vendors=datasets(),
    materials=datasets(items, ("inactive", [None, "Yes", "No"])),
)
def test_sync_everything_then_undo_restores_exactly(customers, vendors, materials):
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        create_sage_company(folder / "sage.sqlite", DemoLists(customers, vendors, materials))
        create_smsturbo(folder / "turbo.sqlite", DemoLists(customers, vendors, materials))
        config = settings_for(folder)
        source, store = open_source(config), open_store(config)
        before = dump(folder / "turbo.sqlite")

        chosen = {}
        for entity in ENTITIES.values():
            plan = make_plan(entity, source, store, config)
            chosen[entity.key] = plan.chosen(ids_with(plan, Status.NEW, Status.DIFFERENT))
        result = apply(source, store, config, chosen, user="property")
        assert result.count("conflict") == 0

        for entity in ENTITIES.values():
            after = make_plan(entity, source, store, config).counts()
            assert after[Status.NEW] == after[Status.DIFFERENT] == 0

        if result.run_id is not None:
            undone = undo_last(store, user="property")
            assert undone.left_alone == []
        assert dump(folder / "turbo.sqlite") == before
        store.db.close()
        source.db.close()
