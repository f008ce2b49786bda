"""Python -> YAML for the CLI and Python users: components from functions in .py files,
images from Python code, pipeline YAML from KFP-style DSL files, and the drop-in Compiler."""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from yamlpipe.api.compile import compile as compile_package
from yamlpipe.api.files import FileReport
from yamlpipe.api.validate import Workspace
from yamlpipe.errors import Location, UsageError, YamlpipeError, YamlpipeErrors
from yamlpipe.generate.component import FunctionComponent, component_from_function
from yamlpipe.generate.dsl import (
    EmittedPipeline,
    PipelineConf,
    TaskFactory,
    emit_pipeline,
    record_pipeline,
)
from yamlpipe.generate.functions import build_python_component as _build_python_component
from yamlpipe.generate.functions import (
    load_component_from_file,
    load_component_from_text,
    reference_from_text,
)
from yamlpipe.generate.image import (
    BuildContext,
    build_context_for,
    check_docker_engine,
    docker_build,
    no_engine_error,
    write_build_context,
)
from yamlpipe.generate.kfpcompat import kfp_modules
from yamlpipe.generate.pyfile import (
    find_function,
    find_pipeline_function,
    load_python_file,
    module_aliases,
    running_user_code,
)
from yamlpipe.load.files import source_text, write_output
from yamlpipe.load.yamltext import read_yaml
from yamlpipe.resolve import Request, ResolveOptions
from yamlpipe.resolve.refs import parse_reference

__all__ = [
    "BuildContext",
    "Compiler",
    "EmittedPipeline",
    "FunctionComponent",
    "build_context_for",
    "build_image",
    "build_python_component",
    "generate_component",
    "generate_pipeline",
    "kfp_standins",
    "load_component",
    "load_component_from_url",
    "load_function",
    "module_aliases",
    "pipeline_from_function",
    "split_target",
    "write_build_context",
    "write_pipeline",
    "write_text",
]

TARGET_HINT = "write FILE.py:FUNCTION, e.g. components.py:train"


def split_target(target: str) -> tuple[Path, str | None]:
    """`FILE.py:FUNC` -> (FILE.py, FUNC); `FILE.py` alone -> (FILE.py, None)."""
    path, sep, name = target.rpartition(":")
    if not sep or not name.isidentifier():
        return Path(target), None
    return Path(path), name


def load_component_from_url(url: str) -> TaskFactory:
    """A task factory for a component at an https URL (cached, `#sha256=` pins checked)."""
    workspace = Workspace(ResolveOptions())
    try:
        resolver = workspace.resolver_for(Path.cwd() / "pipeline.py")
        [result] = resolver.resolve_all([Request(parse_reference(url), str(Path.cwd()))])
    finally:
        workspace.close()
    if isinstance(result, YamlpipeError):
        raise result
    return TaskFactory(reference_from_text(result.text, result.name, url=url))


def load_component(
    filename: str | Path | None = None, url: str | None = None, text: str | None = None
) -> TaskFactory:
    """KFP's load_component: exactly one of a file, an URL or the component's text."""
    given = [(k, v) for k, v in (("filename", filename), ("url", url), ("text", text)) if v]
    if len(given) != 1:
        raise YamlpipeError(
            Location("<python>"), "load_component takes exactly one of filename, url and text"
        )
    if filename:
        return load_component_from_file(filename)
    return load_component_from_url(str(url)) if url else load_component_from_text(str(text))


def kfp_standins() -> dict[str, ModuleType]:
    """Modules that `import kfp`, `kfp.dsl`, `kfp.components`, `kfp.compiler` find while a
    KFP v1 file runs under yamlpipe."""
    return kfp_modules(
        {"load_component_from_url": load_component_from_url, "load_component": load_component},
        {"Compiler": Compiler, "build_python_component": build_python_component},
    )


