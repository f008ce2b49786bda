"""A component's command line with its placeholders resolved for one task, as KFP's
`_resolve_command_line_and_paths` does: by-value inputs stay symbolic so that tasks that
differ only in values can share one template."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from yamlpipe.compile.naming import input_path, output_path
from yamlpipe.errors import YamlpipeError
from yamlpipe.load.checks import iter_placeholders
from yamlpipe.spec.model import (
    CommandArg,
    Component,
    Concat,
    ContainerSpec,
    IfPlaceholder,
    InputPath,
    InputValue,
    IsPresent,
    OutputPath,
    V2Placeholder,
)

_TRUE_WORDS = frozenset({"y", "yes", "t", "true", "on", "1"})
_FALSE_WORDS = frozenset({"n", "no", "f", "false", "off", "0"})


@dataclass(frozen=True)
class InputText:
    """An input's value inside a command-line argument, filled in by Argo at run time."""

    name: str


Part = str | InputText
Arg = tuple[Part, ...]


@dataclass
class ResolvedCommand:
    """One task's command line and the files it reads and writes."""

    command: list[Arg] = field(default_factory=list)
    args: list[Arg] = field(default_factory=list)
    by_value: dict[str, None] = field(default_factory=dict)
    """Inputs read by value, in order of first use."""
    by_path: dict[str, str] = field(default_factory=dict)
    """Inputs read from files: input name -> path."""
    outputs: dict[str, str] = field(default_factory=dict)
    """Outputs written: output name -> path."""


def container_of(component: Component) -> ContainerSpec:
    impl = component.implementation
    assert isinstance(impl, ContainerSpec), "graph components are compiled as pipelines"
    return impl


def condition_inputs(component: Component) -> frozenset[str]:
    """Inputs whose value decides an `if` placeholder: they must be known when compiling."""
    container = container_of(component)
    return frozenset(
        p.cond.name
        for p in iter_placeholders((*container.command, *container.args))
        if isinstance(p, IfPlaceholder) and isinstance(p.cond, InputValue)
    )


def is_true(text: str) -> bool | None:
    """distutils' strtobool, which KFP uses for `if` conditions; None when not boolean-like."""
    word = text.strip().lower()
    return True if word in _TRUE_WORDS else False if word in _FALSE_WORDS else None


class _Resolver:
    def __init__(
        self, component: Component, present: frozenset[str], known: Mapping[str, str], task: str
    ) -> None:
        self.component = component
        self.present = present
        self.known = known
        self.task = task
        self.result = ResolvedCommand()
        container = container_of(component)
        declared = {o.name for o in component.outputs}
        for name, path in container.file_outputs.items():
            if name in declared:
                self.result.outputs[name] = path

    def expand_list(self, items: tuple[CommandArg, ...]) -> list[Arg]:
        expanded: list[Arg] = []
        for item in items:
            expanded.extend(self.expand(item))
        return expanded

    def expand(self, item: CommandArg) -> Iterator[Arg]:
        """Zero or more command-line arguments for one item."""
        if isinstance(item, str):
            yield (item,)
        elif isinstance(item, InputValue):
            if item.name in self.present:
                self.result.by_value.setdefault(item.name)
                yield (InputText(item.name),)
        elif isinstance(item, InputPath):
            if item.name in self.present:
                path = input_path(item.name)
                self.result.by_path[item.name] = path
                yield (path,)
        elif isinstance(item, OutputPath):
            yield (self.output(item),)
        elif isinstance(item, Concat):
            yield tuple(part for arg in self.expand_list(item.items) for part in arg)
        elif isinstance(item, IfPlaceholder):
            branch = item.then if self.condition(item) else item.otherwise
            yield from self.expand_list(branch or ())
        elif isinstance(item, V2Placeholder):
            raise self.v2_error(item)
        elif isinstance(item, IsPresent):
            yield (str(item.name in self.present),)

    def output(self, item: OutputPath) -> str:
        path = output_path(item.name)
        existing = self.result.outputs.setdefault(item.name, path)
        if existing != path:
            raise YamlpipeError(
                item.loc,
                f"output {item.name!r} is written to {path} by {{outputPath}} and to "
                f"{existing} by fileOutputs",
                "remove the fileOutputs entry; {outputPath} chooses the path itself",
            )
        return path

    def condition(self, item: IfPlaceholder) -> bool:
        cond = item.cond
        if isinstance(cond, bool):
            return cond
        if isinstance(cond, IsPresent):
            return cond.name in self.present
        if isinstance(cond, InputValue):
            text = self.known.get(cond.name)
            return bool(text) and bool(is_true(text or ""))
        return bool(is_true(cond))

    def v2_error(self, item: V2Placeholder) -> YamlpipeError:
        name = self.component.name or "component"
        return YamlpipeError(
            item.loc,
            f"task {self.task!r} runs {name!r}, whose {{{item.kind}}} is a KFP v2 placeholder "
            "that Argo (KFP v1) cannot run",
            "use {inputPath: ...} / {outputPath: ...} (v1 placeholders) instead",
            span=len(item.kind),
        )


def resolve_command(
    component: Component, present: frozenset[str], known: Mapping[str, str], task: str
) -> ResolvedCommand:
    """Resolve the placeholders of a container component for one task.

    `present` are the inputs that have a value (an argument or a default); `known` holds the
    constant text of the inputs that decide `if` placeholders. Raises a located error for an
    empty image or a v2-only placeholder.
    """
    resolver = _Resolver(component, present, known, task)
    container = container_of(component)
    if not container.image:
        raise YamlpipeError(
            container.image_loc,
            f"task {task!r} runs {component.name or 'a component'!r}, whose image is empty: "
            "no cluster can run it",
            "use a released version of the component (KFP fills the image in when it "
            "releases one), or set image: to the image its program runs in",
            span=2,
        )
    resolver.result.command = resolver.expand_list(container.command)
    resolver.result.args = resolver.expand_list(container.args)
    return resolver.result
