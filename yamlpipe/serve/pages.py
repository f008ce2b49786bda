"""The web pages: runs (list, a run with its live DAG and task panel), pipelines (list,
upload, versions, the create-run form), experiments. Server-rendered HTML; app.js adds live
updates. Every form carries the CSRF token of its page's cookie."""

from __future__ import annotations

import os
import shlex
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from yamlpipe.errors import Location, YamlpipeError
from yamlpipe.kfpapi.stored import KFP_STATUS
from yamlpipe.run.graph import build_boxes, states_by_task, task_path
from yamlpipe.run.store import (
    NotFoundError,
    Page,
    PipelineRecord,
    RunRecord,
    RunStore,
    StoreError,
    TaskRecord,
)
from yamlpipe.run.workflow import workflow_from_dict
from yamlpipe.serve.html import (
    csrf_field,
    dag_html,
    duration,
    e,
    page,
    preview,
    problems_html,
    state,
    table,
    when,
)
from yamlpipe.serve.kfp_api import describe
from yamlpipe.serve.security import (
    CSRF_COOKIE,
    TOKEN_COOKIE,
    new_csrf_token,
    same_text,
)
from yamlpipe.serve.service import Service, UploadRefused

Json = dict[str, Any]
PageHandler = Callable[[Service, Request], Awaitable[Response]]
LEAF_KINDS = ("Pod",)
LOG_CHUNK = 256 * 1024
INPUT_WIDGETS = {
    "Integer": '<input type=number step=1 name="{name}" id="{name}" value="{value}"{required}>',
    "Float": '<input type=number step=any name="{name}" id="{name}" value="{value}"{required}>',
    "JsonObject": '<textarea rows=3 name="{name}" id="{name}"{required}>{value}</textarea>',
    "JsonArray": '<textarea rows=3 name="{name}" id="{name}"{required}>{value}</textarea>',
}
"""A pipeline input's form field by its type; any other type is a line of text."""
TEXT_WIDGET = '<input type=text name="{name}" id="{name}" value="{value}"{required}>'


class FormRefused(YamlpipeError):
    """A form post that is not from this server's page (no matching CSRF token)."""


def _status(record: RunRecord) -> str:
    return KFP_STATUS.get(record.state, record.state)


def _csrf(request: Request) -> str:
    return request.cookies.get(CSRF_COOKIE) or request.state.csrf


def html(request: Request, title: str, body: str, here: str = "", status: int = 200) -> Response:
    service: Service = request.app.state.service
    answer = HTMLResponse(page(title, body, here, str(service.settings.root)), status_code=status)
    if not request.cookies.get(CSRF_COOKIE):
        answer.set_cookie(CSRF_COOKIE, _csrf(request), httponly=True, samesite="strict")
    return answer


async def read_form(request: Request) -> FormData:
    form = await request.form(max_files=1, max_fields=200)
    if not same_text(_text(form.get("csrf")), request.cookies.get(CSRF_COOKIE) or "\0"):
        raise FormRefused(
            _where(request), "this form did not come from this server's page", "reload the page"
        )
    return form


def _where(request: Request) -> Location:
    return Location(request.url.path)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _read(service: Service, read: Callable[[RunStore], Any]) -> Any:
    with service.store() as store:
        return read(store)


def not_found(request: Request, message: str) -> Response:
    body = f"<h1>Not found</h1><div class=error-box>{e(message)}</div>"
    return html(request, "Not found", body, status=404)


# ---- runs ------------------------------------------------------------------------------------


def _run_rows(runs: list[RunRecord]) -> list[str]:
    return [
        f'<tr><td><a href="/ui/runs/{e(r.id)}">{e(r.name)}</a>'
        f'<div class="muted hide-narrow">{e(r.id[:8])}</div></td>'
        f"<td>{state(_status(r))}</td><td>{duration(r.duration)}</td>"
        f'<td><a href="/ui/experiments/{e(r.experiment_id)}">{e(r.experiment)}</a></td>'
        f"<td class=hide-narrow>{when(r.created_at)}</td></tr>"
        for r in runs
    ]


