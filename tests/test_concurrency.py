"""SMSync's writers take turns, and never take or undo someone else's edit: on an SQLite
file and on PostgreSQL through psqlODBC, with real processes where processes matter.

Two synchronizations started together create each record once (with or without a
unique index on the ID column): the second waits for the first, then finds the rows
already synchronized; disjoint ones both succeed, with their own run numbers; a writer
that waits too long gives up with a plain message. An edit made in SMSTurbo while a
synchronization runs is a conflict for that row, survives, and a later undo leaves it.
A clerk cannot create a record between Synchronize's re-read and its INSERT (forced with
a second real connection at that very moment), and a clerk's record saved while
Synchronize waits is a conflict for that row. And kill -9 at random moments leaves
SMSTurbo exactly before or after (tests/kill_test.py runs the long version); a killed run
that waited for a lock holds up no later run.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from smsync_xl.app.open_sides import open_source, open_store
from smsync_xl.cli import main
from smsync_xl.connections import db as dbapi
from smsync_xl.connections.odbc import utf8_text
from smsync_xl.core.errors import UndoChangedError
from smsync_xl.core.fields import CUSTOMER
from smsync_xl.core.vocabulary import Outcome, Status
from smsync_xl.demo.company import SETTINGS_TEMPLATE, create_demo, write_smsturbo
from smsync_xl.demo.data import CUSTOMERS, VENDORS, DemoLists
from smsync_xl.files.settings_file import load_settings
from smsync_xl.smsturbo.store import SMSTurboStore
from smsync_xl.sync.apply import apply, make_plan
from smsync_xl.sync.undo import last_undoable_run, undo_last

from . import kill_test
from .clerk import LOCK_POLL_SECONDS, SESSION_ALIVE, SESSION_ID, Clerk
from .conftest import (
    mariadb_database,
    mariadb_dsn,
    pg_database,
    pg_dsn,
    rebuild_sqlite_table,
)

COUNT = 200
"""NEW customers in the company two processes synchronize at once."""
SQLITE_SECTION = '[smsturbo]\nkind = "sqlite"\npath = "smsturbo_demo.sqlite"\n'


@dataclass
class Turbo:
    """SMSTurbo for one test, and other connections to it: a clerk's screen, or another
    SMSync holding the writer lock."""

    backend: str
    settings: Path
    dump: Callable[[], kill_test.Dump]
    connect: Callable[[], Any]
    """A new DB-API connection in autocommit."""
    where: str

    def edit(self, sql: str, params: list[object]) -> None:
        """A clerk's edit, committed at once."""
        with closing(self.connect()) as connection:
            connection.execute(sql, params)

    @contextlib.contextmanager
    def holding_lock(self, *edits: tuple[str, list[object]]) -> Iterator[Any]:
        """Another SMSync in the middle of its transaction: it holds the writer lock
        (and has made ``edits``) until the block ends, then commits."""
        connection = self.connect()
        try:
            if self.backend == "sqlite":
                connection.execute("BEGIN IMMEDIATE")
            else:
                connection.autocommit = False
                connection.execute("UPDATE SMSync_Lock SET Note = Note WHERE LockName = 'writer'")
            for sql, params in edits:
                connection.execute(sql, params)
            yield connection
            connection.commit()
        finally:
            with contextlib.suppress(Exception):
                connection.rollback()
            connection.close()


def sqlite_turbo(folder: Path, settings: Path) -> Turbo:
    path = folder / "smsturbo_demo.sqlite"

    def connect() -> sqlite3.Connection:
        return sqlite3.connect(path, isolation_level=None, timeout=30)

    return Turbo("sqlite", settings, lambda: kill_test.dump_sqlite(path), connect, str(path))


def pg_turbo(request: pytest.FixtureRequest, folder: Path, settings_text: str, records) -> Turbo:
    import pyodbc

    odbc, postgres = request.getfixturevalue("odbc"), request.getfixturevalue("postgres")
    request.getfixturevalue("passwords")
    name = postgres.create_database()
    db = pg_database(postgres, name)
    write_smsturbo(db, DemoLists(*records))
    db.close()
    dsn = pg_dsn(odbc, postgres, "conc_" + name.removeprefix("smsync_test_"), name)
    settings = folder / "settings.toml"
    settings.write_text(
        settings_text.replace(SQLITE_SECTION, kill_test.odbc_turbo_section(dsn)),
        encoding="utf-8",
    )
    string = postgres.connection_string(name)
    return Turbo(
        "postgresql",
        settings,
        lambda: kill_test.dump_odbc(string),
        lambda: pyodbc.connect(string, autocommit=True),
        f"ODBC DSN {dsn}",
    )


def mariadb_turbo(
    request: pytest.FixtureRequest, folder: Path, settings_text: str, records
) -> Turbo:
    """SMSTurbo in a fresh MariaDB database through the MariaDB ODBC driver; the other
    connections speak as SMSync's do (standard quotes, UTF-8 text)."""
    import pyodbc

    odbc, server = request.getfixturevalue("odbc"), request.getfixturevalue("mariadb")
    request.getfixturevalue("passwords")
    db = mariadb_database(server)
    write_smsturbo(db, DemoLists(*records))
    db.close()
    request.getfixturevalue("monkeypatch").setenv("SMSYNC_SMSTURBO_PASSWORD", server.password)
    dsn = mariadb_dsn(odbc, server)
    settings = folder / "settings.toml"
    settings.write_text(
        settings_text.replace(SQLITE_SECTION, kill_test.odbc_turbo_section(dsn)),
        encoding="utf-8",
    )
    string = server.connection_string(server.writer)

    def connect() -> Any:
        connection = pyodbc.connect(string, autocommit=True)
        utf8_text(connection, pyodbc)
        connection.execute(dbapi.MYSQL_SESSION)
        return connection

    def dump() -> kill_test.Dump:
        with closing(connect()) as connection:
            return kill_test.dump_connection(connection, "DATABASE()")

    return Turbo("mariadb", settings, dump, connect, f"ODBC DSN {dsn}")


SERVERS = {"postgresql": pg_turbo, "mariadb": mariadb_turbo}
"""SMSTurbo on a database server, per backend."""


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def backend(request) -> str:
    return request.param


@pytest.fixture(params=list(SERVERS))
def server(request) -> str:
    """The backends where a clerk's transaction can wait for SMSync's locks."""
    return request.param


@pytest.fixture
def big(request, backend, tmp_path) -> Turbo:
    """COUNT NEW customers; SMSTurbo holds only ZZDEFAULT."""
    settings = kill_test.write_company(tmp_path, COUNT)
    if backend == "sqlite":
        return sqlite_turbo(tmp_path, settings)
    return SERVERS[backend](request, tmp_path, settings.read_text(encoding="utf-8"), ([], []))


