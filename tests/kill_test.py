"""kill -9 at random moments of `smsync-xl sync --yes` and `smsync-xl undo --yes`: after
each kill SMSTurbo must be exactly as before the command or exactly as after it (every
table, the audit and SMSync's lock table included), never in between.

    python tests/kill_test.py --runs 40 --backend sqlite
    python tests/kill_test.py --runs 40 --backend postgresql

The company has 2,000 NEW customers (and the demo's ZZDEFAULT); each run restores
SMSTurbo to its starting state, starts the command as a real process, kills it with
SIGKILL after a random delay drawn over the command's measured duration, then dumps
SMSTurbo (for SQLite through a fresh connection, which rolls back a hot journal just
as the next SMSync would). The run's StartedAt time is the only column masked.
tests/test_concurrency.py runs a few iterations on SQLite in the test suite; this file
is also the helpers' home: a bigger company, a CLI process, a dump of every table.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: import the checkout, not an installed copy
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from smsync_xl.demo.company import SETTINGS_TEMPLATE, create_sage_company, create_smsturbo
from smsync_xl.demo.data import DemoLists, DemoRecord

ROOT = Path(__file__).resolve().parents[1]
Dump = dict[str, list[tuple]]
MASKED = {"startedat"}
"""Columns whose value depends on the clock, not on what was written."""


def generated_customers(count: int, prefix: str = "N") -> list[DemoRecord]:
    """``count`` customers that exist only in Sage 50: NEW, taken by default."""
    return [
        DemoRecord(
            {
                "id": f"{prefix}{n:06d}",
                "name": f"Generated Customer {n}",
                "address1": f"{n} Main St",
                "city": "Springfield",
                "state": "IL",
                "zip": "62701",
                "phone1": "217-555-0100",
                "credit_limit": "100.00",
                "terms": "30",
            }
        )
        for n in range(count)
    ]


def write_company(folder: Path, count: int, turbo: str | None = None) -> Path:
    """A Sage 50 company of ``count`` NEW customers, an SMSTurbo SQLite file holding only
    ZZDEFAULT (unless ``turbo`` gives the settings' [smsturbo] section for a server), and
    the settings file; returns the settings path."""
    folder.mkdir(parents=True, exist_ok=True)
    create_sage_company(folder / "sage50_demo.sqlite", DemoLists(generated_customers(count)))
    text = SETTINGS_TEMPLATE
    if turbo is None:
        create_smsturbo(folder / "smsturbo_demo.sqlite", DemoLists())
    else:
        text = text.replace('[smsturbo]\nkind = "sqlite"\npath = "smsturbo_demo.sqlite"\n', turbo)
    settings = folder / "settings.toml"
    settings.write_text(text, encoding="utf-8")
    return settings


def odbc_turbo_section(dsn: str) -> str:
    return f'[smsturbo]\nkind = "odbc"\ndsn = "{dsn}"\n'


TIMING = """
import contextlib, sys, time
from smsync_xl.smsturbo.store import SMSTurboStore
plain = SMSTurboStore.transaction
@contextlib.contextmanager
def noted(self, *args, waiting=lambda: None, **kwargs):
    told = []
    def waits():
        if not told:
            told.append(1)
            print("waiting for a lock", file=sys.stderr, flush=True)
        waiting()
    print("transaction from", time.monotonic(), file=sys.stderr, flush=True)
    with plain(self, *args, waiting=waits, **kwargs):
        yield
    print("transaction to", time.monotonic(), file=sys.stderr, flush=True)
SMSTurboStore.transaction = noted
from smsync_xl.cli import main
main()
"""
"""The command as it runs in the kill test, saying when its write transaction starts
and ends (after the commit; the monotonic clock, which the test's process shares and a
clock set meanwhile does not move): for the measuring run only. It also says when it first
waits for a lock in SMSync's own steps (SQLite's write lock, a table a clerk holds); a
server's writer lock is waited for inside one statement, seen on the server only."""


def cli_command(*args: object) -> list[str]:
    """`smsync-xl ARGS` as a process of this Python, running this checkout."""
    return [sys.executable, "-c", "from smsync_xl.cli import main; main()", *map(str, args)]


def cli_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    return env