def runs_table(runs: list[RunRecord], refresh: str) -> str:
    rows = table(["Run", "State", "Duration", "Experiment", "Started"], _run_rows(runs))
    return f'<div data-refresh="{e(refresh)}">{rows}</div>'


async def runs_page(service: Service, request: Request) -> Response:
    page_of = Page(limit=200, descending=True)
    runs, total = await run_in_threadpool(_read, service, lambda s: s.list_runs(page_of))
    listing = runs_table(runs, "/ui/runs?fragment=1")
    if request.query_params.get("fragment"):
        return HTMLResponse(listing[listing.index(">") + 1 : -len("</div>")])
    body = f"<h1>Runs</h1><p class=muted>{total} runs in this project.</p>{listing}"
    if not runs:
        body += '<p><a class=button href="/ui/pipelines">Upload a pipeline to run</a></p>'
    return html(request, "Runs", body, "/ui/runs")


def _nodes_by_box(workflow: Json, tasks: tuple[TaskRecord, ...]) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for task in tasks:
        if task.kind in LEAF_KINDS:
            found.setdefault("t_" + _ident(task_path(task.name)), []).append(task.node_id)
    return found


def _ident(path: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in path)


def _shown_state(task: TaskRecord) -> str:
    return "Cached" if task.cached and task.state == "Succeeded" else task.state


def _boxes(workflow: Json, record: RunRecord) -> Any:
    # A loop's own node is not one of its iterations: only these are counted in its box.
    nodes = ((t.name, _shown_state(t)) for t in record.tasks if t.kind != "TaskGroup")
    return build_boxes(workflow, states_by_task(nodes))


def _task_rows(record: RunRecord) -> str:
    return "".join(
        f'<tr class=clickable data-node="{t.node_id}"><td>{e(t.name)}</td>'
        f"<td>{state(_shown_state(t))}</td><td>{duration(t.duration)}</td>"
        f"<td>{t.attempts}</td><td class=hide-narrow>{e(t.message)}</td></tr>"
        for t in record.tasks
        if t.kind in LEAF_KINDS
    )


def _run_view(store: RunStore, run_id: str) -> tuple[RunRecord, Json]:
    record = store.run(run_id)
    return record, store.workflow(record.id)


async def run_page(service: Service, request: Request) -> Response:
    try:
        record, workflow = await run_in_threadpool(
            _read, service, lambda s: _run_view(s, request.path_params["run_id"])
        )
    except StoreError as exc:
        return not_found(request, str(exc))
    return html(request, record.name, _run_body(request, record, workflow), "/ui/runs")


def _run_body(request: Request, record: RunRecord, workflow: Json) -> str:
    url = f"/ui/runs/{record.id}"
    arguments = "".join(
        f"<dt>{e(k)}</dt><dd><code>{e(v)}</code></dd>" for k, v in record.arguments.items()
    )
    terminate = (
        f'<form id=terminate class=inline method=post action="{url}/terminate">'
        f"{csrf_field(_csrf(request))}<button class=danger>Terminate</button></form>"
        if not record.finished
        else ""
    )
    error = record.message if _status(record) not in ("Succeeded", "Running", "Pending") else ""
    boxes = dag_html(_boxes(workflow, record), _nodes_by_box(workflow, record.tasks))
    return (
        f'<div data-state-url="{url}/state.json" data-run-url="{url}">'
        f"<h1>{e(record.name)}</h1><div class=row>"
        f"{state(_status(record), ' data-run-state')}"
        f"<span>duration <span data-run-duration>{duration(record.duration)}</span></span>"
        f'<span>experiment <a href="/ui/experiments/{e(record.experiment_id)}">'
        f"{e(record.experiment)}</a></span>{_pipeline_link(record)}"
        f'<span>{terminate} <a class="button secondary" href="{url}/clone">Clone</a></span></div>'
        f'<div id=run-error class=error-box style="margin-top:10px"{"" if error else " hidden"}>'
        f"{e(error)}</div>"
        f"<div class=run-layout><div><h2>Graph</h2>{boxes}<h2>Tasks</h2>"
        + table(
            ["Task", "State", "Duration", "Attempts", "Message"],
            [],
            "",
        ).replace("<tbody>", f"<tbody id=task-rows>{_task_rows(record)}", 1)
        + f"<h2>Arguments</h2><dl class='kv card'>{arguments or '<dd>none</dd>'}</dl>"
        f"<p class=muted>Run {e(record.id)} · started {when(record.created_at)} · "
        f"backend {e(record.backend)}</p></div>"
        "<aside id=task-panel class='card panel' hidden></aside></div></div>"
    )


