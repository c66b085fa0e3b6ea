from pathlib import Path

import pytest

from smsync_xl.core.errors import SettingsError
from smsync_xl.files.settings_file import load_settings, settings_from_values


def values(**extra):
    base = {"sage50.path": "sage.sqlite", "smsturbo.path": "turbo.sqlite"}
    base.update(extra)
    return base


def build(tmp_path: Path, **extra):
    (tmp_path / "sage.sqlite").touch()
    return settings_from_values(values(**extra), base=tmp_path, locate=lambda k: f"Setup!{k}")


def test_include_types_are_case_insensitive_and_comma_separated(tmp_path):
    settings = build(tmp_path, **{"customers.include_types": "prospect, Retail"})
    options = settings.entities["customers"]
    assert options.include_types == {"PROSPECT", "RETAIL"}
    assert options.includes_type("Prospect") and not options.includes_type("WHOLESAL")
    assert settings.entities["vendors"].includes_type("ANYTHING")


def test_replace_options_accept_keys_and_labels(tmp_path):
    settings = build(tmp_path, **{"customers.replace": ["address", "Phone numbers (phones, fax)"]})
    assert settings.entities["customers"].replace == {"address", "phone"}


def test_unknown_replace_option_names_the_place(tmp_path):
    with pytest.raises(SettingsError) as error:
        build(tmp_path, **{"vendors.replace": "address, colour"})
    assert error.value.where == "Setup!vendors.replace"
    assert "'colour' is not a Replace Option" in str(error.value)


def test_missing_sage_file_is_reported_before_connecting(tmp_path):
    with pytest.raises(SettingsError, match="does not exist") as error:
        settings_from_values(values(), base=tmp_path, locate=lambda k: k)
    assert error.value.where == "sage50.path"


def test_bad_view(tmp_path):
    with pytest.raises(SettingsError, match="'sideways' is not one of"):
        build(tmp_path, view="sideways")


def test_toml_file_errors_name_the_file(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text("view = [", encoding="utf-8")
    with pytest.raises(SettingsError, match=r"settings\.toml: the settings file is not valid TOML"):
        load_settings(path)
    with pytest.raises(SettingsError, match="not found"):
        load_settings(tmp_path / "missing.toml")


def test_credit_status_rule(tmp_path):
    settings = build(
        tmp_path, **{"credit_status.active": "charge", "credit_status.map": {"Always Hold": "HOLD"}}
    )
    rule = settings.credit_status
    assert rule.status(True, "Always Hold") == "INACTIVE"
    assert rule.status(False, "always hold") == "HOLD"
    assert rule.status(False, None) == "CHARGE"


def test_odbc_settings_default_to_the_peachtree_user_and_need_a_dsn_or_driver(tmp_path):
    settings = build(tmp_path, **{"sage50.kind": "odbc", "sage50.dsn": "Bellwether"})
    assert (settings.sage50.kind, settings.sage50.dsn, settings.sage50.user) == (
        "odbc",
        "Bellwether",
        "Peachtree",
    )
    with pytest.raises(SettingsError, match="needs a DSN, or a driver and a database") as error:
        build(tmp_path, **{"smsturbo.kind": "odbc"})
    assert error.value.where == "Setup!smsturbo.dsn"


def test_setup_sheet_offers_every_connection_kind_and_setting():
    import tomllib

    from smsync_xl.core.settings import SAGE_KINDS, TURBO_KINDS
    from smsync_xl.files.package_files import template_path

    rows = tomllib.loads(template_path("setup.toml").read_text(encoding="utf-8"))["rows"]
    by_key = {row["key"]: row for row in rows if "key" in row}
    assert tuple(by_key["sage50.kind"]["choices"]) == SAGE_KINDS
    assert tuple(by_key["smsturbo.kind"]["choices"]) == TURBO_KINDS
    assert by_key["sage50.user"]["default"] == "Peachtree"
    for key in ("dsn", "driver", "server", "database"):
        assert f"sage50.{key}" in by_key
    assert "smsturbo.dsn" in by_key
    assert not any("password" in key for key in by_key)


def test_an_over_long_dsn_is_refused_before_connecting(tmp_path):
    with pytest.raises(SettingsError, match="the DSN name is 33 characters") as error:
        build(tmp_path, **{"smsturbo.kind": "odbc", "smsturbo.dsn": "x" * 33})
    assert error.value.where == "Setup!smsturbo.dsn"


def test_credit_status_map_from_a_setup_cell(tmp_path):
    settings = build(tmp_path, **{"credit_status.map": "Always Hold = hold; Hold Over Limit=HOLD"})
    assert settings.credit_status.by_code == {"ALWAYS HOLD": "HOLD", "HOLD OVER LIMIT": "HOLD"}
    with pytest.raises(SettingsError, match="is not a list of Sage 50 status") as error:
        build(tmp_path, **{"credit_status.map": "Always Hold"})
    assert error.value.where == "Setup!credit_status.map"


def test_settings_cannot_be_changed_after_validation(tmp_path):
    (tmp_path / "sage.sqlite").touch()
    values = {"sage50.path": "sage.sqlite", "smsturbo.path": "turbo.sqlite"}
    settings = settings_from_values(values, base=tmp_path, locate=str)
    with pytest.raises(TypeError):
        settings.entities["customers"] = settings.entities["vendors"]  # type: ignore[index]
