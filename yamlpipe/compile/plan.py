"""Data passing, decided before anything is written: which inputs each task has, how the
component behind it reads them (by value -> Argo parameter, from a file -> artifact), and so
which outputs every producer must offer as parameters and which as artifacts.

This is what KFP's `fix_big_data_passing` rewrite works out after the fact; here it is a
plain pass over the linked graph.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal as TypingLiteral

from yamlpipe.compile.command import ResolvedCommand, condition_inputs, is_true, resolve_command
from yamlpipe.compile.values import Fixed, Value, as_value, serialize, single_ref
from yamlpipe.errors import YamlpipeError
from yamlpipe.link import LinkedPipeline, LinkedTask
from yamlpipe.link.convert import argument_template
from yamlpipe.spec.expr import Ref, Template
from yamlpipe.spec.model import Argument, InputSpec, Task
from yamlpipe.spec.walk import iter_setting_templates

Mode = TypingLiteral["param", "artifact"]
PARAM: Mode = "param"
ARTIFACT: Mode = "artifact"
Modes = frozenset[Mode]
OutputKey = tuple[str, str]
"""(task name, output name)"""


@dataclass
class TaskPlan:
    """One task: what it runs and the values bound to the inputs of what it runs."""

    linked: LinkedTask
    kind: str
    values: dict[str, Value] = field(default_factory=dict)
    """Input name -> value, for component and pipeline tasks."""
    present: frozenset[str] = frozenset()
    modes: dict[str, Modes] = field(default_factory=dict)
    """How the component or nested pipeline reads each input."""
    resolved: ResolvedCommand | None = None
    nested: PipelinePlan | None = None
    uses: tuple[tuple[Ref, Mode], ...] = ()
    """Every reference the task makes, with how it is read (see iter_uses)."""

    @property
    def task(self) -> Task:
        return self.linked.task

    @property
    def name(self) -> str:
        return self.linked.task.name


@dataclass
class PipelinePlan:
    """A pipeline (root or nested) with the plan of every task."""

    linked: LinkedPipeline
    present: frozenset[str]
    tasks: dict[str, TaskPlan]
    input_modes: dict[str, Modes]
    exit: TaskPlan | None = None

    def can_give_artifact(self, key: OutputKey) -> bool:
        """Whether the producer writes this output as a file (resources only have values)."""
        plan = self.tasks.get(key[0])
        if plan is None or plan.task.for_each is not None:
            return False
        if plan.resolved is not None:
            return key[1] in plan.resolved.outputs
        if plan.kind == "container":
            return True
        if plan.kind == "pipeline" and plan.nested is not None:
            inner = plan.nested.output_source(key[1])
            return inner is not None and plan.nested.can_give_artifact(inner)
        return False

    def output_source(self, output: str) -> OutputKey | None:
        """The task output a pipeline output comes from."""
        spec = next((o for o in self.linked.pipeline.outputs if o.name == output), None)
        ref = spec.source.single_ref if spec is not None and spec.source is not None else None
        if ref is None or ref.kind != "tasks":
            return None
        return (ref.name or "", ref.output or "")

    def output_modes(self, demand: Mapping[str, Modes]) -> dict[str, dict[str, Modes]]:
        """How each task's outputs are read (task -> output -> modes), given how the caller
        reads the pipeline's outputs."""
        found: dict[str, dict[str, set[Mode]]] = {}
        uses = [use for plan in self.tasks.values() for use in plan.uses]
        for output, modes in demand.items():
            key = self.output_source(output)
            if key is not None:
                uses.extend((_task_ref(key), mode) for mode in modes)
        for ref, mode in uses:
            if ref.kind != "tasks":
                continue
            key = (ref.name or "", ref.output or "")
            kept = mode if mode == PARAM or self.can_give_artifact(key) else PARAM
            found.setdefault(key[0], {}).setdefault(key[1], set()).add(kept)
        return {
            task: {out: frozenset(m) for out, m in sorted(outputs.items())}
            for task, outputs in found.items()
        }


