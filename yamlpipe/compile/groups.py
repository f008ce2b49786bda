"""Groups -> DAG templates of their own, as KFP compiles Condition / ParallelFor bodies.

A group's body becomes a pipeline nested in place: everything it reads from outside (another
task's output, a pipeline input, an enclosing loop's item) becomes an input of that pipeline,
and the task calling it passes the value in, carrying the group's `when`, `for_each` and
`after`. Inner groups are lowered first, so what they read from outside is, one level up,
just another argument; the nested-pipeline machinery then does the rest (inputs by value or
as files, outputs, fan-in of looped outputs).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from yamlpipe.compile.naming import Namer, param_name
from yamlpipe.link import LinkedPipeline, LinkedTask
from yamlpipe.spec.expr import Ref, Template
from yamlpipe.spec.model import Argument, InputSpec, Pipeline, Task
from yamlpipe.spec.walk import map_task_templates

RefKey = tuple[str, str | None, str | None]


@dataclass
class _Inputs:
    """What a group's body reads from outside: one input per distinct source."""

    group: Task
    namer: Namer = field(default_factory=Namer)
    by_source: dict[RefKey, tuple[str, Ref]] = field(default_factory=dict)

    def input_for(self, key: RefKey, outer: Ref, base: str) -> str:
        if key not in self.by_source:
            self.by_source[key] = (self.namer.claim(param_name(base)), outer)
        return self.by_source[key][0]

    def specs(self) -> tuple[InputSpec, ...]:
        return tuple(InputSpec(name) for name, _ in self.by_source.values())

    def arguments(self) -> tuple[Argument, ...]:
        return tuple(
            Argument(name, Template((ref,), ref.loc), ref.loc, ref.loc)
            for name, ref in self.by_source.values()
        )


@dataclass
class _Lowering:
    """Lowers every group of a linked graph; nested pipelines shared by several tasks stay
    shared (one lowered copy each)."""

    done: dict[int, LinkedPipeline] = field(default_factory=dict)

    def pipeline(self, linked: LinkedPipeline) -> LinkedPipeline:
        key = id(linked)
        if key not in self.done:
            tasks = self.level(linked.tasks, linked)
            self.done[key] = replace(linked, tasks=tasks)
        return self.done[key]

    def level(
        self, tasks: Mapping[str, LinkedTask], owner: LinkedPipeline
    ) -> dict[str, LinkedTask]:
        lowered = {}
        for name, linked in tasks.items():
            if linked.group is not None:
                lowered[name] = self.group(linked, owner)
            elif linked.pipeline is not None:
                lowered[name] = replace(linked, pipeline=self.pipeline(linked.pipeline))
            else:
                lowered[name] = linked
        return lowered

    def group(self, linked: LinkedTask, owner: LinkedPipeline) -> LinkedTask:
        assert linked.group is not None
        group = linked.task
        body = self.level(linked.group, owner)
        inputs = _Inputs(group)
        local = frozenset(body)
        inner = {name: _rewritten(task, local, inputs) for name, task in body.items()}
        outer = owner.pipeline
        pipeline = Pipeline(
            name=group.name,
            tasks={name: task.task for name, task in inner.items()},
            inputs=inputs.specs(),
            outputs=linked.group_outputs,
            defaults=outer.defaults,
            volumes=outer.volumes,
            loc=group.loc,
        )
        nested = LinkedPipeline(pipeline, inner, owner.origin, group=group)
        call = replace(group, arguments=inputs.arguments())
        return LinkedTask(call, linked.dependencies, pipeline=nested)


def _rewritten(linked: LinkedTask, local: frozenset[str], inputs: _Inputs) -> LinkedTask:
    """A task of the body reading what comes from outside the group through its inputs."""
    task = linked.task

    def inside(template: Template) -> Template:
        return _map_refs(template, task, False, local, inputs)

    def source(template: Template) -> Template:
        return _map_refs(template, task, True, local, inputs)

    after = tuple(n for n in task.after if n.name in local)
    rewritten = replace(map_task_templates(task, inside, source), after=after)
    return replace(linked, task=rewritten)


def _map_refs(
    template: Template, task: Task, loop_source: bool, local: frozenset[str], inputs: _Inputs
) -> Template:
    parts = tuple(
        _map_ref(p, task, loop_source, local, inputs) if isinstance(p, Ref) else p
        for p in template.parts
    )
    return template if parts == template.parts else Template(parts, template.loc)


def _map_ref(
    ref: Ref, task: Task, loop_source: bool, local: frozenset[str], inputs: _Inputs
) -> Ref:
    outer = _outer_ref(ref, task, loop_source, local, inputs.group)
    if outer is None:
        return ref
    key = (outer.kind, outer.name, outer.output)
    name = inputs.input_for(key, outer, _input_base(outer))
    return Ref("inputs", name, None, ref.loc, ref.text)


def _outer_ref(
    ref: Ref, task: Task, loop_source: bool, local: frozenset[str], group: Task
) -> Ref | None:
    """The reference as the task calling the group must read it, or None when it stays
    inside (a task of the body, the task's own loop item, a workflow field)."""
    if ref.kind == "tasks":
        return None if ref.name in local else ref
    if ref.kind == "inputs":
        return ref
    if ref.kind == "item":
        own_loop = task.for_each is not None and not loop_source
        return None if own_loop else ref
    if ref.kind == "loops":
        if ref.name == group.name and group.for_each is not None:
            text = "${{ item" + (f".{ref.output}" if ref.output else "") + " }}"
            return Ref("item", ref.output, None, ref.loc, text)
        return ref
    return None


def _input_base(ref: Ref) -> str:
    """An input's name, after where its value comes from (as KFP names a group's inputs)."""
    if ref.kind == "tasks":
        return f"{ref.name}-{ref.output}"
    if ref.kind == "item":
        return f"item-{ref.name}" if ref.name else "item"
    if ref.kind == "loops":
        return f"{ref.name}-item" + (f"-{ref.output}" if ref.output else "")
    return ref.name or ref.kind


def lower_groups(linked: LinkedPipeline) -> LinkedPipeline:
    """The linked graph with every group turned into a nested pipeline called in its place."""
    return _Lowering().pipeline(linked)
