"""Every row of issue 10's benchmark table with one command.

Runs ``bench_engine.py`` (compare, datacompy, apply over ODBC, start-up) and, when it is
present, ``bench_workbook.py`` (the workbook rows), each in its own process, passing
``--rows``; each prints its own table. ``--json`` collects their figures in one file
(passed on to a script only if its ``--help`` offers ``--json``).

    python benchmarks/run_all.py --rows 100000    # the figures of the table
    python benchmarks/run_all.py --quick          # 10,000 rows
    python benchmarks/run_all.py --json figures.json

Run from the repository root, with the ``bench`` extra installed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SCRIPTS = ("bench_engine.py", "bench_workbook.py")


def offers_json(script: Path, env: dict[str, str]) -> bool:
    done = subprocess.run(
        [sys.executable, str(script), "--help"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    return done.returncode == 0 and "--json" in done.stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="Sage 50 customers")
    parser.add_argument("--quick", action="store_true", help="10,000 rows")
    parser.add_argument("--json", metavar="PATH", help="write every script's figures here")
    args = parser.parse_args(argv)
    rows = 10_000 if args.quick else args.rows
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    collected: dict[str, object] = {"rows": rows}
    failed = []
    with tempfile.TemporaryDirectory(prefix="smsync-bench-") as folder:
        for name in SCRIPTS:
            script = HERE / name
            if not script.exists():
                print(f"\n== {name}: not present, its rows are not run", flush=True)
                continue
            command = [sys.executable, str(script), "--rows", str(rows)]
            out = Path(folder) / f"{script.stem}.json"
            if args.json and offers_json(script, env):
                command += ["--json", str(out)]
            print(f"\n== {' '.join([Path(command[0]).name, *command[1:]])}", flush=True)
            start = time.perf_counter()
            code = subprocess.run(command, env=env, cwd=ROOT, check=False).returncode
            print(f"== {name}: exit {code}, {time.perf_counter() - start:.0f} s", flush=True)
            if code != 0:
                failed.append(name)
            if out.exists():
                collected[script.stem] = json.loads(out.read_text(encoding="utf-8"))
    if args.json:
        Path(args.json).write_text(
            json.dumps(collected, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