def _pipeline_link(record: RunRecord) -> str:
    if not record.pipeline_id:
        return ""
    return f'<span>pipeline <a href="/ui/pipelines/{e(record.pipeline_id)}">open</a></span>'


async def run_state(service: Service, request: Request) -> Response:
    try:
        record, workflow = await run_in_threadpool(
            _read, service, lambda s: _run_view(s, request.path_params["run_id"])
        )
    except StoreError as exc:
        return JSONResponse({"error": str(exc)}, status_code=404)
    nodes = _nodes_by_box(workflow, record.tasks)
    boxes = {}
    for box in _flat(_boxes(workflow, record)):
        _, _, counts = box.label.partition("\n")
        boxes[box.id] = {"state": box.state, "counts": counts, "nodes": nodes.get(box.id, [])}
    status = _status(record)
    return JSONResponse(
        {
            "status": status,
            "finished": record.finished,
            "duration": duration(record.duration),
            "error": record.message if status not in ("Succeeded", "Running", "Pending") else "",
            "boxes": boxes,
            "rows": _task_rows(record),
        }
    )


def _flat(boxes: Any) -> Any:
    for box in boxes:
        yield box
        yield from _flat(box.children)


async def terminate_page(service: Service, request: Request) -> Response:
    await read_form(request)
    run_id = request.path_params["run_id"]
    await run_in_threadpool(service.terminate, run_id)
    return RedirectResponse(f"/ui/runs/{run_id}", status_code=303)


# ---- the task panel ----------------------------------------------------------------------------


def _inside(store: RunStore, path: str) -> Path | None:
    """A file the store recorded, if it is inside the store's folder (never elsewhere)."""
    if not path:
        return None
    target = Path(path).resolve()
    return target if target.is_relative_to(store.folder.resolve()) else None


def _task_view(store: RunStore, run_id: str, node: int) -> tuple[RunRecord, TaskRecord, Json]:
    record = store.run(run_id)
    task = next((t for t in record.tasks if t.node_id == node), None)
    if task is None:
        raise NotFoundError(f"run {record.id[:8]} has no task {node}")
    outputs = {
        name: _read_output(store, path) for name, path in task.outputs.get("artifacts", {}).items()
    }
    attempts = store.attempts(record.id, node)
    return record, task, {"artifacts": outputs, "attempts": attempts}


def _read_output(store: RunStore, path: str) -> tuple[str, bytes | None]:
    target = _inside(store, path)
    if target is None or not target.is_file():
        listing = (
            sorted(p.name for p in target.iterdir())[:50] if target and target.is_dir() else []
        )
        return (f"a folder: {', '.join(listing)}" if listing else "not kept"), None
    with open(target, "rb") as stream:
        return target.name, stream.read(1024 * 1024 + 1)


