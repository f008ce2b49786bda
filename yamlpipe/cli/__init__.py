"""The command line: the only place that prints and picks exit codes."""

from __future__ import annotations

import enum
import os
from typing import Annotated

import typer

from yamlpipe import __version__, api
from yamlpipe.cli import catalog as catalog_commands
from yamlpipe.cli import client as client_commands
from yamlpipe.cli import compile as compile_commands
from yamlpipe.cli import generate as generate_commands
from yamlpipe.cli import render
from yamlpipe.cli import run as run_commands
from yamlpipe.cli import serve as serve_commands
from yamlpipe.cli.common import (
    EXIT_INVALID,
    EXIT_OK,
    EXIT_USAGE,
    HELP_SETTINGS,
    ExcludeOption,
    Format,
    FormatOption,
    FrozenOption,
    OfflineOption,
    StrictOption,
    configure_logging,
    print_diagnostics,
    print_reports,
    require_paths,
    run_app,
    usage_error,
)

app = typer.Typer(
    name="yamlpipe",
    help="YAML-first pipelines for Kubeflow Pipelines and Argo Workflows.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings=HELP_SETTINGS,
)


class SchemaKind(enum.StrEnum):
    component = "component"
    pipeline = "pipeline"
    catalog = "catalog"
    config = "config"
    lock = "lock"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"yamlpipe {__version__}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
    verbose: Annotated[
        int,
        typer.Option(
            "--verbose",
            "-v",
            count=True,
            help="Also show what libraries log (HTTP retries, ...); -vv for debug records.",
            show_default=False,
        ),
    ] = 0,
) -> None:
    """YAML-first pipelines for Kubeflow Pipelines and Argo Workflows."""
    if verbose:
        configure_logging(verbose)


@app.command(short_help="Check components and pipelines, with all they use.")
def validate(
    paths: Annotated[
        list[str],
        typer.Argument(
            metavar="PATH...",
            help="Component or pipeline files, or folders to search for *.yaml/*.yml.",
            show_default=False,
        ),
    ],
    output_format: FormatOption = Format.text,
    strict: StrictOption = False,
    no_resolve: Annotated[
        bool,
        typer.Option(
            "--no-resolve",
            help="Check each file on its own: never read referenced files or the network "
            "(for editors).",
        ),
    ] = False,
    offline: OfflineOption = False,
    frozen: FrozenOption = False,
    exclude: ExcludeOption = None,
) -> None:
    """Check component and pipeline files and everything they use; report every problem
    with file:line:col.

    References (paths, URLs, catalog entries) are resolved, cached and linked: arguments,
    types, outputs and dependency cycles are checked across files. Folders are searched
    for *.yaml/*.yml files, leaving out dot-folders, what git ignores and what --exclude
    or exclude: in yamlpipe.yaml names; files that are clearly not components or
    pipelines (compiled packages, other Kubernetes objects) are skipped with a note.

    The report goes to standard output. Exit codes: 0 valid, 1 invalid (or warnings with
    --strict), 2 usage error (a path that is not there, or a folder with nothing to check).
    """
    require_paths(paths)
    found = api.discover(paths, exclude or ())
    for folder, why in found.empty:
        usage_error(f"{folder}: nothing to check: {why}")
    options = None if no_resolve else api.ResolveOptions(offline=offline, frozen=frozen)
    reports = api.validate_discovered(found, resolve=not no_resolve, options=options)
    print_reports(reports, output_format)
    warned = strict and any(r.warnings for r in reports)
    raise typer.Exit(EXIT_INVALID if warned or not all(r.ok for r in reports) else EXIT_OK)


@app.command(short_help="Pin remote references in yamlpipe.lock.")
def lock(
    targets: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[PATH|REF]...",
            help="Files or folders to lock (default: the current folder). With --upgrade, "
            "a target that is not a path is a reference to refresh.",
            show_default=False,
        ),
    ] = None,
    upgrade: Annotated[
        bool,
        typer.Option(
            "--upgrade", help="Refresh pins: every one, or only the references named as targets."
        ),
    ] = False,
    check: Annotated[
        bool, typer.Option("--check", help="Change nothing; exit 1 when the lock is not current.")
    ] = False,
    offline: OfflineOption = False,
    output_format: FormatOption = Format.text,
) -> None:
    """Pin every remote reference (URL or catalog entry) to its final URL and sha256 in
    yamlpipe.lock, next to yamlpipe.yaml (or in the current folder).

    The lock is sorted and has no timestamps. Commit it; `validate --frozen` then fails
    when it is missing or stale.
    """
    given = targets or []
    paths = [t for t in given if os.path.exists(t)]
    refs = [t for t in given if not os.path.exists(t)]
    if refs and not upgrade:
        typer.echo(f"yamlpipe: error: no such file or folder: {', '.join(refs)}", err=True)
        raise typer.Exit(EXIT_USAGE)
    selected: frozenset[str] | None = (
        frozenset(refs) if refs else (None if upgrade else frozenset())
    )
    results = api.lock_paths(paths or ["."], upgrade=selected, offline=offline, check_only=check)
    reports = [f for r in results for f in r.files]
    if not all(r.ok for r in results):
        print_diagnostics(reports, output_format)
        raise typer.Exit(EXIT_INVALID)
    for result in results:
        state = (
            "would change"
            if check and result.changed
            else "updated"
            if result.changed
            else "up to date"
        )
        typer.echo(
            f"{render.display(result.path)}: {state} ({len(result.entries)} references)", err=True
        )
    raise typer.Exit(EXIT_INVALID if check and any(r.changed for r in results) else EXIT_OK)


@app.command(short_help="Print a JSON Schema shipped with this version.")
def schema(
    kind: Annotated[
        SchemaKind,
        typer.Argument(
            metavar="KIND",
            help="Which schema: component, pipeline, catalog, config or lock.",
            show_default=False,
        ),
    ],
) -> None:
    """Print a JSON Schema shipped with this version, for editors and other tools:
    component or pipeline files, catalog indexes, yamlpipe.yaml (config) or yamlpipe.lock."""
    typer.echo(api.schema_text(kind.value), nl=False)


catalog_commands.register(app)
compile_commands.register(app)
generate_commands.register(app)
run_commands.register(app)
client_commands.register(app)
serve_commands.register(app)


def main() -> None:
    """Entry point of the `yamlpipe` console script."""
    run_app(app, "yamlpipe")
