"""``smsync-xl``: the headless way to run what the workbook's buttons do.

Exit codes: 0 done; 1 a problem you can fix (the message says how); 2 wrong usage;
3 synchronized, but some rows were refused as conflicts (press Refresh / run plan again).
"""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Callable
from pathlib import Path

import click

from smsync_xl import macros
from smsync_xl.book.build import build
from smsync_xl.book.file import FileBook
from smsync_xl.book.layout import RESULT, SAGE_ONLY, SUMMARY_CELL
from smsync_xl.book.setup_sheet import read_setup
from smsync_xl.connections import passwords
from smsync_xl.connections.passwords import Prompt
from smsync_xl.core.compare import MISSING_ONLY, NOT_IN_SYNC, Plan, Status
from smsync_xl.core.errors import SmsyncError
from smsync_xl.core.fields import ENTITIES, INACTIVE, Entity
from smsync_xl.core.resources import CHECKOUT_WORKBOOK
from smsync_xl.core.settings import ASK, Settings, load_settings
from smsync_xl.demo.company import create_demo
from smsync_xl.doctor import diagnose
from smsync_xl.install import install as install_workbook
from smsync_xl.report import counts_line, plan_lines, result_lines, run_lines
from smsync_xl.sides import open_source, open_store
from smsync_xl.smsturbo.store import SMSTurboStore
from smsync_xl.sync.apply import CONFLICT, Source, SyncResult, apply, make_plan
from smsync_xl.sync.undo import undo_last

EXIT_PROBLEM = 1
EXIT_CONFLICTS = 3

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
    type=click.Choice(["customers", "vendors", "all"]),
    default="all",
    show_default=True,
    help="Which records.",
)
view_option = click.option(
    "--view",
    type=click.Choice([NOT_IN_SYNC, MISSING_ONLY]),
    default=None,
    help="Which lists to show (default: the settings' view).",
)


def _entities(choice: str) -> list[Entity]:
    return list(ENTITIES.values()) if choice == "all" else [ENTITIES[choice]]


def _view(settings: Settings, view: str | None) -> str:
    chosen = view or settings.view
    return NOT_IN_SYNC if chosen == ASK else chosen


def _run(action: Callable[[], int | None]) -> None:
    """Turn a user-fixable problem into its message and exit code 1."""
    try:
        code = action()
    except SmsyncError as error:
        click.secho(f"Error: {error}", fg="red", err=True)
        sys.exit(EXIT_PROBLEM)
    sys.exit(code or 0)


def _prompt() -> Prompt | None:
    """Ask for a missing password only when someone is there to type it."""
    if not sys.stdin.isatty():
        return None
    return lambda question: click.prompt(question, hide_input=True, err=True)


def _sides(settings: Settings) -> tuple[Source, SMSTurboStore]:
    return open_source(settings, prompt=_prompt()), open_store(settings, prompt=_prompt())


def _apply_with_progress(
    source: Source, store: SMSTurboStore, settings: Settings, chosen: dict[str, dict[str, str]]
) -> SyncResult:
    total = sum(len(ids) for ids in chosen.values())
    with click.progressbar(length=total, label="Synchronizing", file=sys.stderr) as bar:
        return apply(
            source,
            store,
            settings,
            chosen,
            user=getpass.getuser(),
            progress=bar.update,
        )


