"""Build workbook/SMSync.xlsm from templates/: sheets (openpyxl), VBA (pyopenvba),
ribbon and a byte-for-byte reproducible package.

openpyxl's normal save stamps the current time, so the parts are written through its
ExcelWriter with fixed document properties, and package.py fixes the zip itself.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from smsync_xl import __version__
from smsync_xl.book.layout import (
    HEADER_ROW,
    HELP,
    HELP_COLUMN,
    INACTIVE,
    INACTIVE_MARK,
    INCLUDE,
    LOG,
    NOTE_CELL,
    REPLACE_COLUMNS,
    REPLACE_GROUPS,
    SAGE_ONLY,
    SETUP,
    STATUS,
    SUMMARY_CELL,
    TABLE_COLUMNS,
    TABLE_NAMES,
    TEXT_FORMAT,
    TITLE_CELL,
    TURBO_ONLY,
    Column,
    column_letter,
    entity_columns,
    setup_layout,
)
from smsync_xl.book.package import finish_package
from smsync_xl.book.sheet_xml import EXCEL_LAST_ROW
from smsync_xl.book.vba import add_vba_project
from smsync_xl.core.fields import ENTITIES
from smsync_xl.core.vocabulary import TICK, TICK_WORDS, Status

FIXED_TIME = datetime(2026, 1, 1)
STATUS_COLOURS = {
    Status.NEW: "375623",
    Status.DIFFERENT: "9C5700",
    Status.INVALID: "C00000",
    Status.LINK: "1F4E79",
}
TITLE = Font(bold=True, size=14)
HEADING = Font(bold=True, size=11, color="1F4E78")
HINT = Font(italic=True, color="595959")
GREY = PatternFill("solid", fgColor="E7E6E6")
INPUT = PatternFill("solid", fgColor="FFF2CC")
NOT_APPLICABLE = PatternFill("solid", fgColor="D9D9D9")

WAITING = "Press Refresh on the SMSync tab."
SHEET_TEXT = {
    SAGE_ONLY: (
        "Sage50-only: in Sage 50 and missing from SMSTurbo, or different",
        WAITING,
        "Tick Include (x) on the rows to bring into SMSTurbo, then press Synchronize. "
        "Sort and filter freely.",
    ),
    TURBO_ONLY: (
        "SMSTurbo-only: in SMSTurbo and missing from Sage 50, or different",
        WAITING,
        "For review only: nothing here can be ticked. SMSync never writes to Sage 50 "
        "(exporting to Sage 50 is not supported).",
    ),
    LOG: ("Log: every Refresh, Synchronize and Undo",),
}

HELP_TEXT = (
    "SMSync for Excel: bring Sage 50 customers, vendors and inventory items (SMSTurbo's",
    "materials) into SMSTurbo.",
    "",
    "1. Setup sheet: say which Sage 50 company and SMSTurbo database to use, which types to",
    "   bring over, and which data of existing SMSTurbo records Sage 50 may replace.",
    "2. SMSync tab > Refresh: confirm the Sage 50 company; choose missing only or not in sync.",
    "   The Records buttons (Customers, Vendors, Materials) refresh with that list instead;",
    "   each list shows its own columns, the others are hidden.",
    "3. Sage50-only sheet: review the rows. Sort and filter with Excel's own tools, e.g. filter",
    f"   Inactive = {INACTIVE_MARK} to untick inactive records. Tick Include with {TICK} (or Check",
    "   All, which ticks the visible active NEW rows and the DIFFERENT rows with changes).",
    "   The values shown are Sage 50's: Synchronize brings the records as Sage 50 has them, so",
    "   a cell edited here (a name, a credit limit) is not brought over. Change the record in",
    "   Sage 50, then Refresh. The one cell that is: SMSTurbo ID, for a record Sage 50 gives no",
    "   valid ID (a suggestion stands there; accept it or type another before ticking). Refresh",
    "   keeps a ticked row's typed SMSTurbo ID.",
    "4. SMSync tab > Synchronize: confirm; each row gets a Result; the Log sheet keeps a record.",
    "5. SMSync tab > Undo last synchronization puts SMSTurbo back as it was before the last run.",
    "",
    "Statuses: NEW (not in SMSTurbo), DIFFERENT (Changes lists old → new for the ticked Replace",
    "Options; Other differences are shown, not applied), INVALID (Reason says what to fix in",
    "Sage 50; cannot be ticked), IN SYNC (nothing to do), LINK (Sage 50 Canada: one SMSTurbo",
    "record has exactly this name; tick it to link the two; Check All leaves it to you).",
    "",
    "Excel functions =SMSYNC_ID_PROBLEM, =SMSYNC_SMSTURBO and =SMSYNC_SAGE50 work in Excel for",
    "Windows only. They do not recalculate by themselves: after Refresh, Synchronize or a change",
    "on the Setup sheet press Ctrl+Alt+F9.",
    "",
    "Sage 50 is never written. SMSTurbo-only records cannot be exported to Sage 50.",
    "A row that changed in Sage 50 or SMSTurbo after Refresh is refused: press Refresh again.",
    "",
    f"SMSync {__version__}",
)


def _widths(sheet: Worksheet, widths: dict[str, float]) -> None:
    for letter, width in widths.items():
        sheet.column_dimensions[letter].width = width


def _setup_sheet(book: Workbook, sheet: Worksheet) -> None:
    layout = setup_layout()
    sheet[TITLE_CELL] = "SMSync for Excel — Setup"
    sheet[TITLE_CELL].font = TITLE
    sheet[SUMMARY_CELL] = "Fill in the yellow cells. No password is ever stored in this workbook."
    sheet[SUMMARY_CELL].font = HINT
    _widths(
        sheet,
        {
            "A": 44,
            "B": 34,
            **dict.fromkeys(list(REPLACE_COLUMNS.values())[1:], 14),
            HELP_COLUMN: 100,
        },
    )
    for row in layout.rows:
        label = sheet.cell(row.row, 1, row.label)
        if row.key is None:
            label.font = HEADING
            continue
        value = sheet.cell(row.row, 2, row.default or None)
        value.fill = INPUT
        value.number_format = TEXT_FORMAT
        sheet[f"{HELP_COLUMN}{row.row}"] = row.help
        sheet[f"{HELP_COLUMN}{row.row}"].font = HINT
        book.defined_names[row.name] = DefinedName(row.name, attr_text=f"{SETUP}!$B${row.row}")
        if row.choices:
            validation = DataValidation(
                type="list",
                formula1='"' + ",".join(row.choices) + '"',
                allow_blank=False,
                showErrorMessage=True,
                errorTitle=row.label,
                error="Choose one of: " + ", ".join(row.choices),
            )
            sheet.add_data_validation(validation)
            validation.add(row.cell)
    title_row = layout.replace_title_row
    sheet.cell(title_row, 1, layout.replace_title).font = HEADING
    sheet[f"{HELP_COLUMN}{title_row}"] = layout.replace_help
    sheet[f"{HELP_COLUMN}{title_row}"].font = HINT
    headings = {"A": "Field group"} | {c: ENTITIES[e].plural for e, c in REPLACE_COLUMNS.items()}
    for column, text in headings.items():
        sheet[f"{column}{title_row + 1}"] = text
        sheet[f"{column}{title_row + 1}"].font = Font(bold=True)
    for index, group in enumerate(REPLACE_GROUPS):
        sheet.cell(title_row + 2 + index, 1, group.label)
        for entity, column in REPLACE_COLUMNS.items():
            if group not in ENTITIES[entity].groups:
                sheet[f"{column}{title_row + 2 + index}"].fill = NOT_APPLICABLE
    first_tick = min(layout.replace_cells, key=lambda c: (c.row, c.column))
    ticks = DataValidation(
        type="custom",
        formula1=tick_formula(first_tick.cell),
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Replace Options",
        error=f"Tick with {TICK}, or leave blank.",
    )
    sheet.add_data_validation(ticks)
    for cell in layout.replace_cells:
        ticked = cell.group in layout.replace_defaults[cell.entity]
        target = sheet[cell.cell]
        target.value = TICK if ticked else None
        target.fill = INPUT
        target.alignment = Alignment(horizontal="center")
        ticks.add(cell.cell)
        book.defined_names[cell.name] = DefinedName(
            cell.name, attr_text=f"{SETUP}!${cell.cell[0]}${cell.row}"
        )


def _table(sheet: Worksheet, title: str, columns: tuple[Column, ...]) -> None:
    """A real Excel table: header, one empty body row, widths, text formats, frozen;
    hidden: the always-hidden columns and those of the lists Setup does not show at
    first, as ``entity_columns`` says (the rule the ports apply on every Refresh)."""
    shown = next(
        e for e in ENTITIES.values() if e.plural == setup_layout().setting("entity").default
    )
    by_entity = entity_columns(columns, shown)
    for index, column in enumerate(columns, start=1):
        letter = column_letter(index - 1)
        sheet.cell(HEADER_ROW, index, column.title).font = Font(bold=True)
        dimension = sheet.column_dimensions[letter]
        dimension.width = column.width
        dimension.hidden = not by_entity.get(column.title, True)
        dimension.number_format = column.number_format
    last = column_letter(len(columns) - 1)
    table = Table(displayName=TABLE_NAMES[title], ref=f"A{HEADER_ROW}:{last}{HEADER_ROW + 1}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    sheet.add_table(table)
    sheet.freeze_panes = f"A{HEADER_ROW + 1}" if title == LOG else f"D{HEADER_ROW + 1}"
    sheet[TITLE_CELL].font = TITLE
    sheet[NOTE_CELL].font = HINT


def _status_formats(sheet: Worksheet, columns: tuple[Column, ...]) -> None:
    """Inactive rows greyed (by the Inactive column, whatever Setup calls the status);
    Status coloured, so sorting and filtering read at a glance."""
    titles = [c.title for c in columns]
    last = column_letter(len(columns) - 1)
    body = f"A{HEADER_ROW + 1}:{last}{EXCEL_LAST_ROW}"
    inactive = column_letter(titles.index(INACTIVE))
    first = HEADER_ROW + 1
    sheet.conditional_formatting.add(
        body,
        FormulaRule(
            formula=[f'${inactive}{first}="{INACTIVE_MARK}"'],
            font=Font(color="808080", italic=True),
            fill=GREY,
            stopIfTrue=False,
        ),
    )
    if STATUS in titles:
        status = column_letter(titles.index(STATUS))
        cells = f"{status}{first}:{status}{EXCEL_LAST_ROW}"
        for value, colour in STATUS_COLOURS.items():
            sheet.conditional_formatting.add(
                cells,
                FormulaRule(
                    formula=[f'${status}{first}="{value}"'], font=Font(bold=True, color=colour)
                ),
            )


def tick_formula(cell: str) -> str:
    """True when ``cell`` holds one of the tick words (Excel compares text ignoring
    case; a typed TRUE or 1 is a logical or a number there)."""
    tests = []
    for word in TICK_WORDS:
        if word == "true":
            tests.append(f"{cell}=TRUE")
        elif word.isdigit():
            tests.append(f"{cell}={word}")
        else:
            tests.append(f'{cell}="{word}"')
    return f"OR({','.join(tests)})"


def _include_validation(sheet: Worksheet, columns: tuple[Column, ...], tickable: bool) -> None:
    titles = [c.title for c in columns]
    include = column_letter(titles.index(INCLUDE))
    first = HEADER_ROW + 1
    if tickable:
        status = column_letter(titles.index(STATUS))
        tickable_statuses = ",".join(f'${status}{first}="{s.value}"' for s in Status if s.tickable)
        formula = f"AND({tick_formula(f'{include}{first}')},OR({tickable_statuses}))"
        message = (
            f"Tick with {TICK}. INVALID rows cannot be included: the Reason column says what "
            "to fix in Sage 50."
        )
    else:
        formula = "FALSE"
        message = (
            "SMSTurbo-only records cannot be ticked: SMSync never writes to Sage 50 "
            "(exporting to Sage 50 is not supported)."
        )
    validation = DataValidation(
        type="custom",
        formula1=formula,
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Include",
        error=message,
    )
    sheet.add_data_validation(validation)
    validation.add(f"{include}{first}:{include}{EXCEL_LAST_ROW}")


def build_workbook() -> Workbook:
    """The workbook as openpyxl builds it, before VBA and ribbon are added."""
    book = Workbook()
    book.code_name = "ThisWorkbook"
    setup = book.worksheets[0]
    setup.title = SETUP
    sheets: dict[str, Worksheet] = {SETUP: setup}
    for title in (SAGE_ONLY, TURBO_ONLY, LOG, HELP):
        sheets[title] = book.create_sheet(title)
    for number, sheet in enumerate(sheets.values(), start=1):
        sheet.sheet_properties.codeName = f"Sheet{number}"
    _setup_sheet(book, setup)
    for title, lines in SHEET_TEXT.items():
        for cell, line in zip((TITLE_CELL, SUMMARY_CELL, NOTE_CELL), lines, strict=False):
            sheets[title][cell] = line
    for title in (SAGE_ONLY, TURBO_ONLY, LOG):
        _table(sheets[title], title, TABLE_COLUMNS[title])
    for title in (SAGE_ONLY, TURBO_ONLY):
        _status_formats(sheets[title], TABLE_COLUMNS[title])
        _include_validation(sheets[title], TABLE_COLUMNS[title], tickable=title == SAGE_ONLY)
    for row, line in enumerate(HELP_TEXT, start=1):
        sheets[HELP].cell(row, 1, line)
    sheets[HELP][TITLE_CELL].font = TITLE
    sheets[HELP].column_dimensions["A"].width = 100
    for title in (SETUP, HELP):
        sheets[title].sheet_view.showGridLines = False
    book.properties.creator = "SMSync"
    book.properties.lastModifiedBy = "SMSync"
    book.properties.created = book.properties.modified = FIXED_TIME
    return book


def workbook_bytes(book: Workbook) -> bytes:
    """openpyxl's parts without its save() (which would stamp the current time)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(book, archive).write_data()
    return buffer.getvalue()


def build(destination: Path) -> Path:
    """Write the finished, reproducible SMSync.xlsm."""
    data = finish_package(add_vba_project(workbook_bytes(build_workbook())))
    destination.parent.mkdir(parents=True, exist_ok=True)
    destination.write_bytes(data)
    return destination
