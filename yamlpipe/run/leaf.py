"""A leaf template (container or resource) turned into the Step one attempt executes: inputs
bound as Argo binds them (arguments over defaults), then `{{...}}` substituted in Argo's two
passes (workflow and pod variables first, then inputs and output paths)."""

from __future__ import annotations

import copy
import json
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from yamlpipe.run.model import Artifact, Mount, OutputFile, Step
from yamlpipe.run.template import replace_all
from yamlpipe.run.workflow import Json

GPU_RESOURCES = ("nvidia.com/gpu", "amd.com/gpu")
SecretLookup = Callable[[str, str], str | None]


class NodeError(Exception):
    """The node cannot run (Argo's Error phase), with Argo's reason."""


@dataclass(frozen=True)
class Bound:
    """A template with its inputs bound: parameter values and artifacts by name."""

    template: Json
    parameters: dict[str, str]
    artifacts: dict[str, Artifact]


def _inputs(template: Json, kind: str) -> list[Json]:
    return list((template.get("inputs") or {}).get(kind) or [])


def _outputs(template: Json, kind: str) -> list[Json]:
    return list((template.get("outputs") or {}).get(kind) or [])


def bind_inputs(
    template: Json, parameters: Mapping[str, str], artifacts: Mapping[str, Artifact]
) -> Bound:
    """Argo's ProcessArgs: every input parameter gets its argument, else its default."""
    bound = copy.deepcopy(template)
    values: dict[str, str] = {}
    for param in _inputs(bound, "parameters"):
        name = str(param.get("name"))
        value = parameters.get(name)
        if value is None:
            value = param.get("value", param.get("default"))
        if value is None:
            raise NodeError(f"inputs.parameters.{name} was not supplied")
        values[name] = param["value"] = value if isinstance(value, str) else json.dumps(value)
    given: dict[str, Artifact] = {}
    for art in _inputs(bound, "artifacts"):
        name = str(art.get("name"))
        found = artifacts.get(name) or _own_artifact(art)
        if found is None and not art.get("optional"):
            raise NodeError(f"inputs.artifacts.{name} was not supplied")
        if found is not None:
            given[name] = found
    return Bound(bound, values, given)


def _own_artifact(art: Json) -> Artifact | None:
    """An artifact the template itself carries (KFP passes constants as `raw` data)."""
    raw = art.get("raw")
    if isinstance(raw, dict) and "data" in raw:
        return Artifact(str(art["name"]), raw=str(raw["data"]))
    return None


def substitute(bound: Bound, global_scope: Mapping[str, str], local: Mapping[str, str]) -> Bound:
    """Argo's SubstituteParams: globals and pod variables, then inputs and output paths."""
    first = replace_all(bound.template, {**global_scope, **local})
    scope: dict[str, str] = {}
    for param in _inputs(first, "parameters"):
        scope[f"inputs.parameters.{param['name']}"] = str(param.get("value", ""))
    for kind, prefix in (("artifacts", "inputs"),):
        for art in _inputs(first, kind):
            if art.get("path"):
                scope[f"{prefix}.artifacts.{art['name']}.path"] = str(art["path"])
    for art in _outputs(first, "artifacts"):
        if art.get("path"):
            scope[f"outputs.artifacts.{art['name']}.path"] = str(art["path"])
    for param in _outputs(first, "parameters"):
        path = (param.get("valueFrom") or {}).get("path")
        if path:
            scope[f"outputs.parameters.{param['name']}.path"] = str(path)
    template = replace_all(first, scope)
    parameters = {str(p["name"]): str(p.get("value", "")) for p in _inputs(template, "parameters")}
    return Bound(template, parameters, bound.artifacts)


# ---- steps ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PodContext:
    """What a container may read about its pod through `fieldRef`."""

    pod_name: str
    namespace: str
    uid: str
    service_account: str = "default"
    annotations: Mapping[str, str] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)

    def field(self, path: str) -> str:
        simple = {
            "metadata.name": self.pod_name,
            "metadata.namespace": self.namespace,
            "metadata.uid": self.uid,
            "spec.nodeName": socket.gethostname(),
            "spec.serviceAccountName": self.service_account,
            "status.podIP": "127.0.0.1",
            "status.hostIP": "127.0.0.1",
        }
        if path in simple:
            return simple[path]
        for prefix, table in (
            ("metadata.annotations", self.annotations),
            ("metadata.labels", self.labels),
        ):
            if path.startswith(prefix + "['") and path.endswith("']"):
                return table.get(path[len(prefix) + 2 : -2], "")
        return ""


