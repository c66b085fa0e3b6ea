"""The engine rows of issue 10's benchmark table, each beside its anchor from the same run.

1. ``compare()`` of N Sage 50 customers against SMSTurbo (15 % NEW, 10 % DIFFERENT, 5 %
   INVALID, N/20 SMSTurbo-only) / a bare dict diff of the same records.
2. datacompy (compare + report) of the same records as DataFrames / ``compare()``; the
   DataFrame build is timed apart (its own column), not in the ratio. Pandas (datacompy's
   classic ``Compare``) is the row with the target; Polars is shown beside it.
3. ``synchronize`` of 10,000 NEW customers into SMSTurbo in PostgreSQL over ODBC
   (psqlODBC) / the same rows by pyodbc ``executemany`` with ``fast_executemany``; and
   of 10,000 DIFFERENT ones (updates) / the same rows written by ID the same way.
4. Start-up: ``smsync-xl --help`` (wall time, peak RSS) / a bare ``python -c pass``.

Every figure is the median of ``--repeat`` runs, the figure and its anchor interleaved;
these machines are shared and noisy, so the ratio is the figure to compare.

    python benchmarks/bench_engine.py                 # 100,000 customers, apply 10,000
    python benchmarks/bench_engine.py --quick         # 10,000 customers
    python benchmarks/bench_engine.py --json out.json # also the figures as JSON ('-': stdout)

Run from the repository root. Row 2 needs the ``bench`` extra (``pip install -e
'.[bench]'``); row 3 needs unixODBC, psqlODBC and a local PostgreSQL whose superuser
``psql`` reaches (as root through ``runuser -u postgres``); it creates a login role and
databases of its own and drops them at the end. A row whose prerequisites are missing
is shown as skipped, with why.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import glob
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from smsync_xl.core import fields  # noqa: E402
from smsync_xl.core.compare import ComparisonFacts, compare, lookups_from  # noqa: E402
from smsync_xl.core.fields import CUSTOMER, TURBO_FIELDS, Record, SageRecord, TurboRecord  # noqa: E402
from smsync_xl.core.settings import EntitySettings, StatusRule  # noqa: E402
from smsync_xl.core.vocabulary import DEFAULTS_ID, Status  # noqa: E402
from smsync_xl.demo.data import CREDIT_STATUSES, DEFAULTS, DemoLists  # noqa: E402
from tests.odbc_env import (  # noqa: E402 - the tests' own way to reach PostgreSQL
    PG_HOST,
    PG_PORT,
    OdbcConfig,
    psql,
)

REPLACE = frozenset(
    {"name", "address", "phone", "contact", "email", "credit_limit", "credit_status"}
)
"""The demo settings' Replace Options for customers."""


# ---------------------------------------------------------------------------------------
# The table


@dataclass
class Figure:
    """One row of the table: a measured figure, its anchor from the same run, the ratio."""

    step: str
    measured: float | None
    anchor_name: str
    anchor: float | None
    target: str
    limit: float
    at_most: bool = True
    """The target is an upper bound (``≤``); else a lower bound (``≥``)."""
    on_ratio: bool = True
    """The target applies to the ratio; else to the measured seconds."""
    also: str = ""
    skipped: str = ""
    informative: bool = False
    """Shown beside a row with a target; its own 'met?' is in parentheses."""
    runs: list[float] = field(default_factory=list)
    anchor_runs: list[float] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    unit: str = "s"
    """What ``measured`` counts: seconds, or (without an anchor) a count per record."""

    @property
    def ratio(self) -> float | None:
        if self.measured is None or not self.anchor:
            return None
        return self.measured / self.anchor

    @property
    def met(self) -> bool | None:
        value = self.ratio if self.on_ratio else self.measured
        if value is None:
            return None
        return value <= self.limit if self.at_most else value >= self.limit

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "ratio": self.ratio, "met": self.met}


def seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f} s"