def load_function(target: str, pipeline: bool, naming: str | None = None) -> Callable[..., Any]:
    """The function `FILE.py:FUNC` names (with `pipeline`, FILE.py alone names its one
    @dsl.pipeline function; `naming` is the hint saying how else to name one). A target
    that names no function is a UsageError."""
    path, name = split_target(target)
    shown = str(path)
    if path.suffix != ".py":
        raise UsageError(Location(shown), "expected a Python file (.py)", TARGET_HINT)
    if not path.is_file():
        raise UsageError(Location(shown), "no such Python file")
    if name is None and not pipeline:
        raise UsageError(Location(shown), "which function? name it after a colon", TARGET_HINT)
    module = load_python_file(path, shown)
    if name is None:
        return find_pipeline_function(module, shown, naming)
    return find_function(module, name, shown)


def generate_component(
    target: str,
    base_image: str | None = None,
    packages: Sequence[str] = (),
    image: str | None = None,
) -> FunctionComponent:
    """The component for `FILE.py:FUNC` (with `image`, one whose program is baked in)."""
    with module_aliases(kfp_standins()):
        func = load_function(target, pipeline=False)
        return component_from_function(func, base_image, packages, image=image)


def pipeline_from_function(
    func: Callable[..., Any],
    base_dir: Path,
    components_dir: str = "components",
    conf: PipelineConf | None = None,
) -> EmittedPipeline:
    """Run a pipeline function and emit its YAML (references relative to `base_dir`)."""
    name = getattr(func, "__name__", "the pipeline function")
    with module_aliases(kfp_standins()), running_user_code(f"pipeline function {name!r}"):
        recorded = record_pipeline(func, conf)
    return emit_pipeline(recorded, base_dir, components_dir)


def generate_pipeline(
    target: str, output: Path | None, components_dir: str = "components"
) -> EmittedPipeline:
    """The pipeline YAML of `FILE.py[:FUNC]`, for writing to `output` (or the working folder)."""
    base_dir = output.parent if output is not None else Path.cwd()
    with module_aliases(kfp_standins()):
        func = load_function(target, pipeline=True)
        return pipeline_from_function(func, base_dir, components_dir)


GENERATED_MARK = "# Written by `yamlpipe generate`: change the Python code and regenerate.\n"
"""The first line of every file `generate` writes, so that it replaces only its own files."""


def is_generated(path: Path) -> bool:
    """True when the file at path starts with GENERATED_MARK (yamlpipe wrote it)."""
    text = source_text(path)
    return text is not None and text.startswith(GENERATED_MARK)


def check_overwrite(paths: Sequence[Path], force: bool = False) -> None:
    """Refuse to replace a file that yamlpipe did not write (a hand-written component beside
    the pipeline, say), unless forced; nothing is written when any is refused."""
    if force:
        return
    for path in paths:
        if os.path.lexists(path) and not is_generated(path):
            raise YamlpipeError(
                Location(str(path)),
                "the file exists and was not written by `yamlpipe generate`; it is left as it is",
                "move it away, write elsewhere, or pass --force to replace it",
            )


def write_text(path: Path, text: str) -> None:
    """Write a generated file atomically (no partial file on failure), marked as generated."""
    write_output(path, (GENERATED_MARK + text).encode("utf-8"))


def write_pipeline(emitted: EmittedPipeline, output: Path, force: bool = False) -> list[Path]:
    """Write the pipeline and its generated component files; returns what was written.

    Files that exist and were not written by yamlpipe are refused (all of them before any
    is written) unless `force`."""
    targets = {output.parent / relative: text for relative, text in emitted.components.items()}
    check_overwrite([*targets, output], force)
    for target, text in targets.items():
        write_text(target, text)
    write_text(output, emitted.text)
    return [*targets, output]


def build_image(folder: Path, tag: str) -> subprocess.CompletedProcess[str]:
    """`docker build` the context, or a plain error saying that no Docker engine answered."""
    check = check_docker_engine()
    if not check.available:
        raise no_engine_error(folder, tag, check)
    return docker_build(folder, tag)


