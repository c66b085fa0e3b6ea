"""The bookkeeper's whole job through real ODBC drivers: refresh, tick, synchronize,
refresh shows IN SYNC, undo — with Sage 50 read through the SQLite ODBC driver and
through psqlODBC, and SMSTurbo embedded (SQLite file) or in PostgreSQL over ODBC."""

from __future__ import annotations

import pytest

from smsync_xl.app.open_sides import open_source, open_store
from smsync_xl.connections.db import quote_identifier
from smsync_xl.core.fields import CUSTOMER, ENTITIES, MATERIAL
from smsync_xl.core.vocabulary import Outcome, Status
from smsync_xl.demo.company import create_smsturbo
from smsync_xl.demo.data import DEMO_LISTS, EXPECTED
from smsync_xl.files.settings_file import settings_from_values
from smsync_xl.smsturbo.store import SMSTurboStore
from smsync_xl.sync.apply import apply, make_plan
from smsync_xl.sync.undo import undo_last

from .conftest import ids_with


def make_settings(tmp_path, sage: dict[str, str], turbo: dict[str, str]):
    values = {f"sage50.{k}": v for k, v in sage.items()}
    values.update({f"smsturbo.{k}": v for k, v in turbo.items()})
    values["customers.replace"] = "name, address, phone, contact, email, credit_limit"
    values["vendors.replace"] = "name, address, phone, contact, email"
    values["materials.replace"] = "price, gl_accounts, inactive, unit"
    values["materials.default_unit"] = "YD"
    return settings_from_values(values, base=tmp_path, locate=str)


@pytest.fixture(params=["sqlite-odbc", "postgresql"])
def sage(request, postgres) -> dict[str, str]:
    if request.param == "sqlite-odbc":
        return {"kind": "odbc", "dsn": request.getfixturevalue("sage_sqlite_dsn")}
    dsn = request.getfixturevalue("sage_pg_dsn")
    return {"kind": "odbc", "dsn": dsn, "user": postgres.role}


@pytest.fixture(params=["sqlite-embedded", "postgresql-odbc", "mariadb-odbc"])
def turbo(request, tmp_path) -> dict[str, str]:
    if request.param == "sqlite-embedded":
        create_smsturbo(tmp_path / "smsturbo.sqlite", DEMO_LISTS)
        return {"kind": "sqlite", "path": "smsturbo.sqlite"}
    if request.param == "mariadb-odbc":
        request.getfixturevalue("passwords")  # Sage 50's; SMSTurbo's is MariaDB's
        return {"kind": "odbc", "dsn": request.getfixturevalue("turbo_mariadb_dsn")}
    return {"kind": "odbc", "dsn": request.getfixturevalue("turbo_pg_dsn")}


def dump(store: SMSTurboStore) -> dict[str, list[tuple]]:
    """Every SMSTurbo row (audit aside), sorted: the state undo must give back."""
    tables = [t.table for t in store.mapping.tables.values()]
    tables += [where.table for where in store.mapping.lists.values()]
    return {
        table: sorted(store.db.query(f"SELECT * FROM {quote_identifier(table)}"), key=repr)
        for table in tables
    }


def test_refresh_tick_synchronize_refresh_undo(tmp_path, sage, turbo, passwords):
    settings = make_settings(tmp_path, sage, turbo)
    source, store = open_source(settings), open_store(settings)
    assert source.company_name() == "Bellwether Aggregates & Hauling"
    before = dump(store)

    plans = {key: make_plan(entity, source, store, settings) for key, entity in ENTITIES.items()}
    for key, plan in plans.items():
        counts = {status.value: n for status, n in plan.counts().items()}
        assert counts | {"smsturbo_only": len(plan.turbo_only)} == EXPECTED[key]

    ticked = {
        key: plan.chosen(ids_with(plan, Status.NEW, Status.DIFFERENT))
        for key, plan in plans.items()
    }
    result = apply(source, store, settings, ticked, user="tester")
    written = {
        (r.entity, r.id) for r in result.results if r.outcome in (Outcome.CREATED, Outcome.UPDATED)
    }
    created = {(r.entity, r.id) for r in result.results if r.outcome is Outcome.CREATED}
    assert len(created) == 18 + 5 and result.count(Outcome.UPDATED) >= 9 + 6

    for key, entity in ENTITIES.items():
        after = make_plan(entity, source, store, settings).by_id
        for entity_key, record_id in written:
            if entity_key == key:
                assert after[record_id].status is Status.IN_SYNC, record_id
    assert store.fetch(CUSTOMER, "PROSPECT1")["name"] == "Prospect Builder 1"
    fill = store.fetch(MATERIAL, "FILL-DIRT")
    assert fill is not None and (fill["unit"], fill["price"], fill["taxable"]) == (
        "YD",
        "0.00",
        "Yes",
    )
    hauling = store.fetch(MATERIAL, "HAUL-HR")
    assert hauling is not None and (hauling["price"], hauling["sales_gl"]) == ("0.00", "")
    assert store.fetch(MATERIAL, "WINTER-SALT") is not None  # ticked although inactive
    assert store.fetch(MATERIAL, "AGG-34")["price"] == "18.50"

    undone = undo_last(store, user="tester")
    assert undone.undone_run == result.run_id and undone.left_alone == []
    assert dump(store) == before


def test_odbc_sources_read_what_the_embedded_file_holds(demo, sage, passwords, tmp_path):
    settings = make_settings(
        tmp_path, sage, {"kind": "sqlite", "path": str(demo.settings.smsturbo.path)}
    )
    through_odbc = open_source(settings)
    for entity in ENTITIES.values():
        embedded = sorted(demo.source.read(entity), key=repr)
        assert sorted(through_odbc.read(entity), key=repr) == embedded
