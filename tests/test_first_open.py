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

from smsync_xl.book.vba_source import XLWINGS_STREAM, module_version, xlwings_vba_version
from smsync_xl.cli import main
from smsync_xl.core.errors import SmsyncError
from smsync_xl.files.package_files import workbook_path
from smsync_xl.pc import first_open
from smsync_xl.pc import install as first_open_install
from smsync_xl.pc.first_open import Machine, check_python, check_workbook
from smsync_xl.pc.install import MANIFEST_NAME, applescript_path, folder_warnings, install
from smsync_xl.pc.office import USER_LOCATIONS, mark_of_the_web
from smsync_xl.pc.xlwings_dll import DLL_NAMES, find_dll, vba_folders

VERSION = xlwings.__version__
DLL32, DLL64 = DLL_NAMES[32], DLL_NAMES[64]
APPLESCRIPT = Path(xlwings.__file__).parent / f"xlwings-{VERSION}.applescript"
STORE_ALIAS = "C:\\Users\\jose\\AppData\\Local\\Microsoft\\WindowsApps\\python.exe"
STORE_PYTHON = (
    "C:\\Users\\jose\\AppData\\Local\\Microsoft\\WindowsApps\\"
    "PythonSoftwareFoundation.Python.3.11_qbz5n2kfra8p0\\python.exe"
)


class FakeRegistry:
    """A registry as a dictionary: key → values (subkeys are the keys below it). As in
    Windows, key and value names compare without letter case (a write of ``Path`` replaces
    ``path``); values come back named in lower case, as WindowsRegistry gives them."""

    def __init__(self, keys: Mapping[str, Mapping[str, object]] | None = None) -> None:
        self.keys: dict[str, tuple[str, dict[str, object]]] = {}
        for key, values in (keys or {}).items():
            self.write(key, values)

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

    def write(self, key: str, values: Mapping[str, object]) -> None:
        folded = {name.lower(): value for name, value in values.items()}
        self.keys.setdefault(key.lower(), (key, {}))[1].update(folded)


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


def windows_install(folder: Path, interpreter: str, **options):
    """``install`` as on a Windows PC, with the conf in its ANSI code page."""
    return install(
        folder,
        with_demo=False,
        platform="win32",
        interpreter=interpreter,
        encoding="cp1252",
        **options,
    )


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
    installed = windows_install(tmp_path / "SMSync", str(python))
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


def test_install_puts_the_wheels_dlls_where_the_vba_looks_and_doctor_finds_them(
    tmp_path, fake_dlls_pinned
):
    venv = tmp_path / "venv"
    (venv / "Scripts").mkdir(parents=True)
    python = venv / "Scripts" / "python.exe"
    python.write_bytes(b"")
    dest = tmp_path / "SMSync"
    installed = windows_install(dest, str(python), xlwings_wheel=wheel(tmp_path))
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
    book = windows_install(tmp_path, "C:\\Py32\\python.exe").workbook
    registry = FakeRegistry(
        {r"HKLM\SOFTWARE\Microsoft\Office\ClickToRun\Configuration": {"Platform": "x64"}}
    )
    heads = {"C:\\Py32\\python.exe": pe(32)}
    found = check_workbook(
        book,
        windows(
            registry,
            exists=heads.__contains__,
            head=lambda path: heads.get(path, b""),
        ),
    )
    text = problems(found)
    assert f"{DLL64} is not beside C:\\Py32\\python.exe nor one folder up" in text
    assert DLL32 + " /" not in text  # a 64-bit Excel loads only the 64-bit DLL
    # The bitness of the Python xlwings.conf names, read from its PE header, not doctor's.
    assert "Excel 64-bit, Python 32-bit: the buttons run Python in its own process" in "\n".join(
        found.lines
    )
    unread = check_workbook(book, windows(registry, exists=heads.__contains__))
    assert "Excel 64-bit, Python unknown-bit:" in "\n".join(unread.lines)
    with_dll = {"C:\\Py32\\python.exe", "C:\\Py32\\" + DLL64}
    assert "DLL" not in problems(
        check_workbook(book, windows(registry, exists=with_dll.__contains__))
    )


