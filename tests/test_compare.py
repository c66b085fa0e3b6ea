import pytest

from smsync_xl.core.compare import ComparisonFacts, compare, lookups_from, number_problem
from smsync_xl.core.fields import (
    CREDIT_STATUSES,
    CUSTOMER,
    MATERIAL,
    POSTGRES_NUMERIC,
    UNITS,
    VENDOR,
    Limit,
    SageRecord,
    TurboRecord,
    declared_limit,
    money,
)
from smsync_xl.core.settings import FLAG_RULE, EntitySettings, StatusRule
from smsync_xl.core.vocabulary import Status, View
from smsync_xl.demo.data import EXPECTED


@pytest.mark.parametrize("entity", ["customers", "vendors", "materials"])
def test_demo_counts_match_the_design(demo, entity):
    plan = demo.plan(entity)
    counts = {status.value: n for status, n in plan.counts().items()}
    counts["smsturbo_only"] = len(plan.turbo_only)
    assert counts == EXPECTED[entity]


def record(record_id, name="Name", **values):
    return {"id": record_id, "name": name, **values}


def sage_records(records, inactive=()):
    return [SageRecord(r["id"], r["id"] in inactive, r) for r in records]


def turbo_records(records):
    return [TurboRecord(r["id"], r) for r in records]


def plan_of(sage, turbo, **options):
    return compare(
        CUSTOMER,
        sage_records(sage),
        turbo_records(turbo),
        ComparisonFacts(EntitySettings(**options)),
    )


def test_statuses():
    plan = plan_of(
        [record("NEW1"), record("SAME"), record("DIFF", "New Name"), record("bad id")],
        [record("SAME"), record("DIFF", "Old Name"), record("GONE")],
        replace=frozenset({"name"}),
    )
    assert {r.id: r.status for r in plan.rows} == {
        "NEW1": Status.NEW,
        "SAME": Status.IN_SYNC,
        "DIFF": Status.DIFFERENT,
        "bad id": Status.INVALID,
    }
    assert [r.id for r in plan.turbo_only] == ["GONE"]
    change = plan.by_id["DIFF"].changes[0]
    assert (change.field, change.old, change.new) == ("name", "Old Name", "New Name")


def test_unticked_groups_are_shown_not_applied():
    plan = plan_of(
        [record("A", phone1="2", city="X")],
        [record("A", phone1="1", city="Y")],
        replace=frozenset({"phone"}),
    )
    row = plan.by_id["A"]
    assert row.status is Status.DIFFERENT
    assert [c.field for c in row.changes] == ["phone1"]
    assert [c.field for c in row.other_differences] == ["city"]


def test_name_matching_is_exact():
    plan = plan_of([record("A", "Acme Inc.")], [record("A", "ACME Inc.")])
    assert plan.by_id["A"].status is Status.DIFFERENT


def test_values_sage_does_not_supply_are_not_compared():
    plan = plan_of([record("A", credit_limit=None)], [record("A", credit_limit="10.00")])
    assert plan.by_id["A"].status is Status.IN_SYNC


def test_blank_and_null_text_are_equal_but_zero_is_not_blank():
    plan = plan_of(
        [record("A", address2="", credit_limit="0.00")],
        [record("A", address2=None, credit_limit=None)],
    )
    assert [c.field for c in plan.by_id["A"].other_differences] == ["credit_limit"]


def test_case_only_match_is_invalid_and_never_new():
    plan = plan_of([record("Acme1")], [record("ACME1")])
    row = plan.by_id["Acme1"]
    assert row.status is Status.INVALID
    assert any("only by letter case" in r for r in row.reasons)
    assert plan.turbo_only[0].note == "Sage 50 has Acme1, which matches only by letter case"


def test_duplicates_are_invalid_ignoring_case():
    plan = plan_of([record("DUP"), record("dup")], [])
    assert [r.status for r in plan.rows] == [Status.INVALID, Status.INVALID]
    assert "ID appears 2 times in Sage 50" in plan.rows[0].reasons[0]


def test_zzdefault_is_neither_missing_nor_importable():
    plan = plan_of([record("ZZDEFAULT")], [record("ZZDEFAULT")])
    assert plan.turbo_only == []
    assert plan.rows[0].status is Status.INVALID


