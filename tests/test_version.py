"""``smsync_xl.__version__`` is read from the installed package's metadata when asked
(not at every import), and the package (typed, PEP 561) still tells a type checker
what it has: only ``__version__`` is a str, any other name it lacks is an error."""

from __future__ import annotations

import os
from importlib.metadata import version
from pathlib import Path

from mypy import api

import smsync_xl

ROOT = Path(__file__).resolve().parent.parent


def test_the_version_is_the_installed_packages_and_other_names_are_missing():
    from smsync_xl import __version__

    assert __version__ == version("smsync-xl") == smsync_xl.__version__
    assert getattr(smsync_xl, "no_such_name", None) is None


def test_a_name_the_package_lacks_is_a_type_error_not_a_str(tmp_path):
    """A misspelt import from the package (``from smsync_xl import macross``) must
    stay a type error: a module ``__getattr__`` that mypy sees types every name as
    what it returns."""
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import smsync_xl\n"
        "from smsync_xl import __version__, no_such_module\n"
        "shown: str = __version__\n"
        "other = smsync_xl.no_such_name\n",
        encoding="utf-8",
    )
    out, err, status = api.run(
        [
            "--no-incremental",
            "--cache-dir",
            os.devnull,
            "--config-file",
            "",
            "--follow-imports",
            "silent",
            str(probe),
        ]
    )
    assert status == 1, out + err
    assert 'Module "smsync_xl" has no attribute "no_such_module"' in out, out
    assert 'has no attribute "no_such_name"' in out, out
    assert out.count("error:") == 2, out  # __version__ is a str
