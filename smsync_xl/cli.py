"""``smsync-xl``: the headless way to run what the workbook's buttons do.

A thin face over the application layer (``app``; the workbook commands run the same
use cases as the buttons, ``app.workbook_buttons``): each command parses its options,
calls one use case and prints the typed result. Exit codes: 0 done; 1 a
problem you can fix (the message says what and where); 2 wrong usage; 3 synchronized,
but some rows were refused as conflicts (press Refresh / run plan again), or undone, but
some records were left alone because they changed since; 128 + the signal when
interrupted (130 Ctrl-C, 129 terminal closed, 143 SIGTERM: the message says whether
SMSTurbo was changed).
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, ParamSpec, TextIO, cast

import click

from smsync_xl import app
from smsync_xl.app import interrupts
from smsync_xl.app import workbook_buttons as buttons
from smsync_xl.app.plain_text import (
    change_lines,
    counts_line,
    inert,
    plan_lines,
    result_lines,
    run_lines,
    undo_lines,
)
from smsync_xl.app.saved_plan import SavedPlan, load_plan, save_plan
from smsync_xl.connections import passwords
from smsync_xl.connections.passwords import Prompt
from smsync_xl.core.compare import Plan
from smsync_xl.core.errors import SmsyncError
from smsync_xl.core.fields import ENTITIES
from smsync_xl.core.settings import Settings
from smsync_xl.core.vocabulary import View
from smsync_xl.files.settings_file import load_settings
from smsync_xl.sync.apply import Chosen, SyncResult

if TYPE_CHECKING:
    from smsync_xl.book.file import FileBook

EXIT_PROBLEM = 1
EXIT_NO_EXCEL = 2
EXIT_CONFLICTS = 3

P = ParamSpec("P")


_lost: list[OSError] = []
"""The command's output that could not be written (a closed terminal, an ended pipe)."""


def _gone(error: OSError, stream: TextIO) -> None:
    """``stream`` can no longer be written: keep why, and send the rest of it (and the
    interpreter's last flush) to the null device, so it is not an error of the command."""
    _lost.append(error)
    with contextlib.suppress(OSError, ValueError, io.UnsupportedOperation):
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, stream.fileno())
        os.close(null)


def _echo(text: str = "", *, err: bool = False, fg: str | None = None) -> None:
    """click.secho that a closed terminal or an ended pipe cannot turn into an error of
    the command (after a commit it would hide what was written): a line stdout cannot
    take goes to stderr, or nowhere once that is gone too; ``handles_problems`` says so
    in the exit code."""
    try:
        click.secho(text, fg=fg, err=err)
        return
    except OSError as error:
        _gone(error, sys.stderr if err else sys.stdout)
    if not err:
        with contextlib.suppress(OSError):
            click.secho(text, fg=fg, err=True)


class _ProgressStream(io.TextIOBase):
    """stderr for the progress bar, with ``_echo``'s tolerance: a bar that cannot be
    drawn is not an error of the synchronization."""

    def write(self, text: str) -> int:
        try:
            sys.stderr.write(text)
        except OSError as error:
            _gone(error, sys.stderr)
        return len(text)

    def flush(self) -> None:
        try:
            sys.stderr.flush()
        except OSError as error:
            _gone(error, sys.stderr)

    def isatty(self) -> bool:
        return sys.stderr.isatty()


def _tell(text: str) -> None:
    """A last message, on stderr; with the terminal gone there is no one to tell."""
    _echo(text, fg="red", err=True)


def _lost_output(code: int) -> int:
    """Output that could not be written makes a clean exit a problem, saying so (on
    stderr, if that still works), and what SMSTurbo holds."""
    if not _lost or code:
        return code
    written = interrupts.written()
    _tell(
        f"Error: some of the output could not be written ({_lost[0].strerror or _lost[0]})."
        + (f" SMSTurbo WAS changed: {'; '.join(written)}." if written else "")
    )
    return EXIT_PROBLEM


