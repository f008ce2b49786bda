"""What the Client returns: small frozen records with the field names of KFP's API objects
(`kfp_server_api`'s ApiExperiment, ApiPipeline, ApiRun, ...), so code written against
`kfp.Client` reads them unchanged; and what the backends take in (packages, run requests,
list queries)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

FINISHED_STATUSES = frozenset({"Succeeded", "Failed", "Error", "Skipped", "Terminated"})
"""Run statuses that do not change any more (KFP's, plus `Terminated` for a stopped run)."""
SUCCEEDED = "Succeeded"
EXPERIMENT, PIPELINE, PIPELINE_VERSION, NAMESPACE = (
    "EXPERIMENT",
    "PIPELINE",
    "PIPELINE_VERSION",
    "NAMESPACE",
)
OWNER, CREATOR = "OWNER", "CREATOR"


def record_dict(value: Any) -> Any:
    """A record as plain data (datetimes as ISO text), like kfp_server_api's `to_dict`."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: record_dict(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [record_dict(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value


class _Record:
    """`to_dict()`, as kfp_server_api's models have it."""

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = record_dict(self)
        return data


@dataclass(frozen=True)
class ResourceKey(_Record):
    type: str
    id: str


@dataclass(frozen=True)
class ResourceReference(_Record):
    key: ResourceKey
    relationship: str
    name: str = ""


@dataclass(frozen=True)
class Parameter(_Record):
    name: str
    value: str | None = None


@dataclass(frozen=True)
class Experiment(_Record):
    id: str
    name: str
    description: str = ""
    created_at: datetime | None = None
    resource_references: tuple[ResourceReference, ...] = ()
    storage_state: str = "STORAGESTATE_AVAILABLE"


@dataclass(frozen=True)
class PipelineVersion(_Record):
    id: str
    name: str
    created_at: datetime | None = None
    parameters: tuple[Parameter, ...] = ()
    description: str = ""
    code_source_url: str = ""
    resource_references: tuple[ResourceReference, ...] = ()

    @property
    def pipeline_id(self) -> str | None:
        """The pipeline this version belongs to (its PIPELINE reference)."""
        return _referenced(self.resource_references, PIPELINE)


@dataclass(frozen=True)
class Pipeline(_Record):
    id: str
    name: str
    description: str = ""
    created_at: datetime | None = None
    parameters: tuple[Parameter, ...] = ()
    default_version: PipelineVersion | None = None


@dataclass(frozen=True)
class PipelineSpec(_Record):
    pipeline_id: str = ""
    pipeline_name: str = ""
    workflow_manifest: str = ""
    parameters: tuple[Parameter, ...] = ()


@dataclass(frozen=True)
class Run(_Record):
    id: str
    name: str
    status: str = ""
    """KFP's: Pending, Running, Succeeded, Failed, Error, Skipped; Terminated once stopped."""
    created_at: datetime | None = None
    scheduled_at: datetime | None = None
    finished_at: datetime | None = None
    description: str = ""
    error: str = ""
    pipeline_spec: PipelineSpec = field(default_factory=PipelineSpec)
    resource_references: tuple[ResourceReference, ...] = ()
    service_account: str = ""
    storage_state: str = "STORAGESTATE_AVAILABLE"

    @property
    def experiment_id(self) -> str | None:
        return _referenced(self.resource_references, EXPERIMENT)

    @property
    def finished(self) -> bool:
        return self.status in FINISHED_STATUSES


@dataclass(frozen=True)
class PipelineRuntime(_Record):
    workflow_manifest: str = ""
    """The Workflow as it ran (JSON text), with its status and nodes."""
    pipeline_manifest: str = ""


@dataclass(frozen=True)
class RunDetail(_Record):
    run: Run
    pipeline_runtime: PipelineRuntime = field(default_factory=PipelineRuntime)


@dataclass(frozen=True)
class ListExperimentsResponse(_Record):
    experiments: list[Experiment]
    total_size: int = 0
    next_page_token: str = ""


@dataclass(frozen=True)
class ListPipelinesResponse(_Record):
    pipelines: list[Pipeline]
    total_size: int = 0
    next_page_token: str = ""


@dataclass(frozen=True)
class ListPipelineVersionsResponse(_Record):
    versions: list[PipelineVersion]
    total_size: int = 0
    next_page_token: str = ""


@dataclass(frozen=True)
class ListRunsResponse(_Record):
    runs: list[Run]
    total_size: int = 0
    next_page_token: str = ""


@dataclass(frozen=True)
class FailedStep:
    name: str
    phase: str
    message: str


def failed_steps(detail: RunDetail) -> list[FailedStep]:
    """The steps that failed, from the Workflow status that comes with a run."""
    try:
        workflow = json.loads(detail.pipeline_runtime.workflow_manifest or "{}")
    except ValueError:
        return []
    nodes = ((workflow if isinstance(workflow, dict) else {}).get("status") or {}).get("nodes")
    found = [
        FailedStep(
            str(node.get("displayName") or node.get("name")),
            str(node.get("phase")),
            str(node.get("message") or ""),
        )
        for node in (nodes or {}).values()
        if isinstance(node, dict)
        and node.get("type") == "Pod"
        and node.get("phase") in ("Failed", "Error")
    ]
    return sorted(found, key=lambda step: step.name)


def _referenced(references: tuple[ResourceReference, ...], kind: str) -> str | None:
    return next((r.key.id for r in references if r.key.type == kind), None)


# ---- what the backends take ----------------------------------------------------------------


@dataclass(frozen=True)
class Package:
    """A validated pipeline package: what is uploaded, or run."""

    filename: str
    """The name it is uploaded under (its extension tells KFP the format)."""
    data: bytes
    workflow: Mapping[str, Any]
    """The Argo Workflow inside."""
    source: str = ""
    """The file on this machine it came from (a pipeline file or a package), which a local
    run reads; empty when it was made in memory (from a function)."""

    @property
    def parameters(self) -> tuple[tuple[str, str | None], ...]:
        """(name, default) of each pipeline parameter; None when it has no default."""
        spec = self.workflow.get("spec") or {}
        found = (spec.get("arguments") or {}).get("parameters") or []
        return tuple((str(p.get("name")), _text(p.get("value"))) for p in found)


def _text(value: object) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True)
class RunRequest:
    """A run to start: a package, or an uploaded pipeline (version), with its arguments."""

    name: str
    """Empty: the backend's default (KFP: the file name and the time, as kfp names runs;
    Argo and the local runner: the Workflow's name)."""
    arguments: Mapping[str, str]
    experiment_id: str = ""
    package: Package | None = None
    pipeline_id: str = ""
    version_id: str = ""
    service_account: str = ""
    description: str = ""
    enable_caching: bool | None = None


@dataclass(frozen=True)
class ListQuery:
    """KFP's paging and filtering arguments, as the list calls take them."""

    page_token: str = ""
    page_size: int = 10
    sort_by: str = ""
    filter: str | None = None


__all__ = [
    "FINISHED_STATUSES",
    "Experiment",
    "FailedStep",
    "ListExperimentsResponse",
    "ListPipelineVersionsResponse",
    "ListPipelinesResponse",
    "ListQuery",
    "ListRunsResponse",
    "Package",
    "Parameter",
    "Pipeline",
    "PipelineRuntime",
    "PipelineSpec",
    "PipelineVersion",
    "ResourceKey",
    "ResourceReference",
    "Run",
    "RunDetail",
    "RunRequest",
    "failed_steps",
    "record_dict",
]
