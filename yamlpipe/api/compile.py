"""Compiling pipeline files into cluster packages, and checking that a committed one is current."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from yamlpipe.api.files import FileReport
from yamlpipe.api.validate import Workspace
from yamlpipe.compile import (
    SIZE_LIMIT,
    SIZE_WARNING,
    Package,
    build_package,
    compile_workflow,
    iter_diff_summary,
    largest_templates,
    package_format,
    read_package_text,
    render_graph,
)
from yamlpipe.errors import WARNING, Location, YamlpipeError, YamlpipeErrors, has_errors
from yamlpipe.link import LinkedPipeline, LinkResult
from yamlpipe.load.files import describe_os_error, read_regular_file, write_output
from yamlpipe.load.yamltext import gc_paused
from yamlpipe.resolve import ResolveOptions

FORMATS = ("yaml", "zip", "tar.gz")


@dataclass(frozen=True)
class CompileReport:
    """What compiling one pipeline file gave: the package, or the problems that stopped it."""

    file: str
    problems: tuple[YamlpipeError, ...]
    texts: Mapping[str, str] = field(default_factory=dict)
    package: Package | None = None

    @property
    def ok(self) -> bool:
        return self.package is not None and not has_errors(self.problems)


@dataclass(frozen=True)
class CheckResult:
    """Whether a package file on disk is what compiling gives now."""

    output: str
    state: Literal["current", "stale", "missing"]
    summary: tuple[str, ...] = ()

    @property
    def current(self) -> bool:
        return self.state == "current"


def _kib(size: int) -> str:
    return f"{size / 1024:.1f} KiB"


def size_problems(file: str, package: Package, allow_large: bool) -> list[YamlpipeError]:
    """A warning as the Workflow nears Kubernetes' 1 MiB object limit, an error past it."""
    size = package.workflow_size
    if size <= SIZE_WARNING:
        return []
    too_big = size > SIZE_LIMIT
    largest = ", ".join(f"{n} ({_kib(s)})" for n, s in largest_templates(package))
    what = "over the 1 MiB" if too_big else "near the 1 MiB"
    return [
        YamlpipeError(
            Location(file),
            f"the Workflow is {_kib(size)}, {what} Kubernetes allows for one object",
            f"largest templates: {largest}"
            + ("; --allow-large writes it anyway" if too_big and not allow_large else ""),
            severity=WARNING if allow_large or not too_big else "error",
        )
    ]


def compile_file(
    path: str | os.PathLike[str],
    fmt: str = "yaml",
    *,
    allow_large: bool = False,
    options: ResolveOptions | None = None,
    cache_root: Path | None = None,
    text: str | None = None,
) -> CompileReport:
    """Load, link and compile one pipeline file into a package of the given format (with
    `text`: that text, as if it were the file, which need not exist)."""
    file = os.fspath(path)
    checked, graph = link_pipeline(file, "compile", options, cache_root, text)
    if graph is None:
        return CompileReport(file, checked.problems, checked.texts)
    package, found = package_graph(graph, fmt)
    problems = [*checked.problems, *found]
    if package is not None:
        problems.extend(size_problems(file, package, allow_large))
    failed = package is None or has_errors(problems)
    return CompileReport(file, tuple(problems), checked.texts, None if failed else package)


def link_pipeline(
    file: str,
    command: str,
    options: ResolveOptions | None = None,
    cache_root: Path | None = None,
    text: str | None = None,
) -> tuple[FileReport, LinkedPipeline | None]:
    """Load and link a pipeline file (or graph component); the linked pipeline, or None with
    the problems that stop `command` (a container component has no DAG to compile)."""
    workspace = Workspace(options or ResolveOptions(), cache_root)
    try:
        checked = workspace.check(file, text)
    finally:
        workspace.close()
    graph = checked.link.graph if checked.link is not None else None
    if not checked.ok or graph is None:
        return checked, None
    if not isinstance(graph, LinkedPipeline):
        problem = YamlpipeError(
            Location(file),
            f"{file} is a container component; {command} takes a pipeline or a graph component",
            "write a pipeline file with a task that uses this component",
        )
        return FileReport(file, (*checked.problems, problem), checked.texts), None
    return checked, graph


def package_graph(
    graph: LinkedPipeline, fmt: str = "yaml"
) -> tuple[Package | None, tuple[YamlpipeError, ...]]:
    """Compile a linked pipeline and write its package in memory (None on errors)."""
    with gc_paused():  # one pause for both steps: a collection in between costs ~0.3 s at 10k
        result = compile_workflow(graph)
        if result.workflow is None:
            return None, result.problems
        return build_package(result.workflow, fmt), result.problems


def check_package(package: Package, output: str | os.PathLike[str]) -> CheckResult:
    """Compare a freshly compiled package with the file at `output` (a located error when
    that is not a regular file that can be read)."""
    out = os.fspath(output)
    try:
        existing = read_regular_file(out)
    except FileNotFoundError:
        return CheckResult(out, "missing", (f"{out} does not exist",))
    except OSError as exc:
        raise YamlpipeError(
            Location(out), f"cannot read the package: {describe_os_error(exc)}"
        ) from None
    if existing == package.data:
        return CheckResult(out, "current")
    try:
        old_text = read_package_text(existing, package.format)
    except ValueError as exc:
        return CheckResult(out, "stale", (f"{out} cannot be read as a package: {exc}",))
    if old_text == package.text:
        return CheckResult(out, "stale", ("same pipeline.yaml, different package bytes",))
    return CheckResult(out, "stale", tuple(iter_diff_summary(old_text, package.text)))


def write_package(package: Package, output: str | os.PathLike[str]) -> None:
    """Write the package atomically: the old file stays whole until the new one is complete.
    A path that cannot take it is a located error."""
    write_output(output, package.data)


def write_bytes(output: str | os.PathLike[str], data: bytes) -> None:
    """Write any output file atomically (a located error when it cannot be written)."""
    write_output(output, data)


def graph_text(link: LinkResult, kind: str) -> str:
    """A linked pipeline's DAG as `mermaid` or `dot` text."""
    graph = link.graph
    if not isinstance(graph, LinkedPipeline):
        raise ValueError("only pipelines and graph components have a DAG to draw")
    return render_graph(graph, kind)


def compile(
    pipeline: str | os.PathLike[str],
    output: str | os.PathLike[str] | None = None,
    *,
    allow_large: bool = False,
    options: ResolveOptions | None = None,
) -> Package:
    """Compile a pipeline file, write the package to `output` (format from its extension)
    when given, and return it. Raises YamlpipeErrors listing every problem."""
    fmt = "yaml" if output is None else package_format(output)
    if fmt is None:
        raise YamlpipeError(
            Location(os.fspath(output or "")),
            "the output must end in .yaml, .yml, .zip, .tar.gz or .tgz",
        )
    report = compile_file(pipeline, fmt, allow_large=allow_large, options=options)
    if report.package is None:
        raise YamlpipeErrors([p for p in report.problems if p.is_error] or report.problems)
    if output is not None:
        write_package(report.package, output)
    return report.package


__all__ = [
    "CheckResult",
    "CompileReport",
    "check_package",
    "compile",
    "compile_file",
    "graph_text",
    "link_pipeline",
    "package_format",
    "package_graph",
    "write_bytes",
    "write_package",
]
