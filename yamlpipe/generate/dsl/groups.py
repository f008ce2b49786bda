"""KFP's groups as context managers: Condition, ParallelFor, ExitHandler, SubGraph and
`@graph_component` functions. Each records a group in the pipeline being built; the tasks
created inside belong to it (the emitter writes them as a group, `tasks:`)."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

from yamlpipe.errors import YamlpipeError
from yamlpipe.generate.dsl.context import (
    Group,
    Loop,
    PipelineBuilder,
    caller_location,
    current_builder,
)
from yamlpipe.generate.dsl.ops import BaseOp
from yamlpipe.generate.dsl.params import ConditionOperator, LoopArguments, PipelineParam

F = TypeVar("F", bound=Callable[..., Any])


def _require_builder(what: str) -> PipelineBuilder:
    builder = current_builder()
    if builder is None:
        raise YamlpipeError(
            caller_location(),
            f"{what} is used outside a pipeline function",
            "use it inside a function decorated with @dsl.pipeline",
        )
    return builder


class _GroupContext:
    """Opens a group on `with`, closes it on leaving; `.after()` as KFP's OpsGroup."""

    _group: Group | None = None
    _builder: PipelineBuilder | None = None
    _dependent: list[Any]

    def _open(self, builder: PipelineBuilder, group: Group) -> None:
        self._builder, self._group = builder, group
        group.after(*getattr(self, "_dependent", []))

    def after(self, *ops: Any) -> Any:
        if self._group is not None:
            self._group.after(*ops)
        else:
            self._dependent = [*getattr(self, "_dependent", []), *ops]
        return self

    @property
    def name(self) -> str | None:
        return self._group.name if self._group is not None else None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._builder is not None and self._group is not None:
            self._builder.close_group(self._group)


class Condition(_GroupContext):
    """Tasks created inside run only when the condition holds."""

    def __init__(self, condition: ConditionOperator, name: str | None = None) -> None:
        if not isinstance(condition, ConditionOperator):
            raise YamlpipeError(
                caller_location(),
                f"Condition takes a comparison such as `task.output == 'heads'`, not {condition!r}",
            )
        self.condition = condition
        self.human_name = name

    def __enter__(self) -> Condition:
        builder = _require_builder("dsl.Condition")
        group = builder.open_group(
            "condition", caller_location(), self.human_name, condition=self.condition
        )
        self._open(builder, group)
        return self


class ParallelFor(_GroupContext):
    """Tasks created inside run once per item, `parallelism` at a time."""

    def __init__(self, loop_args: Any, parallelism: int | None = None) -> None:
        if isinstance(loop_args, tuple):
            loop_args = list(loop_args)
        if not isinstance(loop_args, list | PipelineParam):
            raise YamlpipeError(
                caller_location(),
                f"ParallelFor takes a list or a run-time value, not {type(loop_args).__name__}",
            )
        if isinstance(loop_args, list) and not loop_args:
            raise YamlpipeError(caller_location(), "ParallelFor over an empty list")
        if parallelism is not None and parallelism < 0:
            raise YamlpipeError(caller_location(), "ParallelFor parallelism must be at least 0")
        self.items = loop_args
        self.parallelism = parallelism or None

    def __enter__(self) -> LoopArguments:
        builder = _require_builder("dsl.ParallelFor")
        loc = caller_location()
        # KFP numbers a static list's items before the group itself.
        code = builder.next_group_id() if isinstance(self.items, list) else 0
        group = builder.open_group("for_loop", loc, parallelism=self.parallelism)
        group.loop = Loop(code or builder.group_count, self.items, self.parallelism, loc)
        self._open(builder, group)
        return LoopArguments(group.loop.code, self.items)


class SubGraph(_GroupContext):
    """KFP's SubGraph: tasks inside run as one group, at most `parallelism` at a time."""

    def __init__(self, parallelism: int) -> None:
        if parallelism < 1:
            raise YamlpipeError(caller_location(), "SubGraph parallelism must be at least 1")
        self.parallelism = parallelism

    def __enter__(self) -> SubGraph:
        builder = _require_builder("dsl.SubGraph")
        group = builder.open_group("subgraph", caller_location(), parallelism=self.parallelism)
        self._open(builder, group)
        return self


class ExitHandler(_GroupContext):
    """`exit_op` runs when the pipeline ends, whatever happened (the pipeline's `on_exit`)."""

    def __init__(self, exit_op: BaseOp, name: str | None = None) -> None:
        builder = _require_builder("dsl.ExitHandler")
        if not isinstance(exit_op, BaseOp):
            raise YamlpipeError(caller_location(), f"ExitHandler takes a task, not {exit_op!r}")
        if builder.exit_op is not None:
            raise YamlpipeError(
                caller_location(),
                "a pipeline has one ExitHandler",
                "put every task inside the one `with dsl.ExitHandler(...)`",
            )
        if exit_op.group is not builder.root or exit_op.dependent_names:
            raise YamlpipeError(
                caller_location(),
                f"the exit task {exit_op.name!r} cannot have conditions, loops or after()",
            )
        exit_op.is_exit_handler = True
        builder.ops.pop(exit_op.name, None)
        builder.root.children.remove(exit_op)
        builder.exit_op = exit_op
        self.exit_op = exit_op
        self.display_name = name

    def __enter__(self) -> ExitHandler:
        builder = _require_builder("dsl.ExitHandler")
        self._open(builder, builder.open_group("exit_handler", caller_location()))
        return self


def graph_component(func: F) -> F:
    """KFP's `@dsl.graph_component`: calling the function inside a pipeline runs its body as a
    group of its own. A graph component that calls itself (KFP's recursion) is refused."""

    @functools.wraps(func)
    def run_as_group(*args: Any, **kwargs: Any) -> Any:
        builder = _require_builder(f"graph component {func.__name__!r}")
        loc = caller_location()
        inspect.signature(func).bind(*args, **kwargs)
        if any(g.origin is func for g in builder.open_groups):
            raise YamlpipeError(
                loc,
                f"graph component {func.__name__!r} calls itself: recursion (KFP's recursive "
                "graph_component) cannot be written as a yamlpipe pipeline",
                "unroll the recursion into a fixed number of steps, or loop with "
                "dsl.ParallelFor over the cases",
            )
        group = builder.open_group("graph", loc, func.__name__, origin=func)
        try:
            func(*args, **kwargs)
        finally:
            builder.close_group(group)
        return _GraphCall(group)

    return run_as_group  # type: ignore[return-value]


class _GraphCall:
    """What calling a graph component gives: the group, usable in `.after()`."""

    def __init__(self, group: Group) -> None:
        self.group = group
        self.name = group.name

    def after(self, *ops: Any) -> _GraphCall:
        self.group.after(*ops)
        return self