def test_too_long_value_is_invalid():
    plan = plan_of([record("A", email="x" * 101)], [])
    assert plan.rows[0].reasons == ("E-mail has 101 characters; SMSTurbo holds at most 100",)


def test_unknown_credit_status_is_invalid():
    plan = compare(
        CUSTOMER,
        sage_records([record("A", credit_status="GOLD")]),
        [],
        ComparisonFacts(
            EntitySettings(), lookups=lookups_from({CREDIT_STATUSES: ["CASH", "INACTIVE"]})
        ),
    )
    assert (
        plan.rows[0]
        .reasons[0]
        .startswith("Credit Status GOLD does not exist in SMSTurbo (it has: CASH, INACTIVE)")
    )


def test_include_types_filter_sage_side_only(demo):
    options = EntitySettings(include_types=frozenset({"PROSPECT"}))
    all_types = demo.plan()
    plan = compare(
        CUSTOMER, demo.source.read(CUSTOMER), demo.store.read(CUSTOMER), ComparisonFacts(options)
    )
    assert [r.id for r in plan.rows] == [f"PROSPECT{n}" for n in range(1, 6)]
    assert [r.id for r in plan.turbo_only] == [r.id for r in all_types.turbo_only]
    assert "C0001" in plan.excluded_by_type


def test_views(demo):
    plan = demo.plan()
    missing = plan.sage_side(View.MISSING_ONLY)
    assert {r.status for r in missing} == {Status.NEW, Status.INVALID}
    not_in_sync = plan.sage_side(View.NOT_IN_SYNC)
    assert Status.DIFFERENT in {r.status for r in not_in_sync}
    assert Status.IN_SYNC not in {r.status for r in not_in_sync}
    assert len(plan.turbo_side(View.MISSING_ONLY)) == 5
    turbo_not_in_sync = {r.id: r.note for r in plan.turbo_side(View.NOT_IN_SYNC)}
    assert turbo_not_in_sync["DIFFNAME"] == "differs from Sage 50: Name"
    assert len(turbo_not_in_sync) == 5 + 9


def test_vendors_compare_the_same_way(demo):
    plan = demo.plan("vendors")
    assert plan.entity is VENDOR
    assert plan.by_id["VDIFFADDR"].changes[0].field == "city"


def test_fingerprint_changes_with_either_side():
    base = plan_of([record("A")], [record("A")]).rows[0].fingerprint
    assert plan_of([record("A", "B")], [record("A")]).rows[0].fingerprint != base
    assert plan_of([record("A")], [record("A", city="Z")]).rows[0].fingerprint != base
    assert plan_of([record("A")], [record("A")]).rows[0].fingerprint == base


def test_a_record_reactivated_in_sage_is_different():
    plan = compare(
        CUSTOMER,
        sage_records([record("A", credit_status=None)]),
        turbo_records(
            [record("ZZDEFAULT", credit_status="CASH"), record("A", credit_status="INACTIVE")]
        ),
        ComparisonFacts(EntitySettings(replace=frozenset({"credit_status"}))),
    )
    change = plan.by_id["A"].changes[0]
    assert (change.field, change.old, change.new) == ("credit_status", "INACTIVE", "CASH")
    explicit = compare(
        CUSTOMER,
        sage_records([record("A")]),
        turbo_records([record("A", credit_status="INACTIVE")]),
        ComparisonFacts(EntitySettings(), rule=StatusRule(active="CHARGE")),
    )
    assert explicit.by_id["A"].other_differences[0].new == "CHARGE"


def test_an_amount_that_is_not_a_number_is_invalid():
    plan = plan_of([record("A", credit_limit="abc", terms="30")], [])
    assert plan.rows[0].reasons == ("Credit Limit 'abc' is not a number; correct it in Sage 50",)


def test_inactive_is_the_records_own_fact_not_a_status_word():
    """A custom inactive status (CLOSED) changes what the sheet shows, never what is
    taken: the default selection reads the inactive flag."""
    rule = StatusRule(inactive="CLOSED")
    plan = compare(
        CUSTOMER,
        sage_records(
            [
                record("GONE", credit_status="CLOSED"),
                record("LIVE"),
                record("ODD", credit_status="INACTIVE"),
            ],
            inactive={"GONE"},
        ),
        turbo_records([record("OLD", credit_status="CLOSED")]),
        ComparisonFacts(EntitySettings(), rule=rule),
    )
    assert plan.by_id["GONE"].inactive and not plan.by_id["ODD"].inactive
    assert set(plan.default_selection()) == {"LIVE", "ODD"}
    assert set(plan.default_selection(include_inactive=True)) == {"GONE", "LIVE", "ODD"}
    assert [r.inactive for r in plan.turbo_only] == [True]


