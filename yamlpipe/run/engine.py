"""The engine: executes an Argo Workflow the way Argo's controller does, on one machine.

One thread owns every node. It walks DAGs (dependencies, `when`, loops, fail-fast,
parallelism), binds and substitutes templates, and hands leaf steps to a backend; each
running step is waited for by a small thread that posts its result back. Timers carry retry
backoffs and deadlines. The order of operations and the messages follow Argo v3.3, the
controller KFP 1.8 clusters run, so that what runs here is what the cluster would run.
"""

from __future__ import annotations

import heapq
import itertools
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from yamlpipe.errors import Location
from yamlpipe.run import files, gojson, items, scope
from yamlpipe.run.leaf import (
    Bound,
    NodeError,
    PodContext,
    SecretLookup,
    bind_inputs,
    container_step,
    describe,
    resource_step,
    substitute,
)
from yamlpipe.run.model import (
    CANCELLED,
    DAG,
    ERROR,
    FAILED,
    OMITTED,
    POD,
    RUNNING,
    SKIP_NODE,
    SKIPPED,
    SUCCEEDED,
    TASK_GROUP,
    UNSUCCESSFUL,
    Artifact,
    Attempt,
    Backend,
    Handle,
    Node,
    Outputs,
    Recorder,
    Step,
    StepResult,
)
from yamlpipe.run.retry import RetryError, decide, parse_strategy
from yamlpipe.run.template import SubstitutionError, iter_tags, replace_all
from yamlpipe.run.when import WhenError, evaluate_when
from yamlpipe.run.workflow import Json, Workflow, template_kind

DEADLINE_MESSAGE = "Pod was active on the node longer than the specified deadline"
WORKFLOW_DEADLINE_MESSAGE = "Step exceeded its deadline"


class StepCache(Protocol):
    """Earlier successful executions, looked up by what a step would run."""

    def lookup(self, node: Node, step: Step, template: Json) -> Outputs | None: ...

    def store(self, node: Node, step: Step, template: Json, outputs: Outputs) -> None: ...


class RunStopped(Exception):
    """Raised inside the engine's thread when another thread asked the run to stop."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class EngineOptions:
    jobs: int = 1
    namespace: str = "default"
    secrets: SecretLookup = lambda _name, _key: None
    cache: StepCache | None = None
    sources: Mapping[tuple[str, str], Location] = field(default_factory=dict)
    """(DAG template, task name) -> where the task was written, for messages."""
    output_types: Callable[[Json], Mapping[str, str]] = lambda _template: {}


@dataclass(frozen=True)
class RunIdentity:
    name: str
    """The Workflow's name (`generateName` plus a suffix)."""
    uid: str
    folder: str
    """The run's folder; node folders are below it."""
    created_at: float


@dataclass(eq=False)
class _DagRun:
    """A running DAG template: its tasks, their nodes, and the fail-fast and parallelism state."""

    node: Node
    template: Json
    tasks: dict[str, Json]
    deps: dict[str, tuple[str, ...]]
    scope: dict[str, str]
    artifacts: dict[str, Artifact]
    boundary: _DagRun | None
    parallelism: int = 0
    task_nodes: dict[str, Node] = field(default_factory=dict)
    active: int = 0
    waiting: int = 0
    failure: Node | None = None
    fail_fast: bool = True
    ancestry: dict[str, frozenset[str]] = field(default_factory=dict)

    def ancestors(self, task: str) -> frozenset[str]:
        found = self.ancestry.get(task)
        if found is None:
            found = frozenset()
            for dep in self.deps.get(task, ()):
                found = found | {dep} | self.ancestors(dep)
            self.ancestry[task] = found
        return found


@dataclass(eq=False)
class _Work:
    """Something waiting for room to start: a leaf attempt or a DAG."""

    node: Node
    boundary: _DagRun | None
    start: Callable[[], None]
    is_leaf: bool


def _fnv32a(text: str) -> int:
    value = 0x811C9DC5
    for byte in text.encode():
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return value


