"""The ``quizapp`` command line: the GUI by default, and teacher commands.

``quizapp`` alone opens the app; ``quizapp validate FILE`` checks a question set and
prints a summary or every problem; ``quizapp import FILE [--disabled]`` installs one
(all or nothing); ``quizapp convert IN OUT`` writes any readable set as our JSON or as
GIFT; ``quizapp packs`` lists the installed packs; ``quizapp reset-pin`` removes the
teacher PIN (for whoever administers the computer; no PIN asked). ``--db PATH`` (or
the ``QUIZAPP_DB`` environment variable) names the database, before or after the
subcommand.

Adding a subcommand: write ``_add_<name>(subparsers, common)`` that builds its parser
and sets ``handler`` to a function ``(args) -> int``, then list it in
:data:`SUBCOMMANDS`. Nothing heavy is imported at module level (no SQLAlchemy, no Qt):
each handler imports what it needs, so ``quizapp validate`` starts fast.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from quizapp.domain.errors import PackError
    from quizapp.domain.model import ImportResult
    from quizapp.services.container import Services
    from quizapp.services.pack_admin import PackAdmin

Handler = Callable[[argparse.Namespace], int]
SubparserAdder = Callable[[Any, argparse.ArgumentParser], None]

DB_ENV = "QUIZAPP_DB"
"""Environment variable naming the database when ``--db`` is not given."""


def db_of(args: argparse.Namespace) -> str | None:
    """The database the user named: ``--db``, else ``$QUIZAPP_DB``, else ``None`` (default file).

    A path to a SQLite file or a SQLAlchemy URL, passed on as given.
    """
    value = getattr(args, "db", None) or os.environ.get(DB_ENV)
    return value or None


# ---------------------------------------------------------------------------
# quizapp validate FILE


def _add_validate(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "validate",
        parents=[common],
        help="check a question set file and summarise it",
        description=(
            "Check a question set (our JSON pack, or any format quizapp imports) and print "
            "a summary, or every problem with its line. Exit status 0 when valid, 1 if not."
        ),
    )
    parser.add_argument("file", metavar="FILE", help="the file to check, e.g. questions.json")
    parser.add_argument(
        "--require-evidence",
        action="store_true",
        help="require 'evidence' on every question, as for the built-in pack "
        "(always on for the built-in questions.json)",
    )
    parser.set_defaults(handler=cmd_validate)


def read_for_validate(path: str, *, require_evidence: bool = False) -> ImportResult:
    """Read any question set the app can import; raises ``PackError`` listing its problems.

    JSON packs go to the pack loader itself, so the rules and messages are exactly those
    of ``docs/pack-format.md`` (UTF-8 required; evidence compulsory when
    ``require_evidence``); every other format goes through the reader registry.
    """
    from quizapp.domain.model import ImportResult

    if Path(path).suffix.lower() == ".json":
        from quizapp.formats.json_pack import load_pack

        return ImportResult(pack=load_pack(path, require_evidence=require_evidence))
    from quizapp.formats.registry import read_question_set

    return read_question_set(path)


def _is_builtin_pack(path: str) -> bool:
    from quizapp.bundled import builtin_pack_path

    try:
        return Path(path).resolve() == builtin_pack_path().resolve()
    except OSError:
        return False


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def cmd_validate(args: argparse.Namespace) -> int:
    """Print a summary of a valid file (exit 0) or every problem, one per line (exit 1)."""
    from quizapp.domain.errors import PackError

    path: str = args.file
    strict = bool(args.require_evidence) or _is_builtin_pack(path)
    try:
        result = read_for_validate(path, require_evidence=strict)
    except PackError as err:
        for problem in err.problems:
            print(problem)
        print(f"{_plural(len(err.problems), 'problem')} in {path}")
        return 1
    for line in summary_lines(result, path):
        print(line)
    return 0


def summary_lines(result: ImportResult, path: str) -> list[str]:
    """What ``validate`` prints for a file that reads: pack, counts by type and by lesson,
    then anything skipped or warned about."""
    pack = result.pack
    lines = [
        f"OK: {path}",
        f"{pack.title} ({pack.id}, version {pack.version}, language {pack.language})",
    ]
    from quizapp.domain.model import QuestionType

    by_type = Counter(q.type for q in pack.questions)
    types = ", ".join(f"{by_type[t]} {t.value}" for t in QuestionType if by_type[t])
    lines.append(
        f"{_plural(len(pack.lessons), 'lesson')}, "
        f"{_plural(len(pack.questions), 'question')}: {types}"
    )
    id_width = max((len(lesson.id) for lesson in pack.lessons), default=0)
    title_width = max((len(lesson.title) for lesson in pack.lessons), default=0)
    per_lesson = Counter(q.lesson_id for q in pack.questions)
    for lesson in pack.lessons:
        count = per_lesson[lesson.id]
        lines.append(
            f"  {lesson.id:<{id_width}}  {lesson.title:<{title_width}}  "
            f"{_plural(count, 'question')}"
        )
    lines.extend(_skipped_lines(result))
    return lines


# ---------------------------------------------------------------------------
# quizapp db status | upgrade (the administrator of a school server)


def _add_db(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "db",
        parents=[common],
        help="show or upgrade the database schema (for administrators)",
        description=(
            "For the administrator of a shared database (docs/school-server.md). "
            "Classroom computers never change a server's schema; run `quizapp db upgrade "
            "--db URL` once after updating quizapp. URLs carry no password: libpq reads "
            "PGPASSWORD or ~/.pgpass."
        ),
    )
    actions = parser.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    status = actions.add_parser(
        "status",
        parents=[common],
        help="the database's schema revision against this app's",
        description="Print the database's schema revision and this app's. Exit status 0 "
        "when they match, 1 when the database needs an upgrade, is empty or is newer.",
    )
    status.set_defaults(handler=cmd_db_status)
    upgrade = actions.add_parser(
        "upgrade",
        parents=[common],
        help="back up (pg_dump), then upgrade the schema to this app's",
        description="Upgrade the database to this app's schema in one transaction, under "
        "a lock so two administrators cannot both upgrade. On a server, pg_dump runs "
        "first and the upgrade is refused if it fails; on SQLite the file is copied "
        "beside itself first.",
    )
    upgrade.add_argument(
        "--backup-dir",
        metavar="DIR",
        default=".",
        help="folder for the pg_dump file (default: the current folder)",
    )
    upgrade.add_argument(
        "--no-backup",
        action="store_true",
        help="upgrade without running pg_dump first (only if you have your own backup)",
    )
    upgrade.set_defaults(handler=cmd_db_upgrade)


def cmd_db_status(args: argparse.Namespace) -> int:
    """Print where the schema stands (:meth:`SchemaStatus.describe`); 0 when current."""
    from quizapp.store.database import resolve_db_url
    from quizapp.store.server import schema_status

    status = schema_status(resolve_db_url(getattr(args, "db", None)))
    print(status.describe())
    return 0 if status.state == "current" else 1


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    """Back up then upgrade (:func:`quizapp.store.server.upgrade_server`); print what was
    done. 0 on success (or nothing to do); errors exit 1 through :func:`main`."""
    from quizapp.store.database import resolve_db_url
    from quizapp.store.server import upgrade_server

    url = resolve_db_url(getattr(args, "db", None))
    report = upgrade_server(url, backup_dir=Path(args.backup_dir), backup=not args.no_backup)
    if report.before.state == "current":
        print(f"Nothing to do: {report.before.describe()}")
        return 0
    if report.backup is not None:
        print(f"Backup written: {report.backup} (restore with pg_restore)")
    elif args.no_backup:
        print("No backup taken (--no-backup).")
    print(f"Upgraded from {report.before.current or 'an empty database'} to {report.after.current}")
    print(report.after.describe())
    return 0


# ---------------------------------------------------------------------------
# quizapp export-results --bundle FILE / quizapp merge FILE... (results from several computers)


def _add_export_results(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "export-results",
        parents=[common],
        help="save this computer's results to a bundle file (to merge on another computer)",
        description=(
            "Write every student, class and attempt of this database to one results "
            "bundle file, e.g. on a USB stick, for 'quizapp merge' on the teacher's "
            "computer. The teacher PIN is never included."
        ),
    )
    parser.add_argument(
        "--bundle", metavar="FILE", required=True, help="the bundle file to write (.zip)"
    )
    parser.set_defaults(handler=cmd_export_results)


def _add_merge(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "merge",
        parents=[common],
        help="merge results bundles from other computers into this database",
        description=(
            "Merge one or more results bundles (from 'quizapp export-results') into this "
            "database and print what each added. Merging the same bundle twice adds "
            "nothing; students of the same name from two computers are kept apart."
        ),
    )
    parser.add_argument("files", metavar="FILE", nargs="+", help="results bundle files")
    parser.set_defaults(handler=cmd_merge)


def _open_results_database(args: argparse.Namespace) -> Any:
    from quizapp.store.database import open_database, resolve_db_url

    return open_database(resolve_db_url(db_of(args)))


def cmd_export_results(args: argparse.Namespace) -> int:
    """Write the results bundle; print how many attempts it holds and where (exit 0)."""
    from quizapp.services.bundles import export_results_bundle

    path = Path(args.bundle)
    database = _open_results_database(args)
    try:
        count = export_results_bundle(database.sessions, path)
    finally:
        database.close()
    print(f"Exported {_plural(count, 'attempt')} to {path}")
    return 0


def cmd_merge(args: argparse.Namespace) -> int:
    """Merge the bundles and print :meth:`MergeReport.summary` (exit 0); a bundle that
    cannot be read stops everything before anything is merged (exit 1)."""
    from quizapp.services.bundles import merge_bundles

    database = _open_results_database(args)
    try:
        report = merge_bundles(database.sessions, [Path(f) for f in args.files])
    finally:
        database.close()
    print(report.summary())
    return 0


# ---------------------------------------------------------------------------
# quizapp import | convert | packs | reset-pin (the teacher's work, without the GUI)


@contextlib.contextmanager
def _opened(args: argparse.Namespace) -> Iterator[Services]:
    """The services over the database ``--db`` names (opened as the GUI opens it)."""
    from quizapp.app import open_services

    database, services = open_services(db_of(args))
    try:
        yield services
    finally:
        database.close()


def _pack_admin(services: Services) -> PackAdmin:
    from quizapp.services.pack_admin import PackAdmin

    return PackAdmin(services.database.sessions)


def _print_problems(err: PackError, path: str) -> int:
    for problem in err.problems:
        print(problem)
    print(f"{_plural(len(err.problems), 'problem')} in {path}: nothing was imported")
    return 1


def _skipped_lines(result: ImportResult) -> list[str]:
    lines: list[str] = []
    if result.skipped:
        lines.append(f"Skipped {_plural(len(result.skipped), 'item')}:")
        for item in result.skipped:
            where = f"line {item.line}: " if item.line is not None else ""
            lines.append(f"  {where}{item.kind}: {item.reason}")
    if result.warnings:
        lines.append(f"{_plural(len(result.warnings), 'warning')}:")
        lines.extend(f"  {warning}" for warning in result.warnings)
    return lines


def _add_import(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "import",
        parents=[common],
        help="import a question set into the database",
        description=(
            "Import a question set (our JSON pack, GIFT, Aiken, CSV/XLSX or Moodle XML) in "
            "one transaction: all or nothing. Re-importing a pack with the same id makes a "
            "new version; past attempts keep the questions as they were asked. Prints what "
            "was imported and skipped; exit status 1 with every error otherwise."
        ),
    )
    parser.add_argument("file", metavar="FILE", help="the question set to import")
    parser.add_argument(
        "--disabled",
        action="store_true",
        help="import it hidden from students (enable it later in the teacher area)",
    )
    parser.set_defaults(handler=cmd_import)


def cmd_import(args: argparse.Namespace) -> int:
    """Read FILE (every problem listed, exit 1, nothing written) then install it."""
    from quizapp.domain.errors import PackError
    from quizapp.formats.registry import read_question_set

    path: str = args.file
    try:
        result = read_question_set(path)
    except PackError as err:
        return _print_problems(err, path)
    with _opened(args) as services:
        report = _pack_admin(services).install(result.pack, enabled=not args.disabled)
    pack = result.pack
    if report.created:
        what = "Imported"
    elif report.changed:
        what = "Imported a new version of"
    else:
        what = "Already up to date:"
    print(f"{what} {pack.title} ({pack.id}, version {pack.version})")
    print(
        f"{_plural(len(pack.lessons), 'lesson')}, {_plural(len(pack.questions), 'question')}: "
        f"{report.questions_added} added, {report.questions_revised} changed, "
        f"{report.questions_unchanged} unchanged, {report.questions_removed} removed"
    )
    print("Hidden from students (--disabled)" if args.disabled else "Shown to students")
    for line in _skipped_lines(result):
        print(line)
    return 0


def _add_convert(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "convert",
        parents=[common],
        help="convert a question set to our JSON or to GIFT",
        description=(
            "Read IN (any format quizapp imports) and write OUT as our JSON pack (.json) or "
            "GIFT (.gift), chosen by OUT's extension. Prints what was skipped. The "
            "database is not used."
        ),
    )
    parser.add_argument("input", metavar="IN", help="the question set to read")
    parser.add_argument("output", metavar="OUT", help="the file to write (.json or .gift)")
    parser.set_defaults(handler=cmd_convert)


def cmd_convert(args: argparse.Namespace) -> int:
    """Convert IN to OUT; exit 1 with every problem of IN (OUT not written)."""
    from quizapp.domain.errors import PackError
    from quizapp.formats.registry import WRITE_EXTENSIONS, read_question_set, write_question_set

    source: str = args.input
    target: str = args.output
    if Path(target).suffix.lower() not in WRITE_EXTENSIONS:
        print(f"quizapp: {target}: OUT must end in .json or .gift", file=sys.stderr)
        return 2
    try:
        result = read_question_set(source)
    except PackError as err:
        for problem in err.problems:
            print(problem)
        print(f"{_plural(len(err.problems), 'problem')} in {source}: nothing was written")
        return 1
    write_question_set(result.pack, target)
    pack = result.pack
    print(
        f"Wrote {target}: {pack.title} ({pack.id}), {_plural(len(pack.lessons), 'lesson')}, "
        f"{_plural(len(pack.questions), 'question')}"
    )
    for line in _skipped_lines(result):
        print(line)
    return 0


def _add_packs(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "packs",
        parents=[common],
        help="list the packs in the database",
        description="List the installed packs: key, title, version, questions, whether "
        "students see them, and when they were imported (local time).",
    )
    parser.set_defaults(handler=cmd_packs)


def cmd_packs(args: argparse.Namespace) -> int:
    """Print the packs as a table (deleted packs are not listed)."""
    with _opened(args) as services:
        rows = _pack_admin(services).list_packs()
    if not rows:
        print("No packs installed.")
        return 0
    table = [("KEY", "TITLE", "VERSION", "QUESTIONS", "ENABLED", "IMPORTED")]
    for row in rows:
        table.append(
            (
                row.key,
                row.title + (" (built-in)" if row.is_builtin else ""),
                row.version,
                str(row.question_count),
                "yes" if row.enabled else "no",
                row.imported_at.astimezone().strftime("%Y-%m-%d %H:%M"),
            )
        )
    widths = [max(len(line[i]) for line in table) for i in range(len(table[0]))]
    for line in table:
        cells = [
            cell.rjust(width) if i == 3 else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(line, widths, strict=True))
        ]
        print("  ".join(cells).rstrip())
    return 0


def _add_reset_pin(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "reset-pin",
        parents=[common],
        help="remove the teacher PIN (the next teacher sets a new one)",
        description=(
            "Remove the teacher PIN and its delay, for whoever administers this computer's "
            "account: the next opening of the teacher area asks for a new PIN. Asks for "
            "confirmation unless --yes."
        ),
    )
    parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    parser.set_defaults(handler=cmd_reset_pin)


def cmd_reset_pin(args: argparse.Namespace) -> int:
    """Reset the PIN after a "yes" (or with --yes); exit 1 when not confirmed."""
    if not args.yes:
        try:
            answer = input("Remove the teacher PIN? The next teacher sets a new one. [y/N] ")
        except EOFError:
            answer = ""
        if answer.strip().lower() not in {"y", "yes"}:
            print("Nothing changed.")
            return 1
    from quizapp.services.teacher_auth import TeacherAuth

    with _opened(args) as services:
        had_pin = TeacherAuth(services.database.sessions).reset_pin()
    if had_pin:
        print("The teacher PIN was removed: the next opening of the teacher area sets a new one.")
    else:
        print("No teacher PIN was set; nothing to remove.")
    return 0


# ---------------------------------------------------------------------------
# The parser and the entry point

SUBCOMMANDS: tuple[SubparserAdder, ...] = (
    _add_validate,
    _add_import,
    _add_convert,
    _add_packs,
    _add_reset_pin,
    _add_db,
    _add_export_results,
    _add_merge,
)
"""Every subcommand's parser builder, in the order ``--help`` lists them."""