def handles_problems(command: Callable[P, int | None]) -> Callable[P, None]:
    """Every command: a problem the user can fix is its message and exit code 1, never
    a traceback; an interrupt (Ctrl-C, a closed terminal) says whether SMSTurbo was
    changed, with exit code 128 + the signal; otherwise the command's own exit code."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> None:
        _lost.clear()
        with interrupts.watching():
            settings = kwargs.get("settings_path")
            if isinstance(settings, Path):
                interrupts.advise(interrupts.settings_advice(str(settings)))
            try:
                code = command(*args, **kwargs)
            except SmsyncError as error:
                _tell(f"Error: {error}")
                noted = interrupts.noted()  # noted while the problem came (a lock wait)
                if noted is not None:
                    _tell(interrupts.message(noted))
                    sys.exit(noted.exit_code)
                sys.exit(EXIT_PROBLEM)
            except interrupts.Interrupted as stop:
                _tell(interrupts.message(stop))
                sys.exit(stop.exit_code)
            noted = interrupts.noted()
            if noted is not None:
                _tell(interrupts.message(noted))
                sys.exit(noted.exit_code)
        sys.exit(_lost_output(code or 0))

    return run


def _ask(question: str, *, abort: bool = False, about: str | None = None) -> bool:
    """click.confirm, except that with nobody to answer (the input has ended: no
    terminal, a closed pipe) it is a plain message naming --yes, and Ctrl-C at the
    question is the interrupt it is. ``about`` names the question in that message."""
    try:
        return click.confirm(question, default=False, abort=abort)
    except (click.Abort, OSError) as stopped:
        if isinstance(stopped, OSError):
            _gone(stopped, sys.stdout)
        if isinstance(stopped, OSError) or isinstance(stopped.__context__, EOFError):
            raise SmsyncError(
                f"SMSync asked '{about or question}' but nobody can answer: there is no "
                "terminal (the input has ended)",
                advice="Run the command again with --yes to answer Yes to every question, or "
                "run it in a terminal to answer yourself. Nothing was changed.",
            ) from None
        if isinstance(stopped.__context__, KeyboardInterrupt):
            raise stopped.__context__ from None
        raise


settings_option = click.option(
    "--settings",
    "settings_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default="settings.toml",
    show_default=True,
    envvar="SMSYNC_SETTINGS",
    help="Settings file (the headless twin of the Setup sheet).",
)
entity_option = click.option(
    "--entity",
    type=click.Choice([*ENTITIES, "all"]),
    default="all",
    show_default=True,
    help="Which records.",
)
view_option = click.option(
    "--view",
    type=click.Choice([View.NOT_IN_SYNC.value, View.MISSING_ONLY.value]),
    default=None,
    help="Which lists to show (default: the settings' view).",
)
yes_option = click.option(
    "--yes", is_flag=True, help="Answer Yes to every question (confirmations, missing only)."
)
book_argument = click.argument("book", type=click.Path(exists=True, dir_okay=False, path_type=Path))


def _entity_key(choice: str) -> str | None:
    return None if choice == "all" else choice


def _echo_skipped(found: app.Plans) -> None:
    for reason in found.skipped:
        _echo(reason, fg="yellow", err=True)


def _view(settings: Settings, view: str | None) -> View:
    """The --view given, or the settings' (nobody is asked on the command line)."""
    return app.view_to_show(View(view) if view else settings.view, None)


def _prompt() -> Prompt | None:
    """Ask for a missing password only when someone is there to type it."""
    if not sys.stdin.isatty():
        return None
    return lambda question: click.prompt(question, hide_input=True, err=True)


def _session(settings_path: Path) -> app.Session:
    return app.open_session(load_settings(settings_path), prompt=_prompt())