@pytest.mark.parametrize(
    "name, tamper, expected",
    [
        ("xlwings-0.36.0-cp311-cp311-win_amd64.whl", False, "not xlwings"),
        (f"xlwings-{VERSION}-py3-none-any.whl", False, "not xlwings"),
        (None, True, "its sha256 differs"),
    ],
)
def test_a_wrong_or_altered_wheel_is_refused_before_anything_is_written(
    tmp_path, name, tamper, expected, fake_dlls_pinned
):
    source = wheel(tmp_path, name=name, tamper=tamper)
    dest = tmp_path / "SMSync"
    with pytest.raises(SmsyncError) as refused:
        windows_install(dest, str(tmp_path / "python.exe"), xlwings_wheel=source)
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
            STORE_ALIAS,
            "the Microsoft Store's 'App execution alias', a 0-byte link and not a Python",
        ),
        (STORE_PYTHON, "is a Python from the Microsoft Store"),
        ("C:/Python311/python.exe", "finds the Python's folder by its last backslash"),
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
    windows_install(tmp_path, sys.executable, force=True)
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
    windows_install(dest, sys.executable, registry=registry)
    assert registry.subkeys(USER_LOCATIONS) == ["Location0"]  # never silently
    machine = windows(registry, exists=lambda p: True)
    assert "is not a Trusted Location" in problems(check_workbook(dest / "SMSync.xlsm", machine))
    assert f'install --dest "{dest}" --trust' in problems(
        check_workbook(dest / "SMSync.xlsm", machine)
    )

    installed = windows_install(dest, sys.executable, force=True, trust=True, registry=registry)
    assert installed.trusted == USER_LOCATIONS + "\\Location1"
    values = registry.values(installed.trusted)
    assert values["path"] == str(dest) + "\\" and values["allowsubfolders"] == 0
    found = check_workbook(dest / "SMSync.xlsm", machine)
    assert "  ok       Trusted Location (Location1)" in found.lines
    again = windows_install(dest, sys.executable, force=True, trust=True, registry=registry)
    assert again.trusted == installed.trusted and len(registry.subkeys(USER_LOCATIONS)) == 2


def test_trusted_location_paths_are_read_as_windows_does(tmp_path):
    registry = FakeRegistry(
        {USER_LOCATIONS + "\\Location3": {"Path": "%USERPROFILE%\\Books\\", "AllowSubfolders": 1}}
    )
    machine = windows(registry, environ={"USERPROFILE": "C:\\Users\\Jose"})
    from smsync_xl.pc.office import trusted_location

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
    from smsync_xl.pc.first_open import _trusted_location

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
    book = windows_install(tmp_path, "C:\\Py32\\python.exe").workbook
    machine = windows(python="C:\\Py32\\python.exe", exists={"C:\\Py32\\python.exe"}.__contains__)
    lines = first_open.report_lines(book, machine)
    assert lines[0] == "First open (as doctor --book sees it):"
    assert "  ok       Python C:\\Py32\\python.exe" in lines
    assert any("is not a Trusted Location" in line for line in lines)
    assert any(
        line.startswith("    Fix: The Excel functions (=SMSYNC_...) would show") for line in lines
    )


# --- 10. Windows as it really is: policies, letter case, file systems, the Store ----------

POLICY = r"HKCU\Software\Policies\Microsoft\Office\16.0\Excel\Security\Trusted Locations"
MIX_POLICY = r"HKCU\Software\Policies\Microsoft\Office\16.0\Common\Security\Trusted Locations"


