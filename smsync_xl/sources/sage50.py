"""Sage 50 US as a source: SELECTs only, explicit column lists, values as parameters.

Works over any :class:`~smsync_xl.connections.db.Database` whose tables carry Sage 50 US's real
names (the Pervasive engine through ODBC, or the demo company in SQLite). Columns are
discovered at run time so the uncertain ones (second phone, credit status) are optional.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from itertools import chain, repeat
from typing import NamedTuple

from smsync_xl.connections.db import Database, Row, quote_identifier
from smsync_xl.core.errors import SourceFormatError
from smsync_xl.core.fields import (
    ADDRESS,
    MAIN,
    UNDECODED,
    Entity,
    SageField,
    SageRecord,
    Value,
    each_once,
    exponent_problem,
    text,
    undecoded,
    undecoded_bytes,
)
from smsync_xl.core.settings import StatusRule
from smsync_xl.sources.inactive import with_statuses

COMPANY_TABLE = "Company"
COMPANY_NAME_COLUMN = "CompanyName"
ADDRESS_TABLE = "Address"
ADDRESS_RECORD_NUMBER = "AddressRecordNumber"
ADDRESS_TYPE = "AddressTypeNumber"
CHART_TABLE = "Chart"
CHART_RECORD_NUMBER = "GLAcntNumber"
CHART_ACCOUNT_ID = "AccountID"
"""The Chart of Accounts: items keep GL accounts as its record numbers (docs/DOMAIN.md §6)."""


_RECORD_NUMBER = re.compile("[0-9]+")


def _record_number(raw: object) -> int | None:
    """A Chart record number whichever way a driver gives it (100, '100', '100  '), so
    an item's number finds its account; None for anything that is not one."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    shown = text(raw)
    return int(shown) if shown is not None and _RECORD_NUMBER.fullmatch(shown) else None


TEXT_COLUMN = "text"
NUMBER_COLUMN = "number"
"""How ``Sage50Source._selected`` asks for a column (anything else: as it is)."""
_REAL, _STORED = "real:", "stored:"
"""Through the SQLite ODBC driver a number column is read as tagged bytes: a double as
``real:`` and its 17 significant digits, anything else as ``stored:`` and what SQLite
holds (see ``_selected``)."""


def _untagged(raw: object) -> object:
    """A number column's value as SQLite holds it: a double as the float it is, anything
    else (an integer, a text) as its text."""
    if isinstance(raw, str) and raw.startswith(_REAL):
        return float(raw.removeprefix(_REAL))
    return raw.removeprefix(_STORED) if isinstance(raw, str) else raw


def _number(
    label: str, from_sage: Callable[[object], Value], raw: object
) -> tuple[Value, str | None]:
    """A number column's value and why it is not taken (``exponent_problem``)."""
    raw = _untagged(raw)
    return from_sage(raw), exponent_problem(label, raw)


def _wanted(
    entity: Entity,
) -> tuple[list[SageField], list[SageField], list[str], set[str]]:
    """An entity's main-table and address fields with ODBC columns, the main table's
    columns ``read`` asks for (record number and inactive flag first) and those it
    cannot do without."""
    main_fields = [f for f in entity.fields if f.table == MAIN and f.odbc]
    address_fields = [f for f in entity.fields if f.table == ADDRESS and f.odbc]
    wanted = [entity.sage_record_number, entity.sage_inactive] + [f.odbc for f in main_fields]
    required = {entity.sage_record_number, entity.sage_inactive} | {
        f.odbc for f in main_fields if not f.optional
    }
    return main_fields, address_fields, wanted, required


def _kinds(fields: list[SageField]) -> dict[str, str]:
    """Number or text, per column of a field that is no Chart account: how ``_selected``
    asks for it and the row decoder reads it."""
    return {
        f.odbc: NUMBER_COLUMN if f.turbo.kind.numeric else TEXT_COLUMN
        for f in fields
        if not f.account
    }