def _task_panel(record: RunRecord, task: TaskRecord, extra: Json) -> str:
    details = task.details
    command = [*details.get("command", []), *details.get("args", [])]
    inputs = "".join(
        f"<dt>{e(k)}</dt><dd><code>{e(v)}</code></dd>"
        for k, v in {**details.get("inputs", {}), **details.get("input_artifacts", {})}.items()
    )
    params = task.outputs.get("parameters", {})
    outputs = "".join(
        f"<h4>{e(name)}</h4>{preview(str(value).encode(), name)}" for name, value in params.items()
    )
    for name, (label, data) in extra["artifacts"].items():
        if name in params:  # the same output, kept as a parameter and a file
            continue
        shown = preview(data, label) if data is not None else f"<p class=muted>{e(label)}</p>"
        outputs += f"<h4>{e(name)}</h4>{shown}"
    attempts = "".join(
        f"<tr><td>{a['number']}</td><td>{state(a['state'])}</td><td>{e(a['exit_code'])}</td>"
        f"<td>{e(a['message'])}</td></tr>"
        for a in extra["attempts"]
    )
    log_url = f"/ui/runs/{record.id}/tasks/{task.node_id}/log"
    return (
        f"<h3>{e(task.name)}</h3><div class=row>{state(_shown_state(task))}"
        f"<span>{duration(task.duration)}</span></div>"
        + (f"<div class=error-box>{e(task.message)}</div>" if task.message else "")
        + f"<dl class=kv><dt>image</dt><dd><code>{e(details.get('image', ''))}</code></dd></dl>"
        f"<h4>Command</h4><pre>{e(' '.join(_quote(c) for c in command))}</pre>"
        f"<h4>Inputs</h4><dl class=kv>{inputs or '<dd class=muted>none</dd>'}</dl>"
        f"<h4>Log</h4><pre id=task-log data-log-url='{e(log_url)}'></pre>"
        f"<h4>Outputs</h4>{outputs or '<p class=muted>none yet</p>'}"
        f"<h4>Attempts</h4>{table(['#', 'State', 'Exit code', 'Message'], [attempts])}"
    )


def _quote(word: str) -> str:
    return shlex.quote(word)


async def task_page(service: Service, request: Request) -> Response:
    run_id, node = request.path_params["run_id"], request.path_params["node"]
    try:
        record, task, extra = await run_in_threadpool(
            _read, service, lambda s: _task_view(s, run_id, node)
        )
    except StoreError as exc:
        return not_found(request, str(exc))
    panel = _task_panel(record, task, extra)
    if request.query_params.get("fragment"):
        return HTMLResponse(panel)
    back = f'<p><a href="/ui/runs/{e(record.id)}">← {e(record.name)}</a></p>'
    return html(request, task.name, back + f"<div class=card>{panel}</div>", "/ui/runs")


def _log_chunk(store: RunStore, run_id: str, node: int, offset: int) -> Json:
    record = store.run(run_id, with_tasks=True)
    task = next((t for t in record.tasks if t.node_id == node), None)
    if task is None:
        raise NotFoundError(f"run {record.id[:8]} has no task {node}")
    path = _inside(store, os.path.join(record.folder, task.log_path) if task.log_path else "")
    text, end = "", offset
    if path is not None and path.is_file():
        with open(path, "rb") as stream:
            stream.seek(offset)
            data = stream.read(LOG_CHUNK)
        text, end = data.decode("utf-8", errors="replace"), offset + len(data)
    done = task.state not in ("Pending", "Running") and len(text) < LOG_CHUNK
    return {"text": text, "offset": end, "finished": done}


async def task_log(service: Service, request: Request) -> Response:
    run_id, node = request.path_params["run_id"], request.path_params["node"]
    raw = request.query_params.get("offset", "0")
    offset = int(raw) if raw.isascii() and raw.isdigit() else 0
    try:
        chunk = await run_in_threadpool(
            _read, service, lambda s: _log_chunk(s, run_id, node, offset)
        )
    except StoreError as exc:
        return JSONResponse({"error": str(exc)}, status_code=404)
    return JSONResponse(chunk)