def test_value_names_are_read_without_letter_case_as_group_policy_writes_them(tmp_path):
    """GPO writes alllocationsdisabled, path, allowsubfolders; installers AllowSubFolders."""
    from smsync_xl.pc.office import locations_disabled, trusted_location

    registry = FakeRegistry(
        {
            POLICY + "\\Location1": {"path": "C:\\Policy\\", "allowsubfolders": 1},
            USER_LOCATIONS + "\\Location2": {"PATH": "C:\\Books\\", "AllowSubFolders": 1},
        }
    )
    assert trusted_location("C:\\Policy\\SMSync", registry, {}) == POLICY + "\\Location1"
    assert trusted_location("C:\\Books\\SMSync", registry, {}) == USER_LOCATIONS + "\\Location2"
    registry.write(POLICY, {"alllocationsdisabled": 1})
    assert locations_disabled(registry)
    book = conf_with(tmp_path, sys.executable)
    assert "turned Trusted Locations off" in problems(
        check_workbook(book, windows(registry, exists=lambda p: True))
    )
    registry.write(POLICY, {"AllLocationsDisabled": 0})  # one value, whatever its spelling
    assert registry.values(POLICY) == {"alllocationsdisabled": 0}
    assert not locations_disabled(registry)


def test_trusted_location_variables_expand_without_letter_case():
    """Windows' ExpandEnvironmentStrings ignores the case of variable names."""
    from smsync_xl.pc.office import expand_variables, trusted_location

    registry = FakeRegistry({USER_LOCATIONS + "\\Location1": {"Path": "%UserProfile%\\Books\\"}})
    environ = {"USERPROFILE": "C:\\Users\\Jose"}
    assert trusted_location("C:\\Users\\Jose\\Books", registry, environ)
    assert expand_variables("%localappdata%\\x;%NOPE%", {"LOCALAPPDATA": "C:\\L"}) == (
        "C:\\L\\x;%NOPE%"
    )


def test_only_policy_locations_count_when_it_turns_off_the_mix(tmp_path):
    """'Allow mix of policy and user locations' off: Office ignores the user's locations."""
    book = conf_with(tmp_path, sys.executable)
    folder = str(tmp_path)
    registry = FakeRegistry(
        {
            MIX_POLICY: {"allow user locations": 0},
            USER_LOCATIONS + "\\Location1": {"Path": folder},
        }
    )
    machine = windows(registry, exists=lambda p: True)
    text = problems(check_workbook(book, machine))
    assert f"{folder} is not a Trusted Location Excel honours: your IT lets Excel honour" in text
    assert "'Allow mix of policy and user locations' is off" in text
    assert "Ask your IT to trust" in text and "install --trust" not in text
    registry.write(POLICY + "\\Location9", {"path": folder})
    found = check_workbook(book, machine)
    assert "  ok       Trusted Location (Location9)" in found.lines


def test_a_network_policy_overrides_the_users_tick():
    from smsync_xl.pc.first_open import _trusted_location

    unc = Path("\\\\server\\office\\SMSync")
    registry = FakeRegistry(
        {
            POLICY: {"allownetworklocations": 0},
            USER_LOCATIONS: {"AllowNetworkLocations": 1},
            USER_LOCATIONS + "\\Location1": {"Path": str(unc)},
        }
    )
    found = first_open.Findings()
    _trusted_location(found, unc, windows(registry))
    assert "your IT's policy turns Trusted Locations on the network off" in problems(found)
    registry.write(POLICY, {"AllowNetworkLocations": 1})
    registry.write(USER_LOCATIONS, {"AllowNetworkLocations": 0})
    found = first_open.Findings()
    _trusted_location(found, unc, windows(registry))
    assert found.problems == [] and "  ok       Trusted Location (Location1)" in found.lines


