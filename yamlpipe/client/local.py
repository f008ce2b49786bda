"""The Client without a host: experiments, uploaded pipelines and runs in this project's run
store (`.yamlpipe/runs.db`).

Each run is driven by a `yamlpipe run` process of its own, started detached: in a session of
its own, by a launcher that exits at once, so it is nobody's child (no zombie is left for the
caller to reap, and it goes on when the program that started it ends or is interrupted). Its
output goes to the run's folder; the store records its pid, so a runner that dies is noticed.
`create_run` returns once that process has recorded the run, as KFP returns once the API
server has. Terminating a run sends its runner SIGTERM, which stops every step and records
the run as cancelled (`Terminated`, in KFP's words)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from yamlpipe.compile import build_package
from yamlpipe.kfpapi.errors import AlreadyExists, ClientError, NotFound
from yamlpipe.kfpapi.query import filtered_name, next_token, page_of
from yamlpipe.kfpapi.records import (
    Experiment,
    ListExperimentsResponse,
    ListPipelinesResponse,
    ListPipelineVersionsResponse,
    ListQuery,
    ListRunsResponse,
    Package,
    Pipeline,
    PipelineRuntime,
    PipelineVersion,
    Run,
    RunDetail,
    RunRequest,
)
from yamlpipe.kfpapi.stored import (
    experiment_of,
    new_version,
    pipeline_of,
    run_of,
    version_of,
    workflow_manifest,
)
from yamlpipe.run.background import StopRefused, stop_runner
from yamlpipe.run.processes import is_running
from yamlpipe.run.store import (
    DEFAULT_EXPERIMENT,
    STORE_FOLDER,
    ConflictError,
    NotFoundError,
    RunStore,
    StoreError,
)

START_TIMEOUT = 60.0
"""Seconds a new runner may take to record its run (it validates a pipeline file first)."""
LOG_NAME = "runner.log"
PACKAGE_ROOT = Path(__file__).resolve().parents[2]
"""The folder holding the `yamlpipe` package, for the runner's PYTHONPATH."""
LAUNCHER = (
    "import os, subprocess, sys\n"
    "child = subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=2, stderr=2,"
    " start_new_session=True)\n"
    "print(child.pid, flush=True)\n"
    "os._exit(0)\n"
)
"""Starts the runner and exits without waiting for it, so the runner is handed to init."""