class Engine:
    """Runs one Workflow to its end; single-use."""

    def __init__(
        self,
        workflow: Workflow,
        identity: RunIdentity,
        parameters: Mapping[str, str],
        backend: Backend,
        observer: Recorder,
        options: EngineOptions,
    ) -> None:
        self.workflow = workflow
        self.identity = identity
        self.backend = backend
        self.observer = observer
        self.options = options
        self.globals = self._globals(parameters)
        self.arguments = replace_all(workflow.spec.get("arguments") or {}, self.globals)
        for param in self.arguments.get("parameters") or []:
            if param.get("name") in parameters:
                param["value"] = parameters[param["name"]]
        volumes = replace_all(workflow.spec.get("volumes") or [], self.globals)
        self.volumes = {str(v.get("name")): v for v in volumes}
        self.ids = itertools.count(1)
        self.nodes: list[Node] = []
        self.pending: deque[_Work] = deque()
        self.dirty: dict[int, _DagRun] = {}
        self.local: deque[Callable[[], None]] = deque()
        self.events: queue.Queue[Callable[[], None]] = queue.Queue()
        self.timers: list[tuple[float, int, Callable[[], None]]] = []
        self.running: dict[int, tuple[Handle, threading.Thread]] = {}
        self.kill_reasons: dict[int, str] = {}
        self.boundary_of: dict[int, _DagRun] = {}
        self.dag_of: dict[int, _DagRun] = {}
        self.bound_of: dict[int, Bound] = {}
        self.active: set[int] = set()
        """Nodes counted in their DAG's active children (started, not finished)."""
        self.stopping: str | None = None
        self.workflow_parallelism = int(workflow.spec.get("parallelism") or 0)
        self.root: Node | None = None
        self.exit_node: Node | None = None

    # ---- the run ---------------------------------------------------------------------------

    def _globals(self, parameters: Mapping[str, str]) -> dict[str, str]:
        identity = self.identity
        spec = self.workflow.spec
        values = {
            "workflow.name": identity.name,
            "workflow.namespace": self.options.namespace,
            "workflow.uid": identity.uid,
            "workflow.serviceAccountName": str(spec.get("serviceAccountName") or "default"),
            "workflow.creationTimestamp": scope._timestamp(identity.created_at),
            "workflow.status": RUNNING,
        }
        for param in (spec.get("arguments") or {}).get("parameters") or []:
            name = str(param.get("name"))
            value = parameters.get(name, param.get("value"))
            if value is not None:
                values[f"workflow.parameters.{name}"] = str(value)
        metadata = self.workflow.data.get("metadata") or {}
        for kind in ("annotations", "labels"):
            for key, value in (metadata.get(kind) or {}).items():
                values[f"workflow.{kind}.{key}"] = str(value)
        return values

    def run(self) -> str:
        """Run the entrypoint, then the exit handler; the Workflow's final phase."""
        deadline = self.workflow.spec.get("activeDeadlineSeconds")
        if deadline:
            self._at(float(deadline), self._workflow_deadline)
        try:
            phase = self._run_main()
        except KeyboardInterrupt:
            self.cancel("cancelled: interrupted")
            raise
        except RunStopped as stopped:
            self.cancel(stopped.reason)
            raise
        finally:
            self.observer.flush()
            self.backend.close()
        return phase

    def _run_main(self) -> str:
        wf = self.workflow
        self.root = self._node(self.identity.name, "", "", DAG, wf.entrypoint, "", None)
        self._execute(
            wf.entrypoint, self.root, None, self._argument_params(), self._argument_artifacts()
        )
        self._loop(lambda: self.root is not None and self.root.fulfilled)
        phase = self.root.phase
        if wf.on_exit and self.stopping != CANCELLED:
            phase = self._run_exit(phase, wf.on_exit)
        return phase

    def _run_exit(self, phase: str, template: str) -> str:
        self.globals["workflow.status"] = phase if phase != SKIPPED else SUCCEEDED
        self.globals["workflow.duration"] = f"{time.time() - self.identity.created_at:.6f}"
        self.globals["workflow.failures"] = self._failures()
        self.stopping = None
        self.timers = []
        name = f"{self.identity.name}.onExit"
        node = self._node(name, "onExit", "onExit", POD, template, "onExit", None)
        node.source = self.options.sources.get(("", "onExit"))
        self.exit_node = node
        self._execute(template, node, None, self._argument_params(), self._argument_artifacts())
        self._loop(lambda: node.fulfilled)
        if phase == SUCCEEDED and node.failed:
            return node.phase
        return phase

    def _failures(self) -> str:
        """Argo's `{{workflow.failures}}`: the failed nodes as JSON, then quoted as Go quotes."""
        failed = sorted((n for n in self.nodes if n.failed), key=lambda n: n.finished_at or 0)
        entries = [
            {
                "displayName": n.display.rsplit(".", 1)[-1] or n.name,
                "message": n.message,
                "templateName": n.template,
                "phase": n.phase,
                "podName": self._pod_name(n, len(n.attempts), len(n.attempts) > 1)
                if n.kind == POD
                else "",
                "finishedAt": scope._timestamp(n.finished_at or time.time()),
            }
            for n in failed
        ]
        return gojson.quote(gojson.dumps(entries), html=False)

    def _argument_params(self) -> dict[str, str]:
        return {
            str(p["name"]): str(p["value"])
            for p in self.arguments.get("parameters") or []
            if p.get("value") is not None
        }

    def _argument_artifacts(self) -> dict[str, Artifact]:
        found = {}
        for art in self.arguments.get("artifacts") or []:
            raw = art.get("raw")
            if isinstance(raw, dict) and "data" in raw:
                found[str(art["name"])] = Artifact(str(art["name"]), raw=str(raw["data"]))
        return found

    def _loop(self, done: Callable[[], bool]) -> None:
        while True:
            self._settle()
            if done():
                return
            self.observer.flush()
            self._wait_event()

    def _settle(self) -> None:
        """Do all the work that needs no waiting: DAGs to advance, steps to start."""
        while True:
            while self.local:
                self.local.popleft()()
            while self.dirty:
                _, dag = self.dirty.popitem()
                self._advance(dag)
            self._pump()
            if not self.local and not self.dirty:
                return

    def _wait_event(self) -> None:
        now = time.monotonic()
        while self.timers and self.timers[0][0] <= now:
            _, _, action = heapq.heappop(self.timers)
            action()
            return
        timeout = self.timers[0][0] - now if self.timers else None
        if timeout is None and not self.running and self.events.empty():
            raise RuntimeError("the run stalled: nothing is running and nothing can start")
        try:
            action = self.events.get(timeout=timeout)
        except queue.Empty:
            return
        action()

    def _at(self, delay: float, action: Callable[[], None]) -> None:
        heapq.heappush(self.timers, (time.monotonic() + delay, next(self.ids), action))

    # ---- nodes -------------------------------------------------------------------------------

    def _node(
        self,
        name: str,
        display: str,
        folder: str,
        kind: str,
        template: str,
        task: str,
        parent: Node | None,
        index: int | None = None,
    ) -> Node:
        node = Node(next(self.ids), name, display, folder, kind, template, task, parent)
        node.index = index
        if parent is not None:
            parent.children.append(node)
        self.nodes.append(node)
        self.observer.node_changed(node)
        return node

    def _finish(self, node: Node, phase: str, message: str = "") -> None:
        if node.fulfilled:
            return
        node.phase, node.message = phase, message
        node.finished_at = time.time()
        if node.started_at is None and phase not in (SKIPPED, OMITTED):
            node.started_at = node.finished_at
        self.observer.node_changed(node)
        boundary = self.boundary_of.get(node.id)
        if boundary is not None:
            self._deactivate(node, boundary)
            if phase in UNSUCCESSFUL and boundary.failure is None:
                boundary.failure = node
            self.dirty[id(boundary)] = boundary
        parent = node.parent
        if parent is not None and parent.kind == TASK_GROUP:
            self._check_group(parent)

    def _deactivate(self, node: Node, boundary: _DagRun) -> None:
        if node.id in self.active:
            self.active.discard(node.id)
            boundary.active -= 1

    def _check_group(self, group: Node) -> None:
        if group.fulfilled or not all(c.fulfilled for c in group.children):
            return
        phase = SUCCEEDED
        for child in group.children:
            if child.failed:
                phase = child.phase
        self._finish(group, phase, "child failed" if phase != SUCCEEDED else "")

    # ---- DAGs --------------------------------------------------------------------------------

    def _execute(
        self,
        template_name: str,
        node: Node,
        boundary: _DagRun | None,
        params: Mapping[str, str],
        artifacts: Mapping[str, Artifact],
    ) -> None:
        """Bind a template's inputs and queue it to start (Argo's executeTemplate)."""
        template = self.workflow.templates[template_name]
        kind = template_kind(template)
        node.kind = DAG if kind == "dag" else POD
        if boundary is not None:
            self.boundary_of[node.id] = boundary
        try:
            bound = bind_inputs(template, params, artifacts)
        except NodeError as exc:
            self._finish(node, ERROR, str(exc))
            return
        self.bound_of[node.id] = bound
        start = self._start_dag if kind == "dag" else self._start_attempt
        if boundary is not None:
            boundary.waiting += 1
        self.pending.append(_Work(node, boundary, lambda: start(node), kind != "dag"))

    def _start_dag(self, node: Node) -> None:
        bound = substitute(self.bound_of.pop(node.id), self.globals, {})
        template = bound.template
        tasks = {str(t["name"]): t for t in template["dag"].get("tasks") or []}
        dag = _DagRun(
            node=node,
            template=template,
            tasks=tasks,
            deps={n: tuple(t.get("dependencies") or ()) for n, t in tasks.items()},
            scope={
                **self.globals,
                **{f"inputs.parameters.{k}": v for k, v in bound.parameters.items()},
            },
            artifacts={f"inputs.artifacts.{k}": a for k, a in bound.artifacts.items()},
            boundary=self.boundary_of.get(node.id),
            parallelism=int(template.get("parallelism") or 0),
            fail_fast=template["dag"].get("failFast") is not False,
        )
        self.dag_of[node.id] = dag
        node.phase, node.started_at = RUNNING, time.time()
        self.observer.node_changed(node)
        self.dirty[id(dag)] = dag

    def _advance(self, dag: _DagRun) -> None:
        """Start every task whose dependencies are done (Argo's executeDAGTask)."""
        if dag.node.fulfilled:
            return
        for name, task in dag.tasks.items():
            stopped = dag.failure is not None and dag.fail_fast
            if name in dag.task_nodes or stopped or self.stopping:
                continue
            deps = [dag.task_nodes.get(d) for d in dag.deps[name]]
            if any(d is None or not d.fulfilled for d in deps):
                continue
            if any(d is not None and d.phase not in (SUCCEEDED, SKIPPED) for d in deps):
                node = self._task_node(dag, name, SKIP_NODE)
                self._finish(node, OMITTED, "omitted: depends condition not met")
                continue
            self._visit(dag, name, task)
        self._check_dag(dag)

    def _task_node(self, dag: _DagRun, task: str, kind: str, template: str = "") -> Node:
        parent = dag.node
        display = f"{parent.display}.{task}" if parent.display else task
        folder = f"{parent.folder}/{task}" if parent.folder else task
        node = self._node(f"{parent.name}.{task}", display, folder, kind, template, task, parent)
        node.source = self.options.sources.get((str(dag.template["name"]), task))
        self.boundary_of[node.id] = dag
        dag.task_nodes[task] = node
        return node

    def _task_scope(
        self, dag: _DagRun, name: str, task: Json
    ) -> tuple[dict[str, str], dict[str, Artifact]]:
        params = dict(dag.scope)
        artifacts = dict(dag.artifacts)
        referenced = set()
        for tag in _task_tags(task):
            parts = tag.strip().split(".")
            if len(parts) > 1 and parts[0] == "tasks":
                referenced.add(parts[1])
        ancestors = dag.ancestors(name)
        for other in sorted(referenced & ancestors):
            node = dag.task_nodes.get(other)
            if node is not None:
                scope.add_node(params, artifacts, f"tasks.{other}", node)
        return params, artifacts

    def _visit(self, dag: _DagRun, name: str, task: Json) -> None:
        params, artifacts = self._task_scope(dag, name, task)
        try:
            resolved = replace_all(task, params)
        except SubstitutionError as exc:
            self._finish(self._task_node(dag, name, SKIP_NODE), ERROR, str(exc))
            return
        expands = "withItems" in resolved or "withParam" in resolved
        when = str(resolved.get("when") or "")
        try:
            proceed = evaluate_when(when)
        except WhenError as exc:
            if not expands:
                self._finish(self._task_node(dag, name, SKIP_NODE), ERROR, str(exc))
                return
            proceed = True
        given: dict[str, Artifact] = {}
        if proceed:
            try:
                given = _resolve_artifacts(resolved, params, artifacts)
            except NodeError as exc:
                self._finish(self._task_node(dag, name, SKIP_NODE), ERROR, str(exc))
                return
        if expands:
            # Argo resolves artifact arguments before expanding: their `from` tags are gone.
            arguments = {
                k: v for k, v in (resolved.get("arguments") or {}).items() if k != "artifacts"
            }
            self._visit_loop(dag, name, {**resolved, "arguments": arguments}, given)
            return
        if not proceed:
            node = self._task_node(dag, name, SKIP_NODE)
            self._finish(node, SKIPPED, f"when '{when}' evaluated false")
            return
        node = self._task_node(dag, name, POD, str(resolved.get("template")))
        self._execute(str(resolved["template"]), node, dag, _param_args(resolved), given)

    def _visit_loop(self, dag: _DagRun, name: str, task: Json, given: dict[str, Artifact]) -> None:
        try:
            expanded = list(_expand(task))
        except (items.ItemsError, SubstitutionError) as exc:
            self._finish(self._task_node(dag, name, SKIP_NODE), ERROR, str(exc))
            return
        if not expanded:
            self._finish(self._task_node(dag, name, SKIP_NODE), SKIPPED, "Skipped, empty params")
            return
        group = self._task_node(dag, name, TASK_GROUP, str(task.get("template")))
        group.phase, group.started_at = RUNNING, time.time()
        for item, child_task in expanded:
            label = items.node_name(name, item)
            child = self._node(
                f"{group.name}({item.index}:{item.label})",
                group.display[: -len(name)] + label,
                f"{group.folder}/{item.index}",
                POD,
                str(child_task.get("template")),
                name,
                group,
                item.index,
            )
            child.source = group.source
            self.boundary_of[child.id] = dag
            when = str(child_task.get("when") or "")
            try:
                proceed = evaluate_when(when)
            except WhenError as exc:
                self._finish(child, ERROR, str(exc))
                continue
            if not proceed:
                self._finish(child, SKIPPED, f"when '{when}' evaluated false")
                continue
            self._execute(str(child_task["template"]), child, dag, _param_args(child_task), given)
        self._check_group(group)

    def _check_dag(self, dag: _DagRun) -> None:
        node = dag.node
        if node.fulfilled or dag.active > 0 or dag.waiting > 0:
            return
        if (dag.failure is None or not dag.fail_fast) and self.stopping is None:
            if len(dag.task_nodes) < len(dag.tasks):
                return
            if not all(n.fulfilled for n in dag.task_nodes.values()):
                return
        self._omit_unvisited(dag)
        failed = next(
            (dag.task_nodes[t] for t in sorted(dag.task_nodes) if dag.task_nodes[t].failed),
            dag.failure,
        )
        if failed is not None:
            self._finish(node, failed.phase, f"child '{failed.display}' {failed.phase.lower()}")
            return
        if self.stopping:
            self._finish(node, FAILED if self.stopping != CANCELLED else CANCELLED, self.stopping)
            return
        try:
            node.outputs = _dag_outputs(dag)
        except NodeError as exc:
            self._finish(node, ERROR, str(exc))
            return
        self._finish(node, SUCCEEDED)

    def _omit_unvisited(self, dag: _DagRun) -> None:
        reason = self.stopping or (
            f"not started: '{dag.failure.display}' failed first (fail fast)" if dag.failure else ""
        )
        for name in dag.tasks:
            if name not in dag.task_nodes:
                deps = [dag.task_nodes.get(d) for d in dag.deps[name]]
                blocked = any(
                    d is not None and d.fulfilled and d.phase not in (SUCCEEDED, SKIPPED)
                    for d in deps
                )
                node = self._task_node(dag, name, SKIP_NODE)
                node.phase = OMITTED
                node.message = "omitted: depends condition not met" if blocked else reason
                node.finished_at = time.time()
                self.observer.node_changed(node)

    # ---- starting steps ------------------------------------------------------------------------

    def _pump(self) -> None:
        """Start what has room: per-DAG parallelism, the workflow's, and --jobs."""
        if not self.pending:
            return
        kept: deque[_Work] = deque()
        limit = self.options.jobs
        if self.workflow_parallelism:
            limit = min(limit, self.workflow_parallelism)
        while self.pending:
            work = self.pending.popleft()
            boundary = work.boundary
            if self.stopping or (boundary is not None and boundary.fail_fast and boundary.failure):
                self._drop(work)
                continue
            if (
                boundary is not None
                and boundary.parallelism
                and boundary.active >= boundary.parallelism
            ):
                kept.append(work)
                continue
            if work.is_leaf and len(self.running) >= limit:
                kept.append(work)
                continue
            if boundary is not None:
                boundary.waiting -= 1
                boundary.active += 1
                self.active.add(work.node.id)
            work.start()
        self.pending = kept

    def _drop(self, work: _Work) -> None:
        if work.boundary is not None:
            work.boundary.waiting -= 1
            failure = work.boundary.failure
            reason = f"not started: '{failure.display}' failed first (fail fast)" if failure else ""
        else:
            reason = ""
        node = work.node
        if node.attempts and self.stopping != CANCELLED:
            last = node.attempts[-1]
            self._finish(node, last.phase, last.message)
            return
        phase = CANCELLED if self.stopping == CANCELLED else OMITTED
        self._finish(node, phase, self.stopping or reason)

    def _pod_name(self, node: Node, attempt: int, retrying: bool) -> str:
        name = f"{node.name}({attempt - 1})" if retrying else node.name
        return f"{self.identity.name}-{_fnv32a(name)}"

    def _start_attempt(self, node: Node) -> None:
        """Start the node's next attempt: reuse a cached result, or hand it to the backend."""
        template = self.bound_of[node.id].template
        attempt = self._new_attempt(node)
        pod = self._pod_name(node, attempt.number, "retryStrategy" in template)
        try:
            step = self._step(node, self.bound_of[node.id], attempt.folder, pod, attempt.number)
        except NodeError as exc:
            self._attempt_done(node, attempt, None, StepResult(None, str(exc), error=True))
            return
        self.observer.node_changed(node)
        cache = self.options.cache
        if cache is not None and attempt.number == 1 and step.kind == "container":
            cached = cache.lookup(node, step, template)
            if cached is not None:
                self.local.append(lambda: self._restored(node, attempt, cached))
                return
        self._launch(node, attempt, step)
        deadline = template.get("activeDeadlineSeconds")
        if deadline:
            self._at(float(deadline), lambda: self._kill(node, attempt, DEADLINE_MESSAGE))

    def _new_attempt(self, node: Node) -> Attempt:
        number = len(node.attempts) + 1
        attempt = Attempt(
            number, f"{self.identity.folder}/{node.folder}/attempt-{number}", time.time()
        )
        node.attempts.append(attempt)
        if node.started_at is None:
            node.started_at = attempt.started_at
        node.phase = RUNNING
        return attempt

    def _launch(self, node: Node, attempt: Attempt, step: Step) -> None:
        """Start the step; a thread waits for it and posts its result to the engine."""
        try:
            files.make_folders(step)
            handle = self.backend.start(step)
        except NodeError as exc:
            self._attempt_done(node, attempt, step, StepResult(None, str(exc), error=True))
            return
        thread = threading.Thread(
            target=lambda: self.events.put(self._done_callback(node, attempt, step, handle)),
            name=f"step-{node.id}",
            daemon=True,
        )
        self.running[node.id] = (handle, thread)
        thread.start()

    def _done_callback(
        self, node: Node, attempt: Attempt, step: Step, handle: Handle
    ) -> Callable[[], None]:
        result = handle.wait()
        return lambda: self._attempt_done(node, attempt, step, result)

    def _step(self, node: Node, bound: Bound, folder: str, pod: str, number: int) -> Step:
        local = {"pod.name": pod, "retries": str(number - 1)}
        resolved = substitute(bound, self.globals, local)
        template = resolved.template
        if template_kind(template) == "resource":
            step = resource_step(resolved, node.name, folder)
        else:
            metadata = template.get("metadata") or {}
            context = PodContext(
                pod,
                self.options.namespace,
                self.identity.uid,
                annotations=metadata.get("annotations") or {},
                labels=metadata.get("labels") or {},
            )
            step = container_step(
                resolved, node.name, folder, context, self.options.secrets, self.volumes
            )
        node.details = {
            **describe(step),
            "inputs": dict(resolved.parameters),
            "input_artifacts": {k: a.path or "(inline)" for k, a in resolved.artifacts.items()},
        }
        files.stage_inputs(step, resolved.artifacts)
        return step

    def _kill(self, node: Node, attempt: Attempt, reason: str) -> None:
        running = self.running.get(node.id)
        if running is None or attempt.finished_at is not None:
            return
        self.kill_reasons[node.id] = reason
        running[0].kill(reason)

    # ---- finishing steps ---------------------------------------------------------------------

    def _restored(self, node: Node, attempt: Attempt, outputs: Outputs) -> None:
        node.cached_from = node.cached_from or "cache"
        attempt.phase, attempt.finished_at, attempt.exit_code = SUCCEEDED, time.time(), 0
        node.outputs = outputs
        self._finish(node, SUCCEEDED, "cached")

    def _attempt_done(
        self, node: Node, attempt: Attempt, step: Step | None, result: StepResult
    ) -> None:
        self.running.pop(node.id, None)
        reason = self.kill_reasons.pop(node.id, None)
        attempt.finished_at = time.time()
        attempt.exit_code = result.exit_code
        phase, message, outputs = self._judge(node, step, result, reason)
        attempt.phase, attempt.message = phase, message
        if phase == SUCCEEDED and outputs is not None:
            node.outputs = outputs
            if self.options.cache is not None and step is not None and step.kind == "container":
                self.options.cache.store(node, step, self.bound_of[node.id].template, outputs)
            self._finish(node, SUCCEEDED)
            return
        delay = self._retry_delay(node, phase, attempt)
        if delay is None:
            self._finish(node, phase, message)
            return
        node.message = f"{message}; retrying" + (f" in {delay:.0f}s" if delay >= 1 else "")
        self.observer.node_changed(node)
        boundary = self.boundary_of.get(node.id)
        retry = _Work(node, boundary, lambda: self._start_attempt(node), True)
        if boundary is not None:
            self._deactivate(node, boundary)
            boundary.waiting += 1
        self._at(delay, lambda: self.pending.append(retry))

    def _judge(
        self, node: Node, step: Step | None, result: StepResult, reason: str | None
    ) -> tuple[str, str, Outputs | None]:
        if reason is not None:
            return FAILED, reason, None
        if result.exit_code != 0 or result.error or step is None:
            phase = ERROR if result.error else FAILED
            return phase, result.message or f"exit code {result.exit_code}", None
        try:
            types = self.options.output_types(self.bound_of[node.id].template)
            outputs = files.collect_outputs(step, types)
        except NodeError as exc:
            return ERROR, str(exc), None
        except OSError as exc:
            return ERROR, f"reading the outputs failed: {exc}", None
        outputs.parameters.update(result.outputs)
        outputs.exit_code = result.exit_code
        return SUCCEEDED, "", outputs

    def _retry_delay(self, node: Node, phase: str, attempt: Attempt) -> float | None:
        if self.stopping:
            return None
        template = self.bound_of[node.id].template
        try:
            strategy = parse_strategy(template.get("retryStrategy"))
        except RetryError:
            return None
        if strategy is None:
            return None
        first = node.attempts[0].started_at
        decision = decide(
            strategy,
            len(node.attempts),
            phase,
            first,
            attempt.finished_at or time.time(),
            time.time(),
        )
        return decision.delay

    # ---- stopping ------------------------------------------------------------------------------

    def _workflow_deadline(self) -> None:
        self.stopping = WORKFLOW_DEADLINE_MESSAGE
        for node_id, (handle, _) in list(self.running.items()):
            self.kill_reasons[node_id] = WORKFLOW_DEADLINE_MESSAGE
            handle.kill(WORKFLOW_DEADLINE_MESSAGE)
        self._mark_dags_dirty()

    def _mark_dags_dirty(self) -> None:
        for dag in self.dag_of.values():
            self.dirty[id(dag)] = dag

    def stop(self, reason: str) -> None:
        """Ask the run to stop, from any thread: the engine's thread cancels every step and
        ends the run with RunStopped."""
        self.events.put(lambda: _raise_stopped(reason))

    def cancel(self, reason: str) -> None:
        """Stop every step and record every unfinished node as cancelled."""
        self.stopping = CANCELLED
        for node_id, (handle, _) in list(self.running.items()):
            self.kill_reasons[node_id] = reason
            handle.kill(reason)
        for _, thread in list(self.running.values()):
            thread.join(timeout=15)
        for node in self.nodes:
            if not node.fulfilled:
                node.phase, node.message, node.finished_at = CANCELLED, reason, time.time()
                self.observer.node_changed(node)


