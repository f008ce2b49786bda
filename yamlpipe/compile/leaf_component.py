"""The leaf template of a task running a container component, as KFP's ContainerOp from a
component: by-value inputs as parameters, file inputs as artifacts at /tmp/inputs/<name>/data,
every output as an artifact, and the component_spec / component_ref / arguments.parameters
annotations the KFP UI and metadata writer read.

Unlike KFP, constant arguments are passed by the calling task rather than written into the
template, so tasks that differ only in their arguments share one template.
"""

from __future__ import annotations

import json
from collections.abc import Hashable, Mapping
from typing import Any

from yamlpipe.compile.command import Arg, ResolvedCommand
from yamlpipe.compile.naming import Namer, k8s_name, param_name, placeholder
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
from yamlpipe.compile.values import serialize
from yamlpipe.link import Origin
from yamlpipe.spec.model import (
    CommandArg,
    Component,
    Concat,
    ContainerSpec,
    IfPlaceholder,
    InputPath,
    InputSpec,
    InputValue,
    IsPresent,
    OutputPath,
    OutputSpec,
    SecretRef,
    V2Placeholder,
)

SPEC_ANNOTATION = "pipelines.kubeflow.org/component_spec"
REF_ANNOTATION = "pipelines.kubeflow.org/component_ref"
ARGUMENTS_ANNOTATION = "pipelines.kubeflow.org/arguments.parameters"
_PLACEHOLDER_KEYS = {
    InputValue: "inputValue",
    InputPath: "inputPath",
    OutputPath: "outputPath",
    IsPresent: "isPresent",
}


def placeholder_struct(arg: CommandArg) -> Any:
    """A command-line item as KFP's ComponentSpec.to_dict() writes it."""
    if isinstance(arg, str):
        return arg
    if isinstance(arg, InputValue | InputPath | OutputPath | IsPresent):
        return {_PLACEHOLDER_KEYS[type(arg)]: arg.name}
    if isinstance(arg, Concat):
        return {"concat": [placeholder_struct(a) for a in arg.items]}
    if isinstance(arg, IfPlaceholder):
        cond = arg.cond if isinstance(arg.cond, bool | str) else placeholder_struct(arg.cond)
        body: Json = {"cond": cond, "then": [placeholder_struct(a) for a in arg.then]}
        if arg.otherwise is not None:
            body["else"] = [placeholder_struct(a) for a in arg.otherwise]
        return {"if": body}
    assert isinstance(arg, V2Placeholder)
    return {arg.kind: arg.name}


def _present(data: Json) -> Json:
    """KFP's to_dict leaves out what is unset (None, empty, False)."""
    return {k: v for k, v in data.items() if v not in (None, {}, [], False)}


def _input_struct(spec: InputSpec) -> Json:
    return _present(
        {
            "name": spec.name,
            "type": spec.type,
            "description": spec.description,
            "default": spec.default,
            "optional": spec.optional,
            "annotations": dict(spec.annotations),
        }
    )


def _output_struct(spec: OutputSpec) -> Json:
    fields = {"name": spec.name, "type": spec.type, "description": spec.description}
    return _present({**fields, "annotations": dict(spec.annotations)})


def component_struct(component: Component) -> Json:
    """The component as KFP's ComponentSpec.to_dict() gives it."""
    container = component.implementation
    assert isinstance(container, ContainerSpec)
    implementation = _present(
        {
            "image": container.image,
            "command": [placeholder_struct(a) for a in container.command],
            "args": [placeholder_struct(a) for a in container.args],
            "env": dict(container.env),
            "fileOutputs": dict(container.file_outputs),
        }
    )
    metadata = component.metadata
    return _present(
        {
            "name": component.name,
            "description": component.description,
            "metadata": _present(
                {"annotations": dict(metadata.annotations), "labels": dict(metadata.labels)}
            ),
            "inputs": [_input_struct(i) for i in component.inputs],
            "outputs": [_output_struct(o) for o in component.outputs],
            "implementation": {"container": implementation},
            "version": component.version,
        }
    )


def component_ref_text(origin: Origin | None) -> str | None:
    """Where the component came from: its digest and the reference as written."""
    if origin is None:
        return None
    return json.dumps({"digest": origin.sha256, "url": origin.reference or origin.name})


def render_args(args: list[Arg], names: Mapping[str, str]) -> list[str]:
    return [
        "".join(
            p if isinstance(p, str) else placeholder("inputs", "parameters", names[p.name])
            for p in arg
        )
        for arg in args
    ]


def _parameter_entry(name: str, spec: InputSpec) -> Json:
    entry: Json = {"name": name}
    if spec.default is not None:
        entry["default"] = serialize(spec.default, spec.type)
    return entry


