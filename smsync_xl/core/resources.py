"""Find the files in ``templates/``, whether installed as a wheel or run from a clone."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).parent.parent
_INSTALLED = _PACKAGE / "templates"
_CHECKOUT = _PACKAGE.parent / "templates"
_INSTALLED_WORKBOOK = _PACKAGE / "workbook" / "SMSync.xlsm"
CHECKOUT_WORKBOOK = _PACKAGE.parent / "workbook" / "SMSync.xlsm"


def template_path(name: str) -> Path:
    """Path of a file from ``templates/`` (the wheel carries a copy inside the package)."""
    for folder in (_INSTALLED, _CHECKOUT):
        candidate = folder / name
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"template {name!r} not found in {_INSTALLED} or {_CHECKOUT}")


def workbook_path() -> Path:
    """The built SMSync.xlsm (the wheel carries a copy inside the package)."""
    for candidate in (_INSTALLED_WORKBOOK, CHECKOUT_WORKBOOK):
        if candidate.exists():
            return candidate
    raise FileNotFoundError(
        f"SMSync.xlsm not found in {_INSTALLED_WORKBOOK.parent} or {CHECKOUT_WORKBOOK.parent}; "
        "run 'smsync-xl build-workbook'"
    )
