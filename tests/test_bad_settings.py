"""Bad settings files, through the command line: each is refused with exit code 1, one
message naming the file and the key and saying what to do, no traceback, and SMSTurbo
exactly as it was. Part of the bad-input matrix (with test_bad_mapping and
test_bad_sage_data)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from smsync_xl.book.layout import setup_layout
from smsync_xl.book.setup_sheet import ENTITY_KEY
from smsync_xl.cli import main
from smsync_xl.core.errors import SettingsError
from smsync_xl.core.settings import SETTINGS_KEYS
from smsync_xl.demo.company import SETTINGS_TEMPLATE, create_demo
from smsync_xl.files.settings_file import load_settings, settings_from_values

from .conftest import dump

TURBO_FILE = "smsturbo_demo.sqlite"
NEW_CUSTOMERS_OF_THE_DEMO = "Import completed: 19 created, 16 updated, 0 skipped"


def run_cli(*args: object) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def edited(text: str, old: str, new: str) -> str:
    """``text`` with ``old`` replaced once; a test whose edit misses fails loudly."""
    assert old in text, f"{old!r} not in the text to edit"
    return text.replace(old, new, 1)


def assert_refused(result: Result, *expected: str) -> None:
    """Exit code 1, a plain message holding every expected piece, and no traceback."""
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "Traceback" not in result.output
    assert result.output.startswith("Error: "), result.output
    for piece in expected:
        assert piece in result.output, f"{piece!r} not in:\n{result.output}"


def sync_refused(folder: Path, settings: Path, *expected: str) -> None:
    """``sync --yes`` with these settings is refused and SMSTurbo is left as it was."""
    before = dump(folder / TURBO_FILE, audit=True)
    assert_refused(run_cli("sync", "--settings", settings, "--yes"), *expected)
    assert dump(folder / TURBO_FILE, audit=True) == before


# Each case: the settings file's text edited one way → (where, what to do) in the message.
Edit = Callable[[str], str]
T = SETTINGS_TEMPLATE


def _top(line: str) -> Edit:
    return lambda text: edited(text, 'view = "not_in_sync"', f'view = "not_in_sync"\n{line}')


def _in(section: str, line: str) -> Edit:
    return lambda text: edited(text, f"[{section}]\n", f"[{section}]\n{line}\n")


def _swap(old: str, new: str) -> Edit:
    return lambda text: edited(text, old, new)


def _rename_section(old: str, new: str) -> Edit:
    return _swap(f"[{old}]\n", f"[{new}]\n")


def _odbc(side: str, line: str) -> Edit:
    return lambda text: edited(
        text, f'[{side}]\nkind = "sqlite"', f'[{side}]\nkind = "odbc"\n{line}'
    )


CASES: dict[str, tuple[Edit, str, str]] = {
    # unknown keys and sections, with the nearest known one
    "misspelt top key": (
        _top('veiw = "missing_only"'),
        "settings.toml: veiw",
        "Did you mean view?",
    ),
    "unknown top key": (_top('colour = "red"'), "settings.toml: colour", "are: view"),
    "top key belonging in a section": (
        _top("include_types = []"),
        "settings.toml: include_types",
        "Did you mean customers.include_types or vendors.include_types or materials.include_types?",
    ),
    "section costumers": (
        _rename_section("customers", "costumers"),
        "settings.toml: [costumers]",
        "Did you mean [customers]?",
    ),
    "section vendor": (
        _rename_section("vendors", "vendor"),
        "settings.toml: [vendor]",
        "Did you mean [vendors]?",
    ),
    "section sage_50": (
        _rename_section("sage50", "sage_50"),
        "settings.toml: [sage_50]",
        "Did you mean [sage50]?",
    ),
    "section smsturbo spelt SMSTurbo": (
        _rename_section("smsturbo", "SMSTurbo"),
        "settings.toml: [SMSTurbo]",
        "Did you mean [smsturbo]?",
    ),
    "section credit_statuses": (
        _rename_section("credit_status", "credit_statuses"),
        "settings.toml: [credit_statuses]",
        "Did you mean [credit_status]?",
    ),
    "sage50 misspelt key": (
        _in("sage50", 'pth = "x.sqlite"'),
        "settings.toml: sage50.pth",
        "Did you mean sage50.path?",
    ),
    "smsturbo misspelt key": (
        _in("smsturbo", 'knd = "sqlite"'),
        "settings.toml: smsturbo.knd",
        "Did you mean smsturbo.kind?",
    ),
    "smsturbo mapping spelt maping": (
        _in("smsturbo", 'maping = "m.toml"'),
        "settings.toml: smsturbo.maping",
        "Did you mean smsturbo.mapping?",
    ),
    "customers include_type": (
        _swap("include_types = []", "include_type = []"),
        "settings.toml: customers.include_type",
        "Did you mean customers.include_types?",
    ),
    "vendors repalce": (
        _in("vendors", 'repalce = ["name"]'),
        "settings.toml: vendors.repalce",
        "Did you mean vendors.replace?",
    ),
    "credit_status inactiv": (
        _in("credit_status", 'inactiv = "CLOSED"'),
        "settings.toml: credit_status.inactiv",
        "Did you mean credit_status.inactive?",
    ),
    "credit_status mapping": (
        _in("credit_status", 'mapping = { "Always Hold" = "HOLD" }'),
        "settings.toml: credit_status.mapping",
        "Did you mean credit_status.map or smsturbo.mapping?",
    ),
    "key in the wrong section": (
        _in("sage50", 'mapping = "m.toml"'),
        "settings.toml: sage50.mapping",
        "Did you mean smsturbo.mapping?",
    ),
    "unknown sub-table": (
        _swap("[smsturbo]\n", "[sage50.extra]\nx = 1\n\n[smsturbo]\n"),
        "settings.toml: sage50.extra",
        "The settings in [sage50] are: kind, path",
    ),
    # wrong types name the key
    "a section given as a value": (
        _swap('[sage50]\nkind = "sqlite"\npath = "sage50_demo.sqlite"', 'sage50 = "sage.sqlite"'),
        "settings.toml: sage50",
        "Write [sage50] on a line of its own",
    ),
    "number for a path": (
        _swap('path = "sage50_demo.sqlite"', "path = 5"),
        "settings.toml: sage50.path: expected text, got the number 5",
        'double quotes: path = "…"',
    ),
    "true for the view": (
        _swap('view = "not_in_sync"', "view = true"),
        "settings.toml: view: expected text",
        "double quotes",
    ),
    "list for the kind": (
        _swap('kind = "sqlite"', 'kind = ["sqlite"]'),
        "settings.toml: sage50.kind: expected text, got a list",
        "double quotes",
    ),
    "table for the user": (
        _in("smsturbo", "user = { name = 'x' }"),
        "settings.toml: smsturbo.user: expected text, got a table",
        "double quotes",
    ),
    "table for a list": (
        _swap("include_types = []", "include_types = { PROSPECT = true }"),
        "settings.toml: customers.include_types: expected a list of words, got a table",
        '["PROSPECT", "RETAIL"]',
    ),
    "numbers in a list": (
        _swap("include_types = []", "include_types = [1, 2]"),
        "settings.toml: customers.include_types: expected a list of words",
        "separated by commas",
    ),
    "number for Replace Options": (
        _swap(
            'replace = ["name", "address", "phone", "contact", "email", "credit_status"]',
            "replace = 5",
        ),
        "settings.toml: vendors.replace: expected a list of words, got the number 5",
        "separated by commas",
    ),
    "date for the inactive status": (
        _swap('inactive = "INACTIVE"', "inactive = 2024-01-01"),
        "settings.toml: credit_status.inactive: expected text",
        "double quotes",
    ),
    # values that are not allowed
    "bad view": (
        _swap('view = "not_in_sync"', 'view = "sideways"'),
        "settings.toml: view: 'sideways' is not one of",
        "Choose one of: not in sync, missing only, ask each time.",
    ),
    "bad kind": (
        _swap('kind = "sqlite"', 'kind = "excel"'),
        "settings.toml: sage50.kind: 'excel' is not one of",
        "Choose one of: sqlite, odbc, csv.",
    ),
    "bad Replace Option": (
        _swap('replace = ["name", "address", "phone"', 'replace = ["name", "colour", "phone"'),
        "settings.toml: customers.replace: 'colour' is not a Replace Option",
        "Use any of: name, address",
    ),
    "misspelt Replace Option": (
        _swap('replace = ["name", "address", "phone"', 'replace = ["name", "adress", "phone"'),
        "settings.toml: customers.replace: 'adress' is not a Replace Option",
        "Did you mean address?",
    ),
    "credit-status map as a list": (
        _in("credit_status", 'map = ["HOLD"]'),
        "settings.toml: credit_status.map: expected Sage 50 status = SMSTurbo status pairs",
        'map = { "Always Hold" = "HOLD" }',
    ),
    "credit-status map as a number": (
        _in("credit_status", "map = 5"),
        "settings.toml: credit_status.map",
        "Always Hold = HOLD",
    ),
    "credit-status map text without =": (
        _in("credit_status", 'map = "Always Hold"'),
        "settings.toml: credit_status.map: 'Always Hold' is not a list of Sage 50 status",
        "separated by semicolons",
    ),
    "credit-status map with a blank Sage 50 status": (
        _in("credit_status", 'map = { "" = "HOLD" }'),
        "settings.toml: credit_status.map: '' = 'HOLD'",
        "both must be non-blank text",
    ),
    "credit-status map with a number": (
        _in("credit_status", 'map = { "Always Hold" = 5 }'),
        "settings.toml: credit_status.map: 'Always Hold' = 5",
        "both must be non-blank text",
    ),
    # connections
    "Sage 50 file that does not exist": (
        _swap('path = "sage50_demo.sqlite"', 'path = "nowhere.sqlite"'),
        "settings.toml: sage50.path",
        "Check the path",
    ),
    "Sage 50 path that is a folder": (
        _swap('path = "sage50_demo.sqlite"', 'path = "."'),
        "settings.toml: sage50.path",
        "is a folder, not the Sage 50 company file",
    ),
    "SMSTurbo path that is a folder": (
        _swap('path = "smsturbo_demo.sqlite"', 'path = "."'),
        "settings.toml: smsturbo.path",
        "is a folder, not the SMSTurbo database file",
    ),
    "SMSTurbo file that does not exist": (
        _swap('path = "smsturbo_demo.sqlite"', 'path = "nowhere.sqlite"'),
        "settings.toml: smsturbo.path",
        "Check the SMSTurbo database file",
    ),
    "no Sage 50 path": (
        _swap('path = "sage50_demo.sqlite"\n', ""),
        "settings.toml: sage50.path: no file given",
        "Enter the path of the file",
    ),
    "CSV kind with a file": (
        _swap(
            'kind = "sqlite"\npath = "sage50_demo.sqlite"', 'kind = "csv"\npath = "settings.toml"'
        ),
        "settings.toml: sage50.path",
        "Enter the folder where the Customer List, Vendor List and Inventory Item List "
        "exports are saved.",
    ),
    "template material ID with a space": (
        _swap('template = "ZZDEFAULT"', 'template = "my template"'),
        "settings.toml: materials.template: 'my template' cannot be an SMSTurbo material ID: "
        "ID contains a space",
        "blank means ZZDEFAULT",
    ),
    "template customer ID as a number": (
        _in("customers", "template = 7"),
        "settings.toml: customers.template: expected text, got the number 7",
        "Write it as text",
    ),
    "a materials Replace Option customers have": (
        _swap('replace = ["price", "gl_accounts", "inactive"]', 'replace = ["credit_limit"]'),
        "settings.toml: materials.replace: 'credit_limit' is not a Replace Option for materials",
        "Use any of: description, unit, category, price, gl_accounts, inactive.",
    ),
    "DSN too long": (
        _odbc("smsturbo", f'dsn = "{"D" * 33}"'),
        "settings.toml: smsturbo.dsn: the DSN name is 33 characters",
        "shorter name",
    ),
    "ODBC without a DSN": (
        _odbc("sage50", 'server = "OFFICE-PC"'),
        "settings.toml: sage50.dsn: an ODBC connection needs a DSN",
        "fill in Driver, Server and Database",
    ),
    "number for a DSN": (
        _odbc("smsturbo", "dsn = 42"),
        "settings.toml: smsturbo.dsn: expected text, got the number 42",
        "double quotes",
    ),
    "mapping file that does not exist": (
        _in("smsturbo", 'mapping = "my_mapping.toml"'),
        "settings.toml: smsturbo.mapping",
        "Enter the path of your copy of smsturbo_mapping.toml",
    ),
    "mapping path that is a folder": (
        _in("smsturbo", 'mapping = "."'),
        "settings.toml: smsturbo.mapping",
        "is a folder",
    ),
    # the file itself
    "not TOML": (
        _swap('view = "not_in_sync"', "view = not_in_sync"),
        "settings.toml: the settings file is not valid TOML",
        "text goes in double quotes",
    ),
    "a key twice": (
        _top('view = "missing_only"'),
        "settings.toml: the settings file is not valid TOML",
        "Correct that line",
    ),
}


@pytest.fixture
def demo_folder(tmp_path: Path) -> tuple[Path, Path]:
    settings = create_demo(tmp_path)
    assert settings.read_text(encoding="utf-8") == SETTINGS_TEMPLATE
    return tmp_path, settings


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_a_bad_settings_file_is_refused_naming_the_key_and_the_fix(demo_folder, case):
    folder, settings = demo_folder
    edit, where, fix = CASES[case]
    settings.write_text(edit(SETTINGS_TEMPLATE), encoding="utf-8")
    sync_refused(folder, settings, where, fix)


def test_a_misspelt_include_types_no_longer_means_every_type(demo_folder):
    """The issue's case: include_type (no s) took 10 records instead of 5."""
    folder, settings = demo_folder
    text = edited(SETTINGS_TEMPLATE, "include_types = []", 'include_type = ["PROSPECT"]')
    settings.write_text(text, encoding="utf-8")
    sync_refused(folder, settings, "customers.include_type", "customers.include_types")
    settings.write_text(edited(text, "include_type =", "include_types ="), encoding="utf-8")
    taken = run_cli("sync", "--settings", settings, "--entity", "customers", "--yes")
    assert taken.exit_code == 0, taken.output
    assert "Import completed: 4 created, 0 updated" in taken.output  # PROSPECT5 is inactive


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [
        ("utf-8", b""),
        ("utf-8", b"\xef\xbb\xbf"),  # Notepad's UTF-8 with BOM
        ("utf-16", b""),  # Notepad's "Unicode" (the codec writes the BOM)
        ("cp1252", b""),  # Notepad's "ANSI" on a Western Windows
    ],
    ids=["utf-8", "utf-8 with BOM", "utf-16 with BOM", "windows-1252"],
)
def test_settings_files_notepad_writes_are_read(demo_folder, encoding, prefix):
    _, settings = demo_folder
    text = edited(
        SETTINGS_TEMPLATE,
        'active = ""',
        'active = ""\nmap = { "Café Hold" = "HOLD" }   # Sage 50 status = SMSTurbo status',
    )
    settings.write_bytes(prefix + text.encode(encoding))
    assert load_settings(settings).credit_status.by_code == {"CAFÉ HOLD": "HOLD"}
    result = run_cli("sync", "--settings", settings, "--yes")
    assert result.exit_code == 0, result.output
    assert NEW_CUSTOMERS_OF_THE_DEMO in result.output


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'view = "\x81"\n', "neither UTF-8 nor Windows-1252 text (byte 0x81 at offset 8)"),
        (b'\xef\xbb\xbfview = "\xe9"\n', "starts as UTF-8 text, but byte 8 is not UTF-8"),
        (SETTINGS_TEMPLATE.encode("utf-16-le"), "holds NUL characters"),
        (b"\xff\xfe\x00\xd8", "starts as UTF-16 text"),
    ],
    ids=["undefined cp1252 byte", "broken UTF-8 after a BOM", "UTF-16 without BOM", "bad UTF-16"],
)
def test_settings_in_an_unknown_encoding_are_refused_naming_it(demo_folder, content, expected):
    folder, settings = demo_folder
    settings.write_bytes(content)
    sync_refused(
        folder, settings, f"{settings}: the settings file", expected, "Save it again as UTF-8"
    )


