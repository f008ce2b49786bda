"""Leaf templates that create Kubernetes objects: a task's `resource:` (KFP's ResourceOp),
a snapshot (VolumeSnapshotOp) and a pipeline volume's claim (VolumeOp). Their outputs are
values read from the object by JSONPath, never files."""

from __future__ import annotations

import json
from collections.abc import Hashable, Mapping
from typing import Any

from yamlpipe.compile.manifest import (
    SNAPSHOT_READY,
    render_manifest,
    resource_fields,
    snapshot_manifest,
    volume_manifest,
)
from yamlpipe.compile.naming import k8s_name, param_name, placeholder
from yamlpipe.compile.settings import cache_metadata, metadata_fields
from yamlpipe.compile.templates import (
    Json,
    Leaf,
    LeafRequest,
    TemplateInputs,
    finish,
    io_fields,
    pod_metadata,
    value_outputs,
)
from yamlpipe.compile.values import render
from yamlpipe.spec.expr import Ref, Template
from yamlpipe.spec.model import Volume

OBJECT_OUTPUTS = {"manifest": "{}", "name": "{.metadata.name}"}
"""What KFP's ResourceOp always outputs: the object as created, and its name."""


def _resource_like_leaf(
    request: LeafRequest,
    base: str,
    resource: Json,
    outputs: Mapping[str, str],
    inputs: TemplateInputs,
) -> Leaf:
    # Cached results of a resource task would skip creating the object: caching is off
    # unless the task asks for it.
    metadata = pod_metadata(request, cache_default=False)
    parameters = [{"name": n} for n in inputs.parameters]

    def build(name: str) -> Json:
        template: Json = {"name": name, "resource": resource}
        if parameters:
            template["inputs"] = io_fields(parameters, [])
        if outputs:
            template["outputs"] = value_outputs(name, outputs)
        return finish(template, request, metadata)

    content = json.dumps([resource, metadata, parameters, outputs], sort_keys=True)
    key = ("resource", base, content, request.settings)
    return Leaf(key, base, build, dict(inputs.parameters), {}, outputs, files=False)


def resource_leaf(request: LeafRequest, cache: dict[Hashable, Any]) -> Leaf:
    """A task's `resource:`; expressions in the manifest become input parameters."""
    task = request.plan.task
    spec = task.resource
    assert spec is not None
    inputs = TemplateInputs()
    manifest = render_manifest(spec.manifest, spec.templates, inputs.render)
    outputs = {} if spec.action == "delete" else {**OBJECT_OUTPUTS, **spec.outputs}
    resource = resource_fields(
        spec.action,
        manifest,
        spec.success_condition,
        spec.failure_condition,
        spec.merge_strategy,
        spec.set_owner_reference,
    )
    return _resource_like_leaf(request, k8s_name(task.name), resource, outputs, inputs)


def snapshot_leaf(request: LeafRequest, cache: dict[Hashable, Any]) -> Leaf:
    """A VolumeSnapshot of a pipeline volume's claim, snapshot.storage.k8s.io/v1."""
    task = request.plan.task
    spec = task.snapshot
    assert spec is not None and request.claim is not None
    manifest = snapshot_manifest(task.name, spec, request.claim)
    resource = resource_fields("create", manifest, SNAPSHOT_READY)
    outputs = {**OBJECT_OUTPUTS, "size": "{.status.restoreSize}"}
    return _resource_like_leaf(request, k8s_name(task.name), resource, outputs, TemplateInputs())


def volume_template(name: str, volume: Volume, snapshot: str | None) -> Json:
    """The template creating a volume's claim (KFP's VolumeOp), never cached; a size given by
    pipeline inputs reads them as the template's inputs."""
    inputs = TemplateInputs()
    size = inputs.render(volume.size_template) if volume.size_template else None
    resource = resource_fields("create", volume_manifest(volume, snapshot, size))
    outputs = {**OBJECT_OUTPUTS, "size": "{.status.capacity.storage}"}
    annotations, labels = cache_metadata(None, default_enabled=False)
    template: Json = {"name": name, "resource": resource}
    if inputs.parameters:
        template["inputs"] = io_fields([{"name": n} for n in inputs.parameters], [])
    template["outputs"] = value_outputs(name, outputs)
    template.update(metadata_fields(dict(annotations), dict(labels)))
    return template


def volume_arguments(volume: Volume) -> Json | None:
    """What the task creating a volume passes in: the pipeline inputs its size reads (the
    volume is created in the top-level DAG, where they are the workflow's parameters)."""
    inputs = TemplateInputs()
    if volume.size_template is None:
        return None
    inputs.render(volume.size_template)
    parameters = [
        {"name": name, "value": render(value, _workflow_parameter)}
        for name, value in sorted(inputs.parameters.items())
        if isinstance(value, Template)
    ]
    return {"parameters": parameters} if parameters else None


def _workflow_parameter(ref: Ref) -> str:
    return placeholder("workflow", "parameters", param_name(ref.name or ""))