def _exit_code(result: SyncResult) -> int:
    return EXIT_CONFLICTS if result.count(CONFLICT) else 0


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
def demo(folder: Path) -> None:
    """Create a demo Sage 50 company and SMSTurbo database in FOLDER, show the plan,
    synchronize every active NEW and every DIFFERENT record, and show what is left.

    \b
    Example:
      smsync-xl demo ./demo
    """

    def run() -> int:
        settings_path = create_demo(folder)
        settings = load_settings(settings_path)
        source, store = _sides(settings)
        click.echo(f"Demo written to {folder}/ (settings: {settings_path})")
        click.echo(f"Sage 50 company: {source.company_name()}\n")
        chosen: dict[str, dict[str, str]] = {}
        for entity in ENTITIES.values():
            plan = make_plan(entity, source, store, settings)
            for view in (MISSING_ONLY, NOT_IN_SYNC):
                click.echo("\n".join(plan_lines(plan, view)) + "\n")
            ids = [
                r.id
                for r in plan.rows
                if r.status is Status.DIFFERENT
                or (r.status is Status.NEW and r.sage.get("credit_status") != INACTIVE)
            ]
            chosen[entity.key] = plan.chosen(ids)
        click.echo("Synchronizing every active NEW record and every DIFFERENT record:")
        result = _apply_with_progress(source, store, settings, chosen)
        click.echo("\n".join(result_lines(result)) + "\n")
        click.echo("After synchronizing:")
        for entity in ENTITIES.values():
            click.echo("  " + counts_line(make_plan(entity, source, store, settings)))
        click.echo(
            f"\nNext: smsync-xl plan --settings {settings_path}   "
            f"or   smsync-xl undo --settings {settings_path}"
        )
        return 0

    _run(run)


@main.command()
@settings_option
@entity_option
@view_option
@click.option(
    "--save",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Save the plan (IDs and fingerprints) for 'sync --plan'.",
)
def plan(settings_path: Path, entity: str, view: str | None, save: Path | None) -> None:
    """Read both systems and show what Synchronize would do.

    \b
    Example:
      smsync-xl plan --settings demo/settings.toml --entity vendors --view missing_only
    """

    def run() -> int:
        settings = load_settings(settings_path)
        source, store = _sides(settings)
        click.echo(f"Sage 50 company: {source.company_name()}")
        plans = [make_plan(e, source, store, settings) for e in _entities(entity)]
        for each in plans:
            click.echo("\n".join(plan_lines(each, _view(settings, view))))
        if save:
            save.write_text(json.dumps(_plan_file(plans), indent=1), encoding="utf-8")
            click.echo(f"Plan saved to {save}")
        return 0

    _run(run)


def _plan_file(plans: list[Plan]) -> dict:
    return {
        p.entity.key: {
            r.id: {
                "status": r.status.value,
                "fingerprint": r.fingerprint,
                "inactive": r.sage.get("credit_status") == INACTIVE,
            }
            for r in p.rows
        }
        for p in plans
    }


@main.command()
@settings_option
@entity_option
@click.option(
    "--plan",
    "plan_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A plan saved by 'plan --save': rows changed since then are refused.",
)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option(
    "--include-inactive",
    is_flag=True,
    help="Without IDs, also take NEW records that are inactive in Sage 50.",
)
@click.argument("ids", nargs=-1)
def sync(
    settings_path: Path,
    entity: str,
    plan_path: Path | None,
    yes: bool,
    include_inactive: bool,
    ids: tuple[str, ...],
) -> None:
    """Synchronize the given IDs, or every active NEW record when no ID is given
    (inactive ones are left out, as the SMSTurbo help advises, unless asked for).

    \b
    Examples:
      smsync-xl sync --settings demo/settings.toml --yes                 # active NEW
      smsync-xl sync --settings demo/settings.toml --entity customers DIFFNAME
      smsync-xl plan --settings demo/settings.toml --save plan.json
      smsync-xl sync --settings demo/settings.toml --plan plan.json --yes
    """

    def run() -> int:
        settings = load_settings(settings_path)
        source, store = _sides(settings)
        saved = json.loads(plan_path.read_text(encoding="utf-8")) if plan_path else None
        chosen: dict[str, dict[str, str]] = {}
        for each in _entities(entity):
            if saved is not None:
                rows = saved.get(each.key, {})
                wanted = ids or [
                    i
                    for i, r in rows.items()
                    if r["status"] == Status.NEW.value and (include_inactive or not r["inactive"])
                ]
                chosen[each.key] = {i: rows[i]["fingerprint"] for i in wanted if i in rows}
            else:
                current = make_plan(each, source, store, settings)
                wanted = ids or [
                    r.id
                    for r in current.rows
                    if r.status is Status.NEW
                    and (include_inactive or r.sage.get("credit_status") != INACTIVE)
                ]
                chosen[each.key] = current.chosen(wanted)
        known = {i for marks in chosen.values() for i in marks}
        unknown = [i for i in ids if i not in known]
        if unknown:
            click.secho(
                f"Not found in Sage 50 ({entity}): {', '.join(unknown)}", fg="yellow", err=True
            )
        total = len(known)
        if total == 0:
            click.echo("Nothing to synchronize.")
            return EXIT_PROBLEM if unknown else 0
        if not yes:
            click.confirm(
                f"Synchronize {total} record(s) from Sage 50 company "
                f"'{source.company_name()}' into SMSTurbo?",
                abort=True,
            )
        result = _apply_with_progress(source, store, settings, chosen)
        click.echo("\n".join(result_lines(result)))
        return _exit_code(result)

    _run(run)


