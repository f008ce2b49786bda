"""What the server does, for the API and the pages alike: upload pipelines, start, read and
stop runs. It holds no state of its own: every call opens the run store, and runs are asked
of the runner (threads of this process, `yamlpipe.run.background`)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from yamlpipe.compile import package_stem
from yamlpipe.errors import Location, YamlpipeError, YamlpipeErrors
from yamlpipe.kfpapi.records import Package
from yamlpipe.kfpapi.stored import new_version
from yamlpipe.run.arguments import bind_arguments
from yamlpipe.run.background import BackgroundRuns, stop_runner
from yamlpipe.run.runner import RunOptions, RunSource
from yamlpipe.run.store import (
    DEFAULT_EXPERIMENT,
    PipelineRecord,
    PipelineVersionRecord,
    RunStore,
)
from yamlpipe.run.workflow import workflow_from_dict

MAX_UPLOAD = 32 * 1024 * 1024
"""Bytes an upload may have, as KFP's API server reads at most 32 MB of a package."""
TERMINATED = "terminated: stopped by request"
SHUTDOWN = "cancelled: the server stopped"
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]")


@dataclass(frozen=True)
class UploadCheck:
    """An uploaded file checked: the Workflow to keep, or the problems (with the texts they
    point into, to show their lines)."""

    workflow: Mapping[str, Any] | None
    problems: tuple[YamlpipeError, ...] = ()
    texts: Mapping[str, str] = field(default_factory=dict)


UploadChecker = Callable[[str, bytes, str], UploadCheck]
"""(file name, its bytes, the project folder it is checked in) -> the check. The layer above
gives it: checking a pipeline file takes the validator and the compiler."""


class UploadRefused(YamlpipeErrors):
    """An upload that is not a pipeline this server may keep."""

    def __init__(self, check: UploadCheck) -> None:
        super().__init__([p for p in check.problems if p.is_error])
        self.check = check


@dataclass(frozen=True)
class ServeSettings:
    root: Path
    """The project whose run store the server reads and writes."""
    backend: str = "subprocess"
    jobs: int = 0
    token: str | None = None
    """When set, every write must carry it (bearer header, or the pages' sign-in cookie)."""
    max_upload: int = MAX_UPLOAD


def safe_file_name(name: str) -> str:
    """An uploaded file's own name, without folders or characters a path could use."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip().lstrip(".")
    return _UNSAFE_NAME.sub("_", base)[:120] or "pipeline.yaml"


class Service:
    """The server's operations over one project's run store."""

    def __init__(self, settings: ServeSettings, checker: UploadChecker) -> None:
        self.settings = settings
        self.checker = checker
        self.runs = BackgroundRuns(settings.root)

    @contextmanager
    def store(self) -> Iterator[RunStore]:
        store = RunStore(self.settings.root)
        try:
            yield store
        finally:
            store.close()

    # ---- pipelines ---------------------------------------------------------------------------

    def check_upload(self, filename: str, data: bytes, folder: str = "") -> UploadCheck:
        """An upload checked; UploadRefused when it may not be kept."""
        where = project_folder(self.settings.root, folder)
        check = self.checker(safe_file_name(filename), data, where)
        if check.workflow is None or any(p.is_error for p in check.problems):
            raise UploadRefused(check)
        return check

    def upload_pipeline(
        self, filename: str, data: bytes, name: str = "", description: str = "", folder: str = ""
    ) -> PipelineRecord:
        check = self.check_upload(filename, data, folder)
        name = name.strip() or package_stem(safe_file_name(filename))
        version = new_version(_package(filename, data, check), name, description)
        with self.store() as store:
            return store.create_pipeline(name, description, version)

    def upload_version(
        self,
        pipeline_id: str,
        filename: str,
        data: bytes,
        name: str = "",
        description: str = "",
        folder: str = "",
    ) -> PipelineVersionRecord:
        check = self.check_upload(filename, data, folder)
        name = name.strip() or package_stem(safe_file_name(filename))
        version = new_version(_package(filename, data, check), name, description)
        with self.store() as store:
            return store.add_pipeline_version(pipeline_id, version)

    # ---- runs --------------------------------------------------------------------------------

    def start_run(
        self,
        workflow: Mapping[str, Any],
        arguments: Mapping[str, str],
        *,
        name: str = "",
        experiment_id: str = "",
        pipeline_id: str = "",
        version_id: str = "",
        description: str = "",
    ) -> str:
        """Check the arguments against the Workflow's inputs, start the run in the background
        and return its id once it is recorded."""
        source = RunSource(workflow_from_dict(dict(workflow), name or "<run>"))
        bound = bind_arguments(source.workflow, dict(arguments))
        with self.store() as store:
            experiment = (
                store.experiment(experiment_id).name if experiment_id else DEFAULT_EXPERIMENT
            )
        options = RunOptions(
            backend=self.settings.backend,
            jobs=self.settings.jobs,
            experiment=experiment,
            name=name or None,
        )
        run_id = self.runs.start(source, bound, options)
        with self.store() as store:
            store.link_run(run_id, pipeline_id, version_id, description)
        return run_id

    def version_to_run(self, pipeline_id: str, version_id: str) -> tuple[str, str]:
        """The (pipeline, version) a run of an uploaded pipeline starts from: the version
        named, else the pipeline's default."""
        with self.store() as store:
            if version_id:
                return store.pipeline_version(version_id).pipeline_id, version_id
            pipeline = store.pipeline(pipeline_id)
            if pipeline.default_version is None:
                raise YamlpipeError(
                    Location(pipeline.name), f"pipeline {pipeline.name!r} has no version to run"
                )
            return pipeline.id, pipeline.default_version.id

    def version_workflow(self, version_id: str) -> dict[str, Any]:
        with self.store() as store:
            return store.version_workflow(version_id)

    def terminate(self, run_id: str) -> None:
        """Stop a run: one of this server's threads, or a `yamlpipe run` process here."""
        with self.store() as store:
            record = store.run(run_id, with_tasks=False)
            if record.finished or self.runs.stop(record.id, TERMINATED):
                return
            stop_runner(store, record)

    def shutdown(self) -> None:
        """Stop every run this server drives and wait until each is recorded."""
        self.runs.stop_all(SHUTDOWN)


def _package(filename: str, data: bytes, check: UploadCheck) -> Package:
    assert check.workflow is not None
    return Package(safe_file_name(filename), data, check.workflow)


def project_folder(root: Path, folder: str) -> str:
    """A folder of the project given by a person (`pipelines`), checked to stay inside it;
    the project's root when empty."""
    target = (root / folder.strip().lstrip("/")).resolve() if folder.strip() else root
    if not target.is_relative_to(root.resolve()):
        raise YamlpipeError(
            Location(folder),
            f"the folder {folder!r} is outside the project",
            "give a folder of the project, such as pipelines",
        )
    return os.fspath(target)


__all__ = [
    "MAX_UPLOAD",
    "ServeSettings",
    "Service",
    "UploadCheck",
    "UploadChecker",
    "UploadRefused",
    "project_folder",
    "safe_file_name",
]
