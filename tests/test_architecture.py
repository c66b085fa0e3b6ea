"""The import rule of README's "How it is built": each folder imports only the folders
below it, so the tree reads as the data flow; the faces (the command line, the ribbon
macros, the Excel functions) sit on top, and nothing imports a face. Checked on the real
import statements, in every form and wherever they are written (inside functions too)."""

from __future__ import annotations

import ast
import importlib
import re
from dataclasses import dataclass
from pathlib import Path

import smsync_xl

PACKAGE = Path(smsync_xl.__file__).parent

FACES = {"cli", "macros", "udf"}
"""The top-level modules: each translates one surface (the command line, the ribbon
buttons, the Excel functions) to the application layer."""


@dataclass(frozen=True)
class Layer:
    holds: str
    may_import: frozenset[str]


def _layer(holds: str, *may_import: str) -> Layer:
    return Layer(holds, frozenset(may_import))


ALLOWED = {
    "core": _layer(
        "the pure rules: fields, IDs, settings parsing, comparison, vocabulary; no I/O",
        "core",
    ),
    "files": _layer(
        "reads the files SMSync is given (settings, table mapping) and finds those it "
        "carries (templates, the workbook); no database",
        "core",
    ),
    "connections": _layer("ODBC and SQLite connections, their errors, saved passwords", "core"),
    "sources": _layer("Sage 50 read-only (ODBC or SQLite, list exports)", "core", "connections"),
    "smsturbo": _layer("SMSTurbo: table mapping, store, audit", "core", "files", "connections"),
    "sync": _layer("apply a plan and undo a run, in one transaction each", "core", "smsturbo"),
    "book": _layer("the workbook: layout, build, Excel and file adapters", "core", "files"),
    "demo": _layer(
        "the demo company and SMSTurbo database", "core", "connections", "sources", "smsturbo"
    ),
    "app": _layer(
        "every use case the faces call, the workbook port, saved plans, plain-text views",
        "core",
        "files",
        "connections",
        "sources",
        "smsturbo",
        "sync",
        "book",
        "demo",
    ),
    "pc": _layer(
        "installing on a PC and diagnosing it (doctor, excel-check, Office, xlwings DLL)",
        "core",
        "files",
        "connections",
        "sources",
        "smsturbo",
        "sync",
        "book",
        "demo",
        "app",
    ),
}
"""Folder → what it holds and the folders it may import besides itself. Sources never
touch SMSTurbo, the store never reads Sage 50, the workbook layer knows no database, the
application layer knows no face; the faces may import any folder, and nothing imports a
face."""

OPENS_FILES = {
    "open",
    "read_text",
    "read_bytes",
    "write_text",
    "write_bytes",
    "connect",
    "exists",
    "is_file",
    "is_dir",
    "iterdir",
    "glob",
    "rglob",
    "mkdir",
    "unlink",
    "touch",
    "stat",
    "resolve",
    "absolute",
    "cwd",
    "load",
}
"""Calls that reach the file system or a database: core does none (``tomllib.loads`` of
text it is given is fine; ``tomllib.load`` of a file is not)."""

CORE_MAY_IMPORT = {
    "__future__",
    "collections",
    "contextlib",
    "gc",
    "itertools",
    "operator",
    "dataclasses",
    "decimal",
    "difflib",
    "enum",
    "functools",
    "hashlib",
    "math",
    "pathlib",
    "re",
    "struct",
    "tomllib",
    "types",
    "typing",
    "unicodedata",
}
"""The standard-library modules core may import: pure computation only (pathlib for the
``Path`` type; its I/O methods are refused above). Anything else (zipfile, logging,
configparser, a third-party package) is refused, so a new kind of I/O cannot slip in by a
module the list did not think of."""

DYNAMIC_IMPORTS = {"first_open.py", "vba.py"}
"""Modules that import by name at run time, and only third-party names: first_open asks
whether pywin32's modules import, vba loads xlwings' UDF module where it lives."""


def _modules(tree: ast.AST) -> set[str]:
    """Every module an import names, in full: ``import a.b``, ``from a import b`` (b may
    be a module: both ``a`` and ``a.b`` are listed), ``from a.b import c``."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _reached_by_name(tree: ast.AST) -> set[str]:
    """Modules reached without an import statement: ``smsync_xl.macros`` as an attribute,
    ``import_module("smsync_xl.macros")``, ``__import__("smsync_xl.macros")``."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and getattr(node.value, "id", "") == "smsync_xl":
            found.add(f"smsync_xl.{node.attr}")
        if isinstance(node, ast.Call) and _call_name(node) in {"import_module", "__import__"}:
            found.update(
                arg.value
                for arg in node.args[:1]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
            )
    return found


def _call_name(node: ast.Call) -> str:
    return str(getattr(node.func, "attr", getattr(node.func, "id", "")))


