"""The workbook as a file on disk (issue 19, items 8 and 13): a symbolic link is saved
through to its target with the target's mode; a disk that is full or a file-size limit
is a plain message; a workbook that cannot be replaced (immutable) or that an office
program has open (its lock file beside it) is refused before SMSTurbo is written; and
two workbooks in one folder do not wait for each other. Real files, real OS limits
(RLIMIT_FSIZE, a tmpfs in a private mount namespace, chattr +i), real subprocesses."""

from __future__ import annotations

import os
import resource
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from smsync_xl import macros
from smsync_xl.book.busy import one_run_at_a_time
from smsync_xl.book.layout import LOG, SAGE_ONLY, SETUP, setup_layout
from smsync_xl.cli import main

from .conftest import audit_rows, dump
from .workbook_helpers import Dialogs, demo_workbook, open_book

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX files, modes and limits")

CLI = [sys.executable, "-c", "from smsync_xl.cli import main; main()"]
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def cli(*args: object) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def refreshed_and_ticked(path: Path) -> None:
    assert macros.refresh(open_book(path, Dialogs(True, False)))
    assert macros.check_all(open_book(path))


def log_rows(path: Path) -> int:
    return len(open_book(path).read_table(LOG).rows)


def with_absolute_databases(path: Path, folder: Path) -> None:
    """Setup names the demo databases by absolute path (they may then live elsewhere)."""
    port = open_book(path)
    for key, name in (
        ("sage50.path", "sage50_demo.sqlite"),
        ("smsturbo.path", "smsturbo_demo.sqlite"),
    ):
        port.write_cell(SETUP, setup_layout().setting(key).cell, str(folder / name))
    port.finish()


@pytest.mark.parametrize("linked", [True, False], ids=["symlink", "plain file"])
def test_a_save_keeps_the_link_and_the_mode_of_the_workbook(tmp_path, linked):
    """The shared workbook (mode 660) is what the link points to: Refresh through the
    link updates it, the link stays a link, and the mode stays 660."""
    shared = tmp_path / "shared"
    shared.mkdir()
    target = demo_workbook(shared)
    target.chmod(0o660)
    path = target
    if linked:
        (tmp_path / "mine").mkdir()
        path = tmp_path / "mine" / "SMSync.xlsm"
        path.symlink_to(target)
    code, output = cli("refresh", path, "--yes")
    assert code == 0, output
    assert path.is_symlink() == linked
    assert stat.S_IMODE(target.stat().st_mode) == 0o660
    assert len(open_book(target).read_table(SAGE_ONLY).rows) > 10  # the target got the lists
    assert log_rows(target) == 1
    leftovers = [p.name for p in (*shared.iterdir(), *path.parent.iterdir()) if ".saving" in p.name]
    assert leftovers == []


def test_a_file_size_limit_is_a_plain_message_and_the_workbook_stays(tmp_path):
    """RLIMIT_FSIZE below the workbook's size: the save gets EFBIG."""
    path = demo_workbook(tmp_path)
    before = path.read_bytes()
    database = tmp_path / "smsturbo_demo.sqlite"
    turbo = dump(database, audit=True)
    limit = len(before) // 2

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    run = subprocess.run(
        [*CLI, "refresh", str(path), "--yes"],
        capture_output=True,
        text=True,
        preexec_fn=small_files,
        timeout=120,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert f"{path}: could not save the workbook: the file would be larger than this disk" in (
        run.stdout
    )
    assert "(File too large)" in run.stdout and "ask your IT to raise it" in run.stdout
    assert "unexpected error" not in run.stdout + run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if ".saving" in p.name] == []
    assert dump(database, audit=True) == turbo


