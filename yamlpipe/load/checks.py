"""In-file checks a schema cannot express: names refer to things declared in the same file."""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable, Iterator, Sequence

from yamlpipe.errors import WARNING, Location, YamlpipeError
from yamlpipe.load.schema import did_you_mean
from yamlpipe.spec.expr import Ref
from yamlpipe.spec.model import (
    NAMED_PLACEHOLDERS,
    Argument,
    CommandArg,
    Component,
    Concat,
    ContainerSpec,
    GraphInputArg,
    GraphSpec,
    IfPlaceholder,
    InputSpec,
    OutputPath,
    OutputSpec,
    Pipeline,
    Predicate,
    Task,
    TaskOutputArg,
    V2Placeholder,
)
from yamlpipe.spec.naming import (
    argo_output_name,
    is_python_keyword_name,
    output_file,
    python_name,
)
from yamlpipe.spec.walk import iter_task_templates

V2_OUTPUT_PLACEHOLDERS = ("outputUri", "outputMetadata")
RESOURCE_OUTPUTS = ("manifest", "name")
SNAPSHOT_OUTPUTS = ("name", "size")


def _suggest(word: str, names: Sequence[str]) -> str:
    suggestion = did_you_mean(word, names)
    return f" ({suggestion})" if suggestion else ""


def _declared(kind: str, names: Sequence[str]) -> str:
    return f"declared {kind}s: " + ", ".join(names) if names else f"no {kind}s are declared"


def iter_duplicate_names(
    items: Iterable[InputSpec | OutputSpec], kind: str
) -> Iterator[YamlpipeError]:
    """A second input (or output) with a name already used."""
    seen: dict[str, Location] = {}
    for item in items:
        if item.name in seen:
            yield YamlpipeError(
                item.loc,
                f"duplicate {kind} name {item.name!r}",
                f"first declared at line {seen[item.name].line}; names must be unique",
                span=len(item.name),
            )
        seen.setdefault(item.name, item.loc)


_OUTPUT_SPELLINGS: tuple[tuple[str, Callable[[str], str], str], ...] = (
    (
        "the Argo output name",
        argo_output_name,
        "'-' and '_' of a name, and turns the rest into '-'",
    ),
    ("the output file", output_file, "'-', '_' and '.' of a name, and turns the rest into '_'"),
)


def iter_output_clashes(
    outputs: Iterable[tuple[str, Location]], files: Container[str] = ()
) -> Iterator[YamlpipeError]:
    """A second output that Argo would know by the same name as an earlier one (`o 1`,
    `o-1`), or that writes the same /tmp/outputs file (only the names in `files` do):
    downstream tasks would silently get one value for both."""
    listed = list(outputs)
    reported: set[str] = set()
    for label, spell, kept in _OUTPUT_SPELLINGS:
        seen: dict[str, str] = {}
        for name, loc in listed:
            if label == "the output file" and name not in files:
                continue
            first = seen.setdefault(spell(name), name)
            if first != name and name not in reported:
                reported.add(name)
                yield YamlpipeError(
                    loc,
                    f"outputs {first!r} and {name!r} both become {label} {spell(name)!r}",
                    f"rename one of them: KFP keeps the letters, digits, {kept}",
                    span=len(name),
                )


# ---- components ----------------------------------------------------------------------------


def iter_component_problems(component: Component) -> Iterator[YamlpipeError]:
    """Every in-file problem of a component (and of components nested in its graph)."""
    yield from iter_duplicate_names(component.inputs, "input")
    yield from iter_duplicate_names(component.outputs, "output")
    yield from _iter_keyword_names(component.inputs)
    inputs = [i.name for i in component.inputs]
    outputs = [o.name for o in component.outputs]
    impl = component.implementation
    written = _output_path_names(impl) if isinstance(impl, ContainerSpec) else frozenset()
    yield from iter_output_clashes(((o.name, o.loc) for o in component.outputs), written)
    if isinstance(impl, ContainerSpec):
        yield from _iter_container_problems(impl, inputs, outputs)
    else:
        yield from _iter_graph_problems(impl, inputs, outputs)


