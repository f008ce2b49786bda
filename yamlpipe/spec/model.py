"""Frozen dataclasses for components and pipelines: the shape every later pass consumes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from typing import Literal as TypingLiteral

from yamlpipe.errors import NOWHERE, Location
from yamlpipe.spec.expr import Condition, Template

JsonValue = Any


def _empty() -> Mapping[str, Any]:
    return {}


# ---- interface -------------------------------------------------------------------------


@dataclass(frozen=True)
class InputSpec:
    """A declared input of a component or pipeline."""

    name: str
    type: JsonValue = None
    description: str | None = None
    default: str | int | float | bool | None = None
    optional: bool = False
    annotations: Mapping[str, Any] = field(default_factory=_empty)
    loc: Location = NOWHERE

    @property
    def has_default(self) -> bool:
        return self.default is not None

    @property
    def is_required(self) -> bool:
        return not self.optional and self.default is None


@dataclass(frozen=True)
class OutputSpec:
    """A declared output of a component; for pipelines `source` says where it comes from."""

    name: str
    type: JsonValue = None
    description: str | None = None
    annotations: Mapping[str, Any] = field(default_factory=_empty)
    source: Template | None = None
    loc: Location = NOWHERE


@dataclass(frozen=True)
class Metadata:
    annotations: Mapping[str, str] = field(default_factory=_empty)
    labels: Mapping[str, str] = field(default_factory=_empty)


# ---- command-line placeholders ---------------------------------------------------------


@dataclass(frozen=True)
class InputValue:
    name: str
    loc: Location = NOWHERE


@dataclass(frozen=True)
class InputPath:
    name: str
    loc: Location = NOWHERE


@dataclass(frozen=True)
class OutputPath:
    name: str
    loc: Location = NOWHERE


@dataclass(frozen=True)
class IsPresent:
    name: str
    loc: Location = NOWHERE


@dataclass(frozen=True)
class V2Placeholder:
    """A KFP v2-only placeholder (inputUri, executorInput, ...): loads, cannot compile for Argo."""

    kind: str
    name: str | None
    loc: Location = NOWHERE


@dataclass(frozen=True)
class Concat:
    items: tuple[CommandArg, ...]
    loc: Location = NOWHERE


@dataclass(frozen=True)
class IfPlaceholder:
    cond: bool | str | IsPresent | InputValue
    then: tuple[CommandArg, ...]
    otherwise: tuple[CommandArg, ...] | None
    loc: Location = NOWHERE


CommandArg = (
    str | InputValue | InputPath | OutputPath | IsPresent | Concat | IfPlaceholder | V2Placeholder
)
NAMED_PLACEHOLDERS = (InputValue, InputPath, OutputPath, IsPresent)


@dataclass(frozen=True)
class ContainerSpec:
    """`implementation.container` of a component."""

    image: str
    command: tuple[CommandArg, ...] = ()
    args: tuple[CommandArg, ...] = ()
    env: Mapping[str, str] = field(default_factory=_empty)
    file_outputs: Mapping[str, str] = field(default_factory=_empty)
    file_output_locs: Mapping[str, Location] = field(default_factory=_empty)
    loc: Location = NOWHERE
    image_loc: Location = NOWHERE


# ---- graph (composite) components -------------------------------------------------------


@dataclass(frozen=True)
class GraphInputArg:
    input_name: str
    type: JsonValue = None
    loc: Location = NOWHERE


@dataclass(frozen=True)
class TaskOutputArg:
    task_id: str
    output_name: str
    type: JsonValue = None
    loc: Location = NOWHERE


@dataclass(frozen=True)
class ComponentRef:
    """KFP's `componentRef`: where a graph task's component comes from."""

    name: str | None = None
    digest: str | None = None
    tag: str | None = None
    url: str | None = None
    spec: Component | None = None
    loc: Location = NOWHERE


@dataclass(frozen=True)
class Predicate:
    """KFP's `isEnabled`: op is '==', '!=', '<', '<=', '>', '>=', 'and', 'or', 'not' or 'value'."""

    op: str
    operands: tuple[Any, ...]
    loc: Location = NOWHERE


