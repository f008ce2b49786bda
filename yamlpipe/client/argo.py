"""Argo Server's REST API, for clusters that run Argo Workflows without KFP: a run is a
Workflow created in a namespace (`POST /api/v1/workflows/{namespace}`) with the arguments
filled in, and read back by its name. Argo has no experiments and no uploaded pipelines."""

from __future__ import annotations

import copy
import json
from typing import Any
from urllib.parse import quote

from yamlpipe.client.transport import Transport
from yamlpipe.compile.naming import k8s_name
from yamlpipe.kfpapi.errors import ClientError
from yamlpipe.kfpapi.records import (
    ListQuery,
    ListRunsResponse,
    Parameter,
    PipelineRuntime,
    PipelineSpec,
    Run,
    RunDetail,
    RunRequest,
)
from yamlpipe.kfpapi.wire import parse_time

Json = dict[str, Any]
GENERATE_NAME_LIMIT = 58
"""Kubernetes adds five characters to generateName; a name has at most 63."""
TERMINATED = "Stopped with strategy 'Terminate'"
"""Argo's message on a Workflow stopped by `terminate` (its phase says Failed)."""


class ArgoBackend:
    """One Argo Server and the namespace its Workflows are created in."""

    def __init__(self, transport: Transport, namespace: str, ui_url: str | None = None) -> None:
        self.transport = transport
        self.namespace = namespace
        self.where = transport.base_url
        self.ui_url = (ui_url or transport.base_url).rstrip("/")

    def close(self) -> None:
        self.transport.close()

    def _path(self, *parts: str) -> str:
        return "/api/v1/workflows/" + "/".join(quote(p) for p in (self.namespace, *parts))

    def create_run(self, request: RunRequest) -> Run:
        if request.package is None:
            raise ClientError(
                self.where,
                "Argo Server has no uploaded pipelines to run",
                "give the pipeline file or package itself",
            )
        workflow = submitted_workflow(request, self.namespace)
        body = {"namespace": self.namespace, "workflow": workflow}
        answer = self.transport.call("POST", self._path(), body=body)
        return run_from_workflow(answer if isinstance(answer, dict) else {})

    def get_run(self, run_id: str) -> RunDetail:
        workflow = self.transport.call("GET", self._path(run_id))
        data = workflow if isinstance(workflow, dict) else {}
        return RunDetail(run_from_workflow(data), PipelineRuntime(json.dumps(data)))

    def list_runs(
        self, query: ListQuery, experiment_id: str | None, namespace: str | None
    ) -> ListRunsResponse:
        params: Json = {"listOptions.limit": query.page_size}
        if query.page_token:
            params["listOptions.continue"] = query.page_token
        answer = self.transport.call("GET", self._path(), params=params)
        data = answer if isinstance(answer, dict) else {}
        items = [run_from_workflow(w) for w in data.get("items") or []]
        meta = data.get("metadata") or {}
        total = len(items) + int(meta.get("remainingItemCount") or 0)
        return ListRunsResponse(items, total, str(meta.get("continue") or ""))

    def terminate_run(self, run_id: str) -> None:
        body = {"name": run_id, "namespace": self.namespace}
        self.transport.call("PUT", self._path(run_id, "terminate"), body=body)

    def run_url(self, run_id: str) -> str:
        return f"{self.ui_url}/workflows/{self.namespace}/{run_id}"


def submitted_workflow(request: RunRequest, namespace: str) -> Json:
    """The package's Workflow with the arguments filled in, named after the run."""
    assert request.package is not None
    workflow: Json = copy.deepcopy(dict(request.package.workflow))
    spec = workflow.setdefault("spec", {})
    for param in (spec.get("arguments") or {}).get("parameters") or []:
        if param.get("name") in request.arguments:
            param["value"] = request.arguments[param["name"]]
    metadata = workflow.setdefault("metadata", {})
    metadata["namespace"] = namespace
    if request.name:
        metadata.pop("name", None)
        metadata["generateName"] = k8s_name(request.name, "run")[:GENERATE_NAME_LIMIT] + "-"
    if request.service_account:
        spec["serviceAccountName"] = request.service_account
    return workflow


def run_from_workflow(workflow: Json) -> Run:
    """A Workflow as a run: its name is the id, its phase the status."""
    metadata = workflow.get("metadata") or {}
    status = workflow.get("status") or {}
    phase = str(status.get("phase") or "Pending")
    message = str(status.get("message") or "")
    if phase == "Failed" and TERMINATED in message:
        phase = "Terminated"
    arguments = (workflow.get("spec") or {}).get("arguments") or {}
    return Run(
        id=str(metadata.get("name", "")),
        name=str(metadata.get("name", "")),
        status=phase,
        created_at=parse_time(metadata.get("creationTimestamp")),
        scheduled_at=parse_time(status.get("startedAt")),
        finished_at=parse_time(status.get("finishedAt")),
        error=message if phase in ("Failed", "Error") else "",
        pipeline_spec=PipelineSpec(
            parameters=tuple(
                Parameter(str(p.get("name")), p.get("value"))
                for p in arguments.get("parameters") or []
            )
        ),
        service_account=str((workflow.get("spec") or {}).get("serviceAccountName") or ""),
    )


__all__ = ["ArgoBackend", "run_from_workflow", "submitted_workflow"]
