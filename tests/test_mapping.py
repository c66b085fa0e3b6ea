"""An installation whose SMSTurbo tables are named differently points a mapping at them."""

import pytest

from smsync_xl.app.open_sides import open_source
from smsync_xl.connections.db import open_sqlite
from smsync_xl.core.errors import MappingError
from smsync_xl.core.fields import CUSTOMER, VENDOR
from smsync_xl.core.vocabulary import Status
from smsync_xl.demo.company import create_sage_company
from smsync_xl.demo.data import CUSTOMERS, DEFAULTS, LISTS, VENDORS, DemoLists
from smsync_xl.demo.schema import create_reference_schema
from smsync_xl.files.package_files import template_path
from smsync_xl.files.settings_file import settings_from_values
from smsync_xl.smsturbo.mapping import load_mapping
from smsync_xl.smsturbo.store import SMSTurboStore
from smsync_xl.sync.apply import apply, make_plan


def custom_mapping(tmp_path, **replacements):
    text = template_path("smsturbo_mapping.toml").read_text(encoding="utf-8")
    for old, new in replacements.items():
        text = text.replace(old, new)
    path = tmp_path / "mapping.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_renamed_tables_and_columns_and_a_missing_column(tmp_path):
    path = custom_mapping(
        tmp_path,
        **{
            'table = "Customers"': 'table = "tblCust"',
            'name = "CustomerName"': 'name = "CustName"',
            'udf2 = "UDF2"\n\n[vendors]': "\n[vendors]",
        },
    )
    mapping = load_mapping(path)
    assert "udf2" not in mapping.tables["customers"].columns
    store = SMSTurboStore(open_sqlite(tmp_path / "turbo.sqlite"), mapping)
    create_reference_schema(store, LISTS)
    with store.db.transaction():
        store.insert(CUSTOMER, DEFAULTS)
        for record in CUSTOMERS:
            if record.turbo:
                store.insert(CUSTOMER, record.turbo)
    create_sage_company(tmp_path / "sage.sqlite", DemoLists(CUSTOMERS, VENDORS))
    settings = settings_from_values(
        {
            "sage50.path": "sage.sqlite",
            "smsturbo.path": "turbo.sqlite",
            "smsturbo.mapping": "mapping.toml",
            "customers.replace": "name",
        },
        base=tmp_path,
        locate=str,
    )
    source = open_source(settings)
    plan = make_plan(CUSTOMER, source, store, settings)
    assert plan.by_id["DIFFNAME"].status is Status.DIFFERENT
    apply(source, store, settings, {"customers": plan.chosen(["DIFFNAME", "PROSPECT1"])}, user="t")
    names = dict(store.db.query('SELECT "CustomerID", "CustName" FROM "tblCust"'))
    assert names["DIFFNAME"] == "Different Name Inc." and "PROSPECT1" in names
    assert make_plan(VENDOR, source, store, settings).counts()[Status.NEW] == 19


@pytest.mark.parametrize("bad", ['Cust"; DROP TABLE x; --', "1abc", "a b"])
def test_identifiers_are_validated(tmp_path, bad):
    path = custom_mapping(tmp_path, **{'table = "Customers"': f"table = '{bad}'"})
    with pytest.raises(MappingError, match="not a plain table or column name"):
        load_mapping(path)


def test_unknown_field_and_missing_id(tmp_path):
    with pytest.raises(MappingError, match=r"field 'colour' is not one SMSync knows"):
        load_mapping(custom_mapping(tmp_path, **{'udf1 = "UDF1"': 'colour = "X"'}))
    with pytest.raises(MappingError, match="must map id"):
        load_mapping(custom_mapping(tmp_path, **{'id = "CustomerID"': ""}))