@dataclass(frozen=True)
class GraphTask:
    id: str
    component_ref: ComponentRef
    arguments: Mapping[str, Argument] = field(default_factory=_empty)
    is_enabled: Predicate | None = None
    max_retries: int | None = None
    max_cache_staleness: str | None = None
    annotations: Mapping[str, Any] = field(default_factory=_empty)
    loc: Location = NOWHERE


@dataclass(frozen=True)
class GraphSpec:
    tasks: Mapping[str, GraphTask]
    output_values: Mapping[str, Argument] = field(default_factory=_empty)
    loc: Location = NOWHERE


@dataclass(frozen=True)
class Component:
    """A KFP v1 component: interface plus a container or graph implementation."""

    name: str | None
    implementation: ContainerSpec | GraphSpec
    description: str | None = None
    metadata: Metadata = field(default_factory=Metadata)
    inputs: tuple[InputSpec, ...] = ()
    outputs: tuple[OutputSpec, ...] = ()
    version: str | None = None
    loc: Location = NOWHERE

    def input(self, name: str) -> InputSpec | None:
        return next((i for i in self.inputs if i.name == name), None)

    def output(self, name: str) -> OutputSpec | None:
        return next((o for o in self.outputs if o.name == name), None)


# ---- pipelines ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Literal:
    """A constant argument value: a number, boolean, null, list or map."""

    value: JsonValue


ArgValue = Template | Literal | GraphInputArg | TaskOutputArg


@dataclass(frozen=True)
class Argument:
    """A value bound to an input; `loc` is the value, `key_loc` the input name."""

    name: str
    value: ArgValue
    loc: Location = NOWHERE
    key_loc: Location = NOWHERE


@dataclass(frozen=True)
class VolumeMount:
    path: str
    volume: str
    sub_path: str | None = None
    read_only: bool = False
    loc: Location = NOWHERE


@dataclass(frozen=True)
class Resources:
    cpu: str | None = None
    memory: str | None = None
    cpu_request: str | None = None
    memory_request: str | None = None
    gpu: str | None = None
    gpu_vendor: str = "nvidia"
    limits: tuple[tuple[str, str], ...] = ()
    """Other resources' limits (TPUs, ephemeral storage), sorted by name."""
    requests: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Toleration:
    key: str | None = None
    operator: str | None = None
    value: str | None = None
    effect: str | None = None
    toleration_seconds: int | None = None


@dataclass(frozen=True)
class SecretRef:
    secret: str
    key: str


@dataclass(frozen=True)
class EnvVar:
    name: str
    value: Template | SecretRef
    loc: Location = NOWHERE


@dataclass(frozen=True)
class Backoff:
    duration: str | None = None
    factor: float | None = None
    max_duration: str | None = None


@dataclass(frozen=True)
class Retry:
    limit: int
    policy: str | None = None
    backoff: Backoff | None = None


@dataclass(frozen=True)
class Cache:
    enabled: bool = True
    max_staleness: str | None = None


@dataclass(frozen=True)
class InlineContainer:
    image: str
    command: tuple[Template, ...] = ()
    args: tuple[Template, ...] = ()
    env: Mapping[str, Template] = field(default_factory=_empty)
    outputs: Mapping[str, str] = field(default_factory=_empty)
    loc: Location = NOWHERE
    output_locs: Mapping[str, Location] = field(default_factory=_empty)


@dataclass(frozen=True)
class ResourceSpec:
    action: str
    manifest: JsonValue
    success_condition: str | None = None
    failure_condition: str | None = None
    merge_strategy: str | None = None
    set_owner_reference: bool = False
    outputs: Mapping[str, str] = field(default_factory=_empty)
    templates: tuple[Template, ...] = ()
    loc: Location = NOWHERE
    output_locs: Mapping[str, Location] = field(default_factory=_empty)


@dataclass(frozen=True)
class SnapshotSpec:
    volume: str
    resource_name: str | None = None
    snapshot_class: str | None = None
    annotations: Mapping[str, str] = field(default_factory=_empty)
    loc: Location = NOWHERE


@dataclass(frozen=True)
class ForEach:
    """Loop items: a static list, or an expression naming a JSON array."""

    items: tuple[JsonValue, ...] | None = None
    source: Template | None = None
    loc: Location = NOWHERE


