"""A recorded pipeline -> the pipeline YAML a person would write (DESIGN.md section 3), plus
the component files it refers to that exist only in memory (generated from functions)."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from yamlpipe.errors import NOWHERE, Location, YamlpipeError
from yamlpipe.generate.dsl.context import Group, Loop, PipelineBuilder
from yamlpipe.generate.dsl.factory import ComponentReference
from yamlpipe.generate.dsl.ops import (
    BaseOp,
    ContainerOp,
    ResourceOp,
    Retry,
    VolumeDefinition,
    VolumeSnapshotOp,
)
from yamlpipe.generate.dsl.params import (
    MARKER,
    ConditionOperator,
    PipelineParam,
    split_loop_name,
)
from yamlpipe.load import dump_yaml
from yamlpipe.spec.naming import k8s_name

_WORKFLOW_PLACEHOLDER = re.compile(r"(?<!\$)\{\{workflow\.(name|uid|status)\}\}")
_PLAIN_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]*$")
_DURATION_UNITS = (("d", 86400), ("h", 3600), ("m", 60))
_COMPARISONS = ("==", "!=", "<", "<=", ">", ">=")
Data = dict[str, Any]


@dataclass(frozen=True)
class RecordedPipeline:
    """What running a pipeline function produced: its interface and its recorded tasks."""

    name: str
    description: str | None
    inputs: tuple[Data, ...]
    builder: PipelineBuilder
    loc: Location = NOWHERE


@dataclass(frozen=True)
class EmittedPipeline:
    """The pipeline's data and the generated component files (path relative to the pipeline's
    folder -> YAML text)."""

    data: Data
    components: dict[str, str] = field(default_factory=dict)
    origins: dict[tuple[str, ...], Location] = field(default_factory=dict)
    """Where each task and group of the YAML was created: its path in the data (`tasks`,
    NAME, `tasks`, INNER, ...) -> the line of Python that created it."""

    @property
    def text(self) -> str:
        return dump_yaml(self.data)


def emit_pipeline(
    recorded: RecordedPipeline, base_dir: Path, components_dir: str = "components"
) -> EmittedPipeline:
    """The pipeline YAML data, with component references relative to `base_dir`."""
    emitter = _Emitter(recorded, base_dir.resolve(), components_dir)
    data = emitter.pipeline()
    return EmittedPipeline(data, dict(sorted(emitter.files.items())), emitter.origins)


def format_duration(seconds: int) -> str:
    """7200 -> `2h`, 90 -> `90s`: the largest unit that divides evenly."""
    for unit, size in _DURATION_UNITS:
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _ref_name(name: str) -> str:
    return f".{name}" if _PLAIN_NAME.match(name) else f"['{name}']"


def _compact(pairs: Iterable[tuple[str, Any]]) -> Data:
    """A map without the empty entries (None, {}, [])."""
    return {k: v for k, v in pairs if v is not None and v != {} and v != []}


Chain = tuple[Group, ...]


@dataclass(frozen=True)
class _Context:
    """Where an expression is written: the groups written out around it (outermost first)
    and the loops it runs in (innermost last)."""

    chain: Chain = ()
    loops: tuple[Group, ...] = ()


class _Layout:
    """How KFP's groups become the pipeline file's: a group holding one task only puts its
    `when` / loop on that task; an empty one vanishes; the others become groups (`tasks:`).
    An ExitHandler's body stays in the pipeline's own tasks when a volume is restored from a
    snapshot (volumes are created before any group runs)."""

    def __init__(self, builder: PipelineBuilder) -> None:
        self.builder = builder
        self.chains: dict[int, Chain] = {}
        self.collapsed: dict[int, Group] = {}
        self.mode_of: dict[int, str] = {}
        self.by_name: dict[str, BaseOp | Group] = dict(builder.ops)
        self.walk(builder.root, ())

    def walk(self, group: Group, chain: Chain) -> None:
        for child in group.children:
            self.chains[id(child)] = chain
            if not isinstance(child, Group):
                continue
            self.by_name[child.name] = child
            mode = self.mode(child)
            self.mode_of[id(child)] = mode
            if mode == "transparent":
                self.walk(child, chain)
            elif mode == "collapsed":
                op = child.children[0]
                self.chains[id(op)] = chain
                self.collapsed[id(op)] = child
            elif mode == "group":
                self.walk(child, (*chain, child))

    def mode(self, group: Group) -> str:
        ops = [c for c in group.children if not isinstance(c, Group)]
        if not _has_ops(group):
            return "empty"
        if group.kind == "exit_handler" and any(
            v.from_snapshot for v in self.builder.volumes.values()
        ):
            return "transparent"
        if len(group.children) == 1 and len(ops) == 1:
            return "collapsed"
        return "group"

    def loops(self, chain: Chain) -> tuple[Group, ...]:
        return tuple(g for g in chain if g.loop is not None)

    def visible_name(self, target: BaseOp | Group, chain: Chain) -> str | None:
        """The name by which a task or group is seen from inside `chain`: itself, or the
        outermost group around it that is not around the reader; None when it is around the
        reader (or was not written out)."""
        if isinstance(target, Group) and target in chain:
            return None
        own = self.chains.get(id(target), ())
        common = _common_length(own, chain)
        if len(own) > common:
            return own[common].name
        if isinstance(target, Group):
            mode = self.mode_of.get(id(target))
            if mode == "collapsed":
                return target.children[0].name
            return target.name if mode == "group" else None
        return target.name


def _iter_groups(group: Group) -> Iterator[Group]:
    for child in group.children:
        if isinstance(child, Group):
            yield child
            yield from _iter_groups(child)


def _has_ops(group: Group) -> bool:
    return any(not isinstance(c, Group) or _has_ops(c) for c in group.children)


def _common_length(a: Chain, b: Chain) -> int:
    count = 0
    for left, right in zip(a, b, strict=False):
        if left is not right:
            break
        count += 1
    return count


class _Emitter:
    def __init__(self, recorded: RecordedPipeline, base_dir: Path, components_dir: str) -> None:
        self.recorded = recorded
        self.builder = recorded.builder
        self.base_dir = base_dir
        self.components_dir = components_dir
        self.files: dict[str, str] = {}
        self.generated: dict[int, str] = {}
        self.op: BaseOp | None = None
        self.where: Any = None
        """The task or group being written (errors point at its line)."""
        self.uses: set[str] = set()
        self.layout = _Layout(recorded.builder)
        self.context = _Context()
        self.group_data: dict[int, Data] = {}
        self.group_outputs: dict[int, dict[str, str]] = {}
        self.origins: dict[tuple[str, ...], Location] = {}

    # ---- the whole pipeline --------------------------------------------------------------

    def pipeline(self) -> Data:
        recorded, builder = self.recorded, self.builder
        tasks = self.level(builder.root, ())
        for key, outputs in self.group_outputs.items():
            self.group_data[key]["outputs"] = [
                {"name": name, "from": source} for name, source in outputs.items()
            ]
        if not tasks:
            raise YamlpipeError(
                recorded.loc,
                f"pipeline {recorded.name!r} creates no tasks",
                "call components or create ContainerOps inside the pipeline function",
            )
        return _compact(
            [
                ("name", recorded.name),
                ("description", recorded.description),
                ("inputs", list(recorded.inputs)),
                ("settings", self.settings()),
                ("defaults", self.defaults()),
                ("volumes", {k: self.volume(v) for k, v in builder.volumes.items()}),
                ("tasks", tasks),
                ("on_exit", self.exit_task(builder.exit_op)),
            ]
        )

    def defaults(self) -> Data:
        conf = self.builder.conf
        return _compact(
            [
                ("image_pull_policy", conf.image_pull_policy),
                ("node_selector", dict(conf.node_selector)),
            ]
        )

    def settings(self) -> Data:
        conf = self.builder.conf
        return _compact(
            [
                ("parallelism", conf.parallelism),
                ("ttl", format_duration(conf.ttl_seconds) if conf.ttl_seconds else None),
                ("timeout", format_duration(conf.timeout) if conf.timeout else None),
                ("image_pull_secrets", list(conf.image_pull_secrets)),
            ]
        )

    def volume(self, volume: VolumeDefinition) -> Data:
        if volume.claim is not None:
            return {"claim": volume.claim}
        if volume.pod is not None:
            return dict(volume.pod)
        modes = volume.modes if volume.modes != ["ReadWriteOnce"] else None
        return _compact(
            [
                ("size", self.text(volume.size) if volume.size is not None else None),
                ("access_modes", modes),
                ("storage_class", volume.storage_class),
                ("from_snapshot", volume.from_snapshot),
                ("resource_name", volume.resource_name),
                ("annotations", dict(volume.annotations)),
            ]
        )

    # ---- one task ------------------------------------------------------------------------

    def exit_task(self, op: BaseOp | None) -> Data | None:
        if op is None:
            return None
        self.origins[("on_exit",)] = op.loc
        return self.task(op, ())

    def record_origin(self, chain: Chain, name: str, loc: Location) -> None:
        path = tuple(part for g in chain for part in ("tasks", g.name))
        self.origins[(*path, "tasks", name)] = loc

    def level(self, group: Group, chain: Chain) -> Data:
        """The tasks written at one level: tasks, groups, tasks standing for a group."""
        tasks: Data = {}
        for child in group.children:
            if not isinstance(child, Group):
                tasks[child.name] = self.task(child, chain)
                continue
            mode = self.layout.mode_of[id(child)]
            if mode == "transparent":
                tasks.update(self.level(child, chain))
            elif mode == "collapsed":
                op = child.children[0]
                assert isinstance(op, BaseOp)
                tasks[op.name] = self.task(op, chain, child)
            elif mode == "group":
                tasks[child.name] = self.group(child, chain)
        return tasks

    def group(self, group: Group, chain: Chain) -> Data:
        """A group: its `when` or loop (read outside it), `after`, and its tasks."""
        self.op, self.where, self.uses = None, group, set()
        self.record_origin(chain, group.name, group.loc)
        self.context = _Context(chain, self.layout.loops(chain))
        when = self.when(group.condition)
        loop = self.loop(group.loop)
        after = self.after_names(group.dependent_names, chain, group)
        data = _compact(
            [("when", when), ("after", after), *loop, ("parallelism", _subgraph_limit(group))]
        )
        data["tasks"] = self.level(group, (*chain, group))
        self.group_data[id(group)] = data
        return data

    def task(self, op: BaseOp, chain: Chain, collapsed: Group | None = None) -> Data:
        self.op, self.where, self.uses = op, op, set()
        if chain or op is not self.builder.exit_op:
            self.record_origin(chain, op.name, op.loc)
        loops = self.layout.loops(chain)
        own = (collapsed,) if collapsed is not None and collapsed.loop is not None else ()
        self.context = _Context(chain, loops)
        loop = self.loop(collapsed.loop if collapsed is not None else None)
        self.context = _Context(chain, (*loops, *own))
        kind, body = self.body(op)
        arguments = self.arguments(op) if isinstance(op, ContainerOp) and op.component else None
        env = self.env(op) if isinstance(op, ContainerOp) else None
        when = self.when(collapsed.condition if collapsed is not None else None)
        names = [*op.dependent_names, *(collapsed.dependent_names if collapsed else ())]
        return _compact(
            [
                ("display_name", op.display_name),
                ("when", when),
                ("after", self.after_names(names, chain, op)),
                *loop,
                (kind, body),
                ("arguments", arguments),
                ("volumes", self.mounts(op) if isinstance(op, ContainerOp) else None),
                ("env", env),
                ("resources", self.resources(op) if isinstance(op, ContainerOp) else None),
                ("image_pull_policy", getattr(op, "image_pull_policy", None)),
                ("affinity", op.affinity),
                ("sidecars", list(getattr(op, "sidecars", []))),
                ("node_selector", dict(op.node_selector)),
                ("tolerations", list(op.tolerations)),
                ("retry", self.retry(op.retry)),
                ("timeout", format_duration(op.timeout) if op.timeout else None),
                ("cache", _cache(op)),
                ("annotations", dict(op.pod_annotations)),
                ("labels", dict(op.pod_labels)),
            ]
        )

    def body(self, op: BaseOp) -> tuple[str, Any]:
        for cls in type(op).__mro__:
            build = _BODIES.get(cls)
            if build is not None:
                return build(self, op)
        raise self.error(f"{type(op).__name__} tasks cannot be written as YAML")

    def container_body(self, op: BaseOp) -> tuple[str, Any]:
        assert isinstance(op, ContainerOp)
        if op.component is not None:
            return "component", self.component_ref(op.component)
        if not op.image:
            raise self.error(f"ContainerOp {op.human_name!r} has no image")
        return "container", _compact(
            [
                ("image", self.text(op.image)),
                ("command", [self.text(v) for v in op.command]),
                ("args", [self.text(v) for v in op.arguments]),
                ("outputs", dict(op.file_outputs)),
            ]
        )

    def resource_body(self, op: BaseOp) -> tuple[str, Any]:
        assert isinstance(op, ResourceOp)
        extra = {k: v for k, v in op.attribute_outputs.items() if k not in ("manifest", "name")}
        return "resource", _compact(
            [
                ("action", op.action),
                ("manifest", self.value(op.k8s_resource)),
                ("success_condition", op.success_condition),
                ("failure_condition", op.failure_condition),
                ("merge_strategy", op.merge_strategy),
                ("set_owner_reference", op.set_owner_reference or None),
                ("outputs", extra),
            ]
        )

    def snapshot_body(self, op: BaseOp) -> tuple[str, Any]:
        assert isinstance(op, VolumeSnapshotOp)
        return "snapshot", _compact(
            [
                ("volume", op.volume_key),
                ("resource_name", op.resource_name),
                ("snapshot_class", op.snapshot_class),
                ("annotations", dict(op.annotations)),
            ]
        )

    def resources(self, op: ContainerOp) -> Data:
        """Resources; run-time values become expressions (compiled into podSpecPatch)."""
        return {
            key: {k: self.text(v) for k, v in value.items()}
            if isinstance(value, dict)
            else self.text(value)
            if isinstance(value, PipelineParam)
            else value
            for key, value in op.resources.items()
        }

    def arguments(self, op: ContainerOp) -> Data:
        return {name: self.argument(value) for name, value in op.component_arguments.items()}

    def argument(self, value: Any) -> Any:
        """A component argument. A list or map holding run-time values is passed as KFP
        passes it: its JSON text (keys sorted), each value an expression inside it."""
        converted = self.value(value)
        if isinstance(converted, list | dict) and _holds_expression(converted):
            return json.dumps(converted, sort_keys=True)
        return converted

    def env(self, op: ContainerOp) -> Data:
        return {
            name: value if isinstance(value, dict) else self.text(value)
            for name, value in op.env.items()
        }

    def mounts(self, op: ContainerOp) -> Data:
        return {
            path: mount.volume
            if not (mount.sub_path or mount.read_only)
            else _compact(
                [
                    ("volume", mount.volume),
                    ("sub_path", mount.sub_path),
                    ("read_only", mount.read_only or None),
                ]
            )
            for path, mount in op.mounts.items()
        }

    def after_names(self, names: list[str], chain: Chain, reader: BaseOp | Group) -> Any:
        """`after` as seen from where the reader is written (a task inside another group is
        waited for through that group)."""
        found: list[str] = []
        for name in names:
            target = self.layout.by_name.get(name)
            visible = self.layout.visible_name(target, chain) if target is not None else None
            if visible is None or visible in self.uses or visible == getattr(reader, "name", ""):
                continue
            if visible not in found:
                found.append(visible)
        if not found:
            return None
        return found[0] if len(found) == 1 else found

    def loop(self, loop: Loop | None) -> list[tuple[str, Any]]:
        if loop is None:
            return []
        items = loop.items
        if isinstance(items, PipelineParam):
            for_each: Any = self.expression(items.op_name, items.name, items)
        else:
            for_each = [self.loop_item(i) for i in items]
        return [("for_each", for_each), ("parallelism", loop.parallelism)]

    def loop_item(self, item: Any) -> Any:
        if _holds_param(item):
            raise self.error(
                "ParallelFor items are constants or one run-time list, not lists holding "
                "run-time values"
            )
        return item

    def when(self, condition: ConditionOperator | None) -> str | None:
        return self.comparison(condition) if condition is not None else None

    def comparison(self, condition: ConditionOperator) -> str:
        if condition.operator not in _COMPARISONS:
            raise self.error(f"unsupported condition operator {condition.operator!r}")
        left, right = self.operand(condition.operand1), self.operand(condition.operand2)
        return f"{left} {condition.operator} {right}"

    def operand(self, value: Any) -> str:
        if isinstance(value, PipelineParam):
            return self.expression(value.op_name, value.name, value)
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return repr(value)
        text = str(value)
        if MARKER.search(text):
            return self.text(text)
        return f'"{text}"' if "'" in text else f"'{text}'"

    def retry(self, retry: Retry | None) -> Any:
        if retry is None:
            return None
        backoff = _compact(
            [
                ("duration", self.duration(retry.duration, "backoff_duration")),
                ("factor", self.factor(retry.factor)),
                ("max_duration", self.duration(retry.max_duration, "backoff_max_duration")),
            ]
        )
        if not backoff and retry.policy is None:
            return retry.limit
        return _compact([("limit", retry.limit), ("policy", retry.policy), ("backoff", backoff)])

    def duration(self, value: Any, what: str) -> Any:
        if value is None:
            return None
        text = str(value).strip()
        if text.isdigit():
            return format_duration(int(text))
        if re.fullmatch(r"[0-9]+[smhd]", text):
            return text
        raise self.error(f"{what} {value!r} is not a duration like 90s, 30m, 2h or 1d")

    def factor(self, value: Any) -> int | None:
        if value is None:
            return None
        if float(value) != int(float(value)) or float(value) < 1:
            raise self.error(f"backoff_factor {value!r} must be a whole number of at least 1")
        return int(float(value))

    # ---- values ---------------------------------------------------------------------------

    def value(self, value: Any) -> Any:
        """An argument or manifest value: run-time values become `${{ }}` expressions."""
        if isinstance(value, PipelineParam):
            return self.expression(value.op_name, value.name, value)
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {str(k): self.value(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.value(v) for v in value]
        if isinstance(value, BaseOp):
            raise self.error(
                f"task {value.name!r} passed as a value", "pass one of its outputs: task.output"
            )
        return value

    def text(self, value: Any) -> str:
        """A string with run-time values (and KFP's {{workflow.*}} placeholders) as expressions."""
        if isinstance(value, PipelineParam):
            return self.expression(value.op_name, value.name, value)
        if isinstance(value, list | dict):
            return json.dumps(self.value(value), sort_keys=True)
        if isinstance(value, bool | int | float) or value is None:
            return str(value)
        text = MARKER.sub(lambda m: self.expression(m.group(1), m.group(2), None), str(value))
        return _WORKFLOW_PLACEHOLDER.sub(lambda m: f"${{{{ workflow.{m.group(1)} }}}}", text)

    def expression(self, op_name: str | None, name: str, param: PipelineParam | None) -> str:
        if op_name:
            return self.task_output(op_name, name)
        if name in self.builder.inputs:
            return f"${{{{ inputs{_ref_name(name)} }}}}"
        base, key = split_loop_name(name)
        codes = [g.loop.code for g in self.context.loops if g.loop and g.loop.item_name == base]
        if codes:
            return self.loop_item_expression(codes[-1], key)
        if self.names_a_loop_item(base):
            raise self.error(
                "a ParallelFor item is used outside its loop",
                "use the loop item only in tasks created inside the `with dsl.ParallelFor`",
            )
        if param is not None and param.value is not None:
            return str(param.value)
        raise self.error(f"{{{{pipelineparam:op=;name={name}}}}} is not an input of this pipeline")

    def task_output(self, op_name: str, name: str) -> str:
        exit_op = self.builder.exit_op
        if op_name in self.builder.volumes:
            raise self.error(
                f"the {name!r} of volume {op_name!r} cannot be used as a value in a yamlpipe "
                "pipeline",
                "mount the volume with pvolumes={path: vop.volume} instead",
            )
        producer = self.builder.ops.get(op_name)
        if producer is None and not (exit_op and exit_op.name == op_name):
            raise self.error(f"task {op_name!r} is not part of this pipeline")
        if producer is None:
            raise self.error(f"task {op_name!r} is the exit handler; its outputs are not seen")
        own = self.layout.chains.get(id(producer), ())
        common = _common_length(own, self.context.chain)
        source = f"${{{{ tasks{_ref_name(op_name)}.outputs{_ref_name(name)} }}}}"
        exported = own[common:]
        if exported:
            source = self.export(exported, f"{op_name}-{name}", source)
        self.uses.add(exported[0].name if exported else op_name)
        return source

    def export(self, groups: Chain, output: str, source: str) -> str:
        """A value from inside groups, read outside them: each group, innermost first, lists it
        among its outputs; the reader reads the outermost group's."""
        for group in reversed(groups):
            self.group_outputs.setdefault(id(group), {})[output] = source
            source = f"${{{{ tasks{_ref_name(group.name)}.outputs{_ref_name(output)} }}}}"
        return source

    def names_a_loop_item(self, name: str) -> bool:
        return any(
            g.loop.item_name == name for g in _iter_groups(self.builder.root) if g.loop is not None
        )

    def loop_item_expression(self, code: int, key: str | None) -> str:
        loops = self.context.loops
        index = next((i for i, g in enumerate(loops) if g.loop and g.loop.code == code), None)
        if index is None:
            raise self.error(
                "a ParallelFor item is used outside its loop",
                "use the loop item only in tasks created inside the `with dsl.ParallelFor`",
            )
        suffix = _ref_name(key) if key else ""
        if index == len(loops) - 1:
            return f"${{{{ item{suffix} }}}}"
        return f"${{{{ loops{_ref_name(loops[index].name)}.item{suffix} }}}}"

    # ---- component files ------------------------------------------------------------------

    def component_ref(self, ref: ComponentReference) -> str:
        if ref.url:
            return ref.url
        if ref.path is not None:
            relative = Path(os.path.relpath(ref.path.resolve(), self.base_dir)).as_posix()
            if not relative.startswith(".") and not relative.endswith((".yaml", ".yml")):
                relative = f"./{relative}"
            return relative
        return self.generated_file(ref)

    def generated_file(self, ref: ComponentReference) -> str:
        key = id(ref.component)
        if key in self.generated:
            return self.generated[key]
        slug = k8s_name(ref.name) or "component"
        path, index = f"{self.components_dir}/{slug}.yaml", 2
        while self.files.get(path, ref.text) != ref.text:
            path, index = f"{self.components_dir}/{slug}-{index}.yaml", index + 1
        self.files[path] = ref.text
        self.generated[key] = path
        return path

    def error(self, message: str, hint: str | None = None) -> YamlpipeError:
        loc = getattr(self.where, "loc", None) or Location("<pipeline>")
        return YamlpipeError(loc, message, hint)


def _subgraph_limit(group: Group) -> int | None:
    """KFP's SubGraph(parallelism=N): N of its tasks at once (a loop's is written with it)."""
    return group.parallelism if group.loop is None else None


def _cache(op: BaseOp) -> Any:
    staleness = op.execution_options.caching_strategy.max_cache_staleness
    if op.enable_caching is False or staleness == "P0D":
        return False
    return {"max_staleness": staleness} if staleness else None


def _holds_expression(value: Any) -> bool:
    if isinstance(value, str):
        return "${{" in value
    if isinstance(value, dict):
        return any(_holds_expression(v) for v in value.values())
    if isinstance(value, list):
        return any(_holds_expression(v) for v in value)
    return False


def _holds_param(value: Any) -> bool:
    if isinstance(value, PipelineParam):
        return True
    if isinstance(value, str):
        return MARKER.search(value) is not None
    if isinstance(value, dict):
        return any(_holds_param(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_holds_param(v) for v in value)
    return False


_BODIES: dict[type, Callable[[_Emitter, BaseOp], tuple[str, Any]]] = {
    ContainerOp: _Emitter.container_body,
    ResourceOp: _Emitter.resource_body,
    VolumeSnapshotOp: _Emitter.snapshot_body,
}