def imported(path: Path) -> set[str]:
    """The parts of smsync_xl that ``path`` imports: a folder's name, or a top-level
    module's ("cli", "macros", "udf")."""
    parts = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for name in _modules(tree) | _reached_by_name(tree):
        names = name.split(".")
        if names[0] != "smsync_xl" or len(names) < 2:
            continue
        if (PACKAGE / names[1]).is_dir() or names[1] in FACES:
            parts.add(names[1])
    return parts


def _folder(path: Path) -> str:
    return path.relative_to(PACKAGE).parts[0]


def _package_modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_nothing_imports_a_face():
    importers = [
        f"{path.relative_to(PACKAGE)} imports {sorted(imported(path) & FACES)}"
        for path in _package_modules()
        if imported(path) & FACES
    ]
    assert importers == []


def test_each_folder_imports_only_the_folders_below_it():
    broken = []
    for path in _package_modules():
        folder = _folder(path)
        if folder not in ALLOWED:
            continue
        extra = imported(path) - ALLOWED[folder].may_import - {folder}
        if extra:
            broken.append(f"{path.relative_to(PACKAGE)} imports {sorted(extra)}")
    assert broken == []


def test_every_module_sits_in_a_known_folder_or_is_a_face():
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    top = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__"}
    assert (folders, top) == (set(ALLOWED), FACES)
    assert all(layer.holds and layer.may_import <= set(ALLOWED) for layer in ALLOWED.values())


def _io_in_core(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = [
        f"{path.name}:{node.lineno} calls {name}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        for name in [_call_name(node)]
        if name in OPENS_FILES or name in {"getattr", "eval", "exec"}
    ]
    found += [
        f"{path.name} imports {name}"
        for name in sorted(_modules(tree) | _reached_by_name(tree))
        if name.split(".")[0] not in CORE_MAY_IMPORT | {"smsync_xl"}
        or (name.startswith("smsync_xl.") and not name.startswith("smsync_xl.core"))
    ]
    return found


def test_core_does_no_io():
    assert [
        problem
        for path in _package_modules()
        if _folder(path) == "core"
        for problem in _io_in_core(path)
    ] == []


def test_the_checks_see_every_import_form(tmp_path):
    """The rule is only as good as its reading of imports: each form is seen."""
    forms = {
        "import smsync_xl.macros": {"macros"},
        "from smsync_xl import macros": {"macros"},
        "from smsync_xl import cli, udf": {"cli", "udf"},
        "from smsync_xl.app.session import open_session": {"app"},
        "import smsync_xl.sync.apply as apply": {"sync"},
        "def f():\n    from smsync_xl import macros": {"macros"},
    }
    for source, parts in forms.items():
        module = tmp_path / "m.py"
        module.write_text(source, encoding="utf-8")
        assert imported(module) == parts, source
    forms = {
        "import_module('smsync_xl.macros')": {"macros"},
        "__import__('smsync_xl.app.session')": {"app"},
        "import smsync_xl\nsmsync_xl.macros.refresh()": {"macros"},
    }
    for source, parts in forms.items():
        module.write_text(source, encoding="utf-8")
        assert imported(module) == parts, source
    io = {
        "from pathlib import Path\nPath('x').read_text()\nopen('y')\n": 2,
        "import zipfile\nzipfile.ZipFile('x')": 1,
        "import logging, configparser, xlwings, openpyxl, click": 5,
        "from urllib.request import urlopen": 2,
        "import builtins\nf = builtins.open\nf('x')": 1,
        "from pathlib import Path\ngetattr(Path('x'), 'read_' + 'text')()": 1,
        "from importlib import import_module\nimport_module('smsync_xl.book.file')": 3,
    }
    for source, count in io.items():
        module.write_text(source, encoding="utf-8")
        assert len(_io_in_core(module)) == count, source


def test_only_known_modules_import_by_name_and_never_smsync_xl():
    dynamic = [
        f"{path.relative_to(PACKAGE)}:{node.lineno}"
        for path in _package_modules()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call) and _call_name(node) in {"import_module", "__import__"}
        if path.name not in DYNAMIC_IMPORTS
        or any(
            isinstance(arg, ast.Constant) and str(arg.value).startswith("smsync_xl")
            for arg in node.args[:1]
        )
    ]
    assert dynamic == []


def test_no_relative_imports_hide_a_layer():
    relative = [
        str(path.relative_to(PACKAGE))
        for path in _package_modules()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom) and node.level > 0
    ]
    assert relative == []


def _readme_tree() -> dict[str, str]:
    """Folder → what README's "How it is built" tree says of it."""
    readme = (PACKAGE.parent / "README.md").read_text(encoding="utf-8")
    block = readme.split("smsync_xl/\n", 1)[1].split("```", 1)[0]
    told: dict[str, str] = {}
    return _entries(block, told)


