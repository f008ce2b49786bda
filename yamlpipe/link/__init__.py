"""The whole graph checked before anything runs: references resolved, arguments bound,
types compared, dependencies ordered and cycles named."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from yamlpipe.errors import ERROR, Location, YamlpipeError, YamlpipeErrors, has_errors
from yamlpipe.link.binder import Binder, group_output_types
from yamlpipe.link.convert import graph_pipeline
from yamlpipe.link.dag import find_cycles, topological_order
from yamlpipe.link.model import LinkedPipeline, LinkedTask, Origin
from yamlpipe.load import LoadResult, load_text
from yamlpipe.resolve import Request, Resolver, Source
from yamlpipe.resolve.cache import sha256_hex
from yamlpipe.resolve.refs import URL, Reference, parse_reference
from yamlpipe.spec.model import (
    Component,
    ComponentRef,
    ContainerSpec,
    GraphSpec,
    Pipeline,
    Spec,
    Task,
)
from yamlpipe.spec.scope import Scope, iter_scopes

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
        self,
        tasks: Sequence[tuple[str, Task]],
        refs: Mapping[str, ComponentRef],
        base: Source,
    ) -> dict[str, Source | _Resolved | None]:
        """Resolve every `component:` task of one file together (remote ones in parallel);
        tasks are keyed by their path through the groups (`group/task`)."""
        unique: dict[str, Request] = {}  # one resolution per distinct reference text
        owners: dict[str, str] = {}
        resolved: dict[str, Source | _Resolved | None] = {}
        for key, task in tasks:
            if task.kind != "component":
                continue
            inline = refs.get(key)
            if inline is not None and inline.spec is not None:
                origin = Origin(f"{base.name}#{task.name}", base.sha256, None)
                resolved[key] = _Resolved(origin, inline.spec)
                continue
            try:
                ref = self.reference(task, inline)
            except YamlpipeError as problem:
                self.problems.append(problem)
                resolved[key] = None
                continue
            unique.setdefault(ref.text, Request(ref, base.location))
            owners[key] = ref.text
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
        keyed = list(_iter_keyed_tasks(pipeline.tasks, ""))
        if pipeline.on_exit is not None:
            keyed.append((_EXIT_KEY, pipeline.on_exit))
        resolved = self.resolve_tasks(keyed, graph_refs, source)
        leaves = {
            id(task): self.link_task(task, resolved.get(key), source, chain)
            for key, task in keyed
            if not task.is_group
        }
        linked = _with_groups(pipeline.tasks, leaves)
        binder = Binder(pipeline, linked)
        self.problems.extend(binder.iter_problems())
        levels = [(scope, _level_edges(binder, scope)) for scope in iter_scopes(binder.root)]
        for scope, edges in levels:
            self.problems.extend(_iter_cycle_problems(scope, edges, binder.edge_locs))
        if len([p for p in self.problems if p.is_error]) > before:
            return None
        tasks = _ordered(binder.root, linked, {s.key: e for s, e in levels})
        on_exit = linked.get(id(pipeline.on_exit)) if pipeline.on_exit else None
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


_EXIT_KEY = "/on_exit"
"""The exit handler's key (no task path starts with '/')."""


def _iter_keyed_tasks(tasks: Mapping[str, Task], prefix: str) -> Iterator[tuple[str, Task]]:
    """Every task at every level of groups, keyed by its path (`group/inner`)."""
    for name, task in tasks.items():
        key = prefix + name
        yield key, task
        if task.is_group:
            yield from _iter_keyed_tasks(task.tasks, key + "/")


def _with_groups(tasks: Mapping[str, Task], linked: dict[int, LinkedTask]) -> dict[int, LinkedTask]:
    """Add a LinkedTask for every group, inner groups first (a group's output types come
    from its tasks)."""
    for task in tasks.values():
        if task.is_group:
            _with_groups(task.tasks, linked)
            body = {name: linked[id(inner)] for name, inner in task.tasks.items()}
            linked[id(task)] = LinkedTask(
                task, group=body, group_outputs=group_output_types(task, body)
            )
    return linked


def _level_edges(binder: Binder, scope: Scope) -> dict[str, list[str]]:
    return {name: binder.dependencies(task, scope) for name, task in scope.tasks.items()}


def _ordered(
    scope: Scope, linked: Mapping[int, LinkedTask], edges: Mapping[int, dict[str, list[str]]]
) -> dict[str, LinkedTask]:
    """One level's tasks in dependency order with their dependencies; groups likewise."""
    level = edges[scope.key]
    result = {}
    for name in topological_order(list(scope.tasks), level):
        task = scope.tasks[name]
        body = _ordered(scope.child(task), linked, edges) if task.is_group else None
        result[name] = replace(
            linked[id(task)], dependencies=tuple(sorted(set(level[name]))), group=body
        )
    return result


def _iter_cycle_problems(
    scope: Scope,
    edges: Mapping[str, Sequence[str]],
    locs: Mapping[tuple[int, str, str], Location],
) -> Iterator[YamlpipeError]:
    for cycle in find_cycles(list(scope.tasks), edges):
        at = {(a, b): loc for (level, a, b), loc in locs.items() if level == scope.key}
        steps = [
            f"{a} (line {at[(a, b)].line})" if (a, b) in at else a
            for a, b in itertools.pairwise(cycle)
        ]
        first = at.get((cycle[0], cycle[1]), scope.tasks[cycle[0]].loc)
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
