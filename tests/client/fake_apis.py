"""A KFP API server (v1beta1) and an Argo Server on 127.0.0.1, for the client's contract tests.

Each serves the endpoints yamlpipe.Client uses, keeping experiments, pipelines, versions and
runs in memory. Every request is checked against the official swagger file (operation, path
and query parameters, JSON body or multipart form) and every answer against its response
schema before it is sent; whatever does not fit is recorded in `violations`, which the
fixtures require to be empty. Switches make it slow, require a token, sit behind an HTML
sign-in page, or answer with errors first, and scripts decide how runs go."""

from __future__ import annotations

import base64
import io
import json
import tarfile
import threading
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from ruamel.yaml import YAML

from swagger_check import Operation, Swagger, argo_swagger, kfp_swagger

Json = dict[str, Any]
NOT_FOUND, ALREADY_EXISTS, INVALID, UNAUTHENTICATED = 5, 6, 3, 16
"""gRPC codes, as the servers put them in error bodies."""
LOGIN_PAGE = (
    b"<!DOCTYPE html><html><head><title>Sign in to Kubeflow</title></head>"
    b"<body><form action='/dex/auth'>...</form></body></html>"
)
TOO_LARGE_PAGE = (
    b"<html><head><title>413 Request Entity Too Large</title></head><body><center>"
    b"<h1>413 Request Entity Too Large</h1></center><hr><center>nginx</center></body></html>"
)


class ApiError(Exception):
    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass
