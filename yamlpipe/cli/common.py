"""What every command shares: exit codes, output formats, option types, report printing."""

from __future__ import annotations

import enum
import importlib
import logging
import os
import sys
import tempfile
import traceback
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from yamlpipe import api
from yamlpipe.cli import render
from yamlpipe.errors import YamlpipeError

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_BUG = 0, 1, 2, 3
HELP_SETTINGS = {"help_option_names": ["-h", "--help"]}
"""Every command takes -h as well as --help (subcommands inherit it from the application)."""


class LazyModule:
    """A module imported on first attribute access: every command shares one start-up, and
    `yamlpipe validate` should not pay for the Python generator or the compiler."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str) -> object:
        return getattr(importlib.import_module(self._name), attribute)


class Format(enum.StrEnum):
    text = "text"
    json = "json"
    github = "github"


OfflineOption = Annotated[
    bool,
    typer.Option(
        "--offline", help="Use only the local cache; list what is missing instead of fetching."
    ),
]
FrozenOption = Annotated[
    bool,
    typer.Option(
        "--frozen", help="Fail unless yamlpipe.lock exists and pins every remote reference."
    ),
]
StrictOption = Annotated[
    bool, typer.Option("--strict", help="Fail on warnings too (and, compiling, write nothing).")
]
FormatOption = Annotated[
    Format,
    typer.Option(
        "--format",
        "-f",
        metavar="FORMAT",
        help="text (with source lines), json, or github (Actions annotations).",
    ),
]


ArgumentOption = Annotated[
    list[str] | None,
    typer.Option(
        "--argument", "-a", metavar="NAME=VALUE", help="A pipeline argument (repeatable)."
    ),
]
ArgumentsFileOption = Annotated[
    str | None,
    typer.Option(
        "--arguments-file", metavar="FILE", help="Pipeline arguments as a YAML or JSON mapping."
    ),
]
ExcludeOption = Annotated[
    list[str] | None,
    typer.Option(
        "--exclude",
        metavar="GLOB",
        help="Leave out files and folders matching GLOB (relative to the current folder; "
        "repeatable), as exclude: in yamlpipe.yaml does.",
        show_default=False,
    ),
]


def usage_error(message: str) -> NoReturn:
    """A mistake in how the command was called: said on standard error, exit 2."""
    typer.echo(f"yamlpipe: error: {message}", err=True)
    raise typer.Exit(EXIT_USAGE)


def require_paths(paths: list[str]) -> None:
    missing = [p for p in paths if not os.path.exists(p)]
    if missing:
        usage_error(f"no such file or folder: {', '.join(missing)}")


def print_reports(
    reports: list[api.FileReport],
    output_format: Format,
    *,
    err: bool = False,
    summary: bool = True,
) -> None:
    """Problems as `validate` prints them: on standard output when they are what the command
    was asked for (`validate`), else (`err`) on standard error, where diagnostics go so that
    standard output carries only a command's product (a package, a graph, a listing)."""
    if output_format is Format.json:
        typer.echo(render.render_json(reports), err=err)
    elif output_format is Format.github:
        text = render.render_github(reports)
        if text:
            typer.echo(text, err=err)
    else:
        text = render.render_text(reports)
        if text:
            typer.echo(text + ("\n" if summary else ""), err=err)
        if summary:
            typer.echo(render.summary(reports), err=err)


def print_diagnostics(
    reports: list[api.FileReport], output_format: Format, *, summary: bool = True
) -> None:
    """Problems found on the way to a command's product: always on standard error."""
    print_reports(reports, output_format, err=True, summary=summary)


def fail_with(problem: YamlpipeError, output_format: Format) -> NoReturn:
    """Print one problem that stopped a command (an output that cannot be written, ...) on
    standard error, as `validate` prints problems but without a file count, and exit 1."""
    report = api.FileReport(problem.location.file, (problem,))
    print_diagnostics([report], output_format, summary=False)
    raise typer.Exit(EXIT_INVALID)


def print_problems(problems: Iterable[YamlpipeError], texts: Mapping[str, str]) -> None:
    """Each problem at its file:line:col, with the source line when the file's text is known."""
    for problem in problems:
        text = texts.get(problem.location.file, "")
        typer.echo(render.render_problem_text(problem, text), err=True)


def print_error(error: YamlpipeError) -> None:
    """A problem that has no place in a file (an answer from a server, a missing token)."""
    hint = f"\n      = hint: {error.hint}" if error.hint else ""
    typer.echo(f"yamlpipe: error: {error.message}{hint}", err=True)


# ---- running an application: logging, and bugs reported as bugs ----------------------------


class _OwnRecords(logging.Filter):
    """Only yamlpipe's own log records: what libraries log (urllib3's notes on retries, ...)
    is for --verbose, not for a person waiting for a located error."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.name == "yamlpipe" or record.name.startswith("yamlpipe.")


def configure_logging(verbosity: int) -> None:
    """Log to standard error: yamlpipe's own warnings always, as `yamlpipe: warning: ...`;
    with -v every library's records too (-vv: debug records)."""
    handler = logging.StreamHandler(sys.stderr)
    if verbosity:
        handler.setFormatter(logging.Formatter("%(name)s: %(levelname)s: %(message)s"))
    else:
        handler.setFormatter(_LowerCaseLevel("yamlpipe: %(levelname)s: %(message)s"))
        handler.addFilter(_OwnRecords())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel({0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG))


class _LowerCaseLevel(logging.Formatter):
    """`warning:`, as every other yamlpipe message names its severity."""

    def format(self, record: logging.LogRecord) -> str:
        record.levelname = record.levelname.lower()
        return super().format(record)


def run_app(app: typer.Typer, prog: str) -> None:
    """Run a typer application as a console script: a traceback for any input is a bug, so
    say so on one line, keep the details in a log file, and exit 3."""
    configure_logging(0)
    try:
        app(prog_name=prog, standalone_mode=True)
    except SystemExit:
        raise
    except Exception as exc:
        log = _log_bug(exc)
        typer.echo(
            f"{prog}: internal error: {type(exc).__name__}: {exc}\n"
            f"This is a bug in yamlpipe. Details were written to {log}; please report them.",
            err=True,
        )
        sys.exit(EXIT_BUG)


def _log_bug(exc: BaseException) -> str:
    """Write the traceback to the user's cache folder (yamlpipe.log), else to a new file in
    the temporary folder; return where, or say that nothing could be written."""
    text = "".join(traceback.format_exception(exc)).encode("utf-8", errors="replace")
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "yamlpipe"
    for folder, name in ((cache, "yamlpipe.log"), (Path(tempfile.gettempdir()), None)):
        try:
            return _write_private(folder, name, text)
        except OSError:
            continue
    return "nowhere (no folder could be written)"


def _write_private(folder: Path, name: str | None, data: bytes) -> str:
    """A new file only its owner can read (mkstemp: O_EXCL, 0600, no link followed), then
    renamed to `name` if given: a link planted at either path is replaced, never written
    through."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, temporary = tempfile.mkstemp(prefix="yamlpipe-", suffix=".log", dir=folder)
    with os.fdopen(fd, "wb") as stream:
        stream.write(data)
    if name is None:
        return temporary
    try:
        os.replace(temporary, folder / name)
    except OSError:
        os.unlink(temporary)
        raise
    return str(folder / name)
