"""Arguments against the resolved interfaces, outputs named by expressions, types compared,
and what each task waits for, at every level of groups.

A reference means the innermost task of that name around it (spec.scope). Reading a looped
task's output from outside its loop is Argo's fan-in, the JSON list of every iteration's
value (typed JsonArray); inside another loop that is almost never what was meant, so there
it must be asked for with a JsonArray input.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from yamlpipe.errors import Location, YamlpipeError
from yamlpipe.link.model import LinkedTask
from yamlpipe.load.checks import iter_binding_problems
from yamlpipe.load.schema import did_you_mean
from yamlpipe.spec.expr import Ref, Template
from yamlpipe.spec.model import (
    Argument,
    Component,
    ContainerSpec,
    InputSpec,
    Literal,
    OutputSpec,
    Pipeline,
    Task,
)
from yamlpipe.spec.scope import Scope, Where, iter_scopes
from yamlpipe.spec.types import describe_type, is_compatible, literal_problem, type_name
from yamlpipe.spec.walk import iter_task_templates

FAN_IN_TYPE = "JsonArray"
_UNKNOWN = object()


@dataclass(frozen=True)
class Reading:
    """What a `tasks.P.outputs.O` reference reads, seen from where it is written."""

    producer: Task
    output: OutputSpec | None
    fan_in: bool
    """P loops: the value is the JSON list of every iteration's output."""
    looped_reader: bool
    """The reference runs inside a loop that P is not in."""

    @property
    def type(self) -> object:
        if self.fan_in:
            return FAN_IN_TYPE
        return self.output.type if self.output is not None else _UNKNOWN


def iter_task_wheres(task: Task, scope: Scope) -> Iterator[tuple[Template, Where]]:
    """Every expression of a task (not of the tasks inside a group), with where it is read."""
    source = task.for_each.source if task.for_each is not None else None
    for template in iter_task_templates(task):
        yield template, Where(scope, task, loop_source=template is source)


def iter_body_wheres(group: Task, scope: Scope) -> Iterator[tuple[Template, Where]]:
    """Every expression inside a group: its tasks', nested groups' and outputs'."""
    inner = scope.child(group)
    for task in group.tasks.values():
        yield from iter_task_wheres(task, inner)
        if task.is_group:
            yield from iter_body_wheres(task, inner)
    for output in group.outputs:
        if output.source is not None:
            yield output.source, Where(inner)


def group_output_types(group: Task, body: Mapping[str, LinkedTask]) -> tuple[OutputSpec, ...]:
    """A group's outputs with their types: declared, else the inner output's (JsonArray when
    the inner task loops)."""
    typed = []
    for output in group.outputs:
        ref = output.source.single_ref if output.source is not None else None
        inner = body.get(ref.name or "") if ref is not None else None
        found = _output_spec(inner, ref.output if ref is not None else None)
        kind = output.type
        if kind is None and inner is not None and inner.task.for_each is not None:
            kind = FAN_IN_TYPE
        elif kind is None and found is not None:
            kind = found.type
        typed.append(
            OutputSpec(
                output.name, kind, output.description, output.annotations, output.source, output.loc
            )
        )
    return tuple(typed)


def _output_spec(linked: LinkedTask | None, name: str | None) -> OutputSpec | None:
    outputs = linked.outputs if linked is not None else None
    return next((o for o in outputs or () if o.name == name), None)


