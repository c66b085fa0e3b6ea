"""``smsync-xl``: the headless way to run what the workbook's buttons do.

A thin face over the application layer (``app``; the workbook commands run the same
use cases as the buttons, ``app.workbook_buttons``): each command parses its options,
calls one use case and prints the typed result. Exit codes: 0 done; 1 a
problem you can fix (the message says what and where); 2 wrong usage; 3 synchronized,
but some rows were refused as conflicts (compare again: refresh or plan), or undone, but
some records were left alone because they changed since; 128 + the signal when
interrupted (130 Ctrl-C, 129 terminal closed, 143 SIGTERM: the message says whether
SMSTurbo was changed).
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import shlex
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
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
from smsync_xl.app.run_record import LOG_FILE_NAME, LogEntry, entry
from smsync_xl.app.saved_plan import load_plan, save_plan
from smsync_xl.connections import passwords
from smsync_xl.connections.passwords import Prompt
from smsync_xl.core.compare import Plan
from smsync_xl.core.errors import SmsyncError
from smsync_xl.core.fields import ENTITIES
from smsync_xl.core.settings import Settings
from smsync_xl.core.vocabulary import Edition, LogAction, View, Words
from smsync_xl.files.run_log import append_log, check_log
from smsync_xl.files.settings_file import load_settings
from smsync_xl.sync.apply import Chosen, Progress, SyncResult

if TYPE_CHECKING:
    from smsync_xl.book.file import FileBook
    from smsync_xl.smsturbo.store import SMSTurboStore

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
            book, settings = kwargs.get("book"), kwargs.get("settings_path")
            if isinstance(book, Path):
                interrupts.advise(interrupts.book_advice(str(book)))
            elif isinstance(settings, Path):
                interrupts.advise(interrupts.settings_advice(str(settings)))
            try:
                code = command(*args, **kwargs)
            except SmsyncError as error:
                _tell(f"Error: {error.worded(_words(book, settings))}")
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


def _ask(question: str, *, stopped: str | None = None, about: str | None = None) -> bool:
    """click.confirm, except that with nobody to answer (the input has ended: no
    terminal, a closed pipe) it is a plain message naming --yes, and Ctrl-C at the
    question is the interrupt it is. ``about`` names the question in that message; with
    ``stopped`` (the step's name), No ends the command saying nothing was changed."""
    try:
        answer = click.confirm(question, default=False)
    except (click.Abort, OSError) as ended:
        if isinstance(ended, OSError):
            _gone(ended, sys.stdout)
        if isinstance(ended, OSError) or isinstance(ended.__context__, EOFError):
            raise SmsyncError(
                f"SMSync asked '{about or question}' but nobody can answer: there is no "
                "terminal (the input has ended)",
                advice="Run the command again with --yes to answer Yes to every question, or "
                "run it in a terminal to answer yourself. Nothing was changed.",
            ) from None
        if isinstance(ended.__context__, KeyboardInterrupt):
            raise ended.__context__ from None
        raise
    if stopped is not None and not answer:
        _echo(f"{stopped} stopped; nothing was changed.", err=True)
        sys.exit(EXIT_PROBLEM)
    return answer


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
    "--yes",
    is_flag=True,
    help="Answer Yes to every question (the company, confirmations); the view is the "
    "settings' or --view, never a question.",
)
book_argument = click.argument("book", type=click.Path(exists=True, dir_okay=False, path_type=Path))
optional_book_argument = click.argument(
    "book", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)


force_option = click.option(
    "--force",
    is_flag=True,
    help="Rewrite BOOK even though an office lock file says it is open (left from a crash).",
)
list_option = click.option(
    "--list",
    "list_key",
    type=click.Choice(list(ENTITIES)),
    default=None,
    help="Which list (default: the one BOOK's Setup names).",
)
log_option = click.option(
    "--log",
    "log_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help=f"Append what the workbook's Log would hold to this file (default: {LOG_FILE_NAME} "
    "beside the workbook or settings file).",
)
verbose_option = click.option(
    "-v", "--verbose", is_flag=True, help="Also show (and log) every record's before and after."
)


def _entity_key(choice: str) -> str | None:
    return None if choice == "all" else choice


def _echo_skipped(skipped: list[str]) -> None:
    for reason in skipped:
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


