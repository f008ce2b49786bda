"""A run from start to end: refuse what this machine cannot run (before anything starts),
record the run in the store, drive the engine with the chosen backend, record how it ended."""

from __future__ import annotations

import json
import os
import random
import string
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from yamlpipe.compile.naming import param_name
from yamlpipe.errors import Location, YamlpipeError
from yamlpipe.load.yamltext import read_yaml
from yamlpipe.resolve.config import find_config
from yamlpipe.run.cache import StoreCache
from yamlpipe.run.docker import DockerBackend, docker_problems, gpu_problems
from yamlpipe.run.dockercli import DockerCli, DockerEngine, EngineUnavailable
from yamlpipe.run.engine import Engine, EngineOptions, RunIdentity, RunStopped
from yamlpipe.run.host import HostBackend
from yamlpipe.run.model import CANCELLED, Backend, Node, Observer
from yamlpipe.run.secrets import Secrets, variable_name
from yamlpipe.run.store import (
    DEFAULT_EXPERIMENT,
    STORE_FOLDER,
    NodeChange,
    RunRecord,
    RunStore,
)
from yamlpipe.run.workflow import COMPONENT_SPEC, Json, Workflow, iter_unsupported, template_kind
from yamlpipe.spec.types import type_name

VOLUME_KINDS = ("PersistentVolumeClaim", "VolumeSnapshot")
"""The resources KFP's VolumeOp and VolumeSnapshotOp create: volumes, which docker emulates."""
BACKENDS = ("subprocess", "docker")
CLAIMS_FOLDER = "claims"
"""Under the store's folder: what existing claims hold when a docker run starts."""


class RunRefused(YamlpipeError):
    """The run cannot start; every reason is in `problems`."""

    def __init__(self, problems: list[YamlpipeError]) -> None:
        first = problems[0]
        super().__init__(first.location, first.message, first.hint)
        self.problems = problems


@dataclass(frozen=True)
class RunOptions:
    backend: str = "subprocess"
    jobs: int = 0
    """Steps at once; 0 means the number of cores."""
    use_cache: bool = True
    experiment: str = DEFAULT_EXPERIMENT
    name: str | None = None
    secrets: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    network: str | None = None
    """The docker network steps join (docker's default when None)."""
    namespace: str = "default"
    owner: str = "runner"
    """Who drives the run (`runner`, `server`): named when one dies mid-run."""
    run_id: str | None = None
    """The run's id, when the caller chose it (a new UUID otherwise)."""


@dataclass(frozen=True)
class RunSource:
    """What to run: a Workflow, and where it came from."""

    workflow: Workflow
    pipeline_file: str = ""
    digest: str = ""
    sources: Mapping[tuple[str, str], Location] = field(default_factory=dict)


class RunControl:
    """Lets another thread see when a run is recorded, and stop it (the server's threads)."""

    def __init__(self) -> None:
        self.recorded = threading.Event()
        self._lock = threading.Lock()
        self._engine: Engine | None = None
        self._reason: str | None = None

    def attach(self, engine: Engine) -> None:
        """The run is recorded and about to start: a stop asked for meanwhile happens now."""
        with self._lock:
            self._engine, reason = engine, self._reason
        self.recorded.set()
        if reason is not None:
            engine.stop(reason)

    def stop(self, reason: str) -> None:
        with self._lock:
            self._reason, engine = reason, self._engine
        if engine is not None:
            engine.stop(reason)


@dataclass(frozen=True)
class RunResult:
    record: RunRecord
    phase: str
    cancelled: bool = False


def project_root(start: Path | None = None) -> Path:
    """The folder of yamlpipe.yaml above the current folder, else the current folder."""
    here = (start or Path.cwd()).resolve()
    config = find_config(here)
    return config.parent if config is not None else here


# ---- what this machine can run ---------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    """A task calling a template: where it is written."""

    dag: str
    task: str
    template: str
    location: Location


