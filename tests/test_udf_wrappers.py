"""The Excel functions of the workbook: a standalone xlwings workbook calls Python UDFs only
through VBA wrappers in a module named xlwings_udfs (what xlwings' "Import Functions"
writes). The build writes it with xlwings' own generator from smsync_xl/udf.py; here the
UDFs are found independently, by running udf.py with a recording ``xw.func``."""

from __future__ import annotations

import importlib.util
import inspect
import re
import sys
from types import SimpleNamespace

import pytest
import xlwings
from oletools.olevba import VBA_Parser
from pyopenvba.apps.excel import ExcelApplication
from pyopenvba.interpreter import parse_module

from smsync_xl import udf
from smsync_xl.book import vba
from smsync_xl.files.package_files import workbook_path

MODULE = "smsync_xl.udf"


@pytest.fixture(scope="module")
def udfs() -> dict[str, inspect.Signature]:
    """Name → signature of every function smsync_xl/udf.py decorates with ``xw.func``:
    the module's source run afresh (not the imported module) with ``xw.func`` recording
    what it decorates, as on Linux it leaves no mark."""
    marked = {}

    def recording(function=None, **options):
        if function is None:
            return recording
        marked[function.__name__] = function
        return function

    origin = importlib.util.find_spec(MODULE).origin
    spec = importlib.util.spec_from_file_location("udf_probe", origin)
    probe = importlib.util.module_from_spec(spec)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(xlwings, "func", recording)
        spec.loader.exec_module(probe)
    assert marked, "smsync_xl/udf.py has no @xw.func function"
    for name in marked:
        assert inspect.isfunction(getattr(udf, name))
    return {name: inspect.signature(function) for name, function in marked.items()}