class Call:
    """One request as the handlers see it (and as the tests can look at it afterwards)."""

    operation: str
    method: str
    path: str
    values: dict[str, str]
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any

    def arg(self, name: str, default: str = "") -> str:
        return self.query.get(name, [default])[0]


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def compact(value: Any) -> Any:
    """Protobuf JSON leaves out empty fields (and zeros); so do the answers here."""
    if isinstance(value, dict):
        kept = {k: compact(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v not in (None, "", [], {}, 0, False)}
    if isinstance(value, list):
        return [compact(v) for v in value]
    return value


class FakeApi:
    """The HTTP side: a threaded server, swagger checks, switches, and what it saw."""

    api_name = "API"

    def __init__(self, swagger: Swagger) -> None:
        self.swagger = swagger
        self.handlers: dict[str, Callable[[Call], Any]] = {}
        self.violations: list[str] = []
        self.calls: list[Call] = []
        self.token: str | None = None
        """When set, every request must carry `Authorization: Bearer <token>`."""
        self.delay = 0.0
        self.login_page = False
        self.fail_first: list[int] = []
        """Statuses to answer before anything else, one per request."""
        self.max_body = 0
        """When set: a bigger request gets a proxy's 413 page, as an nginx ingress answers."""
        self.lock = threading.RLock()
        self.stopping = threading.Event()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def start(self) -> FakeApi:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def operations(self) -> list[str]:
        return [c.operation for c in self.calls]

    def serve(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        if self.delay and self.stopping.wait(self.delay):
            return
        status, kind, payload = self._answer(handler, method, body)
        _send(handler, status, kind, payload)

    def _answer(
        self, handler: BaseHTTPRequestHandler, method: str, body: bytes
    ) -> tuple[int, str, bytes]:
        if self.max_body and len(body) > self.max_body:
            return 413, "text/html", TOO_LARGE_PAGE
        if self.login_page:
            return 200, "text/html; charset=utf-8", LOGIN_PAGE
        parts = urlsplit(handler.path)
        path = unquote(parts.path)
        query = parse_qs(parts.query, keep_blank_values=True)
        headers = {k: v for k, v in handler.headers.items()}
        matched = self.swagger.match(method, path)
        if matched is None:
            self.violations.append(f"{method} {path}: no such operation in the swagger file")
            return self._json(None, 404, self.error_body(NOT_FOUND, f"no route {path}"))
        operation, values = matched
        problems, data = self.swagger.check_request(operation, values, query, headers, body)
        call = Call(operation.id, method, path, values, query, headers, data)
        with self.lock:
            self.calls.append(call)
            failing = self.fail_first.pop(0) if self.fail_first else None
        if failing is not None:
            return self._json(operation, failing, self.error_body(13, "the server is busy"))
        if self.token and headers.get("Authorization") != f"Bearer {self.token}":
            return self._json(operation, 401, self.error_body(UNAUTHENTICATED, self.auth_text))
        if problems:
            self.violations += [f"{operation.id}: {p}" for p in problems]
            return self._json(operation, 400, self.error_body(INVALID, "; ".join(problems)))
        try:
            with self.lock:
                answer = self.handlers[operation.id](call)
        except ApiError as error:
            return self._json(operation, error.status, self.error_body(error.code, error.message))
        return self._json(operation, 200, compact(answer))

    def _json(self, operation: Operation | None, status: int, data: Any) -> tuple[int, str, bytes]:
        if operation is not None:
            found = self.swagger.check_answer(operation, status, data)
            self.violations += [f"{operation.id}: {p}" for p in found]
        return status, "application/json", json.dumps(data).encode()

    auth_text = "Unauthenticated: no bearer token"

    def error_body(self, code: int, message: str) -> Json:
        raise NotImplementedError


def _send(handler: BaseHTTPRequestHandler, status: int, kind: str, payload: bytes) -> None:
    try:
        handler.send_response(status)
        handler.send_header("Content-Type", kind)
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)
    except (BrokenPipeError, ConnectionResetError):
        handler.close_connection = True


def _handler_for(api: FakeApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def do_GET(self) -> None:
            api.serve(self, "GET")

        def do_POST(self) -> None:
            api.serve(self, "POST")

        def do_PUT(self) -> None:
            api.serve(self, "PUT")

        def do_DELETE(self) -> None:
            api.serve(self, "DELETE")

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: pytest shows failures, not access logs."""

    return Handler


# ---- packages --------------------------------------------------------------------------------


def read_workflow(filename: str, data: bytes) -> Json:
    """The Workflow in an uploaded package, read as KFP's server reads it (by file name)."""
    if filename.endswith((".tar.gz", ".tgz")):
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
            [member] = [m for m in archive.getmembers() if m.name.endswith(".yaml")]
            stream = archive.extractfile(member)
            assert stream is not None
            text = stream.read().decode()
    elif filename.endswith(".zip"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            [name] = [n for n in archive.namelist() if n.endswith(".yaml")]
            text = archive.read(name).decode()
    elif filename.endswith((".yaml", ".yml")):
        text = data.decode()
    else:
        raise ApiError(400, INVALID, f"unexpected file type {filename}")
    workflow = YAML(typ="safe", pure=True).load(text)
    if not isinstance(workflow, dict) or workflow.get("kind") != "Workflow":
        raise ApiError(400, INVALID, "Invalid package: not an Argo Workflow")
    return workflow


def parameters_of(workflow: Json) -> list[Json]:
    found = ((workflow.get("spec") or {}).get("arguments") or {}).get("parameters") or []
    return [{"name": p["name"], "value": p.get("value")} for p in found]


def page(call: Call, items: list[Json], key: str) -> Json:
    """KFP's paging: name filter, sort_by, page_size and an opaque page_token."""
    wanted = _filtered_name(call.arg("filter"))
    if wanted is not None:
        items = [i for i in items if i["name"] == wanted]
    field_name, _, direction = call.arg("sort_by").partition(" ")
    items = sorted(items, key=lambda i: (i.get(field_name or "created_at"), i["created"]))
    if direction == "desc":
        items.reverse()
    start = int(base64.b64decode(call.arg("page_token")) or 0) if call.arg("page_token") else 0
    size = int(call.arg("page_size", "0")) or len(items)
    chunk = items[start : start + size]
    following = start + size
    token = base64.b64encode(str(following).encode()).decode() if following < len(items) else ""
    shown = [{k: v for k, v in i.items() if k != "created"} for i in chunk]
    return {key: shown, "total_size": len(items), "next_page_token": token}


def _filtered_name(text: str) -> str | None:
    if not text:
        return None
    [predicate] = json.loads(text)["predicates"]
    if predicate.get("key") != "name" or predicate.get("op") not in (1, "EQUALS"):
        raise ApiError(400, INVALID, f"unsupported filter {text}")
    return str(predicate.get("stringValue", predicate.get("string_value")))


# ---- KFP -------------------------------------------------------------------------------------


@dataclass
class FakeRun:
    data: Json
    workflow: Json
    statuses: list[str]
    reads: int = 0

    def advance(self) -> str:
        status = self.statuses[min(self.reads, len(self.statuses) - 1)]
        self.reads += 1
        return status


@dataclass
class KfpState:
    experiments: dict[str, Json] = field(default_factory=dict)
    pipelines: dict[str, Json] = field(default_factory=dict)
    versions: dict[str, Json] = field(default_factory=dict)
    runs: dict[str, FakeRun] = field(default_factory=dict)
    uploads: list[tuple[str, bytes]] = field(default_factory=list)
    """(file name, bytes) of every package uploaded, for the interop check."""
    scripts: list[list[str]] = field(default_factory=list)
    """How the next runs go: the status each read of the run gives (the last one stays)."""


class KfpApi(FakeApi):
    """KFP's API server, v1beta1, over an in-memory state."""

    api_name = "KFP"

    def __init__(self) -> None:
        super().__init__(kfp_swagger())
        self.state = KfpState()
        self.handlers = {
            "GetHealthz": lambda call: {"multi_user": False},
            "CreateExperiment": self.create_experiment,
            "GetExperiment": self.get_experiment,
            "ListExperiment": self.list_experiments,
            "UploadPipeline": self.upload_pipeline,
            "UploadPipelineVersion": self.upload_version,
            "ListPipelines": self.list_pipelines,
            "GetPipeline": self.get_pipeline,
            "DeletePipeline": self.delete_pipeline,
            "GetPipelineVersion": self.get_version,
            "ListPipelineVersions": self.list_versions,
            "CreateRun": self.create_run,
            "GetRun": self.get_run,
            "ListRuns": self.list_runs,
            "TerminateRun": self.terminate_run,
        }

    auth_text = "Unauthenticated: Request header error: there is no user identity header."

    def error_body(self, code: int, message: str) -> Json:
        return {"error": message, "code": code, "message": message}

    # experiments

    def create_experiment(self, call: Call) -> Json:
        name = call.body.get("name", "")
        if not name:
            raise ApiError(400, INVALID, "Invalid input error: Experiment name is empty.")
        if any(e["name"] == name for e in self.state.experiments.values()):
            raise ApiError(
                409, ALREADY_EXISTS, f"Failed to create a new experiment. The name {name} exists"
            )
        ident = str(uuid.uuid4())
        experiment = {
            "id": ident,
            "name": name,
            "description": call.body.get("description", ""),
            "created_at": now(),
            "created": time.monotonic(),
            "resource_references": call.body.get("resource_references", []),
            "storage_state": "STORAGESTATE_AVAILABLE",
        }
        self.state.experiments[ident] = experiment
        return _public(experiment)

    def get_experiment(self, call: Call) -> Json:
        return _public(self._experiment(call.values["id"]))

    def _experiment(self, ident: str) -> Json:
        if ident not in self.state.experiments:
            raise ApiError(404, NOT_FOUND, f"ResourceNotFoundError: Experiment {ident} not found.")
        return self.state.experiments[ident]

    def list_experiments(self, call: Call) -> Json:
        return page(call, list(self.state.experiments.values()), "experiments")

    # pipelines

    def upload_pipeline(self, call: Call) -> Json:
        filename, data = call.body["uploadfile"]
        workflow = read_workflow(filename, data)
        name = call.arg("name") or filename.rsplit(".", 1)[0]
        if any(p["name"] == name for p in self.state.pipelines.values()):
            raise ApiError(
                409,
                ALREADY_EXISTS,
                "Failed to create a pipeline and a pipeline version. The name "
                f"{name} already exist. Please specify a new name.",
            )
        self.state.uploads.append((filename, data))
        ident = str(uuid.uuid4())
        pipeline = {
            "id": ident,
            "name": name,
            "description": call.arg("description"),
            "created_at": now(),
            "created": time.monotonic(),
            "parameters": parameters_of(workflow),
        }
        self.state.pipelines[ident] = pipeline
        self._add_version(ident, name, "", workflow)
        return _public(self._pipeline_json(pipeline))

    def _add_version(self, pipeline_id: str, name: str, description: str, workflow: Json) -> Json:
        ident = str(uuid.uuid4())
        version = {
            "id": ident,
            "name": name,
            "description": description,
            "created_at": now(),
            "created": time.monotonic(),
            "parameters": parameters_of(workflow),
            "resource_references": [
                {"key": {"type": "PIPELINE", "id": pipeline_id}, "relationship": "OWNER"}
            ],
            "workflow": workflow,
        }
        self.state.versions[ident] = version
        self.state.pipelines[pipeline_id]["default_version_id"] = ident
        return version

    def upload_version(self, call: Call) -> Json:
        filename, data = call.body["uploadfile"]
        pipeline = self._pipeline(call.arg("pipelineid"))
        name = call.arg("name") or filename.rsplit(".", 1)[0]
        owned = [v for v in self.state.versions.values() if _owner(v) == pipeline["id"]]
        if any(v["name"] == name for v in owned):
            raise ApiError(409, ALREADY_EXISTS, f"The name {name} already exist.")
        workflow = read_workflow(filename, data)
        self.state.uploads.append((filename, data))
        return _version_json(
            self._add_version(pipeline["id"], name, call.arg("description"), workflow)
        )

    def _pipeline(self, ident: str) -> Json:
        if ident not in self.state.pipelines:
            raise ApiError(404, NOT_FOUND, f"ResourceNotFoundError: Pipeline {ident} not found.")
        return self.state.pipelines[ident]

    def _pipeline_json(self, pipeline: Json) -> Json:
        data = {k: v for k, v in pipeline.items() if k not in ("default_version_id",)}
        version = self.state.versions.get(pipeline.get("default_version_id", ""))
        if version is not None:
            data["default_version"] = _version_json(version)
        return data

    def list_pipelines(self, call: Call) -> Json:
        items = [
            self._pipeline_json(p) | {"created": p["created"]}
            for p in self.state.pipelines.values()
        ]
        return page(call, items, "pipelines")

    def get_pipeline(self, call: Call) -> Json:
        return _public(self._pipeline_json(self._pipeline(call.values["id"])))

    def delete_pipeline(self, call: Call) -> Json:
        ident = self._pipeline(call.values["id"])["id"]
        del self.state.pipelines[ident]
        for version in [v for v in self.state.versions.values() if _owner(v) == ident]:
            del self.state.versions[version["id"]]
        return {}

    def get_version(self, call: Call) -> Json:
        ident = call.values["version_id"]
        if ident not in self.state.versions:
            raise ApiError(
                404, NOT_FOUND, f"ResourceNotFoundError: PipelineVersion {ident} not found."
            )
        return _version_json(self.state.versions[ident])

    def list_versions(self, call: Call) -> Json:
        if call.arg("resource_key.type") != "PIPELINE":
            raise ApiError(400, INVALID, "ListPipelineVersions needs resource_key.type PIPELINE")
        owner = self._pipeline(call.arg("resource_key.id"))["id"]
        items = [
            _version_json(v) | {"created": v["created"]}
            for v in self.state.versions.values()
            if _owner(v) == owner
        ]
        return page(call, items, "versions")

    # runs

    def create_run(self, call: Call) -> Json:
        body = call.body
        if not body.get("name"):
            raise ApiError(400, INVALID, "Invalid input error: The run name is empty.")
        references = body.get("resource_references") or []
        spec = dict(body.get("pipeline_spec") or {})
        workflow = self._run_workflow(spec, references)
        declared = {p["name"] for p in parameters_of(workflow)}
        for param in spec.get("parameters") or []:
            if param["name"] not in declared:
                raise ApiError(400, INVALID, f"Unrecognized input parameter: {param['name']}")
        named = [self._named(r) for r in references]
        ident = str(uuid.uuid4())
        run = {
            "id": ident,
            "name": body["name"],
            "description": body.get("description", ""),
            "service_account": body.get("service_account", ""),
            "created_at": now(),
            "scheduled_at": now(),
            "finished_at": "1970-01-01T00:00:00Z",
            "created": time.monotonic(),
            "pipeline_spec": spec | {"workflow_manifest": json.dumps(workflow)},
            "resource_references": named,
            "storage_state": "STORAGESTATE_AVAILABLE",
        }
        statuses = self.state.scripts.pop(0) if self.state.scripts else ["Running", "Succeeded"]
        self.state.runs[ident] = FakeRun(run, workflow, statuses)
        return {"run": _public(run | {"status": ""}), "pipeline_runtime": {}}

    def _run_workflow(self, spec: Json, references: list[Json]) -> Json:
        for reference in references:
            key = reference.get("key") or {}
            if key.get("type") == "EXPERIMENT":
                self._experiment(key.get("id", ""))
            if key.get("type") == "PIPELINE_VERSION":
                return dict(self._version(key.get("id", ""))["workflow"])
        if spec.get("workflow_manifest"):
            workflow = json.loads(spec["workflow_manifest"])
            if workflow.get("kind") != "Workflow":
                raise ApiError(400, INVALID, "Invalid workflow manifest")
            return dict(workflow)
        if spec.get("pipeline_id"):
            pipeline = self._pipeline(spec["pipeline_id"])
            return dict(self.state.versions[pipeline["default_version_id"]]["workflow"])
        raise ApiError(400, INVALID, "Invalid input error: Please specify a pipeline")

    def _version(self, ident: str) -> Json:
        if ident not in self.state.versions:
            raise ApiError(404, NOT_FOUND, f"PipelineVersion {ident} not found")
        return self.state.versions[ident]

    def _named(self, reference: Json) -> Json:
        key = reference["key"]
        if key["type"] == "EXPERIMENT":
            return reference | {"name": self.state.experiments[key["id"]]["name"]}
        return dict(reference)

    def _run(self, ident: str) -> FakeRun:
        if ident not in self.state.runs:
            raise ApiError(404, NOT_FOUND, f"ResourceNotFoundError: Run {ident} not found.")
        return self.state.runs[ident]

    def get_run(self, call: Call) -> Json:
        run = self._run(call.values["run_id"])
        status = run.advance()
        finished = status in ("Succeeded", "Failed", "Error")
        data = run.data | {
            "status": status,
            "finished_at": now() if finished else run.data["finished_at"],
        }
        return {
            "run": _public(data),
            "pipeline_runtime": {"workflow_manifest": _runtime(run, status)},
        }

    def list_runs(self, call: Call) -> Json:
        runs = [
            r.data | {"status": r.statuses[min(r.reads, len(r.statuses) - 1)]}
            for r in self.state.runs.values()
        ]
        if call.arg("resource_reference_key.type") == "EXPERIMENT":
            wanted = call.arg("resource_reference_key.id")
            runs = [
                r for r in runs if any(x["key"]["id"] == wanted for x in r["resource_references"])
            ]
        answer = page(call, runs, "runs")
        return answer

    def terminate_run(self, call: Call) -> Json:
        run = self._run(call.values["run_id"])
        run.statuses, run.reads = ["Terminating", "Failed"], 0
        return {}


def _owner(version: Json) -> str:
    return str(version["resource_references"][0]["key"]["id"])


def _public(data: Json) -> Json:
    return {k: v for k, v in data.items() if k not in ("created", "workflow", "default_version_id")}


def _version_json(version: Json) -> Json:
    return _public(version)


def _runtime(run: FakeRun, status: str) -> str:
    """The Workflow as KFP returns it with a run: a failed run has a failed step."""
    workflow = dict(run.workflow)
    nodes = {}
    if status in ("Failed", "Error"):
        nodes["node-1"] = {
            "id": "node-1",
            "name": "run.train",
            "displayName": "train",
            "type": "Pod",
            "phase": "Failed",
            "message": "Error (exit code 1)",
        }
    workflow["status"] = {"phase": status or "Pending", "nodes": nodes}
    return json.dumps(workflow)


# ---- Argo Server -----------------------------------------------------------------------------


class ArgoApi(FakeApi):
    """Argo Server's workflow service over an in-memory namespace."""

    api_name = "Argo"

    def __init__(self) -> None:
        super().__init__(argo_swagger())
        self.workflows: dict[str, Json] = {}
        self.scripts: list[list[str]] = []
        self.reads: dict[str, int] = {}
        self.phases: dict[str, list[str]] = {}
        self.messages: dict[str, str] = {}
        self.handlers = {
            "WorkflowService_CreateWorkflow": self.create,
            "WorkflowService_GetWorkflow": self.get,
            "WorkflowService_ListWorkflows": self.list,
            "WorkflowService_TerminateWorkflow": self.terminate,
        }

    auth_text = "token not valid for running mode"

    def error_body(self, code: int, message: str) -> Json:
        return {"code": code, "message": message}

    def create(self, call: Call) -> Json:
        namespace = call.values["namespace"]
        workflow = dict(call.body["workflow"])
        metadata = dict(workflow.get("metadata") or {})
        name = metadata.get("name") or metadata.get("generateName", "wf-") + uuid.uuid4().hex[:5]
        if name in self.workflows:
            raise ApiError(409, ALREADY_EXISTS, f'workflows.argoproj.io "{name}" already exists')
        metadata.update(
            name=name, namespace=namespace, uid=str(uuid.uuid4()), creationTimestamp=now()
        )
        metadata.pop("generateName", None)
        workflow["metadata"] = metadata
        self.workflows[name] = workflow
        self.phases[name] = self.scripts.pop(0) if self.scripts else ["Running", "Succeeded"]
        self.reads[name] = 0
        return workflow

    def _workflow(self, call: Call) -> Json:
        name = call.values["name"]
        if (
            name not in self.workflows
            or call.values["namespace"] != self.workflows[name]["metadata"]["namespace"]
        ):
            raise ApiError(404, NOT_FOUND, f'workflows.argoproj.io "{name}" not found')
        return self.workflows[name]

    def get(self, call: Call) -> Json:
        workflow = self._workflow(call)
        name = workflow["metadata"]["name"]
        phases = self.phases[name]
        phase = phases[min(self.reads[name], len(phases) - 1)]
        self.reads[name] += 1
        status: Json = {"phase": phase, "startedAt": now()}
        if phase in ("Succeeded", "Failed", "Error"):
            status["finishedAt"] = now()
        if phase == "Failed":
            status["message"] = self.messages.get(name, "child 'train' failed")
        return workflow | {"status": status}

    def list(self, call: Call) -> Json:
        names = sorted(
            w
            for w, data in self.workflows.items()
            if data["metadata"]["namespace"] == call.values["namespace"]
        )
        start = int(call.arg("listOptions.continue") or 0)
        size = int(call.arg("listOptions.limit") or 0) or len(names)
        chunk = names[start : start + size]
        rest = len(names) - start - len(chunk)
        metadata: Json = {"resourceVersion": "1"}
        if rest > 0:
            metadata |= {"continue": str(start + size), "remainingItemCount": rest}
        return {"metadata": metadata, "items": [self.workflows[n] for n in chunk]}

    def terminate(self, call: Call) -> Json:
        workflow = self._workflow(call)
        name = workflow["metadata"]["name"]
        if call.body != {"name": name, "namespace": call.values["namespace"]}:
            raise ApiError(400, INVALID, f"terminate names {call.body}, not {name}")
        self.phases[name], self.reads[name] = ["Failed"], 0
        self.messages[name] = "Stopped with strategy 'Terminate'"
        return workflow


@pytest.fixture
def kfp_api() -> Iterator[KfpApi]:
    """A fresh KFP API server; the test fails if any request or answer broke the swagger."""
    api = KfpApi()
    api.start()
    try:
        yield api
    finally:
        api.stop()
    assert api.violations == [], "\n".join(api.violations)


@pytest.fixture
def argo_api() -> Iterator[ArgoApi]:
    """A fresh Argo Server; the test fails if any request or answer broke the swagger."""
    api = ArgoApi()
    api.start()
    try:
        yield api
    finally:
        api.stop()
    assert api.violations == [], "\n".join(api.violations)
