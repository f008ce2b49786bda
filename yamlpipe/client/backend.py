"""The two faces a backend shows the Client: runs (every backend), and experiments with
uploaded pipelines (KFP and the local store; Argo Server has neither)."""

from __future__ import annotations

from typing import Protocol

from yamlpipe.kfpapi.records import (
    Experiment,
    ListExperimentsResponse,
    ListPipelinesResponse,
    ListPipelineVersionsResponse,
    ListQuery,
    ListRunsResponse,
    Package,
    Pipeline,
    PipelineVersion,
    Run,
    RunDetail,
    RunRequest,
)


class RunBackend(Protocol):
    """Starts, reads, lists and stops runs."""

    where: str
    """The API's URL, or the run store's folder: named in every message."""

    def create_run(self, request: RunRequest) -> Run: ...

    def get_run(self, run_id: str) -> RunDetail: ...

    def list_runs(
        self, query: ListQuery, experiment_id: str | None, namespace: str | None
    ) -> ListRunsResponse: ...

    def terminate_run(self, run_id: str) -> None: ...

    def run_url(self, run_id: str) -> str:
        """Where a person follows the run (a web page, or the command that shows it)."""
        ...

    def close(self) -> None: ...


class PipelineBackend(Protocol):
    """Experiments, and pipelines with their versions."""

    def create_experiment(
        self, name: str, description: str, namespace: str | None
    ) -> Experiment: ...

    def get_experiment(self, experiment_id: str) -> Experiment: ...

    def list_experiments(
        self, query: ListQuery, namespace: str | None
    ) -> ListExperimentsResponse: ...

    def upload_pipeline(self, package: Package, name: str, description: str) -> Pipeline: ...

    def upload_pipeline_version(
        self, package: Package, name: str, pipeline_id: str, description: str
    ) -> PipelineVersion: ...

    def get_pipeline(self, pipeline_id: str) -> Pipeline: ...

    def list_pipelines(self, query: ListQuery) -> ListPipelinesResponse: ...

    def delete_pipeline(self, pipeline_id: str) -> None: ...

    def get_pipeline_version(self, version_id: str) -> PipelineVersion: ...

    def list_pipeline_versions(
        self, pipeline_id: str, query: ListQuery
    ) -> ListPipelineVersionsResponse: ...

    def pipeline_url(self, pipeline_id: str) -> str: ...


__all__ = ["PipelineBackend", "RunBackend"]