def build_parser() -> argparse.ArgumentParser:
    """The ``quizapp`` argument parser with every subcommand of :data:`SUBCOMMANDS`."""
    from quizapp import __version__

    # --db is accepted before or after the subcommand: both parsers know it, and its
    # default is "absent" so the subcommand's parser never erases the top-level value.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help=f"database file or SQLAlchemy URL (default: ${DB_ENV}, else the file in "
        "your user data folder)",
    )
    parser = argparse.ArgumentParser(
        prog="quizapp",
        description="Offline classroom quizzes. With no command, opens the app.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"quizapp {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for add in SUBCOMMANDS:
        add(subparsers, common)
    return parser


def _run_gui(args: argparse.Namespace) -> int:
    from quizapp.app import main as gui_main

    return gui_main(db_of(args))


def _tolerant_output() -> None:
    """Never crash on a title the console's encoding cannot show (Windows pipes)."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError):  # a closed or odd stream
                reconfigure(errors="replace")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); return the exit status.

    0 success, 1 a problem the command reports (e.g. an invalid pack), 2 bad usage.
    """
    from quizapp.domain.errors import QuizAppError

    _tolerant_output()
    parser = build_parser()
    args = parser.parse_args(list(argv) if argv is not None else None)
    handler: Handler = getattr(args, "handler", _run_gui)
    try:
        return handler(args)
    except QuizAppError as err:
        print(f"quizapp: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
