"""KFP v1's task classes, recording what a pipeline function asks for: ContainerOp (an inline
container or a component task), ResourceOp, VolumeOp, VolumeSnapshotOp and PipelineVolume.

Each call records data for the emitter; nothing here knows YAML. A KFP method yamlpipe
pipelines cannot express raises a located error instead of being dropped silently.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from yamlpipe.errors import Location, YamlpipeError
from yamlpipe.generate.dsl.context import caller_location, current_builder
from yamlpipe.generate.dsl.k8s import env_entry, plain, toleration_entry
from yamlpipe.generate.dsl.params import PipelineParam
from yamlpipe.spec.naming import k8s_name, python_name

if TYPE_CHECKING:
    from yamlpipe.generate.dsl.context import Group
    from yamlpipe.generate.dsl.factory import ComponentReference

VOLUME_MODE_RWO = ["ReadWriteOnce"]
VOLUME_MODE_RWM = ["ReadWriteMany"]
VOLUME_MODE_ROM = ["ReadOnlyMany"]
RETRY_POLICIES = ("Always", "OnError", "OnFailure", "OnTransientError")
PULL_POLICIES = ("Always", "IfNotPresent", "Never")
_RESOURCE_KEYS = {
    ("limits", "cpu"): "cpu",
    ("limits", "memory"): "memory",
    ("requests", "cpu"): "cpu_request",
    ("requests", "memory"): "memory_request",
    ("limits", "nvidia.com/gpu"): "gpu",
}
"""KFP's add_resource_limit/request names that the pipeline format spells itself."""
_GROUP_API = {"condition": "dsl.Condition", "for_loop": "dsl.ParallelFor"}


class UnsupportedFeature(YamlpipeError, AttributeError):
    """A KFP feature that a yamlpipe pipeline cannot express (also an AttributeError, so
    `hasattr` stays honest)."""


def _unsupported(what: str, hint: str | None = None) -> UnsupportedFeature:
    return UnsupportedFeature(
        caller_location(),
        f"{what} is not supported by yamlpipe pipelines",
        hint or "see docs/python.md for what the DSL can express",
    )


def _constant(value: Any, what: str) -> str:
    """Settings that must be known before the run (resources, volume sizes)."""
    if isinstance(value, PipelineParam):
        raise YamlpipeError(
            caller_location(),
            f"{what} must be a constant in a yamlpipe pipeline, not a run-time value {value}",
            "pass a literal value",
        )
    return str(value)


def _quantity(value: Any) -> Any:
    """A resource quantity: text, or a run-time value (compiled into podSpecPatch, as KFP)."""
    return value if isinstance(value, PipelineParam) else str(value)


@dataclass
class Retry:
    limit: int
    policy: str | None = None
    duration: str | None = None
    factor: float | None = None
    max_duration: str | None = None


@dataclass
class CachingStrategy:
    """KFP's `op.execution_options.caching_strategy.max_cache_staleness = 'P0D'` idiom."""

    max_cache_staleness: str | None = None


@dataclass
class ExecutionOptions:
    caching_strategy: CachingStrategy = field(default_factory=CachingStrategy)


@dataclass
class Mount:
    volume: str
    sub_path: str | None = None
    read_only: bool = False