def start_cli(*args: object, noted: bool = False) -> subprocess.Popen[str]:
    """The command as a process; ``noted``: saying on stderr when its write transaction
    starts and ends (see ``TIMING``)."""
    code = TIMING if noted else "from smsync_xl.cli import main; main()"
    return subprocess.Popen(
        [sys.executable, "-c", code, *map(str, args)],
        env=cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_until_writing(process: subprocess.Popen[str]) -> None:
    """Block until a ``noted`` process is about to take SMSync's writer lock (it has
    read both sides and made its plan)."""
    assert process.stderr is not None
    for line in process.stderr:
        if line.startswith("transaction from"):
            return
    out, err = process.communicate()
    raise AssertionError(f"the process ended before writing: {out}{err}")


def wait_until_waiting(process: subprocess.Popen[str]) -> None:
    """Block until a ``noted`` process, past ``wait_until_writing``, says it waits for a
    lock (refused once, it tries again)."""
    assert process.stderr is not None
    for line in process.stderr:
        if line.startswith("waiting for a lock"):
            return
    out, err = process.communicate()
    raise AssertionError(f"the process ended without waiting for a lock: {out}{err}")


def masked(tables: dict[str, tuple[list[str], list[tuple]]]) -> Dump:
    """Rows sorted, clock columns blanked: two runs that wrote the same compare equal."""
    dumped = {}
    for name, (columns, rows) in tables.items():
        hidden = [i for i, c in enumerate(columns) if c.lower() in MASKED]
        cleaned = [tuple("*" if i in hidden else v for i, v in enumerate(r)) for r in rows]
        dumped[name.lower()] = sorted(cleaned, key=repr)
    return dumped


def dump_sqlite(path: Path) -> Dump:
    """Every table of an SMSTurbo file, through a fresh connection (which rolls back
    the hot journal a killed writer leaves)."""
    with closing(sqlite3.connect(path)) as connection:
        names = [
            r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        tables = {}
        for name in names:
            cursor = connection.execute(f'SELECT * FROM "{name}"')
            tables[name] = ([d[0] for d in cursor.description], cursor.fetchall())
    return masked(tables)


def dump_odbc(connection_string: str) -> Dump:
    """Every table of an SMSTurbo database on a server, through ODBC."""
    import pyodbc

    with closing(pyodbc.connect(connection_string, autocommit=True)) as connection:
        return dump_connection(connection, "'public'")


def dump_connection(connection: Any, schema: str) -> Dump:
    """Every table in ``schema`` (an SQL expression) of an open ODBC connection."""
    names = [
        r[0]
        for r in connection.execute(
            "SELECT table_name FROM information_schema.tables "
            f"WHERE table_schema = {schema} AND table_type = 'BASE TABLE'"
        ).fetchall()
    ]
    tables = {}
    for name in names:
        cursor = connection.execute(f'SELECT * FROM "{name}"')
        tables[name] = (
            [d[0] for d in cursor.description],
            [tuple(r) for r in cursor.fetchall()],
        )
    return masked(tables)


@dataclass
class Backend:
    """Where SMSTurbo lives for the kill test: reset to a saved state, dump it."""

    settings: Path
    dump: Callable[[], Dump]
    save: Callable[[str], None]
    restore: Callable[[str], None]
    in_transaction: Callable[[], bool] | None = None
    """True right after a kill when the killed process was inside its transaction (known
    for SQLite: a hot journal is left behind; unknown on a server)."""


def sqlite_backend(folder: Path, count: int) -> Backend:
    settings = write_company(folder, count)
    turbo = folder / "smsturbo_demo.sqlite"
    journal = folder / "smsturbo_demo.sqlite-journal"

    def save(name: str) -> None:
        shutil.copyfile(turbo, folder / f"{name}.saved")

    def restore(name: str) -> None:
        journal.unlink(missing_ok=True)
        shutil.copyfile(folder / f"{name}.saved", turbo)

    def hot_journal() -> bool:
        return journal.exists() and journal.stat().st_size > 0

    return Backend(settings, lambda: dump_sqlite(turbo), save, restore, hot_journal)


@contextmanager
def postgresql_backend(folder: Path, count: int) -> Iterator[Backend]:
    """SMSTurbo in PostgreSQL through psqlODBC: each state is a template database and
    every run gets a fresh copy of it. Needs the tests' ODBC set-up (tests/odbc_env.py)."""
    from smsync_xl.connections.db import Database
    from smsync_xl.demo.company import write_smsturbo
    from tests import odbc_env

    if odbc_env.CONFIG is None:
        odbc_env.configure()
    odbc = odbc_env.require_drivers()
    server = odbc_env.Postgres()
    server.start()
    os.environ["SMSYNC_SMSTURBO_PASSWORD"] = server.password
    try:
        import pyodbc

        base = server.create_database()
        with closing(pyodbc.connect(server.connection_string(base), autocommit=True)) as c:
            write_smsturbo(Database(c, label=base), DemoLists())
        dsn = f"kill_{base.removeprefix('smsync_test_')}"
        current = {"db": base}

        def point_at(database: str) -> None:
            odbc.add_dsn(
                dsn,
                odbc_env.PG_DRIVER,
                Servername=odbc_env.PG_HOST,
                Port=str(odbc_env.PG_PORT),
                Database=database,
                Username=server.role,
            )
            current["db"] = database

        def admin(sql: str) -> None:
            with closing(server.admin()) as connection:
                connection.execute(sql)

        def save(name: str) -> None:
            template = f"{base}_{name}"
            admin(f"DROP DATABASE IF EXISTS {template} WITH (FORCE)")
            admin(f"CREATE DATABASE {template} TEMPLATE {current['db']}")
            if template not in server.databases:
                server.databases.append(template)

        def restore(name: str) -> None:
            work = f"{base}_work"
            admin(f"DROP DATABASE IF EXISTS {work} WITH (FORCE)")
            admin(f"CREATE DATABASE {work} TEMPLATE {base}_{name}")
            if work not in server.databases:
                server.databases.append(work)
            point_at(work)

        point_at(base)
        settings = write_company(folder, count, odbc_turbo_section(dsn))
        yield Backend(
            settings,
            lambda: dump_odbc(server.connection_string(current["db"])),
            save,
            restore,
        )
    finally:
        server.stop()


@dataclass
class Tally:
    """What the kills left: each run's state, and how many finished before the kill."""

    timing: Timing
    seen_inside: bool
    """Whether the backend tells a kill inside the transaction (SQLite's hot journal)."""
    states: Counter[str] = field(default_factory=Counter)
    aimed_inside: int = 0
    """Kills timed inside the write transaction of the measuring run."""
    failures: list[str] = field(default_factory=list)

    def line(self, command: str, runs: int) -> str:
        s, t = self.states, self.timing
        before = s["before"] + s["before, mid-transaction"]
        after = s["after"] + s["after, finished first"]
        inside = (
            f" ({s['before, mid-transaction']} left a hot journal: killed mid-transaction)"
            if self.seen_inside
            else ""
        )
        return (
            f"{command} ({t.total:.2f} s unkilled, transaction {t.transaction[0]:.2f}-"
            f"{t.transaction[1]:.2f} s): {runs} kills, {self.aimed_inside} timed inside the "
            f"transaction; before {before}{inside}, after {after} "
            f"({s['after, finished first']} finished before the kill); "
            f"in between {len(self.failures)}"
        )


@dataclass(frozen=True)
class Timing:
    total: float
    transaction: tuple[float, float]
    """Seconds after the start when the write transaction began and committed."""


def timed(args: list[object]) -> Timing:
    """How long the command takes when nothing stops it, and when it writes."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", TIMING, *map(str, args)],
        env=cli_env(),
        capture_output=True,
        text=True,
    )
    total = time.monotonic() - started
    if done.returncode != 0:
        raise RuntimeError(f"{args} failed: {done.stdout}{done.stderr}")
    marks = {
        line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1]) - started
        for line in done.stderr.splitlines()
        if line.startswith("transaction ")
    }
    return Timing(total, (marks["transaction from"], marks["transaction to"]))


def kill_delay(timing: Timing, rng: random.Random) -> tuple[float, bool]:
    """Half the kills fall inside the write transaction (where a half-written state
    could happen), a quarter around its commit, the rest anywhere from start-up to just
    after the end. Returns the delay and whether it is inside the transaction."""
    start, end = timing.transaction
    draw = rng.random()
    if draw < 0.5:
        delay = rng.uniform(start, end)
    elif draw < 0.75:
        delay = rng.uniform(end - 0.03, end + 0.05)
    else:
        delay = rng.uniform(0.05 * timing.total, 1.05 * timing.total)
    return delay, start <= delay <= end


def kill_runs(
    backend: Backend,
    args: list[object],
    start: str,
    before: Dump,
    after: Dump,
    runs: int,
    timing: Timing,
    rng: random.Random,
) -> Tally:
    tally = Tally(timing, backend.in_transaction is not None)
    for n in range(runs):
        backend.restore(start)
        delay, aimed_inside = kill_delay(timing, rng)
        tally.aimed_inside += aimed_inside
        process = start_cli(*args)
        time.sleep(delay)
        finished = process.poll() is not None
        if not finished:
            os.kill(process.pid, signal.SIGKILL)
        process.communicate()
        inside = backend.in_transaction() if backend.in_transaction else False
        state = backend.dump()
        if state == before:
            tally.states["before, mid-transaction" if inside else "before"] += 1
        elif state == after:
            tally.states["after, finished first" if finished else "after"] += 1
        else:
            tally.failures.append(f"run {n}: neither before nor after")
    return tally


def run(backend: Backend, runs: int, seed: int = 9) -> tuple[Tally, Tally]:
    """Kill ``runs`` syncs and ``runs`` undos; return the tallies."""
    rng = random.Random(seed)
    sync = ["sync", "--settings", backend.settings, "--yes"]
    undo = ["undo", "--settings", backend.settings, "--yes"]
    backend.save("start")
    backend.restore("start")
    before = backend.dump()
    sync_time = timed(sync)
    synced = backend.dump()
    backend.save("synced")
    backend.restore("synced")
    undo_time = timed(undo)
    undone = backend.dump()
    assert synced != before and undone != synced
    sync_tally = kill_runs(backend, sync, "start", before, synced, runs, sync_time, rng)
    undo_tally = kill_runs(backend, undo, "synced", synced, undone, runs, undo_time, rng)
    return sync_tally, undo_tally


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=9)
    options = parser.parse_args()
    import tempfile

    with tempfile.TemporaryDirectory(prefix="smsync-kill-") as temp:
        folder = Path(temp)
        if options.backend == "sqlite":
            tallies = run(sqlite_backend(folder, options.customers), options.runs, options.seed)
        else:
            with postgresql_backend(folder, options.customers) as backend:
                tallies = run(backend, options.runs, options.seed)
    failures = []
    for command, tally in zip(("sync", "undo"), tallies, strict=True):
        print(f"{options.backend} {tally.line(command, options.runs)}")
        failures += tally.failures
    for failure in failures:
        print("FAILED", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