@main.command()
@settings_option
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def undo(settings_path: Path, yes: bool) -> None:
    """Undo the last synchronization (records changed since are left alone).

    \b
    Example:
      smsync-xl undo --settings demo/settings.toml --yes
    """

    def run() -> int:
        settings = load_settings(settings_path)
        store = open_store(settings, prompt=_prompt())
        if not yes:
            click.confirm("Undo the last synchronization?", abort=True)
        result = undo_last(store, user=getpass.getuser())
        for change in result.left_alone:
            click.echo(f"  left alone: {change.entity} {change.record_id} (changed since)")
        click.echo(result.summary())
        return 0

    _run(run)


@main.command()
@settings_option
@click.option("--details", type=int, help="Show every before/after value of this run.")
def runs(settings_path: Path, details: int | None) -> None:
    """List the audited synchronizations and undos, newest first.

    \b
    Examples:
      smsync-xl runs --settings demo/settings.toml
      smsync-xl runs --settings demo/settings.toml --details 1
    """

    def run() -> int:
        store = open_store(load_settings(settings_path), prompt=_prompt())
        if details is None:
            click.echo("\n".join(run_lines(store.runs())) or "No synchronization yet.")
            return 0
        if details not in {r.run_id for r in store.runs()}:
            raise SmsyncError(
                f"there is no run {details}",
                advice="'smsync-xl runs' lists the runs and their numbers.",
            )
        for change in store.changes(details):
            click.echo(f"{change.action:<7} {change.entity:<10} {change.record_id}")
            before, after = change.before or {}, change.after or {}
            for name in sorted(set(before) | set(after)):
                if before.get(name) != after.get(name):
                    click.echo(f"    {name}: {before.get(name)!r} → {after.get(name)!r}")
        return 0

    _run(run)


@main.command("build-workbook")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=CHECKOUT_WORKBOOK,
    show_default=True,
)
def build_workbook(output: Path) -> None:
    """Build SMSync.xlsm from templates/ (the same bytes every time).

    \b
    Example:
      smsync-xl build-workbook
    """
    click.echo(f"Built {build(output)}")


@main.command()
@click.option(
    "--dest",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path.home() / "SMSync",
    show_default=True,
)
@click.option(
    "--demo",
    "with_demo",
    is_flag=True,
    help="Also put the demo Sage 50 company and SMSTurbo database beside it.",
)
@click.option("--force", is_flag=True, help="Replace an existing workbook (kept as a backup).")
def install(dest: Path, with_demo: bool, force: bool) -> None:
    """Copy the workbook to DEST and write xlwings.conf beside it for this Python.

    \b
    Example:
      smsync-xl install --dest ~/Documents/SMSync --demo
    """

    def run() -> int:
        target = install_workbook(dest, with_demo=with_demo, force=force)
        click.echo(
            f"Installed {target}\nWrote {dest / 'xlwings.conf'} (interpreter {sys.executable})"
        )
        click.echo(
            "Next steps:\n"
            "  1. In Excel: File > Options > Trust Center > Trust Center Settings > Trusted "
            f"Locations: add {dest}\n"
            "     (or right-click SMSync.xlsm > Properties > Unblock, then enable macros).\n"
            "  2. Trust access to the VBA project is NOT needed.\n"
            f"  3. Open {target}, fill in the Setup sheet, then use the SMSync tab."
        )
        return 0

    _run(run)


