"""The OpenAPI document of the API this server answers: KFP's v1beta1 paths, parameters and
object names, for the subset in `kfp_api.ROUTES`. Served at /apis/v1beta1/openapi.json."""

from __future__ import annotations

from importlib import metadata
from typing import Any

Json = dict[str, Any]


def _version() -> str:
    # From the installed distribution: the package's own __init__ sits layers above this one.
    try:
        return metadata.version("yamlpipe")
    except metadata.PackageNotFoundError:
        return "unknown"


VERSION = _version()


def _ref(name: str) -> Json:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(**properties: Any) -> Json:
    return {"type": "object", "properties": properties}


STRING, INTEGER, BOOLEAN = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
TIME = {"type": "string", "format": "date-time"}
PARAMETERS = {"type": "array", "items": _ref("apiParameter")}
REFERENCES = {"type": "array", "items": _ref("apiResourceReference")}

SCHEMAS: Json = {
    "apiStatus": _object(error=STRING, message=STRING, code=INTEGER, details={"type": "array"}),
    "apiGetHealthzResponse": _object(multi_user=BOOLEAN, commit_sha=STRING, tag_name=STRING),
    "apiParameter": _object(name=STRING, value=STRING),
    "apiResourceKey": _object(type=STRING, id=STRING),
    "apiResourceReference": _object(key=_ref("apiResourceKey"), name=STRING, relationship=STRING),
    "apiExperiment": _object(
        id=STRING,
        name=STRING,
        description=STRING,
        created_at=TIME,
        resource_references=REFERENCES,
        storage_state=STRING,
    ),
    "apiPipelineVersion": _object(
        id=STRING,
        name=STRING,
        created_at=TIME,
        parameters=PARAMETERS,
        code_source_url=STRING,
        resource_references=REFERENCES,
        description=STRING,
    ),
    "apiPipeline": _object(
        id=STRING,
        created_at=TIME,
        name=STRING,
        description=STRING,
        parameters=PARAMETERS,
        default_version=_ref("apiPipelineVersion"),
    ),
    "apiPipelineSpec": _object(
        pipeline_id=STRING, pipeline_name=STRING, workflow_manifest=STRING, parameters=PARAMETERS
    ),
    "apiRun": _object(
        id=STRING,
        name=STRING,
        storage_state=STRING,
        description=STRING,
        pipeline_spec=_ref("apiPipelineSpec"),
        resource_references=REFERENCES,
        service_account=STRING,
        created_at=TIME,
        scheduled_at=TIME,
        finished_at=TIME,
        status=STRING,
        error=STRING,
    ),
    "apiPipelineRuntime": _object(pipeline_manifest=STRING, workflow_manifest=STRING),
    "apiRunDetail": _object(run=_ref("apiRun"), pipeline_runtime=_ref("apiPipelineRuntime")),
    "apiUploadForm": {
        "type": "object",
        "required": ["uploadfile"],
        "properties": {"uploadfile": {"type": "string", "format": "binary"}},
    },
}
for _kind, _item in (
    ("Experiments", "apiExperiment"),
    ("Pipelines", "apiPipeline"),
    ("PipelineVersions", "apiPipelineVersion"),
    ("Runs", "apiRun"),
):
    _key = "versions" if _kind == "PipelineVersions" else _kind.lower()
    SCHEMAS[f"apiList{_kind}Response"] = _object(
        **{_key: {"type": "array", "items": _ref(_item)}},
        total_size=INTEGER,
        next_page_token=STRING,
    )


def _query(name: str, schema: Json = STRING, required: bool = False) -> Json:
    return {"name": name, "in": "query", "required": required, "schema": schema}


def _path(name: str) -> Json:
    return {"name": name, "in": "path", "required": True, "schema": STRING}


LIST = [
    _query("page_token"),
    _query("page_size", {"type": "integer", "minimum": 0, "maximum": 1000}),
    _query("sort_by"),
    _query("filter"),
]
BY_REFERENCE = [_query("resource_reference_key.type"), _query("resource_reference_key.id")]
UPLOAD_BODY = {
    "required": True,
    "content": {"multipart/form-data": {"schema": _ref("apiUploadForm")}},
}


def _json_body(schema: str) -> Json:
    return {"required": True, "content": {"application/json": {"schema": _ref(schema)}}}


def _operation(ident: str, answer: str | None, parameters: list[Json], body: Json | None) -> Json:
    schema = _ref(answer) if answer is not None else _object()
    ok = {"description": "OK", "content": {"application/json": {"schema": schema}}}
    operation: Json = {
        "operationId": ident,
        "parameters": parameters,
        "responses": {
            "200": ok,
            "default": {
                "description": "An error: KFP's error body",
                "content": {"application/json": {"schema": _ref("apiStatus")}},
            },
        },
    }
    if body is not None:
        operation["requestBody"] = body
    return operation


OPERATIONS: tuple[tuple[str, str, str, str | None, list[Json], Json | None], ...] = (
    ("get", "/healthz", "GetHealthz", "apiGetHealthzResponse", [], None),
    ("get", "/experiments", "ListExperiment", "apiListExperimentsResponse", LIST, None),
    ("post", "/experiments", "CreateExperiment", "apiExperiment", [], _json_body("apiExperiment")),
    ("get", "/experiments/{id}", "GetExperiment", "apiExperiment", [_path("id")], None),
    ("get", "/pipelines", "ListPipelines", "apiListPipelinesResponse", LIST, None),
    (
        "post",
        "/pipelines/upload",
        "UploadPipeline",
        "apiPipeline",
        [_query("name"), _query("description")],
        UPLOAD_BODY,
    ),
    (
        "post",
        "/pipelines/upload_version",
        "UploadPipelineVersion",
        "apiPipelineVersion",
        [_query("name"), _query("pipelineid", required=True), _query("description")],
        UPLOAD_BODY,
    ),
    ("get", "/pipelines/{id}", "GetPipeline", "apiPipeline", [_path("id")], None),
    ("delete", "/pipelines/{id}", "DeletePipeline", None, [_path("id")], None),
    (
        "get",
        "/pipeline_versions",
        "ListPipelineVersions",
        "apiListPipelineVersionsResponse",
        [_query("resource_key.type"), _query("resource_key.id"), *LIST],
        None,
    ),
    (
        "get",
        "/pipeline_versions/{version_id}",
        "GetPipelineVersion",
        "apiPipelineVersion",
        [_path("version_id")],
        None,
    ),
    ("get", "/runs", "ListRuns", "apiListRunsResponse", [*LIST, *BY_REFERENCE], None),
    ("post", "/runs", "CreateRun", "apiRunDetail", [], _json_body("apiRun")),
    ("get", "/runs/{run_id}", "GetRun", "apiRunDetail", [_path("run_id")], None),
    ("post", "/runs/{run_id}/terminate", "TerminateRun", None, [_path("run_id")], None),
)


def openapi_document(prefix: str) -> Json:
    """The document, with every path under `prefix` (/apis/v1beta1)."""
    paths: Json = {}
    for method, path, ident, answer, parameters, body in OPERATIONS:
        paths.setdefault(prefix + path, {})[method] = _operation(ident, answer, parameters, body)
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "yamlpipe serve: KFP v1beta1 API (subset)",
            "version": VERSION,
            "description": "The part of Kubeflow Pipelines' v1beta1 REST API that kfp.Client "
            "and yamlpipe.Client use to upload, run and follow pipelines.",
        },
        "paths": paths,
        "components": {"schemas": SCHEMAS},
    }


__all__ = ["VERSION", "openapi_document"]
