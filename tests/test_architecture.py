"""The import rule of README's "How it is built": each layer imports only the layers
below it, so the tree reads as the data flow. Checked on the real import statements."""

from __future__ import annotations

import ast
from pathlib import Path

import smsync_xl

PACKAGE = Path(smsync_xl.__file__).parent

ALLOWED = {
    "core": {"core"},
    "bundled": {"bundled"},
    "connections": {"core", "connections"},
    "sources": {"core", "connections", "sources"},
    "smsturbo": {"core", "bundled", "connections", "smsturbo"},
    "sync": {"core", "smsturbo", "sync"},
    "book": {"core", "bundled", "book"},
    "demo": {"core", "connections", "sources", "smsturbo", "demo"},
    "app": {"core", "bundled", "connections", "sources", "smsturbo", "sync", "book", "demo", "app"},
    "pc": {
        "core",
        "bundled",
        "connections",
        "sources",
        "smsturbo",
        "sync",
        "book",
        "demo",
        "app",
        "pc",
    },
}
"""Layer → the layers (folders) it may import. Sources never touch SMSTurbo, the store
never reads Sage 50, the workbook layer knows no database; the top-level modules (the
application layer and the faces) may import any layer, and no layer imports them."""


def imported_layers(path: Path) -> set[str]:
    """The first component under smsync_xl of every smsync_xl module ``path`` imports."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] if node.level == 0 else []
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "smsync_xl" and len(parts) > 1:
                found.add(parts[1])
    return found


def test_each_layer_imports_only_the_layers_below_it():
    broken = []
    for layer, allowed in ALLOWED.items():
        for path in sorted((PACKAGE / layer).glob("*.py")):
            extra = imported_layers(path) - allowed
            if extra:
                broken.append(f"{layer}/{path.name} imports {sorted(extra)}")
    assert broken == []


def test_every_module_sits_in_a_known_layer_or_at_the_top():
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert folders == set(ALLOWED)


def test_no_relative_imports_hide_a_layer():
    relative = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom) and node.level > 0
    ]
    assert relative == []