@pytest.mark.parametrize(
    "policy, reason",
    [
        ({MIX_POLICY: {"Allow User Locations": 0}}, "'Allow mix of policy and user locations'"),
        ({POLICY: {"AllLocationsDisabled": 1}}, "turned Trusted Locations off"),
    ],
)
def test_install_trust_warns_instead_of_adding_what_office_ignores(tmp_path, policy, reason):
    registry = FakeRegistry(policy)
    installed = windows_install(tmp_path / "SMSync", sys.executable, trust=True, registry=registry)
    assert installed.trusted is None and registry.subkeys(USER_LOCATIONS) == []
    (warning,) = [w for w in installed.warnings if "--trust" in w]
    assert f"--trust did not make {tmp_path / 'SMSync'} a Trusted Location" in warning
    assert reason in warning and "Ask your IT" in warning


def test_install_trust_on_a_network_folder_with_network_locations_off():
    from smsync_xl.pc.office import trust_refused

    registry = FakeRegistry()
    reason, fix = trust_refused("\\\\server\\office\\SMSync", registry) or ("", "")
    assert "'Allow Trusted Locations on my network' is off" in reason and "Tick it" in fix
    registry.write(USER_LOCATIONS, {"AllowNetworkLocations": 1})
    assert trust_refused("\\\\server\\office\\SMSync", registry) is None


def test_the_cli_promises_trust_only_when_it_was_given(tmp_path, monkeypatch):
    """The next steps follow what install did, not the --trust flag."""
    from smsync_xl.pc import install as install_module

    registry = FakeRegistry({MIX_POLICY: {"allow user locations": 0}})
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(install_module, "WindowsRegistry", lambda: registry)
    result = CliRunner().invoke(main, ["install", "--dest", str(tmp_path), "--trust"])
    assert result.exit_code == 0, result.output
    assert "is a Trusted Location (--trust)" not in result.output
    assert "Trusted Locations > Add new location" in result.output
    assert "Warning: --trust did not make" in result.output
    monkeypatch.setattr(install_module, "WindowsRegistry", FakeRegistry)
    result = CliRunner().invoke(main, ["install", "--dest", str(tmp_path / "b"), "--trust"])
    assert f"{tmp_path / 'b'} is a Trusted Location (--trust)" in result.output


@pytest.mark.parametrize("size", [7, 4000])
def test_doctor_names_a_damaged_vba_project_without_a_traceback(tmp_path, size):
    """Under 1,536 bytes olefile would take the bytes for a file name."""
    from smsync_xl.core.errors import WorkbookError

    book = tmp_path / "SMSync.xlsm"
    with zipfile.ZipFile(workbook_path()) as source, zipfile.ZipFile(book, "w") as copy:
        for item in source.infolist():
            damaged = item.filename == "xl/vbaProject.bin"
            copy.writestr(item, b"x" * size if damaged else source.read(item))
    with pytest.raises(WorkbookError) as refused:
        xlwings_vba_version(book)
    assert "its VBA project (xl/vbaProject.bin) is damaged" in refused.value.message
    assert refused.value.where == str(book) and "install --force" in refused.value.advice
    (tmp_path / "xlwings.conf").write_bytes(f'"INTERPRETER_WIN","{sys.executable}"'.encode())
    assert "is damaged" in problems(check_workbook(book, windows(exists=lambda p: True)))


def test_a_file_system_without_streams_does_not_stop_install(tmp_path, monkeypatch):
    """FAT32, exFAT and some shares refuse the ':Zone.Identifier' name (an OSError that is
    not FileNotFoundError): no streams, so no mark; install goes on and writes the conf."""
    unlink = Path.unlink

    def no_streams(self: Path, missing_ok: bool = False) -> None:
        if str(self).endswith(":Zone.Identifier"):
            raise OSError(22, "The parameter is incorrect", str(self))
        unlink(self, missing_ok=missing_ok)

    monkeypatch.setattr(Path, "unlink", no_streams)
    installed = windows_install(tmp_path, sys.executable)
    assert installed.workbook.read_bytes() == workbook_path().read_bytes()
    assert (tmp_path / "xlwings.conf").read_bytes().startswith(b'"INTERPRETER_WIN"')
    assert (tmp_path / MANIFEST_NAME).exists()


