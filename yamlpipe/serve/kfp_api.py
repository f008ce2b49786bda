"""KFP's v1beta1 REST API, the subset `kfp.Client` (1.8) and `yamlpipe.Client` use: health,
experiments, pipelines with uploads and versions, runs (create, get, list, terminate), at
KFP's paths, with KFP's JSON and KFP's error body (`error`, `message`, `code`)."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from yamlpipe.errors import Location, YamlpipeError, YamlpipeErrors
from yamlpipe.kfpapi.errors import ClientError
from yamlpipe.kfpapi.query import filtered_name, next_token, page_of
from yamlpipe.kfpapi.records import (
    EXPERIMENT,
    PIPELINE,
    PIPELINE_VERSION,
    ListQuery,
    PipelineRuntime,
    RunDetail,
)
from yamlpipe.kfpapi.stored import (
    experiment_of,
    pipeline_of,
    run_of,
    version_of,
    workflow_manifest,
)
from yamlpipe.kfpapi.wire import json_object, to_json
from yamlpipe.run.background import StopRefused
from yamlpipe.run.store import ConflictError, NotFoundError, RunStore, StoreError
from yamlpipe.serve.openapi import VERSION
from yamlpipe.serve.service import Service

API = "/apis/v1beta1"
Json = dict[str, Any]
Handler = Callable[[Service, Request], Awaitable[Any]]

INVALID, NOT_FOUND, ALREADY_EXISTS, FAILED_PRECONDITION = 3, 5, 6, 9
UNAUTHENTICATED, RESOURCE_EXHAUSTED, UNAVAILABLE = 16, 8, 14
"""gRPC codes, as KFP's API server puts them in its error bodies."""
ERRORS: tuple[tuple[type[Exception], int, int], ...] = (
    (NotFoundError, 404, NOT_FOUND),
    (ConflictError, 409, ALREADY_EXISTS),
    (StopRefused, 400, FAILED_PRECONDITION),
    (StoreError, 503, UNAVAILABLE),
    (YamlpipeError, 400, INVALID),
)
"""Each error the operations raise -> HTTP status and gRPC code (the first that matches)."""


class BadRequest(YamlpipeError):
    """A request the API cannot read (a missing field, a body that is not JSON)."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(Location("request"), message, hint)


def error_body(message: str, code: int) -> Json:
    return {"error": message, "message": message, "code": code, "details": []}


def error_response(status: int, code: int, message: str) -> JSONResponse:
    return JSONResponse(error_body(message, code), status_code=status)


def describe(exc: Exception) -> str:
    """An error in one text: each problem with its location and hint."""
    problems = list(exc) if isinstance(exc, YamlpipeErrors) else [exc]
    return "\n".join(_line(p) for p in problems)


def _line(problem: Exception) -> str:
    if not isinstance(problem, YamlpipeError):
        return str(problem)
    where = "" if problem.location.file in ("request", "<arguments>") else f"{problem.location}: "
    hint = f" (hint: {problem.hint})" if problem.hint else ""
    return f"{where}{problem.message}{hint}"


def _status_of(exc: Exception) -> tuple[int, int]:
    if isinstance(exc, ClientError) and exc.status:
        return exc.status, NOT_FOUND if exc.status == 404 else INVALID
    return next(((s, c) for kind, s, c in ERRORS if isinstance(exc, kind)), (400, INVALID))


def endpoint(handler: Handler, service: Service) -> Callable[[Request], Awaitable[Response]]:
    """A handler as a Starlette endpoint: its answer as KFP's JSON, its errors as KFP's error
    body with the matching status."""

    async def call(request: Request) -> Response:
        try:
            answer = await handler(service, request)
        except (YamlpipeError, StoreError) as exc:
            return error_response(*_status_of(exc), describe(exc))
        return JSONResponse(to_json(answer) if answer is not None else {})

    return call


# ---- reading requests ------------------------------------------------------------------------


async def json_body(request: Request) -> Json:
    if not request.headers.get("content-type", "").startswith("application/json"):
        raise BadRequest("the body must be JSON", "send it with Content-Type: application/json")
    try:
        data = json.loads(await request.body() or b"{}")
    except ValueError as exc:
        raise BadRequest(f"the body is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise BadRequest("the body must be a JSON object")
    return data


def _text(value: Any, what: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadRequest(f"{what} must be a string")
    return value


def _list(value: Any, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise BadRequest(f"{what} must be a list")
    return value


def list_query(request: Request) -> ListQuery:
    params = request.query_params
    size = params.get("page_size", "10").strip() or "10"
    if not re.fullmatch(r"-?[0-9]+", size):
        raise BadRequest(f"page_size {size!r} is not a whole number")
    return ListQuery(
        params.get("page_token", ""),
        max(0, min(int(size), 1000)) if len(size) < 10 else 1000,
        params.get("sort_by", ""),
        params.get("filter") or None,
    )


async def upload_file(request: Request) -> tuple[str, bytes]:
    """The `uploadfile` part of a multipart upload: its name and bytes."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise BadRequest("an upload is multipart/form-data", "send the file as `uploadfile`")
    try:
        form = await request.form(max_files=1, max_fields=10)
    except Exception as exc:  # multipart parsing errors have no common public type
        raise BadRequest(f"the upload cannot be read: {exc}") from None
    item = form.get("uploadfile")
    if not isinstance(item, UploadFile):
        raise BadRequest("the upload has no file", "send the file as the form field `uploadfile`")
    return item.filename or "pipeline.yaml", await item.read()


