"""docs/render.py, which makes the README's pictures, says what it needs and what failed
in a message, never a traceback: run with a PATH lacking some of its programs, and with
programs that fail (small scripts standing in for LibreOffice, Xvfb and xdotool, so that
no real window is opened)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

RENDER = Path(__file__).parent.parent / "docs" / "render.py"
IMAGES = RENDER.parent / "images"


def programs(folder: Path, **scripts: str) -> Path:
    """A folder of executable shell scripts, one per program name."""
    folder.mkdir()
    for name, body in scripts.items():
        path = folder / name
        path.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
        path.chmod(0o755)
    return folder


def rendered(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(RENDER)],
        env={**os.environ, "PATH": str(path)},
        capture_output=True,
        text=True,
        timeout=300,
    )


def pictures() -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(IMAGES.glob("*.png"))}


def test_missing_programs_are_named_with_their_package(tmp_path):
    folder = programs(tmp_path / "bin", xdotool="exit 0", **{"import": "exit 0"}, convert="exit 0")
    done = rendered(folder)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "soffice (Debian package libreoffice-calc)" in done.stderr
    assert "Xvfb (Debian package xvfb)" in done.stderr
    assert "xdotool (" not in done.stderr
    assert "apt-get install -y libreoffice-calc xvfb" in done.stderr


def test_a_program_that_fails_is_named_with_what_it_said(tmp_path):
    """xdotool finds the display but not LibreOffice's window: the message names the
    command and its error; the pictures already in docs/images are left alone."""
    before = pictures()
    folder = programs(
        tmp_path / "bin",
        Xvfb="exec /bin/sleep 60",
        soffice="exec /bin/sleep 60",
        xdotool='[ "$1" = getdisplaygeometry ] && exit 0\necho "no window found" >&2\nexit 1',
        **{"import": "exit 0"},
        convert="exit 0",
    )
    done = rendered(folder)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert "docs/render.py: xdotool search --sync --onlyvisible --name 1-setup failed " in (
        done.stderr
    )
    assert "(exit code 1): no window found" in done.stderr
    assert pictures() == before
