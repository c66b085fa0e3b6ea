import locale
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import xlwings
from click.testing import CliRunner
from openpyxl import load_workbook

from smsync_xl.cli import main
from smsync_xl.core.errors import SmsyncError
from smsync_xl.demo.company import create_demo
from smsync_xl.files.package_files import template_path, workbook_path
from smsync_xl.pc.install import (
    UNPINNED,
    applescript_path,
    conf_bytes,
    folder_warnings,
    install,
    interpreter_key,
    next_steps,
    pinned_settings,
    vba_encoding,
)

from .test_interrupts import interrupted
from .workbook_helpers import Dialogs, open_book

XLWINGS_BAS = Path(xlwings.__file__).parent / "xlwings.bas"
APPLESCRIPT = Path(xlwings.__file__).parent / f"xlwings-{xlwings.__version__}.applescript"
LINE = re.compile(r'^"([^"]*)","([^"]*)"$')


def read_like_vba(raw: bytes, encoding: str) -> dict[str, str]:
    """What xlwings' GetConfigFromFile sees: each line read by Input # as two quoted
    strings, after the bytes are decoded in ``encoding``."""
    settings = {}
    for line in raw.decode(encoding).splitlines():
        match = LINE.match(line)
        assert match, f"Input # could not read {line!r}"
        settings[match.group(1)] = match.group(2)
    return settings


def keys_vba_reads() -> set[str]:
    """Every key the workbook's VBA asks GetConfig for: xlwings' module and ours."""
    sources = [XLWINGS_BAS, template_path("SMSync.bas")]
    text = "\n".join(path.read_text(encoding="utf-8") for path in sources)
    return set(re.findall(r'\bGetConfig\("([^"]+)"', text))


def test_install_copies_the_workbook_and_points_xlwings_at_this_python(tmp_path):
    target = install(tmp_path / "SMSync", with_demo=True).workbook
    assert target.read_bytes() == workbook_path().read_bytes()
    conf = (tmp_path / "SMSync" / "xlwings.conf").read_text(encoding="utf-8")
    assert f'"{sys.executable}"' in conf
    assert '"UDF MODULES","smsync_xl.udf"' in conf
    assert (tmp_path / "SMSync" / "sage50_demo.sqlite").exists()
    assert sys.executable.encode() not in target.read_bytes()


def test_windows_conf_is_in_the_ansi_code_page_with_crlf_and_every_setting_pinned():
    python = "C:\\Users\\Jos\u00e9 M\u00fcller\\venv\\Scripts\\python.exe"
    raw = conf_bytes(python, platform="win32", encoding="cp1252")
    assert b"Jos\xe9 M\xfcller" in raw  # one cp1252 byte per letter, not UTF-8's two
    assert raw.count(b"\r\n") == raw.count(b"\n") == len(pinned_settings(python, "win32"))
    assert read_like_vba(raw, "cp1252") == {
        "INTERPRETER_WIN": python,
        "CONDA PATH": "",
        "CONDA ENV": "",
        "UDF MODULES": "smsync_xl.udf",
        "DEBUG UDFS": "False",
        "USE UDF SERVER": "False",
        "SHOW CONSOLE": "False",
        "ADD_WORKBOOK_TO_PYTHONPATH": "False",
        "PYTHONPATH": "",
        "TEMP DIR": "%TEMP%",
        "SHOW_ERROR_POPUPS": "True",
    }


def test_the_encoding_is_the_one_vba_reads_in():
    assert vba_encoding("win32") == locale.getencoding()  # the ANSI code page on Windows
    assert vba_encoding("darwin") == "ascii"  # Mac VBA's encoding is unknown: the safe subset
    assert vba_encoding("linux") == "utf-8"  # no Excel there