def _env(
    container: Json, pod: PodContext, secrets: SecretLookup
) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...]]:
    env: list[tuple[str, str]] = []
    hidden: list[str] = []
    for variable in container.get("env") or []:
        name = str(variable.get("name"))
        source = variable.get("valueFrom") or {}
        if "secretKeyRef" in source:
            ref = source["secretKeyRef"]
            value = secrets(str(ref.get("name")), str(ref.get("key")))
            if value is None:
                if ref.get("optional"):
                    continue
                raise NodeError(f"secret {ref.get('name')!r} has no key {ref.get('key')!r}")
            hidden.append(value)
        elif "fieldRef" in source:
            value = pod.field(str(source["fieldRef"].get("fieldPath", "")))
        elif "resourceFieldRef" in source:
            value = _resource_field(container, source["resourceFieldRef"])
        else:
            value = str(variable.get("value", ""))
        env.append((name, value))
    return tuple(env), tuple(hidden)


def _resource_field(container: Json, ref: Json) -> str:
    kind, _, resource = str(ref.get("resource", "")).partition(".")
    value = ((container.get("resources") or {}).get(kind) or {}).get(resource)
    return "0" if value is None else str(value)


def _gpus(container: Json) -> int:
    limits = (container.get("resources") or {}).get("limits") or {}
    total = 0
    for resource in GPU_RESOURCES:
        try:
            total += int(str(limits.get(resource, 0)))
        except ValueError:
            continue
    return total


def _output_files(template: Json) -> tuple[OutputFile, ...]:
    files = []
    for param in _outputs(template, "parameters"):
        source = param.get("valueFrom") or {}
        if source.get("path"):
            default = source.get("default")
            text = None if default is None else str(default)
            files.append(OutputFile(str(param["name"]), str(source["path"]), True, text))
    for art in _outputs(template, "artifacts"):
        if art.get("path"):
            optional = bool(art.get("optional"))
            files.append(OutputFile(str(art["name"]), str(art["path"]), False, None, optional))
    return tuple(files)


def _mounts(container: Json, volumes: Mapping[str, Json]) -> tuple[Mount, ...]:
    mounts = []
    for mount in container.get("volumeMounts") or []:
        volume = volumes.get(str(mount.get("name"))) or {}
        claim = (volume.get("persistentVolumeClaim") or {}).get("claimName")
        if claim is None:
            kind = next(iter(k for k in volume if k != "name"), "unknown")
            raise NodeError(
                f"volume {mount.get('name')!r} is a {kind} volume; only PersistentVolumeClaims "
                "can be mounted here"
            )
        mounts.append(
            Mount(
                str(mount["mountPath"]),
                str(claim),
                str(mount.get("subPath", "")),
                bool(mount.get("readOnly")),
            )
        )
    return tuple(mounts)


def container_step(
    bound: Bound,
    node: str,
    folder: str,
    pod: PodContext,
    secrets: SecretLookup,
    volumes: Mapping[str, Json],
) -> Step:
    """The Step for one attempt of a container template."""
    template = bound.template
    container = template["container"]
    env, hidden = _env(container, pod, secrets)
    all_volumes = {**volumes, **{str(v.get("name")): v for v in template.get("volumes") or []}}
    return Step(
        node=node,
        template=str(template["name"]),
        kind="container",
        folder=folder,
        image=str(container.get("image", "")),
        command=tuple(str(c) for c in container.get("command") or ()),
        args=tuple(str(a) for a in container.get("args") or ()),
        env=env,
        secret_values=hidden,
        inputs=tuple(
            (str(a["name"]), str(a["path"]))
            for a in _inputs(template, "artifacts")
            if a.get("path") and str(a["name"]) in bound.artifacts
        ),
        outputs=_output_files(template),
        mounts=_mounts(container, all_volumes),
        gpus=_gpus(container),
        working_dir=str(container.get("workingDir", "")),
    )


def resource_step(bound: Bound, node: str, folder: str) -> Step:
    """The Step for a resource template: the manifest and how to read its outputs."""
    template = bound.template
    outputs = {str(p["name"]): (p.get("valueFrom") or {}) for p in _outputs(template, "parameters")}
    return Step(
        node=node,
        template=str(template["name"]),
        kind="resource",
        folder=folder,
        resource={**template["resource"], "outputs": outputs},
    )


def describe(step: Step) -> dict[str, Any]:
    """What the step ran, for the store and the task panel (no secret values)."""
    secret_names = {n for n, v in step.env if v in step.secret_values}
    return {
        "image": step.image,
        "command": list(step.command),
        "args": list(step.args),
        "env": {n: ("<secret>" if n in secret_names else v) for n, v in step.env},
    }