class BaseOp:
    """What every task has: a unique name, dependencies, the groups it sits in, settings."""

    def __init__(self, name: str, is_exit_handler: bool = False) -> None:
        builder = current_builder()
        self.human_name = name
        self.name = builder.unique_name(name) if builder else (k8s_name(name) or "task")
        self.loc: Location = caller_location()
        self.is_exit_handler = is_exit_handler
        self.display_name: str | None = None
        self.dependent_names: list[str] = []
        self.group: Group | None = builder.current if builder else None
        """The innermost group the task was created in (the pipeline's root outside any)."""
        self.num_retries = 0
        self.retry: Retry | None = None
        self.timeout: int | None = None
        self.enable_caching: bool | None = None
        self.execution_options = ExecutionOptions()
        self.node_selector: dict[str, str] = {}
        self.tolerations: list[dict[str, Any]] = []
        self.pod_annotations: dict[str, str] = {}
        self.pod_labels: dict[str, str] = {}
        self.affinity: dict[str, Any] | None = None
        self.outputs: dict[str, PipelineParam] = {}
        self.output: PipelineParam | None = None
        if builder is not None:
            builder.ops[self.name] = self
            builder.current.children.append(self)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        raise _unsupported(f"{type(self).__name__}.{name}")

    def _set_outputs(self, names: list[str]) -> None:
        self.outputs = {n: PipelineParam(n, op_name=self.name) for n in names}
        for n in names:
            self.outputs.setdefault(python_name(n), self.outputs[n])
        self.output = self.outputs[names[0]] if len(names) == 1 else None

    def after(self, *ops: Any) -> BaseOp:
        """Run after the given tasks (KFP's `.after()`)."""
        for op in ops:
            name = getattr(op, "name", None)
            if not isinstance(op, BaseOp) and not (isinstance(name, str) and hasattr(op, "after")):
                raise YamlpipeError(caller_location(), f"after() takes tasks, not {op!r}")
            if name not in self.dependent_names:
                self.dependent_names.append(str(name))
        return self

    def set_retry(
        self,
        num_retries: int,
        policy: str | None = None,
        backoff_duration: str | None = None,
        backoff_factor: float | None = None,
        backoff_max_duration: str | None = None,
    ) -> BaseOp:
        """Retry a failed task up to num_retries times, with an optional policy and backoff."""
        if policy is not None and policy not in RETRY_POLICIES:
            raise YamlpipeError(
                caller_location(),
                f"retry policy {policy!r} is not one of {', '.join(RETRY_POLICIES)}",
            )
        self.num_retries = int(num_retries)
        self.retry = Retry(
            int(num_retries), policy, backoff_duration, backoff_factor, backoff_max_duration
        )
        return self

    def set_timeout(self, seconds: int) -> BaseOp:
        self.timeout = int(seconds)
        return self

    def add_node_selector_constraint(self, label_name: Any, value: Any) -> BaseOp:
        self.node_selector[_constant(label_name, "a node selector")] = _constant(
            value, "a node selector"
        )
        return self

    def add_toleration(self, tolerations: Any) -> BaseOp:
        self.tolerations.append(toleration_entry(tolerations, caller_location()))
        return self

    def add_affinity(self, affinity: Any) -> BaseOp:
        """A V1Affinity (or its map) for the pod."""
        data = plain(affinity)
        if not isinstance(data, dict) or _holds_run_time(data):
            raise YamlpipeError(
                caller_location(), f"add_affinity() takes a V1Affinity, not {affinity!r}"
            )
        self.affinity = data
        return self

    def add_pod_annotation(self, name: str, value: str) -> BaseOp:
        self.pod_annotations[name] = _constant(value, "a pod annotation")
        return self

    def add_pod_label(self, name: str, value: str) -> BaseOp:
        self.pod_labels[name] = _constant(value, "a pod label")
        return self

    def set_display_name(self, name: str) -> BaseOp:
        self.display_name = name
        return self

    def set_caching_options(self, enable_caching: bool) -> BaseOp:
        self.enable_caching = bool(enable_caching)
        return self

    def apply(self, mod_func: Callable[[Any], Any]) -> Any:
        """Call `mod_func(self)` (KFP's hook for reusable modifiers)."""
        return mod_func(self) or self

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"