@pytest.fixture
def demo_turbo(request, backend, tmp_path) -> Turbo:
    """The demo company, SMSTurbo on ``backend``."""
    settings = create_demo(tmp_path)
    if backend == "sqlite":
        return sqlite_turbo(tmp_path, settings)
    return SERVERS[backend](request, tmp_path, SETTINGS_TEMPLATE, (CUSTOMERS, VENDORS))


def finished(process) -> tuple[int, str]:
    out, err = process.communicate(timeout=120)
    return process.returncode, out + err


def customer_ids(turbo: Turbo) -> list[str]:
    with closing(turbo.connect()) as connection:
        rows = connection.execute('SELECT "CustomerID" FROM "Customers"').fetchall()
    return sorted(str(r[0]).strip() for r in rows)


def runs(turbo: Turbo) -> list[tuple[int, str, int]]:
    """(run number, kind, number of changes) of every audited run."""
    with closing(turbo.connect()) as connection:
        found = connection.execute(
            "SELECT r.RunID, r.Kind, COUNT(c.Seq) FROM SMSync_Runs r LEFT JOIN "
            "SMSync_Changes c ON c.RunID = r.RunID GROUP BY r.RunID, r.Kind ORDER BY r.RunID"
        ).fetchall()
    return [(int(r[0]), str(r[1]), int(r[2])) for r in found]


def drop_id_uniqueness(turbo: Turbo) -> None:
    """The ID column without its primary key (some SMSTurbo installations have none)."""
    with closing(turbo.connect()) as connection:
        if turbo.backend == "sqlite":
            rebuild_sqlite_table(
                connection, "Customers", lambda sql: sql.replace(" NOT NULL PRIMARY KEY", "")
            )
            return
        if turbo.backend == "mariadb":
            connection.execute('ALTER TABLE "Customers" DROP PRIMARY KEY')
            return
        name = connection.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = '\"Customers\"'::regclass "
            "AND contype = 'p'"
        ).fetchone()[0]
        connection.execute(f'ALTER TABLE "Customers" DROP CONSTRAINT "{name}"')


def started_together(turbo: Turbo, *commands: list[object]) -> list[tuple[int, str]]:
    """Start the commands while another SMSync holds the writer lock; let it go once
    each has read both sides and is seen waiting for the lock, so they really overlap."""
    with turbo.holding_lock():
        processes = [kill_test.start_cli(*c, noted=True) for c in commands]
        for process in processes:
            kill_test.wait_until_writing(process)
        if turbo.backend == "sqlite":
            for process in processes:
                kill_test.wait_until_waiting(process)
        else:
            until_waiting_for_a_lock(turbo, len(processes))
    return [finished(p) for p in processes]


LOCK_WAITERS = {
    "postgresql": "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
    "AND wait_event_type = 'Lock'",
    "mariadb": "SELECT t.trx_mysql_thread_id FROM information_schema.INNODB_TRX t "
    "JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id "
    "WHERE t.trx_state = 'LOCK WAIT' AND p.DB = DATABASE()",
}
"""The sessions of SMSTurbo's database that wait for a lock another session holds."""


def until_waiting_for_a_lock(turbo: Turbo, sessions: int) -> None:
    """Block until ``sessions`` sessions of the database wait for a lock, as the server
    tells (a watcher in autocommit, so PostgreSQL's view is new on each look; looks
    LOCK_POLL_SECONDS apart, so InnoDB's is too)."""
    with closing(turbo.connect()) as watcher:
        poll(
            lambda: len(watcher.execute(LOCK_WAITERS[turbo.backend]).fetchall()) >= sessions,
            60,
            f"{sessions} session(s) did not wait for a lock",
            every=LOCK_POLL_SECONDS,
        )


# Two synchronizations at once.


@pytest.mark.parametrize("unique_id", [True, False], ids=["unique-id", "no-unique-index"])
def test_two_syncs_at_once_create_each_record_once(big, unique_id):
    if not unique_id:
        drop_id_uniqueness(big)
    sync = ["sync", "--settings", big.settings, "--yes"]
    results = started_together(big, sync, sync)
    assert [code for code, _ in results] == [0, 0], results
    summaries = sorted(
        re.search(r"Import completed: .*conflicts", out).group(0) for _, out in results
    )
    assert summaries == [
        f"Import completed: 0 created, 0 updated, {COUNT} skipped, 0 conflicts",
        f"Import completed: {COUNT} created, 0 updated, 0 skipped, 0 conflicts",
    ]
    ids = customer_ids(big)
    assert len(ids) == len(set(ids)) == COUNT + 1  # and ZZDEFAULT
    assert runs(big) == [(1, "sync", COUNT)]


RENDEZVOUS = """
import contextlib, pathlib, sys, time
from smsync_xl.smsturbo.store import SMSTurboStore
folder, parties = pathlib.Path(sys.argv[1]), int(sys.argv[2])
del sys.argv[1:3]
plain = SMSTurboStore.transaction
def said(event):
    print(event, time.monotonic(), file=sys.stderr, flush=True)
@contextlib.contextmanager
def met(self, *args, **kwargs):
    said("planned")
    (folder / str(time.monotonic_ns())).touch()
    deadline = time.monotonic() + 60
    while len(list(folder.iterdir())) < parties:
        if time.monotonic() > deadline:
            raise SystemExit("the other synchronization never came")
        time.sleep(0.005)
    with plain(self, *args, **kwargs):
        said("locked")
        yield
        said("wrote")  # the commit follows
SMSTurboStore.transaction = met
from smsync_xl.cli import main
main()
"""
"""The command as a process that, once it has read both sides and made its plan, waits
for every other such process to have made its plan too (a rendezvous in a folder: one
file each) before it asks for the writer lock, and says on stderr when it planned, got
the lock and had written everything (its commit follows)."""


def started_at_the_same_instant(folder: Path, *commands: list[object]) -> list[tuple[int, str]]:
    """The commands as processes that meet before the writer lock: each has read
    SMSTurbo before any of them writes it."""
    folder.mkdir()
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", RENDEZVOUS, str(folder), str(len(commands)), *map(str, c)],
            env=kill_test.cli_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for c in commands
    ]
    return [finished(p) for p in processes]


def moments(output: str) -> dict[str, float]:
    """When a RENDEZVOUS process planned, got the writer lock and had written all: on
    the monotonic clock, one for every process of the machine, which a clock set by
    NTP meanwhile does not move."""
    found = re.finditer(r"^(planned|locked|wrote) (\S+)$", output, re.M)
    return {m[1]: float(m[2]) for m in found}