@pytest.fixture(scope="module")
def wrappers() -> str:
    """The xlwings_udfs module as olevba reads it from the committed workbook."""
    parser = VBA_Parser(str(workbook_path()))
    try:
        found = {name: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()
    assert "xlwings_udfs.bas" in found
    return found["xlwings_udfs.bas"].replace("\r\n", "\n")


def vba_parameters(signature: inspect.Signature) -> list[str]:
    """The wrapper's parameters: the Python ones but ``caller`` (which xlwings fills with
    the calling range), Optional where Python has a default."""
    return [
        ("Optional " if p.default is not p.empty else "") + p.name
        for p in signature.parameters.values()
        if p.name != "caller"
    ]


def call_arguments(signature: inspect.Signature) -> str:
    """What the wrapper hands to Python: every parameter in order, ``Nothing`` for caller."""
    return ", ".join("Nothing" if n == "caller" else n for n in signature.parameters)


def parseable(source: str) -> str:
    """``source`` with the comment after a compiler directive taken off. VBA allows
    ``#Const App = "Microsoft Excel" 'Adjust ...`` (xlwings writes it, Excel compiles it);
    pyopenvba's preprocessor cannot read the comment, so it goes before parsing."""
    return re.sub(r"""^([ \t]*#(?:[^"'\n]|"[^"\n]*")*?)[ \t]*'[^\n]*""", r"\1", source, flags=re.M)


def test_the_module_is_the_one_the_build_writes(wrappers):
    assert wrappers.strip() == vba.udf_module().replace("\r\n", "\n").strip()
    lines = wrappers.split("\n")
    assert tuple(lines[:3]) == vba.UDF_HEADER


def test_the_header_is_what_import_functions_writes():
    written_by_xlwings = inspect.getsource(vba.xlwings_udfs().import_udfs)
    for line in vba.UDF_HEADER:
        assert line in written_by_xlwings


def test_one_function_per_udf_with_the_python_parameters(udfs, wrappers):
    declared = dict(re.findall(r"^Function (\w+)\((.*)\)$", wrappers, re.M))
    assert set(declared) == set(udfs)
    for name, signature in udfs.items():
        assert declared[name].split(", ") == vba_parameters(signature), name


def test_each_function_calls_its_python_function(udfs, wrappers):
    for name, signature in udfs.items():
        call = f'XLPy.CallUDF("{MODULE}", "{name}", Array({call_arguments(signature)})'
        assert f"{name} = {call}, ThisWorkbook, Application.Caller)" in wrappers, name
        assert f"{name} = {call})" in wrappers, name
        assert f"{name} = Err.Description" in wrappers, name


def test_the_vba_parses(udfs, wrappers):
    module = parse_module(parseable(wrappers).replace("\n", "\r\n"), name="xlwings_udfs")
    procedures = {p.name: p for p in module.procedures}
    assert set(procedures) == set(udfs) | {"Auto_Open", vba.DESCRIBE}
    assert procedures["Auto_Open"].kind == procedures[vba.DESCRIBE].kind == "sub"
    for name, signature in udfs.items():
        parsed = [("Optional " if p.optional else "") + p.name for p in procedures[name].params]
        assert procedures[name].kind == "function"
        assert parsed == vba_parameters(signature), name


FAKE_XLPY = """Public Calls As New Collection
Public Function CallUDF(ModuleName, FunctionName, Args, Optional Book, Optional Caller)
    Dim Text As String, Index As Long
    Text = ModuleName & "|" & FunctionName
    For Index = LBound(Args) To UBound(Args)
        If IsObject(Args(Index)) Then
            Text = Text & "|Nothing"
        ElseIf IsMissing(Args(Index)) Then
            Text = Text & "|missing"
        Else
            Text = Text & "|" & Args(Index)
        End If
    Next Index
    Calls.Add Text
    CallUDF = "from Python"
End Function
"""
RECORDER = """Public Python As New FakeXLPy
Public Function XLPy()
    Set XLPy = Python
End Function
"""


def test_the_functions_run_and_hand_their_arguments_to_python(udfs, wrappers):
    """Run in pyopenvba's interpreter with XLPy recorded. Its Application has no Caller,
    so the module runs its non-Excel branch, which passes the same arguments."""
    source = parseable(wrappers).replace('#Const App = "Microsoft Excel"', '#Const App = "Test"')
    app = ExcelApplication.open(str(workbook_path()), with_vba=False)
    app.add_module(source.replace("\n", "\r\n"), name="xlwings_udfs")
    app.add_module(FAKE_XLPY, name="FakeXLPy", kind="class")
    app.add_module(RECORDER, name="Recorder")
    for number, (name, signature) in enumerate(udfs.items(), start=1):
        given, expected = [], [MODULE, name]
        for parameter in signature.parameters.values():
            if parameter.name == "caller":
                expected.append("Nothing")
            elif parameter.default is parameter.empty:
                given.append(f"{parameter.name} {number}")
                expected.append(given[-1])
            else:
                expected.append("missing")
        arguments = ", ".join(f'"{value}"' for value in given)
        assert app.evaluate(f"{name}({arguments})") == "from Python"
        assert app.evaluate(f"Python.Calls.Item({number})") == "|".join(expected)


def test_the_build_leaves_python_as_it_was():
    """xlwings.udfs is loaded over pywin32 stand-ins that leave sys.modules unchanged, and
    smsync_xl.udf's own functions get no xlwings mark."""
    watched = ("pythoncom", "pywintypes", "win32com", "win32com.client", "xlwings.udfs")
    before = {name: sys.modules.get(name) for name in watched}
    had_udfs = hasattr(xlwings, "udfs")
    vba.xlwings_udfs.cache_clear()
    vba.udf_module()
    assert {name: sys.modules.get(name) for name in watched} == before
    assert hasattr(xlwings, "udfs") == had_udfs
    for name, function in inspect.getmembers(udf, inspect.isfunction):
        assert not hasattr(function, "__xlfunc__"), name


def test_xlwings_has_a_converter_for_every_argument_and_result():
    """xlwings picks each argument's and result's converter from its annotation: a type
    it has no converter for (object, say) fails every call in Excel."""
    import types

    from xlwings.conversion import accessors

    from smsync_xl import udf
    from smsync_xl.book.vba import xlwings_udfs

    xlfunc = xlwings_udfs().xlfunc
    for name in ("SMSYNC_ID_PROBLEM", "SMSYNC_SMSTURBO", "SMSYNC_SAGE50"):
        function = getattr(udf, name)
        copy = types.FunctionType(
            function.__code__, function.__globals__, name, function.__defaults__
        )
        copy.__annotations__ = dict(function.__annotations__)
        marked = xlfunc(copy).__xlfunc__
        for spec in [*marked["args"], marked["ret"]]:
            convert = spec["options"].get("convert")
            assert convert is None or accessors.get(convert) is not None, (name, spec)


VBA_STRING = re.compile(r'"((?:[^"]|"")*)"')


def xlwings_macro_options() -> dict[str, dict[str, object]]:
    """What xlwings' own Import Functions (xlwings.udfs.import_udfs) hands to
    Application.MacroOptions for smsync_xl.udf: run against a workbook that records it."""
    udfs = vba.xlwings_udfs()
    functions = vba.udf_functions(*vba.udf_source())
    recorded: dict[str, dict[str, object]] = {}

    class Application:
        Version = "16.0"

        def MacroOptions(self, macro, **options):
            recorded[macro] = options

    class Components:
        def __call__(self, name):
            return name

        def Remove(self, component):
            pass

        def Import(self, path):
            pass

    workbook = SimpleNamespace(
        Name="SMSync.xlsm",
        Application=Application(),
        VBProject=SimpleNamespace(VBComponents=Components()),
    )
    module = {"module": SimpleNamespace(**{f.__name__: f for f in functions}), "filetime": None}
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(udfs.udf_modules, MODULE, module)
        udfs.import_udfs(MODULE, workbook)
    return recorded


def vba_strings(expression: str) -> list[str]:
    return [s.replace('""', '"') for s in VBA_STRING.findall(expression)]


def test_insert_function_gets_the_help_xlwings_import_functions_gives(udfs, wrappers):
    """Insert Function shows "No help available" unless Application.MacroOptions gave
    the function a description: the module's Auto_Open sets what xlwings' Import
    Functions sets (description, category, each argument's help), on Windows."""
    expected = xlwings_macro_options()
    assert set(expected) == {f"'SMSync.xlsm'!{name}" for name in udfs}
    calls = re.findall(
        r"Application\.MacroOptions Macro:=.*?'!(\w+)\", _\n\s+Description:=(.*?), _\n"
        r"\s+Category:=(.*?)(?:, _\n\s+ArgumentDescriptions:=Array\((.*?)\))?\n",
        wrappers,
    )
    assert {name for name, *_ in calls} == set(udfs)
    for name, description, category, arguments in calls:
        options = expected[f"'SMSync.xlsm'!{name}"]
        assert vba_strings(description) == [options["Description"]], name
        assert vba_strings(category) == [options["Category"]] == ["SMSync"], name
        assert vba_strings(arguments) == list(options["ArgumentDescriptions"] or []), name
        assert "Positional argument" not in str(options["ArgumentDescriptions"])
    assert re.search(r"^Private Sub Auto_Open\(\)\n\s+SMSyncDescribeFunctions\n", wrappers, re.M)
    assert "ThisWorkbook.Saved = wasSaved" in wrappers and "#If Not Mac Then" in wrappers