@dataclass(frozen=True)
class TaskSettings:
    """Settings a task may take from the pipeline's `defaults`."""

    retry: Retry | None = None
    timeout_seconds: int | None = None
    cache: Cache | None = None
    resources: Resources | None = None
    node_selector: Mapping[str, str] = field(default_factory=_empty)
    tolerations: tuple[Toleration, ...] = ()
    annotations: Mapping[str, str] = field(default_factory=_empty)
    labels: Mapping[str, str] = field(default_factory=_empty)
    image_pull_policy: str | None = None
    affinity: str | None = None
    """A Kubernetes Affinity as JSON text (kept as text so settings stay hashable)."""
    sidecars: str | None = None
    """Argo sidecars as JSON text."""


TaskKind = TypingLiteral["component", "container", "resource", "snapshot", "group"]


@dataclass(frozen=True)
class Named:
    """A name written somewhere in a file (an `after` entry), with its location."""

    name: str
    loc: Location = NOWHERE


@dataclass(frozen=True)
class Task:
    """One step of a pipeline."""

    name: str
    kind: TaskKind
    component: str | None = None
    container: InlineContainer | None = None
    resource: ResourceSpec | None = None
    snapshot: SnapshotSpec | None = None
    arguments: tuple[Argument, ...] = ()
    after: tuple[Named, ...] = ()
    when: Condition | None = None
    for_each: ForEach | None = None
    parallelism: int | None = None
    volumes: tuple[VolumeMount, ...] = ()
    env: tuple[EnvVar, ...] = ()
    settings: TaskSettings = field(default_factory=TaskSettings)
    display_name: str | None = None
    loc: Location = NOWHERE
    component_loc: Location = NOWHERE
    tasks: Mapping[str, Task] = field(default_factory=_empty)
    """A group's body (KFP's Condition / ParallelFor / ExitHandler / SubGraph): its own tasks,
    run once (or once per item), all under the group's `when`."""
    outputs: tuple[OutputSpec, ...] = ()
    """A group's outputs, each `from` one of its tasks' outputs."""
    resource_templates: tuple[Template, ...] = ()
    """Resource values known only at run time (`cpu: "${{ inputs.cpu }}"`), parsed."""

    @property
    def is_group(self) -> bool:
        return self.kind == "group"


@dataclass(frozen=True)
class Volume:
    """A pipeline volume: created per run (size), restored from a snapshot, or an existing claim."""

    name: str
    size: str | None = None
    access_modes: tuple[str, ...] = ("ReadWriteOnce",)
    storage_class: str | None = None
    from_snapshot: Named | None = None
    resource_name: str | None = None
    annotations: Mapping[str, str] = field(default_factory=_empty)
    claim: str | None = None
    read_only: bool = False
    loc: Location = NOWHERE
    source: str | None = None
    """For a pod volume (Secret, ConfigMap, emptyDir, hostPath): its Kubernetes volume source
    as JSON text, e.g. `{"secret": {"secretName": "x"}}`."""
    size_template: Template | None = None
    """A size given by pipeline inputs (`"${{ inputs.size }}"`), parsed."""


@dataclass(frozen=True)
class WorkflowSettings:
    service_account: str | None = None
    parallelism: int | None = None
    ttl_seconds: int | None = None
    timeout_seconds: int | None = None
    image_pull_secrets: tuple[str, ...] = ()


@dataclass(frozen=True)
class Pipeline:
    """A pipeline file: interface, volumes, tasks and an optional exit handler."""

    name: str
    tasks: Mapping[str, Task]
    description: str | None = None
    metadata: Metadata = field(default_factory=Metadata)
    inputs: tuple[InputSpec, ...] = ()
    outputs: tuple[OutputSpec, ...] = ()
    settings: WorkflowSettings = field(default_factory=WorkflowSettings)
    defaults: TaskSettings = field(default_factory=TaskSettings)
    volumes: Mapping[str, Volume] = field(default_factory=_empty)
    on_exit: Task | None = None
    loc: Location = NOWHERE

    def input(self, name: str) -> InputSpec | None:
        return next((i for i in self.inputs if i.name == name), None)


Spec = Component | Pipeline
