"""The application layer: every use case the faces (the command line, the ribbon
macros, the Excel functions) and the PC checks call. Each opens what it needs from the
settings, does one job and returns a typed result; the faces only translate their
surface to it. The workbook's buttons are ``app.workbook_buttons``, against the
workbook port ``app.workbook_port``."""

from smsync_xl.app import demo_start as _demo_start
from smsync_xl.app import open_sides as _open_sides
from smsync_xl.app import session as _session
from smsync_xl.app.demo_start import *  # noqa: F403 - re-exported: names in its __all__
from smsync_xl.app.open_sides import *  # noqa: F403
from smsync_xl.app.remembered_ids import forget_id, remembered_ids, set_id
from smsync_xl.app.session import *  # noqa: F403

__all__ = [
    *_session.__all__,
    *_demo_start.__all__,
    *_open_sides.__all__,
    "forget_id",
    "remembered_ids",
    "set_id",
]
"""What the faces take from ``app``: each module's own ``__all__``, declared once there
(``remembered_ids`` is also that module's name, so its names are listed here)."""
