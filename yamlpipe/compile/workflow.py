"""The linked graph -> an Argo Workflow dict that KFP v1 clusters accept.

One DAG template per pipeline (the root, and each nested pipeline or graph component), leaf
templates shared by tasks of the same shape, `when` and `withItems`/`withParam` on the tasks
themselves, and a wrapping DAG only where Argo needs one (a loop with a parallelism limit).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

from yamlpipe.compile.dag import (
    dag_inputs,
    dag_outputs,
    dag_task_ids,
    hardwire,
    loop_wrapper,
    task_dependencies,
    task_entry,
    volume_dependencies,
)
from yamlpipe.compile.groups import lower_groups
from yamlpipe.compile.leaf_component import component_leaf
from yamlpipe.compile.leaf_container import container_leaf
from yamlpipe.compile.leaf_resource import (
    resource_leaf,
    snapshot_leaf,
    volume_arguments,
    volume_template,
)
from yamlpipe.compile.manifest import snapshot_name, volume_claim_name, volume_manifest
from yamlpipe.compile.naming import Namer, k8s_name, param_name, placeholder
from yamlpipe.compile.plan import ARTIFACT, PARAM, Modes, PipelinePlan, Planner, TaskPlan
from yamlpipe.compile.scopes import Call, DagScope, ExitScope
from yamlpipe.compile.settings import Settings, combine, from_task_settings
from yamlpipe.compile.templates import EnvValue, Leaf, LeafRequest, Mount
from yamlpipe.compile.values import as_value, serialize
from yamlpipe.errors import Location, YamlpipeError, has_errors
from yamlpipe.link import LinkedPipeline
from yamlpipe.load.yamltext import gc_paused
from yamlpipe.spec.expr import Template
from yamlpipe.spec.model import InputSpec, Pipeline, SecretRef, Task, Volume

Json = dict[str, Any]
TEMPLATE_BUILDERS: dict[str, Callable[[LeafRequest, dict[Hashable, Any]], Leaf]] = {
    "component": component_leaf,
    "container": container_leaf,
    "resource": resource_leaf,
    "snapshot": snapshot_leaf,
}
"""Task kind -> leaf template builder (nested pipelines become DAG templates instead)."""
PIPELINE_SPEC_ANNOTATION = "pipelines.kubeflow.org/pipeline_spec"
DEFAULT_SERVICE_ACCOUNT = "pipeline-runner"
"""What KFP 1.8.22 sets; KFP's API server replaces it with the namespace's runner anyway."""


@dataclass(frozen=True)
class CompileResult:
    """The Workflow (None when something cannot be compiled) and every problem found."""

    workflow: Json | None
    problems: tuple[YamlpipeError, ...]
    sources: Mapping[tuple[str, str], Location] = field(default_factory=dict)
    """(DAG template, task name) -> where the task is written; ("", "onExit") for the exit
    handler. The runner names failed tasks by it."""


@dataclass(frozen=True)
class Enclosing:
    """What the task running a nested pipeline passes down to the tasks inside it."""

    settings: Settings = field(default_factory=Settings)
    env: tuple[tuple[str, EnvValue], ...] = ()


@dataclass(frozen=True)
class _Dag:
    """One DAG template being written: its pipeline, task names and how references read."""

    plan: PipelinePlan
    ids: Mapping[str, str]
    volume_ids: Mapping[str, str]
    scope: DagScope

    @property
    def pipeline(self) -> Pipeline:
        return self.plan.linked.pipeline


@dataclass
class _Compiler:
    """Writes the templates of one Workflow; one per compile call, so compiles never share
    state (and may run in threads)."""

    root: LinkedPipeline
    planner: Planner = field(default_factory=Planner)
    namer: Namer = field(default_factory=Namer)
    templates: dict[str, Json] = field(default_factory=dict)
    by_key: dict[Hashable, str] = field(default_factory=dict)
    cache: dict[Hashable, Any] = field(default_factory=dict)
    sources: dict[tuple[str, str], Location] = field(default_factory=dict)

    @property
    def problems(self) -> list[YamlpipeError]:
        return self.planner.problems

    def compile(self) -> Json:
        pipeline = self.root.pipeline
        root_name = self.namer.claim(k8s_name(pipeline.name, "pipeline"))
        plan = self.planner.plan_pipeline(self.root, frozenset(i.name for i in pipeline.inputs))
        if has_errors(self.problems):
            return {}
        self.build_dag(plan, Enclosing(), {}, root_name)
        exit_name = self.exit_template(plan.exit, pipeline) if plan.exit is not None else None
        return workflow_dict(plan, root_name, self.templates, exit_name)

    # ---- leaf templates ------------------------------------------------------------------

    def add_leaf(self, leaf: Leaf) -> str:
        """The template for a leaf, shared by every task with the same key."""
        name = self.by_key.get(leaf.key)
        if name is None:
            name = self.namer.claim(leaf.base)
            self.by_key[leaf.key] = name
            self.templates[name] = leaf.build(name)
        return name

    def leaf_call(self, leaf: Leaf, template: str) -> Call:
        names = self.cache.get(("outputs", template))
        if names is None:
            names = (leaf.output_params(template), leaf.output_artifacts(template))
            self.cache[("outputs", template)] = names
        return Call(template, leaf.parameters, leaf.artifacts, *names)

    def leaf_request(
        self, plan: TaskPlan, pipeline: Pipeline, enclosing: Enclosing, demanded: frozenset[str]
    ) -> LeafRequest:
        task = plan.task
        env = enclosing.env + tuple(
            (var.name, var.value if isinstance(var.value, SecretRef) else as_value(var.value))
            for var in task.env
        )
        claim = None
        if task.snapshot is not None:
            claim = volume_claim_name(pipeline.volumes[task.snapshot.volume])
        settings = self.settings_of(task, pipeline, enclosing.settings)
        return LeafRequest(plan, settings, env, mounts(task, pipeline), demanded, claim)

    def settings_of(self, task: Task, pipeline: Pipeline, enclosing: Settings) -> Settings:
        """The task's own settings over the enclosing task's over the pipeline's defaults."""
        own = from_task_settings(task.settings)
        key = ("settings", own, enclosing, id(pipeline.defaults))
        if key not in self.cache:
            self.cache[key] = combine(own, enclosing, from_task_settings(pipeline.defaults))
        settings: Settings = self.cache[key]
        return settings

    def task_call(
        self, plan: TaskPlan, pipeline: Pipeline, enclosing: Enclosing, demand: Mapping[str, Modes]
    ) -> Call:
        """The template a task runs (built, or shared with an earlier task) and how to call it."""
        if plan.kind == "pipeline":
            return self.nested_call(plan, enclosing, demand)
        demanded = frozenset(o for o, modes in demand.items() if PARAM in modes)
        leaf = TEMPLATE_BUILDERS[plan.kind](
            self.leaf_request(plan, pipeline, enclosing, demanded), self.cache
        )
        return self.leaf_call(leaf, self.add_leaf(leaf))

    # ---- nested pipelines ------------------------------------------------------------------

    def nested_call(
        self, plan: TaskPlan, enclosing: Enclosing, demand: Mapping[str, Modes]
    ) -> Call:
        """A nested pipeline or graph component: a DAG template of its own in this Workflow."""
        nested = plan.nested
        assert nested is not None
        task = plan.task
        self.problems.extend(_nested_mount_problems(task))
        self.problems.extend(_nested_runtime_resources(task))
        self.problems.extend(_pass_through_problems(nested, demand))
        inner = Enclosing(
            combine(from_task_settings(task.settings), enclosing.settings),
            enclosing.env + self.constant_env(task),
        )
        name = self.build_dag(nested, inner, demand)
        by_mode = {
            mode: {
                param_name(n): v for n, v in plan.values.items() if mode in plan.modes.get(n, ())
            }
            for mode in (PARAM, ARTIFACT)
        }
        params = {o: param_name(o) for o, modes in demand.items() if PARAM in modes}
        artifacts = {
            o: param_name(o)
            for o, modes in demand.items()
            if ARTIFACT in modes and nested.can_give_artifact(nested.output_source(o) or ("", ""))
        }
        return Call(name, by_mode[PARAM], by_mode[ARTIFACT], params, artifacts)

    def constant_env(self, task: Task) -> tuple[tuple[str, EnvValue], ...]:
        """A nested-pipeline task's env, passed down to the tasks inside it."""
        env: list[tuple[str, EnvValue]] = []
        for var in task.env:
            value = var.value if isinstance(var.value, SecretRef) else as_value(var.value)
            if isinstance(value, Template):
                self.problems.append(
                    YamlpipeError(
                        var.loc,
                        f"task {task.name!r} runs a pipeline; its env values must be constants "
                        "or secrets",
                        "pass the value as an input of the nested pipeline instead",
                    )
                )
                continue
            env.append((var.name, value))
        return tuple(env)

    # ---- DAG templates ---------------------------------------------------------------------

    def build_dag(
        self,
        plan: PipelinePlan,
        enclosing: Enclosing,
        demand: Mapping[str, Modes],
        name: str | None = None,
    ) -> str:
        """The DAG template of a pipeline, shared by the calls that need the same one."""
        key = ("dag", id(plan), enclosing, tuple(sorted(demand.items())))
        if key in self.by_key:
            return self.by_key[key]
        pipeline = plan.linked.pipeline
        name = name or self.namer.claim(k8s_name(pipeline.name, "pipeline"))
        self.by_key[key] = name
        if plan.linked is not self.root and plan.linked.group is None:
            self.problems.extend(_nested_pipeline_problems(pipeline))
        modes = plan.output_modes(demand)
        calls = {
            task: self.task_call(task_plan, pipeline, enclosing, modes.get(task, {}))
            for task, task_plan in plan.tasks.items()
        }
        ids, volume_ids = dag_task_ids(pipeline, creates_volumes=plan.linked.group is None)
        dag = _Dag(plan, ids, volume_ids, DagScope(plan, ids, calls))
        tasks = [self.volume_task(dag, v) for v in volume_ids]
        tasks.extend(self.dag_task(dag, p, calls[n]) for n, p in plan.tasks.items())
        self.templates[name] = dag_template(name, dag, demand, tasks)
        for volume, task_id in volume_ids.items():
            self.sources[(name, task_id)] = pipeline.volumes[volume].loc
        for task_name, task_plan in plan.tasks.items():
            self.sources[(name, ids[task_name])] = task_plan.task.loc
        return name

    def dag_task(self, dag: _Dag, plan: TaskPlan, call: Call) -> Json:
        task = plan.task
        dependencies = {dag.ids[d] for d in task_dependencies(plan)}
        dependencies.update(volume_dependencies(task, dag.volume_ids))
        task_id = dag.ids[task.name]
        if task.for_each is None or not task.parallelism:
            return task_entry(plan, call, dag.scope, task_id, dependencies)
        name = self.namer.claim(f"for-loop-{task_id}")
        wrapper, outer = loop_wrapper(plan, call, dag.scope, task_id, name)
        self.sources[(name, task_id)] = task.loc
        self.templates[name] = wrapper
        head = {"name": task_id, "template": name}
        return {**head, "dependencies": sorted(dependencies), **outer} if dependencies else outer

    def volume_task(self, dag: _Dag, volume_name: str) -> Json:
        """The task creating a volume's claim (KFP's VolumeOp), after its snapshot if restored."""
        volume = dag.pipeline.volumes[volume_name]
        source = volume.from_snapshot.name if volume.from_snapshot else None
        snapshot = None
        if source is not None:
            snapshot_spec = dag.pipeline.tasks[source].snapshot
            assert snapshot_spec is not None
            snapshot = snapshot_name(source, snapshot_spec)
        task: Json = {"name": dag.volume_ids[volume_name]}
        task["template"] = self.add_volume_template(volume, snapshot)
        if source is not None:
            task["dependencies"] = [dag.ids[source]]
        arguments = volume_arguments(volume)
        if arguments:
            task["arguments"] = arguments
        return task

    def add_volume_template(self, volume: Volume, snapshot: str | None) -> str:
        key = ("volume", volume.name, volume_manifest(volume, snapshot), volume.size_template)
        name = self.by_key.get(key)
        if name is None:
            name = self.namer.claim(k8s_name(volume.name, "volume"))
            self.by_key[key] = name
            self.templates[name] = volume_template(name, volume, snapshot)
        return name

    # ---- the exit handler ------------------------------------------------------------------

    def exit_template(self, plan: TaskPlan, pipeline: Pipeline) -> str:
        """The exit handler's own template, its inputs fixed (see dag.hardwire)."""
        if plan.kind == "pipeline":
            shared = self.nested_call(plan, Enclosing(), {})
            template = copy.deepcopy(self.templates[shared.template])
            name = self.namer.claim(template["name"])
            template["name"] = name
            call = Call(name, shared.parameters, shared.artifacts)
        else:
            request = self.leaf_request(plan, pipeline, Enclosing(), frozenset())
            leaf = TEMPLATE_BUILDERS[plan.kind](request, self.cache)
            name = self.namer.claim(leaf.base)
            template = leaf.build(name)
            call = self.leaf_call(leaf, name)
        self.templates[name] = hardwire(template, call, ExitScope(), plan.task)
        self.sources[("", "onExit")] = plan.task.loc
        return name


