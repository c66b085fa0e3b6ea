"""The SMSTurbo IDs SMSTurbo remembers for Sage 50 records (``smsturbo.crosswalk``):
listed, set (to link a Sage 50 record to an SMSTurbo record, or choose its ID before
its first synchronization) and forgotten, for ``smsync-xl ids``. Each change is one
transaction under SMSync's writer lock, so it never crosses a synchronization."""

from __future__ import annotations

from smsync_xl.app.open_sides import open_store
from smsync_xl.connections.passwords import Prompt
from smsync_xl.core.errors import SmsyncError
from smsync_xl.core.fields import ENTITIES
from smsync_xl.core.ids import id_problems
from smsync_xl.core.settings import Settings
from smsync_xl.smsturbo.crosswalk import Crosswalk, Remembered

__all__ = ["forget_id", "remembered_ids", "set_id"]

_LIST = "'smsync-xl ids list' shows what SMSTurbo remembers."


def remembered_ids(settings: Settings, *, prompt: Prompt | None = None) -> list[Remembered]:
    """Every ID remembered for the settings' Sage 50 edition."""
    return Crosswalk(open_store(settings, prompt=prompt).db).all(settings.edition)


def set_id(
    settings: Settings,
    entity_key: str,
    source_key: str,
    turbo_id: str,
    *,
    prompt: Prompt | None = None,
) -> None:
    """Remember ``turbo_id`` for the record Sage 50 knows by ``source_key``: a typed ID
    is checked like any other, and one remembered for another record is refused."""
    where = f"smsync-xl ids set {entity_key} {source_key} {turbo_id}"
    problems = id_problems(turbo_id)
    if problems:
        raise SmsyncError(
            f"{turbo_id!r} cannot be an SMSTurbo ID: {'; '.join(problems)}",
            where=where,
            advice="Give an ID of at most 15 characters of A-Z, 0-9, - and _.",
        )
    entity = ENTITIES[entity_key]
    store = open_store(settings, prompt=prompt)
    crosswalk = Crosswalk(store.db)
    crosswalk.prepare()
    with store.transaction():
        others = [
            key
            for key, remembered in crosswalk.of(settings.edition, entity).items()
            if remembered.upper() == turbo_id.upper() and key != source_key
        ]
        if others:
            raise SmsyncError(
                f"SMSTurbo ID {turbo_id} is remembered already for Sage 50 record "
                f"{others[0]} ({entity.plural.lower()}); nothing was changed",
                where=where,
                advice=f"Choose another ID, or forget that one first. {_LIST}",
            )
        crosswalk.remember(settings.edition, entity, [(source_key, turbo_id)])


def forget_id(
    settings: Settings, entity_key: str, source_key: str, *, prompt: Prompt | None = None
) -> None:
    """Forget the ID remembered for ``source_key``: the next Refresh suggests one again."""
    entity = ENTITIES[entity_key]
    store = open_store(settings, prompt=prompt)
    with store.transaction():
        forgotten = Crosswalk(store.db).forget(settings.edition, entity, source_key)
    if not forgotten:
        raise SmsyncError(
            f"SMSTurbo remembers no ID for Sage 50 record {source_key} "
            f"({entity.plural.lower()}); nothing was changed",
            where=f"smsync-xl ids forget {entity_key} {source_key}",
            advice=_LIST,
        )
