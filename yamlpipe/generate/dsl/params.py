"""Values that exist only when the pipeline runs: pipeline inputs, task outputs, loop items.

As in KFP, a `PipelineParam` turns into a marker string (`{{pipelineparam:op=OP;name=NAME}}`)
when formatted into text, so `f"--lr={lr}"` works; the emitter turns markers into `${{ }}`
expressions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

MARKER = re.compile(r"\{\{pipelineparam:op=([^;{}]*);name=([^{}]+)\}\}")
LOOP_ITEM_PREFIX = "loop-item-param-"
LOOP_ITEM_SUFFIX = "-loop-item"
SUBVAR_SEPARATOR = "-subvar-"
_LEGAL_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class PipelineParam:
    """A run-time value: a pipeline input (no op_name) or a task's output (op_name)."""

    def __init__(
        self,
        name: str,
        op_name: str | None = None,
        value: Any = None,
        param_type: Any = None,
        pattern: str | None = None,
    ) -> None:
        self.name = name
        self.op_name = op_name or None
        self.value = value
        self.param_type = param_type
        self.pattern = pattern or str(self)

    @property
    def full_name(self) -> str:
        return f"{self.op_name}-{self.name}" if self.op_name else self.name

    def __str__(self) -> str:
        return f"{{{{pipelineparam:op={self.op_name or ''};name={self.name}}}}}"

    def __repr__(self) -> str:
        return str(self)

    def to_struct(self) -> str:
        return str(self)

    def __hash__(self) -> int:
        return hash((self.op_name, self.name))

    def __eq__(self, other: object) -> ConditionOperator:  # type: ignore[override]
        return ConditionOperator("==", self, other)

    def __ne__(self, other: object) -> ConditionOperator:  # type: ignore[override]
        return ConditionOperator("!=", self, other)

    def __lt__(self, other: object) -> ConditionOperator:
        return ConditionOperator("<", self, other)

    def __le__(self, other: object) -> ConditionOperator:
        return ConditionOperator("<=", self, other)

    def __gt__(self, other: object) -> ConditionOperator:
        return ConditionOperator(">", self, other)

    def __ge__(self, other: object) -> ConditionOperator:
        return ConditionOperator(">=", self, other)

    def ignore_type(self) -> PipelineParam:
        self.param_type = None
        return self


@dataclass(frozen=True)
class ConditionOperator:
    """`param == value` and friends: what `dsl.Condition` takes."""

    operator: str
    operand1: Any
    operand2: Any


class LoopArguments(PipelineParam):
    """The current item of a `ParallelFor`; `item.key` is one field of a map item."""

    def __init__(self, code: int, items: Any) -> None:
        super().__init__(loop_item_name(code, items))
        self.items_or_pipeline_param = items

    def __getattr__(self, key: str) -> LoopArgumentVariable:
        if key.startswith("__") or not _LEGAL_KEY.match(key):
            raise AttributeError(key)
        return LoopArgumentVariable(self.name, key)


class LoopArgumentVariable(PipelineParam):
    """One field of the current loop item (`item.key`)."""

    def __init__(self, loop_args_name: str, this_variable_name: str) -> None:
        super().__init__(f"{loop_args_name}{SUBVAR_SEPARATOR}{this_variable_name}")
        self.loop_args_name = loop_args_name
        self.subvar_name = this_variable_name


def loop_item_name(code: int, items: Any) -> str:
    """KFP's name for a loop's item: `loop-item-param-3` for a static list, `NAME-loop-item`
    over a run-time value called NAME (what `item.name` gives, as in KFP)."""
    if isinstance(items, PipelineParam):
        return f"{items.name}{LOOP_ITEM_SUFFIX}"
    return f"{LOOP_ITEM_PREFIX}{code}"


def split_loop_name(name: str) -> tuple[str, str | None]:
    """`loop-item-param-3-subvar-lr` -> ('loop-item-param-3', 'lr')."""
    base, _, key = name.partition(SUBVAR_SEPARATOR)
    return base, key or None