def _left_out_line(left_out: app.LeftOut, settings_path: Path) -> str:
    """Why an ID Sage 50 has is not taken: the type filter, named with its setting."""
    entity = left_out.entity
    key = f"[{entity.key}] include_types"
    return (
        f"{left_out.id} is in Sage 50 but left out by the type filter: its "
        f"{entity.field(entity.type_field).csv} is {inert(repr(left_out.sage_type or ''))}, "
        f"and {key} in {settings_path} takes only {', '.join(sorted(left_out.include_types))}. "
        f"Add its type to {key} (or empty the list to take every type) to synchronize it."
    )


def _synchronize(session: app.Session, chosen: Chosen) -> SyncResult:
    total = sum(len(ids) for ids in chosen.values())
    with click.progressbar(
        length=total, label="Synchronizing", file=cast(TextIO, _ProgressStream())
    ) as bar:
        return app.synchronize(session, chosen, progress=bar.update)


def _exit_code(result: SyncResult) -> int:
    return EXIT_CONFLICTS if result.conflicts else 0


def _echo_plans(plans: list[Plan], view: View) -> None:
    for each in plans:
        _echo("\n".join(plan_lines(each, view)))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="smsync-xl")
def main() -> None:
    """Bring Sage 50 customers and vendors into SMSTurbo, one way, audited.

    \b
    Examples:
      smsync-xl demo ./demo                      # demo company, plan, synchronize
      smsync-xl plan --settings demo/settings.toml --view missing_only
      smsync-xl sync --settings demo/settings.toml --entity customers PROSPECT1 RETAIL
      smsync-xl undo --settings demo/settings.toml --yes
      smsync-xl runs --settings demo/settings.toml
      smsync-xl doctor --settings settings.toml     # drivers, DSNs, both connections
      smsync-xl password set sage50                 # keep the password in the keyring
      smsync-xl install --dest ~/SMSync --demo      # the workbook + xlwings.conf
      smsync-xl refresh ~/SMSync/SMSync.xlsm --yes  # the Refresh button, headless
    """


@main.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path), default="smsync-demo")
@click.option(
    "--force", is_flag=True, help="Replace the demo files already in FOLDER (settings included)."
)
@handles_problems
def demo(folder: Path, force: bool) -> int:
    """Create a demo Sage 50 company and SMSTurbo database in FOLDER, show the plan,
    synchronize what Check All would tick (every active NEW record and every DIFFERENT
    one with changes to apply), and show what is left.

    \b
    Examples:
      smsync-xl demo ./demo
      smsync-xl demo ./demo --force    # start the demo over: its files are replaced
    """
    settings_path = app.start_demo(folder, force=force)
    session = _session(settings_path)
    _echo(f"Demo written to {folder}/ (settings: {settings_path})")
    _echo(f"Sage 50 company: {inert(session.company())}\n")
    found = app.plans(session)
    _echo_skipped(found)
    plans = found.plans
    for each in plans:
        for view in (View.MISSING_ONLY, View.NOT_IN_SYNC):
            _echo("\n".join(plan_lines(each, view)) + "\n")
    _echo("Synchronizing what Check All ticks (active NEW, DIFFERENT with changes):")
    result = _synchronize(session, app.default_choice(plans))
    _echo("\n".join(result_lines(result)) + "\n")
    _echo("After synchronizing:")
    for each in app.plans(session).plans:
        _echo("  " + counts_line(each))
    _echo(
        f"\nNext: smsync-xl plan --settings {settings_path}   "
        f"or   smsync-xl undo --settings {settings_path}"
    )
    return _exit_code(result)