@pytest.mark.parametrize(
    "python, expected",
    [
        (STORE_ALIAS, "'App execution alias', a 0-byte link and not a Python"),
        (STORE_PYTHON, "is a Python from the Microsoft Store"),
    ],
)
def test_install_and_doctor_say_the_same_about_a_store_python(tmp_path, python, expected):
    installed = windows_install(tmp_path, python)
    (warning,) = [w for w in installed.warnings if "Microsoft Store" in w]
    found = check_workbook(installed.workbook, windows(exists=lambda p: True))
    ((what, fix),) = [(w, f) for w, f in found.problems if "Microsoft Store" in w]
    assert (
        expected in warning and warning == f"{what.removeprefix('in xlwings.conf: ')}. Fix: {fix}"
    )
    assert "python.org" in fix
    other = "'App execution alias'" if python == STORE_PYTHON else "is a Python from the"
    assert other not in warning


def test_conf_is_read_as_xlwings_getconfig_reads_it(tmp_path):
    """Keys without letter case (LCase, xlwings.bas line 782), %VAR% expanded (line 710)."""
    book = conf_with(tmp_path, sys.executable)
    (tmp_path / "xlwings.conf").write_bytes(
        b'"interpreter_win","%LocalAppData%\\Programs\\Python\\Python311\\python.exe"\r\n'
    )
    python = "C:\\Users\\jose\\AppData\\Local\\Programs\\Python\\Python311\\python.exe"
    machine = windows(
        python=python,
        environ={"LOCALAPPDATA": "C:\\Users\\jose\\AppData\\Local"},
        exists={python}.__contains__,
    )
    assert f"  ok       Python {python}" in check_workbook(book, machine).lines
    (tmp_path / "xlwings.conf").write_bytes(b'"INTERPRETER_WIN","C:/Python311/python.exe"\r\n')
    text = problems(check_workbook(book, windows(exists=lambda p: True)))
    assert "names C:/Python311/python.exe, with '/'" in text
    assert "Write it with backslashes only" in text


@pytest.fixture
def fake_dlls_pinned(monkeypatch):
    """The test wheel's stand-in DLLs take the place of xlwings' published ones."""
    from smsync_xl.pc import xlwings_dll

    pinned = {DLL_NAMES[b]: hashlib.sha256(pe(b)).hexdigest() for b in (32, 64)}
    monkeypatch.setattr(xlwings_dll, "DLL_SHA256", pinned)


def test_a_wheel_that_only_agrees_with_its_own_record_is_refused(tmp_path):
    """RECORD proves nothing: the DLLs must be the ones xlwings published."""
    from smsync_xl.pc.xlwings_dll import DLL_SHA256, dlls_from_wheel

    assert set(DLL_SHA256) == set(DLL_NAMES.values())
    with pytest.raises(SmsyncError) as refused:
        dlls_from_wheel(wheel(tmp_path))  # consistent RECORD, but not xlwings' bytes
    assert f"is not the file xlwings {VERSION} published (its sha256 differs" in str(refused.value)


def test_a_wheel_with_the_dlls_swapped_is_refused(tmp_path, fake_dlls_pinned):
    from smsync_xl.pc.xlwings_dll import dlls_from_wheel

    path = tmp_path / f"xlwings-{VERSION}-cp311-cp311-win_amd64.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for bits, other in ((32, 64), (64, 32)):
            archive.writestr(f"xlwings-{VERSION}.data/data/{DLL_NAMES[bits]}", pe(other))
    with pytest.raises(SmsyncError, match=f"{DLL32} in the wheel is not a 32-bit Windows DLL"):
        dlls_from_wheel(path)