def _iter_keyword_names(inputs: Iterable[InputSpec]) -> Iterator[YamlpipeError]:
    for item in inputs:
        if is_python_keyword_name(item.name):
            yield YamlpipeError(
                item.loc,
                f"input name {item.name!r} becomes the Python keyword {python_name(item.name)!r}, "
                "which KFP cannot load",
                f"rename it, e.g. {item.name + '_value'!r}",
                span=len(item.name),
            )


def _output_path_names(container: ContainerSpec) -> frozenset[str]:
    """Outputs written through {outputPath: x}, to a path made from their name."""
    args = iter_placeholders((*container.command, *container.args))
    return frozenset(a.name for a in args if isinstance(a, OutputPath))


def iter_placeholders(args: Iterable[CommandArg]) -> Iterator[CommandArg]:
    """Every placeholder in a command line, nested ones included."""
    for arg in args:
        if isinstance(arg, Concat):
            yield from iter_placeholders(arg.items)
        elif isinstance(arg, IfPlaceholder):
            yield arg
            yield from iter_placeholders([arg.cond] if not isinstance(arg.cond, bool | str) else [])
            yield from iter_placeholders(arg.then)
            yield from iter_placeholders(arg.otherwise or ())
        elif not isinstance(arg, str):
            yield arg


def _iter_container_problems(
    container: ContainerSpec, inputs: list[str], outputs: list[str]
) -> Iterator[YamlpipeError]:
    for arg in iter_placeholders((*container.command, *container.args)):
        yield from _iter_placeholder_problems(arg, inputs, outputs)
    for name in container.file_outputs:
        loc = container.file_output_locs.get(name, container.loc)
        if name not in outputs:
            yield YamlpipeError(
                loc,
                f"fileOutputs names {name!r}, which is not a declared output"
                + _suggest(name, outputs),
                _declared("output", outputs),
                span=len(name),
            )


def _iter_placeholder_problems(
    arg: CommandArg, inputs: list[str], outputs: list[str]
) -> Iterator[YamlpipeError]:
    if isinstance(arg, V2Placeholder):
        yield YamlpipeError(
            arg.loc,
            f"{{{arg.kind}}} is a KFP v2 placeholder; compiling this component for Argo will fail",
            "use inputPath/outputPath (v1) placeholders to run on Argo or KFP v1",
            WARNING,
            span=len(arg.kind),
        )
        if arg.name is None:
            return
        is_output = arg.kind in V2_OUTPUT_PLACEHOLDERS
        names, what = (outputs, "output") if is_output else (inputs, "input")
        if arg.name not in names:
            yield YamlpipeError(
                arg.loc,
                f"{{{arg.kind}: {arg.name}}} names an undeclared {what}{_suggest(arg.name, names)}",
                _declared(what, names),
            )
        return
    if not isinstance(arg, NAMED_PLACEHOLDERS):
        return
    is_output = isinstance(arg, OutputPath)
    names, what = (outputs, "output") if is_output else (inputs, "input")
    if arg.name in names:
        return
    kind = type(arg).__name__[0].lower() + type(arg).__name__[1:]
    hint = _declared(what, names)
    if not is_output and arg.name in outputs:
        hint = f"{arg.name!r} is an output: use {{outputPath: {arg.name}}}"
    elif is_output and arg.name in inputs:
        hint = (
            f"{arg.name!r} is an input: use {{inputValue: {arg.name}}} or {{inputPath: {arg.name}}}"
        )
    yield YamlpipeError(
        arg.loc,
        f"{{{kind}: {arg.name}}} names an undeclared {what}{_suggest(arg.name, names)}",
        hint,
        span=len(arg.name),
    )