class LocalBackend:
    """The run store of the project at `root`, and runners started on this machine."""

    def __init__(self, root: Path, run_backend: str = "subprocess") -> None:
        self.root = root.resolve()
        self.where = str(self.root / STORE_FOLDER)
        self.run_backend = run_backend

    def close(self) -> None:
        """Nothing to release: runners are on their own, and the store is opened per call."""

    @contextmanager
    def _store(self) -> Iterator[RunStore]:
        """The store, with its errors in the Client's terms."""
        try:
            store = RunStore(self.root)
        except StoreError as exc:
            raise ClientError(self.where, str(exc)) from None
        try:
            yield store
        except NotFoundError as exc:
            raise NotFound(self.where, str(exc), status=404) from None
        except ConflictError as exc:
            raise AlreadyExists(self.where, str(exc), status=409) from None
        finally:
            store.close()

    # ---- experiments -------------------------------------------------------------------------

    def create_experiment(self, name: str, description: str, namespace: str | None) -> Experiment:
        with self._store() as store:
            return experiment_of(store.create_experiment(name, description))

    def get_experiment(self, experiment_id: str) -> Experiment:
        with self._store() as store:
            return experiment_of(store.experiment(experiment_id))

    def list_experiments(self, query: ListQuery, namespace: str | None) -> ListExperimentsResponse:
        page, name = page_of(self.where, query), filtered_name(self.where, query.filter)
        with self._store() as store:
            found, total = store.list_experiments(page, name)
        return ListExperimentsResponse(
            [experiment_of(e) for e in found], total, next_token(page, total)
        )

    # ---- pipelines ---------------------------------------------------------------------------

    def upload_pipeline(self, package: Package, name: str, description: str) -> Pipeline:
        with self._store() as store:
            return pipeline_of(store.create_pipeline(name, description, new_version(package, name)))

    def upload_pipeline_version(
        self, package: Package, name: str, pipeline_id: str, description: str
    ) -> PipelineVersion:
        version = new_version(package, name, description)
        with self._store() as store:
            return version_of(store.add_pipeline_version(pipeline_id, version))

    def get_pipeline(self, pipeline_id: str) -> Pipeline:
        with self._store() as store:
            return pipeline_of(store.pipeline(pipeline_id))

    def list_pipelines(self, query: ListQuery) -> ListPipelinesResponse:
        page, name = page_of(self.where, query), filtered_name(self.where, query.filter)
        with self._store() as store:
            found, total = store.list_pipelines(page, name)
        return ListPipelinesResponse(
            [pipeline_of(p) for p in found], total, next_token(page, total)
        )

    def delete_pipeline(self, pipeline_id: str) -> None:
        with self._store() as store:
            store.delete_pipeline(pipeline_id)

    def get_pipeline_version(self, version_id: str) -> PipelineVersion:
        with self._store() as store:
            return version_of(store.pipeline_version(version_id))

    def list_pipeline_versions(
        self, pipeline_id: str, query: ListQuery
    ) -> ListPipelineVersionsResponse:
        page = page_of(self.where, query)
        with self._store() as store:
            found, total = store.list_pipeline_versions(pipeline_id, page)
        versions = [version_of(v) for v in found]
        return ListPipelineVersionsResponse(versions, total, next_token(page, total))

    def pipeline_url(self, pipeline_id: str) -> str:
        return ""

    # ---- runs --------------------------------------------------------------------------------

    def create_run(self, request: RunRequest) -> Run:
        """Start a runner for the request and return the run once it is recorded."""
        run_id = str(uuid.uuid4())
        folder = self.root / STORE_FOLDER / "runs" / run_id
        folder.mkdir(parents=True, exist_ok=True)
        pid = None
        try:
            with self._store() as store:
                version = self._version_to_run(store, request)
                target = self._target(store, request, version, folder)
                experiment = self._experiment_name(store, request.experiment_id)
            pid = self._start(run_id, target, experiment, request, folder)
            self._await_record(run_id, pid, folder)
        except BaseException:  # an error, or Ctrl-C while the runner was starting
            self._abandon(run_id, pid, folder)
            raise
        with self._store() as store:
            store.link_run(run_id, request.pipeline_id, version, request.description)
            return run_of(store.run(run_id, with_tasks=False))

    def _abandon(self, run_id: str, pid: int | None, folder: Path) -> None:
        """Undo a start that did not finish: stop the runner, and remove the run's folder
        unless the run was recorded after all (then it ends as cancelled, files and all)."""
        if pid is not None and is_running(pid):
            os.kill(pid, signal.SIGTERM)
        with self._store() as store:
            if _recorded(store, run_id):
                return
        shutil.rmtree(folder, ignore_errors=True)

    def _version_to_run(self, store: RunStore, request: RunRequest) -> str:
        """The uploaded version a run starts from (the pipeline's default when only the
        pipeline is named); empty for a package."""
        if request.package is not None or not (request.version_id or request.pipeline_id):
            return ""
        return request.version_id or self._default_version(store, request.pipeline_id)

    def _target(self, store: RunStore, request: RunRequest, version: str, folder: Path) -> Path:
        """The file the runner runs: the package's source, or the package written down."""
        if request.package is not None and request.package.source:
            return Path(request.package.source).resolve()
        if request.package is not None:
            return _write(folder / request.package.filename, request.package.data)
        workflow = store.version_workflow(version)
        return _write(folder / "pipeline.yaml", build_package(workflow, "yaml").data)

    def _default_version(self, store: RunStore, pipeline_id: str) -> str:
        pipeline = store.pipeline(pipeline_id)
        if pipeline.default_version is None:
            raise ClientError(self.where, f"pipeline {pipeline.name!r} has no version to run")
        return pipeline.default_version.id

    def _experiment_name(self, store: RunStore, experiment_id: str) -> str:
        return store.experiment(experiment_id).name if experiment_id else DEFAULT_EXPERIMENT

    def _start(
        self, run_id: str, target: Path, experiment: str, request: RunRequest, folder: Path
    ) -> int:
        """Launch the runner; its process id."""
        arguments = _write(folder / "arguments.json", json.dumps(dict(request.arguments)).encode())
        command = [
            sys.executable, "-m", "yamlpipe", "run", str(target), "--run-id", run_id,
            "--arguments-file", str(arguments), "--experiment", experiment,
            "--backend", self.run_backend, "--quiet",
        ]  # fmt: skip
        if request.name:
            command += ["--name", request.name]
        if request.enable_caching is False:
            command.append("--no-cache")
        paths = [str(PACKAGE_ROOT), os.environ.get("PYTHONPATH", "")]
        env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": os.pathsep.join(p for p in paths if p)}
        with open(folder / LOG_NAME, "ab") as log:
            launched = subprocess.run(
                [sys.executable, "-c", LAUNCHER, *command],
                cwd=self.root,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=log,
                env=env,
                timeout=START_TIMEOUT,
                check=False,
            )
        if launched.returncode != 0 or not launched.stdout.strip().isdigit():
            raise ClientError(
                self.where, f"cannot start a runner: {_log_tail(folder / LOG_NAME) or 'no output'}"
            )
        return int(launched.stdout)

    def _await_record(self, run_id: str, pid: int, folder: Path) -> None:
        """Wait until the runner has recorded the run; its log when it stopped before that."""
        deadline = time.monotonic() + START_TIMEOUT
        with self._store() as store:
            while time.monotonic() < deadline and is_running(pid):
                if _recorded(store, run_id):
                    return
                time.sleep(0.05)
            if _recorded(store, run_id):
                return
        if is_running(pid):
            os.kill(pid, signal.SIGKILL)
        tail = _log_tail(folder / LOG_NAME)
        raise ClientError(
            self.where,
            "the local runner stopped before the run started" + (f":\n{tail}" if tail else ""),
            "run it in the foreground to see why: yamlpipe run PIPELINE",
        )

    def get_run(self, run_id: str) -> RunDetail:
        with self._store() as store:
            record = store.run(run_id)
            manifest = workflow_manifest(record, store.workflow(record.id))
        return RunDetail(run_of(record), PipelineRuntime(json.dumps(manifest)))

    def list_runs(
        self, query: ListQuery, experiment_id: str | None, namespace: str | None
    ) -> ListRunsResponse:
        if query.filter:
            raise ClientError(self.where, "the local run store does not filter runs")
        page = page_of(self.where, query)
        with self._store() as store:
            found, total = store.list_runs(page, experiment_id)
        return ListRunsResponse([run_of(r) for r in found], total, next_token(page, total))

    def terminate_run(self, run_id: str) -> None:
        """Ask the run's runner to stop; a run that has finished already stays as it is."""
        with self._store() as store:
            try:
                stop_runner(store, store.run(run_id, with_tasks=False))
            except StopRefused as refused:
                raise ClientError(self.where, str(refused)) from None

    def run_url(self, run_id: str) -> str:
        return f"yamlpipe runs show {run_id[:8]}"


def _recorded(store: RunStore, run_id: str) -> bool:
    try:
        return store.resolve_run_id(run_id) == run_id
    except StoreError:
        return False


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _log_tail(path: Path, lines: int = 20) -> str:
    try:
        text = path.read_text("utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.strip().splitlines()[-lines:])


__all__ = ["LocalBackend"]