@pytest.mark.parametrize("platform", ["win32", "darwin"])
def test_every_key_xlwings_reads_is_pinned_or_known_harmless(platform):
    read = keys_vba_reads()
    assert {"INTERPRETER_WIN", "INTERPRETER_MAC", "CONDA PATH", "UDF MODULES"} <= read
    pinned = {key for key, _ in pinned_settings("python", platform)}
    other_platform = {"INTERPRETER_WIN", "INTERPRETER_MAC"} - {interpreter_key(platform)}
    # INTERPRETER_WIN is read only by Windows' VBA (#Else of #If Mac, and the Windows-only
    # UDF server), INTERPRETER_MAC only by the Mac's.
    assert read - pinned - set(UNPINNED) - other_platform == set()
    assert pinned <= read, "a pinned key xlwings never reads (a typo?)"
    assert set(UNPINNED) <= read, "UNPINNED lists a key xlwings no longer reads"
    assert pinned.isdisjoint(UNPINNED)


def test_the_workbook_has_no_settings_that_would_override_the_file():
    """GetConfig reads a sheet named xlwings.conf before the file, and a sheet named *.py
    switches RunPython to xlwings PRO's embedded code."""
    names = load_workbook(workbook_path(), read_only=True, keep_vba=True).sheetnames
    assert "xlwings.conf" not in names
    assert not [name for name in names if name.endswith(".py")]


def test_a_non_ascii_folder_installs_and_the_conf_decodes_in_cp1252_to_the_exact_path(tmp_path):
    dest = tmp_path / "Jos\u00e9 M\u00fcller"
    python = str(dest / "venv" / "Scripts" / "python.exe")
    target = install(
        dest, with_demo=False, platform="win32", interpreter=python, encoding="cp1252"
    ).workbook
    assert target == dest / "SMSync.xlsm" and target.read_bytes() == workbook_path().read_bytes()
    raw = (dest / "xlwings.conf").read_bytes()
    assert read_like_vba(raw, "cp1252")["INTERPRETER_WIN"] == python
    assert f'"INTERPRETER_WIN","{python}"\r\n'.encode("cp1252") in raw


@pytest.mark.parametrize(
    "folder, python, char",
    [
        ("\u0141\u00f3d\u017a", None, "\u0141"),  # the folder: VBA finds the file by an ANSI name
        ("books", "C:\\Users\\\u738b\\python.exe", "\u738b"),  # the interpreter
    ],
)
def test_what_the_code_page_cannot_hold_is_refused_and_nothing_is_written(
    tmp_path, folder, python, char
):
    dest = tmp_path / folder
    python = python or str(dest / "venv" / "Scripts" / "python.exe")
    with pytest.raises(SmsyncError) as refused:
        install(dest, with_demo=True, platform="win32", interpreter=python, encoding="cp1252")
    text = str(refused.value)
    assert repr(char) in text and "cp1252" in text
    assert (str(dest) if folder != "books" else python) in text
    assert "--dest" in text if folder != "books" else "Install Python" in text
    assert not dest.exists()


def test_a_refused_force_install_keeps_the_old_workbook_and_makes_no_backup(tmp_path):
    target = install(tmp_path, with_demo=False).workbook
    target.write_bytes(b"the bookkeeper's own setup")
    conf = (tmp_path / "xlwings.conf").read_bytes()
    with pytest.raises(SmsyncError, match="U\\+738B"):
        install(tmp_path, with_demo=False, force=True, platform="win32",
                interpreter="C:\\\u738b\\python.exe", encoding="cp1252")  # fmt: skip
    assert target.read_bytes() == b"the bookkeeper's own setup"
    assert not list(tmp_path.glob("SMSync.backup*"))
    assert (tmp_path / "xlwings.conf").read_bytes() == conf


def test_a_double_quote_is_refused():
    with pytest.raises(SmsyncError, match="double quote"):
        conf_bytes('C:\\odd"name\\python.exe', platform="win32", encoding="cp1252")