class Binder:
    """Checks one pipeline's tasks (at every level) against what they run and read."""

    def __init__(self, pipeline: Pipeline, linked: Mapping[int, LinkedTask]) -> None:
        self.pipeline = pipeline
        self.linked = linked
        """id(task) -> its LinkedTask (dependencies not yet filled in)."""
        self.root = Scope(pipeline.tasks)
        self.inputs = {i.name: i for i in pipeline.inputs}
        self.edge_locs: dict[tuple[int, str, str], Location] = {}

    # ---- problems --------------------------------------------------------------------------

    def iter_problems(self) -> Iterator[YamlpipeError]:
        for scope in iter_scopes(self.root):
            for task in scope.tasks.values():
                yield from self.iter_task_problems(task, scope)
            if scope.owner is not None:
                for output in scope.owner.outputs:
                    if output.source is not None:
                        yield from self.iter_reading_problems(output.source, Where(scope))
        for output in self.pipeline.outputs:
            if output.source is not None:
                yield from self.iter_reading_problems(output.source, Where(self.root))

    def iter_task_problems(self, task: Task, scope: Scope) -> Iterator[YamlpipeError]:
        linked = self.linked.get(id(task))
        bound = set()
        if linked is not None and (linked.component is not None or linked.pipeline is not None):
            iface = _Interface(linked.inputs)
            yield from iter_binding_problems(task.name, task.arguments, iface.component, task.loc)
            for arg in task.arguments:
                spec = iface.inputs.get(arg.name)
                if spec is not None:
                    bound.add(id(arg.value))
                    yield from self.iter_type_problems(task, arg, spec, Where(scope, task))
        for template, where in iter_task_wheres(task, scope):
            if id(template) not in bound:
                yield from self.iter_reading_problems(template, where)

    def iter_reading_problems(self, template: Template, where: Where) -> Iterator[YamlpipeError]:
        """Outputs that do not exist, and fan-ins inside a loop (not typed JsonArray)."""
        for ref in template.refs:
            problem = self.output_problem(ref, where)
            if problem is None:
                reading = self.reading(ref, where)
                if reading is not None and reading.fan_in and reading.looped_reader:
                    problem = _looped_fan_in(ref, reading, where, None)
            if problem is not None:
                yield problem

    def output_problem(self, ref: Ref, where: Where) -> YamlpipeError | None:
        found = where.scope.find(ref.name or "") if ref.kind == "tasks" else None
        if found is None or where.encloses(found[1]):
            return None
        producer = self.linked.get(id(found[1]))
        outputs = producer.outputs if producer is not None else None
        if outputs is None or ref.output in {o.name for o in outputs}:
            return None
        names = [o.name for o in outputs]
        return YamlpipeError(
            ref.loc,
            f"task {ref.name!r} has no output {ref.output!r}" + _suggest(ref.output or "", names),
            f"outputs of {ref.name!r}: " + ", ".join(names)
            if names
            else f"{ref.name!r} has no outputs",
            span=len(ref.text),
        )

    def reading(self, ref: Ref, where: Where) -> Reading | None:
        if ref.kind != "tasks":
            return None
        found = where.scope.find(ref.name or "")
        if found is None or where.encloses(found[1]):
            return None
        scope, producer = found
        output = _output_spec(self.linked.get(id(producer)), ref.output)
        looped = bool(where.loops_below(scope))
        return Reading(producer, output, producer.for_each is not None, looped)

    def iter_type_problems(
        self, task: Task, arg: Argument, spec: InputSpec, where: Where
    ) -> Iterator[YamlpipeError]:
        value = arg.value
        if isinstance(value, Template) and not value.refs:
            value = Literal(value.text)
        if isinstance(value, Literal):
            why = literal_problem(value.value, spec.type)
            if why is not None:
                shown = value.value if isinstance(value.value, str) else describe_type(value.value)
                yield YamlpipeError(
                    arg.loc,
                    f"argument {arg.name!r} of task {task.name!r}: {shown!r} {why}",
                    f"input {spec.name!r} has type {describe_type(spec.type)}",
                )
            return
        if not isinstance(value, Template):
            return
        ref = value.single_ref
        if ref is None:
            yield from self.iter_reading_problems(value, where)
            return
        problem = self.output_problem(ref, where)
        if problem is not None:
            yield problem
            return
        yield from self.iter_binding_type_problems(task, arg, spec, ref, where)

    def iter_binding_type_problems(
        self, task: Task, arg: Argument, spec: InputSpec, ref: Ref, where: Where
    ) -> Iterator[YamlpipeError]:
        reading = self.reading(ref, where)
        if reading is not None and reading.fan_in and reading.looped_reader:
            if type_name(spec.type) != FAN_IN_TYPE:
                yield _looped_fan_in(ref, reading, where, spec)
            return
        produced = reading.type if reading is not None else self.input_type(ref)
        if produced is _UNKNOWN or is_compatible(produced, spec.type):
            return
        hint = "types must match (aliases such as int/Integer are the same); untyped matches any"
        if reading is not None and reading.fan_in:
            hint = (
                f"{ref.name!r} runs once per item, so {ref.text} outside its loop is the JSON "
                "list of every iteration's value; to use each value, put the tasks in one "
                "group with for_each"
            )
        yield YamlpipeError(
            arg.loc,
            f"argument {arg.name!r} of task {task.name!r}: {ref.text} has type "
            f"{describe_type(produced)}, but input {spec.name!r} has type "
            f"{describe_type(spec.type)}",
            hint,
        )

    def input_type(self, ref: Ref) -> object:
        if ref.kind == "inputs":
            declared = self.inputs.get(ref.name or "")
            return declared.type if declared is not None else _UNKNOWN
        return _UNKNOWN

    # ---- dependencies ----------------------------------------------------------------------

    def dependencies(self, task: Task, scope: Scope) -> list[str]:
        """The tasks of the same level this one waits for: data it (or anything inside it)
        uses, `after`, snapshots its volumes come from."""
        deps: list[str] = []

        def add(name: str, loc: Location) -> None:
            if name != task.name:
                deps.append(name)
                self.edge_locs.setdefault((scope.key, task.name, name), loc)

        for template, where in self.iter_all_wheres(task, scope):
            for ref in template.refs:
                if ref.kind == "tasks" and self.resolves_here(ref.name or "", where, scope):
                    add(ref.name or "", ref.loc)
        for inner, inner_scope in _iter_tasks_within(task, scope):
            for named in inner.after:
                if self.resolves_here(named.name, Where(inner_scope, inner), scope):
                    add(named.name, named.loc)
            if scope is self.root:
                for mount in inner.volumes:
                    volume = self.pipeline.volumes.get(mount.volume)
                    if volume is not None and volume.from_snapshot is not None:
                        add(volume.from_snapshot.name, mount.loc)
        return list(dict.fromkeys(deps))

    def iter_all_wheres(self, task: Task, scope: Scope) -> Iterator[tuple[Template, Where]]:
        yield from iter_task_wheres(task, scope)
        if task.is_group:
            yield from iter_body_wheres(task, scope)

    @staticmethod
    def resolves_here(name: str, where: Where, scope: Scope) -> bool:
        """Whether the name, read where it is written, means a task of `scope` (other than one
        enclosing the reader)."""
        found = where.scope.find(name)
        return found is not None and found[0].key == scope.key and not where.encloses(found[1])