class _ReadPlan(NamedTuple):
    """What ``Sage50Source.read`` selects for an entity and how it decodes each row."""

    main: list[SageField]
    address: list[SageField]
    kinds: dict[str, str]
    sql: str
    columns: list[str]
    id_at: int
    decoders: list[tuple[SageField, bool, Callable[[object], Value]]]
    """Per main field, looked up once per read: whether its column is a number column
    and its kind's ``from_sage``."""


class Sage50Source:
    """Reads each entity's records and the company name from a Sage 50 US company."""

    def __init__(self, db: Database, status_rule: Callable[[Entity], StatusRule]) -> None:
        self.db = db
        self.status_rule = status_rule
        if db.is_sqlite:
            db.connection.text_factory = undecoded

    def _readable(self, row: Row, columns: list[str], table: str, id_at: int | None = None) -> Row:
        """``row``, text asked for as bytes decoded, when all its text was stored as UTF-8;
        else the error naming the table, the record (its record number, first in ``row``,
        and the ID at ``id_at``), the column and the bytes. A table of one row (Company)
        has no record number."""
        if bytes in map(type, row):
            row = tuple(undecoded(v) if isinstance(v, bytes) else v for v in row)
        texts = "".join(map(str, row))  # what is not text shows as ASCII
        if texts.isascii() or not UNDECODED.search(texts):
            return row  # the usual row, checked in one pass
        for column, value in zip(columns, row, strict=True):
            shown = undecoded_bytes(value) if isinstance(value, str) else None
            if shown:
                record = "" if table == COMPANY_TABLE else f" record {row[0]}"
                if id_at is not None:
                    record += f" (ID {UNDECODED.sub('?', str(row[id_at] or '').strip())})"
                raise SourceFormatError(
                    f"{table}{record}, column {column}: the text holds bytes that are not "
                    f"UTF-8 ({shown}); SMSync never replaces what it cannot read, so nothing "
                    "was read",
                    where=self.db.label,
                    advice="Retype the value in Sage 50 (or correct it in the company file), "
                    "then {refresh} again.",
                )
        return row

    def location(self) -> str:
        return self.db.label

    def company_name(self) -> str:
        name = self._selected(COMPANY_NAME_COLUMN, TEXT_COLUMN)
        rows = self.db.query(f"SELECT {name} FROM {quote_identifier(COMPANY_TABLE)}")
        if not rows:
            raise SourceFormatError(
                "the Sage 50 company has no row in its Company table", where=self.db.label
            )
        (name,) = self._readable(rows[0][:1], [COMPANY_NAME_COLUMN], COMPANY_TABLE)
        return str(name or "").strip()

    def missing_list(self, entity: Entity) -> str | None:
        """Why the company has no ``entity`` list at all (no table), or None."""
        if self.db.has_table(entity.sage_table):
            return None
        return f"the Sage 50 company has no {entity.sage_table} table ({self.db.label})"

    def _present(self, table: str, wanted: list[str], required: set[str]) -> dict[str, str]:
        """Map wanted column names to the names the driver reports (case-insensitive)."""
        actual = {name.lower(): name for name in self.db.columns(table)}
        missing = sorted(c for c in required if c.lower() not in actual)
        if missing:
            raise SourceFormatError(
                f"table {table} has no column {', '.join(missing)}",
                where=self.db.label,
                advice="Is this a Sage 50 US company? Check the DSN points at the company "
                "database, not at another one.",
            )
        return {c: actual[c.lower()] for c in wanted if c.lower() in actual}

    def read(self, entity: Entity) -> list[SageRecord]:
        """Every record of ``entity``, normalised, addresses joined (type 0 only)."""
        plan = self._plan(entity)
        addresses = self._addresses(entity, plan.address) if plan.address else {}
        accounts = self._accounts() if any(f.account for f in plan.main) else None
        rule = self.status_rule(entity)
        records: list[SageRecord] = []
        for rows in self.db.batches(plan.sql):
            records += self._records(entity, plan, rows, addresses, accounts, rule)
        return records

    def _plan(self, entity: Entity) -> _ReadPlan:
        """What ``read`` selects, asked of the catalogue once per entity, so that the
        loop over rows only decodes."""
        main_fields, address_fields, wanted, required = _wanted(entity)
        present = self._present(entity.sage_table, wanted, required)
        main_present = [f for f in main_fields if f.odbc in present]
        kinds = _kinds(main_present)
        sql = "SELECT {} FROM {}".format(
            ", ".join(self._selected(present[c], kinds.get(c, "")) for c in wanted if c in present),
            quote_identifier(entity.sage_table),
        )
        columns = [present[c] for c in wanted if c in present]
        id_at = columns.index(present[entity.field("id").odbc])
        decoders: list[tuple[SageField, bool, Callable[[object], Value]]] = [
            (f, kinds.get(f.odbc) == NUMBER_COLUMN, f.turbo.kind.from_sage) for f in main_present
        ]
        return _ReadPlan(main_present, address_fields, kinds, sql, columns, id_at, decoders)

    def _records(
        self,
        entity: Entity,
        plan: _ReadPlan,
        rows: list[Row],
        addresses: dict[object, tuple[Value, ...]],
        accounts: dict[int, str] | None,
        rule: StatusRule,
    ) -> list[SageRecord]:
        """A batch of rows as records with the problems found in each: decoded a column
        at a time (the hot path of every synchronization), each row's problems in the
        order of its fields."""
        rows = self._readable_rows(rows, plan.columns, entity.sage_table, plan.id_at)
        numbers, inactive, *raws = zip(*rows, strict=True)
        problems: dict[int, list[str]] = {}
        columns = [
            self._decoded(spec, numeric, from_sage, column, accounts, problems)
            for (spec, numeric, from_sage), column in zip(plan.decoders, raws, strict=True)
        ]
        names = [spec.name for spec in plan.main]
        if plan.address:
            blank = ("",) * len(plan.address)
            found = zip(*map(addresses.get, numbers, repeat(blank)), strict=True)
            columns += found
            names += [spec.name for spec in plan.address]
        template = dict.fromkeys(entity.turbo_fields)
        records = []
        for values in zip(*columns, strict=True):
            record = template.copy()
            record.update(zip(names, values, strict=True))
            records.append(record)
        return with_statuses(entity, rule, records, problems, inactive, entity.sage_inactive)

    def _readable_rows(
        self, rows: list[Row], columns: list[str], table: str, id_at: int | None = None
    ) -> list[Row]:
        """``_readable`` of each row, the usual batch (no bytes, all text UTF-8) checked
        in one pass."""
        values = list(chain.from_iterable(rows))
        if bytes not in map(type, values):
            texts = "".join(filter(str.__instancecheck__, values))  # the rest is ASCII
            if texts.isascii() or not UNDECODED.search(texts):
                return rows
        return [self._readable(row, columns, table, id_at) for row in rows]

    def _decoded(
        self,
        spec: SageField,
        numeric: bool,
        from_sage: Callable[[object], Value],
        raws: Sequence[object],
        accounts: dict[int, str] | None,
        problems: dict[int, list[str]],
    ) -> Sequence[Value]:
        """One field's column of a batch, decoded; what cannot be taken is added to the
        problems of its row."""
        if spec.account:
            found = [self._account(spec, accounts, raw) for raw in raws]
        elif numeric:
            label = spec.turbo.label
            found = each_once(lambda raw: _number(label, from_sage, raw), raws)
        else:
            return spec.turbo.kind.from_sage_column(raws)
        for index, (_, problem) in enumerate(found):
            if problem:
                problems.setdefault(index, []).append(problem)
        return [value for value, _ in found]

    def _selected(self, column: str, kind: str) -> str:
        """A column as the SELECT names it. The SQLite ODBC driver reinterprets what an
        SQLite company holds: a number column's text goes to C's atof (12,50 becomes
        12.0), a double is given to 15 digits, a byte that is not UTF-8 is dropped and a
        character beyond U+FFFF becomes U+FFFF. Through it, text is asked for as its
        bytes and numbers as tagged bytes (a double with the 17 digits that give it
        back exactly), for this reader to decode (``_readable``, ``_untagged``)."""
        quoted = quote_identifier(column)
        if self.db.is_sqlite or kind not in (TEXT_COLUMN, NUMBER_COLUMN):
            return quoted
        if self.db.dbms != "sqlite":
            return quoted
        if kind == NUMBER_COLUMN:
            quoted = (
                f"CASE typeof({quoted}) WHEN 'real' THEN '{_REAL}' || printf('%!.17g', "
                f"{quoted}) ELSE '{_STORED}' || {quoted} END"
            )
        return f"CAST({quoted} AS BLOB)"

    @staticmethod
    def _account(
        spec: SageField, accounts: dict[int, str] | None, number: object
    ) -> tuple[str | None, str | None]:
        """The account ID for a Chart record number, and why it cannot be taken: 0 (or
        NULL) is 'no account', shown blank; a number the Chart does not have (or has
        without an account ID), or any account when the Chart has no AccountID column
        (``accounts`` None), is no value SMSync can write, never 'take the template's'."""
        if not number or text(number) == "0":
            return "", None
        label = spec.turbo.label
        key = _record_number(number)
        if accounts is None:
            return None, (
                f"{label} is Chart of Accounts record {text(number)}, but Sage 50's Chart "
                f"has no {CHART_ACCOUNT_ID} column to say which account that is; check the "
                "company's Chart of Accounts in Sage 50"
            )
        found = text(accounts.get(key)) if key is not None else None
        if found:
            return found, None
        held = "does not have" if key not in accounts else "has without an account ID"
        return None, (
            f"{label} is Chart of Accounts record {text(number)}, which Sage 50's Chart {held}; "
            f"choose the item's {spec.csv} again in Sage 50"
        )

    def _accounts(self) -> dict[int, str] | None:
        """Chart record number → account ID (None when the Chart has no AccountID)."""
        present = self._present(
            CHART_TABLE, [CHART_RECORD_NUMBER, CHART_ACCOUNT_ID], {CHART_RECORD_NUMBER}
        )
        if CHART_ACCOUNT_ID not in present:
            return None
        number_column = quote_identifier(present[CHART_RECORD_NUMBER])
        account_column = self._selected(present[CHART_ACCOUNT_ID], TEXT_COLUMN)
        sql = f"SELECT {number_column}, {account_column} FROM {quote_identifier(CHART_TABLE)}"
        names = list(present.values())
        accounts = {}
        for number, account in (
            self._readable(row, names, CHART_TABLE) for row in self.db.stream(sql)
        ):
            key = _record_number(number)
            if key is not None:
                accounts[key] = account
        return accounts

    def _addresses(self, entity: Entity, specs: list[SageField]) -> dict[object, tuple[Value, ...]]:
        """Main (type 0) address per record number, its values decoded in ``specs``'
        order; of two, the lowest record number."""
        owner = entity.sage_record_number
        columns = [ADDRESS_RECORD_NUMBER, owner] + [s.odbc for s in specs]
        wanted = [*columns, ADDRESS_TYPE]
        present = self._present(ADDRESS_TABLE, wanted, set(wanted))
        sql = "SELECT {} FROM {} WHERE {} = 0 AND {} <> 0".format(
            ", ".join(
                self._selected(present[c], TEXT_COLUMN if i > 1 else "")
                for i, c in enumerate(columns)
            ),
            quote_identifier(ADDRESS_TABLE),
            quote_identifier(present[ADDRESS_TYPE]),
            quote_identifier(present[owner]),
        )
        chosen: dict[object, Row] = {}
        names = [present[c] for c in columns]
        for rows in self.db.batches(sql):
            for row in self._readable_rows(rows, names, ADDRESS_TABLE):
                address_number, owner_number = row[0], row[1]
                kept = chosen.get(owner_number)
                if kept is None or address_number < kept[0]:
                    chosen[owner_number] = row
        if not chosen:
            return {}
        raws = list(zip(*chosen.values(), strict=True))[2:]
        decoded = [
            spec.turbo.kind.from_sage_column(raw) for spec, raw in zip(specs, raws, strict=True)
        ]
        return dict(zip(chosen, zip(*decoded, strict=True), strict=True))
