"""The KFP API server's REST API, v1beta1 (what KFP 1.x clusters serve, and KFP 2.x still
does): experiments, multipart pipeline uploads, runs with `resource_references`, paging with
`page_token`. Field names on the wire are KFP's (snake_case); empty fields may be absent, as
the server's protobuf JSON leaves them out."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote

from yamlpipe.client.transport import Transport
from yamlpipe.kfpapi.errors import ClientError
from yamlpipe.kfpapi.records import (
    CREATOR,
    EXPERIMENT,
    NAMESPACE,
    OWNER,
    PIPELINE,
    PIPELINE_VERSION,
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
from yamlpipe.kfpapi.wire import (
    experiment_from_json,
    json_object,
    page_of,
    pipeline_from_json,
    run_detail_from_json,
    run_from_json,
    version_from_json,
)

API = "/apis/v1beta1"
MAX_UPLOAD = 32 * 1024 * 1024
"""KFP's API server reads at most 32 MB of an uploaded package."""
Json = dict[str, Any]


class KfpBackend:
    """One KFP API server (its base URL is the part before /apis/v1beta1)."""

    def __init__(self, transport: Transport, ui_url: str | None = None) -> None:
        self.transport = transport
        self.where = transport.base_url
        self.ui_url = (ui_url or transport.base_url).rstrip("/")

    def close(self) -> None:
        self.transport.close()

    def _get(self, path: str, params: Mapping[str, Any] | None = None) -> Json:
        return json_object(self.transport.call("GET", API + path, params=params))

    def _post(self, path: str, body: Any = None, **options: Any) -> Json:
        return json_object(self.transport.call("POST", API + path, body=body, **options))

    # ---- experiments -------------------------------------------------------------------------

    def create_experiment(self, name: str, description: str, namespace: str | None) -> Experiment:
        body: Json = {"name": name, "description": description}
        if namespace:
            body["resource_references"] = [_reference(NAMESPACE, namespace, OWNER)]
        return experiment_from_json(self._post("/experiments", body))

    def get_experiment(self, experiment_id: str) -> Experiment:
        return experiment_from_json(self._get(f"/experiments/{quote(experiment_id)}"))

    def list_experiments(self, query: ListQuery, namespace: str | None) -> ListExperimentsResponse:
        params = _list_params(query, NAMESPACE if namespace else None, namespace)
        data = self._get("/experiments", params)
        items = [experiment_from_json(e) for e in data.get("experiments") or []]
        return ListExperimentsResponse(items, *page_of(data))

    # ---- pipelines ---------------------------------------------------------------------------

    def upload_pipeline(self, package: Package, name: str, description: str) -> Pipeline:
        params = _present({"name": name, "description": description})
        data = self._post("/pipelines/upload", params=params, files=_upload_file(package))
        return pipeline_from_json(data)

    def upload_pipeline_version(
        self, package: Package, name: str, pipeline_id: str, description: str
    ) -> PipelineVersion:
        params = _present({"name": name, "pipelineid": pipeline_id, "description": description})
        data = self._post("/pipelines/upload_version", params=params, files=_upload_file(package))
        return version_from_json(data)

    def get_pipeline(self, pipeline_id: str) -> Pipeline:
        return pipeline_from_json(self._get(f"/pipelines/{quote(pipeline_id)}"))

    def list_pipelines(self, query: ListQuery) -> ListPipelinesResponse:
        data = self._get("/pipelines", _list_params(query))
        items = [pipeline_from_json(p) for p in data.get("pipelines") or []]
        return ListPipelinesResponse(items, *page_of(data))

    def delete_pipeline(self, pipeline_id: str) -> None:
        self.transport.call("DELETE", f"{API}/pipelines/{quote(pipeline_id)}")

    def get_pipeline_version(self, version_id: str) -> PipelineVersion:
        return version_from_json(self._get(f"/pipeline_versions/{quote(version_id)}"))

    def list_pipeline_versions(
        self, pipeline_id: str, query: ListQuery
    ) -> ListPipelineVersionsResponse:
        params = _list_params(query)
        params.update({"resource_key.type": PIPELINE, "resource_key.id": pipeline_id})
        data = self._get("/pipeline_versions", params)
        items = [version_from_json(v) for v in data.get("versions") or []]
        return ListPipelineVersionsResponse(items, *page_of(data))

    def pipeline_url(self, pipeline_id: str) -> str:
        return f"{self.ui_url}/#/pipelines/details/{pipeline_id}"

    # ---- runs --------------------------------------------------------------------------------

    def create_run(self, request: RunRequest) -> Run:
        data = self._post("/runs", run_body(request))
        return run_from_json(json_object(data.get("run")))

    def get_run(self, run_id: str) -> RunDetail:
        return run_detail_from_json(self._get(f"/runs/{quote(run_id)}"))

    def list_runs(
        self, query: ListQuery, experiment_id: str | None, namespace: str | None
    ) -> ListRunsResponse:
        if experiment_id:
            params = _list_params(query, EXPERIMENT, experiment_id)
        else:
            params = _list_params(query, NAMESPACE if namespace else None, namespace)
        data = self._get("/runs", params)
        return ListRunsResponse([run_from_json(r) for r in data.get("runs") or []], *page_of(data))

    def terminate_run(self, run_id: str) -> None:
        self._post(f"/runs/{quote(run_id)}/terminate")

    def run_url(self, run_id: str) -> str:
        return f"{self.ui_url}/#/runs/details/{run_id}"


