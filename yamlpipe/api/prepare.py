"""What may leave this machine: a pipeline file validated and compiled into a package, or a
package read; arguments checked against the pipeline's inputs. Upload and submit send nothing
that did not pass here."""

from __future__ import annotations

import copy
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from yamlpipe.api.compile import compile_file
from yamlpipe.api.run import bind_arguments, is_package
from yamlpipe.compile import package_format, package_stem
from yamlpipe.compile.values import serialize
from yamlpipe.errors import Location, YamlpipeError, YamlpipeErrors, has_errors
from yamlpipe.kfpapi.records import Package
from yamlpipe.resolve import ResolveOptions
from yamlpipe.run.workflow import read_package_file, workflow_from_dict

logger = logging.getLogger(__name__)

CACHING_LABEL = "pipelines.kubeflow.org/enable_caching"
TEXT_LIMIT = 4 * 1024 * 1024
"""A package's text is kept for showing its lines in messages when it is at most this big."""


class InvalidPipeline(YamlpipeErrors):
    """A pipeline file or package that may not be uploaded or run; `texts` holds the files
    the problems point into, for showing their lines."""

    def __init__(self, problems: list[YamlpipeError], texts: Mapping[str, str]) -> None:
        super().__init__(problems)
        self.texts = dict(texts)


@dataclass(frozen=True)
class PreparedPackage:
    """A pipeline file or package checked for upload: the package, or what stops it."""

    file: str
    problems: tuple[YamlpipeError, ...]
    texts: Mapping[str, str] = field(default_factory=dict)
    package: Package | None = None

    @property
    def ok(self) -> bool:
        return self.package is not None and not has_errors(self.problems)


def prepare_package(
    target: str | os.PathLike[str], options: ResolveOptions | None = None
) -> PreparedPackage:
    """Read a package, or validate and compile a pipeline file, into what is sent."""
    file = os.fspath(target)
    if not os.path.isfile(file):
        return PreparedPackage(file, (YamlpipeError(Location(file), "no such file"),))
    if is_package(file):
        return _read_package(file)
    report = compile_file(file, "yaml", options=options)
    if not report.ok or report.package is None:
        return PreparedPackage(file, report.problems, report.texts)
    name = f"{package_stem(file)}.yaml"
    package = Package(name, report.package.data, report.package.workflow, os.path.abspath(file))
    return PreparedPackage(file, report.problems, report.texts, package)


def _read_package(file: str) -> PreparedPackage:
    try:
        workflow = read_package_file(file)
        data = Path(file).read_bytes()
    except YamlpipeError as problem:
        return PreparedPackage(file, (problem,), _yaml_text(file))
    except OSError as exc:
        return PreparedPackage(file, (YamlpipeError(Location(file), str(exc.strerror)),))
    name = os.path.basename(file)
    return PreparedPackage(file, (), {}, Package(name, data, workflow.data, os.path.abspath(file)))


def load_package(target: str | os.PathLike[str], options: ResolveOptions | None = None) -> Package:
    """The package to send for a file; InvalidPipeline when it may not be sent."""
    prepared = prepare_package(target, options)
    for warning in (p for p in prepared.problems if not p.is_error):
        logger.warning("%s", warning)
    if not prepared.ok or prepared.package is None:
        raise InvalidPipeline([p for p in prepared.problems if p.is_error], prepared.texts)
    return prepared.package


def _yaml_text(file: str) -> dict[str, str]:
    """A YAML package's text, so that a problem in it is shown with its line."""
    try:
        if package_format(file) == "yaml" and os.path.getsize(file) <= TEXT_LIMIT:
            return {file: Path(file).read_text("utf-8", errors="replace")}
    except OSError:
        pass
    return {}


def check_arguments(package: Package, arguments: Mapping[str, Any] | None) -> dict[str, str]:
    """Arguments as text (as KFP passes them), checked against the package's inputs: names,
    types, required ones given. Raises YamlpipeErrors of ArgumentError."""
    given = {str(k): serialize(v) for k, v in (arguments or {}).items()}
    workflow = workflow_from_dict(dict(package.workflow), package.source or package.filename)
    return bind_arguments(workflow, given)


def check_argument_names(
    parameters: tuple[tuple[str, str | None], ...], arguments: Mapping[str, Any] | None
) -> dict[str, str]:
    """Arguments for an uploaded pipeline: only names can be checked (KFP's API does not say
    which parameters have defaults, nor their types)."""
    declared = [{"name": name, "value": ""} for name, _ in parameters]
    data = {"kind": "Workflow", "spec": {"templates": [], "arguments": {"parameters": declared}}}
    given = {str(k): serialize(v) for k, v in (arguments or {}).items()}
    return bind_arguments(workflow_from_dict(data, "<pipeline>"), given)


def with_caching(package: Package, enabled: bool) -> Package:
    """kfp.Client's `enable_caching`: every step that has KFP's caching label gets `enabled`."""
    workflow = copy.deepcopy(dict(package.workflow))
    for template in (workflow.get("spec") or {}).get("templates") or []:
        labels = (template.get("metadata") or {}).get("labels") or {}
        if CACHING_LABEL in labels:
            labels[CACHING_LABEL] = str(enabled).lower()
    return replace(package, workflow=workflow)


__all__ = [
    "InvalidPipeline",
    "PreparedPackage",
    "check_argument_names",
    "check_arguments",
    "load_package",
    "package_stem",
    "prepare_package",
    "with_caching",
]
