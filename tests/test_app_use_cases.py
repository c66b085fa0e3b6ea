"""The use cases the command line used to decide itself, called as the faces call
them: the choice of records, on the demo's real SQLite files."""

from __future__ import annotations

from smsync_xl import app
from smsync_xl.app.saved_plan import load_plan, save_plan
from smsync_xl.demo.company import create_demo
from smsync_xl.files.settings_file import load_settings
from smsync_xl.pc.doctor import doctor_settings

from .test_cli import only_types


def test_choose_from_sage_names_unknown_and_type_filtered_ids(tmp_path):
    settings_path = create_demo(tmp_path)
    only_types(settings_path, "customers", "WHOLESAL")
    session = app.open_session(load_settings(settings_path))
    choice = app.choose(session, None, ["PROSPECT1", "DIFFNAME", "NOSUCHID"])
    assert choice.unknown == ["NOSUCHID"]
    assert [(each.entity.key, each.id, each.sage_type) for each in choice.left_out] == [
        ("customers", "PROSPECT1", "PROSPECT")
    ]
    assert list(choice.chosen["customers"]) == ["DIFFNAME"]
    default = app.choose(session, "customers", [])
    expected = app.default_choice(app.plans(session, "customers").plans)
    assert default.chosen == expected and not default.unknown and not default.left_out


def test_choose_from_a_saved_plan_names_ids_it_does_not_hold(tmp_path):
    settings_path = create_demo(tmp_path)
    session = app.open_session(load_settings(settings_path))
    plans = app.plans(session, "customers").plans
    saved_path = tmp_path / "plan.json"
    save_plan(saved_path, plans, session.company(), session.source.location())
    choice = app.choose(session, "customers", ["DIFFNAME", "NOSUCHID"], saved=load_plan(saved_path))
    assert choice.unknown == ["NOSUCHID"]
    assert list(choice.chosen["customers"]) == ["DIFFNAME"]


def test_doctor_takes_the_books_setup_else_the_settings_file_else_none(tmp_path):
    settings_path = create_demo(tmp_path)
    from_file, problem = doctor_settings(settings_path, None)
    assert problem is None and from_file == load_settings(settings_path)
    book_settings = load_settings(settings_path)
    assert doctor_settings(settings_path, lambda: book_settings) == (book_settings, None)
    assert doctor_settings(tmp_path / "none.toml", None) == (None, None)
    broken = tmp_path / "broken.toml"
    broken.write_text("[sage50\n", encoding="utf-8")
    settings, problem = doctor_settings(broken, None)
    assert settings is None and problem is not None and str(broken) in str(problem)


def test_run_demo_synchronizes_what_check_all_ticks_and_compares_again(tmp_path):
    ran = app.run_demo(tmp_path, force=False)
    before = app.preview(ran.before.plans)
    assert ran.result.run_id is not None and not ran.result.conflicts
    assert ran.result.summary().startswith(
        f"Import completed: {before.create} created, {before.update} updated"
    )
    after = app.preview(ran.after)
    assert (after.create, after.update) == (0, 0)
    assert [p.entity.key for p in ran.after] == [p.entity.key for p in ran.before.plans]
    assert ran.settings_path == tmp_path / "settings.toml"


def test_the_synchronize_question_is_one_fact_for_both_faces(tmp_path):
    settings_path = create_demo(tmp_path)
    session = app.open_session(load_settings(settings_path))
    chosen = app.choose(session, None, []).chosen
    asked = app.synchronize_question(session.company(), chosen)
    every = [(key, i) for key, marks in chosen.items() for i in marks]
    assert asked.company == session.company()
    assert asked.counts == {key: len(marks) for key, marks in chosen.items() if marks}
    assert asked.total == len(every) > app.session.NAMED_IN_QUESTION
    assert asked.first == every[: app.session.NAMED_IN_QUESTION]
    assert asked.more == len(every) - app.session.NAMED_IN_QUESTION