def test_default_selection_takes_differences_only_with_changes_to_apply():
    plan = plan_of(
        [record("NAME", "New"), record("CITY", city="X")],
        [record("NAME", "Old"), record("CITY", city="Y")],
        replace=frozenset({"name"}),
    )
    assert set(plan.default_selection()) == {"NAME"}


def item(record_id, description="Washed Stone", inactive="No", unit="TON", **values):
    return {
        "id": record_id,
        "description": description,
        "inactive": inactive,
        "unit": unit,
        **values,
    }


UNITS_LIST = lookups_from({UNITS: ["TON", "YD"]})


def material_plan(sage, turbo, inactive=(), **options):
    return compare(
        MATERIAL,
        sage_records(sage, inactive),
        turbo_records(turbo),
        ComparisonFacts(EntitySettings(**options), lookups=UNITS_LIST, rule=FLAG_RULE),
    )


def test_a_new_materials_blank_unit_takes_the_import_default_in_smsturbos_spelling():
    template = item("ZZDEFAULT", unit="TON")
    plan = material_plan(
        [item("A", unit=""), item("B", unit="yd"), item("C", unit="BAG")],
        [template],
        defaults={"unit": "yd"},
    )
    a, b, c = (plan.by_id[i] for i in "ABC")
    assert a.status is Status.NEW and a.values["unit"] == "YD"
    assert [ch.describe() for ch in a.changes] == ["Unit: (blank) → YD"]
    assert b.values["unit"] == "YD" and b.changes == ()
    assert c.status is Status.INVALID
    assert c.reasons[0].startswith("Unit BAG does not exist in SMSTurbo (it has: TON, YD)")
    other = material_plan([item("A", unit="")], [template], defaults={"unit": "TON"})
    assert other.by_id["A"].fingerprint != a.fingerprint  # a Setup change is a conflict


def test_without_a_template_or_default_a_new_material_needs_a_unit_and_refresh_says_so():
    plan = material_plan([item("A", unit=""), item("B", unit="TON")], [])
    assert plan.by_id["A"].status is Status.INVALID
    assert (
        "Unit is blank in Sage 50, in Setup's Import Defaults and in the template"
        in (plan.by_id["A"].reasons[0])
    )
    assert plan.by_id["B"].status is Status.NEW
    assert plan.template_missing == (
        "SMSTurbo has no template material ZZDEFAULT: new materials take Sage 50's values "
        "and Setup's Import Defaults (none), other fields stay blank"
    )
    unmapped = compare(
        MATERIAL,
        sage_records([item("A", unit="")]),
        [],
        ComparisonFacts(EntitySettings(), rule=FLAG_RULE, stored=["id", "description", "inactive"]),
    )
    assert unmapped.by_id["A"].status is Status.NEW  # SMSTurbo keeps no unit: none needed
    with_template = material_plan([item("A", unit="")], [item("ZZDEFAULT", unit="TON")])
    assert with_template.template_missing is None
    assert with_template.by_id["A"].status is Status.NEW


def test_an_item_inactive_on_one_side_only_is_different_and_the_sheet_marks_it():
    plan = material_plan(
        [item("BACK"), item("GONE", inactive="Yes"), item("NEWOLD", inactive="Yes")],
        [item("BACK", inactive="Yes"), item("GONE"), item("ONLY", inactive="Yes")],
        inactive={"GONE", "NEWOLD"},
        replace=frozenset({"inactive"}),
    )
    back, gone, new_old = (plan.by_id[i] for i in ("BACK", "GONE", "NEWOLD"))
    assert [c.describe() for c in back.changes] == ["Inactive: Yes → No"]
    assert [c.describe() for c in gone.changes] == ["Inactive: No → Yes"]
    assert back.taken_by_default and gone.taken_by_default
    assert new_old.status is Status.NEW and new_old.inactive and not new_old.taken_by_default
    (only,) = plan.turbo_only
    assert only.inactive