class ContainerOp(BaseOp):
    """A task running a container: inline (image, command, arguments, file_outputs) or a
    component (made by a task factory)."""

    def __init__(
        self,
        name: str,
        image: str | None = None,
        command: Any = None,
        arguments: Any = None,
        init_containers: Any = None,
        sidecars: Any = None,
        container_kwargs: Mapping[str, Any] | None = None,
        artifact_argument_paths: Any = None,
        file_outputs: Mapping[str, str] | None = None,
        output_artifact_paths: Any = None,
        is_exit_handler: bool = False,
        pvolumes: Mapping[str, Any] | None = None,
    ) -> None:
        for value, what in (
            (init_containers, "init_containers"),
            (artifact_argument_paths, "artifact_argument_paths"),
            (output_artifact_paths, "output_artifact_paths"),
        ):
            if value:
                raise _unsupported(f"ContainerOp({what}=...)")
        super().__init__(name, is_exit_handler)
        self.image = image
        self.command = _as_list(command)
        self.arguments = _as_list(arguments)
        self.file_outputs = dict(file_outputs or {})
        self.component: ComponentReference | None = None
        self.component_arguments: dict[str, Any] = {}
        self.resources: dict[str, Any] = {}
        self.env: dict[str, Any] = {}
        self.mounts: dict[str, Mount] = {}
        self.pvolumes: dict[str, PipelineVolume] = {}
        self.pvolume: PipelineVolume | None = None
        self.image_pull_policy: str | None = None
        self.sidecars: list[dict[str, Any]] = [sidecar_fields(s) for s in sidecars or ()]
        self._take_container_kwargs(container_kwargs or {})
        self._set_outputs(list(self.file_outputs))
        self.add_pvolumes(dict(pvolumes or {}))

    def _take_container_kwargs(self, kwargs: Mapping[str, Any]) -> None:
        for key, value in kwargs.items():
            if key == "image_pull_policy":
                self.set_image_pull_policy(value)
                continue
            if key != "env":
                raise _unsupported(f"ContainerOp(container_kwargs={{{key!r}: ...}})")
            for entry in value or []:
                self.add_env_variable(entry)

    @property
    def container(self) -> ContainerOp:
        """KFP's `op.container`: the same setters are available on the task itself."""
        return self

    def set_cpu_limit(self, cpu: Any) -> ContainerOp:
        self.resources["cpu"] = _quantity(cpu)
        return self

    def set_memory_limit(self, memory: Any) -> ContainerOp:
        self.resources["memory"] = _quantity(memory)
        return self

    def set_cpu_request(self, cpu: Any) -> ContainerOp:
        self.resources["cpu_request"] = _quantity(cpu)
        return self

    def set_memory_request(self, memory: Any) -> ContainerOp:
        self.resources["memory_request"] = _quantity(memory)
        return self

    def set_gpu_limit(self, gpu: Any, vendor: str = "nvidia") -> ContainerOp:
        """Ask for GPUs: `nvidia.com/gpu` (default) or `amd.com/gpu`."""
        if vendor not in ("nvidia", "amd"):
            raise YamlpipeError(caller_location(), f"GPU vendor {vendor!r} is not nvidia or amd")
        count = _quantity(gpu)
        self.resources["gpu"] = int(count) if isinstance(count, str) and count.isdigit() else count
        if vendor != "nvidia":
            self.resources["gpu_vendor"] = vendor
        return self

    def add_env_variable(self, env_variable: Any) -> ContainerOp:
        """A V1EnvVar (or a {name, value} map); values from a secret key stay secret."""
        name, value = env_entry(env_variable, caller_location())
        self.env[name] = value
        return self

    def set_env_variable(self, name: str, value: Any) -> ContainerOp:
        self.env[name] = value
        return self

    def add_pvolumes(self, pvolumes: Mapping[str, Any] | None = None) -> ContainerOp:
        """Mount volumes: {mount path: PipelineVolume}; a volume handed over from another
        task (`op.pvolume`) makes this task run after that one."""
        for path, volume in (pvolumes or {}).items():
            pvolume = as_pipeline_volume(volume)
            self.mounts[path] = Mount(pvolume.volume_key, read_only=pvolume.read_only)
            for dep in pvolume.dependent_names:
                if dep not in self.dependent_names and dep != self.name:
                    self.dependent_names.append(dep)
            self.pvolumes[path] = pvolume.after(self)
        self.pvolume = next(iter(self.pvolumes.values())) if len(self.pvolumes) == 1 else None
        return self

    def add_volume_mount(self, volume_mount: Any) -> ContainerOp:
        """A V1VolumeMount of a volume added with add_volume()."""
        entry = plain(volume_mount)
        key = self._raw_volumes().get(str(entry.get("name")))
        if key is None:
            raise _unsupported("a volume mount of a volume not added with add_volume()")
        self.mounts[str(entry["mountPath"])] = Mount(
            key, entry.get("subPath"), bool(entry.get("readOnly", False))
        )
        return self

    def add_volume(self, volume: Any) -> ContainerOp:
        """A V1Volume: an existing PersistentVolumeClaim, a Secret, a ConfigMap, an emptyDir
        or a host path (mounted with add_volume_mount)."""
        entry = plain(volume)
        name = str(entry.get("name") or "volume")
        claim = (entry.get("persistentVolumeClaim") or {}).get("claimName")
        if claim:
            key = PipelineVolume(pvc=claim).volume_key
        else:
            key = register_pod_volume(name, pod_volume_fields(entry))
        self._raw_volumes()[name] = key
        return self

    def set_image_pull_policy(self, image_pull_policy: str) -> ContainerOp:
        """`Always`, `IfNotPresent` or `Never` (KFP's container.set_image_pull_policy)."""
        if image_pull_policy not in PULL_POLICIES:
            raise YamlpipeError(
                caller_location(),
                f"image pull policy {image_pull_policy!r} is not one of {', '.join(PULL_POLICIES)}",
            )
        self.image_pull_policy = image_pull_policy
        return self

    def add_sidecar(self, sidecar: Any) -> ContainerOp:
        """A container running beside the task's (dsl.Sidecar or a plain map)."""
        self.sidecars.append(sidecar_fields(sidecar))
        return self

    def add_resource_limit(self, resource_name: str, value: Any) -> ContainerOp:
        return self._resource("limits", resource_name, value)

    def add_resource_request(self, resource_name: str, value: Any) -> ContainerOp:
        return self._resource("requests", resource_name, value)

    def set_ephemeral_storage_limit(self, size: Any) -> ContainerOp:
        return self._resource("limits", "ephemeral-storage", size)

    def set_ephemeral_storage_request(self, size: Any) -> ContainerOp:
        return self._resource("requests", "ephemeral-storage", size)

    def get_resource_limit(self, resource_name: str) -> Any:
        return self._resource_value("limits", resource_name)

    def get_resource_request(self, resource_name: str) -> Any:
        return self._resource_value("requests", resource_name)

    def _resource(self, kind: str, name: str, value: Any) -> ContainerOp:
        key = _RESOURCE_KEYS.get((kind, name))
        if key is not None:
            self.resources[key] = _quantity(value)
        else:
            self.resources.setdefault(kind, {})[name] = _quantity(value)
        return self

    def _resource_value(self, kind: str, name: str) -> Any:
        key = _RESOURCE_KEYS.get((kind, name))
        if key is not None:
            return self.resources.get(key)
        return self.resources.get(kind, {}).get(name)

    def _raw_volumes(self) -> dict[str, str]:
        if "_raw" not in self.__dict__:
            self.__dict__["_raw"] = {}
        raw: dict[str, str] = self.__dict__["_raw"]
        return raw


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