def _task_ref(key: OutputKey) -> Ref:
    return Ref("tasks", key[0], key[1])


def iter_uses(plan: TaskPlan) -> Iterator[tuple[Ref, Mode]]:
    """Every reference a task makes, with how it is read."""
    for name, value in plan.values.items():
        modes = plan.modes.get(name, frozenset())
        ref = single_ref(value)
        if ref is not None:
            yield from ((ref, mode) for mode in sorted(modes))
        elif modes and isinstance(value, Template):
            yield from ((r, PARAM) for r in value.refs)
    for value in iter_setting_templates(plan.task):
        if isinstance(value, Template):
            yield from ((r, PARAM) for r in value.refs)


@dataclass
class Planner:
    """Plans pipelines, each (pipeline, inputs present) once; collects located problems."""

    problems: list[YamlpipeError] = field(default_factory=list)
    plans: dict[tuple[int, frozenset[str]], PipelinePlan] = field(default_factory=dict)
    commands: dict[Hashable, tuple[ResolvedCommand, dict[str, Modes]]] = field(default_factory=dict)
    """Resolved command lines by (component, inputs present, known conditions): tasks that
    share them share one template."""
    conditions: dict[int, frozenset[str]] = field(default_factory=dict)
    """Per component: the inputs that decide its `if` placeholders."""

    def plan_pipeline(self, linked: LinkedPipeline, present: frozenset[str]) -> PipelinePlan:
        key = (id(linked), present)
        if key not in self.plans:
            tasks = {name: self.plan_task(t, present) for name, t in linked.tasks.items()}
            exit_plan = self.plan_task(linked.on_exit, present) if linked.on_exit else None
            for plan in tasks.values():
                plan.uses = tuple(iter_uses(plan))
            input_modes = _input_modes(tasks, present)
            self.plans[key] = PipelinePlan(linked, present, tasks, input_modes, exit_plan)
            self.problems.extend(_unwritten_outputs(self.plans[key]))
        return self.plans[key]

    def plan_task(self, linked: LinkedTask, present: frozenset[str]) -> TaskPlan:
        task = linked.task
        if linked.component is not None:
            return self.plan_component(linked, present)
        if linked.pipeline is not None:
            return self.plan_nested(linked, present)
        return TaskPlan(linked, task.kind)

    def bound_values(
        self, task: Task, inputs: tuple[InputSpec, ...], present: frozenset[str]
    ) -> dict[str, Value]:
        """The task's arguments as values; one naming an absent optional input is dropped."""
        types = {i.name: i.type for i in inputs}
        values: dict[str, Value] = {}
        for arg in task.arguments:
            value = as_value(argument_template(arg.value), types.get(arg.name))
            ref = single_ref(value)
            if ref is not None and ref.kind == "inputs" and ref.name not in present:
                continue
            values[arg.name] = value
        return values

    def plan_component(self, linked: LinkedTask, outer_present: frozenset[str]) -> TaskPlan:
        component = linked.component
        assert component is not None
        values = self.bound_values(linked.task, component.inputs, outer_present)
        defaults = {i.name: i for i in component.inputs if i.default is not None}
        present = frozenset(values) | frozenset(defaults)
        deciding = self.conditions.get(id(component))
        if deciding is None:
            deciding = self.conditions[id(component)] = condition_inputs(component)
        known = self.known_conditions(linked.task, values, defaults, deciding)
        resolved, modes = self.resolve(linked, present, known)
        return TaskPlan(linked, "component", values, present, modes, resolved)

    def resolve(
        self, linked: LinkedTask, present: frozenset[str], known: Mapping[str, str]
    ) -> tuple[ResolvedCommand, dict[str, Modes]]:
        component = linked.component
        assert component is not None
        key = (id(component), present, tuple(sorted(known.items())))
        if key not in self.commands:
            try:
                resolved = resolve_command(component, present, known, linked.task.name)
            except YamlpipeError as problem:
                self.problems.append(problem)
                return ResolvedCommand(), {}
            self.commands[key] = (resolved, _modes(resolved))
        return self.commands[key]

    def known_conditions(
        self,
        task: Task,
        values: Mapping[str, Value],
        defaults: Mapping[str, InputSpec],
        names: frozenset[str],
    ) -> dict[str, str]:
        """The constant text of every input that decides an `if` placeholder."""
        known: dict[str, str] = {}
        for name in sorted(names):
            value = values.get(name)
            arg = next((a for a in task.arguments if a.name == name), None)
            if isinstance(value, Template):
                self.problems.append(_runtime_condition(task, name, arg))
                continue
            if value is None and name in defaults:
                value = Fixed(serialize(defaults[name].default, defaults[name].type))
            if value is not None and is_true(value.text) is None:
                self.problems.append(_not_boolean(task, name, value.text, arg))
                continue
            if value is not None:
                known[name] = value.text
        return known

    def plan_nested(self, linked: LinkedTask, outer_present: frozenset[str]) -> TaskPlan:
        nested = linked.pipeline
        assert nested is not None
        inputs = nested.pipeline.inputs
        values = self.bound_values(linked.task, inputs, outer_present)
        for spec in inputs:
            if spec.name not in values and spec.default is not None:
                values[spec.name] = Fixed(serialize(spec.default, spec.type))
        present = frozenset(values)
        nested_plan = self.plan_pipeline(nested, present)
        modes = {name: nested_plan.input_modes.get(name, frozenset()) for name in present}
        return TaskPlan(linked, "pipeline", values, present, modes, nested=nested_plan)