def _artifact_entry(name: str, path: str, spec: InputSpec, by_argument: bool) -> Json:
    entry: Json = {"name": name, "path": path}
    if not by_argument and spec.default is not None:
        entry["raw"] = {"data": serialize(spec.default, spec.type)}
    return entry


def _input_names(component: Component, cache: dict[Hashable, Any]) -> dict[str, str]:
    """Input name -> template parameter name (KFP's spelling), unique within the template."""
    key = ("input-names", id(component))
    if key not in cache:
        namer = Namer()
        cache[key] = {i.name: namer.claim(param_name(i.name)) for i in component.inputs}
    names: dict[str, str] = cache[key]
    return names


def _spec_text(component: Component, cache: dict[Hashable, Any]) -> str:
    key = ("spec", id(component))
    if key not in cache:
        cache[key] = json.dumps(component_struct(component), sort_keys=True)
    text: str = cache[key]
    return text


class _ComponentTemplate:
    """Writes the template for one shape of a component task (only when it is new)."""

    def __init__(
        self,
        request: LeafRequest,
        cache: dict[Hashable, Any],
        env: tuple[tuple[str, str | SecretRef], ...],
        extra: list[str],
        patch: str | None = None,
    ) -> None:
        plan = request.plan
        assert plan.linked.component is not None and plan.resolved is not None
        self.request = request
        self.component: Component = plan.linked.component
        self.resolved: ResolvedCommand = plan.resolved
        self.names = _input_names(self.component, cache)
        self.spec_text = _spec_text(self.component, cache)
        self.env = env
        self.extra = extra
        """Inputs besides the component's: values the task's env and resources read."""
        self.patch = patch

    def inputs(self) -> Json:
        specs = {i.name: i for i in self.component.inputs}
        by_argument = frozenset(self.request.plan.values)
        parameters = [_parameter_entry(self.names[n], specs[n]) for n in self.resolved.by_value]
        parameters.extend({"name": n} for n in self.extra)
        artifacts = [
            _artifact_entry(self.names[n], path, specs[n], n in by_argument)
            for n, path in self.resolved.by_path.items()
        ]
        return io_fields(parameters, artifacts)

    def metadata(self) -> Json:
        component = self.component
        annotations = {**component.metadata.annotations, SPEC_ANNOTATION: self.spec_text}
        ref = component_ref_text(self.request.plan.linked.origin)
        if ref is not None:
            annotations[REF_ANNOTATION] = ref
        arguments = {
            n: placeholder("inputs", "parameters", self.names[n]) for n in self.resolved.by_value
        }
        if arguments:
            annotations[ARGUMENTS_ANNOTATION] = json.dumps(arguments, sort_keys=True)
        return pod_metadata(self.request, annotations, component.metadata.labels)

    def build(self, name: str) -> Json:
        container = self.component.implementation
        assert isinstance(container, ContainerSpec)
        command = render_args(self.resolved.command, self.names)
        args = render_args(self.resolved.args, self.names)
        fields = container_fields(container.image, command, args, self.env, self.request)
        template: Json = {"name": name, "container": fields}
        inputs = self.inputs()
        if inputs:
            template["inputs"] = inputs
        outputs = file_outputs(name, self.resolved.outputs, self.request.demanded)
        if outputs:
            template["outputs"] = outputs
        return finish(template, self.request, self.metadata(), self.patch)


def component_leaf(request: LeafRequest, cache: dict[Hashable, Any]) -> Leaf:
    """A task running a container component."""
    plan = request.plan
    component, resolved = plan.linked.component, plan.resolved
    assert component is not None and resolved is not None
    assert isinstance(component.implementation, ContainerSpec)
    names = _input_names(component, cache)
    env_inputs = TemplateInputs(names.values())
    env = env_entries(component.implementation.env, request, env_inputs)
    patch = pod_spec_patch(request, env_inputs)
    parameters = {names[n]: plan.values[n] for n in resolved.by_value if n in plan.values}
    parameters.update(env_inputs.parameters)
    artifacts = {names[n]: plan.values[n] for n in resolved.by_path if n in plan.values}
    # Everything the template is made from; equal keys share one template.
    key = (
        ("component", id(resolved), frozenset(artifacts), env, request.demanded),
        (request.settings, request.mounts, plan.task.display_name, plan.linked.origin),
    )
    writer = _ComponentTemplate(request, cache, env, list(env_inputs.parameters), patch)
    base = k8s_name(component.name or "component", "component")
    return Leaf(key, base, writer.build, parameters, artifacts, resolved.outputs, request.demanded)