@contextlib.contextmanager
def _progress_bar(total: int) -> Iterator[Progress]:
    """The bar on stderr, advanced as each of ``total`` records is written."""
    with click.progressbar(
        length=total, label="Synchronizing", file=cast(TextIO, _ProgressStream())
    ) as bar:
        yield bar.update


def _synchronize(session: app.Session, chosen: Chosen) -> SyncResult:
    with _progress_bar(sum(len(ids) for ids in chosen.values())) as progress:
        return app.synchronize(session, chosen, progress=progress)


def _compare_again(settings_path: Path) -> str:
    """How the command line compares both systems again, for a refused row."""
    return f"run 'smsync-xl plan --settings {settings_path}'"


def _exit_code(result: SyncResult) -> int:
    return EXIT_CONFLICTS if result.conflicts else 0


def _echo_plans(plans: list[Plan], view: View) -> None:
    for each in plans:
        _echo("\n".join(plan_lines(each, view)))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="smsync-xl")
def main() -> None:
    """Bring Sage 50 (US, Canada, UK) customers, vendors and items into SMSTurbo, one way,
    audited.

    \b
    With a settings file (plan, sync, undo, runs):
      smsync-xl demo ./demo                      # demo company, plan, synchronize
      smsync-xl plan --settings demo/settings.toml --view missing_only
      smsync-xl sync --settings demo/settings.toml --entity customers PROSPECT1 RETAIL
      smsync-xl undo --settings demo/settings.toml --yes
      smsync-xl runs --settings demo/settings.toml
    On the workbook, one command per ribbon button (its Setup gives the connections):
      smsync-xl install --dest ~/SMSync --demo      # the workbook + xlwings.conf
      smsync-xl refresh ~/SMSync/SMSync.xlsm --yes  # --list vendors, --view missing_only
      smsync-xl check-all ~/SMSync/SMSync.xlsm      # uncheck-all; tick/untick BOOK ID...
      smsync-xl synchronize ~/SMSync/SMSync.xlsm --yes
      smsync-xl runs ~/SMSync/SMSync.xlsm --details 1
      smsync-xl undo ~/SMSync/SMSync.xlsm --yes
    This computer:
      smsync-xl doctor --settings settings.toml     # drivers, DSNs, both connections
      smsync-xl password set sage50                 # keep the password in the keyring
    Runs that change something append their Log line to SMSync-log.txt beside the
    workbook or settings file (--log FILE for another; -v adds every record's change).
    """


edition_option = click.option(
    "--edition",
    type=click.Choice([e.value for e in Edition]),
    default="us",
    show_default=True,
    help="Which Sage 50 edition the demo company is (us: Sage 50 US; canada: Sage 50 "
    "Canadian Edition; uk: Sage 50 Accounts (UK); their tables in an SQLite file).",
)


