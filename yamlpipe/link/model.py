"""The linked graph: every task with its resolved component and dependencies, in order."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from yamlpipe.spec.model import Component, InputSpec, OutputSpec, Pipeline, Task


@dataclass(frozen=True)
class Origin:
    """Where a component came from: how it is shown, its sha256, and the reference text."""

    name: str
    sha256: str
    reference: str | None = None


@dataclass(frozen=True)
class LinkedTask:
    """A pipeline task with what it runs and what it waits for (sorted task names)."""

    task: Task
    dependencies: tuple[str, ...] = ()
    component: Component | None = None
    """The container component a `component:` task runs."""
    pipeline: LinkedPipeline | None = None
    """The nested pipeline (or graph component) a `component:` task runs, to be inlined."""
    origin: Origin | None = None
    group: Mapping[str, LinkedTask] | None = None
    """A group's body: its tasks, linked, in dependency order (dependencies are siblings)."""
    group_outputs: tuple[OutputSpec, ...] = ()
    """A group's outputs, typed: as declared, else as the inner output they come from (the
    JSON list of every iteration's value, JsonArray, when that task loops)."""

    @property
    def name(self) -> str:
        return self.task.name

    @property
    def inputs(self) -> tuple[InputSpec, ...]:
        if self.component is not None:
            return self.component.inputs
        return self.pipeline.pipeline.inputs if self.pipeline is not None else ()

    @property
    def outputs(self) -> tuple[OutputSpec, ...] | None:
        """Declared outputs; None for inline kinds, whose outputs the loader checked."""
        if self.group is not None:
            return self.group_outputs
        if self.component is not None:
            return self.component.outputs
        return self.pipeline.pipeline.outputs if self.pipeline is not None else None


@dataclass(frozen=True)
class LinkedPipeline:
    """A pipeline whose tasks (in dependency order) are all resolved and checked."""

    pipeline: Pipeline
    tasks: Mapping[str, LinkedTask]
    origin: Origin
    on_exit: LinkedTask | None = None
    component: Component | None = None
    """For a graph component: the component itself (its interface and annotations)."""
    group: Task | None = None
    """For a group compiled as a DAG of its own: the group (its tasks hold the body as written;
    `pipeline` holds it with what it reads from outside turned into inputs)."""
