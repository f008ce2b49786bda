"""`yamlpipe generate component|pipeline` (YAML from Python) and the `dsl-compile` script."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from yamlpipe import api
from yamlpipe.cli.common import (
    EXIT_INVALID,
    EXIT_OK,
    EXIT_USAGE,
    HELP_SETTINGS,
    Format,
    FormatOption,
    LazyModule,
    print_diagnostics,
    run_app,
)
from yamlpipe.errors import UsageError, YamlpipeError, YamlpipeErrors, has_errors
from yamlpipe.load.files import source_text

if TYPE_CHECKING:
    from yamlpipe.api import generate as generate_api
else:
    generate_api = LazyModule("yamlpipe.api.generate")

generate_app = typer.Typer(
    name="generate",
    help="Write component and pipeline YAML from Python code.",
    short_help="Write component and pipeline YAML from Python code.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

OutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        metavar="FILE",
        help="Write here instead of printing the YAML.",
        dir_okay=False,
    ),
]
ForceOption = Annotated[
    bool,
    typer.Option(
        "--force",
        help="Replace output files that exist although yamlpipe did not write them (every "
        "file it writes starts with a '# Written by `yamlpipe generate`' line).",
    ),
]


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main application: `generate`, and `dsl-compile`
    (the same command as the `dsl-compile` script, under yamlpipe's name)."""
    app.add_typer(generate_app)
    app.command(name="dsl-compile", short_help=DSL_COMPILE_SUMMARY)(dsl_compile_command)


def _problems_of(error: YamlpipeError) -> list[YamlpipeError]:
    return list(error) if isinstance(error, YamlpipeErrors) else [error]


def fail(error: YamlpipeError, output_format: Format = Format.text) -> NoReturn:
    """Print located problems (with their source lines) and exit 1, or 2 when the command
    was asked for something that is not there (a file, a function)."""
    problems = _problems_of(error)
    texts = {}
    for problem in problems:
        name = problem.location.file
        if name not in texts and (text := source_text(name)) is not None:
            texts[name] = text
    file = problems[0].location.file if problems else "<python>"
    print_diagnostics([api.FileReport(file, tuple(problems), texts)], output_format, summary=False)
    raise typer.Exit(EXIT_USAGE if isinstance(error, UsageError) else EXIT_INVALID)


def _usage(message: str) -> None:
    typer.echo(f"yamlpipe: error: {message}", err=True)
    raise typer.Exit(EXIT_USAGE)


@generate_app.command("component", short_help="A component from a Python function.")
def component(
    target: Annotated[
        str,
        typer.Argument(
            metavar="FILE.py:FUNCTION", help="A self-contained function.", show_default=False
        ),
    ],
    output: OutputOption = None,
    base_image: Annotated[
        str | None,
        typer.Option("--base-image", metavar="IMAGE", help="The image the program runs in."),
    ] = None,
    packages: Annotated[
        list[str] | None,
        typer.Option(
            "--packages",
            metavar="REQUIREMENT",
            help="A pip requirement to install first (repeatable).",
        ),
    ] = None,
    dockerfile: Annotated[
        Path | None,
        typer.Option(
            "--dockerfile",
            metavar="FOLDER",
            help="Write a Docker build context (Dockerfile, program, requirements) here; "
            "the component then runs the program baked into --image.",
            file_okay=False,
        ),
    ] = None,
    image: Annotated[
        str | None,
        typer.Option(
            "--image", metavar="TAG", help="The tag of the image built from --dockerfile."
        ),
    ] = None,
    build: Annotated[
        bool, typer.Option("--build", help="Run `docker build` on the context (needs Docker).")
    ] = False,
    force: ForceOption = False,
    output_format: FormatOption = Format.text,
) -> None:
    """Write a KFP v1 component for a Python function, as KFP's create_component_from_func
    does: type hints become input and output types, defaults make inputs optional, the
    docstring becomes the description."""
    if (dockerfile is None) != (image is None):
        _usage("--dockerfile and --image go together")
    if build and dockerfile is None:
        _usage("--build needs --dockerfile DIR --image TAG")
    try:
        generated = generate_api.generate_component(target, base_image, packages or (), image)
        _write_or_print(generated.text, output, force)
        if dockerfile is not None and image is not None:
            _write_context(generated, dockerfile, image, build)
    except YamlpipeError as error:
        fail(error, output_format)
    raise typer.Exit(EXIT_OK)


def _write_or_print(text: str, output: Path | None, force: bool) -> None:
    if output is None:
        typer.echo(text, nl=False)
        return
    generate_api.check_overwrite([output], force)
    generate_api.write_text(output, text)
    typer.echo(f"{output}: written", err=True)


