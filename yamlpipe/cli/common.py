"""What every command shares: exit codes, output formats, option types, report printing."""

from __future__ import annotations

import enum
import importlib
import os
from typing import Annotated, NoReturn

import typer

from yamlpipe import api
from yamlpipe.cli import render
from yamlpipe.errors import YamlpipeError

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_BUG = 0, 1, 2, 3


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
        "--format", "-f", help="text (with source lines), json, or github (Actions annotations)."
    ),
]


def require_paths(paths: list[str]) -> None:
    missing = [p for p in paths if not os.path.exists(p)]
    if missing:
        typer.echo(f"yamlpipe: error: no such file or folder: {', '.join(missing)}", err=True)
        raise typer.Exit(EXIT_USAGE)


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