def mounts(task: Task, pipeline: Pipeline) -> tuple[Mount, ...]:
    """A task's volume mounts, each with the claim behind it."""
    found = []
    for mount in task.volumes:
        volume = pipeline.volumes[mount.volume]
        claim = volume_claim_name(volume) if volume.source is None else ""
        name = k8s_name(volume.name, "volume")
        found.append(
            Mount(
                mount.path,
                name,
                claim,
                mount.sub_path,
                mount.read_only,
                volume.read_only,
                volume.source,
            )
        )
    return tuple(found)


def dag_template(name: str, dag: _Dag, demand: Mapping[str, Modes], tasks: list[Json]) -> Json:
    template: Json = {"name": name}
    group = dag.plan.linked.group
    if group is not None and group.parallelism and group.for_each is None:
        template["parallelism"] = group.parallelism  # KFP's SubGraph: tasks at once
    inputs = dag_inputs(dag.plan)
    if inputs:
        template["inputs"] = inputs
    outputs = dag_outputs(dag.plan, demand, dag.scope)
    if outputs:
        template["outputs"] = outputs
    template["dag"] = {"tasks": sorted(tasks, key=lambda t: str(t["name"]))}
    return template


def _nested_mount_problems(task: Task) -> list[YamlpipeError]:
    return [
        YamlpipeError(
            mount.loc,
            f"task {task.name!r} runs a pipeline; volumes can only be mounted on the tasks "
            "inside it",
            "mount the volume on the nested pipeline's own tasks",
        )
        for mount in task.volumes
    ]