def _input_modes(tasks: Mapping[str, TaskPlan], present: frozenset[str]) -> dict[str, Modes]:
    """How the pipeline's tasks read each of its inputs."""
    modes: dict[str, set[Mode]] = {}
    for plan in tasks.values():
        for ref, mode in plan.uses:
            if ref.kind == "inputs" and ref.name in present:
                modes.setdefault(ref.name or "", set()).add(mode)
    return {k: frozenset(v) for k, v in modes.items()}


def _unwritten_outputs(plan: PipelinePlan) -> Iterator[YamlpipeError]:
    """Outputs read from a component task whose command line, with its arguments, never
    writes them (an `{outputPath}` only in a branch of an `if` that is not taken)."""
    refs = [ref for task in plan.tasks.values() for ref, _ in task.uses if ref.kind == "tasks"]
    for output in plan.linked.pipeline.outputs:
        refs.extend(output.source.refs if output.source is not None else ())
    for ref in refs:
        producer = plan.tasks.get(ref.name or "")
        resolved = producer.resolved if producer is not None else None
        if resolved is not None and ref.output not in resolved.outputs:
            yield YamlpipeError(
                ref.loc,
                f"{ref.text} is never written: with the arguments task {ref.name!r} gets, its "
                f"component's command line has no {{outputPath: {ref.output}}}",
                "check the component's `if` placeholders and the task's arguments",
                span=len(ref.text) or 1,
            )


def _modes(resolved: ResolvedCommand) -> dict[str, Modes]:
    """How a component reads each input: by value (parameter), from a file (artifact)."""
    modes: dict[str, set[Mode]] = {}
    for name in resolved.by_value:
        modes.setdefault(name, set()).add(PARAM)
    for name in resolved.by_path:
        modes.setdefault(name, set()).add(ARTIFACT)
    return {name: frozenset(found) for name, found in modes.items()}


def _runtime_condition(task: Task, name: str, arg: Argument | None) -> YamlpipeError:
    return YamlpipeError(
        arg.loc if arg is not None else task.loc,
        f"task {task.name!r}: input {name!r} decides an `if` placeholder of the component, "
        "so its value must be known when compiling, not computed at run time",
        "pass a constant (true or false), or change the component to read the value itself",
    )


def _not_boolean(task: Task, name: str, text: str, arg: Argument | None) -> YamlpipeError:
    return YamlpipeError(
        arg.loc if arg is not None else task.loc,
        f"task {task.name!r}: input {name!r} decides an `if` placeholder, but {text!r} is not "
        "true or false",
        "use true/false (also accepted: yes/no, on/off, 1/0)",
    )