# ---- requests --------------------------------------------------------------------------------


def run_body(request: RunRequest) -> Json:
    """An apiRun to create: the manifest as JSON text, parameters as name/value pairs, the
    experiment as OWNER and the pipeline version as CREATOR (as kfp.Client sends them). A run
    without a name is named as kfp.Client names it: the package's file name and the time."""
    spec: Json = {"parameters": [{"name": k, "value": v} for k, v in request.arguments.items()]}
    if request.package is not None:
        spec["workflow_manifest"] = json.dumps(request.package.workflow, sort_keys=True)
    if request.pipeline_id:
        spec["pipeline_id"] = request.pipeline_id
    references = []
    if request.experiment_id:
        references.append(_reference(EXPERIMENT, request.experiment_id, OWNER))
    if request.version_id:
        references.append(_reference(PIPELINE_VERSION, request.version_id, CREATOR))
    name = request.name or f"{_package_name(request)} {datetime.now():%Y-%m-%d %H-%M-%S}"
    body: Json = {"name": name, "pipeline_spec": spec, "resource_references": references}
    body.update(_present({"description": request.description}))
    body.update(_present({"service_account": request.service_account}))
    return body


def _package_name(request: RunRequest) -> str:
    return request.package.filename if request.package is not None else "run"


def _upload_file(package: Package) -> dict[str, tuple[str, bytes, str]]:
    size = len(package.data)
    if size > MAX_UPLOAD:
        raise ClientError(
            package.source or package.filename,
            f"the package is {size / 1024 / 1024:.1f} MiB; KFP's API server takes at most 32 MiB",
            "big packages usually carry data inline (large default values, embedded files): "
            "pass such data as a URL or an artifact instead",
        )
    return {"uploadfile": (package.filename, package.data, "application/octet-stream")}


def _reference(kind: str, ident: str, relationship: str) -> Json:
    return {"key": {"type": kind, "id": ident}, "relationship": relationship}


def _list_params(
    query: ListQuery, reference: str | None = None, ident: str | None = None
) -> dict[str, Any]:
    params: dict[str, Any] = {"page_size": query.page_size}
    params.update(
        _present({"page_token": query.page_token, "sort_by": query.sort_by, "filter": query.filter})
    )
    if reference and ident:
        params.update(
            {"resource_reference_key.type": reference, "resource_reference_key.id": ident}
        )
    return params


def _present(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v not in (None, "")}


__all__ = ["KfpBackend", "run_body"]