def _nested_runtime_resources(task: Task) -> list[YamlpipeError]:
    return [
        YamlpipeError(
            template.loc,
            f"task {task.name!r} runs a pipeline; its resources must be constants",
            "pass the value as an input of the nested pipeline and set it on its tasks",
        )
        for template in task.resource_templates
    ]


def _pass_through_problems(
    nested: PipelinePlan, demand: Mapping[str, Modes]
) -> list[YamlpipeError]:
    """Outputs that hand an input straight back: Argo DAG outputs come from tasks."""
    return [
        YamlpipeError(
            output.loc,
            f"output {output.name!r} of {nested.linked.pipeline.name!r} is not a task's output, "
            "so it cannot be read from outside",
            "make a task produce it (KFP cannot pass an input through a graph either)",
        )
        for output in nested.linked.pipeline.outputs
        if output.name in demand and nested.output_source(output.name) is None
    ]


def _nested_pipeline_problems(pipeline: Pipeline) -> list[YamlpipeError]:
    """What only the top-level pipeline may have."""
    problems = []
    used_inside = f"pipeline {pipeline.name!r} is used inside another pipeline, and only the"
    if pipeline.volumes:
        first = next(iter(pipeline.volumes.values()))
        problems.append(
            YamlpipeError(
                first.loc,
                f"{used_inside} top-level pipeline may declare volumes",
                "declare the volume in the top-level pipeline",
            )
        )
    if pipeline.on_exit is not None:
        problems.append(
            YamlpipeError(
                pipeline.on_exit.loc,
                f"{used_inside} top-level pipeline may have an exit handler (Argo runs one "
                "per workflow)",
                "move on_exit to the top-level pipeline",
            )
        )
    return problems


