"""Find the files in ``templates/``, whether installed as a wheel or run from a clone."""

from __future__ import annotations

from pathlib import Path

_INSTALLED = Path(__file__).parent / "templates"
_CHECKOUT = Path(__file__).parent.parent / "templates"


def template_path(name: str) -> Path:
    """Path of a file from ``templates/`` (the wheel carries a copy inside the package)."""
    for folder in (_INSTALLED, _CHECKOUT):
        candidate = folder / name
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"template {name!r} not found in {_INSTALLED} or {_CHECKOUT}")