def _raise_stopped(reason: str) -> None:
    raise RunStopped(reason)


# ---- helpers (pure) ---------------------------------------------------------------------------


def _task_tags(task: Json) -> Iterator[str]:
    for _, text in _strings(task):
        if "{{" in text:
            try:
                yield from iter_tags(text)
            except SubstitutionError:
                return


def _strings(value: Any) -> Iterator[tuple[None, str]]:
    if isinstance(value, str):
        yield None, value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _param_args(task: Json) -> dict[str, str]:
    params = (task.get("arguments") or {}).get("parameters") or []
    return {str(p["name"]): str(p["value"]) for p in params if p.get("value") is not None}


def _resolve_artifacts(
    task: Json, params: Mapping[str, str], artifacts: Mapping[str, Artifact]
) -> dict[str, Artifact]:
    given: dict[str, Artifact] = {}
    for art in (task.get("arguments") or {}).get("artifacts") or []:
        name = str(art.get("name"))
        if art.get("from"):
            found = scope.resolve_var(str(art["from"]), params, artifacts)
            if not isinstance(found, Artifact):
                if art.get("optional"):
                    continue
                raise NodeError(f"Unable to resolve: {str(art['from']).strip()!r}")
            given[name] = Artifact(name, found.path, found.raw)
        elif isinstance(art.get("raw"), dict):
            given[name] = Artifact(name, raw=str(art["raw"].get("data", "")))
    return given