def test_on_a_mac_the_applescript_lands_where_excel_runs_it(tmp_path):
    home, dest = tmp_path / "home", tmp_path / "SMSync"
    python = "/Users/jose/.venvs/smsync/bin/python"
    install(dest, with_demo=False, platform="darwin", home=home, interpreter=python)
    script = home / "Library" / "Application Scripts" / "com.microsoft.Excel"
    assert [p.name for p in script.iterdir()] == ["xlwings-0.37.8.applescript"]
    assert (script / "xlwings-0.37.8.applescript").read_bytes() == APPLESCRIPT.read_bytes()
    assert applescript_path(home) == script / "xlwings-0.37.8.applescript"
    raw = (dest / "xlwings.conf").read_bytes()
    assert b"\r\n" not in raw  # LF, as xlwings writes its own Mac config
    settings = read_like_vba(raw, "ascii")
    assert settings["INTERPRETER_MAC"] == python and "INTERPRETER_WIN" not in settings


@pytest.mark.parametrize(
    "python, expected",
    [
        ("/Users/jose/My Projects/.venv/bin/python", "' '"),  # unquoted in the shell command
        ("/Users/jose/caf\u00e9/.venv/bin/python", "'\u00e9'"),  # not plain ASCII
    ],
)
def test_on_a_mac_a_python_path_excel_cannot_run_is_refused(tmp_path, python, expected):
    home, dest = tmp_path / "home", tmp_path / "SMSync"
    with pytest.raises(SmsyncError) as refused:
        install(dest, with_demo=False, platform="darwin", home=home, interpreter=python)
    assert python in str(refused.value) and expected in str(refused.value)
    assert "~/smsync-venv" in str(refused.value)
    assert not dest.exists() and not home.exists()


def test_a_tilde_destination_is_the_home_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("USERPROFILE", str(tmp_path))  # what expanduser reads on Windows
    assert (
        install(Path("~/SMSync"), with_demo=False).workbook == tmp_path / "SMSync" / "SMSync.xlsm"
    )


WINDOWS_ENV = {"OneDrive": "C:\\Users\\jose\\OneDrive"}


@pytest.mark.parametrize(
    "folder, platform, environ, onedrive, network",
    [
        ("C:\\SMSync", "win32", WINDOWS_ENV, False, False),
        ("C:\\Users\\jose\\SMSync", "win32", WINDOWS_ENV, False, False),
        ("c:\\users\\JOSE\\onedrive\\Documents\\SMSync", "win32", WINDOWS_ENV, True, False),
        ("D:\\Sync\\Acme\\SMSync", "win32", {"OneDriveCommercial": "D:\\Sync\\Acme"}, True, False),
        ("C:\\Users\\jose\\OneDrive - Acme Corp\\SMSync", "win32", {}, True, False),
        ("\\\\fileserver\\office\\SMSync", "win32", {}, False, True),
        ("//fileserver/office/SMSync", "win32", {}, False, True),
        ("\\\\?\\UNC\\fileserver\\office\\SMSync", "win32", {}, False, True),
        ("\\\\?\\C:\\SMSync", "win32", {}, False, False),
        ("/Users/jose/Library/CloudStorage/OneDrive-Personal/SMSync", "darwin", {}, True, False),
        ("/Users/jose/SMSync", "darwin", {}, False, False),
    ],
)
def test_folder_warnings(folder, platform, environ, onedrive, network):
    warnings = folder_warnings(folder, platform=platform, environ=environ)
    assert any("OneDrive" in w and "https://" in w for w in warnings) == onedrive
    assert any("Allow Trusted Locations on my network" in w for w in warnings) == network
    assert len(warnings) == onedrive + network


def test_next_steps_for_windows_and_mac():
    windows = next_steps(Path("C:/SMSync/SMSync.xlsm"), platform="win32")
    assert "File > Options > Trust Center > Trust Center Settings >" in windows
    assert "Trusted Locations > Add new location" in windows
    assert "Allow Trusted Locations on my network" in windows and "Unblock" in windows
    assert 'VBA project object model" is NOT needed' in windows
    mac = next_steps(Path("/Users/jose/SMSync/SMSync.xlsm"), platform="darwin")
    assert "no Trusted Locations" in mac and "Trust Center" not in mac
    assert "access to the folder" in mac and "only in Excel for Windows" in mac