# ---- health and experiments ------------------------------------------------------------------


async def healthz(service: Service, request: Request) -> Json:
    return {"multi_user": False, "commit_sha": "", "tag_name": VERSION}


async def create_experiment(service: Service, request: Request) -> Any:
    body = await json_body(request)
    name = _text(body.get("name"), "name").strip()
    if not name:
        raise BadRequest("an experiment needs a name")
    description = _text(body.get("description"), "description")
    return await run_in_threadpool(_create_experiment, service, name, description)


def _create_experiment(service: Service, name: str, description: str) -> Any:
    with service.store() as store:
        return experiment_of(store.create_experiment(name, description))


async def get_experiment(service: Service, request: Request) -> Any:
    ident = request.path_params["id"]
    return await run_in_threadpool(_read, service, lambda s: experiment_of(s.experiment(ident)))


async def list_experiments(service: Service, request: Request) -> Any:
    query = list_query(request)
    return await run_in_threadpool(_read, service, lambda s: _experiments(s, query))


def _experiments(store: RunStore, query: ListQuery) -> Json:
    page, name = page_of("the server", query), filtered_name("the server", query.filter)
    found, total = store.list_experiments(page, name)
    return _listing(
        "experiments", [experiment_of(e) for e in found], total, next_token(page, total)
    )


def _listing(key: str, items: list[Any], total: int, token: str) -> Json:
    return {key: to_json(items), "total_size": total, "next_page_token": token}


def _read(service: Service, read: Callable[[RunStore], Any]) -> Any:
    with service.store() as store:
        return read(store)


# ---- pipelines -------------------------------------------------------------------------------


async def upload_pipeline(service: Service, request: Request) -> Any:
    filename, data = await upload_file(request)
    params = request.query_params
    name, description = params.get("name", ""), params.get("description", "")
    record = await run_in_threadpool(service.upload_pipeline, filename, data, name, description)
    return pipeline_of(record)


async def upload_version(service: Service, request: Request) -> Any:
    filename, data = await upload_file(request)
    params = request.query_params
    pipeline_id = params.get("pipelineid", "")
    if not pipeline_id:
        raise BadRequest("pipelineid is required: the pipeline this is a version of")
    name, description = params.get("name", ""), params.get("description", "")
    record = await run_in_threadpool(
        service.upload_version, pipeline_id, filename, data, name, description
    )
    return version_of(record)


async def get_pipeline(service: Service, request: Request) -> Any:
    ident = request.path_params["id"]
    return await run_in_threadpool(_read, service, lambda s: pipeline_of(s.pipeline(ident)))


async def delete_pipeline(service: Service, request: Request) -> None:
    ident = request.path_params["id"]
    await run_in_threadpool(_read, service, lambda s: s.delete_pipeline(ident))


async def list_pipelines(service: Service, request: Request) -> Any:
    query = list_query(request)
    return await run_in_threadpool(_read, service, lambda s: _pipelines(s, query))


def _pipelines(store: RunStore, query: ListQuery) -> Json:
    page, name = page_of("the server", query), filtered_name("the server", query.filter)
    found, total = store.list_pipelines(page, name)
    return _listing("pipelines", [pipeline_of(p) for p in found], total, next_token(page, total))


async def get_version(service: Service, request: Request) -> Any:
    ident = request.path_params["version_id"]
    return await run_in_threadpool(_read, service, lambda s: version_of(s.pipeline_version(ident)))


async def list_versions(service: Service, request: Request) -> Any:
    query = list_query(request)
    kind = request.query_params.get("resource_key.type", PIPELINE)
    pipeline_id = request.query_params.get("resource_key.id", "")
    if kind != PIPELINE or not pipeline_id:
        raise BadRequest(
            "list versions of a pipeline: resource_key.type=PIPELINE&resource_key.id=ID"
        )
    return await run_in_threadpool(_read, service, lambda s: _versions(s, pipeline_id, query))


def _versions(store: RunStore, pipeline_id: str, query: ListQuery) -> Json:
    page = page_of("the server", query)
    found, total = store.list_pipeline_versions(pipeline_id, page)
    return _listing("versions", [version_of(v) for v in found], total, next_token(page, total))


# ---- runs ------------------------------------------------------------------------------------