class ResourceOp(BaseOp):
    """A Kubernetes resource action (create, apply, patch, delete, ...)."""

    def __init__(
        self,
        k8s_resource: Any = None,
        action: str = "create",
        merge_strategy: str | None = None,
        success_condition: str | None = None,
        failure_condition: str | None = None,
        set_owner_reference: bool | None = None,
        attribute_outputs: Mapping[str, str] | None = None,
        flags: Any = None,
        name: str = "resource",
        **kwargs: Any,
    ) -> None:
        if flags:
            raise _unsupported("ResourceOp(flags=...)")
        super().__init__(name, bool(kwargs.pop("is_exit_handler", False)))
        self.k8s_resource = plain(k8s_resource)
        self.action = action
        self.merge_strategy = merge_strategy
        self.success_condition = success_condition
        self.failure_condition = failure_condition
        self.set_owner_reference = set_owner_reference
        self.attribute_outputs = dict(attribute_outputs or {})
        self._set_outputs(["manifest", "name", *self._extra_outputs()])
        self.resource = self

    def _extra_outputs(self) -> list[str]:
        return [k for k in self.attribute_outputs if k not in ("manifest", "name")]


def _holds_run_time(value: Any) -> bool:
    if isinstance(value, PipelineParam):
        return True
    if isinstance(value, dict):
        return any(_holds_run_time(v) for v in value.values())
    if isinstance(value, list):
        return any(_holds_run_time(v) for v in value)
    return isinstance(value, str) and "{{pipelineparam:" in value