def _file_book(path: Path, yes: bool) -> FileBook:
    def confirm(message: str) -> bool:
        click.echo(message)
        return True if yes else click.confirm("Answer", default=False)

    return FileBook(
        path,
        confirm=confirm,
        alert=click.echo,
        status=lambda text: text and click.echo(text, err=True),
        ask_password=_prompt() or (lambda _: None),
    )


book_argument = click.argument("book", type=click.Path(exists=True, dir_okay=False, path_type=Path))
yes_option = click.option(
    "--yes", is_flag=True, help="Answer Yes to every question (company, missing only)."
)


@main.command()
@book_argument
@yes_option
def refresh(book: Path, yes: bool) -> None:
    """Do what the Refresh button does, on BOOK (saved; VBA and ribbon kept).

    \b
    Example:
      smsync-xl refresh ~/SMSync/SMSync.xlsm --yes
    """
    if not macros.refresh(_file_book(book, yes)):
        sys.exit(EXIT_PROBLEM)
    saved = _file_book(book, yes)
    click.echo(saved.read_range(SAGE_ONLY, SUMMARY_CELL)[0][0])


@main.command("check-all")
@book_argument
def check_all(book: Path) -> None:
    """Do what the Check All button does: tick every visible NEW or DIFFERENT row of
    BOOK's Sage50-only sheet (rows hidden by a filter stay as they are).

    \b
    Example:
      smsync-xl check-all ~/SMSync/SMSync.xlsm
    """
    sys.exit(0 if macros.check_all(_file_book(book, yes=False)) else EXIT_PROBLEM)


@main.command()
@book_argument
@yes_option
def synchronize(book: Path, yes: bool) -> None:
    """Do what the Synchronize button does: bring BOOK's ticked rows into SMSTurbo.

    \b
    Example:
      smsync-xl synchronize ~/SMSync/SMSync.xlsm --yes
    """
    if not macros.synchronize(_file_book(book, yes)):
        sys.exit(EXIT_PROBLEM)
    table = _file_book(book, yes).read_table(SAGE_ONLY)
    results = [str(row[table.column(RESULT)] or "") for row in table.rows]
    sys.exit(EXIT_CONFLICTS if any(r.startswith(CONFLICT) for r in results) else 0)


@main.command()
@settings_option
@click.option(
    "--book",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Take the settings from this workbook's Setup sheet instead.",
)
def doctor(settings_path: Path, book: Path | None) -> None:
    """Check ODBC drivers and DSNs, 32/64-bit, and both connections; say how to fix
    each problem (exit 1 when there is one).

    \b
    Examples:
      smsync-xl doctor --settings settings.toml
      smsync-xl doctor --book ~/SMSync/SMSync.xlsm
    """

    def run() -> int:
        settings, problem = None, None
        try:
            if book is not None:
                settings = read_setup(_file_book(book, yes=False))[0]
            elif settings_path.exists():
                settings = load_settings(settings_path)
        except SmsyncError as error:
            problem = error
        report = diagnose(settings, _prompt(), problem)
        click.echo("\n".join(report.lines))
        if not report.problems:
            click.echo("No problems found.")
            return 0
        click.echo(f"\n{len(report.problems)} problem(s):")
        for what, fix in report.problems:
            click.echo(f"  - {what}\n    Fix: {fix}")
        return EXIT_PROBLEM

    _run(run)


@main.group()
def password() -> None:
    """Keep the Sage 50 / SMSTurbo database passwords in the system keyring
    (Windows Credential Manager), never in the workbook or the settings."""


@password.command("set")
@click.argument("side", type=click.Choice(sorted(passwords.ENV)))
def set_password(side: str) -> None:
    """Ask for SIDE's password (hidden) and keep it in the system keyring.

    \b
    Examples:
      smsync-xl password set sage50      # the Sage 50 Data Access password
      smsync-xl password set smsturbo
    Headless runs may set SMSYNC_SAGE50_PASSWORD / SMSYNC_SMSTURBO_PASSWORD instead.
    """

    def run() -> int:
        secret = click.prompt(f"{side} password", hide_input=True, confirmation_prompt=True)
        keyring_name = passwords.store(side, secret)
        click.echo(f"Password for {side} kept in the system keyring ({keyring_name}).")
        return 0

    _run(run)