@main.command()
@settings_option
@entity_option
@view_option
@click.option(
    "--save",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Save the plan (IDs and fingerprints) for 'sync --plan'.",
)
@handles_problems
def plan(settings_path: Path, entity: str, view: str | None, save: Path | None) -> int:
    """Read both systems and show what Synchronize would do.

    \b
    Examples:
      smsync-xl plan --settings demo/settings.toml --entity vendors --view missing_only
      smsync-xl plan --settings demo/settings.toml --save plan.json
    """
    session = _session(settings_path)
    company = session.company()
    _echo(f"Sage 50 company: {inert(company)}")
    found = app.plans(session, _entity_key(entity))
    _echo_skipped(found)
    plans = found.plans
    _echo_plans(plans, _view(session.settings, view))
    if save:
        save_plan(save, plans, company, session.source.location())
        _echo(f"Plan saved to {save}")
    return 0


@main.command()
@settings_option
@entity_option
@click.option(
    "--plan",
    "plan_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A plan saved by 'plan --save': rows changed since then are refused.",
)
@yes_option
@click.option(
    "--include-inactive",
    is_flag=True,
    help="Without IDs, also take NEW records that are inactive in Sage 50.",
)
@click.argument("ids", nargs=-1)
@handles_problems
def sync(
    settings_path: Path,
    entity: str,
    plan_path: Path | None,
    yes: bool,
    include_inactive: bool,
    ids: tuple[str, ...],
) -> int:
    """Synchronize the given IDs, or without IDs what Check All would tick: every NEW
    record active in Sage 50 and every DIFFERENT one with changes to apply (inactive NEW
    records are left out, as the SMSTurbo help advises, unless asked for).

    \b
    Examples:
      smsync-xl sync --settings demo/settings.toml --yes                 # default selection
      smsync-xl sync --settings demo/settings.toml --entity customers DIFFNAME
      smsync-xl plan --settings demo/settings.toml --save plan.json
      smsync-xl sync --settings demo/settings.toml --plan plan.json --yes
    """
    saved = load_plan(plan_path) if plan_path else None
    session = _session(settings_path)
    keys = [e.key for e in app.entities(session, _entity_key(entity))]
    if saved is not None:
        chosen, refused = _chosen_from_saved(
            session, saved, keys, ids, include_inactive, f"{plan_path} ({entity})"
        )
    else:
        chosen, refused = _chosen_from_sage(session, entity, ids, include_inactive, settings_path)
    for line in refused:
        _echo(line, fg="yellow", err=True)
    total = sum(len(marks) for marks in chosen.values())
    if total == 0:
        _echo("Nothing to synchronize.")
        return EXIT_PROBLEM if refused else 0
    if not yes:
        _ask(
            f"Synchronize {total} record(s) from Sage 50 company "
            f"'{inert(session.company())}' into SMSTurbo?",
            abort=True,
        )
    result = _synchronize(session, chosen)
    _echo("\n".join(result_lines(result)))
    return _exit_code(result)


def _chosen_from_saved(
    session: app.Session,
    saved: SavedPlan,
    keys: list[str],
    ids: tuple[str, ...],
    include_inactive: bool,
    plan_name: str,
) -> tuple[Chosen, list[str]]:
    """The records to synchronize from a saved plan (checked against this company), and
    a line for the IDs it does not hold, so they are named and not silently skipped."""
    saved.check_company(session.company(), session.source.location())
    chosen = saved.chosen(keys, ids, include_inactive=include_inactive)
    unknown = app.not_chosen(chosen, ids)
    refused = [f"Not in the saved plan {plan_name}: {', '.join(unknown)}"] if unknown else []
    return chosen, refused


def _chosen_from_sage(
    session: app.Session,
    entity: str,
    ids: tuple[str, ...],
    include_inactive: bool,
    settings_path: Path,
) -> tuple[Chosen, list[str]]:
    """The records to synchronize from a fresh comparison: the given IDs, or what Check
    All would tick; with a line for each ID not found or left out, so none is skipped
    without a word."""
    found_plans = app.plans(session, _entity_key(entity))
    _echo_skipped(found_plans)
    plans = found_plans.plans
    if not ids:
        return app.default_choice(plans, include_inactive=include_inactive), []
    choice = app.choose_ids(plans, ids, session.settings)
    refused: list[str] = []
    if choice.unknown:
        refused.append(f"Not found in Sage 50 ({entity}): {', '.join(choice.unknown)}")
    refused += [_left_out_line(each, settings_path) for each in choice.left_out]
    return choice.chosen, refused


