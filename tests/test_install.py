import sys

from click.testing import CliRunner

from smsync_xl.cli import main
from smsync_xl.core.resources import workbook_path
from smsync_xl.install import conf_text, install

from .workbook_helpers import Dialogs, open_book


def test_install_copies_the_workbook_and_points_xlwings_at_this_python(tmp_path):
    target = install(tmp_path / "SMSync", with_demo=True)
    assert target.read_bytes() == workbook_path().read_bytes()
    conf = (tmp_path / "SMSync" / "xlwings.conf").read_text(encoding="utf-8")
    assert f'"{sys.executable}"' in conf
    assert '"UDF MODULES","smsync_xl.udf"' in conf
    assert (tmp_path / "SMSync" / "sage50_demo.sqlite").exists()
    assert sys.executable.encode() not in target.read_bytes()


def test_conf_for_windows():
    assert conf_text(r"C:\Python\python.exe", True).startswith(
        '"INTERPRETER_WIN","C:\\Python\\python.exe"\n'
    )


def test_cli_install_then_headless_refresh_and_synchronize(tmp_path):
    runner = CliRunner()
    dest = tmp_path / "books"
    result = runner.invoke(main, ["install", "--dest", str(dest), "--demo"])
    assert result.exit_code == 0, result.output
    assert "Trusted Locations" in result.output
    book = dest / "SMSync.xlsm"
    refreshed = runner.invoke(main, ["refresh", str(book), "--yes"])
    assert refreshed.exit_code == 0, refreshed.output
    assert "Bellwether Aggregates & Hauling" in refreshed.output
    assert "Customers: 12 NEW, 9 DIFFERENT, 18 IN SYNC, 9 INVALID" in refreshed.output
    port = open_book(book, Dialogs())
    table = port.read_table("Sage50-only")
    values = ["x" if row[1] == "NEW" else None for row in table.rows]
    port.write_column("Sage50-only", "Include", values)
    port.finish()
    synced = runner.invoke(main, ["synchronize", str(book), "--yes"])
    assert synced.exit_code == 0, synced.output
    assert "Import completed: 12 created" in synced.output
    assert runner.invoke(main, ["synchronize", str(book), "--yes"]).exit_code == 0
    broken = runner.invoke(main, ["refresh", str(tmp_path / "missing.xlsm")])
    assert broken.exit_code == 2


def test_an_existing_workbook_is_only_replaced_with_force(tmp_path):
    target = install(tmp_path, with_demo=False)
    target.write_bytes(b"the bookkeeper's own setup")
    runner = CliRunner()
    refused = runner.invoke(main, ["install", "--dest", str(tmp_path)])
    assert refused.exit_code == 1 and "SMSync.xlsm already exist" in refused.output
    assert target.read_bytes() == b"the bookkeeper's own setup"
    forced = runner.invoke(main, ["install", "--dest", str(tmp_path), "--force"])
    assert forced.exit_code == 0
    assert (tmp_path / "SMSync.backup.xlsm").read_bytes() == b"the bookkeeper's own setup"
    assert target.read_bytes() == workbook_path().read_bytes()


def test_check_all_twin(tmp_path):
    runner = CliRunner()
    runner.invoke(main, ["install", "--dest", str(tmp_path), "--demo"])
    book = tmp_path / "SMSync.xlsm"
    assert runner.invoke(main, ["refresh", str(book), "--yes"]).exit_code == 0
    assert runner.invoke(main, ["check-all", str(book)]).exit_code == 0
    table = open_book(book).read_table("Sage50-only")
    ticked = {r[2]: r for r in table.rows if r[0] == "x"}
    assert len(ticked) == 10 and {r[1] for r in ticked.values()} == {"NEW"}
    assert "RETAIL" not in ticked and "PROSPECT5" not in ticked  # inactive in Sage 50