# ---- the Workflow --------------------------------------------------------------------------


def input_default(spec: InputSpec) -> str | None:
    return None if spec.default is None else serialize(spec.default, spec.type)


def pipeline_spec(pipeline: Pipeline) -> str:
    """KFP's pipeline_spec annotation: name, description and inputs, as the UI reads them."""
    inputs = []
    for spec in pipeline.inputs:
        entry: Json = {"name": spec.name}
        if spec.type is not None:
            entry["type"] = spec.type
        if spec.description:
            entry["description"] = spec.description
        default = input_default(spec)
        if default is not None:
            entry.update(default=default, optional=True)
        inputs.append(entry)
    spec_dict: Json = {"name": pipeline.name}
    if pipeline.description:
        spec_dict["description"] = pipeline.description
    if inputs:
        spec_dict["inputs"] = inputs
    return json.dumps(spec_dict, sort_keys=True)


def workflow_arguments(plan: PipelinePlan) -> Json:
    """Every pipeline input as a workflow parameter; those read as files also as artifacts."""
    parameters = []
    for spec in plan.linked.pipeline.inputs:
        entry: Json = {"name": param_name(spec.name)}
        default = input_default(spec)
        if default is not None:
            entry["value"] = default
        parameters.append(entry)
    arguments: Json = {"parameters": parameters} if parameters else {}
    artifacts = [
        {"name": name, "raw": {"data": placeholder("workflow", "parameters", name)}}
        for name in sorted(param_name(n) for n, m in plan.input_modes.items() if ARTIFACT in m)
    ]
    if artifacts:
        arguments["artifacts"] = artifacts
    return arguments