def iter_calls(source: RunSource) -> Iterator[Call]:
    """Every task of every DAG template reachable from the entrypoint, and the exit handler."""
    workflow = source.workflow
    seen: set[str] = set()
    todo = [workflow.entrypoint]
    if workflow.on_exit:
        yield Call("", "onExit", workflow.on_exit, _exit_location(source))
        todo.append(workflow.on_exit)
    while todo:
        name = todo.pop()
        template = workflow.templates.get(name)
        if name in seen or template is None or "dag" not in template:
            continue
        seen.add(name)
        for index, task in enumerate(template["dag"].get("tasks") or []):
            called = str(task.get("template"))
            location = source.sources.get((name, str(task.get("name")))) or workflow.template_loc(
                name, "dag", "tasks", index
            )
            yield Call(name, str(task.get("name")), called, location)
            todo.append(called)
    if workflow.entrypoint not in seen:
        yield Call(
            "", workflow.entrypoint, workflow.entrypoint, workflow.loc(("spec", "entrypoint"))
        )


def _exit_location(source: RunSource) -> Location:
    return source.sources.get(("", "onExit")) or source.workflow.loc(("spec", "onExit"))


def manifest_kind(template: Json) -> str:
    """The `kind` of a resource template's manifest ('' when it does not parse)."""
    manifest = template["resource"].get("manifest")
    if not isinstance(manifest, str):
        return ""
    try:
        data = read_yaml(manifest, "<manifest>").data
    except YamlpipeError:
        return ""
    return str(data.get("kind", "")) if isinstance(data, dict) else ""


def _host_problems(template: Json) -> list[tuple[str, str]]:
    """What the subprocess backend cannot do for a template: (what, hint)."""
    docker = "run it with --backend docker"
    if template_kind(template) == "resource":
        kind = manifest_kind(template)
        if kind in VOLUME_KINDS:
            return [(f"creates a {kind} (a volume), which needs a cluster or Docker", docker)]
        return []
    container = template.get("container") or {}
    found = []
    mounts = [str(m.get("mountPath")) for m in container.get("volumeMounts") or []]
    if mounts:
        found.append((f"mounts volumes at {', '.join(mounts)}", docker))
    if not container.get("command"):
        found.append(("has no command, so it runs its image's entrypoint", docker))
    if container.get("workingDir"):
        found.append((f"sets workingDir {container['workingDir']} inside its image", docker))
    return found


def _cluster_problems(template: Json) -> list[tuple[str, str]]:
    """Resource templates no local backend can apply."""
    if template_kind(template) != "resource":
        return []
    kind = manifest_kind(template) or "resource"
    if kind in VOLUME_KINDS:
        return []
    return [
        (
            f"applies a Kubernetes {kind} ({template['resource'].get('action', 'create')}), "
            "which needs a cluster",
            "submit the pipeline to a cluster: compile it and upload the package to KFP",
        )
    ]


def _secret_problems(template: Json, secrets: Secrets) -> list[tuple[str, str]]:
    found = []
    for variable in (template.get("container") or {}).get("env") or []:
        ref = (variable.get("valueFrom") or {}).get("secretKeyRef")
        if not ref or ref.get("optional"):
            continue
        name, key = str(ref.get("name")), str(ref.get("key"))
        if secrets.lookup(name, key) is None:
            found.append(
                (
                    f"reads key {key!r} of secret {name!r} into ${variable.get('name')}, "
                    "which is not set",
                    f"set {variable_name(name, key)}, or pass --secrets FILE",
                )
            )
    return found


def runnable_problems(source: RunSource, backend: str, secrets: Secrets) -> list[YamlpipeError]:
    """Every reason the run cannot start here, each naming its task."""
    problems = list(iter_unsupported(source.workflow))
    if problems:
        return problems
    checks: list[Callable[[Json], list[tuple[str, str]]]] = [
        _cluster_problems,
        lambda t: _secret_problems(t, secrets),
    ]
    checks.append(_host_problems if backend == "subprocess" else docker_problems)
    return _task_problems(source, checks)


def engine_problems(source: RunSource, engine: DockerEngine) -> list[YamlpipeError]:
    """What the Docker engine that answered cannot give a task (GPUs)."""
    return _task_problems(source, [lambda t: gpu_problems(t, engine)])


def _task_problems(
    source: RunSource, checks: list[Callable[[Json], list[tuple[str, str]]]]
) -> list[YamlpipeError]:
    problems: list[YamlpipeError] = []
    reported: set[tuple[str, str, str]] = set()
    for call in iter_calls(source):
        template = source.workflow.templates.get(call.template)
        if template is None or template_kind(template) == "dag":
            continue
        for check in checks:
            for what, hint in check(template):
                key = (call.dag, call.task, what)
                if key not in reported:
                    reported.add(key)
                    problems.append(
                        YamlpipeError(call.location, f"task {call.task!r} {what}", hint)
                    )
    return problems