@main.command()
@settings_option
@yes_option
@handles_problems
def undo(settings_path: Path, yes: bool) -> int:
    """Undo the last synchronization (records changed since are left alone).

    \b
    Example:
      smsync-xl undo --settings demo/settings.toml --yes
    """
    store = _session(settings_path).store
    run = app.last_synchronization(store)
    if not yes:
        _ask(app.undo_question(store, run, one_line=True), abort=True)
    result = app.undo_last(store)
    _echo("\n".join(undo_lines(result)))
    return EXIT_CONFLICTS if result.left_alone else 0


@main.command()
@settings_option
@click.option("--details", type=int, help="Show every before/after value of this run.")
@handles_problems
def runs(settings_path: Path, details: int | None) -> int:
    """List the audited synchronizations and undos, newest first.

    \b
    Examples:
      smsync-xl runs --settings demo/settings.toml
      smsync-xl runs --settings demo/settings.toml --details 1
    """
    store = _session(settings_path).store
    if details is None:
        _echo("\n".join(run_lines(app.runs(store))) or "No synchronization yet.")
    else:
        _echo("\n".join(change_lines(app.run_changes(store, details))))
    return 0


@main.command("build-workbook")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the workbook (default, in a checkout: workbook/SMSync.xlsm).",
)
@handles_problems
def build_workbook(output: Path | None) -> int:
    """Build SMSync.xlsm from templates/ (the same bytes every time). Needs the build
    extra: pip install "smsync-xl[build]".

    \b
    Examples:
      smsync-xl build-workbook                       # in a checkout
      smsync-xl build-workbook --output SMSync.xlsm  # anywhere
    """
    from smsync_xl.book.build import build
    from smsync_xl.files.package_files import checkout_workbook

    destination = output or checkout_workbook()
    if destination is None:
        raise SmsyncError(
            "this SMSync is an installed package, not a checkout: there is no workbook/ "
            "folder to build into",
            where="build-workbook",
            advice="Pass --output FILE, e.g. smsync-xl build-workbook --output SMSync.xlsm.",
        )
    _echo(f"Built {build(destination)}")
    return 0


@main.command()
@click.option(
    "--dest",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path.home() / "SMSync",
    show_default=True,
    help="Folder for the workbook: on this computer, not synchronised by OneDrive.",
)
@click.option(
    "--demo",
    "with_demo",
    is_flag=True,
    help="Also put the demo Sage 50 company and SMSTurbo database beside it.",
)
@click.option(
    "--force", is_flag=True, help="Replace an existing workbook (kept as a dated backup)."
)
@click.option(
    "--xlwings-wheel",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Windows: xlwings' win_amd64 wheel of the pinned version, downloaded by you; "
    "its DLLs for the Excel functions are copied beside this Python (a 32-bit Python "
    "has none).",
)
@click.option(
    "--trust",
    is_flag=True,
    help="Windows: make DEST a Trusted Location for your user (Excel then runs its "
    "macros without asking).",
)
@handles_problems
def install(
    dest: Path, with_demo: bool, force: bool, xlwings_wheel: Path | None, trust: bool
) -> int:
    """Copy the workbook to DEST and write xlwings.conf beside it for this Python (every
    xlwings setting SMSync relies on, so none comes from your ~/.xlwings/xlwings.conf).
    On a Mac, also copy xlwings' AppleScript for Excel. Prints the next steps.

    \b
    Examples:
      smsync-xl install --dest ~/Documents/SMSync --demo
      smsync-xl install --dest C:\\SMSync --force     # replace it (old one kept, dated)
      smsync-xl install --dest C:\\SMSync --trust
      smsync-xl install --force --xlwings-wheel xlwings-0.37.8-cp311-cp311-win_amd64.whl
    """
    from smsync_xl.pc.install import CONF_NAME, folder_warnings, next_steps
    from smsync_xl.pc.install import install as install_workbook

    installed = install_workbook(
        dest, with_demo=with_demo, force=force, xlwings_wheel=xlwings_wheel, trust=trust
    )
    target = installed.workbook
    folder = target.parent
    if installed.backup is not None:
        _echo(f"Kept the old workbook as {installed.backup}")
    if installed.kept:
        _echo(f"Left {target} and {folder / CONF_NAME} as they are (no --force)")
    else:
        _echo(f"Installed {target}\nWrote {folder / CONF_NAME} (Python {sys.executable})")
    for placed in installed.placed:
        _echo(f"Copied {placed.name} to {placed.parent}")
    if installed.trusted is not None:
        _echo(f"{folder} is a Trusted Location ({installed.trusted})")
    for warning in [*installed.warnings, *folder_warnings(folder)]:
        _echo(f"Warning: {warning}", fg="yellow", err=True)
    if not installed.kept:
        _echo(next_steps(target, trusted=installed.trusted is not None))
    return 0


