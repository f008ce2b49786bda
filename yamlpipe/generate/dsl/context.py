"""The pipeline being recorded: tasks, volumes and open groups, held in a context variable
(never a global), so recording is safe in threads and nests cleanly."""

from __future__ import annotations

import linecache
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from yamlpipe.errors import Location, YamlpipeError
from yamlpipe.generate.pysource import shown_path
from yamlpipe.spec.naming import k8s_name

if TYPE_CHECKING:
    from yamlpipe.generate.dsl.ops import BaseOp, VolumeDefinition
    from yamlpipe.generate.dsl.params import ConditionOperator, PipelineParam

_PACKAGE_DIR = str(Path(__file__).resolve().parent.parent.parent)


def is_user_file(filename: str) -> bool:
    """True for code that is not yamlpipe's own (nor Python's frozen import machinery)."""
    return not filename.startswith((_PACKAGE_DIR, "<frozen"))


def code_location(filename: str, line: int) -> Location:
    """A line of the user's code: the path as the user would write it (relative to the
    working folder when below it), the column of the line's first character."""
    text = linecache.getline(filename, line)
    column = len(text) - len(text.lstrip()) + 1 if text.strip() else 1
    return Location(shown_path(filename), line, column)


def user_frame_location(frame: FrameType | None) -> Location:
    """The innermost frame outside yamlpipe, starting at `frame` and walking outwards."""
    while frame is not None and not is_user_file(frame.f_code.co_filename):
        frame = frame.f_back
    if frame is None:
        return Location("<pipeline>")
    return code_location(frame.f_code.co_filename, frame.f_lineno)


def caller_location() -> Location:
    """Where the user's code called into the DSL: for errors about that call."""
    return user_frame_location(sys._getframe(1))


@dataclass
class Loop:
    """An open `ParallelFor`: its number (for item names), items and parallelism."""

    code: int
    items: Any
    parallelism: int | None
    loc: Location


@dataclass
class PipelineConf:
    """Workflow-level settings (KFP's `dsl.get_pipeline_conf()`)."""

    timeout: int | None = None
    parallelism: int | None = None
    ttl_seconds: int | None = None
    image_pull_secrets: list[str] = field(default_factory=list)
    node_selector: dict[str, str] = field(default_factory=dict)

    def set_timeout(self, seconds: int) -> PipelineConf:
        self.timeout = int(seconds)
        return self

    def set_parallelism(self, max_num_pods: int) -> PipelineConf:
        self.parallelism = int(max_num_pods)
        return self

    def set_ttl_seconds_after_finished(self, seconds: int) -> PipelineConf:
        self.ttl_seconds = int(seconds)
        return self

    def set_image_pull_secrets(self, image_pull_secrets: list[Any]) -> PipelineConf:
        self.image_pull_secrets = [_secret_name(s) for s in image_pull_secrets]
        return self

    def set_default_pod_node_selector(self, label_name: str, value: str) -> PipelineConf:
        self.node_selector[label_name] = value
        return self


def _secret_name(secret: Any) -> str:
    if isinstance(secret, dict):
        return str(secret["name"])
    return str(getattr(secret, "name", secret))


@dataclass
class PipelineBuilder:
    """Everything a pipeline function created, in the order it created it."""

    ops: dict[str, BaseOp] = field(default_factory=dict)
    volumes: dict[str, VolumeDefinition] = field(default_factory=dict)
    inputs: dict[str, PipelineParam] = field(default_factory=dict)
    conditions: list[ConditionOperator] = field(default_factory=list)
    loops: list[Loop] = field(default_factory=list)
    exit_op: BaseOp | None = None
    conf: PipelineConf = field(default_factory=PipelineConf)
    taken: set[str] = field(default_factory=set)
    loop_count: int = 0

    def unique_name(self, human_name: str, fallback: str = "task") -> str:
        """KFP's rule: a Kubernetes-style name, made unique with -2, -3, ..."""
        base = k8s_name(human_name) or fallback
        name, index = base, 2
        while name in self.taken:
            name, index = f"{base}-{index}", index + 1
        self.taken.add(name)
        return name

    def open_loop(self, items: Any, parallelism: int | None, loc: Location) -> Loop:
        if self.loops:
            raise YamlpipeError(
                loc,
                "a ParallelFor inside another ParallelFor cannot be written as a yamlpipe "
                "pipeline (a task has one for_each)",
                "loop over the combined items in one ParallelFor, or move the inner loop "
                "into a pipeline of its own used as a component",
            )
        self.loop_count += 1
        loop = Loop(self.loop_count, items, parallelism, loc)
        self.loops.append(loop)
        return loop


_CURRENT: ContextVar[PipelineBuilder | None] = ContextVar("yamlpipe_pipeline", default=None)


def current_builder() -> PipelineBuilder | None:
    """The pipeline being recorded, or None outside a pipeline function."""
    return _CURRENT.get()


@contextmanager
def recording(builder: PipelineBuilder) -> Iterator[PipelineBuilder]:
    """Make `builder` the current pipeline for the duration of the block."""
    token = _CURRENT.set(builder)
    try:
        yield builder
    finally:
        _CURRENT.reset(token)