def test_the_wheel_alone_completes_an_existing_install(tmp_path, fake_dlls_pinned):
    """The advised command: names --dest, keeps the workbook, records the DLLs."""
    python = tmp_path / "py32" / "python.exe"
    python.parent.mkdir()
    dest = tmp_path / "C SMSync"
    first = windows_install(dest, str(python))
    (advice,) = first.warnings
    assert f'smsync-xl install --dest "{dest}" --xlwings-wheel <that .whl file>' in advice
    (dest / "SMSync.xlsm").write_bytes(b"the bookkeeper's Setup and Log")
    registry = FakeRegistry()
    again = windows_install(
        dest, str(python), xlwings_wheel=wheel(tmp_path), trust=True, registry=registry
    )
    assert again.kept and again.backup is None and again.warnings == ()
    assert again.trusted == USER_LOCATIONS + "\\Location0"  # --trust is not dropped
    assert again.placed == (python.parent / DLL32, python.parent / DLL64)
    assert (python.parent / DLL64).read_bytes() == pe(64)
    assert (dest / "SMSync.xlsm").read_bytes() == b"the bookkeeper's Setup and Log"
    recorded = json.loads((dest / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert recorded == {"python": str(python), "files": [str(p) for p in again.placed]}
    book = conf_with(tmp_path, "C:\\Py32\\python.exe")
    text = problems(check_workbook(book, windows(exists={"C:\\Py32\\python.exe"}.__contains__)))
    assert f'smsync-xl install --dest "{tmp_path}" --xlwings-wheel' in text


def test_the_cli_says_the_workbook_was_kept_when_only_the_dlls_were_placed(
    tmp_path, monkeypatch, fake_dlls_pinned
):
    from smsync_xl.pc import install as install_module

    python = tmp_path / "py32" / "python.exe"
    python.parent.mkdir()
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(sys, "executable", str(python))
    monkeypatch.setattr(install_module, "WindowsRegistry", FakeRegistry)
    dest = tmp_path / "SMSync"
    runner = CliRunner()
    assert runner.invoke(main, ["install", "--dest", str(dest)]).exit_code == 0
    (dest / "SMSync.xlsm").write_bytes(b"the bookkeeper's Setup and Log")
    result = runner.invoke(
        main, ["install", "--dest", str(dest), "--xlwings-wheel", str(wheel(tmp_path))]
    )
    assert result.exit_code == 0, result.output
    assert f"Left {dest / 'SMSync.xlsm'} and {dest / 'xlwings.conf'} as they are" in result.output
    assert f"Copied {DLL64} to {python.parent}" in result.output
    assert "Next steps" not in result.output
    assert (dest / "SMSync.xlsm").read_bytes() == b"the bookkeeper's Setup and Log"


def test_a_registry_that_refuses_the_location_is_a_warning_not_a_traceback(tmp_path):
    class Locked(FakeRegistry):
        def write(self, key: str, values: Mapping[str, object]) -> None:
            raise PermissionError(13, "Access is denied")

    installed = windows_install(tmp_path, sys.executable, trust=True, registry=Locked())
    assert installed.trusted is None
    (warning,) = [w for w in installed.warnings if "--trust" in w]
    assert "the registry refused: Access is denied" in warning and "Add new location" in warning


def test_trust_alone_completes_an_existing_install_as_both_advices_say(tmp_path, monkeypatch):
    """install and doctor advise ``install --dest "<folder>" --trust``: on an existing
    install it adds the location and leaves the workbook and xlwings.conf as they are."""
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(sys, "executable", "C:\\venv\\Scripts\\python.exe")
    registry = FakeRegistry()
    monkeypatch.setattr(first_open_install, "WindowsRegistry", lambda: registry)
    dest = tmp_path / "C SMSync"
    runner = CliRunner()
    first = runner.invoke(main, ["install", "--dest", str(dest)])
    assert first.exit_code == 0, first.output
    advised = f'smsync-xl install --dest "{dest}" --trust'
    assert advised in first.output
    machine = windows(registry, python="C:\\venv\\Scripts\\python.exe", exists=lambda p: True)
    assert advised in problems(check_workbook(dest / "SMSync.xlsm", machine))
    (dest / "SMSync.xlsm").write_bytes(b"the bookkeeper's Setup and Log")
    conf = (dest / "xlwings.conf").read_bytes()
    recorded = (dest / MANIFEST_NAME).read_text(encoding="utf-8")

    result = runner.invoke(main, ["install", "--dest", str(dest), "--trust"])
    assert result.exit_code == 0, result.output
    assert f"Left {dest / 'SMSync.xlsm'} and {dest / 'xlwings.conf'} as they are" in result.output
    assert f"{dest} is a Trusted Location ({USER_LOCATIONS}\\Location0)" in result.output
    assert "Next steps" not in result.output
    assert (dest / "SMSync.xlsm").read_bytes() == b"the bookkeeper's Setup and Log"
    assert (dest / "xlwings.conf").read_bytes() == conf
    assert json.loads((dest / MANIFEST_NAME).read_text(encoding="utf-8")) == json.loads(recorded)
    assert "Trusted Location" not in problems(check_workbook(dest / "SMSync.xlsm", machine))


SYNCED = {
    "HKCU\\Software\\SyncEngines\\Providers\\OneDrive\\a1b2c3d4e5f6": {
        "MountPoint": "C:\\Users\\pat\\Acme Corp\\Finance - Documents",
        "UrlNamespace": "https://acme.sharepoint.com/sites/Finance/Shared Documents/",
    },
    "HKCU\\Software\\Microsoft\\OneDrive\\Accounts\\Business1": {"UserFolder": "D:\\Work\\Acme"},
    "HKCU\\Software\\Microsoft\\OneDrive\\Accounts\\Personal": {},
}


@pytest.mark.parametrize(
    "folder, synced",
    [
        ("C:\\Users\\pat\\Acme Corp\\Finance - Documents\\SMSync", True),
        ("c:\\users\\PAT\\acme corp\\finance - documents", True),  # Windows ignores case
        ("D:\\Work\\Acme\\Books\\SMSync", True),
        ("C:\\Users\\pat\\Acme Corp\\SMSync", False),  # beside the library, not in it
        ("D:\\Work\\Acme Other\\SMSync", False),
        ("C:\\SMSync", False),
    ],
)
def test_a_folder_the_onedrive_client_syncs_is_seen_by_its_registry(folder, synced):
    """A SharePoint library synced by the OneDrive client has a folder of any name: its
    mount point (and each account's folder) come from the client's registry keys."""
    warnings = folder_warnings(folder, platform="win32", environ={}, registry=FakeRegistry(SYNCED))
    assert any("synchronised by OneDrive" in w and "https://" in w for w in warnings) == synced
    assert not folder_warnings(folder, platform="win32", environ={}, registry=FakeRegistry())


def test_install_and_doctor_warn_about_a_synced_sharepoint_library(tmp_path, monkeypatch):
    library = tmp_path / "Acme Corp" / "Finance - Documents"
    registry = FakeRegistry(
        {"HKCU\\Software\\SyncEngines\\Providers\\OneDrive\\a1b2c3": {"MountPoint": str(library)}}
    )
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(first_open_install, "WindowsRegistry", lambda: registry)
    dest = library / "SMSync"
    result = CliRunner().invoke(main, ["install", "--dest", str(dest)])
    assert result.exit_code == 0, result.output
    assert f"Warning: {dest} is synchronised by OneDrive" in result.output
    assert "install into a folder OneDrive does not synchronise, e.g. C:\\SMSync" in result.output
    found = check_workbook(dest / "SMSync.xlsm", windows(registry, exists=lambda p: True))
    assert f"  PROBLEM  {dest} is synchronised by OneDrive" in "\n".join(found.lines)
    assert "install into a folder OneDrive does not synchronise" in problems(found)
    sibling = tmp_path / "Acme Corp" / "SMSync"
    install(sibling, with_demo=False, platform="win32", interpreter=sys.executable)
    found = check_workbook(sibling / "SMSync.xlsm", windows(registry, exists=lambda p: True))
    assert "OneDrive" not in problems(found)
