"""The parts of DAG templates: task names, what each task waits for, its `when` and loop,
a pipeline's inputs and outputs, a loop's wrapping DAG, the exit handler's fixed inputs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from yamlpipe.compile.conditions import render_condition
from yamlpipe.compile.naming import Namer, k8s_name, param_name, placeholder
from yamlpipe.compile.plan import ARTIFACT, PARAM, Modes, PipelinePlan, TaskPlan
from yamlpipe.compile.scopes import (
    Call,
    DagScope,
    ExitScope,
    Scope,
    WrapperScope,
    artifact_argument,
    call_arguments,
)
from yamlpipe.compile.values import render, render_value
from yamlpipe.spec.expr import Ref
from yamlpipe.spec.model import Pipeline, Task

Json = dict[str, Any]


def dag_task_ids(
    pipeline: Pipeline, creates_volumes: bool = True
) -> tuple[dict[str, str], dict[str, str]]:
    """DAG task names: the pipeline's tasks, then one per volume the run creates (in the
    top-level DAG only: a group's tasks use the volumes the run created before it)."""
    namer = Namer()
    ids = {name: namer.claim(k8s_name(name)) for name in pipeline.tasks}
    volume_ids = {
        name: namer.claim(k8s_name(name, "volume"))
        for name, volume in pipeline.volumes.items()
        if volume.size and not volume.claim and creates_volumes
    }
    return ids, volume_ids


def task_dependencies(plan: TaskPlan) -> set[str]:
    """What the linker found, plus producers named through KFP's {taskOutput: ...} form."""
    names = set(plan.linked.dependencies)
    for value in plan.values.values():
        names.update(r.name or "" for r in getattr(value, "refs", ()) if r.kind == "tasks")
    names.discard(plan.name)
    return names


def volume_dependencies(task: Task, volume_ids: Mapping[str, str]) -> list[str]:
    """The tasks creating the volumes a task (or any task in a group) mounts or snapshots."""
    names = [m.volume for m in task.volumes]
    if task.snapshot is not None:
        names.append(task.snapshot.volume)
    found = [volume_ids[n] for n in names if n in volume_ids]
    for inner in task.tasks.values():
        found.extend(volume_dependencies(inner, volume_ids))
    return list(dict.fromkeys(found))


def loop_item(item: Any) -> Any:
    """A static loop item as KFP writes it: map keys spelled as parameter names."""
    if isinstance(item, dict):
        return {param_name(str(k)): v for k, v in item.items()}
    return item


def task_entry(
    plan: TaskPlan, call: Call, scope: Scope, task_id: str, dependencies: Iterable[str] = ()
) -> Json:
    """A DAG task in KFP's key order: name, template, when, dependencies, arguments, loop."""
    task = plan.task
    entry: Json = {"name": task_id, "template": call.template}
    if task.when is not None:
        entry["when"] = render_condition(task.when, lambda r: scope.param(r, task))
    if dependencies:
        entry["dependencies"] = sorted(dependencies)
    arguments = call_arguments(call, scope, task)
    if arguments:
        entry["arguments"] = arguments
    loop = task.for_each
    if loop is not None and loop.items is not None:
        entry["withItems"] = [loop_item(i) for i in loop.items]
    elif loop is not None and loop.source is not None:
        entry["withParam"] = render(loop.source, lambda r: scope.param(r, task))
    return entry


def loop_wrapper(
    plan: TaskPlan, call: Call, scope: DagScope, task_id: str, name: str
) -> tuple[Json, Json]:
    """A loop with a parallelism limit: Argo limits the tasks of one template invocation,
    so the loop runs in a DAG template of its own with that limit. Returns the wrapper
    template and the task that calls it (without its dependencies)."""
    task = plan.task
    inner_scope = WrapperScope(scope)
    inner = task_entry(plan, call, inner_scope, task_id)
    template: Json = {"name": name, "parallelism": task.parallelism}
    inputs = inner_scope.wrapper_inputs()
    if inputs:
        template["inputs"] = inputs
    outputs = [
        {"name": out, "valueFrom": {"parameter": placeholder("tasks", task_id, *_OUT, out)}}
        for out in sorted(call.output_params.values())
    ]
    if outputs:
        template["outputs"] = {"parameters": outputs}
    template["dag"] = {"tasks": [inner]}
    outer: Json = {"name": task_id, "template": name}
    arguments = inner_scope.outer_arguments(task)
    if arguments:
        outer["arguments"] = arguments
    return template, outer


_OUT = ("outputs", "parameters")


def dag_inputs(plan: PipelinePlan) -> Json:
    """A pipeline's inputs: as parameters where read by value, as artifacts where read as files."""
    parameters = sorted({param_name(n) for n, m in plan.input_modes.items() if PARAM in m})
    artifacts = sorted({param_name(n) for n, m in plan.input_modes.items() if ARTIFACT in m})
    inputs: Json = {}
    if parameters:
        inputs["parameters"] = [{"name": n} for n in parameters]
    if artifacts:
        inputs["artifacts"] = [{"name": n} for n in artifacts]
    return inputs


def dag_outputs(plan: PipelinePlan, demand: Mapping[str, Modes], scope: DagScope) -> Json:
    """A nested pipeline's outputs, as its caller reads them."""
    parameters, artifacts = [], []
    for output, modes in sorted(demand.items()):
        key = plan.output_source(output)
        if key is None:
            continue
        ref = Ref("tasks", key[0], key[1])
        if PARAM in modes:
            value_from = {"parameter": scope.param(ref)}
            parameters.append({"name": param_name(output), "valueFrom": value_from})
        if ARTIFACT in modes and plan.can_give_artifact(key):
            artifacts.append({"name": param_name(output), **scope.artifact(ref)})
    outputs: Json = {}
    if parameters:
        outputs["parameters"] = parameters
    if artifacts:
        outputs["artifacts"] = artifacts
    return outputs


def hardwire(template: Json, call: Call, scope: ExitScope, task: Task) -> Json:
    """Put the call's values into the template's inputs: Argo calls the exit handler with
    the workflow's arguments only, and an input's own value wins over any argument."""
    inputs = template.get("inputs", {})
    for entry in inputs.get("parameters", []):
        value = call.parameters.get(entry["name"])
        if value is not None:
            entry.pop("default", None)
            entry["value"] = render_value(value, lambda r: scope.param(r, task))
    for entry in inputs.get("artifacts", []):
        value = call.artifacts.get(entry["name"])
        if value is not None:
            entry.pop("raw", None)
            entry.update(artifact_argument(value, scope, task))
    return template
