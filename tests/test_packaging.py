"""SMSync as a user installs it: the wheel, without the checkout around it. Templates and
the workbook come from inside the package; build-workbook writes only where it is told."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from smsync_xl.files.package_files import workbook_path

ROOT = Path(__file__).parent.parent


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The wheel built from this checkout, unpacked as pip would into site-packages."""
    folder = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(folder),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = folder.glob("smsync_xl-*.whl")
    site = folder / "site-packages"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    return site


def smsync(site: Path, cwd: Path, *args: str, block: str = "") -> subprocess.CompletedProcess:
    """``smsync-xl ARGS`` importing SMSync from ``site`` only (the checkout is not on the
    path); ``block`` names a module to make unimportable."""
    code = (
        "import sys; "
        + (f"sys.modules[{block!r}] = None; " if block else "")
        + "from smsync_xl.cli import main; main()"
    )
    env = {**os.environ, "PYTHONPATH": str(site), "PYTHONSAFEPATH": "1"}
    return subprocess.run(
        [sys.executable, "-c", code, *args], cwd=cwd, env=env, capture_output=True, text=True
    )


def test_the_wheel_carries_templates_and_workbook(installed):
    assert (installed / "smsync_xl" / "templates" / "setup.toml").is_file()
    assert (installed / "smsync_xl" / "workbook" / "SMSync.xlsm").is_file()
    assert any(p.name == "LICENSE" for p in installed.rglob("LICENSE"))


def test_the_wheel_marks_the_package_as_typed(installed):
    """PEP 561: with py.typed, a type checker reads SMSync's own annotations."""
    assert (installed / "smsync_xl" / "py.typed").is_file()


def test_build_workbook_from_the_wheel_needs_an_output_and_writes_only_there(installed, tmp_path):
    check = smsync(installed, tmp_path, "--version")
    assert check.returncode == 0, check.stderr
    refused = smsync(installed, tmp_path, "build-workbook")
    assert refused.returncode == 1
    assert "installed package" in refused.stderr and "--output" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert not (installed / "workbook").exists()
    built = smsync(installed, tmp_path, "build-workbook", "--output", "SMSync.xlsm")
    assert built.returncode == 0, built.stderr
    assert (tmp_path / "SMSync.xlsm").read_bytes() == workbook_path().read_bytes()


def test_build_workbook_without_the_build_extra_says_what_to_install(installed, tmp_path):
    result = smsync(installed, tmp_path, "build-workbook", "--output", "x.xlsm", block="pyopenvba")
    assert result.returncode == 1
    assert 'pip install "smsync-xl[build]"' in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "x.xlsm").exists()


def test_the_demo_runs_from_the_wheel(installed, tmp_path):
    result = smsync(installed, tmp_path, "demo", "demo")
    assert result.returncode == 0, result.stderr
    assert "Import completed: 19 created, 16 updated" in result.stdout


def test_the_wheel_carries_what_a_release_needs(installed):
    (metadata,) = installed.glob("smsync_xl-*.dist-info/METADATA")
    text = metadata.read_text(encoding="utf-8")
    assert "License-Expression: MIT" in text
    assert "Classifier: Operating System :: Microsoft :: Windows" in text
    assert "Classifier: Operating System :: MacOS" in text
    assert "Classifier: Topic :: Office/Business :: Financial :: Accounting" in text
    assert "Requires-Dist: xlwings==0.37.8" in text and "Requires-Dist: olefile" in text
    assert (ROOT / "CHANGELOG.md").read_text(encoding="utf-8").startswith("# Changelog")


def test_install_and_doctor_from_the_wheel(installed, tmp_path):
    """What .ci/run does in a fresh venv: the workbook comes from the wheel, and doctor
    finds the chain from its xlwings.conf to this Python whole."""
    dest = tmp_path / "SMSync"
    done = smsync(installed, tmp_path, "install", "--dest", str(dest), "--demo")
    assert done.returncode == 0, done.stderr
    packaged = installed / "smsync_xl" / "workbook" / "SMSync.xlsm"
    assert (dest / "SMSync.xlsm").read_bytes() == packaged.read_bytes()
    doctor = smsync(installed, tmp_path, "doctor", "--book", str(dest / "SMSync.xlsm"))
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    assert f"  ok       Python {sys.executable}\n" in doctor.stdout
    assert "  ok       xlwings 0.37.8: the package and the workbook's VBA module agree" in (
        doctor.stdout
    )
    assert "No problems found." in doctor.stdout
