"""Property: compare()'s fast path (rows cleared as plainly IN SYNC, values found clean)
gives exactly the plan the rules give when every row goes through them one by one —
statuses, values, reasons, changes and fingerprints — on random and nasty data."""

import dataclasses
import gc
from unittest import mock

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from smsync_xl.core import compare as comparing
from smsync_xl.core.fields import (
    CUSTOMER,
    ENTITIES,
    MATERIAL,
    Entity,
    Limit,
    SageRecord,
    TurboRecord,
)
from smsync_xl.core.settings import FLAG_RULE, EntitySettings, StatusRule
from smsync_xl.core.vocabulary import DEFAULTS_ID, Status

NASTY = [
    "",
    " ",
    "Acme",
    "ACME",
    "acme",
    "Café",
    "Cafe\u0301",
    "a\tb",
    "line\n",
    "x\x1f",
    "\u00a6",
    "bar\u00a6",
    "\u202eevil",
    "\xa0",
    "5000.00",
    "5000.005",
    "-1",
    "1,250.00",
    "5k",
    "30",
    "0",
    "99999999999999999999",
    "1e5",
    "CASH",
    "Cash",
    "INACTIVE",
    "CHARGE",
    "EA",
    "ea",
    "Y",
    "N",
    "x" * 41,
    "y" * 300,
]
PLAUSIBLE = {
    "credit_limit": "5000.00",
    "price": "12.5",
    "terms": "30",
    "tax_exempt": "N",
    "credit_status": "CHARGE",
    "unit": "EA",
    "item_class": "Stock item",
    "inactive": "N",
    "taxable": "Y",
    "restricted": "N",
    "is_default": "N",
}
values = st.one_of(st.none(), st.sampled_from(NASTY), st.text(max_size=12))
VALID_IDS = st.text(alphabet="ABCZ019-_", min_size=4, max_size=8)
IDS = st.one_of(
    VALID_IDS,
    st.text(alphabet="ABCZ019-_ ab.", min_size=0, max_size=17),
    st.sampled_from(["A1", "B2", "ZZDEFAULT", "a1"]),
)
LISTS = {"credit_statuses": ["CASH", "Cash", "CHARGE", "INACTIVE", ""], "units": ["EA", "BOX"]}


@st.composite
def pairs(draw, entity: Entity, record_ids=IDS):
    """A Sage 50 record with every field of the entity (as the sources read them), and
    usually its SMSTurbo record: a copy, or a copy with a change (a blank for a None, a
    field dropped, another letter case, another value)."""
    names = list(entity.turbo_fields)
    record_id = draw(record_ids)
    if draw(st.integers(0, 3)):  # plausible values, so that many rows are in sync
        sage = {n: PLAUSIBLE.get(n, f"V{len(record_id)}") for n in names}
    else:
        sage = {name: draw(values) for name in names}
    sage |= {"id": record_id} | draw(st.dictionaries(st.sampled_from(names), values, max_size=2))
    shape = draw(st.sampled_from(["every field"] * 8 + ["one fewer", "one more"]))
    if shape == "one fewer":
        del sage[draw(st.sampled_from(names[1:]))]
    elif shape == "one more":  # a field of another entity
        sage[draw(st.sampled_from(["unit", "description", "city"]))] = draw(values)
    turbo = None
    if draw(st.integers(0, 4)):
        turbo = dict(sage)
        change = draw(st.sampled_from(["none"] * 4 + ["blank", "drop", "case", "value"]))
        name = draw(st.sampled_from(names))
        if change == "blank":
            turbo |= {n: "" for n, v in turbo.items() if v is None}
        elif change == "drop" and name != "id":
            turbo.pop(name, None)  # "one fewer" may have dropped it from both already
        elif change == "case" and turbo.get(name):
            turbo[name] = str(turbo[name]).swapcase()
        elif change == "value":
            turbo[name] = draw(values)
    problems = draw(st.sampled_from([(), (), (), ("GL account 4000 is not in the Chart",)]))
    return SageRecord(record_id, draw(st.booleans()), sage, problems), turbo


def limits_for(choice: str) -> dict[str, Limit] | None:
    if choice == "reference":
        return None
    reference = comparing.REFERENCE_LIMITS
    shrunk = {n: Limit(length=3) if lim.length else lim for n, lim in reference.items()}
    if choice == "short":
        return shrunk
    return {**comparing.REFERENCE_LIMITS, "name": Limit(length=40, encoding="latin-1")}