def test_an_empty_description_and_a_reserved_template_id_are_invalid():
    plan = material_plan([item("A", description=" "), item("ZZDEFAULT")], [])
    assert plan.by_id["A"].reasons == ("Description is empty; enter the description in Sage 50",)
    assert "ZZDEFAULT is reserved" in plan.by_id["ZZDEFAULT"].reasons[0]


def test_a_unit_for_new_materials_smsturbo_lacks_makes_them_invalid_naming_setup():
    plan = material_plan([item("A", unit=""), item("B")], [], defaults={"unit": "PALLET"})
    assert plan.by_id["A"].status is Status.INVALID
    assert plan.by_id["A"].reasons[0] == (
        "Unit PALLET does not exist in SMSTurbo (it has: TON, YD); add it there, or change "
        "it in Sage 50 or in Setup"
    )
    assert plan.by_id["B"].status is Status.NEW  # its own unit, TON, needs no default


def test_the_limits_given_are_the_ones_checked():
    """The column sizes come from SMSTurbo's catalogue; without them, the reference
    schema's. A value within the given limit passes even where the reference is smaller."""
    sage = sage_records([record("A", name="x" * 40, credit_limit="12.345", terms="70000")])
    limits = {
        "name": Limit(length=30, column="Cust.Nm"),
        "credit_limit": Limit(digits=20, places=3),
        "terms": Limit(places=0, low=-32768, high=32767, column="Cust.Days"),
    }
    plan = compare(CUSTOMER, sage, [], ComparisonFacts(EntitySettings(), limits=limits))
    assert plan.rows[0].reasons == (
        "Name has 40 characters; SMSTurbo holds at most 30 (column Cust.Nm)",
        "Terms (due days) 70000 is out of range; SMSTurbo's column Cust.Days holds -32768 to "
        "32767; correct it in Sage 50",
    )
    reference = compare(CUSTOMER, sage, [], ComparisonFacts(EntitySettings()))
    assert reference.rows[0].reasons == (
        "Credit Limit 12.345 has 3 decimals; SMSTurbo keeps 2 decimals and SMSync does not "
        "round; correct it in Sage 50",
    )


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("A\ud800B", "Name contains the lone surrogate U+D800 at position 2; remove it in Sage 50"),
        (
            "\x00A\uffff",
            "Name contains the characters U+0000 (control character) at position 1, U+FFFF "
            "(noncharacter) at position 3; remove them in Sage 50",
        ),
        (
            "\U0008fffeX",
            "Name contains the noncharacter U+8FFFE at position 1; remove it in Sage 50",
        ),
    ],
)
def test_characters_no_field_may_hold_are_named(name, reason):
    assert plan_of([record("A", name)], []).rows[0].reasons == (reason,)


def test_a_reason_the_source_gives_makes_the_row_invalid():
    sage = [SageRecord("A", False, record("A"), ("Sales GL # is Chart record 9, …",))]
    plan = compare(CUSTOMER, sage, [], ComparisonFacts(EntitySettings()))
    assert plan.rows[0].status is Status.INVALID
    assert plan.rows[0].reasons == ("Sales GL # is Chart record 9, …",)


def test_changes_show_what_a_reader_would_not_see():
    plan = plan_of(
        [record("A", "Acme\xa0"), record("B", "Bee")], [record("A", "Acme"), record("B", " Bee")]
    )
    shown = {
        i: [c.describe() for c in r.changes + r.other_differences] for i, r in plan.by_id.items()
    }
    assert shown == {"A": ["Name: Acme → 'Acme\\xa0'"], "B": ["Name: ' Bee' → Bee"]}


@pytest.mark.parametrize(
    ("amount", "reason"),
    [
        (
            "1e999999999",
            "Credit Limit 1E+999999999 is too large; SMSTurbo holds at most 9999999999.99",
        ),
        (
            "-10000000000",
            "Credit Limit -10000000000.00 is too small; SMSTurbo holds at least -9999999999.99",
        ),
        ("1e-999999999", "Credit Limit 1E-999999999 has 999999999 decimals; SMSTurbo keeps 2"),
    ],
)
def test_numbers_of_any_size_are_named_never_an_error(amount, reason):
    sage = sage_records([record("A", credit_limit=money(amount))])
    row = compare(CUSTOMER, sage, [], ComparisonFacts(EntitySettings())).rows[0]
    assert row.status is Status.INVALID and row.reasons[0].startswith(reason), row.reasons


