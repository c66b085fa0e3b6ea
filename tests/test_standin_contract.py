"""The xlwings stand-in offers nothing the pinned xlwings lacks.

tests/xlwings_standin.py takes xlwings' place in the adapter's tests. Were it to offer a
member xlwings does not have, or accept arguments xlwings refuses, the adapter could pass
its tests and fail in Excel. So each stand-in class is held to the xlwings 0.37.8 class of
the same name in `xlwings.main`: every member it offers must exist there, be of the same
kind (method, property, classmethod), be settable only where xlwings' is, and take only
parameters xlwings takes, in the same places, optional only where xlwings' are, with the
same defaults.
"""

from __future__ import annotations

import inspect
import tomllib
from pathlib import Path
from types import MemberDescriptorType

import pytest
import xlwings
import xlwings.main
from packaging.requirements import Requirement

from smsync_xl.book.layout import HEADER_ROW, KEY, SAGE_COLUMNS, SAGE_ONLY, TABLE_NAMES, VISIBLE
from smsync_xl.files.package_files import workbook_path

from . import xlwings_standin

XLWINGS_VERSION = "0.37.8"  # the version the stand-in was last checked against
PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
FIRST = HEADER_ROW + 1

# Stand-in classes that model Excel's COM objects, not xlwings: what `Range.api` returns.
# Their members are Excel's object model (SpecialCells, Address), which xlwings hands
# through untouched, so xlwings has nothing to hold them to. Only these are exempt.
COM_MODELS = {
    "ComRange": "Excel's COM Range as pywin32 shows it: Range.api on Windows",
    "ComArea": "what the COM Range's SpecialCells returns",
    "AppscriptRange": "an appscript reference: Range.api on macOS",
    "ComListObject": "Excel's COM ListObject as pywin32 shows it: Table.api on Windows",
    "ComTableRange": "the COM ListObject's Range, whose AutoFilter filters the table",
}
# The stand-in's own record for the tests to read; no xlwings object is modelled by them.
RECORD = {"Excel", "Dialog"}
# Every class the adapter reaches; the check must not become vacuous.
EXPECTED = {"Book", "App", "Sheets", "Sheet", "Tables", "Table", "Range", "RangeRows"}
# The tests build stand-ins; the adapter never constructs one (it gets xlwings' objects
# from Book.caller()), so constructors are not compared. The rest is class machinery.
NOT_COMPARED = {
    "__init__",
    "__slots__",
    "__module__",
    "__qualname__",
    "__doc__",
    "__dict__",
    "__weakref__",
    "__annotations__",
}
EMPTY = inspect.Parameter.empty
POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
BY_KEYWORD = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
VARIADIC = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)


def standin_classes() -> dict[str, type]:
    return {
        name: cls
        for name, cls in vars(xlwings_standin).items()
        if inspect.isclass(cls) and cls.__module__ == xlwings_standin.__name__
    }


def xlwings_class(name: str) -> type | None:
    cls = getattr(xlwings.main, name, None)
    return cls if inspect.isclass(cls) and cls.__module__ == xlwings.main.__name__ else None


def modelled() -> list[str]:
    return sorted(set(standin_classes()) - set(COM_MODELS) - RECORD)


def offered(cls: type) -> dict[str, object]:
    """Every member a class offers, from itself and its bases other than object:
    public names and special methods, not private names (stand-in state)."""
    members: dict[str, object] = {}
    for klass in reversed(cls.__mro__[:-1]):
        members.update(vars(klass))
    return {
        name: member
        for name, member in members.items()
        if name not in NOT_COMPARED
        and (not name.startswith("_") or (name.startswith("__") and name.endswith("__")))
    }


def kind(member: object) -> str:
    if isinstance(member, property):
        return "property"
    if isinstance(member, classmethod):
        return "classmethod"
    if isinstance(member, staticmethod):
        return "staticmethod"
    if isinstance(member, MemberDescriptorType):
        return "attribute"  # a __slots__ entry: anyone may set it
    if callable(member):
        return "method"
    return "attribute"


def function(member: object):
    return member.__func__ if isinstance(member, classmethod | staticmethod) else member


