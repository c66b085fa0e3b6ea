"""The package contract of workbook/SMSync.xlsm, read back by independent tools."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import olefile
import pytest
import xlwings
from oletools.olevba import VBA_Parser, VBA_Project
from openpyxl import load_workbook
from pyopenvba.cfb import CFB

from smsync_xl import macros
from smsync_xl.book.build import build
from smsync_xl.book.layout import HELP, SETUP, setup_layout
from smsync_xl.book.vba import VBA_PROJECT_STREAM, dictionary_class, xlwings_module
from smsync_xl.files.package_files import template_path, workbook_path

RIBBONS = {
    "customUI/customUI.xml": (
        "http://schemas.microsoft.com/office/2006/01/customui",
        "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility",
    ),
    "customUI/customUI14.xml": (
        "http://schemas.microsoft.com/office/2009/07/customui",
        "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility",
    ),
}

RIBBON_IMAGES = {
    # Data > Queries & Connections (Connections in Excel 2013 and 2016) > Refresh All.
    "smsyncRefresh": "RefreshAll",
    # Developer > Insert > Form Controls > Check Box (its own command in the Quick Access
    # Toolbar's "Commands Not in the Ribbon").
    "smsyncCheckAll": "FormControlCheckBox",
    # Home > Editing > Clear > Clear All.
    "smsyncUncheckAll": "ClearAll",
    # Data > Data Tools > Consolidate.
    "smsyncSynchronize": "Consolidate",
    # Quick Access Toolbar > Undo.
    "smsyncUndoLast": "Undo",
    # Review > Protect > Allow Edit Ranges (Allow Users to Edit Ranges): people.
    "smsyncShowCustomers": "ReviewAllowUsersToEditRanges",
    # Home > Number > Accounting Number Format: whom the business pays.
    "smsyncShowVendors": "AccountingFormat",
    # Format Shape > 3-D Format > Material (the Classic gallery).
    "smsyncShowMaterials": "_3DSurfaceMaterialClassic",
    # Properties (Quick Access Toolbar, "Commands Not in the Ribbon").
    "smsyncShowSetup": "PropertySheet",
    # Help > Help (F1; "Commands Not in the Ribbon" before the Help tab of Microsoft 365).
    "smsyncShowHelp": "Help",
}
"""Ribbon button id → imageMso. imageMso takes the picture of one of the host's own
commands, so each is a control ID of Excel in every list of Microsoft's
OfficeDev/office-fluent-ui-command-identifiers (excelcontrols.xlsx for Office 2013, 2016,
2019 and the Microsoft 365 channels). The earlier AcceptInvitation, DeclineInvitation,
ImportExcel and ContactCardHide are in none of them: commands of other Office programs."""

PYTHON_FREE = {"SMSyncShowSetup": SETUP, "SMSyncShowHelp": HELP}
"""The macros that only go to a sheet, in VBA, so they work before Python is set up."""


@pytest.fixture(scope="module")
def modules() -> dict[str, str]:
    parser = VBA_Parser(str(workbook_path()))
    try:
        return {
            name.rsplit(".", 1)[0]: code.replace("\r\n", "\n")
            for _, _, name, code in parser.extract_macros()
        }
    finally:
        parser.close()


def normalised(text: str) -> str:
    return text.replace("\r\n", "\n").strip()


def code_body(text: str) -> list[str]:
    """The module's code without the class header and attribute lines the VBA project
    stores differently from an exported file."""
    lines = normalised(text).split("\n")
    if lines[0].startswith("VERSION"):
        lines = lines[lines.index("END") + 1 :]
    return [line for line in lines if not line.startswith("Attribute VB_")]


def test_rebuild_is_byte_identical_to_the_committed_workbook(tmp_path):
    fresh = build(tmp_path / "SMSync.xlsm")
    assert fresh.read_bytes() == workbook_path().read_bytes(), (
        "workbook/SMSync.xlsm is out of date: run 'smsync-xl build-workbook' and commit it"
    )


def test_our_module_equals_the_template(modules):
    template = template_path("SMSync.bas").read_text(encoding="utf-8")
    assert normalised(modules["SMSync"]) == normalised(template)


def test_xlwings_module_is_the_pinned_release(modules):
    assert normalised(modules["xlwings"]) == normalised(xlwings_module())
    assert code_body(modules["Dictionary"]) == code_body(dictionary_class())
    embedded = re.search(r'XLWINGS_VERSION As String = "([^"]+)"', modules["xlwings"]).group(1)
    assert embedded == xlwings.__version__ == "0.37.8"


def test_every_ribbon_action_is_a_public_sub_taking_the_control(modules):
    with zipfile.ZipFile(workbook_path()) as archive:
        for part in RIBBONS:
            actions = re.findall(r'onAction="([^"]+)"', archive.read(part).decode())
            assert len(actions) == 10
            for action in actions:
                assert re.search(
                    rf"^Public Sub {action}\(control As IRibbonControl\)$", modules["SMSync"], re.M
                ), action


def test_every_macro_calls_an_existing_python_function(modules):
    commands = re.findall(
        r'RunPython "import smsync_xl\.macros as m; m\.(\w+)\((?:\'\w+\')?\)"', modules["SMSync"]
    )
    assert len(commands) == 8
    assert not {"show_setup", "show_help"} & set(commands)
    for name in commands:
        assert callable(getattr(macros, name))


def test_setup_and_help_go_to_sheets_that_exist(modules):
    book = load_workbook(workbook_path())
    for macro, sheet in PYTHON_FREE.items():
        body = re.search(rf"^Public Sub {macro}\(\)\n(.*?)^End Sub", modules["SMSync"], re.M | re.S)
        assert body is not None, macro
        assert body.group(1).strip() == f'ShowSheet "{sheet}"'
        assert sheet in book.sheetnames
    shows = re.search(
        r"^Private Sub ShowSheet\(sheetName As String\)\n(.*?)^End Sub",
        modules["SMSync"],
        re.M | re.S,
    )
    assert shows is not None
    assert "On Error GoTo missing" in shows.group(1)
    assert "ThisWorkbook.Worksheets(sheetName).Activate" in shows.group(1)


def vba_project() -> bytes:
    with zipfile.ZipFile(workbook_path()) as archive:
        return archive.read("xl/vbaProject.bin")


def test_vba_project_stream_is_what_a_tool_must_write():
    """MS-OVBA 2.3.4.1: Version 0xFFFF on write and no performance cache, so Excel
    compiles from source; the same seven bytes as xlwings' own standalone workbook."""
    stream = CFB.from_bytes(vba_project()).get_stream_in_storage("VBA", "_VBA_PROJECT")
    assert stream[:4] == bytes.fromhex("cc61ffff")
    assert len(stream) == 7
    assert stream == VBA_PROJECT_STREAM
    with zipfile.ZipFile(Path(xlwings.__file__).parent / "quickstart_standalone.xlsm") as xl:
        theirs = CFB.from_bytes(xl.read("xl/vbaProject.bin"))
    assert stream == theirs.get_stream_in_storage("VBA", "_VBA_PROJECT")