# ---- output types ----------------------------------------------------------------------------


def output_types(template: Json) -> dict[str, str]:
    """Argo output name (parameter or artifact) -> the KFP type its component declares."""
    annotations = (template.get("metadata") or {}).get("annotations") or {}
    try:
        spec = json.loads(annotations.get(COMPONENT_SPEC) or "{}")
    except json.JSONDecodeError:
        return {}
    declared = {}
    for output in (spec.get("outputs") or []) if isinstance(spec, dict) else []:
        kind = type_name(output.get("type")) if isinstance(output, dict) else None
        if kind and isinstance(output.get("name"), str):
            declared[param_name(output["name"])] = kind
    found = {}
    outputs = template.get("outputs") or {}
    for param in [*(outputs.get("parameters") or []), *(outputs.get("artifacts") or [])]:
        name = str(param.get("name"))
        matches = [d for d in declared if name == d or name.endswith("-" + d)]
        if matches:
            found[name] = declared[max(matches, key=len)]
    return found


# ---- running ------------------------------------------------------------------------------------


class StoreRecorder:
    """Writes node changes to the run store, then tells the next observer at once.

    Changes are kept until the engine is about to wait (`flush`): one transaction then
    writes each changed node once, instead of one per change (a cached task changes three
    times in a moment). Step processes are found through their pid files, not these rows, so
    a runner killed before a flush leaves nothing behind that cannot be stopped."""

    def __init__(self, store: RunStore, run_id: str, then: Observer | None) -> None:
        self.store = store
        self.run_id = run_id
        self.then = then
        self.changes: dict[int, NodeChange] = {}

    def node_changed(self, node: Node) -> None:
        change = self.changes.setdefault(node.id, NodeChange(node))
        if node.attempts:
            last = node.attempts[-1]
            change.attempts[last.number] = last
        if self.then is not None:
            self.then.node_changed(node)

    def flush(self) -> None:
        if self.changes:
            self.store.record_nodes(self.run_id, self.changes.values())
            self.changes = {}

    def notice(self, text: str) -> None:
        if self.then is not None:
            self.then.notice(text)


def workflow_name(workflow: Workflow) -> str:
    """`generateName` plus five random characters, as Kubernetes names generated objects."""
    base = workflow.name
    if not base.endswith("-"):
        return base
    return base + "".join(random.choices(string.ascii_lowercase + string.digits, k=5))


def probe_docker(source: RunSource, options: RunOptions) -> DockerEngine:
    """The Docker engine the run will use; RunRefused, naming where it looked, if none answers
    or it cannot give a task what it asks for."""
    try:
        engine = DockerCli().probe(options.network)
    except EngineUnavailable as exc:
        where = Location(source.pipeline_file or source.workflow.file)
        raise RunRefused([YamlpipeError(where, exc.what, exc.hint)]) from None
    problems = engine_problems(source, engine)
    if problems:
        raise RunRefused(problems)
    return engine


def make_backend(
    options: RunOptions, folder: str, engine: DockerEngine | None, claims: str
) -> Backend:
    if options.backend == "docker":
        return DockerBackend(
            folder, options.network, namespace=options.namespace, engine=engine, claims=claims
        )
    return HostBackend()


def _images(workflow: Workflow) -> list[str]:
    return sorted(
        {str(t["container"].get("image")) for t in workflow.templates.values() if "container" in t}
    )


