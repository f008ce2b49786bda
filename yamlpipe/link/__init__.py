"""The whole graph checked before anything runs: references resolved, arguments bound,
types compared, dependencies ordered and cycles named."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from yamlpipe.errors import ERROR, Location, YamlpipeError, YamlpipeErrors, has_errors
from yamlpipe.link.convert import graph_pipeline
from yamlpipe.link.dag import find_cycles, topological_order
from yamlpipe.link.model import LinkedPipeline, LinkedTask, Origin
from yamlpipe.load import LoadResult, load_text
from yamlpipe.load.checks import iter_binding_problems
from yamlpipe.load.schema import did_you_mean
from yamlpipe.resolve import Request, Resolver, Source
from yamlpipe.resolve.cache import sha256_hex
from yamlpipe.resolve.refs import URL, Reference, parse_reference
from yamlpipe.spec.expr import Ref, Template
from yamlpipe.spec.model import (
    Argument,
    Component,
    ComponentRef,
    ContainerSpec,
    GraphInputArg,
    GraphSpec,
    InputSpec,
    Literal,
    Pipeline,
    Spec,
    Task,
    TaskOutputArg,
)
from yamlpipe.spec.types import describe_type, is_compatible, literal_problem
from yamlpipe.spec.walk import iter_task_templates

__all__ = ["LinkResult", "LinkedPipeline", "LinkedTask", "Origin", "link_source"]

_SHA256_DIGEST = "sha256:"


@dataclass(frozen=True)
class LinkResult:
    """The linked graph (None when anything is wrong), every problem, and the texts of every
    file read, so that messages can show their source lines."""

    graph: LinkedPipeline | Component | None
    problems: tuple[YamlpipeError, ...]
    texts: Mapping[str, str]

    @property
    def ok(self) -> bool:
        return not has_errors(self.problems)


@dataclass(frozen=True)
class _Step:
    """One reference on the way from the file being checked: the file it is in, and where."""

    file: str
    loc: Location


@dataclass(frozen=True)
class _Resolved:
    """What a task's reference turned into."""

    origin: Origin
    spec: Spec