force_option = click.option(
    "--force",
    is_flag=True,
    help="Rewrite BOOK even though an office lock file says it is open (left from a crash).",
)


def _file_book(path: Path, yes: bool, *, rewrite: bool = False, force: bool = False) -> FileBook:
    """The workbook file; one the command will ``rewrite`` is refused while Excel or
    LibreOffice has it open, unless ``force``."""
    from smsync_xl.app.terminal_progress import TerminalProgress
    from smsync_xl.book.file import FileBook
    from smsync_xl.book.office_lock import refuse_if_open

    if rewrite and not force:
        refuse_if_open(path)

    def confirm(message: str) -> bool:
        _echo(message)
        return True if yes else _ask("Answer", about=message.splitlines()[0])

    def status(text: str) -> None:
        if text:
            _echo(text, err=True)

    return FileBook(
        path,
        confirm=confirm,
        alert=_echo,
        status=status,
        ask_password=_prompt() or (lambda _: None),
        progress=TerminalProgress(cast(TextIO, _ProgressStream())),
    )


def _button(finished: buttons.Finished | None) -> int:
    """A button's result as the twin's output and exit code."""
    if finished is None:
        return EXIT_PROBLEM
    _echo(finished.summary)
    synchronized = finished.synchronized
    return _exit_code(synchronized) if synchronized is not None else 0


@main.command()
@book_argument
@yes_option
@force_option
@handles_problems
def refresh(book: Path, yes: bool, force: bool) -> int:
    """Do what the Refresh button does, on BOOK (saved; VBA and ribbon kept).

    \b
    Example:
      smsync-xl refresh ~/SMSync/SMSync.xlsm --yes
    """
    return _button(buttons.refresh(_file_book(book, yes, rewrite=True, force=force)))


@main.command("check-all")
@book_argument
@force_option
@handles_problems
def check_all(book: Path, force: bool) -> int:
    """Do what the Check All button does: tick every visible row of BOOK's Sage50-only
    sheet that the default selection takes (active NEW, DIFFERENT with changes); rows
    hidden by a filter stay as they are.

    \b
    Example:
      smsync-xl check-all ~/SMSync/SMSync.xlsm
    """
    return _button(buttons.check_all(_file_book(book, yes=False, rewrite=True, force=force)))


@main.command()
@book_argument
@yes_option
@force_option
@handles_problems
def synchronize(book: Path, yes: bool, force: bool) -> int:
    """Do what the Synchronize button does: bring BOOK's ticked rows into SMSTurbo.

    \b
    Example:
      smsync-xl synchronize ~/SMSync/SMSync.xlsm --yes
    """
    return _button(buttons.synchronize(_file_book(book, yes, rewrite=True, force=force)))


