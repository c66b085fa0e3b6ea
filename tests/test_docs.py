"""The CLI, its help and the README say the same thing (in the manner of sqlite-utils'
test_docs.py): every command is in the README, its help gives a runnable example, and
every command the README shows exists."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from smsync_xl.cli import main

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def commands(group: click.Group, prefix: str = "") -> dict[str, click.Command]:
    found: dict[str, click.Command] = {}
    for name, command in group.commands.items():
        path = f"{prefix}{name}"
        if isinstance(command, click.Group):
            found.update(commands(command, f"{path} "))
        else:
            found[path] = command
    return found


COMMANDS = commands(main)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_is_in_the_readme(name):
    assert f"smsync-xl {name}" in README


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_help_with_an_example(name):
    result = CliRunner().invoke(main, [*name.split(), "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output
    assert re.search(rf"^\s+smsync-xl {name}\b", result.output, re.M), result.output


def test_every_command_the_readme_shows_exists():
    shown = set(re.findall(r"smsync-xl ([a-z][a-z-]*(?: set| list| forget)?)", README))
    assert shown <= set(COMMANDS) | {"password"}