# ---- pipelines -------------------------------------------------------------------------------


def _upload_form(request: Request, pipeline: PipelineRecord | None = None) -> str:
    target = f" a new version of {e(pipeline.name)}" if pipeline else " a pipeline"
    hidden = f'<input type=hidden name=pipeline_id value="{e(pipeline.id)}">' if pipeline else ""
    return (
        f"<form class='card stack' method=post action='/ui/pipelines' enctype=multipart/form-data>"
        f"<h2>Upload{target}</h2>{csrf_field(_csrf(request))}{hidden}"
        "<label for=file>File <span class=help>a pipeline file (.yaml, validated and compiled "
        "here) or a compiled package (.yaml, .zip, .tar.gz)</span></label>"
        "<input type=file id=file name=file required accept='.yaml,.yml,.zip,.tar.gz,.tgz'>"
        "<label for=name>Name <span class=help>default: the file's name</span></label>"
        "<input type=text id=name name=name>"
        "<label for=folder>Project folder <span class=help>where the file's relative "
        "component paths start, as if it sat there</span></label>"
        "<input type=text id=folder name=folder value=pipelines>"
        "<p><button>Upload</button></p></form>"
    )


async def pipelines_page(service: Service, request: Request) -> Response:
    listing = Page(limit=500, descending=True)
    found, _ = await run_in_threadpool(_read, service, lambda s: s.list_pipelines(listing))
    return html(request, "Pipelines", _pipelines_body(request, found), "/ui/pipelines")


def _pipelines_body(request: Request, found: list[PipelineRecord], problems: str = "") -> str:
    rows = [
        f'<tr><td><a href="/ui/pipelines/{e(p.id)}">{e(p.name)}</a></td>'
        f"<td>{e(p.description)}</td>"
        f"<td>{e(p.default_version.name if p.default_version else '')}</td>"
        f"<td class=hide-narrow>{when(p.created_at)}</td></tr>"
        for p in found
    ]
    listing = table(["Pipeline", "Description", "Latest version", "Uploaded"], rows)
    return f"<h1>Pipelines</h1>{problems}{_upload_form(request)}{listing}"


async def upload_page(service: Service, request: Request) -> Response:
    form = await read_form(request)
    item = form.get("file")
    if not isinstance(item, UploadFile) or not item.filename:
        return await _upload_refused(service, request, "<div class=error-box>Choose a file.</div>")
    data, pipeline_id = await item.read(), _text(form.get("pipeline_id"))
    name, folder = _text(form.get("name")), _text(form.get("folder"))
    try:
        if pipeline_id:
            await run_in_threadpool(
                service.upload_version, pipeline_id, item.filename, data, name, "", folder
            )
        else:
            record = await run_in_threadpool(
                service.upload_pipeline, item.filename, data, name, "", folder
            )
            pipeline_id = record.id
    except UploadRefused as refused:
        shown = problems_html(refused.check.problems, refused.check.texts)
        return await _upload_refused(service, request, shown)
    except (YamlpipeError, StoreError) as exc:
        return await _upload_refused(service, request, f"<div class=error-box>{e(exc)}</div>")
    return RedirectResponse(f"/ui/pipelines/{pipeline_id}", status_code=303)


async def _upload_refused(service: Service, request: Request, problems: str) -> Response:
    listing = Page(limit=500, descending=True)
    found, _ = await run_in_threadpool(_read, service, lambda s: s.list_pipelines(listing))
    body = _pipelines_body(request, found, problems)
    return html(request, "Upload refused", body, "/ui/pipelines", status=400)


def _pipeline_view(store: RunStore, pipeline_id: str, version: str) -> Json:
    pipeline = store.pipeline(pipeline_id)
    versions, _ = store.list_pipeline_versions(pipeline.id, Page(descending=True))
    chosen = version or (pipeline.default_version.id if pipeline.default_version else "")
    workflow = store.version_workflow(chosen) if chosen else {}
    return {"pipeline": pipeline, "versions": versions, "chosen": chosen, "workflow": workflow}