def _iter_tasks_within(task: Task, scope: Scope) -> Iterator[tuple[Task, Scope]]:
    """A task and, for a group, every task inside it, each with its scope."""
    yield task, scope
    inner = scope.child(task)
    for child in task.tasks.values():
        yield from _iter_tasks_within(child, inner)


def _looped_fan_in(
    ref: Ref, reading: Reading, where: Where, spec: InputSpec | None
) -> YamlpipeError:
    reader = f"task {where.task.name!r}" if where.task is not None else "this output"
    given = f" (input {spec.name!r} has type {describe_type(spec.type)})" if spec else ""
    return YamlpipeError(
        ref.loc,
        f"{reader} runs in a loop and reads {ref.text}, but {reading.producer.name!r} runs in a "
        "loop of its own: that is the JSON list of every iteration of "
        f"{reading.producer.name!r}, not the value of the matching one{given}",
        f"put both tasks in one group with for_each (tasks: {{...}}); if the whole list is "
        f"meant, pass it to an input of type {FAN_IN_TYPE}",
        span=len(ref.text),
    )


class _Interface:
    """A task's inputs seen as a component, for the shared binding checks."""

    def __init__(self, inputs: Sequence[InputSpec]) -> None:
        self.inputs = {i.name: i for i in inputs}
        self.component = Component(None, ContainerSpec(image=""), inputs=tuple(inputs))


def _suggest(word: str, names: Sequence[str]) -> str:
    suggestion = did_you_mean(word, names)
    return f" ({suggestion})" if suggestion else ""
