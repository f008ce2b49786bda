"""The command line: the only place that prints and picks exit codes."""

from __future__ import annotations

import enum
import logging
import os
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Annotated

import typer

from yamlpipe import __version__, api
from yamlpipe.cli import render

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_BUG = 0, 1, 2, 3

app = typer.Typer(
    name="yamlpipe",
    help="YAML-first pipelines for Kubeflow Pipelines and Argo Workflows.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class Format(enum.StrEnum):
    text = "text"
    json = "json"
    github = "github"


class SchemaKind(enum.StrEnum):
    component = "component"
    pipeline = "pipeline"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"yamlpipe {__version__}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """YAML-first pipelines for Kubeflow Pipelines and Argo Workflows."""


@app.command()
def validate(
    paths: Annotated[
        list[str],
        typer.Argument(help="Component or pipeline files, or folders to search for *.yaml/*.yml."),
    ],
    output_format: Annotated[
        Format,
        typer.Option(
            "--format",
            "-f",
            help="text (with source lines), json, or github (Actions annotations).",
        ),
    ] = Format.text,
    strict: Annotated[bool, typer.Option("--strict", help="Fail on warnings too.")] = False,
    no_resolve: Annotated[
        bool,
        typer.Option(
            "--no-resolve",
            help="Check each file on its own; never read referenced files or the network.",
        ),
    ] = False,
) -> None:
    """Check component and pipeline files; report every problem with file:line:col.

    Exit codes: 0 valid, 1 invalid (or warnings with --strict), 2 usage error.
    """
    missing = [p for p in paths if not os.path.exists(p)]
    if missing:
        typer.echo(f"yamlpipe: error: no such file or folder: {', '.join(missing)}", err=True)
        raise typer.Exit(EXIT_USAGE)
    results = api.validate_paths(paths)
    if output_format is Format.json:
        typer.echo(render.render_json(results))
    elif output_format is Format.github:
        text = render.render_github(results)
        if text:
            typer.echo(text)
    else:
        text = render.render_text(results)
        if text:
            typer.echo(text + "\n")
        typer.echo(render.summary(results))
    failed = any(not r.ok for r in results) or (strict and any(r.problems for r in results))
    raise typer.Exit(EXIT_INVALID if failed else EXIT_OK)


@app.command()
def schema(kind: Annotated[SchemaKind, typer.Argument(help="Which schema to print.")]) -> None:
    """Print the JSON Schema for component or pipeline files (for editors and other tools)."""
    typer.echo(api.schema_text(kind.value), nl=False)


def _log_bug(exc: BaseException) -> str:
    folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "yamlpipe"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        log = folder / "yamlpipe.log"
    except OSError:
        log = Path(tempfile.gettempdir()) / "yamlpipe.log"
    log.write_text("".join(traceback.format_exception(exc)), encoding="utf-8")
    return str(log)


def main() -> None:
    """Entry point of the `yamlpipe` console script."""
    logging.basicConfig(level=os.environ.get("YAMLPIPE_LOG", "WARNING").upper())
    try:
        app(standalone_mode=True)
    except SystemExit:
        raise
    except Exception as exc:  # a traceback for any input is a bug: say so, keep the details
        log = _log_bug(exc)
        typer.echo(
            f"yamlpipe: internal error: {type(exc).__name__}: {exc}\n"
            f"This is a bug in yamlpipe. Details were written to {log}; please report them.",
            err=True,
        )
        sys.exit(EXIT_BUG)