def test_no_module_carries_compiled_p_code():
    """Read by oletools' own dir-stream parser: every module's source starts at byte 0 of
    its stream (MODULEOFFSET 0), so no p-code cache stands in front of it."""
    ole = olefile.OleFileIO(vba_project())
    try:
        project = VBA_Project(ole, "", "PROJECT", "VBA/dir", relaxed=False)
        project.parse_project_stream()
        codes = [code for _, _, code in project.parse_modules()]
    finally:
        ole.close()
    sources = {m.name: code for m, code in zip(project.modules, codes, strict=True)}
    assert {"ThisWorkbook", "xlwings", "Dictionary", "SMSync", "xlwings_udfs"} <= set(sources)
    for module in project.modules:
        assert module.textoffset == 0, module.name
        assert sources[module.name].startswith(f'Attribute VB_Name = "{module.name}"')


def test_both_ribbons_show_the_same_excel_images():
    with zipfile.ZipFile(workbook_path()) as archive:
        for part, (namespace, _) in RIBBONS.items():
            root = ElementTree.fromstring(archive.read(part))
            images = {
                button.get("id"): button.get("imageMso")
                for button in root.iter(f"{{{namespace}}}button")
            }
            assert images == RIBBON_IMAGES, part


def test_both_ribbon_parts_and_their_relationships(modules):
    with zipfile.ZipFile(workbook_path()) as archive:
        rels = ElementTree.fromstring(archive.read("_rels/.rels"))
        targets = {r.get("Target"): r.get("Type") for r in rels}
        for part, (namespace, relationship) in RIBBONS.items():
            root = ElementTree.fromstring(archive.read(part))
            assert root.tag == f"{{{namespace}}}customUI"
            assert targets[part] == relationship
        types = archive.read("[Content_Types].xml").decode()
        assert "application/vnd.ms-excel.sheet.macroEnabled.main+xml" in types
        assert "xl/vbaProject.bin" in archive.namelist()


