"""What Windows and Office say about trust and bitness: the registry values, the Mark of
the Web, the headers of binaries. Read through a small ``Registry`` port so that install
and doctor can be tested with any registry (tests pass a dictionary).

Sources: Microsoft's "Trusted Locations for Office files" (the per-user keys under
``...\\Excel\\Security\\Trusted Locations``, values ``Path``, ``AllowSubfolders``,
``Description``, ``Date``; ``AllowNetworkLocations`` on the parent key; the policy copy
under ``Software\\Policies`` and its ``AllLocationsDisabled``; the "Allow mix of policy and
user locations" policy, ``Allow User Locations`` under ``...\\Common\\Security\\Trusted
Locations``), "Macros from the internet
are blocked by default in Office" (the ``Zone.Identifier`` stream, ZoneId 3 for the
internet) and "Find out which version of Office you're using" (Click-to-Run's ``Platform``
value, ``x86`` or ``x64``).

Windows compares value names without letter case (Group Policy writes ``alllocationsdisabled``
and ``path``, installers ``AllowSubFolders``), so ``Registry.values`` gives every name in
lower case and this module asks for lower-case names only.
"""

from __future__ import annotations

import ntpath
import re
import sys
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path, PureWindowsPath
from typing import Protocol

OFFICE = r"Software\Microsoft\Office\16.0\Excel\Security\Trusted Locations"
USER_LOCATIONS = "HKCU\\" + OFFICE
POLICY_LOCATIONS = r"HKCU\Software\Policies\Microsoft\Office\16.0\Excel\Security\Trusted Locations"
POLICY_COMMON = r"HKCU\Software\Policies\Microsoft\Office\16.0\Common\Security\Trusted Locations"
"""Where "Allow mix of policy and user locations" lives (``allow user locations``: 0 makes
Office ignore every location that is not set by policy)."""
CLICK_TO_RUN = r"HKLM\SOFTWARE\Microsoft\Office\ClickToRun\Configuration"
MSI_BITNESS = r"HKLM\SOFTWARE\Microsoft\Office\16.0\Outlook"
EXCEL_APP_PATH = r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\App Paths\excel.exe"
SYNC_ENGINES = r"HKCU\Software\SyncEngines\Providers\OneDrive"
"""One subkey per folder the OneDrive client synchronises, a SharePoint library included,
its local folder in ``MountPoint`` (read so by xlwings 0.37.8, utils.get_url_to_mount)."""
ONEDRIVE_ACCOUNTS = r"HKCU\Software\Microsoft\OneDrive\Accounts"
"""One subkey per signed-in account (``Personal``, ``Business1``, ``Business2``…), its
OneDrive folder in ``UserFolder``."""
ZONE_STREAM = ":Zone.Identifier"
"""The NTFS alternate data stream that carries the Mark of the Web."""
_ELF_CLASS = {1: 32, 2: 64}
_PE_MACHINE = {0x14C: 32, 0x8664: 64, 0xAA64: 64}


class Registry(Protocol):
    """The part of the Windows registry SMSync reads and (install --trust) writes. Keys
    are written with their hive first, e.g. ``HKCU\\Software\\...``."""

    def values(self, key: str) -> dict[str, object] | None:
        """The key's values by name in lower case (the default value is ""); None: no
        such key."""

    def subkeys(self, key: str) -> list[str]: ...

    def write(self, key: str, values: Mapping[str, str | int]) -> None:
        """Create the key if needed and set each value (str: REG_SZ, int: REG_DWORD)."""


class WindowsRegistry:
    """The real registry, 64-bit view first (a 32-bit Python otherwise sees
    Office's HKLM keys through WOW6432Node)."""

    def values(self, key: str) -> dict[str, object] | None:
        if sys.platform != "win32":
            return None
        import winreg

        hive, path = _split(key)
        for view in (winreg.KEY_WOW64_64KEY, winreg.KEY_WOW64_32KEY):
            try:
                with winreg.OpenKey(hive, path, 0, winreg.KEY_READ | view) as handle:
                    found: dict[str, object] = {}
                    for index in range(winreg.QueryInfoKey(handle)[1]):
                        name, value, _ = winreg.EnumValue(handle, index)
                        found[name.lower()] = value
                    return found
            except OSError:
                continue
        return None

    def subkeys(self, key: str) -> list[str]:
        if sys.platform != "win32":
            return []
        import winreg

        hive, path = _split(key)
        try:
            with winreg.OpenKey(hive, path) as handle:
                return [winreg.EnumKey(handle, i) for i in range(winreg.QueryInfoKey(handle)[0])]
        except OSError:
            return []

    def write(self, key: str, values: Mapping[str, str | int]) -> None:
        if sys.platform != "win32":
            raise OSError("no Windows registry on this computer")
        import winreg

        hive, path = _split(key)
        with winreg.CreateKey(hive, path) as handle:
            for name, value in values.items():
                kind = winreg.REG_DWORD if isinstance(value, int) else winreg.REG_SZ
                winreg.SetValueEx(handle, name, 0, kind, value)


