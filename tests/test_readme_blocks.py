"""The README is true line by line: every command of its shell blocks runs, in the
README's order, in one temporary folder (as its reader, having followed it from the top,
would have it), and where a block shows what a command prints, the command prints that.
The excel-check sample is the stand-in run's report; the settings example is what
`smsync-xl demo` writes.

Conventions read from the README: a block marked ``sh``, ``bash``, ``console`` or
``shell``, or an unmarked one whose first line starts with the prompt ``$ ``, holds
commands. In a block with prompts, a command is a line after ``$ `` and the lines up to
the next prompt are what it prints (none shown: not compared); without prompts, every
line is a command. A ``# comment`` after a command is the README's note, not the
command's. ``a && b`` is two commands, run in turn.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .test_excel_check import checked

ROOT = Path(__file__).parent.parent
README = ROOT / "README.md"
SHELL_BLOCKS = {"sh", "bash", "console", "shell"}
PROMPT = "$ "
COMMENT = re.compile(r"\s+#\s.*$")
ELISION = "..."
"""In shown output, a line ``...`` stands for any number of lines the README leaves out,
and ``...`` inside a line for any part of it."""
ANSWER = "y\n" * 5
"""What the reader types at a question (the README shows no answer but Yes)."""

SKIPPED = {
    # Commands that cannot run here, each with why; the test fails when one of these
    # no longer matches a README command, so the list keeps up with the README.
    "python3 -m venv .venv": "makes a virtual environment: the tests run in one already",
    ".venv/bin/pip install .": "installs the checkout: the tests run the installed checkout",
    "source .venv/bin/activate": "puts the virtual environment first on PATH: the tests put "
    "the one running them there (adapted)",
    '.venv/bin/pip install -e ".[test]"': "installs the checkout: the tests run it",
    ".venv/bin/python -m pytest": "the test suite itself, which is running this test",
    "smsync-xl build-workbook": "rewrites the checkout's workbook/SMSync.xlsm; "
    "tests/test_workbook_package.py checks that a fresh build equals it byte for byte",
    "smsync-xl excel-check": "needs real Excel (Windows or macOS); "
    "test_the_excel_check_sample_is_the_stand_in_report checks its lines",
    r"smsync-xl excel-check --folder C:\Temp\SMSyncCheck": "real Excel, a Windows folder",
    "python3 -m venv ~/smsync-venv": "makes a virtual environment (macOS)",
    "~/smsync-venv/bin/pip install /path/to/smsync_xl-0.1.0-py3-none-any.whl": "installs a "
    "wheel made with python -m build; CI's wheel job installs and runs it",
    "smsync-xl password set sage50": "asks at a hidden prompt and keeps the password in "
    "the system keyring, which the tests replace (tests/test_passwords_doctor.py)",
    "smsync-xl password set smsturbo": "the same, for SMSTurbo",
    "smsync-xl doctor --settings settings.toml": "its output names this computer's Python, "
    "its ODBC drivers and a DSN made for the company (tests/test_passwords_doctor.py)",
}


@dataclass(frozen=True)
class Block:
    line: int
    """The README line of its opening fence."""
    marked: str
    lines: list[str]


@dataclass(frozen=True)
class Command:
    text: str
    line: int
    shown: list[str]
    """What the README shows it printing (empty: not shown)."""


def blocks(text: str) -> list[Block]:
    found: list[Block] = []
    fence: tuple[int, str] | None = None
    body: list[str] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.startswith("```"):
            body.append(line)
        elif fence is None:
            fence, body = (number, line[3:].strip()), []
        else:
            found.append(Block(fence[0], fence[1], body))
            fence, body = None, []
    return found


def commands(block: Block) -> list[Command]:
    """The block's commands, each with the output the README shows for it."""
    prompted = any(line.startswith(PROMPT) for line in block.lines)
    found: list[Command] = []
    for offset, line in enumerate(block.lines, 1):
        if prompted and not line.startswith(PROMPT):
            if found:
                found[-1].shown.append(line)
            continue
        text = COMMENT.sub("", line.removeprefix(PROMPT) if prompted else line).strip()
        if text:
            parts = text.split(" && ")
            found += [Command(part, block.line + offset, []) for part in parts]
    return found