def test_cli_warns_about_a_onedrive_folder_but_installs(tmp_path, monkeypatch):
    monkeypatch.setenv("OneDrive", str(tmp_path / "OneDrive"))
    dest = tmp_path / "OneDrive" / "SMSync"
    result = CliRunner().invoke(main, ["install", "--dest", str(dest)])
    assert result.exit_code == 0, result.output
    assert "Warning:" in result.output and "synchronised by OneDrive" in result.output
    assert (dest / "SMSync.xlsm").exists()


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
    target = install(tmp_path, with_demo=False).workbook
    target.write_bytes(b"the bookkeeper's own setup")
    runner = CliRunner()
    refused = runner.invoke(main, ["install", "--dest", str(tmp_path)])
    assert refused.exit_code == 1 and "SMSync.xlsm already exist" in refused.output
    assert target.read_bytes() == b"the bookkeeper's own setup"
    forced = runner.invoke(main, ["install", "--dest", str(tmp_path), "--force"])
    assert forced.exit_code == 0
    (backup,) = tmp_path.glob("SMSync.backup-*.xlsm")
    assert backup.read_bytes() == b"the bookkeeper's own setup"
    assert f"Kept the old workbook as {backup}" in forced.output
    assert target.read_bytes() == workbook_path().read_bytes()


def test_every_force_install_keeps_its_own_backup(tmp_path):
    """Three installs over edited workbooks, within one second: each edit survives in a
    backup of its own, none overwritten, each named in the output."""
    runner = CliRunner()
    target = install(tmp_path, with_demo=False).workbook
    kept = []
    for edit in (b"Setup and Log of Monday", b"Setup and Log of Tuesday", b"of Wednesday"):
        target.write_bytes(edit)
        forced = runner.invoke(main, ["install", "--dest", str(tmp_path), "--force"])
        assert forced.exit_code == 0, forced.output
        line = next(x for x in forced.output.splitlines() if x.startswith("Kept the old"))
        kept.append(Path(line.removeprefix("Kept the old workbook as ")))
    assert len(set(kept)) == 3
    assert [p.read_bytes() for p in kept] == [
        b"Setup and Log of Monday",
        b"Setup and Log of Tuesday",
        b"of Wednesday",
    ]
    assert sorted(tmp_path.glob("SMSync.backup-*.xlsm")) == sorted(kept)
    assert all(
        re.fullmatch(r"SMSync\.backup-\d{4}-\d\d-\d\d-\d{6}(-\d)?\.xlsm", p.name) for p in kept
    )


def test_check_all_twin(tmp_path):
    runner = CliRunner()
    runner.invoke(main, ["install", "--dest", str(tmp_path), "--demo"])
    book = tmp_path / "SMSync.xlsm"
    assert (
        runner.invoke(main, ["refresh", str(book), "--view", "missing_only", "--yes"]).exit_code
        == 0
    )
    assert runner.invoke(main, ["check-all", str(book)]).exit_code == 0
    table = open_book(book).read_table("Sage50-only")
    ticked = {r[2]: r for r in table.rows if r[0] == "x"}
    assert len(ticked) == 10 and {r[1] for r in ticked.values()} == {"NEW"}
    assert "RETAIL" not in ticked and "PROSPECT5" not in ticked  # inactive in Sage 50


IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
CLI = [sys.executable, "-c", "from smsync_xl.cli import main; main()"]


def edited_install(tmp_path: Path) -> Path:
    target = install(tmp_path, with_demo=False).workbook
    target.write_bytes(b"the bookkeeper's own setup")
    return target