@dataclass
class _Linker:
    resolver: Resolver
    problems: list[YamlpipeError] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)
    loaded: dict[str, LoadResult] = field(default_factory=dict)
    linked: dict[tuple[str, str], LinkedPipeline | None] = field(default_factory=dict)

    # ---- files ---------------------------------------------------------------------------

    def load(self, source: Source) -> LoadResult:
        """Each file is loaded once per content digest."""
        self.texts.setdefault(source.name, source.text)
        result = self.loaded.get(source.sha256)
        if result is None:
            result = load_text(source.text, source.name)
            self.loaded[source.sha256] = result
            self.problems.extend(result.problems)
        return result

    def resolve_tasks(
        self, tasks: Sequence[Task], refs: Mapping[str, ComponentRef], base: Source
    ) -> dict[str, Source | _Resolved | None]:
        """Resolve every `component:` task of one file together (remote ones in parallel)."""
        unique: dict[str, Request] = {}  # one resolution per distinct reference text
        owners: dict[str, str] = {}
        resolved: dict[str, Source | _Resolved | None] = {}
        for task in tasks:
            if task.kind != "component":
                continue
            inline = refs.get(task.name)
            if inline is not None and inline.spec is not None:
                origin = Origin(f"{base.name}#{task.name}", base.sha256, None)
                resolved[task.name] = _Resolved(origin, inline.spec)
                continue
            try:
                ref = self.reference(task, inline)
            except YamlpipeError as problem:
                self.problems.append(problem)
                resolved[task.name] = None
                continue
            unique.setdefault(ref.text, Request(ref, base.location))
            owners[task.name] = ref.text
        results = dict(zip(unique, self.resolver.resolve_all(list(unique.values())), strict=True))
        for result in results.values():
            if isinstance(result, YamlpipeErrors):
                self.problems.extend(result)
            elif isinstance(result, YamlpipeError):
                self.problems.append(result)
        for name, text in owners.items():
            result = results[text]
            resolved[name] = None if isinstance(result, YamlpipeError) else result
        return resolved

    def reference(self, task: Task, graph_ref: ComponentRef | None) -> Reference:
        if graph_ref is None:
            return parse_reference(task.component or "", task.component_loc)
        digest = graph_ref.digest or ""
        pin = digest[len(_SHA256_DIGEST) :] if digest.startswith(_SHA256_DIGEST) else None
        if graph_ref.url:
            ref = parse_reference(graph_ref.url, graph_ref.loc)
            if ref.kind != URL or pin is None:
                return ref
            return Reference(URL, ref.text, ref.target, pin, loc=graph_ref.loc)
        if graph_ref.name:
            text = graph_ref.name + (f"@{graph_ref.tag}" if graph_ref.tag else "")
            return parse_reference(text, graph_ref.loc)
        raise YamlpipeError(
            graph_ref.loc,
            f"task {task.name!r}: componentRef has no url, name or spec",
            "give componentRef a url, a catalog name, or an inline spec",
        )

    # ---- pipelines -----------------------------------------------------------------------

    def link_spec(
        self, spec: Spec, source: Source, chain: tuple[_Step, ...]
    ) -> LinkedPipeline | Component | None:
        if isinstance(spec, Component) and isinstance(spec.implementation, ContainerSpec):
            return spec
        key = (
            source.location,
            source.sha256 if not isinstance(spec, Component) else f"{source.sha256}:{id(spec)}",
        )
        if key in self.linked:
            return self.linked[key]
        self.linked[key] = None  # a re-entry before this finishes is a reference cycle
        if isinstance(spec, Component):
            graph = spec.implementation
            assert isinstance(graph, GraphSpec)
            refs = {tid: t.component_ref for tid, t in graph.tasks.items()}
            result = self.link_pipeline(graph_pipeline(spec), source, chain, refs, spec)
        else:
            result = self.link_pipeline(spec, source, chain, {}, None)
        self.linked[key] = result
        return result

    def link_pipeline(
        self,
        pipeline: Pipeline,
        source: Source,
        chain: tuple[_Step, ...],
        graph_refs: Mapping[str, ComponentRef],
        component: Component | None,
    ) -> LinkedPipeline | None:
        before = len([p for p in self.problems if p.is_error])
        all_tasks = [*pipeline.tasks.values(), *([pipeline.on_exit] if pipeline.on_exit else [])]
        resolved = self.resolve_tasks(all_tasks, graph_refs, source)
        linked: dict[str, LinkedTask] = {}
        for task in all_tasks:
            linked[task.name] = self.link_task(task, resolved.get(task.name), source, chain)
        checker = _Binder(pipeline, linked)
        self.problems.extend(checker.iter_problems())
        edges = {name: checker.dependencies(linked[name].task) for name in pipeline.tasks}
        self.problems.extend(_iter_cycle_problems(pipeline, edges, checker.edge_locs))
        if len([p for p in self.problems if p.is_error]) > before:
            return None
        order = topological_order(list(pipeline.tasks), edges)
        tasks = {
            name: LinkedTask(
                linked[name].task,
                tuple(sorted(set(edges[name]))),
                linked[name].component,
                linked[name].pipeline,
                linked[name].origin,
            )
            for name in order
        }
        on_exit = linked.get(pipeline.on_exit.name) if pipeline.on_exit else None
        origin = Origin(source.name, source.sha256)
        return LinkedPipeline(pipeline, tasks, origin, on_exit, component)

    def link_task(
        self,
        task: Task,
        resolved: Source | _Resolved | None,
        base: Source,
        chain: tuple[_Step, ...],
    ) -> LinkedTask:
        if resolved is None:
            return LinkedTask(task)
        if isinstance(resolved, _Resolved):
            origin, spec, source = resolved.origin, resolved.spec, base
        else:
            result = self.load(resolved)
            if result.spec is None:
                return LinkedTask(task)
            origin = Origin(resolved.name, resolved.sha256, task.component)
            spec, source = result.spec, resolved
        if isinstance(resolved, Source):
            cycle = _reference_cycle(chain, task, resolved, base)
            if cycle is not None:
                self.problems.append(cycle)
                return LinkedTask(task)
        nested = self.link_spec(spec, source, (*chain, _Step(base.location, task.component_loc)))
        if isinstance(nested, Component):
            return LinkedTask(task, component=nested, origin=origin)
        if nested is None:
            return LinkedTask(task)
        return LinkedTask(task, pipeline=nested, origin=origin)


def _reference_cycle(
    chain: tuple[_Step, ...], task: Task, target: Source, base: Source
) -> YamlpipeError | None:
    """A reference back to a file that is already being linked, as the chain of file:line.

    Files are compared by their absolute location, not by how messages name them: the file
    named on the command line as ./a.yaml is the same file a reference calls a.yaml.
    """
    here = task.component_loc
    links = [*chain, _Step(base.location, here)]
    start = next((i for i, step in enumerate(links) if step.file == target.location), None)
    if start is None:
        return None
    path = " -> ".join(f"{step.loc.file}:{step.loc.line}" for step in links[start:])
    return YamlpipeError(
        here,
        f"components refer to each other in a cycle: {path} -> {links[start].loc.file}",
        "a pipeline cannot contain itself, directly or through other files",
        span=len(task.component or ""),
    )


