"""A Sage 50 UK company in an SQLite file (or any database): the tables and columns
the Sage Line 50 ODBC driver shows, those SMSync reads and a few it never reads, with
the types the published schema gives them (docs/DOMAIN.md §7; ``sources.sage50_uk``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from smsync_xl.connections.db import Database, quote_identifier

_LEDGER = (
    ("ACCOUNT_REF", "VARCHAR(8)"),
    ("NAME", "VARCHAR(60)"),
    *((f"ADDRESS_{n}", "VARCHAR(60)") for n in range(1, 6)),
    ("CONTACT_NAME", "VARCHAR(30)"),
    ("TELEPHONE", "VARCHAR(30)"),
    ("TELEPHONE_2", "VARCHAR(30)"),
    ("FAX", "VARCHAR(30)"),
    ("E_MAIL", "VARCHAR(255)"),
    ("ANALYSIS_1", "VARCHAR(30)"),
    ("ANALYSIS_2", "VARCHAR(30)"),
    ("ANALYSIS_3", "VARCHAR(30)"),
    ("DEPT_NUMBER", "SMALLINT"),
    ("STATUS_NUMBER", "SMALLINT"),
    ("STATUS_TEXT", "VARCHAR(60)"),
    ("COUNTRY_CODE", "VARCHAR(2)"),
    ("VAT_REG_NUMBER", "VARCHAR(20)"),
    ("PAYMENT_DUE_DAYS", "SMALLINT"),
    ("CREDIT_LIMIT", "DOUBLE"),
    ("ACCOUNT_ON_HOLD", "VARCHAR(1)"),
    ("TERMS", "VARCHAR(30)"),
    ("BALANCE", "DOUBLE"),
    ("INACTIVE_FLAG", "VARCHAR(1)"),
    ("RECORD_DELETED", "VARCHAR(1)"),
)
UK_SCHEMA: dict[str, tuple[tuple[str, str], ...]] = {
    "COMPANY": (("NAME", "VARCHAR(60)"), ("ADDRESS_5", "VARCHAR(60)")),
    "SALES_LEDGER": _LEDGER,
    "PURCHASE_LEDGER": _LEDGER,
    "STOCK": (
        ("STOCK_CODE", "VARCHAR(30)"),
        ("DESCRIPTION", "VARCHAR(60)"),
        ("UNIT_OF_SALE", "VARCHAR(8)"),
        ("NOMINAL_CODE", "VARCHAR(8)"),
        ("PURCHASE_NOMINAL_CODE", "VARCHAR(8)"),
        ("SALES_PRICE", "DOUBLE"),
        ("TAX_CODE", "VARCHAR(3)"),
        ("STOCK_CAT", "SMALLINT"),
        ("STOCK_CAT_NAME", "VARCHAR(30)"),
        ("QTY_IN_STOCK", "DOUBLE"),
        ("INACTIVE_FLAG", "VARCHAR(1)"),
        ("RECORD_DELETED", "VARCHAR(1)"),
    ),
}
"""Sage 50 UK's tables as its ODBC driver names them (a subset of their columns)."""


FLAG_COLUMNS = ("ACCOUNT_ON_HOLD", "INACTIVE_FLAG", "RECORD_DELETED")


def write_uk_company(
    db: Database,
    rows: Mapping[str, Iterable[Mapping[str, object]]],
    *,
    flag_type: str = "VARCHAR(1)",
) -> None:
    """Create the tables of ``UK_SCHEMA`` in ``db`` and insert ``rows`` (table → rows,
    each row column → value; columns not given are NULL). ``flag_type`` is how the
    flags are declared: by default one character, which holds 0/1 and 'N'/'Y' (and a
    bad flag) alike; TINYINT would read a letter as 0 through the SQLite ODBC driver."""
    with db.transaction():
        for table, columns in UK_SCHEMA.items():
            db.execute(
                "CREATE TABLE {} ({})".format(
                    quote_identifier(table),
                    ", ".join(
                        f"{quote_identifier(n)} {flag_type if n in FLAG_COLUMNS else kind}"
                        for n, kind in columns
                    ),
                )
            )
            names = [n for n, _ in columns]
            db.execute_many(
                "INSERT INTO {} ({}) VALUES ({})".format(
                    quote_identifier(table),
                    ", ".join(quote_identifier(n) for n in names),
                    ", ".join("?" for _ in names),
                ),
                [[row.get(n) for n in names] for row in rows.get(table, ())],
            )