def workflow_spec_settings(pipeline: Pipeline) -> Json:
    """Service account, parallelism, TTL, image pull secrets and deadline of the run."""
    settings = pipeline.settings
    spec: Json = {"serviceAccountName": settings.service_account or DEFAULT_SERVICE_ACCOUNT}
    if settings.parallelism:
        spec["parallelism"] = settings.parallelism
    if settings.ttl_seconds is not None:
        spec["ttlStrategy"] = {"secondsAfterCompletion": settings.ttl_seconds}
    if settings.image_pull_secrets:
        spec["imagePullSecrets"] = [{"name": s} for s in settings.image_pull_secrets]
    if settings.timeout_seconds:
        spec["activeDeadlineSeconds"] = settings.timeout_seconds
    return spec


def workflow_dict(
    plan: PipelinePlan, root: str, templates: Mapping[str, Json], exit_name: str | None
) -> Json:
    pipeline = plan.linked.pipeline
    annotations = {
        **pipeline.metadata.annotations,
        PIPELINE_SPEC_ANNOTATION: pipeline_spec(pipeline),
    }
    metadata: Json = {"generateName": root + "-", "annotations": dict(sorted(annotations.items()))}
    if pipeline.metadata.labels:
        metadata["labels"] = dict(sorted(pipeline.metadata.labels.items()))
    spec: Json = {"entrypoint": root, "templates": [templates[n] for n in sorted(templates)]}
    arguments = workflow_arguments(plan)
    if arguments:
        spec["arguments"] = arguments
    spec.update(workflow_spec_settings(pipeline))
    if exit_name is not None:
        spec["onExit"] = exit_name
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": metadata,
        "spec": spec,
    }


def compile_workflow(graph: LinkedPipeline) -> CompileResult:
    """Compile a linked pipeline; never raises for bad input (problems are returned)."""
    compiler = _Compiler(lower_groups(graph))
    with gc_paused():  # many small objects, none freed: collecting would only cost time
        workflow = compiler.compile()
    problems = tuple(sorted(compiler.problems, key=YamlpipeError.sort_key))
    if has_errors(problems):
        return CompileResult(None, problems)
    return CompileResult(workflow, problems, dict(compiler.sources))
