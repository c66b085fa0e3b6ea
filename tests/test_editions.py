"""The Sage 50 edition: a settings key and a Setup row beside the company, one place
that picks the reader for (edition, kind), and the edition's words in what the
bookkeeper reads."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from click.testing import CliRunner

from smsync_xl.app.open_sides import open_source
from smsync_xl.book.file import FileBook
from smsync_xl.book.layout import SETUP, setup_layout
from smsync_xl.book.setup_sheet import read_setup
from smsync_xl.cli import main
from smsync_xl.core.errors import SettingsError
from smsync_xl.core.vocabulary import Edition
from smsync_xl.demo.canada import create_canada_demo
from smsync_xl.demo.company import create_demo
from smsync_xl.files.settings_file import load_settings


def _settings_with(folder: Path, sage50_lines: str) -> Path:
    """The demo's settings, the [sage50] section's first lines replaced by these."""
    settings = create_demo(folder)
    text = settings.read_text(encoding="utf-8")
    demo = '[sage50]\nkind = "sqlite"\n'
    assert demo in text
    settings.write_text(text.replace(demo, f"[sage50]\n{sage50_lines}\n", 1), "utf-8")
    return settings


def test_the_edition_is_us_unless_the_settings_say_otherwise(tmp_path):
    assert load_settings(create_demo(tmp_path)).edition is Edition.US
    canada = load_settings(_settings_with(tmp_path / "ca", 'kind = "sqlite"\nedition = "Canada"'))
    assert canada.edition is Edition.CANADA


def test_an_unknown_edition_names_the_key_and_the_editions(tmp_path):
    settings = _settings_with(tmp_path, 'kind = "sqlite"\nedition = "france"')
    with pytest.raises(SettingsError) as raised:
        load_settings(settings)
    error = raised.value
    assert error.message == "'france' is not a Sage 50 edition"
    assert error.where.endswith("sage50.edition")
    assert error.advice == (
        "Choose one of: us, canada, uk (us = Sage 50 US, canada = Sage 50 Canadian "
        "Edition, uk = Sage 50 Accounts (UK))."
    )


def test_only_the_us_edition_defaults_to_the_peachtree_user(tmp_path):
    odbc = 'kind = "odbc"\ndsn = "Company"\nedition = '
    us = load_settings(_settings_with(tmp_path / "us", odbc + '"us"'))
    canada = load_settings(_settings_with(tmp_path / "ca", odbc + '"canada"'))
    assert (us.sage50.user, canada.sage50.user) == ("Peachtree", "")


def test_an_edition_that_cannot_be_read_that_way_is_a_plain_message(tmp_path):
    canada = load_settings(_settings_with(tmp_path, 'kind = "sqlite"\nedition = "canada"'))
    exports = dataclasses.replace(canada.sage50, kind="csv", path=tmp_path)
    with pytest.raises(SettingsError) as raised:
        open_source(dataclasses.replace(canada, sage50=exports))
    assert raised.value.message == "SMSync cannot read Sage 50 Canadian Edition from csv"


def test_the_setup_sheet_has_the_edition_beside_the_company(tmp_path):
    layout = setup_layout()
    row = layout.setting("sage50.edition")
    assert (row.label, row.default) == ("Sage 50 edition", "us")
    assert row.choices == ("us", "canada", "uk")
    assert row.row == layout.setting("sage50.kind").row - 1
    result = CliRunner().invoke(main, ["install", "--dest", str(tmp_path), "--demo"])
    assert result.exit_code == 0, result.output
    book = FileBook(tmp_path / "SMSync.xlsm", confirm=bool, alert=print, status=print)
    assert read_setup(book)[0].edition is Edition.US
    book.write_cell(SETUP, row.cell, "canada")
    assert read_setup(book)[0].edition is Edition.CANADA
    book.write_cell(SETUP, row.cell, "peru")
    with pytest.raises(SettingsError) as raised:
        read_setup(book)
    assert raised.value.where == f"Setup sheet, cell {row.cell} (Sage 50 edition)"


def test_install_demo_edition_canada_gives_a_workbook_that_reads_the_canada_demo(tmp_path):
    runner = CliRunner()
    installed = runner.invoke(
        main, ["install", "--dest", str(tmp_path), "--demo", "--edition", "canada"]
    )
    assert installed.exit_code == 0, installed.output
    book = tmp_path / "SMSync.xlsm"
    result = runner.invoke(main, ["refresh", str(book), "--yes"])
    assert result.exit_code == 0, result.output
    assert "Is this the correct Sage 50 Canadian Edition company?" in result.output
    assert "Granulats Saint-Laurent Ltée" in result.output
    assert "Customers: 8 NEW, 2 DIFFERENT, 4 IN SYNC, 0 INVALID" in result.output


def test_install_edition_without_demo_is_refused_before_anything_is_written(tmp_path):
    result = CliRunner().invoke(main, ["install", "--dest", str(tmp_path), "--edition", "canada"])
    assert result.exit_code == 1, result.output
    assert "--edition canada chooses the demo company's edition" in result.output
    assert list(tmp_path.iterdir()) == []


def test_doctor_speaks_the_canada_edition(tmp_path):
    settings = create_canada_demo(tmp_path)
    result = CliRunner().invoke(main, ["doctor", "--settings", str(settings)])
    assert 'Sage 50 (sqlite): ok, company "Granulats Saint-Laurent Ltée"' in result.output
    assert (
        "  edition  Sage 50 Canadian Edition: customer names, vendors, inventory items; "
        "its province → State, postal code → ZIP, account → Sales GL #\n" in result.output
    )


@pytest.mark.parametrize(("edition", "user"), [("canada", ""), ("uk", "MANAGER")])
def test_install_demo_edition_sets_the_edition_s_sage_50_user(tmp_path, edition, user):
    installed = CliRunner().invoke(
        main, ["install", "--dest", str(tmp_path), "--demo", "--edition", edition]
    )
    assert installed.exit_code == 0, installed.output
    book = FileBook(tmp_path / "SMSync.xlsm", confirm=bool, alert=print, status=print)
    settings, _ = read_setup(book)
    assert settings.sage50.user == user