def build_python_component(
    component_func: Callable[..., Any],
    staging_gcs_path: str | None = None,
    target_image: str | None = None,
    base_image: str | None = None,
    dependency: Sequence[str] = (),
    build_context_dir: str | Path | None = None,
    output_component_file: str | Path | None = None,
    build: bool = False,
    **unused: Any,
) -> TaskFactory:
    """KFP's build_python_component: a component running the function from an image built
    from a generated build context (with `build=True`, built now by the local Docker)."""
    if not target_image:
        raise YamlpipeError(Location("<python>"), "build_python_component needs target_image")
    folder = Path(build_context_dir or tempfile.mkdtemp(prefix="yamlpipe-build-"))
    factory, _ = _build_python_component(
        component_func, target_image, base_image, dependency, folder, output_component_file
    )
    if build:
        proc = build_image(folder, target_image)
        if proc.returncode != 0:
            raise YamlpipeError(
                Location(str(folder)), f"docker build failed:\n{proc.stderr.strip()}"
            )
    return factory


class Compiler:
    """KFP's `kfp.compiler.Compiler`, going through the generated pipeline YAML."""

    def compile(
        self,
        pipeline_func: Callable[..., Any],
        package_path: str | Path,
        type_check: bool = True,
        pipeline_conf: PipelineConf | None = None,
    ) -> None:
        """Emit the pipeline YAML (in a temporary folder) and compile it to `package_path`."""
        package = Path(package_path)
        with tempfile.TemporaryDirectory(prefix="yamlpipe-") as folder:
            yaml_path = Path(folder) / "pipeline.yaml"
            emitted = pipeline_from_function(pipeline_func, yaml_path.parent, conf=pipeline_conf)
            write_pipeline(emitted, yaml_path)
            try:
                compile_package(yaml_path, package)
            except YamlpipeError as error:
                raise at_python_lines(error, emitted, yaml_path) from None

    def write_pipeline_yaml(
        self,
        pipeline_func: Callable[..., Any],
        path: str | Path,
        pipeline_conf: PipelineConf | None = None,
    ) -> Path:
        """Write the pipeline YAML (and generated components beside it) for a function."""
        output = Path(path)
        emitted = pipeline_from_function(pipeline_func, output.parent, conf=pipeline_conf)
        write_pipeline(emitted, output)
        return output


def at_python_lines(
    error: YamlpipeError, emitted: EmittedPipeline, path: Path, kept: bool = False
) -> YamlpipeErrors:
    """Problems found in the pipeline YAML written for a Python function, each moved to the
    line of Python that created the task it is about; when the YAML is `kept` (written where
    the user asked), the hint says where in it."""
    doc = read_yaml(emitted.text, str(path))
    starts = sorted(
        (doc.loc(key_path, key=True).line, origin) for key_path, origin in emitted.origins.items()
    )
    moved = []
    for problem in error if isinstance(error, YamlpipeErrors) else [error]:
        if problem.location.file != str(path):
            moved.append(problem)
            continue
        before = [origin for line, origin in starts if line <= problem.location.line]
        where = before[-1] if before else Location("<pipeline>")
        hint = problem.hint or ""
        if kept:
            hint += ("; " if hint else "") + f"in the pipeline YAML at {problem.location}"
        moved.append(YamlpipeError(where, problem.message, hint or None, problem.severity, span=1))
    return YamlpipeErrors(moved)


def report_at_python_lines(report: FileReport, emitted: EmittedPipeline, path: Path) -> FileReport:
    """A generated pipeline's validation report with its problems at the Python lines."""
    if not report.problems:
        return report
    moved = tuple(at_python_lines(YamlpipeErrors(report.problems), emitted, path, kept=True))
    files = {p.location.file: Path(p.location.file) for p in moved}
    texts = {**report.texts, **texts_of(files)}
    return FileReport(report.file, moved, texts, report.link)


def texts_of(paths: Mapping[str, Path]) -> dict[str, str]:
    """File texts for rendering messages (unreadable files are skipped)."""
    texts = {}
    for name, path in paths.items():
        text = source_text(path)
        if text is not None:
            texts[name] = text
    return texts
