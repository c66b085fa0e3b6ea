"""The first-open chain on a simulated Windows or Mac: ``install`` prevents each failure
it can, ``doctor`` names each one with its fix. The platform, the registry (a dictionary),
the environment and the files are simulated; the workbook, xlwings.conf, the wheel and
the AppleScript are real files."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import sys
import zipfile
from collections.abc import Mapping
from pathlib import Path

import pytest
import xlwings
from click.testing import CliRunner

from smsync_xl import first_open
from smsync_xl.book.vba_source import XLWINGS_STREAM, module_version, xlwings_vba_version
from smsync_xl.cli import main
from smsync_xl.core.errors import SmsyncError
from smsync_xl.core.resources import workbook_path
from smsync_xl.first_open import Machine, check_python, check_workbook
from smsync_xl.install import MANIFEST_NAME, applescript_path, install
from smsync_xl.office import USER_LOCATIONS, mark_of_the_web
from smsync_xl.xlwings_dll import DLL_NAMES, find_dll, vba_folders

VERSION = xlwings.__version__
DLL32, DLL64 = DLL_NAMES[32], DLL_NAMES[64]
APPLESCRIPT = Path(xlwings.__file__).parent / f"xlwings-{VERSION}.applescript"


class FakeRegistry:
    """A registry as a dictionary: key → values (subkeys are the keys below it)."""

    def __init__(self, keys: Mapping[str, dict[str, object]] | None = None) -> None:
        self.keys = {k.lower(): (k, dict(v)) for k, v in (keys or {}).items()}

    def values(self, key: str) -> dict[str, object] | None:
        found = self.keys.get(key.lower())
        return dict(found[1]) if found else None

    def subkeys(self, key: str) -> list[str]:
        prefix = key.lower() + "\\"
        return sorted(
            {
                k[len(prefix) :].split("\\")[0]
                for _, (k, _) in self.keys.items()
                if k.lower().startswith(prefix)
            }
        )

    def write(self, key: str, values: Mapping[str, str | int]) -> None:
        self.keys.setdefault(key.lower(), (key, {}))[1].update(values)


def windows(registry: FakeRegistry | None = None, **changes) -> Machine:
    defaults = dict(
        platform="win32",
        home=Path("/nonexistent-home"),
        python=sys.executable,
        environ={},
        registry=registry or FakeRegistry(),
        ansi="cp1252",
        imports=lambda module: True,
        runs_smsync=lambda interpreter: True,
    )
    return Machine(**{**defaults, **changes})


def pe(bits: int) -> bytes:
    """The head of a PE file for the given bitness (what binary_bits reads)."""
    machine = {32: 0x14C, 64: 0x8664}[bits]
    head = bytearray(b"MZ" + bytes(62))
    head[60:64] = (64).to_bytes(4, "little")
    return bytes(head) + b"PE\0\0" + machine.to_bytes(2, "little") + bytes(200)


def wheel(folder: Path, *, name: str | None = None, tamper: bool = False) -> Path:
    """A Windows wheel laid out as xlwings' is: the DLLs under .data/data, hashed in RECORD."""
    path = folder / (name or f"xlwings-{VERSION}-cp311-cp311-win_amd64.whl")
    files = {f"xlwings-{VERSION}.data/data/{DLL_NAMES[b]}": pe(b) for b in (32, 64)}
    record = "".join(
        f"{n},sha256={base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b'=').decode()},{len(d)}\n"
        for n, d in files.items()
    )
    with zipfile.ZipFile(path, "w") as archive:
        for n, d in files.items():
            archive.writestr(n, d + (b"x" if tamper else b""))
        archive.writestr(f"xlwings-{VERSION}.dist-info/RECORD", record)
    return path


def problems(found) -> str:
    return "\n".join(f"{what} | {fix}" for what, fix in found.problems)


# --- 1. the DLL of the Excel functions ---------------------------------------------------