def _iter_graph_problems(
    graph: GraphSpec, inputs: list[str], outputs: list[str]
) -> Iterator[YamlpipeError]:
    for task in graph.tasks.values():
        spec = task.component_ref.spec
        if spec is not None:
            yield from iter_component_problems(spec)
            yield from iter_binding_problems(task.id, task.arguments.values(), spec, task.loc)
        for arg in task.arguments.values():
            yield from _iter_graph_argument_problems(arg.value, arg.loc, inputs, graph)
        if task.is_enabled is not None:
            yield from _iter_predicate_problems(task.is_enabled, inputs, graph)
    for name, arg in graph.output_values.items():
        if name not in outputs:
            yield YamlpipeError(
                arg.key_loc,
                f"outputValues names {name!r}, which is not a declared output"
                + _suggest(name, outputs),
                _declared("output", outputs),
                span=len(name),
            )
        yield from _iter_graph_argument_problems(arg.value, arg.loc, inputs, graph)
    yield from _iter_graph_cycle(graph)


def iter_binding_problems(
    task: str, arguments: Iterable[Argument], component: Component, task_loc: Location
) -> Iterator[YamlpipeError]:
    """Arguments naming inputs the component lacks, and required inputs left without one."""
    declared = [i.name for i in component.inputs]
    given = set()
    for arg in arguments:
        given.add(arg.name)
        if arg.name not in declared:
            yield YamlpipeError(
                arg.key_loc,
                f"task {task!r} has no input {arg.name!r}{_suggest(arg.name, declared)}",
                _declared("input", declared),
                span=len(arg.name),
            )
    for spec in component.inputs:
        if spec.is_required and spec.name not in given:
            yield YamlpipeError(
                task_loc,
                f"task {task!r} does not pass the required input {spec.name!r}",
                f"add it under arguments:, or give the input a default (declared at line "
                f"{spec.loc.line})",
                span=len(task),
            )


def _iter_graph_argument_problems(
    value: object, loc: Location, inputs: list[str], graph: GraphSpec
) -> Iterator[YamlpipeError]:
    if isinstance(value, GraphInputArg) and value.input_name not in inputs:
        yield YamlpipeError(
            loc,
            f"graphInput names {value.input_name!r}, which is not a declared input"
            + _suggest(value.input_name, inputs),
            _declared("input", inputs),
            span=len(value.input_name),
        )
    if not isinstance(value, TaskOutputArg):
        return
    tasks = list(graph.tasks)
    producer = graph.tasks.get(value.task_id)
    if producer is None:
        yield YamlpipeError(
            loc,
            f"taskOutput names task {value.task_id!r}, which is not in this graph"
            + _suggest(value.task_id, tasks),
            "tasks: " + ", ".join(tasks),
            span=len(value.task_id),
        )
        return
    spec = producer.component_ref.spec
    produced = [o.name for o in spec.outputs] if spec is not None else None
    if produced is not None and value.output_name not in produced:
        yield YamlpipeError(
            loc,
            f"task {value.task_id!r} has no output {value.output_name!r}"
            + _suggest(value.output_name, produced),
            _declared("output", produced),
        )


def _iter_predicate_problems(
    predicate: Predicate, inputs: list[str], graph: GraphSpec
) -> Iterator[YamlpipeError]:
    for operand in predicate.operands:
        if isinstance(operand, Predicate):
            yield from _iter_predicate_problems(operand, inputs, graph)
        else:
            yield from _iter_graph_argument_problems(operand, predicate.loc, inputs, graph)


def _iter_graph_cycle(graph: GraphSpec) -> Iterator[YamlpipeError]:
    depends = {
        task_id: [
            a.value.task_id
            for a in task.arguments.values()
            if isinstance(a.value, TaskOutputArg) and a.value.task_id in graph.tasks
        ]
        for task_id, task in graph.tasks.items()
    }
    cycle = find_cycle(depends)
    if cycle:
        first = graph.tasks[cycle[0]]
        yield YamlpipeError(
            first.loc,
            "graph tasks depend on each other in a cycle: " + " -> ".join(cycle),
            "a task cannot use, directly or indirectly, its own output",
        )


