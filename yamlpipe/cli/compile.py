"""`yamlpipe compile` and `yamlpipe graph`: cluster packages and DAG pictures."""

from __future__ import annotations

import enum
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from yamlpipe import api
from yamlpipe.cli.common import (
    EXIT_INVALID,
    EXIT_OK,
    EXIT_USAGE,
    Format,
    FormatOption,
    FrozenOption,
    LazyModule,
    OfflineOption,
    StrictOption,
    fail_with,
    print_diagnostics,
    require_paths,
)
from yamlpipe.cli.render import visible
from yamlpipe.errors import YamlpipeError

if TYPE_CHECKING:
    from yamlpipe.api import run as run_api
    from yamlpipe.run import graph as run_graph
    from yamlpipe.run import store as run_store
else:
    run_api = LazyModule("yamlpipe.api.run")
    run_graph = LazyModule("yamlpipe.run.graph")
    run_store = LazyModule("yamlpipe.run.store")

PipelineArgument = Annotated[
    str,
    typer.Argument(
        metavar="PIPELINE", help="A pipeline file (or a graph component).", show_default=False
    ),
]


class GraphFormat(enum.StrEnum):
    mermaid = "mermaid"
    dot = "dot"
    svg = "svg"


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main application."""
    app.command(name="compile", short_help="Compile a pipeline into a KFP/Argo package.")(
        compile_command
    )
    app.command(name="graph", short_help="Draw a pipeline's DAG, or a recorded run.")(graph_command)


def _kib(size: int) -> str:
    return f"{size / 1024:.1f} KiB"


def _fail_usage(message: str) -> NoReturn:
    typer.echo(f"yamlpipe: error: {message}", err=True)
    raise typer.Exit(EXIT_USAGE)


def _print_problems(report: api.CompileReport, output_format: Format, always: bool) -> None:
    """Problems as `validate` prints them, on standard error (standard output may be carrying
    the package); with `always`, the summary line even when clean."""
    if report.problems or always:
        file_report = api.FileReport(report.file, report.problems, report.texts)
        print_diagnostics([file_report], output_format)


def compile_command(
    pipeline: PipelineArgument,
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="Package to write: .yaml/.yml, .zip or .tar.gz/.tgz (the format follows the "
            "extension). Without it the Workflow YAML goes to standard output.",
            show_default=False,
        ),
    ] = None,
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Write nothing; exit 1 with a short summary when FILE is missing or is not "
            "what compiling gives now (for CI).",
        ),
    ] = False,
    allow_large: Annotated[
        bool,
        typer.Option(
            "--allow-large", help="Write a Workflow over 1 MiB (Kubernetes will likely refuse it)."
        ),
    ] = False,
    strict: StrictOption = False,
    output_format: FormatOption = Format.text,
    offline: OfflineOption = False,
    frozen: FrozenOption = False,
) -> None:
    """Compile a pipeline into an Argo Workflow package that Kubeflow Pipelines (v1) accepts.

    The package is byte-identical for identical input and written atomically: on any error
    no file is written. Problems and warnings go to standard error, so that standard output
    carries only the package. Exit codes: 0 written (or current with --check), 1 invalid
    pipeline (or warnings with --strict) or stale package, 2 usage error.
    """
    require_paths([pipeline])
    fmt = "yaml" if output is None else api.package_format(output)
    if fmt is None:
        _fail_usage(f"{output}: the output must end in .yaml, .yml, .zip, .tar.gz or .tgz")
    if check and output is None:
        _fail_usage("--check needs --output: the package to compare with")
    options = api.ResolveOptions(offline=offline, frozen=frozen)
    report = api.compile_file(pipeline, fmt or "yaml", allow_large=allow_large, options=options)
    package = report.package
    if package is None or (strict and report.problems):
        _print_problems(report, output_format, always=True)
        raise typer.Exit(EXIT_INVALID)
    _print_problems(report, output_format, always=False)
    if output is None:
        typer.echo(package.text, nl=False)
        raise typer.Exit(EXIT_OK)
    try:
        if check:
            _report_check(api.check_package(package, output), pipeline)
        api.write_package(package, output)
    except YamlpipeError as problem:
        fail_with(problem, output_format)
    typer.echo(
        f"{output}: {_kib(len(package.data))} (Workflow {_kib(package.workflow_size)}, "
        f"{package.template_count} templates)",
        err=True,
    )
    raise typer.Exit(EXIT_OK)


def _report_check(result: api.CheckResult, pipeline: str) -> None:
    if result.current:
        typer.echo(f"{result.output}: up to date", err=True)
        raise typer.Exit(EXIT_OK)
    typer.echo(
        f"{result.output}: {result.state}; regenerate with: "
        f"yamlpipe compile {pipeline} -o {result.output}",
        err=True,
    )
    for line in result.summary:
        typer.echo(f"  {visible(line)}", err=True)
    raise typer.Exit(EXIT_INVALID)


OptionalPipeline = Annotated[
    str | None,
    typer.Argument(
        metavar="[PIPELINE]",
        help="A pipeline file (or a graph component); not needed with --run.",
        show_default=False,
    ),
]


def graph_command(
    pipeline: OptionalPipeline = None,
    run: Annotated[
        str | None,
        typer.Option(
            "--run",
            metavar="RUN",
            help="Draw a recorded run instead, every task coloured by its state (a run id, a "
            "unique prefix of it, or a run name).",
            show_default=False,
        ),
    ] = None,
    graph_format: Annotated[
        GraphFormat,
        typer.Option(
            "--format",
            "-f",
            metavar="FORMAT",
            help="mermaid or dot text, or svg (needs Graphviz's dot on PATH).",
        ),
    ] = GraphFormat.mermaid,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="Write here instead of standard output.",
            show_default=False,
        ),
    ] = None,
    offline: OfflineOption = False,
    frozen: FrozenOption = False,
) -> None:
    """Draw a pipeline's tasks and what they wait for, with conditions, loops and the exit
    handler marked; nested pipelines are drawn inside their task. With --run, draw a run from
    the run store instead, coloured by state."""
    kind = "dot" if graph_format is GraphFormat.svg else graph_format.value
    if run is not None:
        _emit(run_graph_text(run, kind), graph_format, output)
    if pipeline is None:
        _fail_usage("give a PIPELINE file, or --run RUN")
    require_paths([pipeline])
    workspace = api.Workspace(api.ResolveOptions(offline=offline, frozen=frozen))
    try:
        report = workspace.check(pipeline)
    finally:
        workspace.close()
    if not report.ok or report.link is None or report.link.graph is None:
        print_diagnostics([report], Format.text)
        raise typer.Exit(EXIT_INVALID)
    if report.problems:  # warnings: shown, on standard error, beside the picture
        print_diagnostics([report], Format.text, summary=False)
    try:
        text = api.graph_text(report.link, kind)
    except ValueError as exc:
        _fail_usage(f"{pipeline}: {exc}")
    _emit(text, graph_format, output)


def _emit(text: str, graph_format: GraphFormat, output: Path | None) -> NoReturn:
    data = _svg(text) if graph_format is GraphFormat.svg else text.encode("utf-8")
    if output is None:
        typer.echo(data.decode("utf-8"), nl=False)
        raise typer.Exit(EXIT_OK)
    try:
        api.write_bytes(output, data)
    except YamlpipeError as problem:
        fail_with(problem, Format.text)
    raise typer.Exit(EXIT_OK)


def run_graph_text(run: str, kind: str) -> str:
    """A recorded run drawn from the run store of the project around the current folder."""
    try:
        with run_api.open_store() as store:
            record = store.run(run)
            workflow = store.workflow(record.id)
    except run_store.StoreError as error:
        typer.echo(f"yamlpipe: error: {error}", err=True)
        usage = isinstance(error, run_store.RunNotFound)
        raise typer.Exit(EXIT_USAGE if usage else EXIT_INVALID) from None
    nodes = [
        (t.name, "Cached" if t.cached else t.state)
        for t in record.tasks
        if t.kind in ("Pod", "Skipped")
    ]
    return run_graph.render_run_graph(workflow, nodes, kind)


def _svg(dot_text: str) -> bytes:
    dot = shutil.which("dot")
    if dot is None:
        typer.echo(
            "yamlpipe: error: --format svg needs Graphviz's `dot` program on PATH "
            "(e.g. `apt-get install graphviz`); `--format dot` prints the input it would get",
            err=True,
        )
        raise typer.Exit(EXIT_USAGE)
    result = subprocess.run(
        [dot, "-Tsvg"], input=dot_text.encode("utf-8"), capture_output=True, check=False
    )
    if result.returncode != 0:
        typer.echo(
            f"yamlpipe: error: dot failed: {result.stderr.decode(errors='replace')}", err=True
        )
        raise typer.Exit(EXIT_INVALID)
    return result.stdout