def on_a_small_disk(path: Path, command: str, pages: int, tmp_path: Path) -> tuple[int, str]:
    """Run ``command`` on a copy of the workbook alone on a tmpfs of ``pages`` pages
    beyond the copy, in a private mount namespace; the copy comes back as out/SMSync.xlsm
    with out/listing, the tmpfs's files after the run."""
    disk, out = tmp_path / "disk", tmp_path / "out"
    disk.mkdir()
    out.mkdir()
    size = (-(-path.stat().st_size // 4096) + pages) * 4096
    script = (
        f'mount -t tmpfs -o size={size} none "{disk}" && cp "{path}" "{disk}/" && '
        f'{" ".join(repr(a) for a in CLI)} {command} "{disk}/SMSync.xlsm" --yes; '
        f'code=$?; cp "{disk}/SMSync.xlsm" "{out}/"; ls -a "{disk}" > "{out}/listing"; '
        "exit $code"
    )
    run = subprocess.run(
        ["unshare", "--mount", "sh", "-c", script], capture_output=True, text=True, timeout=120
    )
    return run.returncode, run.stdout + run.stderr


needs_a_tmpfs = pytest.mark.skipif(
    not IS_ROOT or not shutil.which("unshare"), reason="needs root for a tmpfs"
)


@needs_a_tmpfs
def test_a_disk_that_fills_up_while_saving_is_a_plain_message(tmp_path):
    """Room for the workbook as it is, not for the refreshed one: the save itself gets
    ENOSPC; the workbook stays as it was and no half copy is left."""
    path = demo_workbook(tmp_path)
    with_absolute_databases(path, tmp_path)
    before = path.read_bytes()
    turbo = dump(tmp_path / "smsturbo_demo.sqlite", audit=True)
    room = -(-len(before) // 4096)  # as many pages again as the workbook takes
    code, shown = on_a_small_disk(path, "refresh", room, tmp_path)
    assert code == 1, shown
    assert "could not save the workbook: disk full (No space left on device)" in shown
    assert "The workbook is as it was before this save" in shown
    assert "Free some space on that disk" in shown
    assert "unexpected error" not in shown and "Traceback" not in shown
    assert (tmp_path / "out" / "SMSync.xlsm").read_bytes() == before
    assert ".saving" not in (tmp_path / "out" / "listing").read_text()
    assert dump(tmp_path / "smsturbo_demo.sqlite", audit=True) == turbo


@needs_a_tmpfs
def test_a_full_disk_is_found_before_smsturbo_is_written(tmp_path):
    """Less room than the workbook takes: Synchronize stops before SMSTurbo (on another
    disk) is written, saying the disk is full."""
    path = demo_workbook(tmp_path)
    with_absolute_databases(path, tmp_path)
    refreshed_and_ticked(path)
    before = path.read_bytes()
    database = tmp_path / "smsturbo_demo.sqlite"
    turbo = dump(database, audit=True)
    code, shown = on_a_small_disk(path, "synchronize", 2, tmp_path)
    assert code == 1, shown
    assert "could not save the workbook: disk full (" in shown
    assert "bytes free on its disk; its new copy needs at least" in shown
    assert "Nothing was changed" in shown and "Free some space on that disk" in shown
    assert "WAS changed" not in shown and "Traceback" not in shown
    assert "Bring 18 customers" not in shown  # found before the question
    assert (tmp_path / "out" / "SMSync.xlsm").read_bytes() == before
    assert dump(database, audit=True) == turbo


@pytest.mark.skipif(not IS_ROOT or not shutil.which("chattr"), reason="chattr +i needs root")
@pytest.mark.parametrize("command", ["synchronize", "check-all", "refresh"])
def test_an_immutable_workbook_is_refused_before_smsturbo_is_written(tmp_path, command):
    path = demo_workbook(tmp_path)
    refreshed_and_ticked(path)
    before = path.read_bytes()
    database = tmp_path / "smsturbo_demo.sqlite"
    turbo = dump(database, audit=True)
    if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
        pytest.skip("this file system has no immutable flag")
    try:
        code, output = cli(command, path, *(["--yes"] if command != "check-all" else []))
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)
    assert code == 1, output
    assert f"{path}: the workbook cannot be replaced (Operation not permitted)" in output
    assert "Close it in Excel" in output and "Nothing was changed" in output
    assert "Is this the correct Sage 50 company?" not in output  # found before anything else
    assert path.read_bytes() == before
    assert dump(database, audit=True) == turbo


def excel_owner_file(name: str) -> bytes:
    """Excel's ~$ owner file as LibreOffice's writer documents it (165 bytes)."""
    narrow = name.encode("cp1252", errors="replace")
    data = bytes([len(name)]) + narrow + b" " * (54 - len(narrow))
    data += len(name).to_bytes(2, "little") + name.encode("utf-16-le")
    while len(data) < 165:
        data += b" \x00"
    return data[:165]


LOCK_FILES = [
    ("Excel", "~$SMSync.xlsm", excel_owner_file("María López"), "by María López"),
    ("Excel, a name beyond the code page", "~$SMSync.xlsm", excel_owner_file("王芳"), "by 王芳"),
    (
        "LibreOffice",
        ".~lock.SMSync.xlsm#",
        b"Maria Lopez,mlopez,SCALEHOUSE-PC,06.12.2026 18:00,file:///home/mlopez/.config;",
        "by Maria Lopez on SCALEHOUSE-PC",
    ),
    ("Excel, held open (empty)", "~$SMSync.xlsm", b"", "(its lock file"),
]


@pytest.mark.parametrize(
    ("lock_name", "content", "who"),
    [case[1:] for case in LOCK_FILES],
    ids=[case[0] for case in LOCK_FILES],
)
@pytest.mark.parametrize("command", ["synchronize", "check-all", "refresh"])
def test_a_workbook_open_in_an_office_program_is_not_rewritten(
    tmp_path, command, lock_name, content, who
):
    path = demo_workbook(tmp_path)
    refreshed_and_ticked(path)
    (tmp_path / lock_name).write_bytes(content)
    before = path.read_bytes()
    database = tmp_path / "smsturbo_demo.sqlite"
    turbo = dump(database, audit=True)
    answers = ["--yes"] if command != "check-all" else []
    code, output = cli(command, path, *answers)
    assert code == 1, output
    program = "LibreOffice" if "lock" in lock_name else "Excel"
    assert f"{path}: the workbook is open in {program} {who}" in output
    assert str(tmp_path / lock_name) in output
    assert f"Close the workbook in {program}" in output and "--force" in output
    assert path.read_bytes() == before
    assert dump(database, audit=True) == turbo
    forced_code, forced = cli(command, path, *answers, "--force")
    assert forced_code == 0, forced
    if command != "check-all":  # Check All again ticks the same rows: the same bytes
        assert path.read_bytes() != before


def test_two_workbooks_in_one_folder_do_not_wait_for_each_other(tmp_path):
    """A run holds SMSync.xlsm; Check All on Copy.xlsm beside it goes ahead, and a second
    run on SMSync.xlsm is told that workbook is busy, by name."""
    first = demo_workbook(tmp_path)
    refreshed_and_ticked(first)
    second = tmp_path / "Copy.xlsm"
    shutil.copyfile(first, second)
    with one_run_at_a_time(first) as free:
        assert free
        code, output = cli("check-all", second)
        assert code == 0, output
        dialogs = Dialogs()
        busy = open_book(first, dialogs)
        assert macros.check_all(busy) is None
    assert dialogs.alerts == [macros.already_running(str(first))]
    assert f"SMSync is already running on this workbook, {first}" in dialogs.alerts[0]


@pytest.mark.parametrize("command", ["synchronize", "check-all", "refresh"])
def test_a_hard_linked_workbook_is_refused_before_smsturbo_is_written(tmp_path, command):
    """A save replaces the name it saves: the other hard link would keep the old
    workbook, the two going separate ways. Refused first, naming the file and the count."""
    path = demo_workbook(tmp_path)
    refreshed_and_ticked(path)
    other = tmp_path / "Shared.xlsm"
    os.link(path, other)
    before = path.read_bytes()
    database = tmp_path / "smsturbo_demo.sqlite"
    turbo = dump(database, audit=True)
    code, output = cli(command, path, *(["--yes"] if command != "check-all" else []))
    assert code == 1, output
    assert f"{path}: the workbook has 2 names on this disk (hard links)" in output
    assert "delete the other hard links" in output and "Nothing was changed" in output
    assert "Is this the correct Sage 50 company?" not in output
    assert os.path.samefile(path, other) and path.read_bytes() == before
    assert dump(database, audit=True) == turbo


needs_setpriv = pytest.mark.skipif(
    not IS_ROOT or not shutil.which("setpriv"), reason="needs root to drop CAP_CHOWN"
)


def colleague(path: Path, *groups: int) -> subprocess.CompletedProcess[str]:
    """Check All run by someone who may not give files away (no CAP_CHOWN), a member of
    ``groups``."""
    setpriv = ["setpriv", f"--groups={','.join(map(str, groups))}" if groups else "--clear-groups"]
    return subprocess.run(
        [*setpriv, "--bounding-set=-chown", "--", *CLI, "check-all", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )


@needs_setpriv
def test_a_colleagues_save_keeps_the_workbooks_group(tmp_path):
    """The workbook belongs to its owner and the team's group (mode 664): a colleague in
    the group saves it; it cannot be given back to the owner, but keeps the group, so
    the team can still save it."""
    path = demo_workbook(tmp_path)
    refreshed_and_ticked(path)
    os.chown(path, 4242, 4343)
    path.chmod(0o664)
    run = colleague(path, 4343)
    assert run.returncode == 0, run.stdout + run.stderr
    saved = path.stat()
    assert (saved.st_gid, stat.S_IMODE(saved.st_mode)) == (4343, 0o664)
    assert "Note:" not in run.stdout


@needs_setpriv
def test_a_save_that_cannot_keep_the_group_says_so(tmp_path):
    path = demo_workbook(tmp_path)
    refreshed_and_ticked(path)
    os.chown(path, 4242, 4343)
    path.chmod(0o666)
    run = colleague(path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert path.stat().st_gid != 4343
    assert (
        f"Note: {path} now belongs to you and your group (it belonged to user 4242, group 4343"
    ) in " ".join(run.stdout.split())
    assert f"'chown 4242:4343 {path}'" in " ".join(run.stdout.split())


@pytest.mark.parametrize("control", ["\u202e", "\u2067", "\u200f", "\x1b"])
def test_a_lock_files_user_name_is_printed_inert(tmp_path, control):
    """A right-to-left override (or another bidi or control character) in the name
    would make the terminal show another name: it is shown as its escape."""
    path = demo_workbook(tmp_path)
    name = f"Maria{control}zepoL"
    (tmp_path / ".~lock.SMSync.xlsm#").write_bytes(f"{name},m,PC,now,x;".encode())
    code, output = cli("check-all", path)
    assert code == 1, output
    escape = f"\\x{ord(control):02x}" if ord(control) <= 0xFF else f"\\u{ord(control):04x}"
    assert f"open in LibreOffice by Maria{escape}zepoL on PC" in output
    assert control not in output


def test_a_lock_file_beside_a_link_in_the_middle_of_a_chain_is_seen(tmp_path):
    """mine/SMSync.xlsm -> team/Team.xlsm -> shared/SMSync.xlsm: Excel opened it as
    team/Team.xlsm, so its lock file is there."""
    (tmp_path / "shared").mkdir()
    target = demo_workbook(tmp_path / "shared")
    for folder in ("team", "mine"):
        (tmp_path / folder).mkdir()
    middle = tmp_path / "team" / "Team.xlsm"
    middle.symlink_to(target)
    path = tmp_path / "mine" / "SMSync.xlsm"
    path.symlink_to(Path("..") / "team" / "Team.xlsm")
    (tmp_path / "team" / "~$Team.xlsm").write_bytes(excel_owner_file("Ana"))
    before = target.read_bytes()
    code, output = cli("check-all", path)
    assert code == 1, output
    assert f"the workbook is open in Excel by Ana (its lock file {tmp_path / 'team'}" in output
    assert target.read_bytes() == before


FILLED_AFTER_THE_QUESTION = """
import sys
from pathlib import Path
from smsync_xl import macros
from smsync_xl.book.file import FileBook

path, filler = Path(sys.argv[1]), Path(sys.argv[2])
alerts = []

def yes_then_fill(question):
    with filler.open("wb", buffering=0) as out:
        try:
            while True:
                out.write(bytes(4096))
        except OSError:
            pass
    return True

macros.synchronize(FileBook(path, confirm=yes_then_fill, alert=alerts.append, status=print))
print("ALERT:" + alerts[-1])
"""


@needs_a_tmpfs
def test_a_disk_full_after_the_commit_never_points_at_a_log_row_that_was_not_saved(tmp_path):
    """The disk fills up between the question and the save (after the free-space check):
    SMSTurbo (another disk) is committed, the workbook cannot be saved. The message says
    what was written and points only at what exists: the runs command and the Undo
    button, not the workbook's Log (its row was never saved)."""
    path = demo_workbook(tmp_path)
    with_absolute_databases(path, tmp_path)
    refreshed_and_ticked(path)
    before = path.read_bytes()
    disk = tmp_path / "disk"
    disk.mkdir()
    script = tmp_path / "fill.py"
    script.write_text(FILLED_AFTER_THE_QUESTION, encoding="utf-8")
    size = (-(-len(before) // 4096) + 40) * 4096
    shell = (
        f'mount -t tmpfs -o size={size} none "{disk}" && cp "{path}" "{disk}/" && '
        f'{sys.executable} "{script}" "{disk}/SMSync.xlsm" "{disk}/filler"; '
        f'code=$?; cp "{disk}/SMSync.xlsm" "{tmp_path}/after.xlsm"; exit $code'
    )
    run = subprocess.run(
        ["unshare", "--mount", "sh", "-c", shell], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stdout + run.stderr
    shown = run.stdout.split("ALERT:", 1)[1]
    assert "SMSTurbo WAS changed: Synchronize run 1 is committed (Import completed: " in shown
    assert (
        "But the workbook could not show or keep the results: could not save the workbook: "
        "disk full (" in shown
    )
    assert (
        "SMSTurbo needs nothing more: 'smsync-xl runs --details 1 --settings FILE', with a "
        "settings file for this same SMSTurbo database, lists every change, and the "
        "workbook's Undo last synchronization button takes it back"
    ) in shown
    assert "Log names run" not in shown and "Traceback" not in shown
    assert (tmp_path / "after.xlsm").read_bytes() == before
    assert log_rows(tmp_path / "after.xlsm") == 1  # Refresh's row only
    assert audit_rows(tmp_path / "smsturbo_demo.sqlite")[0] == 1