def print_table(figures: list[Figure]) -> None:
    header = ("step", "measured", "anchor", "ratio", "target", "met?", "also")
    lines = []
    for f in figures:
        if f.skipped:
            lines.append((f.step, "skipped", f.skipped, "", f.target, "-", ""))
            continue
        lines.append(
            (
                f.step,
                seconds(f.measured) if f.unit == "s" else f"{f.measured:.2f} {f.unit}",
                f"{seconds(f.anchor)} ({f.anchor_name})" if f.anchor_name else "-",
                "-" if f.ratio is None else f"{f.ratio:.2f}",
                f.target,
                ("({})" if f.informative else "{}").format(
                    {True: "yes", False: "NO", None: "-"}[f.met]
                ),
                f.also,
            )
        )
    widths = [max(len(str(line[i])) for line in [header, *lines]) for i in range(len(header))]
    for line in [header, tuple("-" * w for w in widths), *lines]:
        print(" | ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)).rstrip())


def median_pair(
    measured: Callable[[], object], anchor: Callable[[], object], repeat: int
) -> tuple[list[float], list[float]]:
    """Both actions ``repeat`` times, interleaved, so noise hits both alike; each starts
    with the collector's generations emptied, so neither pays for the other's garbage."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for action, into in ((measured, times[0]), (anchor, times[1])):
            gc.collect()
            start = time.perf_counter()
            action()
            into.append(time.perf_counter() - start)
    return times


def figure(
    step: str, runs: list[float], anchor_name: str, anchor_runs: list[float], **kw
) -> Figure:
    return Figure(
        step,
        statistics.median(runs),
        anchor_name,
        statistics.median(anchor_runs),
        runs=runs,
        anchor_runs=anchor_runs,
        **kw,
    )


# ---------------------------------------------------------------------------------------
# 1 and 2: compare() against a bare dict diff, and against datacompy


def customers(count: int) -> tuple[list[SageRecord], list[TurboRecord]]:
    """``count`` Sage 50 customers shaped as Sage50Source reads the demo company (every
    field present, None where the company has no column), and SMSTurbo's side as
    SMSTurboStore reads it (every mapped field). By ``n % 20``: 0-2 NEW, 3-4 DIFFERENT
    (phone, address, e-mail or type: the last not a Replace Option), 5 INVALID (a
    lowercase ID, an empty name, a tab in the name, a credit limit that is no number, a
    city too long), the rest IN SYNC; then ``count // 20`` SMSTurbo-only and ZZDEFAULT."""
    sage: list[SageRecord] = []
    turbo: list[TurboRecord] = [TurboRecord(DEFAULTS_ID, dict(DEFAULTS))]
    blank = dict.fromkeys(CUSTOMER.turbo_fields)
    for n in range(count):
        kind, variant = n % 20, (n // 20) % 5
        values: Record = {
            **blank,
            "id": f"C{n:07d}",
            "name": f"Customer {n} Hauling LLC",
            "address1": f"{n} Main St",
            "address2": "",
            "city": "Springfield",
            "state": "IL",
            "zip": f"{n % 99999:05d}",
            "country": "USA",
            "contact": "Pat Lee",
            "phone1": "217-555-0100",
            "fax": "",
            "email": f"c{n}@example.com",
            "type": "WHOLESAL",
            "credit_limit": "5000.00",
            "terms": "30",
        }
        stored = {
            **values,
            "phone2": "",
            "credit_status": "CHARGE",
            "tax_exempt": "N",
            "billing_cycle": "MONTHLY",
            "udf1": "",
            "udf2": "",
        }
        if kind == 5:
            bad: Record = (
                {"id": f"c{n:07d}"},
                {"name": ""},
                {"name": f"Customer\t{n}"},
                {"credit_limit": "5k"},
                {"city": "Springfield-on-the-Sangamon River Bottoms"},
            )[variant]
            values.update(bad)
            if "id" in bad:
                stored["id"] = values["id"]
        elif kind in (3, 4):
            field_name = ("phone1", "address1", "email", "type", "phone1")[variant]
            stored[field_name] = f"old {stored[field_name]}"[:8]
        sage.append(SageRecord(str(values["id"]), False, values))
        if kind > 2:
            turbo.append(TurboRecord(str(stored["id"]), stored))
    for n in range(count // 20):
        only = {**turbo[1].values, "id": f"T{n:07d}", "name": f"Old customer {n}"}
        turbo.append(TurboRecord(str(only["id"]), only))
    return sage, turbo


def run_compare(sage: list[SageRecord], turbo: list[TurboRecord]):
    return compare(
        CUSTOMER,
        sage,
        turbo,
        ComparisonFacts(
            EntitySettings(replace=REPLACE),
            lookups=lookups_from({fields.CREDIT_STATUSES: CREDIT_STATUSES}),
            rule=StatusRule(),
        ),
    )


def dict_diff(sage: list[SageRecord], turbo: list[TurboRecord]) -> dict[str, list[str] | None]:
    """The floor: SMSTurbo's records by ID, then for each Sage 50 record its SMSTurbo
    record looked up and the two dicts compared field by field, collecting the names of
    the fields that differ (None: not in SMSTurbo)."""
    by_id = {r.id: r.values for r in turbo}
    found: dict[str, list[str] | None] = {}
    for record in sage:
        other = by_id.get(record.id)
        if other is None:
            found[record.id] = None
            continue
        changed = [name for name, value in record.values.items() if value != other.get(name)]
        if changed:
            found[record.id] = changed
    return found


def compare_figures(rows: int, repeat: int, notes: dict[str, Any]) -> list[Figure]:
    sage, turbo = customers(rows)
    plan = run_compare(sage, turbo)
    counts = {s.value: n for s, n in plan.counts().items()}
    notes["compare data"] = (
        f"{len(sage):,} Sage 50 against {len(turbo):,} SMSTurbo records: {counts}, "
        f"SMSTurbo-only {len(plan.turbo_only):,}"
    )
    expected = {Status.NEW: 0.15, Status.DIFFERENT: 0.10, Status.INVALID: 0.05}
    for status, share in expected.items():
        assert plan.counts()[status] == round(rows * share), (status, plan.counts())
    runs, anchor_runs = median_pair(
        lambda: run_compare(sage, turbo), lambda: dict_diff(sage, turbo), repeat
    )
    figures = [
        figure(
            f"compare() {rows:,} / dict diff",
            runs,
            "dict diff",
            anchor_runs,
            target="≤ 3",
            limit=3.0,
        )
    ]
    figures += datacompy_figures(sage, turbo, repeat, notes)
    return figures


def datacompy_figures(
    sage: list[SageRecord], turbo: list[TurboRecord], repeat: int, notes: dict[str, Any]
) -> list[Figure]:
    """datacompy's work (compare + report) beside compare(); the frames are built before
    the clock starts, and their build is timed apart."""
    rows = len(sage)
    step = f"datacompy {rows:,} / compare()"
    try:
        import datacompy
        import pandas as pd
        import polars as pl
    except ImportError as error:
        reason = f"needs the bench extra: pip install -e '.[bench]' ({error})"
        return [Figure(step, None, "compare()", None, "≥ 1", 1.0, at_most=False, skipped=reason)]
    columns = list(CUSTOMER.turbo_fields)
    schema = dict.fromkeys(columns, pl.String)

    def pandas_frames():
        return (
            pd.DataFrame.from_records([r.values for r in sage], columns=columns),
            pd.DataFrame.from_records([r.values for r in turbo], columns=columns),
        )

    def polars_frames():
        return (
            pl.from_dicts([r.values for r in sage], schema=schema),
            pl.from_dicts([r.values for r in turbo], schema=schema),
        )

    figures = []
    for library, build, make in (
        ("pandas", pandas_frames, datacompy.PandasCompare),
        ("polars", polars_frames, datacompy.PolarsCompare),
    ):
        left, right = build()
        build_runs = []
        for _ in range(repeat):
            start = time.perf_counter()
            build()
            build_runs.append(time.perf_counter() - start)

        def work(left=left, right=right, make=make) -> str:
            return make(left, right, join_columns="id").report()

        report = work()
        lines = report.count("\n")
        runs, anchor_runs = median_pair(work, lambda: run_compare(sage, turbo), repeat)
        built = statistics.median(build_runs)
        found = figure(
            step.replace("datacompy", f"datacompy ({library})"),
            runs,
            "compare()",
            anchor_runs,
            target="≥ 1",
            informative=library != "pandas",
            limit=1.0,
            at_most=False,
            also=f"+ {built:.3f} s building the DataFrames (ratio with them "
            f"{(statistics.median(runs) + built) / statistics.median(anchor_runs):.2f})",
            details={"frame_build_s": built, "frame_build_runs": build_runs},
        )
        figures.append(found)
        version = (pd if library == "pandas" else pl).__version__
        notes[f"datacompy ({library})"] = (
            f"datacompy {datacompy.__version__}, {library} {version}: "
            f"{make.__name__}(sage, smsturbo, join_columns='id').report() ({lines} lines); "
            "the frames are built before the clock starts"
        )
    return figures


# ---------------------------------------------------------------------------------------
# 3: synchronize over ODBC against fast_executemany


UNICODE = "SMSync Bench PostgreSQL Unicode"
ANSI = "SMSync Bench PostgreSQL ANSI"


class Odbc(OdbcConfig):
    """The tests' private odbcinst.ini/odbc.ini (ODBCSYSINI), with both psqlODBC drivers,
    set before the first driver-manager call of this process; nothing of the system's is
    touched."""

    def __init__(self) -> None:
        folder = Path(tempfile.mkdtemp(prefix="smsync-bench-odbc-"))
        os.environ["ODBCSYSINI"] = str(folder)
        os.environ["ODBCINI"] = str(folder / "user-odbc.ini")
        os.environ.pop("ODBCINSTINI", None)
        (folder / "user-odbc.ini").touch()
        super().__init__(folder)
        self.drivers = {
            name: found[0]
            for name, library in ((UNICODE, "psqlodbcw.so"), (ANSI, "psqlodbca.so"))
            if (found := sorted(glob.glob(f"/usr/lib/*/odbc/{library}")))
        }
        self.write()

    def pg_dsn(
        self,
        name: str,
        database: str,
        user: str,
        *,
        port: int = PG_PORT,
        options: dict[str, str] | None = None,
    ) -> str:
        """``options``: more psqlODBC DSN settings (``--dsn-option``)."""
        return self.add_dsn(
            name,
            UNICODE,
            Servername=PG_HOST,
            Port=str(port),
            Database=database,
            Username=user,
            **(options or {}),
        )

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


class Postgres:
    """A login role of this run and the databases it owns, all dropped at the end."""

    def __init__(self) -> None:
        self.role = f"smsync_bench_{os.getpid()}"
        self.password = "Pw-" + secrets.token_hex(8)
        self.databases: list[str] = []

    def start(self) -> str | None:
        """None when ready, else why not."""
        if shutil.which("psql") is None:
            return "PostgreSQL's psql is not installed"
        done = psql(
            f"DROP ROLE IF EXISTS {self.role};\n"
            f"CREATE ROLE {self.role} LOGIN PASSWORD '{self.password}';\n"
        )
        return None if done.returncode == 0 else f"PostgreSQL: {done.stderr.strip()}"

    def create_database(self) -> str:
        name = f"{self.role}_{len(self.databases) + 1}"
        done = psql(f"CREATE DATABASE {name} OWNER {self.role};\n")
        if done.returncode != 0:
            raise RuntimeError(done.stderr)
        self.databases.append(name)
        return name

    def drop(self, name: str) -> None:
        psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE);\n")

    def connection_string(self, database: str, driver: str = UNICODE, port: int = PG_PORT) -> str:
        return (
            f"Driver={{{driver}}};Server={PG_HOST};Port={port};Database={database};"
            f"UID={self.role};PWD={self.password}"
        )

    def stop(self) -> None:
        drops = "".join(f"DROP DATABASE IF EXISTS {d} WITH (FORCE);\n" for d in self.databases)
        psql(drops + f"DROP ROLE IF EXISTS {self.role};\n")


class RoundTrips:
    """A TCP relay in front of PostgreSQL that counts round trips: each time the server
    answers after the client has sent. It runs in a process of its own (pyodbc keeps the
    GIL through some driver calls, which would stall a relay thread in this process);
    for counting runs only, never timed."""

    def __init__(self, port: int = PG_PORT) -> None:
        self.child = subprocess.Popen(
            [sys.executable, __file__, "--relay", str(port)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.child.stdout is not None
        self.port = int(self.child.stdout.readline())

    def take(self) -> int:
        """Round trips since the last call."""
        assert self.child.stdin is not None and self.child.stdout is not None
        self.child.stdin.write("take\n")
        self.child.stdin.flush()
        return int(self.child.stdout.readline())

    def close(self) -> None:
        self.child.kill()
        self.child.wait()


def relay(port: int) -> None:
    """The relay process: prints its port, then a count for each line read."""
    listener = socket.create_server((PG_HOST, 0))
    lock = threading.Lock()
    counted = [0]

    def pump(source: socket.socket, sink: socket.socket, way: str, last: list[str]) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(1 << 16):
                with lock:  # noted before it is passed on: the answer comes after
                    if way == "down" and last[0] == "up":
                        counted[0] += 1
                    last[0] = way
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)

    def accept() -> None:
        while True:
            client, _ = listener.accept()
            server = socket.create_connection((PG_HOST, port))
            last = [""]
            for ends in ((client, server, "up", last), (server, client, "down", last)):
                threading.Thread(target=pump, args=ends, daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    print(listener.getsockname()[1], flush=True)
    for _ in sys.stdin:
        with lock:
            print(counted[0], flush=True)
            counted[0] = 0


class ServerLog:
    """Statements PostgreSQL itself ran for one session, read from its own log: the
    bench role's sessions log every statement (``ALTER ROLE … SET log_statement =
    'all'``, for counting runs only, never timed), and the lines of one backend process
    (``[pid]`` in the server's log line prefix) are counted: a simple query or each
    execution of a prepared one (``execute …``), savepoints of statement-level rollback
    included."""

    _LINE = r"\[{}\].*LOG:  (?:statement|execute [^:]*): "

    def __init__(self, pg: Postgres) -> None:
        self.pg = pg
        found = psql("SELECT pg_current_logfile();\n")
        named = found.stdout.strip().splitlines()[-1].strip() if found.stdout.strip() else ""
        major = server_version(pg).split(".")[0]
        self.path = Path(named) if named.startswith("/") else None
        self.path = self.path or Path(f"/var/log/postgresql/postgresql-{major}-main.log")

    def problem(self) -> str | None:
        """None when the server's log can be read, else why not."""
        try:
            with self.path.open("rb"):
                return None
        except OSError as error:
            return f"PostgreSQL's log {self.path} cannot be read ({error.strerror})"

    @contextlib.contextmanager
    def logging(self) -> Iterator[None]:
        psql(f"ALTER ROLE {self.pg.role} SET log_statement = 'all';\n")
        try:
            yield
        finally:
            psql(f"ALTER ROLE {self.pg.role} RESET log_statement;\n")

    def mark(self) -> int:
        return self.path.stat().st_size

    def count(self, pid: int, since: int) -> int:
        """Statements backend ``pid`` ran since log offset ``since``."""
        time.sleep(0.2)  # the server's log is written through a pipe
        line = re.compile(self._LINE.format(pid).encode())
        with self.path.open("rb") as log:
            log.seek(since)
            return sum(1 for text in log if line.search(text))


def backend(connection: Any) -> int:
    """The PostgreSQL process serving a pyodbc connection."""
    return int(connection.execute("SELECT pg_backend_pid()").fetchone()[0])


def new_customers(count: int):
    from smsync_xl.demo.data import DemoRecord

    return [
        DemoRecord(
            {
                "id": f"N{n:07d}",
                "name": f"New Customer {n} Aggregates LLC",
                "address1": f"{n} Quarry Rd",
                "address2": "Suite 100",
                "city": "Springfield",
                "state": "IL",
                "zip": f"{n % 99999:05d}",
                "country": "USA",
                "contact": "Pat Lee",
                "phone1": "217-555-0100",
                "fax": "217-555-0199",
                "email": f"n{n}@example.com",
                "type": "WHOLESAL",
                "credit_limit": "2500.00",
                "terms": "30",
            }
        )
        for n in range(count)
    ]


def changed_customers(count: int) -> list[Record]:
    """``new_customers`` as SMSTurbo holds them before Synchronize updates them: other
    names and credit limits for all, another city for half, no phone for a third."""
    records = []
    for n, record in enumerate(new_customers(count)):
        values = dict(record.values)
        values["name"] = f"Old Customer {n}"
        values["credit_limit"] = "999.50"
        if n % 2:
            values["city"] = "Shelbyville"
        if n % 3 == 0:
            values["phone1"] = None
        records.append(values)
    return records


UPDATED_GROUPS = "name, address, phone, credit_limit"
"""The Replace Options of the updates row: every field ``changed_customers`` changes."""


class ApplyBench:
    """Fresh SMSTurbo reference databases in PostgreSQL, one per run: ZZDEFAULT only, or
    with ``updating`` the customers as ``changed_customers`` has them too."""

    def __init__(
        self,
        odbc: Odbc,
        pg: Postgres,
        sage_path: Path,
        count: int,
        options: dict[str, str],
        updating: bool = False,
    ) -> None:
        self.odbc, self.pg, self.sage_path, self.count = odbc, pg, sage_path, count
        self.options = options
        self.updating = updating

    def fresh(self) -> str:
        import pyodbc

        from smsync_xl.connections.db import Database
        from smsync_xl.demo.company import write_smsturbo
        from smsync_xl.smsturbo.mapping import load_mapping
        from smsync_xl.smsturbo.store import SMSTurboStore

        name = self.pg.create_database()
        db = Database(pyodbc.connect(self.pg.connection_string(name), autocommit=True), label=name)
        write_smsturbo(db, DemoLists())
        if self.updating:
            store = SMSTurboStore(db, load_mapping())
            with store.transaction():
                store.insert_many(CUSTOMER, changed_customers(self.count))
        db.close()
        return name

    def synchronize(
        self,
        database: str,
        port: int = PG_PORT,
        trips: RoundTrips | None = None,
        log: ServerLog | None = None,
    ):
        """Plan, then synchronize what is taken by default; returns (plan s, sync s,
        plan round trips, sync round trips, server statements of the synchronize)."""
        from smsync_xl import app
        from smsync_xl.core.vocabulary import Outcome
        from smsync_xl.files.settings_file import settings_from_values

        dsn = self.odbc.pg_dsn(
            f"bench_{database[-12:]}_{port}",
            database,
            self.pg.role,
            port=port,
            options=self.options,
        )
        settings = settings_from_values(
            {
                "sage50.kind": "sqlite",
                "sage50.path": str(self.sage_path),
                "smsturbo.kind": "odbc",
                "smsturbo.dsn": dsn,
                "smsturbo.user": self.pg.role,
                **({"customers.replace": UPDATED_GROUPS} if self.updating else {}),
            },
            base=self.sage_path.parent,
            locate=lambda key: f"benchmark setting {key}",
        )
        session = app.open_session(settings)
        try:
            pid = backend(session.store.db.connection) if log else 0
            if trips:
                trips.take()
            start = time.perf_counter()
            chosen = app.default_choice(app.plan(session, [CUSTOMER]))
            planned = time.perf_counter()
            plan_trips = trips.take() if trips else None
            since = log.mark() if log else 0
            result = app.synchronize(session, chosen)
            done = time.perf_counter()
            sync_trips = trips.take() if trips else None
            statements = log.count(pid, since) if log else None
        finally:
            session.store.db.close()
            session.source.db.close()  # type: ignore[attr-defined]
        done_as = Outcome.UPDATED if self.updating else Outcome.CREATED
        assert result.count(done_as) == self.count, result.summary()
        return planned - start, done - planned, plan_trips, sync_trips, statements

    def written(self, database: str) -> tuple[list[str], list[tuple]]:
        """The customers synchronize wrote, as the driver returns them: the anchor's rows."""
        import pyodbc

        connection = pyodbc.connect(self.pg.connection_string(database), autocommit=True)
        cursor = connection.execute(
            'SELECT * FROM "Customers" WHERE "CustomerID" <> ?', DEFAULTS_ID
        )
        columns = [d[0] for d in cursor.description]
        rows = [tuple(r) for r in cursor.fetchall()]
        connection.close()
        return columns, rows


def input_sizes(columns: list[str]) -> list[tuple[int, int, int] | None]:
    """Each text column's real size (psqlODBC describes every VARCHAR parameter as
    MaxVarcharSize, 255 characters by default, and pyodbc sizes its buffers by that)."""
    import pyodbc

    from smsync_xl.smsturbo.mapping import load_mapping

    by_column = {c: f for f, c in load_mapping().tables["customers"].columns.items()}
    sizes: list[tuple[int, int, int] | None] = []
    for column in columns:
        spec = TURBO_FIELDS[by_column[column]]
        sizes.append(None if spec.kind.numeric else (pyodbc.SQL_WVARCHAR, spec.max_length, 0))
    return sizes


def fast_executemany(
    connection_string: str,
    sql: str,
    sized: list[str] | None,
    rows: list[tuple],
    log: ServerLog | None,
) -> tuple[float, int | None]:
    """One cursor, ``fast_executemany`` (with the sizes of the ``sized`` columns), one
    transaction; returns seconds and, with ``log``, the statements the server ran."""
    import pyodbc

    connection = pyodbc.connect(connection_string, autocommit=False)
    try:
        pid = backend(connection) if log else 0
        connection.commit()
        since = log.mark() if log else 0
        cursor = connection.cursor()
        cursor.fast_executemany = True
        if sized is not None:
            cursor.setinputsizes(input_sizes(sized))
        start = time.perf_counter()
        cursor.executemany(sql, rows)
        connection.commit()
        took = time.perf_counter() - start
        return took, (log.count(pid, since) if log else None)
    finally:
        connection.close()


def fast_insert(
    connection_string: str,
    columns: list[str],
    rows: list[tuple],
    *,
    sizes: bool = True,
    log: ServerLog | None = None,
) -> tuple[float, int | None]:
    """The anchor: the rows inserted by ``fast_executemany``."""
    sql = 'INSERT INTO "Customers" ({}) VALUES ({})'.format(
        ", ".join(f'"{c}"' for c in columns), ", ".join("?" for _ in columns)
    )
    return fast_executemany(connection_string, sql, columns if sizes else None, rows, log)


def fast_update(
    connection_string: str,
    columns: list[str],
    rows: list[tuple],
    *,
    log: ServerLog | None = None,
) -> tuple[float, int | None]:
    """The updates' anchor: the rows Synchronize wrote, written over the same customers
    as they were before (every column but the ID, by ID) by ``fast_executemany`` with
    the columns' sizes."""
    key = columns.index("CustomerID")
    others = [c for c in columns if c != "CustomerID"]
    values = [(*(v for i, v in enumerate(row) if i != key), row[key]) for row in rows]
    sql = 'UPDATE "Customers" SET {} WHERE "CustomerID" = ?'.format(
        ", ".join(f'"{c}" = ?' for c in others)
    )
    return fast_executemany(connection_string, sql, [*others, "CustomerID"], values, log)


def probe_fast_executemany(pg: Postgres, database: str, columns: list[str], row: tuple) -> dict:
    """What works with fast_executemany on psqlODBC: a value of 300 characters in the
    500-character name column, rolled back each time."""
    import pyodbc

    name_at = columns.index("CustomerName")
    long_row = [*row]
    long_row[name_at] = "N" * 300
    long_row[columns.index("CustomerID")] = "PROBE1"
    attempts = {
        "Unicode driver, fast_executemany": (UNICODE, False, False),
        "Unicode driver, fast_executemany + setinputsizes": (UNICODE, True, False),
        "ANSI driver (UTF-8), fast_executemany": (ANSI, False, True),
        "ANSI driver (UTF-8), fast_executemany + setinputsizes": (ANSI, True, True),
    }
    found = {}
    for label, (driver, sizes, narrow) in attempts.items():
        connection = pyodbc.connect(pg.connection_string(database, driver), autocommit=False)
        if narrow:
            connection.setencoding(encoding="utf-8")
            connection.setdecoding(pyodbc.SQL_CHAR, encoding="utf-8")
        cursor = connection.cursor()
        cursor.fast_executemany = True
        if sizes:
            kinds = input_sizes(columns)
            if narrow:
                kinds = [k and (pyodbc.SQL_VARCHAR, k[1] * 4, 0) for k in kinds]
            cursor.setinputsizes(kinds)
        sql = 'INSERT INTO "Customers" ({}) VALUES ({})'.format(
            ", ".join(f'"{c}"' for c in columns), ", ".join("?" for _ in columns)
        )
        try:
            cursor.executemany(sql, [tuple(long_row)])
            found[label] = "works"
        except pyodbc.Error as error:
            found[label] = "fails: " + max(map(str, error.args or [error]), key=len)
        finally:
            connection.rollback()
            connection.close()
    return found


def apply_figures(
    count: int,
    repeat: int,
    notes: dict[str, Any],
    odbc: Odbc,
    options: dict[str, str],
    updating: bool = False,
) -> list[Figure]:
    """Synchronize ``count`` NEW customers, or with ``updating`` ``count`` DIFFERENT ones
    (``changed_customers``), against the same rows by ``fast_executemany``."""
    shown = "".join(f", {k}={v}" for k, v in options.items())
    rows_are = "DIFFERENT (updates)" if updating else "NEW"
    step = f"apply {count:,} {rows_are} (PG, ODBC{shown}) / fast_executemany"
    anchor = fast_update if updating else fast_insert
    kw = {"target": "≤ 2", "limit": 2.0}
    try:
        import pyodbc  # noqa: F401
    except ImportError as error:
        return [Figure(step, None, "fast_executemany", None, skipped=f"no pyodbc: {error}", **kw)]
    if UNICODE not in odbc.drivers:
        reason = "psqlODBC not found (Debian: apt-get install odbc-postgresql)"
        return [Figure(step, None, "fast_executemany", None, skipped=reason, **kw)]
    pg = Postgres()
    problem = pg.start()
    if problem:
        return [Figure(step, None, "fast_executemany", None, skipped=problem, **kw)]
    from smsync_xl.demo.company import create_sage_company

    folder = Path(tempfile.mkdtemp(prefix="smsync-bench-"))
    previous = {
        k: os.environ.get(k) for k in ("SMSYNC_SMSTURBO_PASSWORD", "PYTHON_KEYRING_BACKEND")
    }
    os.environ["SMSYNC_SMSTURBO_PASSWORD"] = pg.password
    os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    try:
        sage_path = folder / "sage50.sqlite"
        create_sage_company(sage_path, DemoLists(new_customers(count)))
        bench = ApplyBench(odbc, pg, sage_path, count, options, updating)
        runs, anchor_runs, plans = [], [], []
        columns: list[str] = []
        rows: list[tuple] = []
        for _ in range(repeat):
            database = bench.fresh()
            planned, synced, _, _, _ = bench.synchronize(database)
            runs.append(synced)
            plans.append(planned)
            columns, rows = bench.written(database)
            pg.drop(database)
            target = bench.fresh()
            anchor_runs.append(anchor(pg.connection_string(target), columns, rows)[0])
            pg.drop(target)
        trips, log = RoundTrips(), ServerLog(pg)
        counted = log if log.problem() is None else None
        try:
            database = bench.fresh()
            with log.logging() if counted else contextlib.nullcontext():
                _, _, plan_trips, sync_trips, statements = bench.synchronize(
                    database, trips.port, trips, counted
                )
            pg.drop(database)
            target = bench.fresh()
            trips.take()
            with log.logging() if counted else contextlib.nullcontext():
                _, anchor_statements = anchor(
                    pg.connection_string(target, port=trips.port), columns, rows, log=counted
                )
            anchor_trips = trips.take()
            if not updating:
                notes["fast_executemany (300 characters in a VARCHAR(500))"] = (
                    probe_fast_executemany(pg, target, columns, rows[0])
                )
            pg.drop(target)
        finally:
            trips.close()
        per_record = sync_trips / count if sync_trips else 0
        said = (
            f"server statements {statements:,} ({statements / count:.2f}/record) vs "
            f"{anchor_statements:,}; "
            if statements is not None and anchor_statements is not None
            else f"server statements not counted: {log.problem()}; "
        )
        found = figure(
            step,
            runs,
            "fast_executemany",
            anchor_runs,
            also=said + f"round trips {sync_trips:,} ({per_record:.2f}/record) vs "
            f"{anchor_trips:,}; plan before it {statistics.median(plans):.3f} s, "
            f"{plan_trips:,} round trips",
            details={
                "server_statements": statements,
                "server_statements_per_record": statements / count if statements else None,
                "anchor_server_statements": anchor_statements,
                "plan_s": statistics.median(plans),
                "plan_runs": plans,
                "round_trips": sync_trips,
                "anchor_round_trips": anchor_trips,
                "plan_round_trips": plan_trips,
            },
            **kw,
        )
        notes["apply updates" if updating else "apply"] = (
            f"app.synchronize(session, app.default_choice(app.plan(session, [CUSTOMER]))) "
            f"timed without the plan before it (shown apart); PostgreSQL "
            f"{server_version(pg)} through psqlODBC's Unicode driver (DSN); each run a "
            + (
                f"fresh database holding ZZDEFAULT and {count:,} customers with other names, "
                f"credit limits, cities and phones (replace: {UPDATED_GROUPS}); Sage 50: an "
                f"SQLite company of the same {count:,} customers. Anchor: the rows "
                "synchronize wrote, read back, written by ID over the same customers in a "
                "fresh identical table (UPDATE of every other column) by one cursor with "
                "fast_executemany = True and setinputsizes (column sizes), one transaction. "
                if updating
                else f"fresh database holding ZZDEFAULT only; Sage 50: an SQLite company of "
                f"{count:,} NEW customers. Anchor: the rows synchronize wrote, read back, "
                "inserted into a fresh identical table by one cursor with fast_executemany "
                "= True and setinputsizes (column sizes), one transaction. "
            )
            + "Round trips "
            "counted in an extra, untimed run through a relay; server statements in the "
            "same run, from PostgreSQL's own log (log_statement = 'all' for the bench "
            "role, the lines of the session's backend process)"
        )
        return [found, statements_figure(step, statements, count, log)]
    finally:
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        shutil.rmtree(folder, ignore_errors=True)
        pg.stop()


def statements_figure(step: str, statements: int | None, count: int, log: ServerLog) -> Figure:
    """Issue 17's second apply row: server statements per record written."""
    name = step.replace(" / fast_executemany", "") + ": server statements per record"
    kw = {"target": "≤ 1.5", "limit": 1.5, "on_ratio": False, "unit": "per record"}
    if statements is None:
        return Figure(name, None, "", None, skipped=str(log.problem()), **kw)
    return Figure(name, statements / count, "", None, also="PostgreSQL's own log", **kw)


def server_version(pg: Postgres) -> str:
    done = psql("SHOW server_version;\n")
    found = re.search(r"\d+(\.\d+)?", done.stdout.split("\n", 2)[-1] if done.stdout else "")
    return found.group() if found else "?"


# ---------------------------------------------------------------------------------------
# 4: start-up


def run_child(command: list[str], env: dict[str, str]) -> float:
    """Wall time of one child process, from start to exit."""
    start = time.perf_counter()
    subprocess.run(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=True
    )
    return time.perf_counter() - start


LAUNCHER = (
    "import os, resource, sys\n"
    "pid = os.posix_spawn(sys.argv[1], sys.argv[1:], os.environ)\n"
    "assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)
"""Reports a child's peak RSS from a small launcher: Linux keeps the peak of the memory
a child was forked (or vforked) from across its exec, so measured from this process,
which holds 100,000 records, every child would seem as large as this process."""


def peak_rss(command: list[str], env: dict[str, str]) -> float:
    """Peak RSS in MiB of ``command`` (``getrusage(RUSAGE_CHILDREN).ru_maxrss``)."""
    done = subprocess.run(
        [sys.executable, "-c", LAUNCHER, *command],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return int(done.stdout.split()[-1]) / 1024


def imported(code: str, env: dict[str, str]) -> tuple[set[str], float]:
    """Top-level packages imported by ``code`` and the seconds of its largest import
    (``python -X importtime``)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    names, largest = set(), 0
    for line in done.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            names.add(parts[2].strip().split(".")[0])
            largest = max(largest, int(parts[1]))
    return names, largest / 1e6


def startup_figures(repeat: int, notes: dict[str, Any]) -> list[Figure]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    script = Path(sys.executable).parent / "smsync-xl"
    command = [str(script), "--help"]
    if not script.exists():  # not installed: the same entry point
        command = [sys.executable, "-c", "from smsync_xl.cli import main; main()", "--help"]
    bare = [sys.executable, "-c", "pass"]
    run_child(command, env)  # warm the file cache and the bytecode
    times, bare_times = [], []
    for _ in range(repeat):
        times.append(run_child(command, env))
        bare_times.append(run_child(bare, env))
    peaks = [peak_rss(command, env) for _ in range(2)]
    bare_peaks = [peak_rss(bare, env) for _ in range(2)]
    heavy = ("xlwings", "pandas", "numpy", "polars", "pyarrow", "openpyxl", "pyodbc", "keyring")
    at_import, import_s = imported("import smsync_xl.cli", env)
    at_help, _ = imported(
        "import sys; sys.argv = ['smsync-xl', '--help']\n"
        "from smsync_xl.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass",
        env,
    )
    peak = max(peaks)
    found = figure(
        "start-up: smsync-xl --help",
        times,
        "python -c pass",
        bare_times,
        target="≤ 0.3 s",
        limit=0.3,
        on_ratio=False,
        also=f"peak RSS {peak:.0f} MiB (bare {max(bare_peaks):.0f} MiB); imports "
        + (", ".join(h for h in heavy if h in at_help) or "none of the heavy ones"),
        details={
            "peak_rss_mib": peak,
            "bare_peak_rss_mib": max(bare_peaks),
            "imported_by_import_cli": sorted(h for h in heavy if h in at_import),
            "imported_by_help": sorted(h for h in heavy if h in at_help),
            "import_cli_s": import_s,
        },
    )
    installed = [h for h in ("xlwings", "pandas", "numpy") if module_installed(h)]
    notes["start-up"] = (
        f"{' '.join(Path(c).name for c in command)} as a child process, median of {repeat} "
        f"(after one warm-up); python -X importtime -c 'import smsync_xl.cli': "
        f"{import_s:.3f} s cumulative, imports "
        f"{', '.join(sorted(h for h in heavy if h in at_import)) or 'none of ' + '/'.join(heavy)}; "
        f"installed in this environment: {', '.join(installed) or 'none of xlwings/pandas/numpy'}"
    )
    return [found]


def module_installed(name: str) -> bool:
    from importlib.util import find_spec

    return find_spec(name) is not None


# ---------------------------------------------------------------------------------------


@contextlib.contextmanager
def odbc_configured() -> Iterator[Odbc]:
    odbc = Odbc()
    try:
        yield odbc
    finally:
        odbc.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="customers to compare")
    parser.add_argument("--quick", action="store_true", help="10,000 customers")
    parser.add_argument(
        "--apply-rows",
        type=int,
        help="NEW, then DIFFERENT, customers to synchronize (default: 10,000 or --rows)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (median)")
    parser.add_argument("--startup-repeat", type=int, default=5)
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON ('-')")
    parser.add_argument(
        "--only", choices=("compare", "apply", "startup"), action="append", help="some rows only"
    )
    parser.add_argument(
        "--dsn-option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a psqlODBC setting for SMSync's DSN in the apply row (Protocol=7.4-1, say)",
    )
    parser.add_argument("--relay", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.relay:
        relay(args.relay)
        return 0
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # clean up PostgreSQL too
    rows = 10_000 if args.quick else args.rows
    apply_rows = args.apply_rows or min(rows, 10_000)
    only = set(args.only or ("compare", "apply", "startup"))
    notes: dict[str, Any] = {}
    figures: list[Figure] = []
    with odbc_configured() as odbc:  # before anything calls the ODBC driver manager
        if "compare" in only:
            figures += compare_figures(rows, args.repeat, notes)
        if "apply" in only:
            options = dict(option.split("=", 1) for option in args.dsn_option)
            figures += apply_figures(apply_rows, args.repeat, notes, odbc, options)
            figures += apply_figures(apply_rows, args.repeat, notes, odbc, options, updating=True)
        if "startup" in only:
            figures += startup_figures(args.startup_repeat, notes)
    print(
        f"\nEngine rows: {rows:,} customers, apply {apply_rows:,}; medians of {args.repeat} "
        f"(start-up {args.startup_repeat}); Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs\n"
    )
    print_table(figures)
    print()
    for key, value in notes.items():
        if isinstance(value, dict):
            print(f"{key}:")
            for label, outcome in value.items():
                print(f"  {label}: {outcome}")
        else:
            print(f"{key}: {value}")
    if args.json:
        document = {
            "rows": rows,
            "apply_rows": apply_rows,
            "repeat": args.repeat,
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "figures": [f.as_json() for f in figures],
            "notes": notes,
        }
        text = json.dumps(document, indent=2, ensure_ascii=False)
        if args.json == "-":
            print(text)
        else:
            Path(args.json).write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