def test_the_vba_looks_beside_python_then_one_folder_up():
    """xlwings.bas XLPyLoadDLL: ParentFolder(PYTHON_WIN), then its ParentFolder."""
    assert vba_folders("C:\\SMSync\\venv\\Scripts\\python.exe") == [
        "C:\\SMSync\\venv\\Scripts",
        "C:\\SMSync\\venv",
    ]
    bas = (Path(xlwings.__file__).parent / "xlwings.bas").read_text(encoding="utf-8")
    assert 'LoadLibrary(ParentFolder(PYTHON_WIN) + "\\" + XLPyDLLName)' in bas
    assert 'LoadLibrary(ParentFolder(ParentFolder(PYTHON_WIN)) + "\\" + XLPyDLLName)' in bas
    assert f'Const XLPyDLLName As String = "{DLL64}"' in bas
    # pip's data_files land in sys.prefix: the venv's root, or a plain install's folder
    venv = {"C:\\SMSync\\venv\\" + DLL64}
    assert find_dll("C:\\SMSync\\venv\\Scripts\\python.exe", 64, venv.__contains__)
    plain = {"C:\\Python311-32\\" + DLL32}
    assert find_dll("C:\\Python311-32\\python.exe", 32, plain.__contains__)
    assert not find_dll("C:\\Python311-32\\python.exe", 64, plain.__contains__)


def test_install_without_the_dll_says_so_before_the_bookkeeper_meets_value(tmp_path):
    python = tmp_path / "py32" / "python.exe"
    installed = install(
        tmp_path / "SMSync",
        with_demo=False,
        platform="win32",
        interpreter=str(python),
        encoding="cp1252",
    )
    (warning,) = installed.warnings
    assert f"Could not load {DLL64}" in warning and "#VALUE!" in warning
    assert "the buttons work without it" in warning
    assert (
        f"pip download --no-deps --platform win_amd64 --only-binary=:all: xlwings=={VERSION}"
        in warning
    )
    assert "--xlwings-wheel" in warning
    result = CliRunner().invoke(main, ["install", "--dest", str(tmp_path / "other")])
    assert "Could not load" not in result.output  # not Windows here: no DLL to miss


