"""Schema-valid data -> spec dataclasses, with a location on everything a later check may blame."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from yamlpipe.errors import Location, YamlpipeError
from yamlpipe.load.yamltext import Document, Path
from yamlpipe.spec import expr
from yamlpipe.spec.model import (
    Argument,
    ArgValue,
    Backoff,
    Cache,
    CommandArg,
    Component,
    ComponentRef,
    Concat,
    ContainerSpec,
    EnvVar,
    ForEach,
    GraphInputArg,
    GraphSpec,
    GraphTask,
    IfPlaceholder,
    InlineContainer,
    InputPath,
    InputSpec,
    InputValue,
    IsPresent,
    Literal,
    Metadata,
    Named,
    OutputPath,
    OutputSpec,
    Pipeline,
    Predicate,
    Resources,
    ResourceSpec,
    Retry,
    SecretRef,
    SnapshotSpec,
    Task,
    TaskOutputArg,
    TaskSettings,
    Toleration,
    V2Placeholder,
    Volume,
    VolumeMount,
    WorkflowSettings,
)
from yamlpipe.spec.types import describe_type, literal_problem

_DURATION = re.compile(r"^(\d+)\s*(s|m|h|d)?$")
_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, None: 1}
SIMPLE_PLACEHOLDERS: Mapping[str, Callable[[str, Location], CommandArg]] = {
    "inputValue": InputValue,
    "inputPath": InputPath,
    "outputPath": OutputPath,
    "isPresent": IsPresent,
}
V2_PLACEHOLDERS = (
    "inputUri",
    "outputUri",
    "inputMetadata",
    "outputMetadata",
    "inputOutputPortName",
    "executorInput",
)
TASK_KINDS = ("component", "container", "resource", "snapshot", "tasks")
GROUP_KEYS = ("tasks", "outputs", "when", "for_each", "parallelism", "after")
"""What a group takes: the rest (arguments, settings, ...) belongs on the tasks inside it."""
PREDICATE_OPS = ("==", "!=", "<", "<=", ">", ">=", "and", "or", "not")


def scalar_text(value: Any) -> str:
    """How a scalar appears on a command line or in an env var: JSON spelling for non-strings."""
    return value if isinstance(value, str) else json.dumps(value)


def parse_duration(value: int | str) -> int:
    """'90s', '30m', '2h', '1d' or a whole number of seconds -> seconds."""
    if isinstance(value, int):
        return value
    match = _DURATION.match(value.strip())
    if match is None:
        raise ValueError(f"not a duration: {value!r}")
    return int(match.group(1)) * _DURATION_UNITS[match.group(2)]


class Builder:
    """Builds spec objects from a schema-valid document; collects expression errors."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.problems: list[YamlpipeError] = []

    def loc(self, path: Path, *, key: bool = False) -> Location:
        return self.doc.loc(path, key=key)

    def key_locs(self, path: Path) -> dict[str, Location]:
        """The location of each key of the map at path (none when it is not a map)."""
        try:
            value = self.get(path)
        except (KeyError, IndexError, TypeError):
            return {}
        keys = value if isinstance(value, dict) else {}
        return {k: self.loc((*path, k), key=True) for k in keys}

    def locate_in(self, path: Path) -> expr.Locate:
        """Map a character offset in the string at path to a column, when it is on one line."""
        base = self.loc(path)
        style = self.doc.style(path)
        value = self.get(path)
        if style not in ("", "'", '"') or not isinstance(value, str) or "\n" in value:
            return lambda _offset: base
        shift = 0 if style == "" else 1
        return lambda offset: Location(base.file, base.line, base.column + shift + offset, path)

    def get(self, path: Path) -> Any:
        node: Any = self.doc.data
        for part in path:
            node = node[part]
        return node

    def template(self, path: Path) -> expr.Template:
        value = scalar_text(self.get(path))
        try:
            return expr.parse_template(value, self.locate_in(path))
        except YamlpipeError as problem:
            self.problems.append(problem)
            return expr.Template((value,), self.loc(path))

    def condition(self, path: Path) -> expr.Condition | None:
        try:
            return expr.parse_condition(str(self.get(path)), self.locate_in(path))
        except YamlpipeError as problem:
            self.problems.append(problem)
            return None

    # ---- shared pieces -----------------------------------------------------------------

    def inputs(self, data: list[dict[str, Any]], path: Path) -> tuple[InputSpec, ...]:
        return tuple(
            InputSpec(
                name=str(item["name"]),
                type=item.get("type"),
                description=item.get("description"),
                default=item.get("default"),
                optional=bool(item.get("optional", False)),
                annotations=item.get("annotations") or {},
                loc=self.loc((*path, i, "name")),
            )
            for i, item in enumerate(data or ())
        )

    def outputs(self, data: list[dict[str, Any]], path: Path) -> tuple[OutputSpec, ...]:
        return tuple(
            OutputSpec(
                name=str(item["name"]),
                type=item.get("type"),
                description=item.get("description"),
                annotations=item.get("annotations") or {},
                source=self.template((*path, i, "from")) if "from" in item else None,
                loc=self.loc((*path, i, "name")),
            )
            for i, item in enumerate(data or ())
        )

    def metadata(self, data: dict[str, Any] | None) -> Metadata:
        data = data or {}
        return Metadata(data.get("annotations") or {}, data.get("labels") or {})

    # ---- components --------------------------------------------------------------------

    def component(self, data: dict[str, Any], path: Path = ()) -> Component:
        impl = data["implementation"]
        implementation: ContainerSpec | GraphSpec
        if "container" in impl:
            implementation = self.container_spec(
                impl["container"], (*path, "implementation", "container")
            )
        else:
            implementation = self.graph_spec(impl["graph"], (*path, "implementation", "graph"))
        return Component(
            name=data.get("name"),
            implementation=implementation,
            description=data.get("description"),
            metadata=self.metadata(data.get("metadata")),
            inputs=self.inputs(data.get("inputs") or [], (*path, "inputs")),
            outputs=self.outputs(data.get("outputs") or [], (*path, "outputs")),
            version=data.get("version"),
            loc=self.loc(path),
        )

    def container_spec(self, data: dict[str, Any], path: Path) -> ContainerSpec:
        file_outputs = data.get("fileOutputs") or {}
        return ContainerSpec(
            image=data["image"],
            command=self.command_args(data.get("command"), (*path, "command")),
            args=self.command_args(data.get("args"), (*path, "args")),
            env={k: scalar_text(v) for k, v in (data.get("env") or {}).items()},
            file_outputs=file_outputs,
            file_output_locs={
                k: self.loc((*path, "fileOutputs", k), key=True) for k in file_outputs
            },
            loc=self.loc(path),
            image_loc=self.loc((*path, "image")),
        )

    def command_args(self, items: Any, path: Path) -> tuple[CommandArg, ...]:
        if items is None:
            return ()
        if not isinstance(items, list):
            return (self.command_arg(items, path),)
        return tuple(self.command_arg(item, (*path, i)) for i, item in enumerate(items))

    def command_arg(self, item: Any, path: Path) -> CommandArg:
        if not isinstance(item, dict):
            return scalar_text(item)
        ((kind, value),) = item.items()
        loc = self.loc((*path, kind), key=True)
        if kind in SIMPLE_PLACEHOLDERS:
            return SIMPLE_PLACEHOLDERS[kind](str(value), self.loc((*path, kind)))
        if kind == "concat":
            return Concat(self.command_args(value, (*path, kind)), loc)
        if kind == "if":
            return self.if_placeholder(value, (*path, kind), loc)
        if kind in V2_PLACEHOLDERS:
            return V2Placeholder(kind, value if isinstance(value, str) else None, loc)
        return json.dumps(item)  # not a placeholder: the schema has reported it already

    def if_placeholder(self, data: dict[str, Any], path: Path, loc: Location) -> IfPlaceholder:
        cond = data["cond"]
        condition: Any = cond
        if isinstance(cond, dict):
            condition = self.command_arg(cond, (*path, "cond"))
        otherwise = data.get("else")
        return IfPlaceholder(
            cond=condition,
            then=self.command_args(data["then"], (*path, "then")),
            otherwise=None if otherwise is None else self.command_args(otherwise, (*path, "else")),
            loc=loc,
        )

    def graph_spec(self, data: dict[str, Any], path: Path) -> GraphSpec:
        tasks = {
            name: self.graph_task(name, task, (*path, "tasks", name))
            for name, task in (data.get("tasks") or {}).items()
        }
        return GraphSpec(
            tasks=tasks,
            output_values=self.graph_arguments(
                data.get("outputValues") or {}, (*path, "outputValues")
            ),
            loc=self.loc(path),
        )

    def graph_task(self, task_id: str, data: dict[str, Any], path: Path) -> GraphTask:
        ref = data.get("componentRef") or {}
        ref_path = (*path, "componentRef")
        spec = ref.get("spec")
        options = data.get("executionOptions") or {}
        return GraphTask(
            id=task_id,
            component_ref=ComponentRef(
                name=ref.get("name"),
                digest=ref.get("digest"),
                tag=ref.get("tag"),
                url=ref.get("url"),
                spec=self.component(spec, (*ref_path, "spec")) if spec else None,
                loc=self.loc(ref_path),
            ),
            arguments=self.graph_arguments(data.get("arguments") or {}, (*path, "arguments")),
            is_enabled=self.predicate(data["isEnabled"], (*path, "isEnabled"))
            if "isEnabled" in data
            else None,
            max_retries=(options.get("retryStrategy") or {}).get("maxRetries"),
            max_cache_staleness=(options.get("cachingStrategy") or {}).get("maxCacheStaleness"),
            annotations=data.get("annotations") or {},
            loc=self.loc(path, key=True),
        )

    def graph_arguments(self, data: dict[str, Any], path: Path) -> dict[str, Argument]:
        return {
            name: Argument(
                name,
                self.graph_argument(value, (*path, name)),
                self.loc((*path, name)),
                self.loc((*path, name), key=True),
            )
            for name, value in data.items()
        }

    def graph_argument(self, value: Any, path: Path) -> ArgValue:
        if isinstance(value, dict) and "graphInput" in value:
            ref = value["graphInput"]
            loc = self.loc((*path, "graphInput", "inputName"))
            return GraphInputArg(str(ref.get("inputName")), ref.get("type"), loc)
        if isinstance(value, dict) and "taskOutput" in value:
            ref = value["taskOutput"]
            loc = self.loc((*path, "taskOutput", "taskId"))
            return TaskOutputArg(
                str(ref.get("taskId")), str(ref.get("outputName")), ref.get("type"), loc
            )
        return Literal(value)

    def predicate(self, data: Any, path: Path) -> Predicate:
        loc = self.loc(path)
        if not (isinstance(data, dict) and len(data) == 1 and next(iter(data)) in PREDICATE_OPS):
            return Predicate("value", (self.graph_argument(data, path),), loc)
        ((op, body),) = data.items()
        if op == "not":
            return Predicate(op, (self.predicate(body, (*path, op)),), loc)
        build = self.predicate if op in ("and", "or") else self.graph_argument
        operands = tuple(build(body[k], (*path, op, k)) for k in ("op1", "op2"))
        return Predicate(op, operands, loc)

    # ---- pipelines ---------------------------------------------------------------------

    def pipeline(self, data: dict[str, Any]) -> Pipeline:
        self.problems.extend(self.iter_default_problems(data.get("inputs") or []))
        defaults = data.get("defaults") or {}
        if "${{" in json.dumps(defaults.get("resources") or {}):
            self.problems.append(
                YamlpipeError(
                    self.loc(("defaults", "resources"), key=True),
                    "defaults cannot hold values known only at run time",
                    "set such resources on the tasks that need them",
                )
            )
        return Pipeline(
            name=str(data["name"]),
            tasks={
                name: self.task(name, body, ("tasks", name))
                for name, body in (data.get("tasks") or {}).items()
            },
            description=data.get("description"),
            metadata=self.metadata(data.get("metadata")),
            inputs=self.inputs(data.get("inputs") or [], ("inputs",)),
            outputs=self.outputs(data.get("outputs") or [], ("outputs",)),
            settings=self.workflow_settings(data.get("settings") or {}),
            defaults=self.task_settings(data.get("defaults") or {}),
            volumes={
                name: self.volume(name, body, ("volumes", name))
                for name, body in (data.get("volumes") or {}).items()
            },
            on_exit=self.task("on_exit", data["on_exit"], ("on_exit",))
            if data.get("on_exit")
            else None,
            loc=self.loc(()),
        )

    def span(self, path: Path) -> int:
        """How many characters the scalar at path takes in the file (quotes included)."""
        raw = self.doc.raw(path)
        if raw is not None:
            return len(raw)
        quotes = 2 if self.doc.style(path) in ("'", '"') else 0
        return len(scalar_text(self.get(path))) + quotes

    def iter_default_problems(self, inputs: list[dict[str, Any]]) -> Iterator[YamlpipeError]:
        """A pipeline input's default that does not parse as its type (`default: ten` for an
        Integer) would reach the cluster as written; an argument is checked so, and so is it."""
        for index, item in enumerate(inputs):
            default = item.get("default")
            why = literal_problem(default, item.get("type")) if default is not None else None
            if why is not None:
                shown = default if isinstance(default, str) else json.dumps(default)
                yield YamlpipeError(
                    self.loc(("inputs", index, "default")),
                    f"the default of input {item['name']!r}: {shown!r} {why}",
                    f"input {item['name']!r} has type {describe_type(item.get('type'))}",
                    span=self.span(("inputs", index, "default")),
                )

    def workflow_settings(self, data: dict[str, Any]) -> WorkflowSettings:
        ttl, timeout = data.get("ttl"), data.get("timeout")
        return WorkflowSettings(
            service_account=data.get("service_account"),
            parallelism=data.get("parallelism"),
            ttl_seconds=parse_duration(ttl) if ttl is not None else None,
            timeout_seconds=parse_duration(timeout) if timeout is not None else None,
            image_pull_secrets=tuple(data.get("image_pull_secrets") or ()),
        )

    def task_settings(self, data: dict[str, Any]) -> TaskSettings:
        timeout = data.get("timeout")
        return TaskSettings(
            retry=self.retry(data["retry"]) if "retry" in data else None,
            timeout_seconds=parse_duration(timeout) if timeout is not None else None,
            cache=self.cache(data["cache"]) if "cache" in data else None,
            resources=self.resources(data["resources"]) if "resources" in data else None,
            node_selector={k: scalar_text(v) for k, v in (data.get("node_selector") or {}).items()},
            tolerations=tuple(self.toleration(t) for t in data.get("tolerations") or ()),
            annotations={k: scalar_text(v) for k, v in (data.get("annotations") or {}).items()},
            labels={k: scalar_text(v) for k, v in (data.get("labels") or {}).items()},
            image_pull_policy=data.get("image_pull_policy"),
            affinity=_json_text(data.get("affinity")),
            sidecars=_json_text([_sidecar(s) for s in data["sidecars"]])
            if data.get("sidecars")
            else None,
        )

    def retry(self, data: Any) -> Retry:
        if isinstance(data, int):
            return Retry(limit=data)
        backoff = data.get("backoff")
        return Retry(
            limit=int(data.get("limit", 0)),
            policy=data.get("policy"),
            backoff=Backoff(
                duration=_opt_text(backoff.get("duration")),
                factor=backoff.get("factor"),
                max_duration=_opt_text(backoff.get("max_duration")),
            )
            if backoff
            else None,
        )

    def cache(self, data: Any) -> Cache:
        if isinstance(data, bool):
            return Cache(enabled=data)
        return Cache(enabled=True, max_staleness=data.get("max_staleness"))

    def resources(self, data: dict[str, Any]) -> Resources:
        return Resources(
            cpu=_opt_text(data.get("cpu")),
            memory=_opt_text(data.get("memory")),
            cpu_request=_opt_text(data.get("cpu_request")),
            memory_request=_opt_text(data.get("memory_request")),
            gpu=_opt_text(data.get("gpu")),
            gpu_vendor=data.get("gpu_vendor", "nvidia"),
            limits=tuple(
                sorted((k, scalar_text(v)) for k, v in (data.get("limits") or {}).items())
            ),
            requests=tuple(
                sorted((k, scalar_text(v)) for k, v in (data.get("requests") or {}).items())
            ),
        )

    def toleration(self, data: dict[str, Any]) -> Toleration:
        return Toleration(
            key=data.get("key"),
            operator=data.get("operator"),
            value=_opt_text(data.get("value")),
            effect=data.get("effect"),
            toleration_seconds=data.get("toleration_seconds"),
        )

    def volume(self, name: str, data: dict[str, Any], path: Path) -> Volume:
        source = data.get("from_snapshot")
        return Volume(
            name=name,
            size=_opt_text(data.get("size")),
            access_modes=tuple(data.get("access_modes") or ("ReadWriteOnce",)),
            storage_class=data.get("storage_class"),
            from_snapshot=Named(source, self.loc((*path, "from_snapshot"))) if source else None,
            resource_name=data.get("resource_name"),
            annotations=data.get("annotations") or {},
            claim=data.get("claim"),
            read_only=bool(data.get("read_only", False)),
            loc=self.loc(path, key=True),
            source=_json_text(pod_volume_source(data)),
            size_template=self.template((*path, "size"))
            if "${{" in str(data.get("size", ""))
            else None,
        )

    def task(self, name: str, data: dict[str, Any], path: Path) -> Task:
        if "tasks" in data:
            return self.group(name, data, path)
        kind = next(k for k in TASK_KINDS if k in data)
        for_each = data.get("for_each")
        return Task(
            name=name,
            kind=kind,  # type: ignore[arg-type]
            component=data.get("component"),
            container=self.inline_container(data["container"], (*path, "container"))
            if kind == "container"
            else None,
            resource=self.resource(data["resource"], (*path, "resource"))
            if kind == "resource"
            else None,
            snapshot=self.snapshot(data["snapshot"], (*path, "snapshot"))
            if kind == "snapshot"
            else None,
            arguments=tuple(
                self.argument(arg, (*path, "arguments", arg)) for arg in data.get("arguments") or {}
            ),
            after=self.names(data.get("after"), (*path, "after")),
            when=self.condition((*path, "when")) if "when" in data else None,
            for_each=self.for_each(for_each, (*path, "for_each")) if for_each is not None else None,
            parallelism=data.get("parallelism"),
            volumes=tuple(
                self.mount(mount, value, (*path, "volumes", mount))
                for mount, value in (data.get("volumes") or {}).items()
            ),
            env=self.task_env(data, path),
            settings=self.task_settings(data),
            display_name=data.get("display_name"),
            loc=self.loc(path, key=True),
            component_loc=self.loc((*path, kind)),
            resource_templates=tuple(self.resource_templates(data, path)),
        )

    def group(self, name: str, data: dict[str, Any], path: Path) -> Task:
        """A task with `tasks:`: a sub-pipeline run under its own when / for_each / after."""
        for key in data:
            if key not in GROUP_KEYS:
                self.problems.append(
                    YamlpipeError(
                        self.loc((*path, key), key=True),
                        f"group {name!r} cannot take {key!r}",
                        "a group takes " + ", ".join(GROUP_KEYS) + f"; put {key!r} on the "
                        "tasks inside it",
                        span=len(key),
                    )
                )
        for_each = data.get("for_each")
        return Task(
            name=name,
            kind="group",
            after=self.names(data.get("after"), (*path, "after")),
            when=self.condition((*path, "when")) if "when" in data else None,
            for_each=self.for_each(for_each, (*path, "for_each")) if for_each is not None else None,
            parallelism=data.get("parallelism"),
            loc=self.loc(path, key=True),
            component_loc=self.loc((*path, "tasks"), key=True),
            tasks={
                inner: self.task(inner, body, (*path, "tasks", inner))
                for inner, body in data["tasks"].items()
            },
            outputs=self.outputs(data.get("outputs") or [], (*path, "outputs")),
        )

    def resource_templates(self, data: dict[str, Any], path: Path) -> Any:
        """Resource values holding expressions (compiled as KFP does, into podSpecPatch)."""
        resources = data.get("resources") or {}
        for key, value in resources.items():
            if key in ("limits", "requests"):
                for name, item in (value or {}).items():
                    if "${{" in str(item):
                        yield self.template((*path, "resources", key, name))
            elif "${{" in str(value):
                yield self.template((*path, "resources", key))

    def argument(self, name: str, path: Path) -> Argument:
        value = self.get(path)
        built: ArgValue
        if isinstance(value, str):
            built = self.template(path)
        elif isinstance(value, dict) and ("graphInput" in value or "taskOutput" in value):
            built = self.graph_argument(value, path)
        else:
            built = Literal(value)
        return Argument(name, built, self.loc(path), self.loc(path, key=True))

    def names(self, value: Any, path: Path) -> tuple[Named, ...]:
        if value is None:
            return ()
        if isinstance(value, str):
            return (Named(value, self.loc(path)),)
        return tuple(Named(str(v), self.loc((*path, i))) for i, v in enumerate(value))

    def for_each(self, value: Any, path: Path) -> ForEach:
        if isinstance(value, str):
            return ForEach(source=self.template(path), loc=self.loc(path))
        return ForEach(items=tuple(value), loc=self.loc(path))

    def mount(self, mount_path: str, value: Any, path: Path) -> VolumeMount:
        if isinstance(value, str):
            return VolumeMount(mount_path, value, loc=self.loc(path))
        return VolumeMount(
            mount_path,
            str(value["volume"]),
            sub_path=value.get("sub_path"),
            read_only=bool(value.get("read_only", False)),
            loc=self.loc((*path, "volume")),
        )

    def env_var(self, name: str, value: Any, path: Path) -> EnvVar:
        if isinstance(value, dict):
            return EnvVar(name, SecretRef(value["secret"], value["key"]), self.loc(path))
        return EnvVar(name, self.template(path), self.loc(path))

    def task_env(self, data: dict[str, Any], path: Path) -> tuple[EnvVar, ...]:
        """The task's env, and the secrets of an inline container's env (a secret is never
        part of the container's text: it compiles to a secretKeyRef)."""
        env = [
            self.env_var(var, value, (*path, "env", var))
            for var, value in (data.get("env") or {}).items()
        ]
        container = data.get("container")
        inline_env = container.get("env") if isinstance(container, dict) else None
        for var, value in (inline_env or {}).items():
            if isinstance(value, dict):
                env.append(self.env_var(var, value, (*path, "container", "env", var)))
        return tuple(env)

    def inline_container(self, data: dict[str, Any], path: Path) -> InlineContainer:
        return InlineContainer(
            image=data["image"],
            command=tuple(
                self.template((*path, "command", i)) for i in range(len(data.get("command") or ()))
            ),
            args=tuple(
                self.template((*path, "args", i)) for i in range(len(data.get("args") or ()))
            ),
            env={
                k: self.template((*path, "env", k))
                for k, v in (data.get("env") or {}).items()
                if not isinstance(v, dict)
            },
            outputs=data.get("outputs") or {},
            loc=self.loc(path),
            output_locs=self.key_locs((*path, "outputs")),
        )

    def resource(self, data: dict[str, Any], path: Path) -> ResourceSpec:
        return ResourceSpec(
            action=data.get("action", "create"),
            manifest=data["manifest"],
            success_condition=data.get("success_condition"),
            failure_condition=data.get("failure_condition"),
            merge_strategy=data.get("merge_strategy"),
            set_owner_reference=bool(data.get("set_owner_reference", False)),
            outputs=data.get("outputs") or {},
            templates=tuple(self.iter_manifest_templates(data["manifest"], (*path, "manifest"))),
            loc=self.loc(path),
            output_locs=self.key_locs((*path, "outputs")),
        )

    def iter_manifest_templates(self, value: Any, path: Path) -> Any:
        """Every string in a manifest that holds an expression, parsed."""
        if isinstance(value, str):
            if "${{" in value:
                yield self.template(path)
        elif isinstance(value, dict):
            for key, item in value.items():
                yield from self.iter_manifest_templates(item, (*path, key))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                yield from self.iter_manifest_templates(item, (*path, i))

    def snapshot(self, data: dict[str, Any], path: Path) -> SnapshotSpec:
        return SnapshotSpec(
            volume=data["volume"],
            resource_name=data.get("resource_name"),
            snapshot_class=data.get("snapshot_class"),
            annotations=data.get("annotations") or {},
            loc=self.loc((*path, "volume")),
        )