def test_two_syncs_started_at_the_same_instant_without_a_unique_index(big, tmp_path):
    """The issue's case: no unique index, nothing held; only the writer lock keeps the
    second from creating every record again. Both have planned to create every record
    before either writes (asserted); the second gets the lock only once the first has
    written everything."""
    drop_id_uniqueness(big)
    sync = ["sync", "--settings", big.settings, "--yes"]
    results = started_at_the_same_instant(tmp_path / "rendezvous", sync, sync)
    assert [code for code, _ in results] == [0, 0], results
    seen = [moments(out) for _, out in results]
    assert all(set(m) == {"planned", "locked", "wrote"} for m in seen), results  # both planned
    first, second = sorted(seen, key=lambda m: m["locked"])
    assert max(first["planned"], second["planned"]) < first["locked"], (first, second)
    assert first["wrote"] < second["locked"], (first, second)
    ids = customer_ids(big)
    assert len(ids) == len(set(ids)) == COUNT + 1
    assert [(kind, n) for _, kind, n in runs(big)] == [("sync", COUNT)]


def test_disjoint_syncs_both_succeed_with_their_own_run_numbers(big):
    first = [f"N{n:06d}" for n in range(0, COUNT, 2)]
    second = [f"N{n:06d}" for n in range(1, COUNT, 2)]
    command = ["sync", "--settings", big.settings, "--entity", "customers", "--yes"]
    results = started_together(big, command + first, command + second)
    assert [code for code, _ in results] == [0, 0], results
    for _, out in results:
        assert f"Import completed: {COUNT // 2} created, 0 updated, 0 skipped" in out
    assert runs(big) == [(1, "sync", COUNT // 2), (2, "sync", COUNT // 2)]
    assert len(customer_ids(big)) == COUNT + 1


def test_a_writer_that_waits_too_long_gives_up_and_changes_nothing(big, monkeypatch):
    monkeypatch.setattr(dbapi, "LOCK_WAIT_SECONDS", 1.0)
    before = big.dump()
    with big.holding_lock():
        started = time.monotonic()
        result = CliRunner().invoke(main, ["sync", "--settings", str(big.settings), "--yes"])
        waited = time.monotonic() - started
    assert result.exit_code == 1, result.output
    text = " ".join(result.output.split())
    assert "another synchronization (or another program) is writing SMSTurbo" in text
    assert "did not finish within 1 seconds" in text and "nothing was changed" in text
    assert "Try again in a minute." in text
    assert big.where in text
    assert "Traceback" not in result.output
    assert 1.0 <= waited < 20
    assert big.dump() == before


def test_a_statement_time_limit_while_waiting_for_another_sync_names_the_wait(request, tmp_path):
    """The administrator's statement_timeout, shorter than SMSync's wait, ends the wait for
    another synchronization: the message says what SMSync waited for."""
    settings = kill_test.write_company(tmp_path, COUNT)
    turbo = pg_turbo(request, tmp_path, settings.read_text(encoding="utf-8"), ([], []))
    with closing(turbo.connect()) as c:
        name = c.execute("SELECT current_database()").fetchone()[0]
        # shorter than the writer lock's wait (30 s), long enough that no read before it
        # is cut short on a loaded machine (which would be another message)
        c.execute(f"ALTER DATABASE \"{name}\" SET statement_timeout = '3s'")
    before = turbo.dump()
    with turbo.holding_lock():
        result = CliRunner().invoke(main, ["sync", "--settings", str(turbo.settings), "--yes"])
    text = " ".join(result.output.split())
    assert result.exit_code == 1, result.output
    assert (
        "another synchronization or undo is writing SMSTurbo, and the time limit SMSTurbo's "
        "server sets for one statement stopped SMSync waiting for it (ERROR: canceling "
        "statement due to statement timeout); nothing was changed" in text
    ), text
    assert "ALTER ROLE … SET statement_timeout" in text and turbo.where in text
    assert turbo.dump() == before


def test_an_undo_that_waits_too_long_gives_up_and_changes_nothing(big, monkeypatch):
    assert kill_test.timed(["sync", "--settings", big.settings, "--yes"]).total > 0
    monkeypatch.setattr(dbapi, "LOCK_WAIT_SECONDS", 1.0)
    before = big.dump()
    with big.holding_lock():
        result = CliRunner().invoke(main, ["undo", "--settings", str(big.settings), "--yes"])
    assert result.exit_code == 1, result.output
    assert "is writing SMSTurbo" in result.output and "Try again in a minute" in result.output
    assert big.dump() == before


# Two undos at once.


def test_two_undos_at_once_undo_once_and_the_second_says_why(big):
    kill_test.timed(["sync", "--settings", big.settings, "--yes"])
    synced = big.dump()
    undo = ["undo", "--settings", big.settings, "--yes"]
    results = sorted(started_together(big, undo, undo))
    assert [code for code, _ in results] == [0, 1], results
    assert f"{COUNT} removed" in results[0][1]
    said = " ".join(results[1][1].split())
    assert "synchronization 1 was undone by another undo while this one waited" in said
    assert "nothing was changed" in said and "Traceback" not in said
    assert "ID column is unique" not in said
    assert big.dump() != synced
    assert [(kind, n) for _, kind, n in runs(big)] == [("sync", COUNT), ("undo", COUNT)]
    assert customer_ids(big) == ["ZZDEFAULT"]


def test_an_undo_confirmed_before_another_one_committed_is_refused(demo_turbo):
    settings = load_settings(demo_turbo.settings)
    source, store = open_source(settings), open_store(settings)
    for ids in (["PROSPECT1"], ["PROSPECT2"]):
        plan = make_plan(CUSTOMER, source, store, settings)
        apply(source, store, settings, {"customers": plan.chosen(ids)}, user="a")
    other = open_store(settings)
    assert last_undoable_run(store).run_id == last_undoable_run(other).run_id == 2
    assert undo_last(store, user="a").undone_run == 2
    before = demo_turbo.dump()
    with pytest.raises(UndoChangedError, match="synchronization 2 was undone by another undo"):
        undo_last(other, user="b")
    assert demo_turbo.dump() == before
    # asked again, it names run 1; a synchronization made meanwhile is not undone unasked
    assert last_undoable_run(other).run_id == 1
    plan = make_plan(CUSTOMER, source, store, settings)
    apply(source, store, settings, {"customers": plan.chosen(["PROSPECT2"])}, user="a")
    with pytest.raises(UndoChangedError, match="synchronization 4 was made while this undo"):
        undo_last(other, user="b")
    assert undo_last(other, user="b", expected_run=4).undone_run == 4


# A clerk's edit while SMSync writes.

PHONE = 'UPDATE "Customers" SET "Phone1" = ? WHERE "CustomerID" = ?'


def phone_of(turbo: Turbo, record_id: str) -> str:
    with closing(turbo.connect()) as connection:
        row = connection.execute(
            'SELECT "Phone1" FROM "Customers" WHERE "CustomerID" = ?', [record_id]
        ).fetchone()
    return row[0]


def session(turbo: Turbo) -> tuple[Any, SMSTurboStore, Any]:
    settings = load_settings(turbo.settings)
    return open_source(settings), open_store(settings), settings


def outcomes(result) -> dict[str, Outcome]:
    return {r.id: r.outcome for r in result.results}


def chosen_now(source, store, settings, ids):
    return {"customers": make_plan(CUSTOMER, source, store, settings).chosen(ids)}


def assert_undo_leaves_the_edit(turbo: Turbo, store: SMSTurboStore, phone: str) -> None:
    undone = undo_last(store, user="tester")
    assert "DIFFPHONE" not in {c.record_id.strip() for c in undone.restored}
    assert phone_of(turbo, "DIFFPHONE") == phone
    assert phone_of(turbo, "DIFFNAME") == "217-555-0100"


def test_an_edit_committed_after_refresh_is_a_conflict_and_survives_undo(demo_turbo):
    source, store, settings = session(demo_turbo)
    chosen = chosen_now(source, store, settings, ["DIFFPHONE", "DIFFNAME"])
    demo_turbo.edit(PHONE, ["555-CLERK", "DIFFPHONE"])
    result = apply(source, store, settings, chosen, user="tester")
    assert outcomes(result) == {"DIFFPHONE": Outcome.CONFLICT, "DIFFNAME": Outcome.UPDATED}
    assert phone_of(demo_turbo, "DIFFPHONE") == "555-CLERK"
    assert_undo_leaves_the_edit(demo_turbo, store, "555-CLERK")


def test_an_edit_committed_while_apply_waits_for_the_lock_is_seen(demo_turbo):
    source, store, settings = session(demo_turbo)
    chosen = chosen_now(source, store, settings, ["DIFFPHONE", "DIFFNAME"])
    done: list[Any] = []
    steps: list[str] = []

    def synchronize() -> None:  # its own connections: sqlite3's stay in their thread
        source, store, settings = session(demo_turbo)
        done.append(apply(source, store, settings, chosen, user="tester", checkpoint=steps.append))

    with demo_turbo.holding_lock((PHONE, ["555-WAITED", "DIFFPHONE"])):
        worker = threading.Thread(target=synchronize)
        worker.start()
        if demo_turbo.backend == "sqlite":  # refused SQLite's write lock, it tries again
            poll(lambda: "waiting" in steps, 60, "Synchronize did not wait for the lock")
        else:
            until_waiting_for_a_lock(demo_turbo, 1)
        assert not done  # waiting for the lock
    worker.join(60)
    assert outcomes(done[0]) == {"DIFFPHONE": Outcome.CONFLICT, "DIFFNAME": Outcome.UPDATED}
    assert "since the lists were compared" in done[0].results[0].detail
    assert phone_of(demo_turbo, "DIFFPHONE") == "555-WAITED"
    assert_undo_leaves_the_edit(demo_turbo, store, "555-WAITED")


def edit_just_before(monkeypatch, turbo: Turbo, store: SMSTurboStore, method: str) -> list[str]:
    """A clerk's phone edit committed right before the store's ``method`` first runs for
    DIFFPHONE inside a write: the compare-and-set's own test. No other connection can
    write there (an SQLite file is locked whole, a server's table is kept from other
    writers), so the UPDATE goes through the writer's own connection, which is what a
    concurrent commit would look like to it on a server SMSync cannot lock."""
    original = getattr(SMSTurboStore, method)
    edited: list[str] = []

    def edit_then_run(self, entity, ids, *args, **kwargs):
        wanted = [ids] if isinstance(ids, str) else list(ids)
        if not edited and any(i.strip() == "DIFFPHONE" for i in wanted):
            self.db.execute(PHONE, ["555-MEANWHILE", "DIFFPHONE"])
            edited.append(method)
        return original(self, entity, ids, *args, **kwargs)

    monkeypatch.setattr(SMSTurboStore, method, edit_then_run)
    return edited


@pytest.mark.parametrize("moment", ["fetch_raw", "update_rows"])
def test_an_edit_between_the_reread_and_the_write_is_a_conflict(demo_turbo, monkeypatch, moment):
    """``fetch_raw``: the edit lands after the plan was re-read, before the values to
    overwrite are read; ``update_rows``: after they are read, just before the UPDATE (only
    the compare-and-set sees it)."""
    source, store, settings = session(demo_turbo)
    chosen = chosen_now(source, store, settings, ["DIFFPHONE", "DIFFNAME", "PROSPECT1"])
    edited = edit_just_before(monkeypatch, demo_turbo, store, moment)
    result = apply(source, store, settings, chosen, user="tester")
    monkeypatch.undo()
    assert edited == [moment]
    assert outcomes(result) == {
        "DIFFPHONE": Outcome.CONFLICT,
        "DIFFNAME": Outcome.UPDATED,
        "PROSPECT1": Outcome.CREATED,
    }
    assert "changed in SMSTurbo by someone else during this synchronization" in (
        result.results[0].detail
    )
    assert phone_of(demo_turbo, "DIFFPHONE") == "555-MEANWHILE"
    changes = store.audit.changes(result.run_id)
    assert sorted(c.record_id.strip() for c in changes) == ["DIFFNAME", "PROSPECT1"]
    assert_undo_leaves_the_edit(demo_turbo, store, "555-MEANWHILE")
    assert store.fetch(CUSTOMER, "PROSPECT1") is None


def test_an_edit_committed_before_a_batch_of_updates_where_no_row_is_locked(
    demo_turbo, monkeypatch
):
    """A server SMSync locks no table or row of (no SKIP LOCKED) and whose statements see
    what others commit: a clerk's edit committed through a second real connection after
    the rows were read, just before the batch of updates. Only the compare-and-set sees
    it: exactly that row is a conflict, left as the clerk made it and not audited; every
    other row of the batch is written."""
    if demo_turbo.backend == "sqlite":
        pytest.skip("SQLite's write lock keeps every other connection from writing")
    monkeypatch.setattr(dbapi.Database, "table_lock", property(lambda self: None))
    monkeypatch.setattr(dbapi.Database, "_isolation", lambda self, locking: None)
    source, store, settings = session(demo_turbo)
    plan = make_plan(CUSTOMER, source, store, settings)
    ids = [r.id for r in plan.rows if r.status is Status.DIFFERENT and r.changes]
    assert "DIFFPHONE" in ids and len(ids) >= 5
    original = SMSTurboStore.update_rows
    edited: list[str] = []

    def clerk_saves_first(self, entity, *args, **kwargs):
        if not edited:
            demo_turbo.edit(PHONE, ["555-CLERK", "DIFFPHONE"])
            edited.append("DIFFPHONE")
        return original(self, entity, *args, **kwargs)

    monkeypatch.setattr(SMSTurboStore, "update_rows", clerk_saves_first)
    result = apply(source, store, settings, {"customers": plan.chosen(ids)}, user="tester")
    monkeypatch.undo()
    assert edited == ["DIFFPHONE"]
    assert outcomes(result) == {i: Outcome.UPDATED for i in ids} | {"DIFFPHONE": Outcome.CONFLICT}
    conflict = next(r for r in result.results if r.id == "DIFFPHONE")
    assert "changed in SMSTurbo by someone else during this synchronization" in conflict.detail
    assert phone_of(demo_turbo, "DIFFPHONE") == "555-CLERK"
    audited = sorted(c.record_id.strip() for c in store.audit.changes(result.run_id))
    assert audited == sorted(i for i in ids if i != "DIFFPHONE")
    after = make_plan(CUSTOMER, source, store, settings)
    assert {i: after.by_id[i].status for i in ids if i != "DIFFPHONE"} == {
        i: Status.IN_SYNC for i in ids if i != "DIFFPHONE"
    }


def test_an_edit_while_undo_restores_is_left_alone(demo_turbo, monkeypatch):
    """Where Undo holds no row locks (SQLite writes with a compare-and-set); on
    PostgreSQL the row is locked, and a clerk cannot save it meanwhile (test_undo.py)."""
    if demo_turbo.backend != "sqlite":
        pytest.skip("Undo locks the rows it takes back on PostgreSQL and MariaDB")
    source, store, settings = session(demo_turbo)
    apply(
        source,
        store,
        settings,
        chosen_now(source, store, settings, ["DIFFPHONE", "DIFFNAME"]),
        user="tester",
    )
    edit_just_before(monkeypatch, demo_turbo, store, "restore_rows")
    undone = undo_last(store, user="tester")
    monkeypatch.undo()
    assert [c.record_id.strip() for c in undone.left_alone] == ["DIFFPHONE"]
    assert [c.record_id.strip() for c in undone.restored] == ["DIFFNAME"]
    assert phone_of(demo_turbo, "DIFFPHONE") == "555-MEANWHILE"


def test_records_created_meanwhile_are_conflicts_not_duplicates(demo_turbo, monkeypatch):
    source, store, settings = session(demo_turbo)
    chosen = chosen_now(source, store, settings, ["PROSPECT1", "PROSPECT2"])
    original = SMSTurboStore.fetch_raw
    insert = 'INSERT INTO "Customers" ("CustomerID", "CustomerName") VALUES (?, ?)'

    def someone_creates_it_first(self, entity, ids):
        ids = list(ids)
        if "PROSPECT1" in ids and self.fetch(CUSTOMER, "PROSPECT1") is None:
            self.db.execute(insert, ["PROSPECT1", "Typed by a clerk"])  # see edit_just_before
        return original(self, entity, ids)

    monkeypatch.setattr(SMSTurboStore, "fetch_raw", someone_creates_it_first)
    result = apply(source, store, settings, chosen, user="tester")
    monkeypatch.undo()
    assert outcomes(result) == {"PROSPECT1": Outcome.CONFLICT, "PROSPECT2": Outcome.CREATED}
    assert "created in SMSTurbo by someone else" in result.results[0].detail
    assert store.fetch(CUSTOMER, "PROSPECT1")["name"] == "Typed by a clerk"
    assert customer_ids(demo_turbo).count("PROSPECT1") == 1


# kill -9 (the long version: python tests/kill_test.py --runs 40 --backend ...)


def test_kill_9_during_sync_and_undo_leaves_before_or_after(tmp_path):
    backend = kill_test.sqlite_backend(tmp_path, 300)
    sync, undo = kill_test.run(backend, runs=3)
    for tally in (sync, undo):
        assert tally.failures == []
        assert sum(tally.states.values()) == 3


# A clerk's insert while SMSync writes: impossible between its re-read and its INSERT.

CLERK_CREATES = (
    'INSERT INTO "Customers" ("CustomerID", "CustomerName") SELECT \'PROSPECT1\', '
    "'Typed by a clerk' WHERE NOT EXISTS "
    '(SELECT 1 FROM "Customers" WHERE "CustomerID" = \'PROSPECT1\')'
)
"""How a careful program creates a record: only if none with its ID exists."""


def clerk_creates_before_the_insert(monkeypatch, turbo: Turbo) -> tuple[Clerk, list[str]]:
    """Right before SMSync's INSERT of customers (after it read SMSTurbo again and found
    no PROSPECT1), a clerk creates PROSPECT1; returns the clerk and what the clerk's
    statement did at that moment."""
    original = SMSTurboStore.insert_many
    clerk = Clerk(turbo)
    seen: list[str] = []

    def clerk_first(self, entity, records):
        if entity is CUSTOMER and not seen:
            clerk.start(CLERK_CREATES)
            seen.append(clerk.finished_or_waiting())
        return original(self, entity, records)

    monkeypatch.setattr(SMSTurboStore, "insert_many", clerk_first)
    return clerk, seen


@pytest.mark.parametrize("unique_id", [True, False], ids=["unique-id", "no-unique-index"])
def test_a_clerk_cannot_create_the_record_between_the_reread_and_the_insert(
    demo_turbo, monkeypatch, unique_id
):
    """The issue's race, forced: on PostgreSQL the clerk's INSERT waits for SMSync's
    commit (the table is kept from other writers), on SQLite the file is locked; either
    way the record exists once, SMSync's, audited, and the clerk's program then finds
    it. Without the lock the clerk's row committed in the window: a duplicate (no
    unique index) or a batch-level unique-key error."""
    if not unique_id:
        drop_id_uniqueness(demo_turbo)
    source, store, settings = session(demo_turbo)
    chosen = chosen_now(source, store, settings, ["PROSPECT1", "PROSPECT2"])
    before = demo_turbo.dump()
    clerk, seen = clerk_creates_before_the_insert(monkeypatch, demo_turbo)
    try:
        result = apply(source, store, settings, chosen, user="tester")
        monkeypatch.undo()
        clerk.close()
        if demo_turbo.backend == "sqlite":
            assert seen == ["refused: database is locked"]
            demo_turbo.edit(CLERK_CREATES, [])  # the clerk's program tries again
        elif demo_turbo.backend == "mariadb" and unique_id:
            # InnoDB: SMSync's INSERT goes into the index gap the clerk's waiting read
            # wants, and InnoDB ends the smaller transaction, the clerk's, as a deadlock
            assert seen == ["waiting"] and len(clerk.outcome) == 1
            assert "Deadlock found when trying to get lock" in clerk.outcome[0]
            demo_turbo.edit(CLERK_CREATES, [])  # the clerk's program tries again
        else:
            assert seen == ["waiting"] and clerk.outcome == ["committed"]
    finally:
        clerk.close()
    assert outcomes(result) == {"PROSPECT1": Outcome.CREATED, "PROSPECT2": Outcome.CREATED}
    assert customer_ids(demo_turbo).count("PROSPECT1") == 1
    assert store.fetch(CUSTOMER, "PROSPECT1")["name"] != "Typed by a clerk"
    after = demo_turbo.dump()
    changes = store.audit.changes(result.run_id)
    assert [(c.record_id, c.action.value) for c in changes] == [
        ("PROSPECT1", "create"),
        ("PROSPECT2", "create"),
    ]
    created = [tuple(r) for r in after["customers"] if str(r[0]).strip().startswith("PROSPECT")]
    assert len(created) == 2
    assert after["customers"] == sorted(before["customers"] + created, key=repr)
    assert {
        k: v for k, v in after.items() if k not in ("customers", "smsync_runs", "smsync_changes")
    } == {
        k: v for k, v in before.items() if k not in ("customers", "smsync_runs", "smsync_changes")
    }


def test_doctor_says_when_an_id_column_has_no_unique_index(demo_turbo):
    ok = CliRunner().invoke(main, ["doctor", "--settings", str(demo_turbo.settings)])
    assert "  ok       Customers.CustomerID is unique\n" in ok.output, ok.output
    assert "no unique index" not in ok.output
    drop_id_uniqueness(demo_turbo)
    before = demo_turbo.dump()
    result = CliRunner().invoke(main, ["doctor", "--settings", str(demo_turbo.settings)])
    text = " ".join(result.output.split())
    assert result.exit_code == 1, result.output
    assert "  PROBLEM  Customers.CustomerID has no unique index\n" in result.output
    assert (
        "SMSTurbo's table Customers has no primary key or unique index on CustomerID: nothing "
        "in SMSTurbo stops two customers with the same ID" in text
    )
    assert (
        "Fix: Ask the SMSTurbo administrator to add one: CREATE UNIQUE INDEX "
        '"Customers_CustomerID" ON "Customers" ("CustomerID")' in text
    )
    assert "Vendors.VendorID is unique" in text and "Traceback" not in text
    assert demo_turbo.dump() == before


def test_doctor_does_not_count_a_partial_unique_index(demo_turbo):
    """A unique index with a WHERE filter keeps only some rows' IDs unique: doctor says
    the table has no unique index on its ID (SQLite's pragmas, PostgreSQL's pg_index)."""
    if demo_turbo.backend == "mariadb":
        pytest.skip("MariaDB has no partial indexes")
    drop_id_uniqueness(demo_turbo)
    demo_turbo.edit(
        'CREATE UNIQUE INDEX "Some_Customers" ON "Customers" ("CustomerID") '
        "WHERE \"CustomerType\" = 'RETAIL'",
        [],
    )
    result = CliRunner().invoke(main, ["doctor", "--settings", str(demo_turbo.settings)])
    assert "  PROBLEM  Customers.CustomerID has no unique index\n" in result.output, result.output


# kill -9 of a run that waits for a lock: the next run does not wait for the dead one.


def retrying_backends(watcher: Any, exclude: set[int]) -> list[tuple[int, str]]:
    """(pid, last statement) of this database's sessions trying again for a table lock
    (SMSync never queues for one: it asks with NOWAIT and rolls back to a savepoint)."""
    rows = watcher.execute(
        "SELECT pid, query FROM pg_stat_activity WHERE datname = current_database() "
        "AND (query LIKE '%NOWAIT' OR query LIKE 'ROLLBACK TO SAVEPOINT%')"
    ).fetchall()
    return [(int(r[0]), str(r[1])) for r in rows if int(r[0]) not in exclude]


def poll(check: Callable[[], Any], seconds: float, what: str, every: float = 0.05) -> Any:
    """``check()`` until it gives something true (polled, bounded: never a bare sleep)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(every)
    raise AssertionError(f"{what} within {seconds} s")


def test_after_kill_9_of_a_waiting_run_the_next_run_does_not_wait_for_it(
    request, tmp_path, monkeypatch, server
):
    """A clerk's unsaved edit keeps SMSync trying for the table; that run is killed with
    SIGKILL. The server ends the dead run's session within seconds, so it keeps no lock
    (SMSync's writer lock included): the next run waits only for the clerk, and says so,
    and runs once the clerk is done."""
    create_demo(tmp_path)
    turbo = SERVERS[server](request, tmp_path, SETTINGS_TEMPLATE, (CUSTOMERS, VENDORS))
    clerk = turbo.connect()
    clerk.autocommit = False
    clerk.execute(PHONE, ["555-UNSAVED", "DIFFPHONE"])
    watcher = turbo.connect()
    ours = {int(c.execute(SESSION_ID[server]).fetchone()[0]) for c in (clerk, watcher)}

    def trying() -> list[tuple[int, str]]:
        if server == "postgresql":
            return retrying_backends(watcher, ours)
        rows = watcher.execute(
            "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = DATABASE()"
        ).fetchall()
        return [(int(r[0]), "") for r in rows if int(r[0]) not in ours]

    try:
        process = kill_test.start_cli("sync", "--settings", turbo.settings, "--yes", noted=True)
        kill_test.wait_until_writing(process)
        # refused the table once, it tries again (the run says so itself: a server-wide
        # count of rollbacks to a savepoint would count any other session's too)
        kill_test.wait_until_waiting(process)
        (dead, statement), *_ = poll(trying, 60, "the run did not wait for the clerk")
        if server == "postgresql":
            assert statement.endswith(
                ('LOCK TABLE "Customers" IN SHARE ROW EXCLUSIVE MODE NOWAIT', "smsync_table_lock")
            ), statement
        os.kill(process.pid, signal.SIGKILL)
        process.communicate()
        started = time.monotonic()
        poll(
            lambda: not watcher.execute(SESSION_ALIVE[server], [dead]).fetchall(),
            10,
            "the killed run's session was still on the server",
        )
        gone = time.monotonic() - started
        before = turbo.dump()
        monkeypatch.setattr(dbapi, "LOCK_WAIT_SECONDS", 1.0)
        result = CliRunner().invoke(main, ["sync", "--settings", str(turbo.settings), "--yes"])
        text = " ".join(result.output.split())
        assert result.exit_code == 1, result.output
        assert "SMSTurbo's table Customers is being changed by another program or user" in text
        assert "another synchronization" not in text and "Traceback" not in text
        assert turbo.where in text
        assert turbo.dump() == before
        clerk.rollback()
        result = CliRunner().invoke(main, ["sync", "--settings", str(turbo.settings), "--yes"])
        assert result.exit_code == 0, result.output
        assert "Import completed: 32 created, 11 updated, 0 skipped, 0 conflicts (run 1)" in (
            result.output
        )
        assert gone < 5
    finally:
        clerk.close()
        watcher.close()


def test_a_server_without_a_known_table_lock_writes_in_a_serializable_transaction(
    request, tmp_path, monkeypatch
):
    """The generic way through ODBC (lock-based servers hold what a serializable
    transaction read until it ends): asked of the driver, and given back afterwards.
    PostgreSQL stands in for such a server here; on PostgreSQL itself SMSync locks the
    table, since its serializable transactions do not stop a blind INSERT."""
    create_demo(tmp_path)
    turbo = pg_turbo(request, tmp_path, SETTINGS_TEMPLATE, (CUSTOMERS, VENDORS))
    monkeypatch.setattr(dbapi, "TABLE_LOCKS", {})
    store = open_store(load_settings(turbo.settings))
    with store.transaction(writing=[CUSTOMER]):
        inside = store.db.query("SHOW transaction_isolation")[0][0]
    with store.transaction():
        undo_like = store.db.query("SHOW transaction_isolation")[0][0]
    assert (inside, undo_like) == ("serializable", "read committed")
    assert store.db.query("SHOW transaction_isolation")[0][0] == "read committed"


def refused_tries(monkeypatch) -> list[str]:
    """The tables SMSync's tries for a table lock were refused for (another transaction
    held it), as the server said it in this process."""
    refused: list[str] = []
    plain = dbapi.Database.keep_writers_off

    def noted(self, table: str) -> None:
        try:
            plain(self, table)
        except Exception:
            refused.append(table)
            raise

    monkeypatch.setattr(dbapi.Database, "keep_writers_off", noted)
    return refused


def test_on_mariadb_synchronize_locks_gaps_and_undo_reads_what_is_committed(request, tmp_path):
    """InnoDB locks the gaps between rows (others' INSERTs) only at REPEATABLE READ, and
    there reads a snapshot: Synchronize, which locks its tables, asks for REPEATABLE READ
    even where the server's default is READ COMMITTED; Undo, which locks only rows, for
    READ COMMITTED."""
    create_demo(tmp_path)
    turbo = mariadb_turbo(request, tmp_path, SETTINGS_TEMPLATE, (CUSTOMERS, VENDORS))
    store = open_store(load_settings(turbo.settings))
    store.db.execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
    level = "SELECT @@SESSION.tx_isolation"
    with store.transaction(writing=[CUSTOMER]):
        synchronizing = store.db.query(level)[0][0]
    store.db.execute("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ")
    with store.transaction():
        undoing = store.db.query(level)[0][0]
    assert (synchronizing, undoing) == ("REPEATABLE-READ", "READ-COMMITTED")


def test_a_clerks_insert_committed_while_synchronize_waits_is_a_conflict_for_that_row(
    request, tmp_path, server, monkeypatch
):
    """The clerk's unsaved PROSPECT1 keeps SMSync trying for the table; the clerk saves
    meanwhile. SMSync then reads it, and PROSPECT1 is a CONFLICT of its own while
    PROSPECT2 is created: not a unique-key error that stops the whole batch (what an
    INSERT racing the clerk's unique index entry gave)."""
    create_demo(tmp_path)
    turbo = SERVERS[server](request, tmp_path, SETTINGS_TEMPLATE, (CUSTOMERS, VENDORS))
    refused = refused_tries(monkeypatch)
    source, store, settings = session(turbo)
    chosen = chosen_now(source, store, settings, ["PROSPECT1", "PROSPECT2"])
    clerk = turbo.connect()
    clerk.autocommit = False
    clerk.execute(
        'INSERT INTO "Customers" ("CustomerID", "CustomerName") VALUES (?, ?)',
        ["PROSPECT1", "Typed by a clerk"],
    )
    watcher = turbo.connect()
    ours = {int(c.execute(SESSION_ID[server]).fetchone()[0]) for c in (clerk, watcher)}
    done: list[Any] = []

    def synchronize() -> None:  # its own connections, as another SMSync would have
        source, store, settings = session(turbo)
        try:
            done.append(apply(source, store, settings, chosen, user="tester"))
        except Exception as error:  # noqa: BLE001 - the test shows what it was
            done.append(error)

    worker = threading.Thread(target=synchronize)
    try:
        worker.start()
        if server == "postgresql":
            poll(lambda: retrying_backends(watcher, ours), 30, "SMSync did not wait for the clerk")
        poll(lambda: refused, 30, "SMSync did not wait for the clerk")
        clerk.commit()
        worker.join(60)
    finally:
        clerk.close()
        watcher.close()
    result = done[0]
    assert not isinstance(result, Exception), result
    assert outcomes(result) == {"PROSPECT1": Outcome.CONFLICT, "PROSPECT2": Outcome.CREATED}
    assert (
        "changed in Sage 50 or SMSTurbo since the lists were compared" in result.results[0].detail
    )
    assert store.fetch(CUSTOMER, "PROSPECT1")["name"] == "Typed by a clerk"
    assert customer_ids(turbo).count("PROSPECT1") == 1
    assert [c.record_id for c in store.audit.changes(result.run_id)] == ["PROSPECT2"]


def test_while_synchronize_waits_for_the_table_other_clerks_save_at_once(
    request, tmp_path, server, monkeypatch
):
    """A clerk's unsaved edit keeps SMSync trying for the table; meanwhile another
    clerk saves another customer without waiting for SMSync: a refused try leaves no lock
    behind (InnoDB keeps the row locks a rolled-back-to savepoint took, so there SMSync
    rolls back the whole transaction and takes its writer lock again). The save is done
    while SMSync still tries (it tries again after it), so it waited for no lock SMSync
    kept between tries. On InnoDB a try locks the rows before the edited one one by one
    until it is refused, so a save of such a row may wait the moment until that try is
    rolled back: how long depends on the machine's load, so it is not asked."""
    create_demo(tmp_path)
    turbo = SERVERS[server](request, tmp_path, SETTINGS_TEMPLATE, (CUSTOMERS, VENDORS))
    refused = refused_tries(monkeypatch)
    source, store, settings = session(turbo)
    chosen = chosen_now(source, store, settings, ["DIFFNAME", "PROSPECT1"])
    first = min(customer_ids(turbo))
    assert first < "DIFFPHONE"
    editing = turbo.connect()
    editing.autocommit = False
    editing.execute(PHONE, ["555-UNSAVED", "DIFFPHONE"])
    done: list[Any] = []

    def synchronize() -> None:  # its own connections, as another SMSync would have
        source, store, settings = session(turbo)
        try:
            done.append(apply(source, store, settings, chosen, user="tester"))
        except Exception as error:  # noqa: BLE001 - the test shows what it was
            done.append(error)

    worker = threading.Thread(target=synchronize)
    other = Clerk(turbo)
    try:
        worker.start()
        poll(lambda: len(refused) >= 2, 30, "SMSync did not try again for the table")
        other.start(
            f'UPDATE "Customers" SET "Phone2" = \'555-SAVED\' WHERE "CustomerID" = \'{first}\''
        )
        saved = other.finished(60)
        tries = len(refused)
        poll(
            lambda: len(refused) > tries,
            30,
            "SMSync stopped trying for the table before the first clerk was done",
        )
        editing.rollback()
        worker.join(60)
    finally:
        other.close()
        editing.close()
    assert saved == "committed"
    result = done[0]
    assert not isinstance(result, Exception), result
    assert outcomes(result) == {"DIFFNAME": Outcome.UPDATED, "PROSPECT1": Outcome.CREATED}


class Stopped(Exception):
    """What a checkpoint raises to end a synchronization there."""


def test_a_first_synchronization_stopped_after_making_the_audit_tables_writes_nothing(
    demo_turbo,
):
    """SMSTurbo without SMSync's audit tables: the first synchronization makes them. If
    it stops after that, before its commit, SMSTurbo holds none of its changes (MySQL
    and MariaDB commit at once what precedes a CREATE TABLE in the same transaction)."""
    demo_turbo.edit("DROP TABLE SMSync_Changes", [])
    demo_turbo.edit("DROP TABLE SMSync_Runs", [])
    before = demo_turbo.dump()
    source, store, settings = session(demo_turbo)
    chosen = chosen_now(source, store, settings, ["DIFFNAME", "PROSPECT1"])
    audits: list[str] = []

    def stop_once_audit_tables_exist(step: str) -> None:
        if step == "auditing":
            audits.append(step)
            if len(audits) == 2:
                raise Stopped

    with pytest.raises(Stopped):
        apply(source, store, settings, chosen, user="t", checkpoint=stop_once_audit_tables_exist)
    after = demo_turbo.dump()
    assert not after.get("smsync_runs") and not after.get("smsync_changes")
    audit = ("smsync_runs", "smsync_changes")
    assert {k: v for k, v in after.items() if k not in audit} == before


# SMSTurbo's SQLite file through the SQLite ODBC driver.

OVERLAPPING = """
import contextlib, os, pathlib, sys, time
from smsync_xl.connections.db import Database
from smsync_xl.smsturbo.store import SMSTurboStore
signal, first = pathlib.Path(os.environ["SIGNAL_FILE"]), os.environ["ROLE"] == "first"
asking = signal.with_name(signal.name + "-asking")
plain, asked, inside = SMSTurboStore.transaction, Database.has_table, []
def until(done, seconds):
    deadline = time.monotonic() + seconds
    while not done() and time.monotonic() < deadline:
        time.sleep(0.02)
@contextlib.contextmanager
def transaction(self, *args, **kwargs):
    inside.append(1)
    if not first:
        asking.touch()
    with plain(self, *args, **kwargs):
        if first:
            print("in transaction", file=sys.stderr, flush=True)
            # the second run has started and made its plan, however slowly: it is
            # asking for its transaction; then it reads inside it, or 3 s go by
            until(asking.exists, 120)
            until(signal.exists, 3)
        yield
def has_table(self, name):
    found = asked(self, name)
    if inside and not first:
        signal.touch()
    return found
SMSTurboStore.transaction, Database.has_table = transaction, has_table
from smsync_xl.cli import main
main()
"""


@pytest.mark.parametrize("lock_table", ["first-run", "lock-table-exists"])
def test_two_syncs_through_the_sqlite_odbc_driver_take_turns(request, tmp_path, lock_table):
    """The second synchronization's transaction takes SQLite's write lock before it
    reads anything (the catalogue included): it waits for the first to commit, instead
    of holding the file so that neither can commit until the busy timeout (100 s)."""
    from smsync_xl.smsturbo.audit import LOCK_DDL, LOCK_INSERT

    from . import odbc_env

    odbc = request.getfixturevalue("odbc")
    settings = kill_test.write_company(tmp_path, COUNT)
    path = tmp_path / "smsturbo_demo.sqlite"
    dsn = odbc.add_dsn(f"two_{lock_table[:5]}", odbc_env.SQLITE_DRIVER, Database=str(path))
    text = settings.read_text(encoding="utf-8").replace(
        '[smsturbo]\nkind = "sqlite"\npath = "smsturbo_demo.sqlite"\n',
        kill_test.odbc_turbo_section(dsn),
    )
    assert 'kind = "odbc"' in text
    settings.write_text(text, encoding="utf-8")
    if lock_table == "lock-table-exists":
        with closing(sqlite3.connect(path, isolation_level=None)) as c:
            c.execute(LOCK_DDL)
            c.execute(LOCK_INSERT)
    command = ["sync", "--settings", str(settings), "--yes"]

    def start(role: str):
        env = {**kill_test.cli_env(), "ROLE": role, "SIGNAL_FILE": str(tmp_path / "read")}
        return subprocess.Popen(
            [sys.executable, "-c", OVERLAPPING, *command],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    started = time.monotonic()
    first = start("first")
    assert first.stderr is not None
    for line in first.stderr:
        if line.startswith("in transaction"):
            break
    second = start("second")
    results = [finished(first), finished(second)]
    took = time.monotonic() - started
    assert [code for code, _ in results] == [0, 0], results
    assert f"Import completed: {COUNT} created" in results[0][1]
    assert f"0 created, 0 updated, {COUNT} skipped" in results[1][1]
    # waiting out the busy timeout (100 s) is the failure; two runs on a loaded machine
    # take a fraction of it
    assert took < 60, f"the two runs took {took:.0f} s"
    with closing(sqlite3.connect(path)) as c:
        ids = [r[0] for r in c.execute('SELECT "CustomerID" FROM "Customers"')]
    assert len(ids) == len(set(ids)) == COUNT + 1
