"""Read the Setup sheet (one block) into validated Settings; errors name the cell."""

from __future__ import annotations

from smsync_xl.book.layout import SETUP, setup_layout
from smsync_xl.book.sheets import cell_text, is_ticked
from smsync_xl.core.errors import SettingsError
from smsync_xl.core.fields import ENTITIES, GROUPS, Entity
from smsync_xl.core.ports import WorkbookPort
from smsync_xl.core.settings import Settings, settings_from_values
from smsync_xl.core.vocabulary import TICK

ENTITY_KEY = "entity"


def read_setup(port: WorkbookPort) -> tuple[Settings, Entity]:
    """The settings and the entity the lists show, from the Setup sheet."""
    layout = setup_layout()
    block = port.read_range(SETUP, f"A1:C{layout.last_row}")
    values: dict[str, object] = {
        row.key: cell_text(block[row.row - 1][1]) for row in layout.rows if row.key
    }
    for entity in ENTITIES:
        ticked = []
        for cell in layout.replace_cells:
            if cell.entity != entity:
                continue
            raw = block[cell.row - 1][ord(cell.column) - ord("A")]
            try:
                chosen = is_ticked(raw)
            except ValueError:
                raise SettingsError(
                    f"{raw!r} is not a tick",
                    where=f"Setup sheet, cell {cell.cell} (Replace Options: "
                    f"{GROUPS[cell.group].label}, {ENTITIES[entity].plural})",
                    advice=f"Type {TICK} to tick, or clear the cell.",
                ) from None
            if chosen:
                ticked.append(cell.group)
        values[f"{entity}.replace"] = ticked
    settings = settings_from_values(values, base=port.folder(), locate=layout.locate)
    label = str(values[ENTITY_KEY]).lower()
    shown = next((e for e in ENTITIES.values() if e.plural.lower() == label), None)
    if shown is None:
        raise SettingsError(
            f"{values[ENTITY_KEY]!r} is not Customers or Vendors",
            where=layout.locate(ENTITY_KEY),
            advice="Choose Customers or Vendors.",
        )
    return settings, shown


def write_entity(port: WorkbookPort, entity: Entity) -> None:
    port.write_cell(SETUP, setup_layout().setting(ENTITY_KEY).cell, entity.plural)