def signature_problems(standin, real) -> list[str]:
    """Why a call the stand-in accepts could be one xlwings refuses (or reads otherwise)."""
    try:
        ours = list(inspect.signature(function(standin)).parameters.values())
        theirs = inspect.signature(function(real)).parameters
    except ValueError as error:  # a builtin without one, e.g. from a dict base class
        return [f"the signatures cannot be compared ({error})"]
    positions = [p.name for p in theirs.values() if p.kind in POSITIONAL]
    kinds = {p.kind for p in theirs.values()}
    problems = []
    for index, parameter in enumerate(ours):
        if parameter.kind in VARIADIC:
            if parameter.kind not in kinds:
                problems.append(f"{parameter} is accepted here, not by xlwings")
            continue
        real = theirs.get(parameter.name)
        if real is None or real.kind in VARIADIC:
            problems.append(f"xlwings takes no parameter {parameter.name!r}")
            continue
        if parameter.kind in POSITIONAL and positions[index : index + 1] != [parameter.name]:
            problems.append(f"{parameter.name!r} is not xlwings' positional parameter {index}")
        if parameter.kind in BY_KEYWORD and real.kind not in BY_KEYWORD:
            problems.append(f"xlwings does not take {parameter.name!r} by keyword")
        if parameter.default is not EMPTY and real.default is EMPTY:
            problems.append(f"{parameter.name!r} is optional here, required by xlwings")
        both = parameter.default is not EMPTY and real.default is not EMPTY
        if both and parameter.default != real.default:
            problems.append(
                f"{parameter.name!r} defaults to {parameter.default!r} here, "
                f"to {real.default!r} in xlwings"
            )
    names = {p.name for p in ours}
    problems += [
        f"xlwings requires {p.name!r}, which the stand-in lets one leave out"
        for p in theirs.values()
        if p.default is EMPTY and p.kind not in VARIADIC and p.name not in names
    ]
    return problems


def returned(member: object) -> set[str]:
    """The names in a member's return annotation, e.g. {"Range", "None"}."""
    member = member.fget if isinstance(member, property) else function(member)
    annotation = getattr(member, "__annotations__", {}).get("return")
    if annotation is None:
        return set()
    if not isinstance(annotation, str):
        annotation = getattr(annotation, "__name__", str(annotation))
    return {part.strip() for part in annotation.split("|")}


def return_problems(member: object, real: object) -> list[str]:
    """Where xlwings returns one of its objects, the stand-in returns its own stand-in
    for it (not, say, a dict, whose methods xlwings' object would not have)."""
    theirs = returned(real)
    if not any(xlwings_class(name) for name in theirs):
        return []
    ours = returned(member)
    if ours and ours <= theirs:
        return []
    shown = " | ".join(sorted(ours)) or "nothing declared"
    return [f"returns {shown} here, {' | '.join(sorted(theirs))} in xlwings"]


def problems(cls: type, real_cls: type) -> list[str]:
    found = []
    if cls.__dictoffset__:
        found.append(
            "its instances take attributes of their own, which this test cannot see: "
            "give it (and its bases) __slots__ with private names"
        )
    for name, member in sorted(offered(cls).items()):
        where = f"{cls.__name__}.{name}"
        try:
            real = inspect.getattr_static(real_cls, name)
        except AttributeError:
            found.append(f"{where}: xlwings.main.{real_cls.__name__} has no {name!r}")
            continue
        ours, theirs = kind(member), kind(real)
        if ours == "attribute":
            if theirs == "attribute" or (theirs == "property" and real.fset is not None):
                continue
            found.append(f"{where}: settable here, a read-only {theirs} in xlwings")
        elif ours != theirs:
            found.append(f"{where}: a {ours} here, a {theirs} in xlwings")
        elif ours == "property":
            if member.fset is not None and real.fset is None:
                found.append(f"{where}: settable here, read-only in xlwings")
        else:
            found += [f"{where}: {p}" for p in signature_problems(member, real)]
        if ours in ("property", "method", "classmethod", "staticmethod") and ours == theirs:
            found += [f"{where}: {p}" for p in return_problems(member, real)]
    return found