class Sidecar:
    """KFP's dsl.Sidecar: a container running beside the task's."""

    def __init__(
        self,
        name: str,
        image: str,
        command: Any = None,
        args: Any = None,
        mirror_volume_mounts: bool | None = None,
        **kwargs: Any,
    ) -> None:
        unknown = sorted(k for k, v in kwargs.items() if v is not None)
        if unknown:
            raise _unsupported(f"Sidecar({unknown[0]}=...)")
        self.name = name
        self.image = image
        self.command = _as_list(command)
        self.args = _as_list(args)
        self.mirror_volume_mounts = mirror_volume_mounts


def sidecar_fields(sidecar: Any) -> dict[str, Any]:
    """A sidecar as the pipeline file writes it; run-time values are refused."""
    if isinstance(sidecar, Sidecar):
        data: dict[str, Any] = {"name": sidecar.name, "image": sidecar.image}
        data.update({k: v for k, v in (("command", sidecar.command), ("args", sidecar.args)) if v})
        if sidecar.mirror_volume_mounts:
            data["mirror_volume_mounts"] = True
    else:
        data = dict(plain(sidecar) or {})
    if _holds_run_time(data) or not data.get("name") or not data.get("image"):
        raise YamlpipeError(
            caller_location(),
            "a sidecar needs a name and an image, with constant values only",
            "values known only at run time cannot reach a sidecar in a yamlpipe pipeline",
        )
    for key in ("command", "args"):
        if key in data:
            data[key] = [str(v) for v in data[key]]
    return data


_POD_VOLUME_KEYS = {
    "secret": ("secretName", "secret"),
    "configMap": ("name", "config_map"),
}


def pod_volume_fields(entry: dict[str, Any]) -> dict[str, Any]:
    """A V1Volume (as its map) as a pipeline volume: `{secret: NAME}` and the like."""
    for kind, (name_key, field_name) in _POD_VOLUME_KEYS.items():
        source = entry.get(kind)
        if source is not None:
            fields: dict[str, Any] = {field_name: source.get(name_key)}
            if source.get("items"):
                fields["items"] = {i["key"]: i["path"] for i in source["items"]}
            if source.get("defaultMode") is not None:
                fields["default_mode"] = int(source["defaultMode"])
            return fields
    if "emptyDir" in entry:
        empty = entry["emptyDir"] or {}
        given = (("medium", empty.get("medium")), ("size_limit", empty.get("sizeLimit")))
        return {"empty_dir": {k: v for k, v in given if v}}
    if "hostPath" in entry and set(entry["hostPath"]) == {"path"}:
        return {"host_path": entry["hostPath"]["path"]}
    kinds = sorted(set(entry) - {"name"})
    raise _unsupported(
        f"a {', '.join(kinds) or 'bare'} volume",
        "use a PersistentVolumeClaim, a Secret, a ConfigMap, an emptyDir or a host path",
    )


