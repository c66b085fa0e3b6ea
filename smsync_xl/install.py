"""Put the workbook where the bookkeeper works, with an xlwings.conf beside it.

The workbook itself never holds a machine path: xlwings reads the interpreter and the
UDF module from the xlwings.conf file in the workbook's folder.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from .demo import create_demo
from .resources import workbook_path

CONF_NAME = "xlwings.conf"


def conf_text(interpreter: str, windows: bool) -> str:
    """xlwings' directory config: one "KEY","value" line per setting."""
    key = "INTERPRETER_WIN" if windows else "INTERPRETER_MAC"
    lines = [(key, interpreter), ("UDF MODULES", "smsync_xl.udf"), ("SHOW CONSOLE", "False")]
    return "".join(f'"{k}","{v}"\n' for k, v in lines)


def install(destination: Path, *, with_demo: bool) -> Path:
    """Copy SMSync.xlsm into ``destination`` and write xlwings.conf; return the copy."""
    destination.mkdir(parents=True, exist_ok=True)
    target = destination / "SMSync.xlsm"
    shutil.copyfile(workbook_path(), target)
    (destination / CONF_NAME).write_text(
        conf_text(sys.executable, sys.platform == "win32"), encoding="utf-8"
    )
    if with_demo:
        create_demo(destination)
    return target