def test_the_pinned_xlwings_is_the_one_checked_against():
    with PYPROJECT.open("rb") as file:
        dependencies = tomllib.load(file)["project"]["dependencies"]
    (pin,) = [r for r in map(Requirement, dependencies) if r.name == "xlwings"]
    assert str(pin.specifier) == f"=={XLWINGS_VERSION}", (
        "xlwings' pin moved: check tests/xlwings_standin.py against the new release, "
        "then update XLWINGS_VERSION"
    )
    assert xlwings.__version__ == XLWINGS_VERSION


def test_every_standin_class_is_accounted_for():
    classes = set(standin_classes())
    assert classes >= set(COM_MODELS) | RECORD, "an exemption names no stand-in class"
    assert set(modelled()) >= EXPECTED
    missing = [name for name in modelled() if xlwings_class(name) is None]
    assert not missing, f"no class of these names in xlwings.main: {missing}"


@pytest.mark.parametrize("name", modelled())
def test_the_standin_offers_only_what_xlwings_has(name):
    cls, real = standin_classes()[name], xlwings_class(name)
    assert real is not None, f"xlwings.main has no class {name}"
    assert offered(cls), f"{name} offers nothing to check"
    assert problems(cls, real) == []


# The check itself, on small classes posing as xlwings' App: it must not pass vacuously.


class App:
    __slots__ = ()

    def alert(self, prompt, title=None, buttons="ok"):
        pass

    @property
    def status_bar(self):
        return False

    @status_bar.setter
    def status_bar(self, value):
        pass


class Unknown(App):
    __slots__ = ()

    def alert_everyone(self, prompt):
        pass


class NotAProperty(App):
    __slots__ = ()

    def status_bar(self):
        pass


class ExtraParameter(App):
    __slots__ = ()

    def alert(self, prompt, title=None, buttons="ok", sound=True):
        pass


class RenamedParameter(App):
    __slots__ = ()

    def alert(self, message, title=None, buttons="ok"):
        pass


class OtherDefault(App):
    __slots__ = ()

    def alert(self, prompt, title=None, buttons="yes_no"):
        pass


class Optional(App):
    __slots__ = ()

    def alert(self, prompt=None, title=None, buttons="ok"):
        pass


class SettableVersion(App):
    __slots__ = ()

    @property
    def version(self):
        return "16.0"

    @version.setter
    def version(self, value):
        pass


class PlainTables:
    __slots__ = ()

    @property
    def tables(self) -> dict[str, object]:
        return {}


class PublicSlot(App):
    __slots__ = ("version",)


class OwnAttributes(App):  # no __slots__: instances take any attribute
    pass


def test_the_check_accepts_a_faithful_class():
    assert problems(App, xlwings.main.App) == []


@pytest.mark.parametrize(
    ("cls", "problem"),
    [
        (Unknown, "xlwings.main.App has no 'alert_everyone'"),
        (NotAProperty, "a method here, a property in xlwings"),
        (ExtraParameter, "xlwings takes no parameter 'sound'"),
        (RenamedParameter, "xlwings takes no parameter 'message'"),
        (OtherDefault, "'buttons' defaults to 'yes_no' here, to 'ok' in xlwings"),
        (Optional, "'prompt' is optional here, required by xlwings"),
        (SettableVersion, "settable here, read-only in xlwings"),
        (PublicSlot, "settable here, a read-only property in xlwings"),
        (OwnAttributes, "its instances take attributes of their own"),
    ],
)
def test_the_check_catches(cls, problem):
    found = problems(cls, xlwings.main.App)
    assert any(problem in p for p in found), found


def test_the_check_catches_a_plain_dict_for_an_xlwings_collection():
    found = problems(PlainTables, xlwings.main.Sheet)
    assert found == ["PlainTables.tables: returns dict[str, object] here, Tables in xlwings"]


# The Excel rules the stand-in keeps, which the adapter's tests lean on.