@st.composite
def comparisons(draw, record_ids=IDS):
    entity = draw(st.sampled_from(list(ENTITIES.values())))
    unique = draw(st.booleans())  # else an ID may repeat
    folded = (lambda pair: pair[0].id.upper()) if unique else None
    drawn = draw(st.lists(pairs(entity, record_ids), max_size=12, unique_by=folded))
    sage = [s for s, _ in drawn]
    turbo = [TurboRecord(s.id, t) for s, t in drawn if t is not None]
    turbo += [
        TurboRecord(i, {"id": i, entity.title_field: "Old"})
        for i in draw(st.sets(IDS.map("T{}".format)))
    ]
    groups = sorted({f.group for f in entity.turbo_fields.values() if f.group})
    options = EntitySettings(
        include_types=draw(st.sampled_from([frozenset(), frozenset({"V2", "V3", "ACME"})])),
        replace=frozenset(draw(st.sets(st.sampled_from(groups)))),
        defaults=draw(st.sampled_from([{}, {n: "EA" for n in entity.import_defaults}])),
    )
    rule = (
        FLAG_RULE
        if entity is MATERIAL
        else draw(
            st.sampled_from([StatusRule(), StatusRule(active="CASH"), StatusRule(inactive="Cash")])
        )
    )
    keywords = {
        "lookups": draw(st.sampled_from([None, comparing.lookups_from(LISTS)])),
        "rule": rule,
        "template": draw(st.sampled_from([None, {"credit_status": "CASH", "unit": "EA"}])),
        "stored": draw(st.sampled_from([None, ["id", entity.title_field]])),
        "limits": limits_for(draw(st.sampled_from(["reference", "short", "encoding"]))),
    }
    return entity, sage, turbo, options, keywords


def every_row_through_the_rules(_inputs, records):
    """Nothing cleared, nothing checked: every row through every rule."""
    return [None] * len(records), [False] * len(records)


def as_compared(plan: comparing.Plan):
    """Everything a plan holds, each row's attributes in their order."""
    return (
        [(row, row.fingerprint, type(row), list(vars(row).items())) for row in plan.rows],
        plan.turbo_only,
        plan.excluded_by_type,
        plan.template_missing,
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(comparisons(), comparisons(VALID_IDS)))
def test_the_fast_path_gives_the_plan_the_rules_give(compared):
    """Any IDs, or IDs SMSTurbo takes (so that more rows are IN SYNC)."""
    entity, sage, turbo, options, keywords = compared
    fast = comparing.compare(entity, sage, turbo, comparing.ComparisonFacts(options, **keywords))
    with mock.patch.object(comparing, "_screened", every_row_through_the_rules):
        ruled = comparing.compare(
            entity, sage, turbo, comparing.ComparisonFacts(options, **keywords)
        )
    assert as_compared(fast) == as_compared(ruled)


def identical_records() -> tuple[list[SageRecord], list[TurboRecord]]:
    """40 records the same on both sides, with the None a source gives for a field it
    has no column for (SMSTurbo's blank or value there), and SMSTurbo's template."""
    names = list(CUSTOMER.turbo_fields)
    sage = []
    for n in range(40):
        values = dict.fromkeys(names) | {"id": f"C{n}", "name": f"Name {n}", "city": "Ely"}
        sage.append(SageRecord(f"C{n}", False, values | {"credit_limit": "10.00", "fax": ""}))
    turbo = [TurboRecord(r.id, {**r.values, "phone2": "", "credit_status": "CHARGE"}) for r in sage]
    return sage, [*turbo, TurboRecord(DEFAULTS_ID, {"id": DEFAULTS_ID})]


def sent_to_the_rules(sage: list[SageRecord], turbo: list[TurboRecord]) -> list[int]:
    """The rows the screen sends to the rules (all found free of field problems)."""
    inputs = comparing.Comparison.of(
        CUSTOMER,
        sage,
        turbo,
        comparing.ComparisonFacts(
            EntitySettings(),
            lookups=None,
            rule=StatusRule(),
            template_id=DEFAULTS_ID,
            template=None,
            stored=None,
            limits=None,
        ),
    )
    plain, checked = comparing._screened(inputs, sage)
    assert all(checked)
    return [i for i, t in enumerate(plain) if t is None]


def test_the_fast_path_clears_rows_identical_on_both_sides():
    """Records the same on both sides are cleared without the rules; a changed one is
    not."""
    sage, turbo = identical_records()
    turbo[7] = TurboRecord("C7", {**turbo[7].values, "city": "Elsewhere"})
    assert sent_to_the_rules(sage, turbo) == [7]


def test_a_record_smsturbo_lacks_a_field_of_is_doubted_and_so_is_each_change_after_it():
    """SMSTurbo's values are taken as they are compared: a record lacking a field stops
    that pass, and the rows after it are still compared."""
    sage, turbo = identical_records()
    turbo[3] = TurboRecord("C3", {n: v for n, v in turbo[3].values.items() if n != "city"})
    turbo[7] = TurboRecord("C7", {**turbo[7].values, "city": "Elsewhere"})
    assert sent_to_the_rules(sage, turbo) == [3, 7]