def execute(
    source: RunSource,
    parameters: Mapping[str, str],
    options: RunOptions,
    store: RunStore,
    observer: Observer | None = None,
    control: RunControl | None = None,
) -> RunResult:
    """Run a Workflow to its end and return the recorded run. Raises RunRefused before
    anything starts when the run cannot happen here; KeyboardInterrupt after recording the
    run as cancelled. A run stopped through `control` ends as cancelled, with its reason."""
    secrets = Secrets(options.secrets)
    problems = runnable_problems(source, options.backend, secrets)
    if problems:
        raise RunRefused(problems)
    docker = probe_docker(source, options) if options.backend == "docker" else None
    identity = _record_start(source, parameters, options, store)
    if options.backend == "subprocess" and observer is not None:
        observer.notice(
            "the subprocess backend runs each step's command on this machine; images are "
            f"not used ({', '.join(_images(source.workflow)) or 'none'})"
        )
    if docker is not None and observer is not None:
        observer.notice(f"steps run in containers of Docker {docker.version} at {docker.endpoint}")
    backend = make_backend(options, identity.folder, docker, str(store.folder / CLAIMS_FOLDER))
    engine = _engine(source, identity, parameters, options, store, secrets, observer, backend)
    run_id = identity.uid
    if control is not None:
        control.attach(engine)
    try:
        phase = engine.run()
    except KeyboardInterrupt:
        store.finish_run(run_id, CANCELLED, "cancelled: interrupted", unfinished=CANCELLED)
        raise
    except RunStopped as stopped:
        store.finish_run(run_id, CANCELLED, stopped.reason, unfinished=CANCELLED)
        return RunResult(store.run(run_id), CANCELLED, cancelled=True)
    message = _run_message(engine)
    store.finish_run(run_id, phase, message, unfinished=phase if phase != "Succeeded" else "")
    return RunResult(store.run(run_id), phase)


def _record_start(
    source: RunSource, parameters: Mapping[str, str], options: RunOptions, store: RunStore
) -> RunIdentity:
    """The run's name, id and folder, recorded in the store as running."""
    run_id = options.run_id or str(uuid.uuid4())
    folder = str(store.folder / "runs" / run_id)
    os.makedirs(folder, exist_ok=True)
    workflow = source.workflow
    identity = RunIdentity(workflow_name(workflow), run_id, folder, time.time())
    store.create_run(
        run_id=run_id,
        name=options.name or identity.name,
        experiment=options.experiment,
        workflow_name=identity.name,
        workflow=workflow.data,
        arguments=parameters,
        backend=options.backend,
        folder=folder,
        pipeline_file=source.pipeline_file,
        pipeline_digest=source.digest,
        owner=options.owner,
    )
    return identity


def _engine(
    source: RunSource,
    identity: RunIdentity,
    parameters: Mapping[str, str],
    options: RunOptions,
    store: RunStore,
    secrets: Secrets,
    observer: Observer | None,
    backend: Backend,
) -> Engine:
    settings = EngineOptions(
        jobs=options.jobs or os.cpu_count() or 1,
        namespace=options.namespace,
        secrets=secrets.lookup,
        cache=_cache(store, identity.uid, backend) if options.use_cache else None,
        sources=source.sources,
        output_types=output_types,
    )
    recorder = StoreRecorder(store, identity.uid, observer)
    return Engine(source.workflow, identity, parameters, backend, recorder, settings)


def _cache(store: RunStore, run_id: str, backend: Backend) -> StoreCache:
    """The step cache; where steps run in their images, keyed on the images' content ids."""
    if isinstance(backend, DockerBackend):
        return StoreCache(store, run_id, backend.image_id)
    return StoreCache(store, run_id)


def _run_message(engine: Engine) -> str:
    failed = [n for n in engine.nodes if n.failed and n.kind not in ("DAG", "TaskGroup")]
    if not failed:
        return ""
    first = min(failed, key=lambda n: n.finished_at or 0)
    return f"{first.display or first.name}: {first.message}"


def store_root(root: Path) -> Path:
    return root / STORE_FOLDER


def describe_record(record: RunRecord) -> dict[str, Any]:
    """A run as plain data (for --format json)."""
    return {
        "id": record.id,
        "name": record.name,
        "experiment": record.experiment,
        "state": record.state,
        "message": record.message,
        "pipeline_file": record.pipeline_file,
        "arguments": record.arguments,
        "backend": record.backend,
        "created_at": record.created_at,
        "started_at": record.started_at,
        "finished_at": record.finished_at,
        "user": record.user,
        "host": record.host,
        "folder": record.folder,
        "tasks": [
            {
                "id": t.node_id,
                "name": t.name,
                "kind": t.kind,
                "state": t.state,
                "message": t.message,
                "attempts": t.attempts,
                "exit_code": t.exit_code,
                "cached": t.cached,
                "started_at": t.started_at,
                "finished_at": t.finished_at,
                "log": t.log_path,
                "source": t.source,
                "outputs": t.outputs,
            }
            for t in record.tasks
        ],
    }
