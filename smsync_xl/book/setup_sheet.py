"""Read the Setup sheet (one block) into validated Settings; errors name the cell.

Rows are found by their labels, not by fixed addresses: a row the bookkeeper inserts
above or between them (a note, a blank line) moves the cells, and the labels move with
them. Every message names the cell where the value was found.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from smsync_xl.book.layout import REPLACE_COLUMNS, REPLACE_GROUPS, SETUP, setup_layout
from smsync_xl.book.sheets import cell_text, is_ticked
from smsync_xl.core.errors import SettingsError
from smsync_xl.core.fields import ENTITIES, GROUPS, Entity
from smsync_xl.core.ports import Cell
from smsync_xl.core.settings import Settings
from smsync_xl.core.vocabulary import TICK
from smsync_xl.files.settings_file import settings_from_values


class SetupPort(Protocol):
    """The part of a workbook the Setup sheet needs: its cells, and the folder its
    relative paths start at (every workbook port has these)."""

    def read_range(self, sheet: str, address: str) -> list[list[Cell]]: ...

    def write_cell(self, sheet: str, address: str, value: Cell) -> None: ...

    def folder(self) -> Path: ...


ENTITY_KEY = "entity"
INSERTED_ROWS = 60
"""How many rows the bookkeeper may insert above or between Setup's rows."""
_FIX = (
    "Type the label back exactly as it was, or install a fresh workbook with "
    "'smsync-xl install --force' (the old one is kept beside it, dated)."
)


@dataclass(frozen=True)
class SetupCells:
    """Where each setting and each Replace Options tick is on the sheet now."""

    rows: dict[str, int]
    """Settings key → sheet row of its value (column B)."""
    replace_rows: dict[str, int]
    """Replace Options group → sheet row of its ticks."""

    def cell(self, key: str) -> str:
        return f"B{self.rows[key]}"

    def locate(self, key: str) -> str:
        """A settings key as the place to look on the Setup sheet."""
        layout = setup_layout()
        if key in self.rows:
            return f"Setup sheet, cell {self.cell(key)} ({layout.setting(key).label})"
        if key.endswith(".replace"):
            return f"Setup sheet, Replace Options ({layout.replace_title})"
        return f"Setup sheet ({key})"


def _block(port: SetupPort) -> list[list[Cell]]:
    last = max(REPLACE_COLUMNS.values())
    return port.read_range(SETUP, f"A1:{last}{setup_layout().last_row + INSERTED_ROWS}")


def _find(block: list[list[Cell]]) -> SetupCells:
    layout = setup_layout()
    labels: dict[str, int] = {}
    for number, cells in enumerate(block, start=1):
        labels.setdefault(cell_text(cells[0]), number)
    rows: dict[str, int] = {}
    missing: list[str] = []
    for setting in layout.rows:
        if setting.key is not None:
            if setting.label in labels:
                rows[setting.key] = labels[setting.label]
            else:
                missing.append(setting.label)
    title = labels.get(layout.replace_title)
    replace_rows: dict[str, int] = {}
    if title is None:
        missing.append(layout.replace_title)
    else:
        below = {cell_text(r[0]): n for n, r in enumerate(block[title:], start=title + 1)}
        for group in REPLACE_GROUPS:
            if group.label in below:
                replace_rows[group.key] = below[group.label]
            else:
                missing.append(group.label)
    if missing:
        raise SettingsError(
            "the Setup sheet has no row labelled " + ", ".join(repr(m) for m in missing),
            where="Setup sheet, column A",
            advice=_FIX,
        )
    return SetupCells(rows, replace_rows)


def read_setup(port: SetupPort) -> tuple[Settings, Entity]:
    """The settings and the entity the lists show, from the Setup sheet."""
    block = _block(port)
    cells = _find(block)
    values: dict[str, object] = {
        key: cell_text(block[row - 1][1]) for key, row in cells.rows.items()
    }
    for entity, column in REPLACE_COLUMNS.items():
        ticked = []
        for group, row in cells.replace_rows.items():
            raw = block[row - 1][ord(column) - ord("A")]
            where = (
                f"Setup sheet, cell {column}{row} (Replace Options: {GROUPS[group].label}, "
                f"{ENTITIES[entity].plural})"
            )
            try:
                chosen = is_ticked(raw)
            except ValueError:
                raise SettingsError(
                    f"{raw!r} is not a tick",
                    where=where,
                    advice=f"Type {TICK} to tick, or clear the cell.",
                ) from None
            if chosen and GROUPS[group] not in ENTITIES[entity].groups:
                raise SettingsError(
                    f"{ENTITIES[entity].plural} have no {GROUPS[group].label.lower()} in "
                    "Sage 50, so there is nothing to replace",
                    where=where,
                    advice="Clear the cell (grey cells do not apply to that list).",
                )
            if chosen:
                ticked.append(group)
        values[f"{entity}.replace"] = ticked
    settings = settings_from_values(values, base=port.folder(), locate=cells.locate)
    label = str(values[ENTITY_KEY]).lower()
    shown = next((e for e in ENTITIES.values() if e.plural.lower() == label), None)
    if shown is None:
        choices = " or ".join(e.plural for e in ENTITIES.values())
        raise SettingsError(
            f"{values[ENTITY_KEY]!r} is not {choices}",
            where=cells.locate(ENTITY_KEY),
            advice=f"Choose {choices}.",
        )
    return settings, shown


def write_entity(port: SetupPort, entity: Entity) -> None:
    port.write_cell(SETUP, _find(_block(port)).cell(ENTITY_KEY), entity.plural)
