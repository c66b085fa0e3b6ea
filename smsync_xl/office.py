"""What Windows and Office say about trust and bitness: the registry values, the Mark of
the Web, the headers of binaries. Read through a small ``Registry`` port so that install
and doctor can be tested with any registry (tests pass a dictionary).

Sources: Microsoft's "Trusted Locations for Office files" (the per-user keys under
``...\\Excel\\Security\\Trusted Locations``, values ``Path``, ``AllowSubfolders``,
``Description``, ``Date``; ``AllowNetworkLocations`` on the parent key; the policy copy
under ``Software\\Policies`` and its ``AllLocationsDisabled``), "Macros from the internet
are blocked by default in Office" (the ``Zone.Identifier`` stream, ZoneId 3 for the
internet) and "Find out which version of Office you're using" (Click-to-Run's ``Platform``
value, ``x86`` or ``x64``).
"""

from __future__ import annotations

import ntpath
import sys
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Protocol

OFFICE = r"Software\Microsoft\Office\16.0\Excel\Security\Trusted Locations"
USER_LOCATIONS = "HKCU\\" + OFFICE
POLICY_LOCATIONS = r"HKCU\Software\Policies\Microsoft\Office\16.0\Excel\Security\Trusted Locations"
CLICK_TO_RUN = r"HKLM\SOFTWARE\Microsoft\Office\ClickToRun\Configuration"
MSI_BITNESS = r"HKLM\SOFTWARE\Microsoft\Office\16.0\Outlook"
EXCEL_APP_PATH = r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\App Paths\excel.exe"
ZONE_STREAM = ":Zone.Identifier"
"""The NTFS alternate data stream that carries the Mark of the Web."""
_ELF_CLASS = {1: 32, 2: 64}
_PE_MACHINE = {0x14C: 32, 0x8664: 64, 0xAA64: 64}


class Registry(Protocol):
    """The part of the Windows registry SMSync reads and (install --trust) writes. Keys
    are written with their hive first, e.g. ``HKCU\\Software\\...``."""

    def values(self, key: str) -> dict[str, object] | None:
        """The key's values by name (the default value is ""); None: no such key."""

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
                        found[name] = value
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


def _folder_key(folder: str, environ: Mapping[str, str]) -> str:
    """A folder as Windows compares it: variables expanded, no trailing backslash,
    letter case ignored."""
    for name, value in environ.items():
        folder = folder.replace(f"%{name}%", value).replace(f"%{name.upper()}%", value)
    return ntpath.normcase(ntpath.normpath(folder)).rstrip("\\")


def trusted_location(folder: str, registry: Registry, environ: Mapping[str, str]) -> str | None:
    """The Trusted Location (its registry key) that covers ``folder``, or None."""
    wanted = _folder_key(folder, environ)
    for root in (POLICY_LOCATIONS, USER_LOCATIONS):
        for name in registry.subkeys(root):
            values = registry.values(f"{root}\\{name}") or {}
            path = values.get("Path")
            if not isinstance(path, str) or not path:
                continue
            trusted = _folder_key(path, environ)
            if wanted == trusted or (
                values.get("AllowSubfolders") == 1 and wanted.startswith(trusted + "\\")
            ):
                return f"{root}\\{name}"
    return None


def locations_disabled(registry: Registry) -> bool:
    """IT turned every Trusted Location off by policy."""
    return (registry.values(POLICY_LOCATIONS) or {}).get("AllLocationsDisabled") == 1


def network_locations_allowed(registry: Registry) -> bool:
    for root in (POLICY_LOCATIONS, USER_LOCATIONS):
        if (registry.values(root) or {}).get("AllowNetworkLocations") == 1:
            return True
    return False


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
        value = (registry.values(key) or {}).get(name)
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
    except FileNotFoundError:
        return False
    return True
