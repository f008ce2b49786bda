"""KFP's groups as context managers: Condition (-> `when`), ParallelFor (-> `for_each`),
ExitHandler (-> `on_exit`). A task takes the groups open when it is created."""

from __future__ import annotations

from types import TracebackType
from typing import Any

from yamlpipe.errors import YamlpipeError
from yamlpipe.generate.dsl.context import PipelineBuilder, caller_location, current_builder
from yamlpipe.generate.dsl.ops import BaseOp
from yamlpipe.generate.dsl.params import ConditionOperator, LoopArguments, PipelineParam


def _require_builder(what: str) -> PipelineBuilder:
    builder = current_builder()
    if builder is None:
        raise YamlpipeError(
            caller_location(),
            f"{what} is used outside a pipeline function",
            "use it inside a function decorated with @dsl.pipeline",
        )
    return builder


class Condition:
    """Tasks created inside run only when the condition holds."""

    def __init__(self, condition: ConditionOperator, name: str | None = None) -> None:
        if not isinstance(condition, ConditionOperator):
            raise YamlpipeError(
                caller_location(),
                f"Condition takes a comparison such as `task.output == 'heads'`, not {condition!r}",
            )
        self.condition = condition
        self.name = name
        self._builder: PipelineBuilder | None = None

    def __enter__(self) -> Condition:
        self._builder = _require_builder("dsl.Condition")
        self._builder.conditions.append(self.condition)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._builder is not None:
            self._builder.conditions.pop()


class ParallelFor:
    """Tasks created inside run once per item, `parallelism` at a time."""

    def __init__(self, loop_args: Any, parallelism: int | None = None) -> None:
        if isinstance(loop_args, tuple):
            loop_args = list(loop_args)
        if not isinstance(loop_args, list | PipelineParam):
            raise YamlpipeError(
                caller_location(),
                f"ParallelFor takes a list or a run-time value, not {type(loop_args).__name__}",
            )
        if parallelism is not None and parallelism < 1:
            raise YamlpipeError(caller_location(), "ParallelFor parallelism must be at least 1")
        self.items = loop_args
        self.parallelism = parallelism
        self._builder: PipelineBuilder | None = None

    def __enter__(self) -> LoopArguments:
        builder = _require_builder("dsl.ParallelFor")
        loop = builder.open_loop(self.items, self.parallelism, caller_location())
        self._builder = builder
        return LoopArguments(loop.code, self.items)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._builder is not None:
            self._builder.loops.pop()


class ExitHandler:
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
        if exit_op.conditions or exit_op.loop or exit_op.dependent_names:
            raise YamlpipeError(
                caller_location(),
                f"the exit task {exit_op.name!r} cannot have conditions, loops or after()",
            )
        exit_op.is_exit_handler = True
        builder.ops.pop(exit_op.name, None)
        builder.exit_op = exit_op
        self.exit_op = exit_op
        self.name = name

    def __enter__(self) -> ExitHandler:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None
