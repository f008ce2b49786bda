"""Running pipelines on this machine: a pipeline file is validated and compiled in memory,
a package (ours or KFP's) is run as it is; arguments are checked against the pipeline's
inputs before anything starts."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from yamlpipe.api.compile import link_pipeline
from yamlpipe.api.files import FileReport
from yamlpipe.compile import compile_workflow, package_format
from yamlpipe.compile.values import serialize
from yamlpipe.errors import Location, YamlpipeError, YamlpipeErrors, has_errors
from yamlpipe.load.yamltext import read_yaml
from yamlpipe.resolve import ResolveOptions
from yamlpipe.run.arguments import ArgumentError, bind_arguments
from yamlpipe.run.model import Observer
from yamlpipe.run.runner import RunOptions, RunRefused, RunResult, RunSource, execute, project_root
from yamlpipe.run.secrets import read_secrets_file
from yamlpipe.run.store import RunRecord, RunStore
from yamlpipe.run.workflow import (
    PackageError,
    read_package_file,
    workflow_from_dict,
    workflow_from_document,
)


@dataclass(frozen=True)
class Prepared:
    """What `run` is about to execute, or the problems that stop it (with the texts to quote)."""

    report: FileReport
    source: RunSource | None

    @property
    def ok(self) -> bool:
        return self.source is not None and not has_errors(self.report.problems)


def is_package(path: str) -> bool:
    """A compiled package: an archive, or YAML whose top level says `kind: Workflow`."""
    fmt = package_format(path)
    if fmt in ("zip", "tar.gz"):
        return True
    try:
        with open(path, encoding="utf-8", errors="replace") as stream:
            head = stream.read(65536)
    except OSError:
        return False
    return any(line.rstrip() == "kind: Workflow" for line in head.splitlines())


def _digest(path: str) -> str:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return ""


def prepare_run(target: str | os.PathLike[str], options: ResolveOptions | None = None) -> Prepared:
    """Read a package, or validate and compile a pipeline file, into what a run executes."""
    file = os.fspath(target)
    if is_package(file):
        try:
            workflow = read_package_file(file)
        except YamlpipeError as problem:
            return Prepared(FileReport(file, (problem,), _text(file)), None)
        return Prepared(FileReport(file, (), _text(file)), RunSource(workflow, "", _digest(file)))
    return _compile_pipeline(file, options)


def _text(file: str) -> dict[str, str]:
    try:
        if os.path.getsize(file) < 4 * 1024 * 1024 and package_format(file) == "yaml":
            return {file: Path(file).read_text("utf-8", errors="replace")}
    except OSError:
        pass
    return {}


def _compile_pipeline(file: str, options: ResolveOptions | None) -> Prepared:
    checked, graph = link_pipeline(file, "run", options)
    if graph is None:
        return Prepared(checked, None)
    result = compile_workflow(graph)
    report = FileReport(file, (*checked.problems, *result.problems), checked.texts)
    if result.workflow is None:
        return Prepared(report, None)
    workflow = workflow_from_dict(result.workflow, file)
    return Prepared(report, RunSource(workflow, file, _digest(file), result.sources))


# ---- arguments -------------------------------------------------------------------------------


def parse_assignments(pairs: Iterable[str]) -> dict[str, str]:
    """`NAME=VALUE` pairs (from -a) into a mapping; a pair without `=` is a usage error."""
    found: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise ArgumentError(
                Location("<arguments>"),
                f"argument {pair!r} is not NAME=VALUE",
                "for example: -a epochs=10",
            )
        found[name.strip()] = value
    return found


def read_arguments_file(path: str) -> dict[str, str]:
    """A YAML or JSON mapping of argument names to values; lists and maps become JSON."""
    try:
        text = Path(path).read_text("utf-8")
    except OSError as exc:
        raise ArgumentError(Location(path), f"cannot read {path}: {exc.strerror}") from None
    document = read_yaml(text, path)
    if document.data is None:
        return {}
    if not isinstance(document.data, dict):
        raise ArgumentError(
            Location(path, 1, 1),
            "an arguments file maps pipeline input names to values",
            "for example:  epochs: 10",
        )
    return {str(k): serialize(v) for k, v in document.data.items() if v is not None}


# ---- running ---------------------------------------------------------------------------------


def open_store(root: str | os.PathLike[str] | None = None) -> RunStore:
    """The run store of the project at `root` (default: the project around the current folder)."""
    return RunStore(Path(root) if root is not None else project_root())


def run_prepared(
    prepared: Prepared,
    arguments: Mapping[str, str],
    options: RunOptions,
    *,
    store: RunStore,
    observer: Observer | None = None,
) -> RunResult:
    """Run what prepare_run gave (raises RunRefused when this machine cannot run it)."""
    if prepared.source is None:
        raise YamlpipeErrors([p for p in prepared.report.problems if p.is_error])
    return execute(prepared.source, arguments, options, store, observer)


def run_pipeline(
    target: str | os.PathLike[str],
    arguments: Mapping[str, Any] | None = None,
    *,
    backend: str = "subprocess",
    jobs: int = 0,
    use_cache: bool = True,
    experiment: str = "Default",
    name: str | None = None,
    secrets_file: str | None = None,
    network: str | None = None,
    root: str | os.PathLike[str] | None = None,
    observer: Observer | None = None,
) -> RunRecord:
    """Validate (or read) and run a pipeline on this machine; the recorded run.

    Raises YamlpipeErrors for invalid files or arguments, and RunRefused when a task needs
    something this machine lacks (a cluster, Docker, a secret)."""
    prepared = prepare_run(target)
    if not prepared.ok or prepared.source is None:
        raise YamlpipeErrors([p for p in prepared.report.problems if p.is_error])
    given = {k: serialize(v) for k, v in (arguments or {}).items()}
    bound = bind_arguments(prepared.source.workflow, given)
    secrets = read_secrets_file(secrets_file) if secrets_file else {}
    options = RunOptions(backend, jobs, use_cache, experiment, name, secrets, network)
    with open_store(root) as store:
        return run_prepared(prepared, bound, options, store=store, observer=observer).record


__all__ = [
    "ArgumentError",
    "PackageError",
    "Prepared",
    "RunRefused",
    "bind_arguments",
    "is_package",
    "open_store",
    "parse_assignments",
    "prepare_run",
    "read_arguments_file",
    "read_secrets_file",
    "run_pipeline",
    "run_prepared",
    "workflow_from_document",
]