def shell_commands() -> list[Command]:
    every = blocks(README.read_text(encoding="utf-8"))
    return [
        command
        for block in every
        if block.marked in SHELL_BLOCKS
        or (not block.marked and block.lines and block.lines[0].startswith(PROMPT))
        for command in commands(block)
    ]


def shown_pattern(shown: list[str]) -> re.Pattern[str]:
    """What the README shows, as a pattern over the whole output (``ELISION``)."""
    while shown and not shown[-1].strip():
        shown = shown[:-1]
    parts = []
    for line in shown:
        if line.strip() == ELISION:
            parts.append(r"(?:[^\n]*\n)*?")
        else:
            parts.append(".*?".join(map(re.escape, line.split(ELISION))) + r"\n")
    return re.compile("".join(parts))


def adapted(command: str, bin_folder: Path) -> str:
    """Only what must change here: the README's virtual environments are the one running
    the tests (``.venv/bin/``, ``~/smsync-venv/bin/``), and its folder in /tmp is made
    inside the test's folder. Plain ``smsync-xl`` finds that environment first on PATH,
    as in an activated environment; ``~`` is the test's HOME."""
    for venv in (".venv/bin/", "~/smsync-venv/bin/"):
        if command.startswith(venv):
            command = f"{bin_folder}/{command.removeprefix(venv)}"
    return command.replace("/tmp/smsync", "tmp-smsync")


def run(command: Command, folder: Path, bin_folder: Path) -> str:
    env = {
        **os.environ,
        "HOME": str(folder / "home"),
        "PATH": os.pathsep.join([str(bin_folder), os.environ.get("PATH", "")]),
    }
    done = subprocess.run(
        ["bash", "-c", adapted(command.text, bin_folder)],
        cwd=folder,
        env=env,
        input=ANSWER,
        capture_output=True,
        text=True,
        timeout=300,
    )
    said = done.stdout + done.stderr
    assert done.returncode == 0, (
        f"README.md line {command.line}: `{command.text}` failed "
        f"(exit code {done.returncode}):\n{said}"
    )
    return done.stdout


def test_every_readme_command_runs_and_prints_what_the_readme_shows(tmp_path):
    bin_folder = Path(sys.executable).parent
    assert (bin_folder / "smsync-xl").exists(), (
        f"no smsync-xl console script beside {sys.executable}: run the tests with the "
        "Python of the environment SMSync is installed in (pip install -e .)"
    )
    (tmp_path / "home").mkdir()
    every = shell_commands()
    ran = [c for c in every if c.text not in SKIPPED]
    assert len(ran) >= 15 and any(c.shown for c in ran), "the README's blocks were not found"
    for command in ran:
        printed = run(command, tmp_path, bin_folder)
        if command.shown:
            assert shown_pattern(command.shown).fullmatch(printed), (
                f"README.md line {command.line}: `{command.text}` printed something else "
                "than the README shows:\n" + printed
            )


def test_every_skipped_command_is_still_in_the_readme():
    """A skip-list entry that matches no README command is stale: remove it."""
    texts = {c.text for c in shell_commands()}
    assert sorted(set(SKIPPED) - texts) == []


def test_the_excel_check_sample_is_the_stand_in_report(tmp_path):
    """The README's excel-check report, from its first check to the verdict, is what the
    checks print against the xlwings stand-in (the lines before them are an example of
    one Windows PC)."""
    every = blocks(README.read_text(encoding="utf-8"))
    sample = next(b.lines for b in every if b.lines and "SMSync excel-check" in b.lines[0])
    assert checks(sample) == checks(checked(tmp_path).lines())


def checks(report: list[str]) -> list[str]:
    """A report from its first check on."""
    return report[next(n for n, line in enumerate(report) if line.startswith(("PASS", "FAIL"))) :]


def test_the_settings_example_is_what_demo_writes(tmp_path):
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### Settings file") :]
    example = next(b for b in blocks(section) if b.marked == "toml")
    subprocess.run(
        [str(Path(sys.executable).parent / "smsync-xl"), "demo", str(tmp_path / "demo")],
        check=True,
        capture_output=True,
    )
    written = (tmp_path / "demo" / "settings.toml").read_text(encoding="utf-8")
    assert "\n".join(example.lines) + "\n" == written
