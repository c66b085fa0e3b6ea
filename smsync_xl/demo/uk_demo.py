"""The Sage 50 UK demo: a UK company in an SQLite file (the ledgers by their ODBC
names), an SMSTurbo database and the settings that read them (``edition = "uk"``)."""

from __future__ import annotations

from pathlib import Path

from smsync_xl.connections.db import open_sqlite
from smsync_xl.demo.company import DEMO_FILES, create_smsturbo
from smsync_xl.demo.data import DemoLists
from smsync_xl.demo.uk_company import write_uk_company
from smsync_xl.demo.uk_data import (
    SMSTURBO_CUSTOMERS,
    SMSTURBO_MATERIALS,
    SMSTURBO_VENDORS,
    UK_ROWS,
)

UK_SETTINGS = """\
# SMSync settings for a Sage 50 Accounts (UK) company: the headless twin of Setup.
# Paths are relative to this file.

view = "not_in_sync"

[sage50]
edition = "uk"
# "sqlite" for this demo; at a real company "odbc" with the Sage 50 driver:
#   dsn = "SageLine50v30"   (or driver = "Sage Line 50 v30")
#   database = 'C:\\ProgramData\\Sage\\Accounts\\2024\\Company.000\\ACCDATA'
#   user = "MANAGER"        (a Sage 50 user; the password is never stored here)
# or "csv" with path = the folder of the Customer/Supplier/Product Record CSVs.
kind = "sqlite"
path = "sage50_demo.sqlite"

[smsturbo]
kind = "sqlite"
path = "smsturbo_demo.sqlite"

[uk]
# Which SMSTurbo field each address line ADDRESS_1..ADDRESS_5 fills (UK convention).
address_lines = ["address1", "address2", "city", "state", "zip"]
# The column Include Types filters customers (suppliers) on; a material's category.
customer_type = "ANALYSIS_1"
vendor_type = "ANALYSIS_1"
stock_category = "STOCK_CAT_NAME"

[customers]
include_types = []
replace = ["name", "address", "phone", "contact", "email", "credit_limit", "credit_status"]

[vendors]
include_types = []
replace = ["name", "address", "phone", "contact", "email", "credit_status"]

[materials]
include_types = []
replace = ["price", "gl_accounts", "inactive"]
template = "ZZDEFAULT"
default_unit = "TON"

[credit_status]
inactive = "INACTIVE"
active = ""
# Sage 50 account status (or On Hold, for an account on hold) = SMSTurbo credit status.
map = { "On Hold" = "HOLD" }
"""


def create_uk_demo(folder: Path) -> Path:
    """Create the UK demo company, SMSTurbo database and settings; return the settings."""
    folder.mkdir(parents=True, exist_ok=True)
    sage, turbo, settings = (folder / name for name in DEMO_FILES)
    for path in (sage, turbo):
        path.unlink(missing_ok=True)
    db = open_sqlite(sage)
    write_uk_company(db, UK_ROWS)
    db.close()
    create_smsturbo(
        turbo,
        DemoLists(SMSTURBO_CUSTOMERS, SMSTURBO_VENDORS, SMSTURBO_MATERIALS),
    )
    settings.write_text(UK_SETTINGS, encoding="utf-8")
    return settings