def test_install_puts_the_wheels_dlls_where_the_vba_looks_and_doctor_finds_them(tmp_path):
    venv = tmp_path / "venv"
    (venv / "Scripts").mkdir(parents=True)
    python = venv / "Scripts" / "python.exe"
    python.write_bytes(b"")
    dest = tmp_path / "SMSync"
    installed = install(
        dest,
        with_demo=False,
        platform="win32",
        interpreter=str(python),
        encoding="cp1252",
        xlwings_wheel=wheel(tmp_path),
    )
    placed = venv / "Scripts"
    assert installed.placed == (placed / DLL32, placed / DLL64)
    assert (placed / DLL64).read_bytes() == pe(64) and (placed / DLL32).read_bytes() == pe(32)
    assert installed.warnings == ()
    recorded = json.loads((dest / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert recorded == {"python": str(python), "files": [str(placed / DLL32), str(placed / DLL64)]}

    # Doctor on the simulated Windows: C:\ is tmp_path, so the conf names a Windows path
    windows_python = "C:\\venv\\Scripts\\python.exe"
    (dest / "xlwings.conf").write_bytes(f'"INTERPRETER_WIN","{windows_python}"\r\n'.encode())

    def exists(path: str) -> bool:
        return Path(path.replace("C:\\", f"{tmp_path}/").replace("\\", "/")).exists()

    machine = windows(python=windows_python, exists=exists)
    found = check_workbook(dest / "SMSync.xlsm", machine)
    assert "  ok       xlwings DLL for the Excel functions" in found.lines
    assert "DLL" not in problems(found)

    (placed / DLL64).unlink()  # what an antivirus quarantine leaves
    found = check_workbook(dest / "SMSync.xlsm", machine)
    assert f"{placed / DLL64} was put there by smsync-xl install and is now missing" in problems(
        found
    )
    assert "antivirus" in problems(found) and "Protection history" in problems(found)


def test_doctor_names_the_missing_dll_for_excels_bitness(tmp_path):
    book = install(
        tmp_path,
        with_demo=False,
        platform="win32",
        interpreter="C:\\Py32\\python.exe",
        encoding="cp1252",
    ).workbook
    registry = FakeRegistry(
        {r"HKLM\SOFTWARE\Microsoft\Office\ClickToRun\Configuration": {"Platform": "x64"}}
    )
    found = check_workbook(book, windows(registry, exists={"C:\\Py32\\python.exe"}.__contains__))
    text = problems(found)
    assert f"{DLL64} is not beside C:\\Py32\\python.exe nor one folder up" in text
    assert DLL32 + " /" not in text  # a 64-bit Excel loads only the 64-bit DLL
    assert "Excel 64-bit, Python 64-bit: the buttons run Python in its own process" in "\n".join(
        found.lines
    )
    with_dll = {"C:\\Py32\\python.exe", "C:\\Py32\\" + DLL64}
    assert "DLL" not in problems(
        check_workbook(book, windows(registry, exists=with_dll.__contains__))
    )


@pytest.mark.parametrize(
    "name, tamper, expected",
    [
        ("xlwings-0.36.0-cp311-cp311-win_amd64.whl", False, "not xlwings"),
        (f"xlwings-{VERSION}-py3-none-any.whl", False, "not xlwings"),
        (None, True, "does not match the wheel's RECORD"),
    ],
)
def test_a_wrong_or_altered_wheel_is_refused_before_anything_is_written(
    tmp_path, name, tamper, expected
):
    source = wheel(tmp_path, name=name, tamper=tamper)
    dest = tmp_path / "SMSync"
    with pytest.raises(SmsyncError) as refused:
        install(
            dest,
            with_demo=False,
            platform="win32",
            interpreter=str(tmp_path / "python.exe"),
            encoding="cp1252",
            xlwings_wheel=source,
        )
    assert expected in str(refused.value) and "pip download" in str(refused.value)
    assert not dest.exists() and not (tmp_path / DLL64).exists()


# --- 2. the interpreter in xlwings.conf ---------------------------------------------------


def conf_with(folder: Path, interpreter: str) -> Path:
    book = folder / "SMSync.xlsm"
    shutil.copyfile(workbook_path(), book)
    (folder / "xlwings.conf").write_bytes(f'"INTERPRETER_WIN","{interpreter}"\r\n'.encode())
    return book


@pytest.mark.parametrize(
    "interpreter, expected",
    [
        ("pythonw", "not a full path"),
        (
            "C:\\Users\\jose\\AppData\\Local\\Microsoft\\WindowsApps\\python.exe",
            "Microsoft Store's alias",
        ),
        ("C:\\Python311\\python.exe", "which does not exist"),
    ],
)
def test_doctor_refuses_an_interpreter_excel_cannot_start(tmp_path, interpreter, expected):
    book = conf_with(tmp_path, interpreter)
    found = check_workbook(book, windows(exists=lambda p: False))
    assert expected in problems(found) and "install --force" in problems(found)
    assert "quarantine" in problems(found) or expected != "which does not exist"


def test_a_python_that_install_named_and_is_gone_points_at_the_antivirus(tmp_path):
    book = conf_with(tmp_path, "C:\\SMSync\\venv\\Scripts\\python.exe")
    (tmp_path / MANIFEST_NAME).write_text(
        json.dumps({"python": "C:\\SMSync\\venv\\Scripts\\python.exe", "files": []})
    )
    found = check_workbook(book, windows(exists=lambda p: False))
    assert "it was there at install: an antivirus may have quarantined it" in problems(found)


def test_doctor_finds_a_conf_python_without_smsync(tmp_path):
    """A real other interpreter: the system's python3 has no SMSync installed."""
    other = shutil.which("python3", path="/usr/bin")
    assert other and Path(other).resolve() != Path(sys.executable).resolve()
    book = install(tmp_path, with_demo=False, interpreter=other).workbook
    found = check_workbook(book, Machine.this())
    assert f"xlwings.conf names {other}, which cannot import SMSync" in problems(found)
    same = check_workbook(install(tmp_path / "b", with_demo=False).workbook, Machine.this())
    assert same.problems == [] and f"  ok       Python {sys.executable}" in same.lines


# --- 3. xlwings' package version against the workbook's VBA module ------------------------


def test_the_workbooks_vba_module_is_read_even_behind_p_code(tmp_path):
    assert xlwings_vba_version(workbook_path()) == VERSION
    import olefile

    with (
        zipfile.ZipFile(workbook_path()) as package,
        olefile.OleFileIO(package.read("xl/vbaProject.bin")) as ole,
    ):
        stream = ole.openstream(XLWINGS_STREAM).read()
    # Excel puts compiled p-code in front of the source when it saves
    assert module_version(bytes(range(256)) * 40 + b"\x01\x02" + stream) == VERSION


def test_doctor_catches_the_classic_pip_install_upgrade(tmp_path, monkeypatch):
    book = install(tmp_path, with_demo=False).workbook
    monkeypatch.setattr(first_open, "version", lambda name: "0.38.0")  # pip install -U xlwings
    text = problems(check_workbook(book, Machine.this()))
    assert (
        f"the workbook's xlwings VBA module is version {VERSION} but this Python has xlwings 0.38.0"
        in text
    )
    assert "pip install --force-reinstall smsync-xl" in text


# --- 4. pywin32 ------------------------------------------------------------------------


def test_doctor_says_how_to_repair_pywin32():
    found = check_python(windows(imports=lambda module: module != "pythoncom"))
    assert "cannot import pythoncom" in problems(found)
    assert "-m pip install --force-reinstall pywin32" in problems(found)
    assert "-m pywin32_postinstall -install" in problems(found)
    assert check_python(windows()).problems == []


# --- 5. Mark of the Web ------------------------------------------------------------------


def mark(path: Path, zone: int = 3) -> None:
    """On NTFS the stream path+":Zone.Identifier"; here a file of that name stands for it."""
    Path(str(path) + ":Zone.Identifier").write_text(f"[ZoneTransfer]\r\nZoneId={zone}\r\n")


def test_a_force_install_over_a_downloaded_workbook_drops_its_mark(tmp_path):
    """Opening a file for writing keeps its alternate streams: the mark must be removed."""
    book = tmp_path / "SMSync.xlsm"
    book.write_bytes(b"downloaded")
    mark(book)
    install(
        tmp_path,
        with_demo=False,
        force=True,
        platform="win32",
        interpreter=sys.executable,
        encoding="cp1252",
    )
    assert mark_of_the_web(book) is None
    assert book.read_bytes() == workbook_path().read_bytes()


def test_doctor_says_how_to_unblock_a_marked_workbook(tmp_path):
    book = conf_with(tmp_path, sys.executable)
    mark(book)
    text = problems(check_workbook(book, windows(exists=lambda p: True)))
    assert "carries the Mark of the Web" in text
    assert "Properties > tick Unblock" in text and f'Unblock-File -Path "{book}"' in text
    mark(book, zone=2)  # trusted sites: Office does not block
    assert "Mark of the Web" not in problems(check_workbook(book, windows(exists=lambda p: True)))


# --- 6. Trusted Locations ----------------------------------------------------------------


def test_install_trust_adds_a_per_user_location_only_when_asked(tmp_path):
    registry = FakeRegistry(
        {USER_LOCATIONS + "\\Location0": {"Path": "C:\\Program Files\\XLSTART\\"}}
    )
    dest = tmp_path / "SMSync"
    install(
        dest,
        with_demo=False,
        platform="win32",
        interpreter=sys.executable,
        encoding="cp1252",
        registry=registry,
    )
    assert registry.subkeys(USER_LOCATIONS) == ["Location0"]  # never silently
    machine = windows(registry, exists=lambda p: True)
    assert "is not a Trusted Location" in problems(check_workbook(dest / "SMSync.xlsm", machine))
    assert "install --trust" in problems(check_workbook(dest / "SMSync.xlsm", machine))

    installed = install(
        dest,
        with_demo=False,
        force=True,
        trust=True,
        platform="win32",
        interpreter=sys.executable,
        encoding="cp1252",
        registry=registry,
    )
    assert installed.trusted == USER_LOCATIONS + "\\Location1"
    values = registry.values(installed.trusted)
    assert values["Path"] == str(dest) + "\\" and values["AllowSubfolders"] == 0
    found = check_workbook(dest / "SMSync.xlsm", machine)
    assert "  ok       Trusted Location (Location1)" in found.lines
    again = install(
        dest,
        with_demo=False,
        force=True,
        trust=True,
        platform="win32",
        interpreter=sys.executable,
        encoding="cp1252",
        registry=registry,
    )
    assert again.trusted is None and len(registry.subkeys(USER_LOCATIONS)) == 2


def test_trusted_location_paths_are_read_as_windows_does(tmp_path):
    registry = FakeRegistry(
        {USER_LOCATIONS + "\\Location3": {"Path": "%USERPROFILE%\\Books\\", "AllowSubfolders": 1}}
    )
    machine = windows(registry, environ={"USERPROFILE": "C:\\Users\\Jose"})
    from smsync_xl.office import trusted_location

    assert trusted_location("c:\\users\\jose\\books\\SMSync", registry, machine.environ)
    assert trusted_location("C:\\Users\\Jose\\Books", registry, machine.environ)
    assert not trusted_location("C:\\Users\\Jose\\Bookshelf", registry, machine.environ)


def test_trusted_locations_turned_off_by_policy_or_on_the_network(tmp_path):
    book = conf_with(tmp_path, sys.executable)
    policy = FakeRegistry(
        {
            r"HKCU\Software\Policies\Microsoft\Office\16.0\Excel\Security\Trusted Locations": {
                "AllLocationsDisabled": 1
            }
        }
    )
    assert "turned Trusted Locations off" in problems(
        check_workbook(book, windows(policy, exists=lambda p: True))
    )
    from smsync_xl.first_open import _trusted_location

    network = FakeRegistry({USER_LOCATIONS + "\\Location1": {"Path": "\\\\server\\office\\SMSync"}})
    found = first_open.Findings()
    _trusted_location(found, Path("\\\\server\\office\\SMSync"), windows(network))
    assert "'Allow Trusted Locations on my network' is off" in problems(found)


def test_trust_and_the_wheel_are_refused_on_a_mac(tmp_path):
    with pytest.raises(SmsyncError, match="--trust is for Excel for Windows"):
        install(
            tmp_path / "d",
            with_demo=False,
            trust=True,
            platform="darwin",
            home=tmp_path / "home",
            interpreter="/usr/bin/python3",
        )
    assert not (tmp_path / "d").exists()


# --- 7. folders, Office edition, bitness ------------------------------------------------


def test_doctor_names_onedrive_and_characters_vba_cannot_pass(tmp_path):
    folder = tmp_path / "OneDrive - Acme" / "\u0141\u00f3d\u017a"
    folder.mkdir(parents=True)
    book = conf_with(folder, sys.executable)
    text = problems(check_workbook(book, windows(exists=lambda p: True)))
    assert "synchronised by OneDrive" in text and "install into a folder OneDrive" in text
    assert "'\u0141'" in text and "cp1252" in text and "C:\\SMSync" in text


def test_doctor_names_excel_from_the_microsoft_store(tmp_path):
    book = conf_with(tmp_path, sys.executable)
    registry = FakeRegistry(
        {
            r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\App Paths\excel.exe": {
                "": "C:\\Program Files\\WindowsApps\\Microsoft.Office.Desktop.Excel_16\\"
                "Office16\\EXCEL.EXE"
            },
            r"HKLM\SOFTWARE\Microsoft\Office\16.0\Outlook": {"Bitness": "x86"},
        }
    )
    found = check_workbook(book, windows(registry, exists=lambda p: True))
    assert "Excel is the Microsoft Store edition" in problems(found)
    assert any(
        line.startswith("  note     Excel 32-bit, Python") and DLL32 in line for line in found.lines
    )


# --- 8. macOS ---------------------------------------------------------------------------


def test_a_mac_user_gets_the_applescript_back_without_force(tmp_path):
    home, dest = tmp_path / "home", tmp_path / "SMSync"
    python = "/Users/jose/smsync-venv/bin/python"
    install(dest, with_demo=False, platform="darwin", home=home, interpreter=python)
    script = applescript_path(home)
    script.unlink()
    with pytest.raises(SmsyncError) as refused:
        install(dest, with_demo=False, platform="darwin", home=home, interpreter=python)
    assert "SMSync.xlsm already exist" in str(refused.value)
    assert f"(put in place all the same: {script})" in str(refused.value)
    assert script.read_bytes() == APPLESCRIPT.read_bytes()


@pytest.mark.parametrize("char", ["|", "`", "$", "\\"])
def test_a_mac_folder_the_applescript_cannot_pass_is_refused(tmp_path, char):
    home, dest = tmp_path / "home", tmp_path / f"Acme {char} Books"
    with pytest.raises(SmsyncError) as refused:
        install(
            dest,
            with_demo=False,
            platform="darwin",
            home=home,
            interpreter="/Users/jose/smsync-venv/bin/python",
        )
    assert repr(char) in str(refused.value) and "~/SMSync" in str(refused.value)
    assert not dest.exists() and not home.exists()


def test_doctor_checks_the_mac_applescript_is_the_pinned_versions(tmp_path):
    home = tmp_path / "home"
    machine = windows(platform="darwin", home=home)
    assert "xlwings' AppleScript is missing" in problems(check_python(machine))
    script = applescript_path(home)
    script.parent.mkdir(parents=True)
    script.write_text("-- xlwings 0.30.0's script")
    assert f"is not the script of xlwings {VERSION}" in problems(check_python(machine))
    shutil.copyfile(APPLESCRIPT, script)
    assert check_python(machine).problems == []


# --- 9. the commands ---------------------------------------------------------------------


def test_doctor_book_prints_the_first_open_chain(tmp_path):
    runner = CliRunner()
    assert runner.invoke(main, ["install", "--dest", str(tmp_path), "--demo"]).exit_code == 0
    result = runner.invoke(main, ["doctor", "--book", str(tmp_path / "SMSync.xlsm")])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[1] == f"Excel and xlwings: {tmp_path / 'SMSync.xlsm'}"
    assert lines[2] == f"  ok       Python {sys.executable}"
    assert (
        lines[3] == f"  ok       xlwings {VERSION}: the package and the workbook's VBA module agree"
    )
    (tmp_path / "xlwings.conf").write_text('"INTERPRETER_MAC","python"\n')
    broken = runner.invoke(main, ["doctor", "--book", str(tmp_path / "SMSync.xlsm")])
    assert broken.exit_code == 1 and "names the Python 'python', not a full path" in broken.output
    assert "1 problem(s):" in broken.output


def test_excel_checks_report_carries_the_chain(tmp_path):
    book = install(
        tmp_path,
        with_demo=False,
        platform="win32",
        interpreter="C:\\Py32\\python.exe",
        encoding="cp1252",
    ).workbook
    machine = windows(python="C:\\Py32\\python.exe", exists={"C:\\Py32\\python.exe"}.__contains__)
    lines = first_open.report_lines(book, machine)
    assert lines[0] == "First open (as doctor --book sees it):"
    assert "  ok       Python C:\\Py32\\python.exe" in lines
    assert any("is not a Trusted Location" in line for line in lines)
    assert any(
        line.startswith("    Fix: The Excel functions (=SMSYNC_...) would show") for line in lines
    )


def test_the_wheels_dlls_arrive_even_when_the_workbook_is_kept(tmp_path):
    python = tmp_path / "py32" / "python.exe"
    python.parent.mkdir()
    dest = tmp_path / "SMSync"
    install(dest, with_demo=False, platform="win32", interpreter=str(python), encoding="cp1252")
    (dest / "SMSync.xlsm").write_bytes(b"the bookkeeper's Setup and Log")
    result = CliRunner().invoke(main, ["install", "--dest", str(dest)])
    assert result.exit_code == 1  # kept: no --force
    with pytest.raises(SmsyncError) as kept:
        install(
            dest,
            with_demo=False,
            platform="win32",
            interpreter=str(python),
            encoding="cp1252",
            xlwings_wheel=wheel(tmp_path),
        )
    assert f"put in place all the same: {python.parent / DLL32}, {python.parent / DLL64}" in str(
        kept.value
    )
    assert (python.parent / DLL64).read_bytes() == pe(64)
    assert (dest / "SMSync.xlsm").read_bytes() == b"the bookkeeper's Setup and Log"
