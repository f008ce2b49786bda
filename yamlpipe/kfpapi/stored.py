"""The run store's records as KFP's API objects: what the Client's local backend returns and
what `yamlpipe serve` answers with, so both describe a run, a pipeline or an experiment alike."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from yamlpipe.kfpapi.records import (
    CREATOR,
    EXPERIMENT,
    OWNER,
    PIPELINE,
    PIPELINE_VERSION,
    Experiment,
    Package,
    Parameter,
    Pipeline,
    PipelineSpec,
    PipelineVersion,
    ResourceKey,
    ResourceReference,
    Run,
)
from yamlpipe.run.store import (
    ExperimentRecord,
    NewVersion,
    PipelineRecord,
    PipelineVersionRecord,
    RunRecord,
)

KFP_STATUS = {"Cancelled": "Terminated"}
"""The store's run states in KFP's words, where they differ."""


def _when(seconds: float | None) -> datetime | None:
    return datetime.fromtimestamp(seconds, UTC) if seconds else None


def experiment_of(record: ExperimentRecord) -> Experiment:
    return Experiment(record.id, record.name, record.description, _when(record.created_at))


def new_version(package: Package, name: str, description: str = "") -> NewVersion:
    return NewVersion(name, package.workflow, package.parameters, description)


def version_of(record: PipelineVersionRecord) -> PipelineVersion:
    return PipelineVersion(
        id=record.id,
        name=record.name,
        created_at=_when(record.created_at),
        parameters=tuple(Parameter(n, v) for n, v in record.parameters),
        description=record.description,
        code_source_url=record.code_source_url,
        resource_references=(ResourceReference(ResourceKey(PIPELINE, record.pipeline_id), OWNER),),
    )


def pipeline_of(record: PipelineRecord) -> Pipeline:
    version = version_of(record.default_version) if record.default_version else None
    return Pipeline(
        id=record.id,
        name=record.name,
        description=record.description,
        created_at=_when(record.created_at),
        parameters=version.parameters if version else (),
        default_version=version,
    )


def run_of(record: RunRecord) -> Run:
    references = [
        ResourceReference(ResourceKey(EXPERIMENT, record.experiment_id), OWNER, record.experiment)
    ]
    if record.pipeline_version_id:
        key = ResourceKey(PIPELINE_VERSION, record.pipeline_version_id)
        references.append(ResourceReference(key, CREATOR))
    status = KFP_STATUS.get(record.state, record.state)
    return Run(
        id=record.id,
        name=record.name,
        status=status,
        created_at=_when(record.created_at),
        scheduled_at=_when(record.started_at),
        finished_at=_when(record.finished_at) if record.finished else None,
        description=record.description,
        error=record.message if status not in ("Succeeded", "Running", "Pending") else "",
        pipeline_spec=PipelineSpec(
            pipeline_id=record.pipeline_id,
            parameters=tuple(Parameter(k, v) for k, v in record.arguments.items()),
        ),
        resource_references=tuple(references),
    )


def _rfc3339(seconds: float | None) -> str | None:
    if not seconds:
        return None
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def workflow_manifest(record: RunRecord, workflow: dict[str, Any]) -> dict[str, Any]:
    """The Workflow that ran with a status as Argo writes one: the run's phase and a node per
    task (the store's states; a stopped run says Cancelled)."""
    nodes = {
        str(task.node_id): {
            "id": str(task.node_id),
            "name": task.name,
            "displayName": task.name.rsplit(".", 1)[-1],
            "type": task.kind,
            "phase": task.state,
            "message": task.message,
            "startedAt": _rfc3339(task.started_at),
            "finishedAt": _rfc3339(task.finished_at),
        }
        for task in record.tasks
    }
    status = {
        "phase": record.state,
        "message": record.message,
        "startedAt": _rfc3339(record.started_at),
        "finishedAt": _rfc3339(record.finished_at),
        "nodes": nodes,
    }
    return {**workflow, "status": status}


__all__ = [
    "KFP_STATUS",
    "experiment_of",
    "new_version",
    "pipeline_of",
    "run_of",
    "version_of",
    "workflow_manifest",
]