@main.command("excel-check")
@click.option(
    "--folder",
    type=click.Path(file_okay=False, path_type=Path),
    help="Install the throw-away workbook here and keep it (default: a temporary folder).",
)
@handles_problems
def excel_check(folder: Path | None) -> int:
    """Run the whole flow in real Excel (Windows or macOS) and check every effect:
    Refresh, a filter, Check All through the ribbon's VBA, Synchronize, Undo and the
    Excel functions, on a throw-away copy with the demo data. Prints a short report to
    paste into an e-mail; exit 0 when every check passed, 1 when one failed, 2 when this
    computer has no Excel.

    \b
    Example:
      smsync-xl excel-check
      smsync-xl excel-check --folder C:\\Temp\\SMSyncCheck
    """
    from smsync_xl.pc.excel_check import excel_check as check_in_excel

    # Excel may still hold the throw-away workbook (or Python a DLL) when the folder is
    # removed: the report matters, the leftover temporary folder does not.
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as scratch:
        report = check_in_excel(folder or Path(scratch) / "SMSync")
    if report is None:
        _echo(
            f"excel-check needs Microsoft Excel on Windows or macOS; none could be started "
            f"here ({sys.platform}). Run it on the computer where the bookkeeper uses Excel.",
            err=True,
        )
        return EXIT_NO_EXCEL
    _echo("\n".join(report.lines()))
    return 0 if report.passed else EXIT_PROBLEM


@main.command()
@settings_option
@click.option(
    "--book",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Take the settings from this workbook's Setup sheet instead.",
)
@handles_problems
def doctor(settings_path: Path, book: Path | None) -> int:
    """Check Excel's side (with --book: the workbook's xlwings.conf and Python, its
    xlwings version, the DLL of the Excel functions, Mark of the Web, Trusted Location,
    the folder; pywin32 or the Mac AppleScript), ODBC drivers and DSNs, 32/64-bit, and
    both connections; say how to fix each problem (exit 1 when there is one).

    \b
    Examples:
      smsync-xl doctor --settings settings.toml
      smsync-xl doctor --book ~/SMSync/SMSync.xlsm
    """
    from smsync_xl.book.setup_sheet import read_setup
    from smsync_xl.pc.doctor import diagnose

    settings, problem = None, None
    try:
        if book is not None:
            settings = read_setup(_file_book(book, yes=False))[0]
        elif settings_path.exists():
            settings = load_settings(settings_path)
    except SmsyncError as error:
        problem = error
    report = diagnose(settings, _prompt(), problem, book=book)
    _echo("\n".join(report.lines))
    if not report.problems:
        _echo("No problems found.")
        return 0
    _echo(f"\n{len(report.problems)} problem(s):")
    for what, fix in report.problems:
        _echo(f"  - {what}\n    Fix: {fix}")
    return EXIT_PROBLEM


@main.group()
def password() -> None:
    """Keep the Sage 50 / SMSTurbo database passwords in the system keyring
    (Windows Credential Manager), never in the workbook or the settings.

    \b
    Example:
      smsync-xl password set sage50
    """


@password.command("set")
@click.argument("side", type=click.Choice(sorted(passwords.ENV)))
@handles_problems
def set_password(side: str) -> int:
    """Ask for SIDE's password (hidden) and keep it in the system keyring.

    \b
    Examples:
      smsync-xl password set sage50      # the Sage 50 Data Access password
      smsync-xl password set smsturbo
    Headless runs may set SMSYNC_SAGE50_PASSWORD / SMSYNC_SMSTURBO_PASSWORD instead.
    """
    secret = click.prompt(f"{side} password", hide_input=True, confirmation_prompt=True)
    keyring_name = passwords.store(side, secret)
    _echo(f"Password for {side} kept in the system keyring ({keyring_name}).")
    return 0