def _references(body: Json) -> dict[str, str]:
    """Resource references by type: EXPERIMENT (owner), PIPELINE_VERSION (creator)."""
    found = {}
    for item in _list(body.get("resource_references"), "resource_references"):
        key = json_object(json_object(item).get("key"))
        kind, ident = key.get("type"), key.get("id")
        if isinstance(kind, str) and isinstance(ident, str) and ident:
            found[kind] = ident
    return found


def _parameters(spec: Json) -> dict[str, str]:
    found = {}
    for item in _list(spec.get("parameters"), "pipeline_spec.parameters"):
        entry = json_object(item)
        name = entry.get("name")
        if not isinstance(name, str) or not name:
            raise BadRequest("every pipeline_spec.parameters entry needs a name")
        value = entry.get("value")
        found[name] = value if isinstance(value, str) else json.dumps(value)
    return found


def _manifest(spec: Json) -> Json | None:
    text = spec.get("workflow_manifest")
    if not text:
        return None
    try:
        workflow = json.loads(text) if isinstance(text, str) else None
    except ValueError as exc:
        raise BadRequest(f"pipeline_spec.workflow_manifest is not JSON: {exc}") from None
    if not isinstance(workflow, dict):
        raise BadRequest("pipeline_spec.workflow_manifest must be a Workflow (a JSON object)")
    return workflow


async def create_run(service: Service, request: Request) -> Any:
    body = await json_body(request)
    run_id = await run_in_threadpool(start_run_from_body, service, body)
    return await run_in_threadpool(run_detail, service, run_id)


def start_run_from_body(service: Service, body: Json) -> str:
    spec = json_object(body.get("pipeline_spec"))
    references = _references(body)
    workflow = _manifest(spec)
    pipeline_id, version_id = _text(spec.get("pipeline_id"), "pipeline_id"), ""
    if workflow is None:
        version_id = references.get(PIPELINE_VERSION, "")
        if not (pipeline_id or version_id):
            raise BadRequest(
                "the run names no pipeline",
                "give pipeline_spec.workflow_manifest, pipeline_spec.pipeline_id, or a "
                "PIPELINE_VERSION resource reference",
            )
        pipeline_id, version_id = service.version_to_run(pipeline_id, version_id)
        workflow = service.version_workflow(version_id)
    return service.start_run(
        workflow,
        _parameters(spec),
        name=_text(body.get("name"), "name"),
        experiment_id=references.get(EXPERIMENT, ""),
        pipeline_id=pipeline_id,
        version_id=version_id,
        description=_text(body.get("description"), "description"),
    )


def run_detail(service: Service, run_id: str) -> RunDetail:
    with service.store() as store:
        record = store.run(run_id)
        manifest = workflow_manifest(record, store.workflow(record.id))
    return RunDetail(run_of(record), PipelineRuntime(json.dumps(manifest)))


async def get_run(service: Service, request: Request) -> Any:
    return await run_in_threadpool(run_detail, service, request.path_params["run_id"])


async def list_runs(service: Service, request: Request) -> Any:
    query = list_query(request)
    if query.filter:
        raise BadRequest("this server does not filter runs", "list them by experiment instead")
    params = request.query_params
    kind = params.get("resource_reference_key.type", "")
    experiment = params.get("resource_reference_key.id", "") if kind == EXPERIMENT else ""
    return await run_in_threadpool(_read, service, lambda s: _runs(s, query, experiment or None))


def _runs(store: RunStore, query: ListQuery, experiment_id: str | None) -> Json:
    page = page_of("the server", query)
    found, total = store.list_runs(page, experiment_id)
    return _listing("runs", [run_of(r) for r in found], total, next_token(page, total))


async def terminate_run(service: Service, request: Request) -> None:
    await run_in_threadpool(service.terminate, request.path_params["run_id"])


ROUTES: tuple[tuple[str, str, Handler], ...] = (
    ("GET", "/healthz", healthz),
    ("GET", "/experiments", list_experiments),
    ("POST", "/experiments", create_experiment),
    ("GET", "/experiments/{id}", get_experiment),
    ("GET", "/pipelines", list_pipelines),
    ("POST", "/pipelines/upload", upload_pipeline),
    ("POST", "/pipelines/upload_version", upload_version),
    ("GET", "/pipelines/{id}", get_pipeline),
    ("DELETE", "/pipelines/{id}", delete_pipeline),
    ("GET", "/pipeline_versions", list_versions),
    ("GET", "/pipeline_versions/{version_id}", get_version),
    ("GET", "/runs", list_runs),
    ("POST", "/runs", create_run),
    ("GET", "/runs/{run_id}", get_run),
    ("POST", "/runs/{run_id}/terminate", terminate_run),
)
"""(method, path under /apis/v1beta1, handler): the API this server answers."""


def api_routes(service: Service) -> list[Route]:
    return [
        Route(API + path, endpoint(handler, service), methods=[method])
        for method, path, handler in ROUTES
    ]


__all__ = ["API", "ROUTES", "api_routes", "error_body", "error_response"]