def test_no_machine_path_or_secret_inside_the_workbook():
    data = workbook_path().read_bytes()
    with zipfile.ZipFile(workbook_path()) as archive:
        text = b"".join(archive.read(n) for n in archive.namelist())
    for needle in (b"/root", b"/home/", b"C:\\Users", b"/tmp/", b"python.exe"):
        assert needle not in text and needle not in data


def test_setup_cells_have_defined_names_and_tables_exist():
    book = load_workbook(workbook_path())
    layout = setup_layout()
    for row in layout.rows:
        if row.key:
            assert book.defined_names[row.name].attr_text == f"Setup!$B${row.row}"
    for cell in layout.replace_cells:
        assert cell.name in book.defined_names
    assert book["Sage50-only"].tables["SageOnly"].ref.startswith("A5:")
    assert book["SMSTurbo-only"].tables["TurboOnly"].ref.startswith("A5:")
    assert book["Log"].tables["SyncLog"].ref.startswith("A5:")
    assert book["Sage50-only"].freeze_panes == "D6"


def test_setup_choices_match_the_settings():
    from smsync_xl.core.settings import SAGE_KINDS, TURBO_KINDS
    from smsync_xl.core.vocabulary import View

    layout = setup_layout()
    assert layout.setting("sage50.kind").choices == SAGE_KINDS
    assert layout.setting("smsturbo.kind").choices == TURBO_KINDS
    assert list(layout.setting("view").choices) == [v.label for v in View]


def test_greying_follows_the_inactive_column_and_ticks_accept_every_tick_word():
    from openpyxl import load_workbook

    from smsync_xl.book.layout import INACTIVE, INACTIVE_MARK, SAGE_COLUMNS, column_letter
    from smsync_xl.book.sheets import is_ticked
    from smsync_xl.core.vocabulary import TICK_WORDS

    book = load_workbook(workbook_path())
    sheet = book["Sage50-only"]
    letter = column_letter([c.title for c in SAGE_COLUMNS].index(INACTIVE))
    formulas = [
        formula
        for ranges in sheet.conditional_formatting
        for rule in ranges.rules
        for formula in rule.formula
    ]
    assert f'${letter}6="{INACTIVE_MARK}"' in formulas
    assert not any('"INACTIVE"' in f for f in formulas)
    include = next(v for v in sheet.data_validations.dataValidation if "A6" in str(v.sqref))
    for word in TICK_WORDS:
        assert is_ticked(word)
        expected = (
            "A6=TRUE" if word == "true" else f"A6={word}" if word.isdigit() else f'A6="{word}"'
        )
        assert expected in include.formula1
    setup = book["Setup"]
    ticks = next(
        v for v in setup.data_validations.dataValidation if v.errorTitle == "Replace Options"
    )
    assert all(w in ticks.formula1 for w in ('"x"', '"✓"', '"✔"'))


def test_uncheck_all_tooltip_says_what_the_macro_does():
    """The ribbon's supertip is the macro's promise: Uncheck All clears hidden rows too
    (tests/test_macros.py::test_uncheck_all_clears_rows_a_filter_hides)."""
    promise = macros.uncheck_all.__doc__.strip()
    with zipfile.ZipFile(workbook_path()) as archive:
        for part in RIBBONS:
            tip = re.search(
                r'id="smsyncUncheckAll"[^>]*supertip="([^"]+)"', archive.read(part).decode()
            )
            assert tip is not None and tip.group(1) == promise, part


def test_the_help_sheet_says_synchronize_takes_sage_50s_values_not_edited_cells():
    """An edited Name or Credit Limit on the Sage50-only sheet is not brought over: the
    Help sheet says so where it tells how to review the rows."""
    sheet = load_workbook(workbook_path(), read_only=True)[HELP]
    text = " ".join(str(row[0]).strip() for row in sheet.iter_rows(values_only=True) if row[0])
    assert (
        "The values shown are Sage 50's: Synchronize brings the records as Sage 50 has them, "
        "so a cell edited here (a name, a credit limit) is not brought over. Change the record "
        "in Sage 50, then Refresh." in text
    )