@main.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path), default="smsync-demo")
@click.option(
    "--force", is_flag=True, help="Replace the demo files already in FOLDER (settings included)."
)
@edition_option
@handles_problems
def demo(folder: Path, force: bool, edition: str) -> int:
    """Create a demo Sage 50 company and SMSTurbo database in FOLDER, show the plan,
    synchronize what Check All would tick (every active NEW record and every DIFFERENT
    one with changes to apply), and show what is left.

    \b
    Examples:
      smsync-xl demo ./demo
      smsync-xl demo ./demo --force    # start the demo over: its files are replaced
      smsync-xl demo ./demo-ca --edition canada
      smsync-xl demo ./demo-uk --edition uk
    """
    ran = app.run_demo(
        folder, force=force, edition=Edition(edition), prompt=_prompt(), progress=_progress_bar
    )
    settings_path, session, result = ran.settings_path, ran.session, ran.result
    _echo(f"Demo written to {folder}/ (settings: {settings_path})")
    _echo(f"{session.settings.edition.words.product} company: {inert(session.company())}\n")
    _echo_skipped(ran.before.skipped)
    for each in ran.before.plans:
        for view in (View.MISSING_ONLY, View.NOT_IN_SYNC):
            _echo("\n".join(plan_lines(each, view)) + "\n")
    _echo("Synchronizing what Check All ticks (active NEW, DIFFERENT with changes):")
    _echo("\n".join(result_lines(result, _compare_again(settings_path))) + "\n")
    _echo("After synchronizing:")
    for each in ran.after:
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
    _echo(f"{session.settings.edition.words.product} company: {inert(company)}")
    found = app.plans(session, _entity_key(entity))
    _echo_skipped(found.skipped)
    plans = found.plans
    _echo_plans(plans, _view(session.settings, view))
    _echo(_preview_line(app.preview(plans)))
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
@log_option
@verbose_option
@handles_problems
def sync(
    settings_path: Path,
    entity: str,
    plan_path: Path | None,
    yes: bool,
    include_inactive: bool,
    ids: tuple[str, ...],
    log_path: Path | None,
    verbose: bool,
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
    settings = load_settings(settings_path)
    log_file = _log_checked(log_path, settings_path, _named_files(settings, plan_path))
    session = app.open_session(settings, prompt=_prompt())
    choice = app.choose(
        session, _entity_key(entity), ids, include_inactive=include_inactive, saved=saved
    )
    _echo_skipped(choice.skipped)
    plan_name = f"{plan_path} ({entity})" if saved is not None else None
    refused = _refused(choice, entity, settings_path, plan_name)
    chosen = choice.chosen
    for line in refused:
        _echo(line, fg="yellow", err=True)
    total = sum(len(marks) for marks in chosen.values())
    if total == 0:
        _echo("Nothing to synchronize.")
        return EXIT_PROBLEM if refused else 0
    if not yes:
        question = app.synchronize_question(session.company(), chosen)
        _ask(
            f"Synchronize {question.total} record(s) ({_names(question)}) from Sage 50 company "
            f"'{inert(question.company)}' into SMSTurbo?",
            stopped=LogAction.SYNCHRONIZE,
        )
    result = _synchronize(session, chosen)
    _echo("\n".join(result_lines(result, _compare_again(settings_path))))
    if result.run_id is not None:
        logged = entry(
            session.company(),
            LogAction.SYNCHRONIZE,
            result.summary(),
            result.run_id,
            _runs_hint(settings_path, result.run_id),
        )
        details = _details(lambda: session.store, result.run_id, verbose)
        _record(log_file, logged, details, _held_by_settings(settings_path))
    return _exit_code(result)


def _preview_line(preview: app.Preview) -> str:
    line = (
        f"sync without IDs would create {preview.create}, update {preview.update}, "
        f"leave {preview.invalid} INVALID"
    )
    if preview.not_taken:
        line += f" and {preview.not_taken} NEW or DIFFERENT it does not take by default"
    return line + "."


def _names(question: app.SynchronizeQuestion) -> str:
    """The first records chosen, by list, then how many more."""
    by_list: dict[str, list[str]] = {}
    for key, record_id in question.first:
        by_list.setdefault(key, []).append(record_id)
    names = "; ".join(
        f"{ENTITIES[key].plural.lower()} {', '.join(ids)}" for key, ids in by_list.items()
    )
    return inert(names + (f" and {question.more} more" if question.more > 0 else ""))


def _refused(
    choice: app.Choice, entity: str, settings_path: Path, plan_name: str | None
) -> list[str]:
    """A line for each ID asked for and not taken, so none is skipped without a word."""
    if not choice.unknown:
        refused = []
    elif plan_name is not None:
        refused = [f"Not in the saved plan {plan_name}: {', '.join(choice.unknown)}"]
    else:
        refused = [f"Not found in Sage 50 ({entity}): {', '.join(choice.unknown)}"]
    return refused + [_left_out_line(each, settings_path) for each in choice.left_out]


@main.command()
@optional_book_argument
@settings_option
@yes_option
@force_option
@log_option
@verbose_option
@handles_problems
def undo(
    book: Path | None,
    settings_path: Path,
    yes: bool,
    force: bool,
    log_path: Path | None,
    verbose: bool,
) -> int:
    """Undo the last synchronization (records changed since are left alone): with BOOK,
    what its Undo button does (the connections from its Setup, a row on its Log);
    otherwise with the settings file.

    \b
    Examples:
      smsync-xl undo ~/SMSync/SMSync.xlsm --yes
      smsync-xl undo --settings demo/settings.toml --yes
    """
    if book is not None:
        return _committing_button(
            book,
            buttons.undo_last,
            yes=yes,
            force=force,
            log_path=log_path,
            verbose=verbose,
        )
    settings = load_settings(settings_path)
    log_file = _log_checked(log_path, settings_path, _named_files(settings))
    store = app.open_session(settings, prompt=_prompt()).store
    run = app.last_synchronization(store)
    if not yes:
        _ask(app.undo_question(store, run, one_line=True), stopped=LogAction.UNDO)
    result = app.undo_last(store)
    _echo("\n".join(undo_lines(result)))
    logged = entry(
        run.company,
        LogAction.UNDO,
        result.summary(),
        result.undo_run,
        _runs_hint(settings_path, result.undo_run),
    )
    details = _details(lambda: store, result.undo_run, verbose)
    _record(log_file, logged, details, _held_by_settings(settings_path))
    return EXIT_CONFLICTS if result.left_alone else 0


def _runs_hint(settings_path: Path, run_id: int) -> str:
    return f"every record: smsync-xl runs --settings {settings_path.resolve()} --details {run_id}"


@main.command()
@optional_book_argument
@settings_option
@click.option("--details", type=int, help="Show every before/after value of this run.")
@handles_problems
def runs(book: Path | None, settings_path: Path, details: int | None) -> int:
    """List the audited synchronizations and undos, newest first: of the SMSTurbo
    database BOOK's Setup names, or else the settings file's.

    \b
    Examples:
      smsync-xl runs ~/SMSync/SMSync.xlsm --details 1
      smsync-xl runs --settings demo/settings.toml
      smsync-xl runs --settings demo/settings.toml --details 1
    """
    store = _book_store(book) if book is not None else _session(settings_path).store
    if details is None:
        _echo("\n".join(run_lines(app.runs(store))) or "No synchronization yet.")
    else:
        source = shlex.quote(str(book)) if book is not None else _settings_named(settings_path)
        listed_by = f"smsync-xl runs {source}"
        _echo("\n".join(change_lines(app.run_changes(store, details, listed_by))))
    return 0


def _settings_named(settings_path: Path) -> str:
    return f"--settings {shlex.quote(str(settings_path))}"


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
@edition_option
@handles_problems
def install(
    dest: Path,
    with_demo: bool,
    force: bool,
    xlwings_wheel: Path | None,
    trust: bool,
    edition: str,
) -> int:
    """Copy the workbook to DEST and write xlwings.conf beside it for this Python (every
    xlwings setting SMSync relies on, so none comes from your ~/.xlwings/xlwings.conf).
    On a Mac, also copy xlwings' AppleScript for Excel. Prints the next steps.

    \b
    Examples:
      smsync-xl install --dest ~/Documents/SMSync --demo
      smsync-xl install --dest ~/Documents/SMSync --demo --edition canada
      smsync-xl install --dest ~/Documents/SMSync --demo --edition uk
      smsync-xl install --dest C:\\SMSync --force     # replace it (old one kept, dated)
      smsync-xl install --dest C:\\SMSync --trust
      smsync-xl install --force --xlwings-wheel xlwings-0.37.8-cp311-cp311-win_amd64.whl
    """
    from smsync_xl.pc.install import CONF_NAME, folder_warnings, next_steps
    from smsync_xl.pc.install import install as install_workbook

    installed = install_workbook(
        dest,
        with_demo=with_demo,
        force=force,
        xlwings_wheel=xlwings_wheel,
        trust=trust,
        edition=Edition(edition),
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


def _words(book: object, settings_path: object) -> Words:
    """How a command's messages name the next step: the workbook's commands for a
    workbook, ``plan`` for a settings file."""
    if isinstance(book, Path):
        return _command_words(book)
    shown = f" --settings {settings_path}" if isinstance(settings_path, Path) else ""
    return Words(
        refresh=f"run 'smsync-xl plan{shown}'",
        synchronize=f"run 'smsync-xl sync{shown}'",
        twice="another smsync-xl command?",
        again="run the command again",
        fewer="name fewer IDs, or one list with --entity",
        show_list=f"run 'smsync-xl plan{shown} --entity {{list}}'",
    )


def _command_words(book: Path) -> Words:
    """The workbook's messages as the command line says them."""
    return Words(
        refresh=f"run 'smsync-xl refresh {book}'",
        synchronize=f"run 'smsync-xl synchronize {book}'",
        twice="another smsync-xl command, or a button in Excel?",
        again="run the command again",
        show_list=f"run 'smsync-xl refresh {book} --list {{list}}'",
        fewer=f"tick fewer rows ('smsync-xl untick {book} ID …')",
    )


class _Alerts:
    """What the workbook's dialogs said, printed once: a button's last line is often its
    last dialog too."""

    def __init__(self) -> None:
        self.said: list[str] = []

    def __call__(self, message: str) -> None:
        self.said.append(message)
        _echo(message)


def _file_book(
    path: Path,
    yes: bool,
    *,
    rewrite: bool = False,
    force: bool = False,
    alerts: _Alerts | None = None,
) -> FileBook:
    """The workbook file; one the command will ``rewrite`` is refused while Excel or
    LibreOffice has it open, unless ``force``. ``yes`` answers the company question and
    the confirmations (the view comes from the Setup or --view, never a question)."""
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
        alert=alerts if alerts is not None else _echo,
        status=status,
        ask_password=_prompt() or (lambda _: None),
        progress=TerminalProgress(cast(TextIO, _ProgressStream())),
    )


def _log_checked(log_path: Path | None, beside: Path, named: list[Path]) -> Path:
    """The log file (``log_path`` or the one beside the workbook or settings file),
    refused before the run does anything if it is ``beside`` or a file ``named`` (the
    settings' databases), no text log, or a --log that cannot be written (a folder
    others share may keep SMSync from writing there; its own problem is told first)."""
    path = log_path or beside.parent / LOG_FILE_NAME
    check_log(path, [beside, *named], writable=log_path is not None)
    return path


def _named_files(settings: Settings, *more: Path | None) -> list[Path]:
    """The files the settings name (databases, mapping) and ``more``: none is a log."""
    named = (settings.sage50.path, settings.smsturbo.path, settings.mapping, *more)
    return [path for path in named if path is not None]


def _held_by_settings(settings_path: Path) -> str:
    named = shlex.quote(str(settings_path))
    return f"SMSTurbo holds the run already (see 'smsync-xl runs --settings {named}')"


def _held_by_book(book: Path) -> str:
    return (
        "SMSTurbo and the workbook's Log hold the run already (see "
        f"'smsync-xl runs {shlex.quote(str(book))}')"
    )


def _record(log_path: Path, logged: LogEntry | None, details: list[str], held: str) -> None:
    """The run's line (and with -v its details) in the log file of headless runs."""
    if logged is None:
        return
    append_log(log_path, [logged.line(), *details], held)


def _details(store_of: Callable[[], SMSTurboStore], run_id: int | None, verbose: bool) -> list[str]:
    """With -v, every record's before and after of the run, printed."""
    if not verbose or run_id is None:
        return []
    lines = change_lines(app.run_changes(store_of(), run_id))
    _echo("\n".join(lines))
    return lines


def _button(
    book: Path,
    press: Callable[[FileBook, Words], buttons.Finished | None],
    *,
    yes: bool = False,
    force: bool = False,
    log_path: Path | None = None,
    verbose: bool = False,
    logs: bool = False,
    unsaved: Sequence[LogEntry] = (),
) -> int:
    """Run a button's use case on BOOK: its output printed once, its exit code, and for
    a button that ``logs`` its Log row also in the log file (checked before it runs);
    ``unsaved`` gets the Log line of a run the workbook could not keep, for that file."""
    alerts = _Alerts()
    log_file = _log_checked(log_path, book, []) if logs else None
    port = _file_book(book, yes, rewrite=True, force=force, alerts=alerts)
    finished = press(port, _command_words(book))
    if finished is None:
        if log_file is not None:
            for logged_anyway in unsaved:
                _record(log_file, logged_anyway, [], _held_by_book(book))
        return EXIT_PROBLEM
    if not any(finished.summary in said for said in alerts.said):
        _echo(finished.summary)
    logged = finished.logged
    run_id = logged.run_id if logged is not None else None
    details = _details(lambda: _book_store(book), run_id, verbose)
    if log_file is not None:
        _record(log_file, logged, details, _held_by_book(book))
    synchronized = finished.synchronized
    if synchronized is not None:
        return _exit_code(synchronized)
    return EXIT_CONFLICTS if finished.left_alone else 0


def _committing_button(
    book: Path,
    button: buttons.Button,
    *,
    yes: bool,
    force: bool,
    log_path: Path | None,
    verbose: bool,
) -> int:
    """A button that writes SMSTurbo: a run the workbook could not keep still gets its
    line in the log file (the run that most needs a record)."""
    unsaved: list[LogEntry] = []
    return _button(
        book,
        lambda port, words: button(port, words, unsaved=unsaved.append),
        yes=yes,
        force=force,
        log_path=log_path,
        verbose=verbose,
        logs=True,
        unsaved=unsaved,
    )


def _book_store(book: Path) -> SMSTurboStore:
    """The SMSTurbo database BOOK's Setup names."""
    from smsync_xl.book.setup_sheet import read_setup

    settings = read_setup(_file_book(book, yes=False))[0]
    return app.open_store(settings, prompt=_prompt())


@main.command()
@book_argument
@list_option
@view_option
@yes_option
@force_option
@log_option
@handles_problems
def refresh(
    book: Path,
    list_key: str | None,
    view: str | None,
    yes: bool,
    force: bool,
    log_path: Path | None,
) -> int:
    """Do what the Refresh button does (with --list: the Customers, Vendors or
    Materials button), on BOOK (saved; VBA and ribbon kept). The view is --view, or
    else the Setup's; where the Setup says "ask each time", every record not in sync.

    \b
    Examples:
      smsync-xl refresh ~/SMSync/SMSync.xlsm --yes
      smsync-xl refresh ~/SMSync/SMSync.xlsm --list vendors --view missing_only --yes
    """
    lists = buttons.Lists(
        entity=ENTITIES[list_key] if list_key else None,
        view=View(view) if view else None,
        ask_view=False,
    )
    return _button(
        book,
        lambda port, words: buttons.show_lists(lists, port, words),
        yes=yes,
        force=force,
        log_path=log_path,
        logs=True,
    )


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
    return _button(book, buttons.check_all, force=force)


@main.command("uncheck-all")
@book_argument
@force_option
@handles_problems
def uncheck_all(book: Path, force: bool) -> int:
    """Do what the Uncheck All button does: clear Include on every row of BOOK's
    Sage50-only sheet, hidden by a filter or not.

    \b
    Example:
      smsync-xl uncheck-all ~/SMSync/SMSync.xlsm
    """
    return _button(book, buttons.uncheck_all, force=force)


def _tick_rows(
    book: Path, ids: tuple[str, ...], list_key: str | None, force: bool, *, tick: bool
) -> int:
    return _button(
        book,
        lambda port, words: buttons.tick_ids(port, ids, tick=tick, entity=list_key, words=words),
        force=force,
    )


@main.command()
@book_argument
@click.argument("ids", nargs=-1, required=True)
@list_option
@force_option
@handles_problems
def tick(book: Path, ids: tuple[str, ...], list_key: str | None, force: bool) -> int:
    """Tick Include on the rows of these IDs on BOOK's Sage50-only sheet, as typing x
    does (an ID not listed there is named, and nothing is changed).

    \b
    Example:
      smsync-xl tick ~/SMSync/SMSync.xlsm PROSPECT1 DIFFNAME
    """
    return _tick_rows(book, ids, list_key, force, tick=True)


@main.command()
@book_argument
@click.argument("ids", nargs=-1, required=True)
@list_option
@force_option
@handles_problems
def untick(book: Path, ids: tuple[str, ...], list_key: str | None, force: bool) -> int:
    """Clear Include on the rows of these IDs on BOOK's Sage50-only sheet.

    \b
    Example:
      smsync-xl untick ~/SMSync/SMSync.xlsm DIFFNAME
    """
    return _tick_rows(book, ids, list_key, force, tick=False)


@main.command()
@book_argument
@yes_option
@force_option
@log_option
@verbose_option
@handles_problems
def synchronize(book: Path, yes: bool, force: bool, log_path: Path | None, verbose: bool) -> int:
    """Do what the Synchronize button does: bring BOOK's ticked rows into SMSTurbo.

    \b
    Example:
      smsync-xl synchronize ~/SMSync/SMSync.xlsm --yes
    """
    return _committing_button(
        book,
        buttons.synchronize,
        yes=yes,
        force=force,
        log_path=log_path,
        verbose=verbose,
    )


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
    from smsync_xl.pc.doctor import diagnose, doctor_settings

    def book_setup(book: Path) -> Settings:
        return read_setup(_file_book(book, yes=False))[0]

    settings, problem = doctor_settings(
        settings_path, functools.partial(book_setup, book) if book is not None else None
    )
    report = diagnose(settings, _prompt(), problem, book=book, words=_words(book, settings_path))
    _echo("\n".join(report.lines))
    if not report.problems and report.unused_broken:
        _echo(
            f"No problem for these settings: the driver(s) marked PROBLEM above "
            f"({', '.join(report.unused_broken)}) are not used by them."
        )
        return 0
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


def _settings_of(settings_path: Path, book: Path | None) -> Settings:
    """The settings file's settings, or the workbook's Setup sheet's."""
    if book is None:
        return load_settings(settings_path)
    from smsync_xl.book.setup_sheet import read_setup

    return read_setup(_file_book(book, yes=False))[0]


@main.group()
def ids() -> None:
    """The SMSTurbo IDs SMSTurbo remembers for Sage 50 records that bring none (Sage 50
    Canada's customers and vendors, UK codes too long): list, set, forget; in the
    SMSTurbo database BOOK's Setup names, or else the settings file's.

    \b
    Examples:
      smsync-xl ids list --settings demo-ca/settings.toml
      smsync-xl ids set customers 12 BETON-MTL --settings demo-ca/settings.toml
      smsync-xl ids forget customers 12 ~/SMSync/SMSync.xlsm
    """


entity_argument = click.argument("entity", type=click.Choice(list(ENTITIES)))


@ids.command("list")
@optional_book_argument
@settings_option
@handles_problems
def list_ids(book: Path | None, settings_path: Path) -> int:
    """List the remembered IDs: list, Sage 50 key (Canada's record number, else the
    code), SMSTurbo ID.

    \b
    Examples:
      smsync-xl ids list --settings demo-ca/settings.toml
      smsync-xl ids list ~/SMSync/SMSync.xlsm
    """
    remembered = app.remembered_ids(_settings_of(settings_path, book), prompt=_prompt())
    for each in remembered:
        _echo(f"{each.entity:<10} {inert(each.source_key):<32} {inert(each.turbo_id)}")
    if not remembered:
        _echo("SMSTurbo remembers no ID yet.")
    return 0


@ids.command("set")
@entity_argument
@click.argument("source_key")
@click.argument("turbo_id")
@optional_book_argument
@settings_option
@handles_problems
def set_id(
    entity: str, source_key: str, turbo_id: str, book: Path | None, settings_path: Path
) -> int:
    """Remember TURBO_ID for the Sage 50 record SOURCE_KEY (Canada: its record number,
    shown by 'ids list' and in the Reason; UK/US: its code). Links it to that SMSTurbo
    record if there is one; the next Refresh shows the pair.

    \b
    Examples:
      smsync-xl ids set customers 12 BETON-MTL --settings demo-ca/settings.toml
      smsync-xl ids set materials "PIPE/150/CLASS-B" PIPE-150-B --settings demo-uk/settings.toml
    """
    app.set_id(_settings_of(settings_path, book), entity, source_key, turbo_id, prompt=_prompt())
    _echo(f"SMSTurbo ID {turbo_id} remembered for {entity} {source_key}.")
    return 0


@ids.command("forget")
@entity_argument
@click.argument("source_key")
@optional_book_argument
@settings_option
@handles_problems
def forget_id(entity: str, source_key: str, book: Path | None, settings_path: Path) -> int:
    """Forget the ID remembered for SOURCE_KEY: the next Refresh suggests one again.

    \b
    Example:
      smsync-xl ids forget customers 12 --settings demo-ca/settings.toml
    """
    app.forget_id(_settings_of(settings_path, book), entity, source_key, prompt=_prompt())
    _echo(f"The SMSTurbo ID of {entity} {source_key} is forgotten.")
    return 0