def register_pod_volume(name: str, fields: dict[str, Any]) -> str:
    """The pipeline volume of a pod volume, registered with the current pipeline."""
    base = k8s_name(name) or "volume"
    builder = current_builder()
    if builder is None:
        return base
    key, index = base, 2
    while key in builder.volumes and builder.volumes[key].pod != fields:
        key, index = f"{base}-{index}", index + 1
    builder.volumes.setdefault(key, VolumeDefinition(key, pod=fields))
    return key


@dataclass
class VolumeDefinition:
    """A pipeline volume: created per run, an existing claim, or a pod volume."""

    key: str
    size: Any = None
    """Text, or a pipeline input (PipelineParam)."""
    modes: list[str] = field(default_factory=list)
    storage_class: str | None = None
    resource_name: str | None = None
    annotations: dict[str, str] = field(default_factory=dict)
    from_snapshot: str | None = None
    claim: str | None = None
    pod: dict[str, Any] | None = None
    """A Secret, ConfigMap, emptyDir or host path, as the pipeline file writes it."""


class PipelineVolume:
    """A volume as tasks mount it; `after` records the tasks that must have used it first."""

    def __init__(
        self,
        pvc: Any = None,
        volume: Any = None,
        name: str | None = None,
        *,
        volume_key: str | None = None,
        dependent_names: tuple[str, ...] = (),
        read_only: bool = False,
    ) -> None:
        self.dependent_names = list(dependent_names)
        self.read_only = read_only
        self.volume_key = volume_key or _volume_key_for(pvc, volume, name)
        self.name = self.volume_key

    def after(self, *ops: Any) -> PipelineVolume:
        names = [
            *self.dependent_names,
            *(op.name for op in ops if op.name not in self.dependent_names),
        ]
        return PipelineVolume(
            volume_key=self.volume_key, dependent_names=tuple(names), read_only=self.read_only
        )


def _volume_key_for(pvc: Any, volume: Any, name: str | None) -> str:
    """The pipeline volume a PipelineVolume(pvc=...) means: a VolumeOp's, or a claim's."""
    if isinstance(pvc, PipelineParam):
        return volume_of_param(pvc)
    if volume is not None:
        claim = (plain(volume).get("persistentVolumeClaim") or {}).get("claimName")
        pvc = claim or pvc
    if not pvc:
        raise _unsupported("a PipelineVolume without a pvc", "give it pvc='claim-name'")
    return register_claim(str(pvc), name)


def register_claim(claim: str, name: str | None = None) -> str:
    """The volume key of an existing claim, registering it with the current pipeline."""
    key = k8s_name(name or claim) or "volume"
    builder = current_builder()
    if builder is not None:
        existing = builder.volumes.get(key)
        if existing is None:
            builder.volumes[key] = VolumeDefinition(key, claim=claim)
        elif existing.claim != claim:
            raise YamlpipeError(caller_location(), f"two different volumes are both named {key!r}")
    return key


def volume_of_param(param: PipelineParam) -> str:
    """`vop.outputs['name']` stands for the VolumeOp's volume."""
    builder = current_builder()
    if builder is not None and param.op_name in builder.volumes and param.name == "name":
        return param.op_name
    raise YamlpipeError(
        caller_location(),
        f"{param} does not name a volume of this pipeline",
        "pass a VolumeOp's .volume, a task's .pvolume, or a claim name",
    )


def as_pipeline_volume(value: Any) -> PipelineVolume:
    if isinstance(value, PipelineVolume):
        return value
    return PipelineVolume(volume=value)