def find_cycle(depends: dict[str, list[str]]) -> list[str]:
    """One dependency cycle as a list of names (first repeated at the end), or []."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        stack.append(node)
        for dep in depends.get(node, ()):
            if state.get(dep) == 1:
                return [*stack[stack.index(dep) :], dep]
            if dep not in state:
                found = visit(dep)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return []

    for node in sorted(depends):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return []


# ---- pipelines ----------------------------------------------------------------------------


class _PipelineChecker:
    """Checks that every name used in a pipeline file is declared in it."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        self.inputs = [i.name for i in pipeline.inputs]
        self.tasks = pipeline.tasks
        self.volumes = list(pipeline.volumes)

    def iter_problems(self) -> Iterator[YamlpipeError]:
        yield from iter_duplicate_names(self.pipeline.inputs, "input")
        yield from iter_duplicate_names(self.pipeline.outputs, "output")
        yield from iter_output_clashes((o.name, o.loc) for o in self.pipeline.outputs)
        for task in self.pipeline.tasks.values():
            yield from self.iter_task_problems(task)
            yield from _iter_task_output_clashes(task)
        if self.pipeline.on_exit is not None:
            yield from self.iter_exit_problems(self.pipeline.on_exit)
        for output in self.pipeline.outputs:
            yield from self.iter_output_problems(output)
        yield from self.iter_volume_problems()

    def iter_task_problems(
        self, task: Task, *, exit_handler: bool = False
    ) -> Iterator[YamlpipeError]:
        for template in iter_task_templates(task):
            for ref in template.refs:
                yield from self.iter_ref_problems(ref, task, exit_handler)
        for name in task.after:
            if name.name not in self.tasks or name.name == task.name:
                yield self.unknown_task(name.name, name.loc, task, "after")
        for mount in task.volumes:
            if mount.volume not in self.volumes:
                yield YamlpipeError(
                    mount.loc,
                    f"task {task.name!r} mounts volume {mount.volume!r}, which is not declared"
                    + _suggest(mount.volume, self.volumes),
                    _declared("volume", self.volumes) + " (under the top-level volumes:)",
                )
        if task.snapshot is not None and task.snapshot.volume not in self.volumes:
            yield YamlpipeError(
                task.snapshot.loc,
                f"task {task.name!r} snapshots volume {task.snapshot.volume!r}, "
                "which is not declared" + _suggest(task.snapshot.volume, self.volumes),
                _declared("volume", self.volumes),
            )

    def iter_exit_problems(self, task: Task) -> Iterator[YamlpipeError]:
        for key, present in (
            ("after", task.after),
            ("when", task.when),
            ("for_each", task.for_each),
        ):
            if present:
                yield YamlpipeError(
                    task.loc,
                    f"the exit handler cannot use {key!r}",
                    "on_exit runs once at the end of every run, whatever happened",
                )
        yield from self.iter_task_problems(task, exit_handler=True)

    def unknown_task(self, name: str, loc: Location, task: Task, what: str) -> YamlpipeError:
        if name == task.name:
            return YamlpipeError(
                loc,
                f"task {task.name!r} refers to itself in {what}",
                "a task cannot wait for, or use the outputs of, itself",
                span=len(name),
            )
        return YamlpipeError(
            loc,
            f"task {task.name!r} refers to unknown task {name!r}{_suggest(name, list(self.tasks))}",
            "tasks in this file: " + ", ".join(self.tasks),
        )

    def iter_ref_problems(
        self, ref: Ref, task: Task | None, exit_handler: bool
    ) -> Iterator[YamlpipeError]:
        check = getattr(self, f"check_{ref.kind}_ref")
        problem = check(ref, task, exit_handler)
        if problem is not None:
            problem.span = len(ref.text)
            yield problem

    def check_inputs_ref(
        self, ref: Ref, task: Task | None, exit_handler: bool
    ) -> YamlpipeError | None:
        if ref.name in self.inputs:
            return None
        return YamlpipeError(
            ref.loc,
            f"{ref.text} names an undeclared pipeline input{_suggest(ref.name or '', self.inputs)}",
            _declared("input", self.inputs) + " (under the top-level inputs:)",
        )

    def check_tasks_ref(
        self, ref: Ref, task: Task | None, exit_handler: bool
    ) -> YamlpipeError | None:
        name = ref.name or ""
        if exit_handler:
            return YamlpipeError(
                ref.loc,
                f"the exit handler cannot use {ref.text}",
                "on_exit runs even when tasks failed; pass ${{ workflow.status }} instead",
            )
        if task is not None and (name not in self.tasks or name == task.name):
            return self.unknown_task(name, ref.loc, task, ref.text)
        if task is None and name not in self.tasks:
            return YamlpipeError(
                ref.loc, f"{ref.text} names an unknown task{_suggest(name, list(self.tasks))}"
            )
        producer = self.pipeline.tasks[name]
        known = known_outputs(producer)
        if known is not None and ref.output not in known:
            return YamlpipeError(
                ref.loc,
                f"task {name!r} has no output {ref.output!r}{_suggest(ref.output or '', known)}",
                f"outputs of {name!r}: " + ", ".join(known)
                if known
                else f"{name!r} has no outputs",
            )
        return None

    def check_item_ref(
        self, ref: Ref, task: Task | None, exit_handler: bool
    ) -> YamlpipeError | None:
        if task is None or task.for_each is None:
            where = f"task {task.name!r}" if task else "here"
            return YamlpipeError(
                ref.loc,
                f"{ref.text} is used in {where}, which has no for_each",
                "add for_each to the task",
            )
        items = task.for_each.items
        if ref.name is None or items is None:
            return None
        missing = [
            i for i, item in enumerate(items) if not (isinstance(item, dict) and ref.name in item)
        ]
        if missing:
            keys = sorted({k for item in items if isinstance(item, dict) for k in item})
            return YamlpipeError(
                ref.loc,
                f"{ref.text}: for_each item {missing[0]} has no key {ref.name!r}"
                + _suggest(ref.name, keys),
                "item keys: " + ", ".join(keys)
                if keys
                else "the items are not maps; use ${{ item }}",
            )
        return None

    def check_workflow_ref(
        self, ref: Ref, task: Task | None, exit_handler: bool
    ) -> YamlpipeError | None:
        if ref.name == "status" and not exit_handler:
            return YamlpipeError(
                ref.loc, f"{ref.text} is only known in the exit handler", "use it under on_exit:"
            )
        return None

    def iter_output_problems(self, output: OutputSpec) -> Iterator[YamlpipeError]:
        source = output.source
        if source is None:
            return
        ref = source.single_ref
        if ref is None or ref.kind != "tasks":
            yield YamlpipeError(
                source.loc,
                f"pipeline output {output.name!r} must be exactly one task output",
                'write from: "${{ tasks.TASK.outputs.OUTPUT }}"',
            )
            return
        yield from self.iter_ref_problems(ref, None, False)

    def iter_volume_problems(self) -> Iterator[YamlpipeError]:
        for volume in self.pipeline.volumes.values():
            source = volume.from_snapshot
            if source is None:
                continue
            producer = self.pipeline.tasks.get(source.name)
            if producer is None or producer.kind != "snapshot":
                snapshots = [t.name for t in self.pipeline.tasks.values() if t.kind == "snapshot"]
                yield YamlpipeError(
                    source.loc,
                    f"volume {volume.name!r} is restored from {source.name!r}, "
                    "which is not a snapshot task" + _suggest(source.name, snapshots),
                    "snapshot tasks: " + ", ".join(snapshots)
                    if snapshots
                    else "add a task with snapshot: {volume: ...}",
                )


def _iter_task_output_clashes(task: Task) -> Iterator[YamlpipeError]:
    """Outputs of an inline container or a resource task that Argo would confuse."""
    for kind in (task.container, task.resource):
        if kind is not None:
            locs = kind.output_locs
            yield from iter_output_clashes((n, locs.get(n, kind.loc)) for n in kind.outputs)


def known_outputs(task: Task) -> list[str] | None:
    """Outputs a task has by itself; None when they come from a referenced component."""
    if task.container is not None:
        return list(task.container.outputs)
    if task.resource is not None:
        return [*RESOURCE_OUTPUTS, *task.resource.outputs]
    if task.snapshot is not None:
        return list(SNAPSHOT_OUTPUTS)
    return None


def iter_pipeline_problems(pipeline: Pipeline) -> Iterator[YamlpipeError]:
    """Every in-file problem of a pipeline."""
    yield from _PipelineChecker(pipeline).iter_problems()