@pytest.mark.skipif(not IS_ROOT or not shutil.which("chattr"), reason="chattr +i needs root")
def test_a_workbook_that_cannot_be_replaced_is_refused_before_a_backup_is_made(tmp_path):
    target = edited_install(tmp_path)
    if subprocess.run(["chattr", "+i", str(target)], capture_output=True).returncode != 0:
        pytest.skip("this file system has no immutable flag")
    try:
        forced = CliRunner().invoke(main, ["install", "--dest", str(tmp_path), "--force"])
    finally:
        subprocess.run(["chattr", "-i", str(target)], check=True)
    assert forced.exit_code == 1, forced.output
    assert f"{target}: the workbook cannot be replaced (Operation not permitted)" in forced.output
    assert "Close it in Excel" in forced.output and "Nothing was changed" in forced.output
    assert "Traceback" not in forced.output
    assert not list(tmp_path.glob("SMSync.backup*")) and not list(tmp_path.glob("*.installing"))
    assert target.read_bytes() == b"the bookkeeper's own setup"


@pytest.mark.skipif(os.name != "posix", reason="RLIMIT_FSIZE")
def test_a_new_workbook_that_does_not_fit_leaves_the_old_one_and_no_backup(tmp_path):
    """A file-size limit above the old workbook (its backup fits) but below the new one:
    the old workbook stays, and the backup just made and the half copy are removed."""
    target = edited_install(tmp_path)
    limit = workbook_path().stat().st_size // 2

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    run = subprocess.run(
        [*CLI, "install", "--dest", str(tmp_path), "--force"],
        capture_output=True,
        text=True,
        preexec_fn=small_files,
        timeout=120,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "(File too large); nothing was changed" in run.stderr
    assert "Traceback" not in run.stderr
    assert not list(tmp_path.glob("SMSync.backup*")) and not list(tmp_path.glob("*.installing"))
    assert target.read_bytes() == b"the bookkeeper's own setup"


def test_a_step_failing_after_the_workbook_was_replaced_names_the_backup(tmp_path):
    target = edited_install(tmp_path)
    (tmp_path / "xlwings.conf").unlink()
    (tmp_path / "xlwings.conf").mkdir()  # cannot be written as a file
    forced = CliRunner().invoke(main, ["install", "--dest", str(tmp_path), "--force"])
    assert forced.exit_code == 1, forced.output
    (backup,) = tmp_path.glob("SMSync.backup-*.xlsm")
    assert backup.read_bytes() == b"the bookkeeper's own setup"
    said = " ".join(forced.output.split())
    assert f"the install stopped at {tmp_path / 'xlwings.conf'} (Is a directory) after" in said
    assert f"{target} was replaced by a new workbook (the old one kept as {backup})" in said
    assert f"your old workbook is safe in {backup}" in said
    assert "Traceback" not in said


@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
def test_ctrl_c_during_a_forced_install_says_what_it_replaced(tmp_path):
    """Ctrl-C once the old workbook is backed up: the install is made whole first, then
    the message says what was replaced (never "nothing was changed")."""
    target = edited_install(tmp_path)
    code, output = interrupted(
        ["install", "--dest", str(tmp_path), "--force"], "installing", signal.SIGINT, tmp_path
    )
    assert code == 130, output
    (backup,) = tmp_path.glob("SMSync.backup-*.xlsm")
    said = " ".join(output.split())
    assert "Interrupted (Ctrl-C), no synchronization committed." in said
    assert f"{target} was replaced by a new workbook (the old one kept as {backup})" in said
    assert "nothing was changed" not in said.lower() and "Traceback" not in said
    assert target.read_bytes() == workbook_path().read_bytes()
    assert (tmp_path / "xlwings.conf").is_file()


@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
def test_ctrl_c_during_demo_force_says_the_demo_was_replaced(tmp_path):
    folder = tmp_path / "demo"
    create_demo(folder)
    code, output = interrupted(["demo", str(folder), "--force"], "writing", signal.SIGINT, tmp_path)
    assert code == 130, output
    said = " ".join(output.split())
    assert (
        f"Interrupted (Ctrl-C), no synchronization committed. The demo in {folder} was "
        "written anew (sage50_demo.sqlite, smsturbo_demo.sqlite, settings.toml replaced)"
    ) in said
    assert "nothing was changed" not in said.lower() and "Traceback" not in said