def test_a_missing_settings_file_is_refused(demo_folder):
    folder, _ = demo_folder
    sync_refused(
        folder,
        folder / "other.toml",
        "other.toml: the settings file is not found",
        "smsync-xl demo",
    )


def test_a_settings_path_that_is_a_folder_is_refused(tmp_path):
    with pytest.raises(SettingsError, match="is a folder, not a file") as error:
        load_settings(tmp_path)
    assert error.value.where == str(tmp_path) and "Give the path" in error.value.advice


def unreadable(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    """Reading ``path`` fails as it does for a file another program locks, or one this
    user may not read (a chmod test would pass when the tests run as root)."""
    read_bytes = Path.read_bytes

    def refuse(self: Path) -> bytes:
        if self == path:
            raise PermissionError(13, "Permission denied", str(self))
        return read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", refuse)


def test_an_unreadable_settings_file_is_refused(demo_folder, monkeypatch):
    folder, settings = demo_folder
    unreadable(monkeypatch, settings)
    sync_refused(
        folder,
        settings,
        f"{settings}: the settings file cannot be read (Permission denied)",
        "Check that you may read the file",
    )


def test_every_setup_row_is_a_known_settings_key():
    """The Setup sheet supplies its settings through the same keys a settings file may
    hold (the entity its lists show is the sheet's own)."""
    keys = {row.key for row in setup_layout().rows if row.key}
    assert keys - {ENTITY_KEY} <= set(SETTINGS_KEYS)
    assert {key.removesuffix(".replace") for key in SETTINGS_KEYS if key.endswith(".replace")} == {
        cell.entity for cell in setup_layout().replace_cells
    }


class Recording(dict):
    """Flat settings values that remember which keys were read."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.read: set[str] = set()

    def get(self, key, default=None):
        self.read.add(key)
        return super().get(key, default)


def test_settings_from_values_reads_exactly_the_declared_keys(tmp_path):
    (tmp_path / "sage.sqlite").touch()
    values = Recording({"sage50.path": "sage.sqlite", "smsturbo.path": "turbo.sqlite"})
    settings_from_values(values, base=tmp_path, locate=str)
    assert values.read == set(SETTINGS_KEYS)
