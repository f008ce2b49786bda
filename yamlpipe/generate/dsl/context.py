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
from yamlpipe.generate.dsl.params import loop_item_name
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

    @property
    def item_name(self) -> str:
        """The item's name as KFP gives it (what its `{{pipelineparam}}` marker carries)."""
        return loop_item_name(self.code, self.items)


@dataclass(eq=False)
class Group:
    """A KFP group (Condition, ParallelFor, ExitHandler, SubGraph, graph component) or the
    pipeline itself (kind `pipeline`): what was created inside it, in order."""

    kind: str
    name: str
    loc: Location
    parent: Group | None = None
    condition: ConditionOperator | None = None
    loop: Loop | None = None
    parallelism: int | None = None
    children: list[BaseOp | Group] = field(default_factory=list)
    dependent_names: list[str] = field(default_factory=list)
    origin: Any = None
    """For a graph component's group: the function it runs (to recognise recursion)."""

    def after(self, *ops: Any) -> Group:
        """KFP's `OpsGroup.after()`: the whole group waits for these tasks."""
        for op in ops:
            name = getattr(op, "name", None)
            if not isinstance(name, str):
                raise YamlpipeError(caller_location(), f"after() takes tasks, not {op!r}")
            if name not in self.dependent_names:
                self.dependent_names.append(name)
        return self


@dataclass
class PipelineConf:
    """Workflow-level settings (KFP's `dsl.get_pipeline_conf()`)."""

    timeout: int | None = None
    parallelism: int | None = None
    ttl_seconds: int | None = None
    image_pull_secrets: list[str] = field(default_factory=list)
    node_selector: dict[str, str] = field(default_factory=dict)
    image_pull_policy: str | None = None
    op_transformers: list[Any] = field(default_factory=list)

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

    def set_image_pull_policy(self, policy: str) -> PipelineConf:
        """The pull policy of every container that does not set its own."""
        if policy not in ("Always", "IfNotPresent", "Never"):
            raise YamlpipeError(
                caller_location(),
                f"image pull policy {policy!r} is not one of Always, IfNotPresent, Never",
            )
        self.image_pull_policy = policy
        return self

    def add_op_transformer(self, transformer: Any) -> PipelineConf:
        """A function applied to every task once the pipeline function has run."""
        self.op_transformers.append(transformer)
        return self

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        raise YamlpipeError(
            caller_location(),
            f"PipelineConf.{name} is not supported by yamlpipe pipelines",
            "see docs/python.md for what the DSL can express",
        )


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
    root: Group = field(default_factory=lambda: Group("pipeline", "", Location("<pipeline>")))
    open_groups: list[Group] = field(default_factory=list)
    exit_op: BaseOp | None = None
    conf: PipelineConf = field(default_factory=PipelineConf)
    taken: set[str] = field(default_factory=set)
    group_count: int = 0

    def unique_name(self, human_name: str, fallback: str = "task") -> str:
        """KFP's rule: a Kubernetes-style name, made unique with -2, -3, ..."""
        base = k8s_name(human_name) or fallback
        name, index = base, 2
        while name in self.taken:
            name, index = f"{base}-{index}", index + 1
        self.taken.add(name)
        return name

    @property
    def current(self) -> Group:
        """The innermost open group (the pipeline itself outside every `with`)."""
        return self.open_groups[-1] if self.open_groups else self.root

    def next_group_id(self) -> int:
        """KFP's pipeline-wide group counter (group names end in it)."""
        self.group_count += 1
        return self.group_count

    def open_group(self, kind: str, loc: Location, name: str | None = None, **fields: Any) -> Group:
        """A new group inside the current one, named as KFP names it (`condition-3`)."""
        prefix = kind.replace("_", "-") + (f"-{name}" if name else "")
        group_name = self.unique_name(f"{prefix}-{self.next_group_id()}".replace("_", "-"))
        group = Group(kind, group_name, loc, self.current, **fields)
        self.current.children.append(group)
        self.open_groups.append(group)
        return group

    def close_group(self, group: Group) -> None:
        if self.open_groups and self.open_groups[-1] is group:
            self.open_groups.pop()


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