class _Binder:
    """Arguments against the resolved interfaces; outputs named by expressions; dependencies."""

    def __init__(self, pipeline: Pipeline, linked: Mapping[str, LinkedTask]) -> None:
        self.pipeline = pipeline
        self.linked = linked
        self.inputs = {i.name: i for i in pipeline.inputs}
        self.edge_locs: dict[tuple[str, str], Location] = {}

    def iter_problems(self) -> Iterator[YamlpipeError]:
        for linked in self.linked.values():
            task = linked.task
            if linked.component is None and linked.pipeline is None:
                continue
            iface = _Interface(linked.inputs)
            yield from iter_binding_problems(task.name, task.arguments, iface.component, task.loc)
            for arg in task.arguments:
                spec = iface.inputs.get(arg.name)
                if spec is not None:
                    yield from self.iter_type_problems(task, arg, spec)
        for linked_task in self.linked.values():
            for template in iter_task_templates(linked_task.task):
                yield from self.iter_output_problems(template)
        for output in self.pipeline.outputs:
            if output.source is not None:
                yield from self.iter_output_problems(output.source)

    def iter_output_problems(self, template: Template) -> Iterator[YamlpipeError]:
        for ref in template.refs:
            producer = self.linked.get(ref.name or "") if ref.kind == "tasks" else None
            outputs = producer.outputs if producer is not None else None
            if outputs is None or ref.output in {o.name for o in outputs}:
                continue
            names = [o.name for o in outputs]
            yield YamlpipeError(
                ref.loc,
                f"task {ref.name!r} has no output {ref.output!r}"
                + _suggest(ref.output or "", names),
                f"outputs of {ref.name!r}: " + ", ".join(names)
                if names
                else f"{ref.name!r} has no outputs",
                span=len(ref.text),
            )

    def iter_type_problems(
        self, task: Task, arg: Argument, spec: InputSpec
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
        ref = _single_ref(value)
        produced = self.produced_type(ref) if ref is not None else _UNKNOWN
        if produced is not _UNKNOWN and not is_compatible(produced, spec.type):
            yield YamlpipeError(
                arg.loc,
                f"argument {arg.name!r} of task {task.name!r}: {ref.text if ref else ''} has type "
                f"{describe_type(produced)}, but input {spec.name!r} has type "
                f"{describe_type(spec.type)}",
                "types must match (aliases such as int/Integer are the same); untyped matches any",
            )

    def produced_type(self, ref: Ref) -> object:
        if ref.kind == "inputs":
            declared = self.inputs.get(ref.name or "")
            return declared.type if declared is not None else _UNKNOWN
        if ref.kind == "tasks":
            producer = self.linked.get(ref.name or "")
            outputs = producer.outputs if producer is not None else None
            match = next((o for o in outputs or () if o.name == ref.output), None)
            return match.type if match is not None else _UNKNOWN
        return _UNKNOWN

    def dependencies(self, task: Task) -> list[str]:
        """Tasks this one waits for: data it uses, `after`, snapshots its volumes come from."""
        deps: list[str] = []

        def add(name: str, loc: Location) -> None:
            if name in self.pipeline.tasks and name != task.name:
                deps.append(name)
                self.edge_locs.setdefault((task.name, name), loc)

        for template in iter_task_templates(task):
            for ref in template.refs:
                if ref.kind == "tasks":
                    add(ref.name or "", ref.loc)
        for named in task.after:
            add(named.name, named.loc)
        for mount in task.volumes:
            volume = self.pipeline.volumes.get(mount.volume)
            if volume is not None and volume.from_snapshot is not None:
                add(volume.from_snapshot.name, mount.loc)
        return list(dict.fromkeys(deps))


class _Interface:
    """A task's inputs seen as a component, for the shared binding checks."""

    def __init__(self, inputs: Sequence[InputSpec]) -> None:
        self.inputs = {i.name: i for i in inputs}
        self.component = Component(None, ContainerSpec(image=""), inputs=tuple(inputs))


_UNKNOWN = object()


def _single_ref(value: object) -> Ref | None:
    if isinstance(value, Template):
        return value.single_ref
    if isinstance(value, GraphInputArg | TaskOutputArg):
        return None
    return None


def _suggest(word: str, names: Sequence[str]) -> str:
    suggestion = did_you_mean(word, names)
    return f" ({suggestion})" if suggestion else ""


def _iter_cycle_problems(
    pipeline: Pipeline, edges: Mapping[str, Sequence[str]], locs: Mapping[tuple[str, str], Location]
) -> Iterator[YamlpipeError]:
    for cycle in find_cycles(list(pipeline.tasks), edges):
        steps = [
            f"{a} (line {locs[(a, b)].line})" if (a, b) in locs else a
            for a, b in itertools.pairwise(cycle)
        ]
        first = locs.get((cycle[0], cycle[1]), pipeline.tasks[cycle[0]].loc)
        yield YamlpipeError(
            first,
            "tasks wait for each other in a cycle: " + " -> ".join([*steps, cycle[-1]]),
            "A -> B means A uses an output of B or runs after it; remove one of these links",
            ERROR,
        )


def link_source(source: Source, resolver: Resolver) -> LinkResult:
    """Load a file and link everything it refers to."""
    linker = _Linker(resolver)
    result = linker.load(source)
    graph = None
    if result.spec is not None:
        graph = linker.link_spec(result.spec, source, ())
    problems = sorted(
        {(str(p.location), p.message): p for p in linker.problems}.values(),
        key=YamlpipeError.sort_key,
    )
    ok = not has_errors(problems)
    texts = {**resolver.texts, **linker.texts}
    return LinkResult(graph if ok else None, tuple(problems), texts)


def source_for_file(path: Path, name: str, text: str) -> Source:
    return Source(name, str(path.resolve()), text, sha256_hex(text.encode("utf-8")))