async def pipeline_page(service: Service, request: Request) -> Response:
    version = request.query_params.get("version", "")
    try:
        view = await run_in_threadpool(
            _read, service, lambda s: _pipeline_view(s, request.path_params["pipeline_id"], version)
        )
    except StoreError as exc:
        return not_found(request, str(exc))
    pipeline: PipelineRecord = view["pipeline"]
    rows = [
        f'<tr><td><a href="?version={e(v.id)}">{e(v.name)}</a>'
        f"{' (shown)' if v.id == view['chosen'] else ''}</td><td>{when(v.created_at)}</td>"
        f'<td><a href="/ui/pipelines/{e(pipeline.id)}/run?version={e(v.id)}">Run</a></td></tr>'
        for v in view["versions"]
    ]
    graph = dag_html(build_boxes(view["workflow"], {}), {}) if view["workflow"] else ""
    body = (
        f"<h1>{e(pipeline.name)}</h1><p class=muted>{e(pipeline.description)}</p>"
        f'<p><a class=button href="/ui/pipelines/{e(pipeline.id)}/run?version='
        f'{e(view["chosen"])}">Create a run</a></p>'
        f"<h2>Graph</h2>{graph}<h2>Versions</h2>"
        + table(["Version", "Uploaded", ""], rows)
        + _upload_form(request, pipeline)
    )
    return html(request, pipeline.name, body, "/ui/pipelines")


# ---- creating a run --------------------------------------------------------------------------


def _input_field(item: Json, value: str | None) -> str:
    name = str(item["name"])
    kind = str(item.get("type") or "String")
    default = item.get("default")
    shown = value if value is not None else ("" if default is None else str(default))
    required = "" if default is not None or item.get("optional") else " required"
    widget = INPUT_WIDGETS.get(kind, TEXT_WIDGET)
    field = widget.format(name=f"param_{e(name)}", value=e(shown), required=required)
    help_text = e(item.get("description") or "")
    return (
        f"<label for='param_{e(name)}'>{e(name)} <span class=help>{e(kind)}"
        f"{' · ' + help_text if help_text else ''}</span></label>{field}"
    )


def _declared_inputs(workflow: Json) -> list[Json]:
    """The pipeline's inputs with their types and descriptions; for a package without them,
    its parameters as text."""
    declared = workflow_from_dict(dict(workflow), "<pipeline>")
    inputs = declared.pipeline_inputs()
    if inputs:
        return inputs
    return [
        {"name": p.get("name"), "default": p.get("value")} for p in declared.arguments("parameters")
    ]


def run_form(
    request: Request,
    workflow: Json,
    source: str,
    experiments: list[Any],
    values: Mapping[str, str] | None = None,
    problems: str = "",
    title: str = "Create a run",
) -> str:
    fields = "".join(
        _input_field(i, (values or {}).get(str(i["name"]))) for i in _declared_inputs(workflow)
    )
    options = "".join(f"<option value='{e(x.id)}'>{e(x.name)}</option>" for x in experiments)
    return (
        f"<h1>{e(title)}</h1>{problems}<form class='card stack' method=post action='/ui/runs'>"
        f"{csrf_field(_csrf(request))}<input type=hidden name=source value='{e(source)}'>"
        "<label for=run_name>Run name <span class=help>default: the workflow's name</span>"
        "</label><input type=text id=run_name name=run_name>"
        f"<h2>Parameters</h2>{fields or '<p class=muted>This pipeline takes no inputs.</p>'}"
        "<h2>Experiment</h2><label for=experiment>Experiment</label>"
        f"<select id=experiment name=experiment><option value=''>Default</option>{options}"
        "</select><label for=new_experiment>or a new experiment named</label>"
        "<input type=text id=new_experiment name=new_experiment>"
        "<p><button id=start>Start</button></p></form>"
    )


