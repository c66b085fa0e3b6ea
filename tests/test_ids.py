from hypothesis import given
from hypothesis import strategies as st

from smsync_xl.core.ids import id_problems, suggest_id


def test_valid_ids_have_no_problem():
    for value in ("ACME", "00123", "NEW-CO_1", "A" * 15):
        assert id_problems(value) == []


def test_each_rule_is_named():
    assert id_problems("A" * 16) == ["ID is 16 characters; SMSTurbo allows at most 15"]
    assert id_problems("ACME CO") == ["ID contains a space"]
    assert id_problems("acme") == ["ID has lowercase letters; SMSTurbo IDs are uppercase"]
    assert id_problems("B&B") == ["ID contains '&'; SMSTurbo allows only A-Z, 0-9, - and _"]
    assert id_problems("") == ["ID is empty"]


def test_several_problems_are_all_reported():
    problems = id_problems("j.b. hunt transport co")
    assert len(problems) == 4


def test_suggestion_examples():
    assert suggest_id("ACME CO") == "ACME-CO"
    assert suggest_id("j.b.hunt") == "J-B-HUNT"
    assert suggest_id("LONGCUSTOMERID2024") == "LONGCUSTOMERID2"


@given(st.text(alphabet=st.characters(codec="latin-1"), max_size=25))
def test_a_suggestion_is_valid_or_empty(value):
    suggestion = suggest_id(value)
    assert suggestion == "" or id_problems(suggestion) == []
