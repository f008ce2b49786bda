"""What every leaf template (a pod: container or resource) is made of, whatever its kind.

A builder (one per task kind, see `workflow.TEMPLATE_BUILDERS`) returns a Leaf: a key (tasks
with equal keys share one template), the template's base name, a function that writes the
template under its final name, and the values the calling task feeds into its inputs.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from yamlpipe.compile.naming import Namer, output_name, param_name, placeholder
from yamlpipe.compile.plan import TaskPlan
from yamlpipe.compile.settings import (
    DISPLAY_NAME_ANNOTATION,
    Settings,
    cache_metadata,
    container_resources,
    metadata_fields,
    pod_fields,
)
from yamlpipe.compile.values import WORKFLOW_FIELDS, WORKFLOW_STATUS, Fixed, Value, ref_key, render
from yamlpipe.spec.expr import Ref, Template
from yamlpipe.spec.model import SecretRef

Json = dict[str, Any]
EnvValue = Value | SecretRef


@dataclass(frozen=True)
class Mount:
    """A volume mounted into a task's container, with the claim that backs it."""

    path: str
    volume: str
    claim: str
    sub_path: str | None = None
    read_only: bool = False
    claim_read_only: bool = False
    source: str | None = None
    """A pod volume's own source (JSON text) instead of a claim."""


@dataclass(frozen=True)
class LeafRequest:
    """Everything about a task that decides its leaf template."""

    plan: TaskPlan
    settings: Settings
    env: tuple[tuple[str, EnvValue], ...] = ()
    mounts: tuple[Mount, ...] = ()
    demanded: frozenset[str] = frozenset()
    """Outputs the task must also offer as parameters (someone reads them by value)."""
    claim: str | None = None
    """For a snapshot task: the claim it snapshots."""


@dataclass
class Leaf:
    """A task's leaf template, before it has a name, and how the task feeds it."""

    key: Hashable
    base: str
    build: Callable[[str], Json]
    parameters: dict[str, Value] = field(default_factory=dict)
    artifacts: dict[str, Value] = field(default_factory=dict)
    outputs: Mapping[str, str] = field(default_factory=dict)
    """Output name -> where it comes from (a path, or a JSONPath for resources)."""
    demanded: frozenset[str] = frozenset()
    files: bool = True
    """Whether outputs are files (artifacts) or only values (resource templates)."""

    def output_params(self, template: str) -> dict[str, str]:
        """Output -> parameter name, for the outputs offered by value."""
        wanted = self.outputs if not self.files else self.demanded
        return {out: output_name(template, out) for out in self.outputs if out in wanted}

    def output_artifacts(self, template: str) -> dict[str, str]:
        if not self.files:
            return {}
        return {out: output_name(template, out) for out in self.outputs}


class TemplateInputs:
    """Input parameters of one template for values it reads from elsewhere (a pipeline input,
    another task's output, the loop item): one per source, named after it."""

    def __init__(self, reserved: Iterable[str] = ()) -> None:
        self.namer = Namer(set(reserved))
        self.parameters: dict[str, Value] = {}
        self.by_source: dict[Hashable, str] = {}

    def placeholder(self, ref: Ref) -> str:
        """`{{inputs.parameters.NAME}}` for the reference, adding the input on first use."""
        if ref.kind == "workflow":
            return WORKFLOW_STATUS if ref.name == "status" else WORKFLOW_FIELDS[ref.name or ""]
        key = ref_key(ref)
        if key not in self.by_source:
            name = self.namer.claim(param_name(_source_name(ref)))
            self.by_source[key] = name
            self.parameters[name] = Template((ref,))
        return placeholder("inputs", "parameters", self.by_source[key])

    def render(self, template: Template) -> str:
        return render(template, self.placeholder)


def _source_name(ref: Ref) -> str:
    if ref.kind == "tasks":
        return f"{ref.name}-{ref.output}"
    if ref.kind == "item":
        return f"item-{ref.name}" if ref.name else "item"
    return ref.name or ref.kind


# ---- container pieces -------------------------------------------------------------------------


def env_entries(
    base: Mapping[str, str], request: LeafRequest, inputs: TemplateInputs
) -> tuple[tuple[str, str | SecretRef], ...]:
    """The container's own env, then the task's (the task's value wins for the same name)."""
    merged: dict[str, str | SecretRef] = dict(base)
    for name, value in request.env:
        if isinstance(value, SecretRef):
            merged[name] = value
        else:
            merged[name] = value.text if isinstance(value, Fixed) else inputs.render(value)
    return tuple(merged.items())


def env_list(entries: Iterable[tuple[str, str | SecretRef]]) -> list[Json]:
    """Kubernetes env: values, and secrets as secretKeyRef (never their content)."""
    result: list[Json] = []
    for name, value in entries:
        if isinstance(value, SecretRef):
            ref = {"key": value.key, "name": value.secret}
            result.append({"name": name, "valueFrom": {"secretKeyRef": ref}})
        else:
            result.append({"name": name, "value": value})
    return result