def _experiment_list(store: RunStore) -> list[Any]:
    return store.list_experiments(Page())[0]


def _source_of(store: RunStore, source: str) -> tuple[Json, Json]:
    """A run's source (`version:ID` or `run:ID`): its Workflow, and the ids it links."""
    kind, _, ident = source.partition(":")
    if kind == "run":
        record = store.run(ident, with_tasks=False)
        links = {"pipeline_id": record.pipeline_id, "version_id": record.pipeline_version_id}
        return store.workflow(record.id), {**links, "arguments": record.arguments}
    version = store.pipeline_version(ident)
    links = {"pipeline_id": version.pipeline_id, "version_id": version.id}
    return store.version_workflow(version.id), {**links, "arguments": {}}


async def new_run_page(service: Service, request: Request) -> Response:
    version = request.query_params.get("version", "")
    return await _run_form_page(request, service, f"version:{version}", "Create a run")


async def clone_page(service: Service, request: Request) -> Response:
    source = f"run:{request.path_params['run_id']}"
    return await _run_form_page(request, service, source, "Clone the run")


async def _run_form_page(request: Request, service: Service, source: str, title: str) -> Response:
    try:
        workflow, links, experiments = await run_in_threadpool(
            _read, service, lambda s: (*_source_of(s, source), _experiment_list(s))
        )
    except StoreError as exc:
        return not_found(request, str(exc))
    body = run_form(request, workflow, source, experiments, links["arguments"], title=title)
    return html(request, title, body, "/ui/runs")


async def start_run_page(service: Service, request: Request) -> Response:
    form = await read_form(request)
    source = _text(form.get("source"))
    values = {
        str(k)[len("param_") :]: _text(v) for k, v in form.multi_items() if k.startswith("param_")
    }
    try:
        run_id = await run_in_threadpool(_start_from_form, service, form, source, values)
    except (YamlpipeError, StoreError) as exc:
        workflow, _, experiments = await run_in_threadpool(
            _read, service, lambda s: (*_source_of(s, source), _experiment_list(s))
        )
        shown = f"<div class=error-box id=problems>{e(describe(exc))}</div>"
        body = run_form(request, workflow, source, experiments, values, shown)
        return html(request, "Create a run", body, "/ui/runs", status=400)
    return RedirectResponse(f"/ui/runs/{run_id}", status_code=303)


def _start_from_form(service: Service, form: FormData, source: str, values: dict[str, str]) -> str:
    with service.store() as store:
        workflow, links = _source_of(store, source)
        experiment = _text(form.get("experiment"))
        new = _text(form.get("new_experiment")).strip()
        if new:
            experiment = store.experiment_id(new)
    declared = {str(i["name"]): i for i in _declared_inputs(workflow)}
    given = {
        k: v for k, v in values.items() if v != "" or declared.get(k, {}).get("default") is None
    }
    return service.start_run(
        workflow,
        given,
        name=_text(form.get("run_name")).strip(),
        experiment_id=experiment,
        pipeline_id=links["pipeline_id"],
        version_id=links["version_id"],
    )


# ---- experiments -----------------------------------------------------------------------------


async def experiments_page(service: Service, request: Request) -> Response:
    def read(store: RunStore) -> list[tuple[Any, int]]:
        found = store.list_experiments(Page(descending=True))[0]
        return [(x, store.list_runs(Page(limit=1), x.id)[1]) for x in found]

    found = await run_in_threadpool(_read, service, read)
    rows = [
        f'<tr><td><a href="/ui/experiments/{e(x.id)}">{e(x.name)}</a></td>'
        f"<td>{e(x.description)}</td><td>{count}</td><td class=hide-narrow>{when(x.created_at)}"
        "</td></tr>"
        for x, count in found
    ]
    body = "<h1>Experiments</h1>" + table(["Experiment", "Description", "Runs", "Created"], rows)
    return html(request, "Experiments", body, "/ui/experiments")


