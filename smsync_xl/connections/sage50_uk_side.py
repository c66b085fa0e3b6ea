"""Sage 50 UK's connection errors in its own words: its driver reads the company's
ACCDATA folder with a Sage 50 user, not a database engine with the Peachtree user
(docs/DOMAIN.md §7)."""

from __future__ import annotations

import dataclasses

from smsync_xl.connections.odbc_errors import SAGE50
from smsync_xl.connections.passwords import ENV

SAGE50_UK = dataclasses.replace(
    SAGE50,
    label="Sage 50 Accounts (UK)",
    login_advice=(
        "Use a Sage 50 user and its password: Setup's User (MANAGER when access rights are "
        "off). The user must not be logged in to Sage 50 at the same time ('Username is "
        "already in use'): give SMSync a Sage 50 user of its own (Settings > Access "
        "Rights). Then give the password to SMSync: run 'smsync-xl password set sage50' "
        f"(kept in the system keyring) or set the environment variable {ENV['sage50']}."
    ),
    engine_advice=(
        "Sage 50 Accounts' ODBC driver reads the company's files itself: check that Setup's "
        "Database (DIR=) names the company's ACCDATA folder (in Sage 50: Help > About, Data "
        "Directory) and that this computer can reach that folder."
    ),
    schema_advice=(
        "Check that the DSN (SageLine50v<NN>) and Setup's Database (DIR=, the ACCDATA "
        "folder) point at the Sage 50 Accounts (UK) company (tables SALES_LEDGER, "
        "PURCHASE_LEDGER, STOCK, COMPANY)."
    ),
)
"""The same key as the US side: one kept password, and the same statement errors."""
