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
    Named,
    OutputPath,
    OutputSpec,
    Pipeline,
    Predicate,
    Task,
    TaskOutputArg,
    V2Placeholder,
    Volume,
)
from yamlpipe.spec.naming import (
    argo_output_name,
    is_python_keyword_name,
    output_file,
    python_name,
)
from yamlpipe.spec.scope import Scope, Where, iter_scopes
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
    if container.image == "":
        yield YamlpipeError(
            container.image_loc,
            "the image is empty: nothing can run this component until image: names one",
            "KFP publishes some components this way and fills the image in when it releases "
            "them; compiling or running a pipeline that uses it fails until it has one",
            WARNING,
            span=2,
        )
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
                "add it under arguments:, or give the input a default (declared at "
                f"{_declared_at(spec.loc, task_loc)})",
                span=len(task),
            )


def _declared_at(declared: Location, used: Location) -> str:
    """Where something is declared, for a message located elsewhere: `line 7` in the same
    file, else `components/clean.yaml:7` (a bare line number would point into the wrong file)."""
    if declared.file == used.file:
        return f"line {declared.line}"
    return f"{declared.file}:{declared.line}"


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
    """Checks that every name used in a pipeline file is declared in it, where it is used:
    tasks by lexical scope (groups), items by the loop they belong to."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        self.inputs = [i.name for i in pipeline.inputs]
        self.root = Scope(pipeline.tasks)
        self.volumes = list(pipeline.volumes)

    def iter_problems(self) -> Iterator[YamlpipeError]:
        yield from iter_duplicate_names(self.pipeline.inputs, "input")
        yield from iter_duplicate_names(self.pipeline.outputs, "output")
        yield from iter_output_clashes((o.name, o.loc) for o in self.pipeline.outputs)
        for scope in iter_scopes(self.root):
            for task in scope.tasks.values():
                yield from self.iter_task_problems(task, scope)
                yield from _iter_task_output_clashes(task)
            if scope.owner is not None:
                yield from iter_duplicate_names(scope.owner.outputs, "output")
                yield from iter_output_clashes((o.name, o.loc) for o in scope.owner.outputs)
                for output in scope.owner.outputs:
                    yield from self.iter_output_problems(output, scope, scope.owner)
        if self.pipeline.on_exit is not None:
            yield from self.iter_exit_problems(self.pipeline.on_exit)
        for output in self.pipeline.outputs:
            yield from self.iter_output_problems(output, self.root, None)
        yield from self.iter_volume_problems()

    def iter_task_problems(
        self, task: Task, scope: Scope, *, exit_handler: bool = False
    ) -> Iterator[YamlpipeError]:
        source = task.for_each.source if task.for_each is not None else None
        for template in iter_task_templates(task):
            where = Where(scope, task, loop_source=template is source)
            for ref in template.refs:
                yield from self.iter_ref_problems(ref, where, exit_handler)
        for name in task.after:
            yield from self.iter_after_problems(name, task, scope)
        for mount in task.volumes:
            if mount.volume not in self.volumes:
                yield YamlpipeError(
                    mount.loc,
                    f"task {task.name!r} mounts volume {mount.volume!r}, which is not declared"
                    + _suggest(mount.volume, self.volumes),
                    _declared("volume", self.volumes) + " (under the top-level volumes:)",
                )
        volume = self.pipeline.volumes.get(task.snapshot.volume) if task.snapshot else None
        if task.snapshot is not None and volume is not None and volume.source is not None:
            yield YamlpipeError(
                task.snapshot.loc,
                f"task {task.name!r} snapshots volume {task.snapshot.volume!r}, which is a pod "
                "volume, not a claim",
                "snapshot a volume with size or claim",
            )
        if task.snapshot is not None and task.snapshot.volume not in self.volumes:
            yield YamlpipeError(
                task.snapshot.loc,
                f"task {task.name!r} snapshots volume {task.snapshot.volume!r}, "
                "which is not declared" + _suggest(task.snapshot.volume, self.volumes),
                _declared("volume", self.volumes),
            )

    def iter_after_problems(self, name: Named, task: Task, scope: Scope) -> Iterator[YamlpipeError]:
        found = scope.find(name.name)
        where = Where(scope, task)
        if found is None or where.encloses(found[1]):
            yield self.unknown_task(name.name, name.loc, where, "after")

    def iter_exit_problems(self, task: Task) -> Iterator[YamlpipeError]:
        for key, present in (
            ("after", task.after),
            ("when", task.when),
            ("for_each", task.for_each),
            ("tasks", task.is_group),
        ):
            if present:
                yield YamlpipeError(
                    task.loc,
                    f"the exit handler cannot use {key!r}",
                    "on_exit runs once at the end of every run, whatever happened",
                )
        yield from self.iter_task_problems(task, self.root, exit_handler=True)

    def unknown_task(self, name: str, loc: Location, where: Where, what: str) -> YamlpipeError:
        task = where.task
        found = where.scope.find(name)
        if found is not None and task is not None and found[1] is task:
            return YamlpipeError(
                loc,
                f"task {task.name!r} refers to itself in {what}",
                "a task cannot wait for, or use the outputs of, itself",
                span=len(name),
            )
        if found is not None:
            return YamlpipeError(
                loc,
                f"{what} names {name!r}, a group this is inside of",
                "a task inside a group runs as part of it: it cannot wait for the group or use "
                "its outputs",
                span=len(name),
            )
        visible = where.scope.visible()
        owner = f"task {task.name!r}" if task is not None else "this output"
        shown = "tasks in this file: " if where.scope.owner is None else "tasks visible here: "
        if _hidden(name, self.root):
            shown = "tasks inside a group are seen only inside it; " + shown
        return YamlpipeError(
            loc,
            f"{owner} refers to unknown task {name!r}{_suggest(name, visible)}",
            shown + ", ".join(visible),
        )

    def iter_ref_problems(
        self, ref: Ref, where: Where, exit_handler: bool
    ) -> Iterator[YamlpipeError]:
        check = getattr(self, f"check_{ref.kind}_ref")
        problem = check(ref, where, exit_handler)
        if problem is not None:
            problem.span = len(ref.text)
            yield problem

    def check_inputs_ref(self, ref: Ref, where: Where, exit_handler: bool) -> YamlpipeError | None:
        if ref.name in self.inputs:
            return None
        return YamlpipeError(
            ref.loc,
            f"{ref.text} names an undeclared pipeline input{_suggest(ref.name or '', self.inputs)}",
            _declared("input", self.inputs) + " (under the top-level inputs:)",
        )

    def check_tasks_ref(self, ref: Ref, where: Where, exit_handler: bool) -> YamlpipeError | None:
        name = ref.name or ""
        if exit_handler:
            return YamlpipeError(
                ref.loc,
                f"the exit handler cannot use {ref.text}",
                "on_exit runs even when tasks failed; pass ${{ workflow.status }} instead",
            )
        found = where.scope.find(name)
        if found is None or where.encloses(found[1]):
            return self.unknown_task(name, ref.loc, where, ref.text)
        producer = found[1]
        known = known_outputs(producer)
        if known is not None and ref.output not in known:
            return YamlpipeError(
                ref.loc,
                f"task {name!r} has no output {ref.output!r}{_suggest(ref.output or '', known)}",
                f"outputs of {name!r}: " + ", ".join(known)
                if known
                else f"{name!r} has no outputs",
            )
        if producer.when is not None:
            return _guarded_output(ref, producer, where)
        return None

    def check_item_ref(self, ref: Ref, where: Where, exit_handler: bool) -> YamlpipeError | None:
        loops = where.loops()
        if not loops:
            what = f"task {where.task.name!r}" if where.task is not None else "here"
            return YamlpipeError(
                ref.loc,
                f"{ref.text} is used in {what}, which has no for_each and is in no looped group",
                "add for_each to the task, or put it in a group with for_each",
            )
        return _item_key_problem(ref, loops[0], ref.name)

    def check_loops_ref(self, ref: Ref, where: Where, exit_handler: bool) -> YamlpipeError | None:
        loops = [g for g in where.loops() if g.is_group]
        match = next((g for g in loops if g.name == ref.name), None)
        if match is None:
            names = [g.name for g in loops]
            return YamlpipeError(
                ref.loc,
                f"{ref.text}: {ref.name!r} is not a looped group around this expression"
                + _suggest(ref.name or "", names),
                "looped groups around it: " + ", ".join(names)
                if names
                else "loops.GROUP.item names a group with for_each that this task is inside of",
            )
        return _item_key_problem(ref, match, ref.output)

    def check_workflow_ref(
        self, ref: Ref, where: Where, exit_handler: bool
    ) -> YamlpipeError | None:
        if ref.name == "status" and not exit_handler:
            return YamlpipeError(
                ref.loc, f"{ref.text} is only known in the exit handler", "use it under on_exit:"
            )
        return None

    def iter_output_problems(
        self, output: OutputSpec, scope: Scope, group: Task | None
    ) -> Iterator[YamlpipeError]:
        source = output.source
        if source is None:
            return
        ref = source.single_ref
        owner = f"group {group.name!r}" if group is not None else "pipeline"
        if (
            ref is None
            or ref.kind != "tasks"
            or (group is not None and (ref.name or "") not in scope.tasks)
        ):
            inner = " of the group" if group is not None else ""
            yield YamlpipeError(
                source.loc,
                f"{owner} output {output.name!r} must be exactly one output of a task{inner}",
                'write from: "${{ tasks.TASK.outputs.OUTPUT }}"'
                + (f" with TASK one of: {', '.join(scope.tasks)}" if group is not None else ""),
            )
            return
        yield from self.iter_ref_problems(ref, Where(scope), False)

    def iter_volume_problems(self) -> Iterator[YamlpipeError]:
        for volume in self.pipeline.volumes.values():
            yield from self.iter_size_problems(volume)
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

    def iter_size_problems(self, volume: Volume) -> Iterator[YamlpipeError]:
        """A volume is created before any task runs: its size may use pipeline inputs only."""
        for ref in volume.size_template.refs if volume.size_template else ():
            if ref.kind != "inputs":
                yield YamlpipeError(
                    ref.loc,
                    f"the size of volume {volume.name!r} uses {ref.text}; volumes are created "
                    "before any task runs, so a size may use pipeline inputs only",
                    "pass the size as a pipeline input",
                    span=len(ref.text),
                )
            else:
                yield from self.iter_ref_problems(ref, Where(self.root), False)


def _hidden(name: str, root: Scope) -> bool:
    """Whether some group holds a task of that name (seen only inside the group)."""
    return any(name in scope.tasks for scope in iter_scopes(root) if scope.owner is not None)


def _guarded_output(ref: Ref, producer: Task, where: Where) -> YamlpipeError:
    """An output read outside the condition that decides whether it exists."""
    reader = f"task {where.task.name!r}" if where.task is not None else "this output"
    return YamlpipeError(
        ref.loc,
        f"{reader} uses {ref.text}, but {producer.name!r} runs only when its `when` holds: "
        "whenever it does not, the output does not exist and this fails at run time",
        f"put {producer.name!r} and what uses its output in one group that carries the `when` "
        "(tasks: {...})",
    )


def _item_key_problem(ref: Ref, loop: Task, key: str | None) -> YamlpipeError | None:
    """`item.KEY` of a loop over a static list: every item must have that key."""
    assert loop.for_each is not None
    items = loop.for_each.items
    if key is None or items is None:
        return None
    missing = [i for i, item in enumerate(items) if not (isinstance(item, dict) and key in item)]
    if not missing:
        return None
    keys = sorted({k for item in items if isinstance(item, dict) for k in item})
    return YamlpipeError(
        ref.loc,
        f"{ref.text}: for_each item {missing[0]} of {loop.name!r} has no key {key!r}"
        + _suggest(key, keys),
        "item keys: " + ", ".join(keys) if keys else "the items are not maps; use ${{ item }}",
    )


def _iter_task_output_clashes(task: Task) -> Iterator[YamlpipeError]:
    """Outputs of an inline container or a resource task that Argo would confuse."""
    for kind in (task.container, task.resource):
        if kind is not None:
            locs = kind.output_locs
            yield from iter_output_clashes((n, locs.get(n, kind.loc)) for n in kind.outputs)


def known_outputs(task: Task) -> list[str] | None:
    """Outputs a task has by itself; None when they come from a referenced component."""
    if task.is_group:
        return [o.name for o in task.outputs]
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
