"""Excel functions for the bookkeeper (xlwings UDFs; plain functions on Linux).

=SMSYNC_ID_PROBLEM(A2)                  why A2 is not a valid SMSTurbo ID ("" if it is)
=SMSYNC_SMSTURBO(A2, "Phone 1")         a field of the SMSTurbo customer with ID A2
=SMSYNC_SAGE50(A2, "Credit Limit", "Vendors")   the same from Sage 50
=SMSYNC_SAGE50(A2, "Price", "Materials")         a Sage 50 inventory item's price

Lookups use the Setup sheet of the workbook the formula is in; the look-up itself is
the application layer's (``app.record_lookup``): this module only translates Excel's
arguments and shows a problem as the cell's text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import xlwings as xw

from smsync_xl.app.record_lookup import lookup
from smsync_xl.app.workbook_port import WorkbookPort
from smsync_xl.core.errors import SmsyncError
from smsync_xl.core.fields import text
from smsync_xl.core.ids import id_problems


def _port(caller: xw.Range) -> WorkbookPort:
    from smsync_xl.book.excel import ExcelBook

    return ExcelBook(caller.sheet.book)


def _safely(action: Callable[[], object]) -> object:
    try:
        return action()
    except SmsyncError as error:
        return f"SMSync: {error.message}"


# Arguments and results are typed Any, not object: xlwings picks its converter from the
# annotation, and it has one for Any (the plain value) but none for object.


# Insert Function (fx) shows the docstring and each argument's doc, and lists the
# functions under the category: the workbook sets them with Application.MacroOptions, as
# xlwings' Import Functions does (smsync_xl/book/vba.py, describe_functions). The build
# reads these decorators from the source, so their arguments are literals.


@xw.func(category="SMSync")
@xw.arg("record_id", doc="The ID to check (a cell, or text in quotes), e.g. A2.")
def SMSYNC_ID_PROBLEM(record_id: Any) -> str:
    """Why this is not a valid SMSTurbo ID; empty when it is valid."""
    return "; ".join(id_problems(text(record_id) or ""))


@xw.func(category="SMSync")
@xw.arg("record_id", doc="The ID to look up (a cell, or text in quotes), e.g. A2.")
@xw.arg("field", doc='A column title of the Sage50-only sheet, e.g. "Name" or "Price".')
@xw.arg("entity", doc='Optional: "Customers" (the default), "Vendors" or "Materials".')
def SMSYNC_SMSTURBO(
    record_id: Any, field: str, entity: str = "Customers", caller: Any = None
) -> Any:
    """A field of the SMSTurbo record with exactly this ID; empty when there is none."""
    return _safely(lambda: lookup(_port(caller), "smsturbo", record_id, field, entity))


@xw.func(category="SMSync")
@xw.arg("record_id", doc="The ID to look up (a cell, or text in quotes), e.g. A2.")
@xw.arg("field", doc='A column title of the Sage50-only sheet, e.g. "Name" or "Price".')
@xw.arg("entity", doc='Optional: "Customers" (the default), "Vendors" or "Materials".')
def SMSYNC_SAGE50(record_id: Any, field: str, entity: str = "Customers", caller: Any = None) -> Any:
    """A field of the Sage 50 record with exactly this ID; empty when there is none."""
    return _safely(lambda: lookup(_port(caller), "sage50", record_id, field, entity))