def volume_mounts(mounts: Iterable[Mount]) -> list[Json]:
    result = []
    for mount in mounts:
        entry: Json = {"mountPath": mount.path, "name": mount.volume}
        if mount.sub_path:
            entry["subPath"] = mount.sub_path
        if mount.read_only:
            entry["readOnly"] = True
        result.append(entry)
    return result


def pod_volumes(mounts: Iterable[Mount]) -> list[Json]:
    """The claims behind the mounts, one per volume, sorted by name like KFP."""
    volumes: dict[str, Json] = {}
    for mount in mounts:
        if mount.source is not None:
            volumes[mount.volume] = {"name": mount.volume, **json.loads(mount.source)}
            continue
        claim: Json = {"claimName": mount.claim}
        if mount.claim_read_only:
            claim["readOnly"] = True
        volumes[mount.volume] = {"name": mount.volume, "persistentVolumeClaim": claim}
    return [volumes[k] for k in sorted(volumes)]


def container_fields(
    image: str,
    command: list[str],
    args: list[str],
    env: Iterable[tuple[str, str | SecretRef]],
    request: LeafRequest,
) -> Json:
    container: Json = {"image": image}
    if request.settings.image_pull_policy:
        container["imagePullPolicy"] = request.settings.image_pull_policy
    if command:
        container["command"] = command
    if args:
        container["args"] = args
    env_fields = env_list(env)
    if env_fields:
        container["env"] = env_fields
    resources = _known_resources(container_resources(request.settings.resources))
    if resources:
        container["resources"] = resources
    mounts = volume_mounts(request.mounts)
    if mounts:
        container["volumeMounts"] = mounts
    return container


def _is_runtime(value: Any) -> bool:
    return "${{" in str(value)


def _known_resources(resources: Json | None) -> Json:
    """Resources known when compiling (the others go to podSpecPatch)."""
    kept = {
        kind: {name: v for name, v in values.items() if not _is_runtime(v)}
        for kind, values in (resources or {}).items()
    }
    return {kind: values for kind, values in kept.items() if values}


def pod_spec_patch(request: LeafRequest, inputs: TemplateInputs) -> str | None:
    """Resources known only at run time, as KFP compiles them: a podSpecPatch of the `main`
    container, each value an input of the template."""
    resources = container_resources(request.settings.resources) or {}
    templates = {t.text: t for t in request.plan.task.resource_templates}
    patch: Json = {}
    for kind, values in resources.items():
        for name, value in values.items():
            template = templates.get(str(value)) if _is_runtime(value) else None
            if template is not None:
                patch.setdefault(kind, {})[name] = inputs.render(template)
    if not patch:
        return None
    return json.dumps({"containers": [{"name": "main", "resources": patch}]}, sort_keys=True)


def io_fields(parameters: list[Json], artifacts: list[Json]) -> Json:
    """A template's `inputs` or `outputs`, each list sorted by name."""
    io: Json = {}
    if parameters:
        io["parameters"] = sorted(parameters, key=lambda p: str(p["name"]))
    if artifacts:
        io["artifacts"] = sorted(artifacts, key=lambda a: str(a["name"]))
    return io


def file_outputs(name: str, files: Mapping[str, str], demanded: frozenset[str]) -> Json:
    """Every written output as an artifact; the demanded ones also as parameters."""
    parameters = [
        {"name": output_name(name, out), "valueFrom": {"path": path}}
        for out, path in files.items()
        if out in demanded
    ]
    artifacts = [{"name": output_name(name, out), "path": path} for out, path in files.items()]
    return io_fields(parameters, artifacts)


def value_outputs(name: str, outputs: Mapping[str, str]) -> Json:
    """A resource's outputs: parameters read from the object by JSONPath."""
    parameters = [
        {"name": output_name(name, out), "valueFrom": {"jsonPath": path}}
        for out, path in outputs.items()
    ]
    return io_fields(parameters, [])


# ---- pod-level pieces ------------------------------------------------------------------------


def pod_metadata(
    request: LeafRequest,
    annotations: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
    cache_default: bool = True,
) -> Json:
    """Component metadata, then the task's settings, then KFP's own keys."""
    all_annotations = {**(annotations or {}), **dict(request.settings.annotations)}
    all_labels = {**(labels or {}), **dict(request.settings.labels)}
    display = request.plan.task.display_name
    if display:
        all_annotations[DISPLAY_NAME_ANNOTATION] = display
    cache_annotations, cache_labels = cache_metadata(request.settings.cache, cache_default)
    all_annotations.update(cache_annotations)
    all_labels.update(cache_labels)
    return metadata_fields(all_annotations, all_labels)


def finish(template: Json, request: LeafRequest, metadata: Json, patch: str | None = None) -> Json:
    """Add the pod-level fields every leaf template shares, in KFP's order."""
    fields = pod_fields(request.settings)
    for key in ("nodeSelector", "tolerations", "affinity"):
        if key in fields:
            template[key] = fields.pop(key)
    template.update(metadata)
    template.update(fields)
    volumes = pod_volumes(request.mounts)
    if volumes:
        template["volumes"] = volumes
    if patch is not None:
        template["podSpecPatch"] = patch
    return template