def test_a_tinyint_column_refuses_a_negative_number_and_a_flag_is_checked_as_written():
    """TINYINT holds 0 to 255 (a minus sign used to pass its quick check); a yes/no
    field writes 1/0, so a CHAR(1) column holds it although the sheet shows 'Yes'."""
    sage = sage_records([record("A", terms="-5"), record("B", terms="200")])
    limits = {"terms": declared_limit("TINYINT").named("Cust.Days")}
    plan = compare(CUSTOMER, sage, [], ComparisonFacts(EntitySettings(), limits=limits))
    assert plan.by_id["A"].reasons == (
        "Terms (due days) -5 is out of range; SMSTurbo's column Cust.Days holds 0 to 255; "
        "correct it in Sage 50",
    )
    assert plan.by_id["B"].status is Status.NEW
    flagged = compare(
        MATERIAL,
        sage_records([item("C", inactive="Yes")], ["C"]),
        [],
        ComparisonFacts(
            EntitySettings(),
            lookups=UNITS_LIST,
            rule=FLAG_RULE,
            limits={"inactive": declared_limit("CHAR(1)"), "unit": Limit()},
        ),
    )
    assert flagged.by_id["C"].status is Status.NEW, flagged.by_id["C"].reasons


def test_a_unit_that_is_only_invisible_space_is_a_value_not_a_blank():
    """NBSP, TAB or an em space alone was taken as 'no unit' (strip()): now it is a value
    SMSTurbo's list lacks, quoted so the reader sees it."""
    for unit in ("\xa0", "\u2003"):
        plan = material_plan([item("A", unit=unit)], [], defaults={"unit": "TON"})
        assert plan.by_id["A"].status is Status.INVALID
        assert (
            plan.by_id["A"]
            .reasons[0]
            .startswith(f"Unit {unit!r} does not exist in SMSTurbo (it has: TON, YD)")
        )


def test_names_differing_only_in_a_combining_mark_show_the_difference():
    """Café (NFC) and Cafe + U+0301 (NFD) look alike: the change shows the escape."""
    plan = plan_of(
        [record("A", name="Cafe\u0301")],
        [record("A", name="Caf\u00e9")],
        replace=frozenset({"name"}),
    )
    (change,) = plan.by_id["A"].changes
    assert change.describe() == "Name: Café → 'Cafe\\u0301'"


def test_a_value_longer_than_an_excel_cell_is_invalid_and_ids_get_plain_suggestions():
    sage = sage_records(
        [record("A", name="x" * 32768), record("ＡＢＣ"), record("Ⅻ"), record("日本")]
    )
    plan = compare(CUSTOMER, sage, [], ComparisonFacts(EntitySettings(), limits={"name": Limit()}))
    assert plan.by_id["A"].reasons == (
        "Name has 32768 characters; an Excel cell holds at most 32767, so the sheets could "
        "not show it; shorten it in Sage 50",
    )
    assert "suggested ID: ABC (change it in Sage 50)" in plan.by_id["ＡＢＣ"].reasons
    assert "suggested ID: XII (change it in Sage 50)" in plan.by_id["Ⅻ"].reasons
    assert not any("suggested" in r for r in plan.by_id["日本"].reasons)


def test_an_unconstrained_postgresql_numeric_has_its_real_bounds():
    """131072 digits before the point, 16383 after: beyond them the row is INVALID at
    Refresh, not a failed batch at Synchronize."""
    limit = POSTGRES_NUMERIC.named("Customers.CreditLimit")
    assert number_problem("Credit Limit", "1E+200000", limit) == (
        "Credit Limit 1E+200000 is too large; SMSTurbo's column Customers.CreditLimit holds "
        "at most 131072 digits before the decimal point"
    )
    assert number_problem("Credit Limit", "1E-16384", limit).startswith(
        "Credit Limit 1E-16384 has 16384 decimals"
    )
    assert number_problem("Credit Limit", "1E+131071", limit) is None