class VolumeOp:
    """A volume created for each run (a PersistentVolumeClaim); `.volume` mounts it."""

    def __init__(
        self,
        resource_name: str | None = None,
        size: Any = None,
        storage_class: str | None = None,
        modes: list[str] | None = None,
        annotations: Mapping[str, str] | None = None,
        data_source: Any = None,
        volume_name: str | None = None,
        generate_unique_name: bool = True,
        name: str = "volume",
        **kwargs: Any,
    ) -> None:
        if size is None:
            raise YamlpipeError(caller_location(), "VolumeOp needs a size", "e.g. size='10Gi'")
        builder = current_builder()
        guarded = (
            [g for g in builder.open_groups if g.kind in ("condition", "for_loop")]
            if builder
            else []
        )
        if guarded:
            raise YamlpipeError(
                caller_location(),
                f"a VolumeOp inside {_GROUP_API[guarded[-1].kind]}: yamlpipe volumes are created "
                "once per run, before any task, so this one would not depend on the group",
                "create the VolumeOp outside the group (tasks inside can still mount it)",
            )
        self.human_name = name
        self.name = builder.unique_name(name, "volume") if builder else k8s_name(name)
        self.definition = VolumeDefinition(
            key=self.name,
            size=_volume_size(size),
            modes=list(modes or VOLUME_MODE_RWM),
            storage_class=storage_class,
            resource_name=resource_name,
            annotations=dict(annotations or {}),
            from_snapshot=_snapshot_task(data_source),
        )
        if builder is not None:
            builder.volumes[self.name] = self.definition
        self.outputs = {
            n: PipelineParam(n, op_name=self.name) for n in ("manifest", "name", "size")
        }
        self.output = None
        self.volume = PipelineVolume(volume_key=self.name)

    def after(self, *ops: Any) -> VolumeOp:
        """Accepted for compatibility: a volume is created before the first task using it."""
        return self

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        raise _unsupported(f"VolumeOp.{name}", "a yamlpipe volume is not a task")


def _volume_size(size: Any) -> Any:
    """A constant, or a pipeline input (the claim is created before any task runs)."""
    if isinstance(size, PipelineParam) and size.op_name:
        raise YamlpipeError(
            caller_location(),
            f"a VolumeOp size from task {size.op_name!r}: yamlpipe volumes are created before "
            "any task runs, so a size may come from pipeline inputs only",
            "pass the size as a pipeline input",
        )
    return size if isinstance(size, PipelineParam) else str(size)


def _snapshot_task(data_source: Any) -> str | None:
    """The snapshot task a volume is restored from."""
    if data_source is None:
        return None
    if isinstance(data_source, VolumeSnapshotOp):
        return data_source.name
    name = data_source.name if isinstance(data_source, SnapshotReference) else data_source
    if isinstance(name, PipelineParam) and name.op_name:
        return name.op_name
    raise _unsupported(
        f"VolumeOp(data_source={data_source!r})", "pass a VolumeSnapshotOp's .snapshot"
    )


@dataclass(frozen=True)
class SnapshotReference:
    """KFP's `snapshot_op.snapshot` (a V1TypedLocalObjectReference to the VolumeSnapshot)."""

    name: PipelineParam
    kind: str = "VolumeSnapshot"
    api_group: str = "snapshot.storage.k8s.io"


class VolumeSnapshotOp(BaseOp):
    """A VolumeSnapshot of a pipeline volume: `volume=op.pvolume` or `pvc=vop.outputs['name']`."""

    def __init__(
        self,
        resource_name: str | None = None,
        pvc: Any = None,
        snapshot_class: str | None = None,
        annotations: Mapping[str, str] | None = None,
        volume: Any = None,
        api_version: str | None = None,
        name: str = "snapshot",
        **kwargs: Any,
    ) -> None:
        if (pvc is None) == (volume is None):
            raise YamlpipeError(
                caller_location(), "VolumeSnapshotOp takes exactly one of pvc= and volume="
            )
        super().__init__(name)
        source = as_pipeline_volume(volume) if volume is not None else None
        if source is not None:
            self.volume_key = source.volume_key
            self.dependent_names.extend(d for d in source.dependent_names if d != self.name)
        elif isinstance(pvc, PipelineParam):
            self.volume_key = volume_of_param(pvc)
        else:
            self.volume_key = register_claim(str(pvc))
        self.resource_name = resource_name
        self.snapshot_class = snapshot_class
        self.annotations = dict(annotations or {})
        self._set_outputs(["name", "size"])
        self.snapshot = SnapshotReference(self.outputs["name"])
