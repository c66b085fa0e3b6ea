"""Find the files in ``templates/``, whether installed as a wheel or run from a clone."""

from __future__ import annotations

from pathlib import Path

WORKBOOK_NAME = "SMSync.xlsm"
"""The workbook's file name: as built, shipped and installed."""
FUNCTIONS_MODULE = "smsync_xl.udf"
"""The Python module of the workbook's Excel functions: what xlwings imports for them
(xlwings.conf's UDF MODULES) and what the build reads their declarations from."""

_PACKAGE = Path(__file__).parent.parent
_INSTALLED = _PACKAGE / "templates"
_CHECKOUT = _PACKAGE.parent / "templates"
_INSTALLED_WORKBOOK = _PACKAGE / "workbook" / WORKBOOK_NAME
_CHECKOUT_WORKBOOK = _PACKAGE.parent / "workbook" / WORKBOOK_NAME


def template_path(name: str) -> Path:
    """Path of a file from ``templates/`` (the wheel carries a copy inside the package)."""
    for folder in (_INSTALLED, _CHECKOUT):
        candidate = folder / name
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"template {name!r} not found in {_INSTALLED} or {_CHECKOUT}")


def workbook_path() -> Path:
    """The built SMSync.xlsm (the wheel carries a copy inside the package)."""
    for candidate in (_INSTALLED_WORKBOOK, _CHECKOUT_WORKBOOK):
        if candidate.exists():
            return candidate
    raise FileNotFoundError(
        f"SMSync.xlsm not found in {_INSTALLED_WORKBOOK.parent} or {_CHECKOUT_WORKBOOK.parent}; "
        "run 'smsync-xl build-workbook'"
    )


def checkout_workbook() -> Path | None:
    """Where ``build-workbook`` writes by default: the checkout's workbook/SMSync.xlsm,
    or None when SMSync runs from an installed package (no checkout around it)."""
    root = _PACKAGE.parent
    if (root / "pyproject.toml").is_file() and _CHECKOUT.is_dir():
        return _CHECKOUT_WORKBOOK
    return None