def test_the_standin_keeps_excels_cell_rules():
    excel = xlwings_standin.Excel()
    book = xlwings_standin.Book(workbook_path(), excel)
    sheet = book.sheets[SAGE_ONLY]
    general, text = (FIRST, 1), (FIRST, 3)  # Include (General) and ID (Text, @) columns
    for value, in_general, in_text in (
        ("'00123", "00123", "'00123"),  # the text mark: dropped, or kept in a Text cell
        ("00123", 123.0, "00123"),  # a General cell reads a number
        (7, 7.0, 7.0),  # Excel holds doubles
        ("", None, None),  # an empty string empties the cell
    ):
        sheet.range(general).value = value
        sheet.range(text).value = value
        assert excel.cells[SAGE_ONLY].get(general) == in_general, value
        assert excel.cells[SAGE_ONLY].get(text) == in_text, value
    sheet.range(general).value = '=IF(B6="","",1)'
    assert general not in excel.text_cells[SAGE_ONLY]  # a formula, not text
    # its value is its result: "" (or an error) reads as None, as xlwings reads it
    assert sheet.range((FIRST, 1), (FIRST + 1, 2)).value == [[None, None], [None, None]]
    assert sheet.range((FIRST, 1), (FIRST + 1, 2)).formula == (
        ('=IF(B6="","",1)', ""),
        ("", ""),
    )
    excel.results[(SAGE_ONLY, general)] = 1.0
    assert sheet.range(general).value == 1.0
    assert sheet.range(general).options(ndim=2).value == [[1.0]]
    assert sheet.range(general).formula == '=IF(B6="","",1)'
    sheet.range(text).value = 7
    assert sheet.range(text).formula == "7"
    with pytest.raises(ValueError, match="different lengths"):
        sheet.range(general).value = [[1, 2], [3]]


def test_the_standin_keeps_excels_visible_column_rules():
    """The Visible formula: a filter and Range.Calculate update it, hiding a row by hand
    does not (App.calculate only calculates dirty cells); a filter leaves a last row
    holding a SUBTOTAL visible; a dragged column takes the rules' references along."""
    excel = xlwings_standin.Excel()
    book = xlwings_standin.Book(workbook_path(), excel)
    sheet = book.sheets[SAGE_ONLY]
    table = sheet.tables[TABLE_NAMES[SAGE_ONLY]]
    titles = [c.title for c in SAGE_COLUMNS]
    key, visible = titles.index(KEY) + 1, titles.index(VISIBLE) + 1
    formula = next(c.formula for c in SAGE_COLUMNS if c.title == VISIBLE)
    table.resize(sheet.range((HEADER_ROW, 1), (FIRST + 2, len(titles))))
    for row in range(FIRST, FIRST + 3):
        sheet.range((row, key)).value = f"customers:C{row}"
        sheet.range((row, visible)).value = formula
    cells = sheet.range((FIRST, visible), (FIRST + 2, visible))
    sheet.range((FIRST, 1)).rows.hidden = True
    book.app.calculate()
    assert cells.value == [1.0, 1.0, 1.0]  # hiding by hand dirtied nothing
    cells.api.Calculate()
    assert cells.value == [0.0, 1.0, 1.0]
    table.api.Range.AutoFilter(Field=key, Criteria1=f"<>customers:C{FIRST + 2}")
    assert excel.is_hidden(SAGE_ONLY, FIRST + 2) and cells.value == [0.0, 1.0, 0.0]
    subtotal = formula.replace("AGGREGATE(3,5,", "SUBTOTAL(103,")
    sheet.range((FIRST + 2, visible)).value = subtotal
    table.api.Range.AutoFilter(Field=key, Criteria1=f"<>customers:C{FIRST + 2}")
    assert not excel.is_hidden(SAGE_ONLY, FIRST + 2)  # taken for a total row
    inactive = titles.index("Inactive") + 1
    assert ("Inactive", inactive) in excel.rule_columns[SAGE_ONLY]
    excel.drag_column(SAGE_ONLY, inactive, inactive + 2)
    assert excel.cells[SAGE_ONLY][(HEADER_ROW, inactive + 2)] == "Inactive"
    assert ("Inactive", inactive + 2) in excel.rule_columns[SAGE_ONLY]