def test_compare_runs_without_the_cycle_collector_and_restores_it():
    """compare() makes no reference cycles, so the collector is paused while it runs
    (it would walk every live object again and again), then left as it was."""
    names = list(CUSTOMER.turbo_fields)
    sage = [
        SageRecord(f"C{n}", False, dict.fromkeys(names) | {"id": f"C{n}", "name": f"N{n}"})
        for n in range(20_000)
    ]
    collections: list[str] = []
    options = EntitySettings()

    def counted(phase, _info):
        if phase == "start":
            collections.append(phase)

    gc.collect()
    gc.callbacks.append(counted)
    try:
        comparing.compare(CUSTOMER, sage, [], comparing.ComparisonFacts(options))
        # at most the one its new objects start when it is switched back on
        assert len(collections) <= 1
        assert gc.isenabled()
        gc.disable()
        comparing.compare(CUSTOMER, sage[:10], [], comparing.ComparisonFacts(options))
        assert not gc.isenabled()
    finally:
        gc.callbacks.remove(counted)
        gc.enable()


def test_what_compare_made_is_left_old_for_the_collector_not_young():
    """When compare() switches the collector back on, its rows are in the oldest
    generation, so no collection walks them on the way out; objects the program froze
    itself stay frozen."""
    names = list(CUSTOMER.turbo_fields)
    sage = [
        SageRecord(f"C{n}", False, dict.fromkeys(names) | {"id": f"C{n}", "name": f"N{n}"})
        for n in range(2_000)
    ]
    options = comparing.ComparisonFacts(EntitySettings())
    gc.collect()
    try:
        plan = comparing.compare(CUSTOMER, sage, [], options)
        young = {id(o) for o in gc.get_objects(0) + gc.get_objects(1)}
        assert not young & {id(row) for row in plan.rows}
        gc.freeze()
        held = gc.get_freeze_count()
        comparing.compare(CUSTOMER, sage[:10], [], options)
        assert gc.get_freeze_count() == held
    finally:
        gc.unfreeze()
        gc.enable()


@given(
    st.sampled_from(list(Status)),
    st.sampled_from([None, TurboRecord("A", {"id": "A", "name": "Old"})]),
    st.lists(st.builds(comparing.FieldChange, st.sampled_from(["name", "city"]), values, values)),
    st.lists(st.text(max_size=5), max_size=2),
)
def test_rows_are_built_as_the_dataclass_builds_them(status, turbo, changes, reasons):
    """compare()'s own row builder gives what ``PlanRow(...)`` gives: the same attributes
    in the same order, equal, still frozen, the same fingerprint computed once."""
    sage = SageRecord("A", False, {"id": "A", "name": "New"})
    arguments = (sage, status, {"id": "A"}, turbo, tuple(changes), tuple(changes[1:]))
    built = comparing._row(*arguments, reasons=tuple(reasons))
    made = comparing.PlanRow(*arguments, reasons=tuple(reasons))
    assert type(built) is comparing.PlanRow
    assert list(vars(built).items()) == list(vars(made).items())
    assert built == made
    assert repr(built) == repr(made)
    assert built.fingerprint == made.fingerprint
    assert vars(built)["fingerprint"] == made.fingerprint  # cached
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.status = Status.NEW  # type: ignore[misc]


def test_every_refused_character_is_one_a_printable_value_lacks():
    """The rules look for refused characters only in values that are not printable: each
    refused character must be one ``str.isprintable`` says no to."""
    every_character = "".join(map(chr, range(0x110000)))
    refused = comparing.REFUSED.findall(every_character)
    assert len(refused) > 66
    assert not any(map(str.isprintable, refused))


FEW_SPELLINGS = st.one_of(st.text(alphabet="aAB", min_size=1, max_size=2), IDS)


@given(st.lists(FEW_SPELLINGS, max_size=8), FEW_SPELLINGS)
@example(["a", "A"], "A")
@example(["A", "a"], "a")
@example(["A", "B"], "b")
def test_a_folded_match_is_the_first_spelling_letter_case_ignored(turbo_ids, record_id):
    """Whether SMSTurbo's IDs are all upper-case (kept without a folded index) or not."""
    turbo = [TurboRecord(i, {"id": i}) for i in turbo_ids]
    inputs = comparing.Comparison.of(
        CUSTOMER, [], turbo, comparing.ComparisonFacts(EntitySettings())
    )
    spellings = [i for i in turbo_ids if i != DEFAULTS_ID and i.upper() == record_id.upper()]
    assert inputs.folded_match(record_id) == next(iter(spellings), None)