def _split(key: str) -> tuple[int, str]:
    if sys.platform != "win32":
        raise OSError("no Windows registry on this computer")
    import winreg

    hive, _, path = key.partition("\\")
    return {"HKCU": winreg.HKEY_CURRENT_USER, "HKLM": winreg.HKEY_LOCAL_MACHINE}[hive], path


def binary_bits(head: bytes) -> int | None:
    """32 or 64 from the first bytes of an ELF (.so) or PE (.dll) file; None otherwise."""
    if head[:4] == b"\x7fELF":
        return _ELF_CLASS.get(head[4])
    if head[:2] == b"MZ" and len(head) >= 64:
        offset = int.from_bytes(head[60:64], "little")
        if head[offset : offset + 4] == b"PE\0\0":
            return _PE_MACHINE.get(int.from_bytes(head[offset + 4 : offset + 6], "little"))
    return None


def expand_variables(text: str, environ: Mapping[str, str]) -> str:
    """``%NAME%`` replaced as Windows' ExpandEnvironmentStrings does: names without letter
    case, an undefined one left as it is. (On Windows ``os.environ`` holds the same
    variables; a dictionary stands in for it in tests.)"""
    folded = {name.upper(): value for name, value in environ.items()}
    return re.sub(r"%([^%]+)%", lambda m: folded.get(m[1].upper(), m[0]), text)


def _folder_key(folder: str, environ: Mapping[str, str]) -> str:
    """A folder as Windows compares it: variables expanded, no trailing backslash,
    letter case ignored."""
    return ntpath.normcase(ntpath.normpath(expand_variables(folder, environ))).rstrip("\\")


def _value(registry: Registry, key: str, name: str) -> object:
    return (registry.values(key) or {}).get(name.lower())


def onedrive_folders(registry: Registry) -> list[str]:
    """Every folder the OneDrive client synchronises on this computer: each account's
    OneDrive folder and each SharePoint library synced into a folder of any name (e.g.
    ``C:\\Users\\pat\\Acme Corp\\Finance - Documents``)."""
    found = []
    for root, name in ((SYNC_ENGINES, "MountPoint"), (ONEDRIVE_ACCOUNTS, "UserFolder")):
        for key in registry.subkeys(root):
            folder = _value(registry, f"{root}\\{key}", name)
            if isinstance(folder, str) and folder:
                found.append(folder)
    return found


def user_locations_allowed(registry: Registry) -> bool:
    """False when IT set "Allow mix of policy and user locations" to off: Office then
    honours only the locations under ``Software\\Policies``."""
    return _value(registry, POLICY_COMMON, "Allow User Locations") != 0


def trusted_location(folder: str, registry: Registry, environ: Mapping[str, str]) -> str | None:
    """The Trusted Location (its registry key) Office honours for ``folder``, or None."""
    wanted = _folder_key(folder, environ)
    roots = [POLICY_LOCATIONS] + ([USER_LOCATIONS] if user_locations_allowed(registry) else [])
    for root in roots:
        for name in registry.subkeys(root):
            values = registry.values(f"{root}\\{name}") or {}
            path = values.get("path")
            if not isinstance(path, str) or not path:
                continue
            trusted = _folder_key(path, environ)
            if wanted == trusted or (
                values.get("allowsubfolders") == 1 and wanted.startswith(trusted + "\\")
            ):
                return f"{root}\\{name}"
    return None


def locations_disabled(registry: Registry) -> bool:
    """IT turned every Trusted Location off by policy."""
    return _value(registry, POLICY_LOCATIONS, "AllLocationsDisabled") == 1


def network_locations_allowed(registry: Registry) -> bool:
    """ "Allow Trusted Locations on my network": the policy's value when IT set one (it
    overrides the user's tick), else the user's."""
    policy = _value(registry, POLICY_LOCATIONS, "AllowNetworkLocations")
    if policy is not None:
        return policy == 1
    return _value(registry, USER_LOCATIONS, "AllowNetworkLocations") == 1