def _expand(task: Json) -> Iterator[tuple[items.Item, Json]]:
    """Argo's expandTask: one task per item, `{{item}}` substituted."""
    if "withItems" in task:
        values = task["withItems"]
        expanded = list(items.from_yaml(values if isinstance(values, list) else [values]))
    else:
        expanded = items.from_param(str(task["withParam"]))
    body = {k: v for k, v in task.items() if k not in ("withItems", "withParam")}
    when = str(task.get("when") or "")
    try:
        lenient = not evaluate_when(when)
    except WhenError:
        lenient = False
    for item in expanded:
        yield item, replace_all(body, item.scope, allow_unresolved=lenient)


def _dag_outputs(dag: _DagRun) -> Outputs:
    """Argo's getTemplateOutputsFromScope: a DAG's outputs read from its tasks."""
    declared = dag.template.get("outputs") or {}
    if not declared:
        return Outputs()
    params: dict[str, str] = dict(dag.scope)
    artifacts: dict[str, Artifact] = dict(dag.artifacts)
    for name, node in dag.task_nodes.items():
        scope.add_node(params, artifacts, f"tasks.{name}", node)
    outputs = Outputs()
    for param in declared.get("parameters") or []:
        source = param.get("valueFrom") or {}
        value = scope.resolve_var(str(source.get("parameter", "")), params, artifacts)
        if not isinstance(value, str):
            if source.get("default") is None:
                raise NodeError(f"Unable to resolve: {str(source.get('parameter')).strip()!r}")
            value = str(source["default"])
        outputs.parameters[str(param["name"])] = value
    for art in declared.get("artifacts") or []:
        found = scope.resolve_var(str(art.get("from", "")), params, artifacts)
        if isinstance(found, Artifact):
            outputs.artifacts[str(art["name"])] = Artifact(str(art["name"]), found.path, found.raw)
        elif not art.get("optional"):
            raise NodeError(f"Unable to resolve: {str(art.get('from')).strip()!r}")
    return outputs