async def experiment_page(service: Service, request: Request) -> Response:
    ident = request.path_params["experiment_id"]

    def read(store: RunStore) -> tuple[Any, list[RunRecord]]:
        return store.experiment(ident), store.list_runs(Page(limit=200, descending=True), ident)[0]

    try:
        experiment, runs = await run_in_threadpool(_read, service, read)
    except StoreError as exc:
        return not_found(request, str(exc))
    listing = runs_table(runs, f"/ui/experiments/{ident}?fragment=1")
    if request.query_params.get("fragment"):
        return HTMLResponse(listing[listing.index(">") + 1 : -len("</div>")])
    body = f"<h1>{e(experiment.name)}</h1><p class=muted>{e(experiment.description)}</p>{listing}"
    return html(request, experiment.name, body, "/ui/experiments")


# ---- signing in ------------------------------------------------------------------------------


async def sign_in_page(service: Service, request: Request) -> Response:
    body = (
        "<h1>Sign in</h1><form class='card stack' method=post action='/ui/sign-in'>"
        f"{csrf_field(_csrf(request))}<label for=token>This server's token "
        "<span class=help>the contents of its --token-file</span></label>"
        "<input type=text id=token name=token autocomplete=off><p><button>Sign in</button></p>"
        "</form>"
    )
    return html(request, "Sign in", body)


async def sign_in(service: Service, request: Request) -> Response:
    form = await read_form(request)
    token = service.settings.token
    if token is None or not same_text(_text(form.get("token")).strip(), token):
        body = "<h1>Sign in</h1><div class=error-box>That is not this server's token.</div>"
        return html(request, "Sign in", body, status=401)
    answer = RedirectResponse("/ui/runs", status_code=303)
    answer.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict")
    return answer


PAGES: tuple[tuple[str, str, PageHandler], ...] = (
    ("GET", "/ui/runs", runs_page),
    ("POST", "/ui/runs", start_run_page),
    ("GET", "/ui/runs/{run_id}", run_page),
    ("GET", "/ui/runs/{run_id}/state.json", run_state),
    ("POST", "/ui/runs/{run_id}/terminate", terminate_page),
    ("GET", "/ui/runs/{run_id}/clone", clone_page),
    ("GET", "/ui/runs/{run_id}/tasks/{node:int}", task_page),
    ("GET", "/ui/runs/{run_id}/tasks/{node:int}/log", task_log),
    ("GET", "/ui/pipelines", pipelines_page),
    ("POST", "/ui/pipelines", upload_page),
    ("GET", "/ui/pipelines/{pipeline_id}", pipeline_page),
    ("GET", "/ui/pipelines/{pipeline_id}/run", new_run_page),
    ("GET", "/ui/experiments", experiments_page),
    ("GET", "/ui/experiments/{experiment_id}", experiment_page),
    ("GET", "/ui/sign-in", sign_in_page),
    ("POST", "/ui/sign-in", sign_in),
)


def _page_endpoint(
    handler: PageHandler, service: Service
) -> Callable[[Request], Awaitable[Response]]:
    async def call(request: Request) -> Response:
        request.state.csrf = request.cookies.get(CSRF_COOKIE) or new_csrf_token()
        try:
            return await handler(service, request)
        except FormRefused as refused:
            body = f"<h1>Refused</h1><div class=error-box>{e(describe(refused))}</div>"
            return html(request, "Refused", body, status=403)
        except (YamlpipeError, StoreError) as exc:
            body = f"<h1>That did not work</h1><div class=error-box>{e(describe(exc))}</div>"
            return html(request, "Error", body, status=400)

    return call


def page_routes(service: Service) -> list[Route]:
    return [
        Route(path, _page_endpoint(handler, service), methods=[method])
        for method, path, handler in PAGES
    ]


__all__ = ["PAGES", "page_routes"]
