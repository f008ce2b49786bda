"""What every command shares: exit codes, output formats, option types, report printing."""

from __future__ import annotations

import enum
import importlib
import os
from collections.abc import Iterable, Mapping
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
FormatOption = Annotated[
    Format,
    typer.Option(
        "--format", "-f", help="text (with source lines), json, or github (Actions annotations)."
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


def require_paths(paths: list[str]) -> None:
    missing = [p for p in paths if not os.path.exists(p)]
    if missing:
        typer.echo(f"yamlpipe: error: no such file or folder: {', '.join(missing)}", err=True)
        raise typer.Exit(EXIT_USAGE)


def print_reports(reports: list[api.FileReport], output_format: Format) -> None:
    if output_format is Format.json:
        typer.echo(render.render_json(reports))
    elif output_format is Format.github:
        text = render.render_github(reports)
        if text:
            typer.echo(text)
    else:
        text = render.render_text(reports)
        if text:
            typer.echo(text + "\n")
        typer.echo(render.summary(reports))


def fail_with(problem: YamlpipeError, output_format: Format) -> NoReturn:
    """Print one problem that stopped a command (an output that cannot be written, ...) as
    `validate` prints problems, and exit 1."""
    print_reports([api.FileReport(problem.location.file, (problem,))], output_format)
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