def _json_text(value: Any) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True)


def _sidecar(data: dict[str, Any]) -> dict[str, Any]:
    """A sidecar as Argo writes it."""
    sidecar: dict[str, Any] = {"name": data["name"], "image": data["image"]}
    for key in ("command", "args"):
        if data.get(key):
            sidecar[key] = [scalar_text(v) for v in data[key]]
    if data.get("env"):
        sidecar["env"] = [{"name": k, "value": scalar_text(v)} for k, v in data["env"].items()]
    if data.get("mirror_volume_mounts"):
        sidecar["mirrorVolumeMounts"] = True
    return sidecar


def pod_volume_source(data: dict[str, Any]) -> dict[str, Any] | None:
    """A pod volume's Kubernetes source: `{secret: x}` -> `{"secret": {"secretName": "x"}}`."""
    files: dict[str, Any] = {}  # a Secret's or ConfigMap's keys as files
    if data.get("items"):
        files["items"] = [{"key": k, "path": v} for k, v in data["items"].items()]
    if data.get("default_mode") is not None:
        files["defaultMode"] = data["default_mode"]
    if "secret" in data:
        return {"secret": {"secretName": data["secret"], **files}}
    if "config_map" in data:
        return {"configMap": {"name": data["config_map"], **files}}
    if "empty_dir" in data:
        empty = data["empty_dir"] or {}
        fields = {"medium": empty.get("medium"), "sizeLimit": _opt_text(empty.get("size_limit"))}
        return {"emptyDir": {k: v for k, v in fields.items() if v is not None}}
    if "host_path" in data:
        return {"hostPath": {"path": data["host_path"]}}
    return None


def _opt_text(value: Any) -> str | None:
    return None if value is None else scalar_text(value)
