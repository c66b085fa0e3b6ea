"""Run our VBA module in pyopenvba's VBA interpreter, with RunPython recorded: every
button and every Alt+F8 macro must send exactly the intended Python command, and Setup
and Help, which need no Python, none: they activate their sheet in VBA."""

from __future__ import annotations

import re

import pytest
from pyopenvba import ExcelFile
from pyopenvba.apps.excel import ExcelApplication
from pyopenvba.interpreter import NOTHING

from smsync_xl.book.layout import HELP, SAGE_ONLY, SETUP
from smsync_xl.files.package_files import template_path, workbook_path

RECORDER = (
    "Public Calls As New Collection\n"
    "Public Function RunPython(PythonCommand As String)\n"
    "    Calls.Add PythonCommand\n"
    "End Function\n"
)
EXPECTED = {
    "Refresh": "refresh",
    "CheckAll": "check_all",
    "UncheckAll": "uncheck_all",
    "Synchronize": "synchronize",
    "UndoLast": "undo_last",
    "ShowCustomers": "show_entity('customers')",
    "ShowVendors": "show_entity('vendors')",
    "ShowMaterials": "show_entity('materials')",
}
SHEETS = {"ShowSetup": SETUP, "ShowHelp": HELP}
"""The buttons that only go to a sheet: no Python, so they work before Python is set up."""


def application() -> ExcelApplication:
    with ExcelFile(workbook_path()) as book:
        source = book.get_module("SMSync")
    app = ExcelApplication.open(str(workbook_path()), with_vba=False)
    app.add_module(source, name="SMSync")
    app.add_module(RECORDER, name="Recorder")
    return app


def command(action: str) -> str:
    """The Python call a button sends: the function, called without arguments unless
    the button names them."""
    return action if action.endswith(")") else f"{action}()"


def recorded(app: ExcelApplication) -> list[str]:
    count = app.evaluate("Calls.Count")
    return [app.evaluate(f"Calls({i})") for i in range(1, count + 1)]


@pytest.mark.parametrize(("button", "action"), EXPECTED.items())
def test_button_sends_its_python_command(button, action):
    app = application()
    app.run(f"SMSync{button}Button", NOTHING)
    assert recorded(app) == [f"import smsync_xl.macros as m; m.{command(action)}"]


@pytest.mark.parametrize(("button", "action"), EXPECTED.items())
def test_alt_f8_macro_sends_the_same_command(button, action):
    app = application()
    app.run(f"SMSync{button}")
    assert recorded(app) == [f"import smsync_xl.macros as m; m.{command(action)}"]


def active_sheet(app: ExcelApplication) -> str:
    name: str = app.evaluate("ActiveSheet.Name")
    return name


@pytest.mark.parametrize(("button", "sheet"), SHEETS.items())
@pytest.mark.parametrize("ribbon", [True, False], ids=["button", "alt-f8"])
def test_setup_and_help_activate_their_sheet_without_python(button, sheet, ribbon):
    app = application()
    app.evaluate(f'ThisWorkbook.Worksheets("{SAGE_ONLY}").Activate')
    assert active_sheet(app) == SAGE_ONLY
    if ribbon:
        app.run(f"SMSync{button}Button", NOTHING)
    else:
        app.run(f"SMSync{button}")
    assert recorded(app) == []
    assert active_sheet(app) == sheet


def test_every_sub_in_the_template_is_covered():
    source = template_path("SMSync.bas").read_text(encoding="utf-8")
    subs = set(re.findall(r"^Public Sub SMSync(\w+?)(?:Button)?\(", source, re.M))
    assert subs == set(EXPECTED) | set(SHEETS)
