"""How an expression reads where it is used: `${{ inputs.x }}` is `{{inputs.parameters.x}}`
inside a DAG, `{{workflow.parameters.x}}` in the exit handler, an input of the wrapper inside
a loop's wrapping DAG; task outputs, loop items and workflow fields likewise."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

from yamlpipe.compile.naming import Namer, param_name, placeholder
from yamlpipe.compile.plan import PipelinePlan
from yamlpipe.compile.values import (
    WORKFLOW_FIELDS,
    WORKFLOW_STATUS,
    Value,
    render_value,
    single_ref,
)
from yamlpipe.spec.expr import Ref
from yamlpipe.spec.model import Task

Json = dict[str, Any]


@dataclass(frozen=True)
class Call:
    """How a DAG task calls its template, and the names of what that template outputs."""

    template: str
    parameters: Mapping[str, Value] = field(default_factory=dict)
    artifacts: Mapping[str, Value] = field(default_factory=dict)
    output_params: Mapping[str, str] = field(default_factory=dict)
    output_artifacts: Mapping[str, str] = field(default_factory=dict)


def item_or_workflow(ref: Ref, task: Task | None) -> str:
    """`{{workflow.name}}`, `{{item}}`, `{{item.KEY}}` (keys of static items as KFP spells
    them; run-time items keep theirs)."""
    if ref.kind == "workflow":
        return WORKFLOW_STATUS if ref.name == "status" else WORKFLOW_FIELDS[ref.name or ""]
    if ref.name is None:
        return "{{item}}"
    static = task is not None and task.for_each is not None and task.for_each.items is not None
    return placeholder("item", param_name(ref.name) if static else ref.name)


class DagScope:
    """References as the tasks of one DAG template read them."""

    def __init__(self, plan: PipelinePlan, ids: Mapping[str, str], calls: Mapping[str, Call]):
        self.plan = plan
        self.ids = ids
        self.calls = calls

    def param(self, ref: Ref, task: Task | None = None) -> str:
        if ref.kind == "inputs":
            if ref.name not in self.plan.present:
                return ""  # an optional input of a nested pipeline that nobody passed
            return placeholder("inputs", "parameters", param_name(ref.name or ""))
        if ref.kind == "tasks":
            name = self.calls[ref.name or ""].output_params[ref.output or ""]
            return placeholder("tasks", self.ids[ref.name or ""], "outputs", "parameters", name)
        return item_or_workflow(ref, task)

    def artifact(self, ref: Ref, task: Task | None = None) -> Json:
        if ref.kind == "inputs" and ref.name in self.plan.present:
            return {"from": placeholder("inputs", "artifacts", param_name(ref.name or ""))}
        if ref.kind == "tasks":
            name = self.calls[ref.name or ""].output_artifacts.get(ref.output or "")
            if name is not None:
                task_id = self.ids[ref.name or ""]
                return {"from": placeholder("tasks", task_id, "outputs", "artifacts", name)}
        return {"raw": {"data": self.param(ref, task)}}


class ExitScope:
    """The exit handler runs outside every DAG: pipeline inputs are workflow parameters."""

    def param(self, ref: Ref, task: Task | None = None) -> str:
        if ref.kind == "inputs":
            return placeholder("workflow", "parameters", param_name(ref.name or ""))
        return item_or_workflow(ref, task)

    def artifact(self, ref: Ref, task: Task | None = None) -> Json:
        return {"raw": {"data": self.param(ref, task)}}


class WrapperScope:
    """Inside a loop's wrapping DAG: what comes from outside becomes an input of the wrapper
    (named like KFP names a group's inputs: `<input>` or `<task>-<output>`)."""

    def __init__(self, outer: DagScope) -> None:
        self.outer = outer
        self.namer = Namer()
        self.parameters: dict[Hashable, tuple[str, Ref]] = {}
        self.artifacts: dict[Hashable, tuple[str, Ref]] = {}

    def _input(self, ref: Ref, table: dict[Hashable, tuple[str, Ref]]) -> str:
        key = (ref.kind, ref.name, ref.output)
        if key not in table:
            base = f"{ref.name}-{ref.output}" if ref.kind == "tasks" else ref.name or ref.kind
            table[key] = (self.namer.claim(param_name(base)), ref)
        return table[key][0]

    def param(self, ref: Ref, task: Task | None = None) -> str:
        if ref.kind not in ("inputs", "tasks"):
            return item_or_workflow(ref, task)
        if not self.outer.param(ref, task):
            return ""
        return placeholder("inputs", "parameters", self._input(ref, self.parameters))

    def artifact(self, ref: Ref, task: Task | None = None) -> Json:
        if "from" in self.outer.artifact(ref, task):
            return {"from": placeholder("inputs", "artifacts", self._input(ref, self.artifacts))}
        return {"raw": {"data": self.param(ref, task)}}

    def outer_arguments(self, task: Task) -> Json:
        """What the task calling the wrapper passes in, read in the enclosing DAG."""
        parameters = [
            {"name": name, "value": self.outer.param(ref, task)}
            for name, ref in sorted(self.parameters.values())
        ]
        artifacts = [
            {"name": name, **self.outer.artifact(ref, task)}
            for name, ref in sorted(self.artifacts.values())
        ]
        return _arguments(parameters, artifacts)

    def wrapper_inputs(self) -> Json:
        parameters = [{"name": n} for n, _ in sorted(self.parameters.values())]
        artifacts = [{"name": n} for n, _ in sorted(self.artifacts.values())]
        return _arguments(parameters, artifacts)


Scope = DagScope | ExitScope | WrapperScope


def _arguments(parameters: list[Json], artifacts: list[Json]) -> Json:
    arguments: Json = {}
    if parameters:
        arguments["parameters"] = parameters
    if artifacts:
        arguments["artifacts"] = artifacts
    return arguments


def artifact_argument(value: Value, scope: Scope, task: Task | None) -> Json:
    """An artifact fed by a value: another artifact (`from`), or text (`raw`)."""
    ref = single_ref(value)
    if ref is not None:
        return scope.artifact(ref, task)
    return {"raw": {"data": render_value(value, lambda r: scope.param(r, task))}}


def call_arguments(call: Call, scope: Scope, task: Task | None) -> Json:
    """A DAG task's `arguments`, parameters and artifacts each sorted by name."""
    parameters = [
        {"name": name, "value": render_value(value, lambda r: scope.param(r, task))}
        for name, value in sorted(call.parameters.items())
    ]
    artifacts = [
        {"name": name, **artifact_argument(value, scope, task)}
        for name, value in sorted(call.artifacts.items())
    ]
    return _arguments(parameters, artifacts)
