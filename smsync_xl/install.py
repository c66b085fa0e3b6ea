"""Put the workbook where the bookkeeper works, with an xlwings.conf beside it.

The workbook itself never holds a machine path: xlwings reads the interpreter and the
UDF module from the xlwings.conf file in the workbook's folder.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from smsync_xl.core.errors import SmsyncError
from smsync_xl.core.resources import workbook_path
from smsync_xl.demo.company import DEMO_FILES, create_demo

CONF_NAME = "xlwings.conf"
BACKUP_NAME = "SMSync.backup.xlsm"


def conf_text(interpreter: str, windows: bool) -> str:
    """xlwings' directory config: one "KEY","value" line per setting."""
    key = "INTERPRETER_WIN" if windows else "INTERPRETER_MAC"
    lines = [(key, interpreter), ("UDF MODULES", "smsync_xl.udf"), ("SHOW CONSOLE", "False")]
    return "".join(f'"{k}","{v}"\n' for k, v in lines)


def install(destination: Path, *, with_demo: bool, force: bool = False) -> Path:
    """Copy SMSync.xlsm into ``destination`` and write xlwings.conf; return the copy.

    An existing workbook holds the bookkeeper's Setup and Log: it is only replaced with
    ``force``, and then kept as SMSync.backup.xlsm.
    """
    target = destination / "SMSync.xlsm"
    names = ["SMSync.xlsm", *(DEMO_FILES if with_demo else ())]
    existing = [name for name in names if (destination / name).exists()]
    if existing and not force:
        raise SmsyncError(
            f"{', '.join(existing)} already exist(s)",
            where=str(destination),
            advice="Pass --force to replace them (the old workbook is kept as "
            f"{BACKUP_NAME}), or choose another --dest.",
        )
    destination.mkdir(parents=True, exist_ok=True)
    if target.exists():
        shutil.copyfile(target, destination / BACKUP_NAME)
    shutil.copyfile(workbook_path(), target)
    (destination / CONF_NAME).write_text(
        conf_text(sys.executable, sys.platform == "win32"), encoding="utf-8"
    )
    if with_demo:
        create_demo(destination)
    return target