def _entries(block: str, told: dict[str, str]) -> dict[str, str]:
    folder = ""
    for line in block.splitlines():
        head = line[2:].split(" ", 1)[0]
        if line.startswith("  ") and not line.startswith("   "):
            folder = head.rstrip("/") if head.endswith("/") else ""
            told[folder] = ""
        if folder:
            told[folder] += " " + line.strip()
    return {name: text for name, text in told.items() if name}


def _may_import(text: str) -> set[str]:
    return {word.strip(" ,.") for word in text.split("may import:", 1)[1].split()}


def test_the_readme_tree_tells_the_rule_the_test_enforces():
    tree = {name: _may_import(text) for name, text in _readme_tree().items()}
    assert set(tree) == set(ALLOWED)
    assert {name: tree[name] - {name} for name in tree} == {
        name: set(layer.may_import) - {name} for name, layer in ALLOWED.items()
    }


def test_the_readme_tree_names_every_module():
    words = {name: set(re.findall(r"[a-z_0-9]+", text)) for name, text in _readme_tree().items()}
    unnamed = [
        f"{folder}/{path.stem}"
        for folder in ALLOWED
        for path in sorted((PACKAGE / folder).glob("*.py"))
        if path.stem != "__init__" and path.stem not in words.get(folder, set())
    ]
    assert unnamed == []


def _declared_all(path: Path) -> set[str] | None:
    """The names an app module declares in its own ``__all__`` (the package's is built
    from its modules' lists), or None when it declares none."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "__all__":
            name = "smsync_xl.app" + ("" if path.stem == "__init__" else f".{path.stem}")
            return set(importlib.import_module(name).__all__)
    return None


def test_every_app_module_declares_what_the_layers_above_take_from_it():
    """The application layer's surface is declared (``__all__``) in each of its modules,
    and nothing outside ``app`` takes a name from one that it does not declare."""
    app_folder = PACKAGE / "app"
    undeclared = [p.name for p in sorted(app_folder.glob("*.py")) if _declared_all(p) is None]
    assert undeclared == []
    taken_undeclared = []
    for path in _package_modules():
        if _folder(path) == "app":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.ImportFrom) and node.module):
                continue
            parts = node.module.split(".")
            if parts[:2] != ["smsync_xl", "app"] or len(parts) != 3:
                continue
            declared = _declared_all(app_folder / f"{parts[2]}.py") or set()
            taken_undeclared += [
                f"{path.relative_to(PACKAGE)}: {node.module}.{alias.name}"
                for alias in node.names
                if alias.name not in declared
            ]
    assert taken_undeclared == []


def test_what_a_module_takes_as_app_attributes_app_declares():
    """``from smsync_xl import app`` then ``app.name``: the name is in app's ``__all__``."""
    declared = _declared_all(PACKAGE / "app" / "__init__.py") or set()
    undeclared = []
    for path in _package_modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        takes_app = any(
            isinstance(node, ast.ImportFrom)
            and node.module == "smsync_xl"
            and any(alias.name == "app" and alias.asname is None for alias in node.names)
            for node in ast.walk(tree)
        )
        undeclared += [
            f"{path.relative_to(PACKAGE)}:{node.lineno} app.{node.attr}"
            for node in ast.walk(tree)
            if takes_app and isinstance(node, ast.Attribute)
            if getattr(node.value, "id", "") == "app" and node.attr not in declared
        ]
    assert undeclared == []


def test_app_lists_what_its_use_case_modules_declare():
    """``app.__all__`` is written out so that ``import smsync_xl.app`` imports no use case
    (``app.__getattr__`` does, when one is asked for): it is their ``__all__``."""
    from smsync_xl import app
    from smsync_xl.app import demo_start, open_sides, session

    declared = [*session.__all__, *demo_start.__all__, *open_sides.__all__]
    assert sorted(app.__all__) == sorted([*declared, "forget_id", "remembered_ids", "set_id"])
    assert all(getattr(app, name) is not None for name in app.__all__)
    assert callable(app.remembered_ids)  # the function, not its module


def test_check_all_imports_no_database_code():
    """The command line's check-all (and the ribbon's Check All) starts without the
    database stack: the ODBC driver, the sources, the use cases that open them."""
    import subprocess
    import sys

    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; import smsync_xl.cli, smsync_xl.macros, smsync_xl.book.file; "
            "print(' '.join(sys.modules))",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    heavy = {"pyodbc", "smsync_xl.sources", "smsync_xl.connections.odbc"}
    heavy |= {"smsync_xl.app.session", "smsync_xl.app.open_sides", "smsync_xl.app.demo_start"}
    assert heavy & set(loaded) == set()