def _write_context(
    generated: generate_api.FunctionComponent, folder: Path, image: str, build: bool
) -> None:
    written = generate_api.write_build_context(generate_api.build_context_for(generated), folder)
    typer.echo(f"{folder}: build context written ({', '.join(p.name for p in written)})", err=True)
    if not build:
        typer.echo(f"build it with: docker build -t {image} {folder}", err=True)
        return
    proc = generate_api.build_image(folder, image)
    sys.stderr.write(proc.stdout + proc.stderr)
    if proc.returncode != 0:
        typer.echo(f"yamlpipe: error: docker build failed (exit {proc.returncode})", err=True)
        raise typer.Exit(EXIT_INVALID)
    typer.echo(f"{image}: built", err=True)


@generate_app.command("pipeline", short_help="Pipeline YAML from KFP-style DSL code.")
def pipeline(
    target: Annotated[
        str,
        typer.Argument(
            metavar="FILE.py[:FUNCTION]",
            help="The pipeline function; FILE.py alone when it has one @dsl.pipeline function.",
            show_default=False,
        ),
    ],
    output: OutputOption = None,
    components_dir: Annotated[
        str,
        typer.Option(
            "--components-dir",
            metavar="FOLDER",
            help="Where components generated from Python functions are written, relative "
            "to the pipeline file.",
        ),
    ] = "components",
    force: ForceOption = False,
    output_format: FormatOption = Format.text,
) -> None:
    """Run a KFP v1-style pipeline function (yamlpipe.dsl, or `import kfp.dsl` unchanged) and
    write the pipeline YAML it describes, then validate it like any pipeline file.

    Components made from Python functions are written beside it (--components-dir). A file
    that exists and was not written by yamlpipe is never replaced without --force."""
    try:
        emitted = generate_api.generate_pipeline(target, output, components_dir)
        if output is None and emitted.components:
            _usage("this pipeline has generated components: give -o PIPELINE.yaml")
        if output is None:
            typer.echo(emitted.text, nl=False)
            raise typer.Exit(EXIT_OK)
        written = generate_api.write_pipeline(emitted, output, force)
    except YamlpipeError as error:
        fail(error, output_format)
    for path in written:
        typer.echo(f"{path}: written", err=True)
    assert output is not None  # without -o the YAML was printed and the command ended
    reports = [
        generate_api.report_at_python_lines(r, emitted, output)
        for r in api.validate_paths([str(output)])
    ]
    if any(r.problems for r in reports):
        print_diagnostics(reports, output_format)
    failed = any(has_errors(r.problems) for r in reports)
    raise typer.Exit(EXIT_INVALID if failed else EXIT_OK)


DSL_COMPILE_SUMMARY = "KFP's dsl-compile: compile a KFP v1 Python pipeline file."


def dsl_compile_command(
    py: Annotated[
        Path, typer.Option("--py", metavar="FILE", help="The Python file with the pipeline.")
    ],
    output: Annotated[
        Path,
        typer.Option(
            "--output", "-o", metavar="FILE", help="The package to write (.yaml, .zip, .tar.gz)."
        ),
    ],
    function: Annotated[
        str | None,
        typer.Option(
            "--function",
            metavar="NAME",
            help="The pipeline function (needed when the file has several).",
        ),
    ] = None,
    disable_type_check: Annotated[
        bool, typer.Option("--disable-type-check", help="Accepted for compatibility.")
    ] = False,
) -> None:
    """KFP's dsl-compile: run a KFP v1 pipeline file (`import kfp` unchanged), write the
    pipeline YAML it describes and compile that into a package.

    The `dsl-compile` script is this command; when kfp is installed in the same
    environment, one of the two scripts replaces the other, and `yamlpipe dsl-compile`
    always names this one. Exit codes: 0 written, 1 an error in the program or the
    pipeline, 2 usage error (a file or function that is not there).
    """
    target = f"{py}:{function}" if function else str(py)
    try:
        with generate_api.module_aliases(generate_api.kfp_standins()):
            func = generate_api.load_function(
                target, pipeline=True, naming="name one with --function NAME"
            )
            generate_api.Compiler().compile(func, output)
    except YamlpipeError as error:
        fail(error)
    raise typer.Exit(EXIT_OK)


dsl_compile_app = typer.Typer(
    name="dsl-compile",
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings=HELP_SETTINGS,
)
dsl_compile_app.command()(dsl_compile_command)


def dsl_compile() -> None:
    """Entry point of the `dsl-compile` console script."""
    run_app(dsl_compile_app, "dsl-compile")