def trust_refused(
    folder: str, registry: Registry, *, by_policy: bool = False
) -> tuple[str, str] | None:
    """Why Office would ignore a per-user Trusted Location for ``folder`` (``by_policy``:
    one IT set) because of a policy or the network setting, and what to do; None when it
    would honour it."""
    ask_it = (
        f"Ask your IT to trust {folder} by policy (or install into a folder they trust); "
        "until then click Enable Content each time you open the workbook."
    )
    if locations_disabled(registry):
        return "your IT has turned Trusted Locations off (policy AllLocationsDisabled)", ask_it
    if not by_policy and not user_locations_allowed(registry):
        return (
            "your IT lets Excel honour only the Trusted Locations it sets (policy 'Allow mix "
            "of policy and user locations' is off)",
            ask_it,
        )
    if folder.startswith("\\\\") and not network_locations_allowed(registry):
        if _value(registry, POLICY_LOCATIONS, "AllowNetworkLocations") is not None:
            return "your IT's policy turns Trusted Locations on the network off", ask_it
        return (
            "it is a network folder and 'Allow Trusted Locations on my network' is off",
            "Tick it in Trust Center > Trusted Locations, or install into C:\\SMSync.",
        )
    return None


def add_trusted_location(folder: str, registry: Registry, now: datetime) -> str:
    """Make ``folder`` (not its subfolders) a per-user Trusted Location under the first
    free LocationN key; return that key."""
    taken = {name.lower() for name in registry.subkeys(USER_LOCATIONS)}
    number = next(n for n in range(1000) if f"location{n}" not in taken)
    key = f"{USER_LOCATIONS}\\Location{number}"
    registry.write(
        key,
        {
            "Path": folder.rstrip("\\") + "\\",
            "AllowSubfolders": 0,
            "Description": "SMSync (added by smsync-xl install --trust)",
            "Date": now.strftime("%m/%d/%Y %I:%M %p"),
        },
    )
    return key


def excel_bits(registry: Registry) -> int | None:
    """Excel's bitness from Click-to-Run's Platform or an MSI Office's Bitness."""
    for key, name in ((CLICK_TO_RUN, "Platform"), (MSI_BITNESS, "Bitness")):
        value = _value(registry, key, name)
        if isinstance(value, str) and value.lower() in ("x86", "x64"):
            return 64 if value.lower() == "x64" else 32
    return None


def excel_from_store(registry: Registry) -> str | None:
    """Excel's path when it is the Microsoft Store (packaged) Office, else None."""
    path = (registry.values(EXCEL_APP_PATH) or {}).get("")
    if isinstance(path, str) and "\\windowsapps\\" in path.lower():
        return path
    return None


def mark_of_the_web(path: Path) -> int | None:
    """The ZoneId of the file's Mark of the Web (3: internet), or None without one."""
    try:
        text = Path(str(path) + ZONE_STREAM).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    for line in text.splitlines():
        name, _, value = line.partition("=")
        if name.strip().lower() == "zoneid" and value.strip().isdigit():
            return int(value.strip())
    return 3  # a mark without a readable zone: Office treats it as from the internet


def remove_mark_of_the_web(path: Path) -> bool:
    """Delete the file's Zone.Identifier stream; True when there was one. Opening a file
    for writing keeps its alternate streams, so a copy over a marked file stays marked."""
    try:
        Path(str(path) + ZONE_STREAM).unlink()
    except OSError:
        # No such stream, or a file system without streams (FAT32, exFAT, some shares),
        # which therefore cannot carry the mark either.
        return False
    return True


def store_python(interpreter: str) -> tuple[str, str, str] | None:
    """(short, what, fix) when ``interpreter`` comes from the Microsoft Store, else None.

    ``...\\Microsoft\\WindowsApps\\python.exe`` (directly in WindowsApps) is an "App
    execution alias": a 0-byte reparse point, not a Python; with no Store Python behind it
    it only prints "Python was not found; run without arguments to install from the
    Microsoft Store". A path inside a package folder (``WindowsApps\\PythonSoftwareFoundation
    .Python.3.11_...\\python.exe``) is a real Store Python, whose writes to the registry and
    to shared folders go to a private copy (Python's "Using Python on Windows", known issues
    of the Microsoft Store package): the COM server xlwings registers for the Excel
    functions is then invisible to Excel."""
    parts = [part.lower() for part in PureWindowsPath(interpreter).parts]
    if "windowsapps" not in parts[:-1]:
        return None
    python_org = (
        "Install Python from python.org, install SMSync into it, and run its "
        "smsync-xl install --force (or use a virtual environment's Scripts\\python.exe)."
    )
    if parts[-2] == "windowsapps":
        return (
            f"Python {interpreter} is the Microsoft Store's alias, not a Python",
            f"{interpreter} is the Microsoft Store's 'App execution alias', a 0-byte link "
            "and not a Python: Excel cannot start it ('Python was not found; run without "
            "arguments to install from the Microsoft Store')",
            python_org,
        )
    return (
        f"Python {interpreter} is from the Microsoft Store",
        f"{interpreter} is a Python from the Microsoft Store: it keeps its registry and "
        "shared-folder writes in a private copy, so Excel cannot see the COM server xlwings "
        "registers for the Excel functions, and the buttons may fail",
        python_org,
    )
