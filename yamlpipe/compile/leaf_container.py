"""The leaf template of an inline container (KFP's ContainerOp): every expression in its
command, args and env becomes an input parameter named after what it reads."""

from __future__ import annotations

import json
from collections.abc import Hashable
from typing import Any

from yamlpipe.compile.naming import k8s_name
from yamlpipe.compile.templates import (
    Json,
    Leaf,
    LeafRequest,
    TemplateInputs,
    container_fields,
    env_entries,
    file_outputs,
    finish,
    io_fields,
    pod_metadata,
    pod_spec_patch,
)


def container_leaf(request: LeafRequest, cache: dict[Hashable, Any]) -> Leaf:
    """A task with `container:`; outputs are the files it lists."""
    task = request.plan.task
    spec = task.container
    assert spec is not None
    inputs = TemplateInputs()
    command = [inputs.render(t) for t in spec.command]
    args = [inputs.render(t) for t in spec.args]
    env = env_entries({k: inputs.render(v) for k, v in spec.env.items()}, request, inputs)
    patch = pod_spec_patch(request, inputs)
    container = container_fields(spec.image, command, args, env, request)
    metadata = pod_metadata(request)
    parameters = [{"name": n} for n in inputs.parameters]
    files = dict(spec.outputs)

    def build(name: str) -> Json:
        template: Json = {"name": name, "container": container}
        if parameters:
            template["inputs"] = io_fields(parameters, [])
        outputs = file_outputs(name, files, request.demanded)
        if outputs:
            template["outputs"] = outputs
        return finish(template, request, metadata, patch)

    content = json.dumps([container, metadata, parameters, files, patch], sort_keys=True)
    key = ("container", content, request.demanded, request.settings, request.mounts)
    return Leaf(
        key, k8s_name(task.name), build, dict(inputs.parameters), {}, files, request.demanded
    )
