"""Step caching: a container step whose image, command, args, env and input files match an
earlier successful execution reuses that execution's outputs, as KFP's cache does.

KFP's `pipelines.kubeflow.org/enable_caching: "false"` label turns it off for a task and its
`max_cache_staleness` annotation (ISO 8601, `P30D`) bounds how old a result may be. Steps
that mount volumes are never cached: what a volume holds is not part of the key. Where steps
run in their images (the docker backend), the key holds the image's content id too, so a
rebuilt image under the same tag is not a cache hit; a step whose image is not on the machine
yet is not looked up (it runs, and is remembered under the id of the image it ran in).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable
from typing import Any

from yamlpipe.run import files
from yamlpipe.run.leaf import describe
from yamlpipe.run.model import Artifact, Node, Outputs, Step
from yamlpipe.run.store import RunStore
from yamlpipe.run.workflow import Json

ENABLE_LABEL = "pipelines.kubeflow.org/enable_caching"
STALENESS = "pipelines.kubeflow.org/max_cache_staleness"
_ISO_DURATION = re.compile(
    r"^P(?:(?P<y>\d+)Y)?(?:(?P<mo>\d+)M)?(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?"
    r"(?:T(?:(?P<h>\d+)H)?(?:(?P<mi>\d+)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$"
)
_SECONDS = {
    "y": 365 * 86400,
    "mo": 30 * 86400,
    "w": 7 * 86400,
    "d": 86400,
    "h": 3600,
    "mi": 60,
    "s": 1,
}


def staleness_seconds(text: str) -> float | None:
    """Seconds from an ISO 8601 duration (`P30D`, `PT1H`); None when it does not parse."""
    match = _ISO_DURATION.match(text.strip())
    if match is None or text.strip() in ("P", "PT"):
        return None
    return sum(float(v) * _SECONDS[k] for k, v in match.groupdict().items() if v)


def _metadata(template: Json, kind: str) -> dict[str, Any]:
    return dict((template.get("metadata") or {}).get(kind) or {})


def cache_key(step: Step, image_id: str = "") -> str:
    """What the step would run (in which image, when it is known), and the digest of every
    file it reads."""
    inputs = {name: files.digest(step.local_path(path)) for name, path in step.inputs}
    shape = {
        **describe(step),
        "inputs": inputs,
        "outputs": sorted((o.name, o.path) for o in step.outputs),
    }
    if image_id:
        shape["image_id"] = image_id
    return hashlib.sha256(json.dumps(shape, sort_keys=True).encode()).hexdigest()


ImageIds = Callable[[str], str | None]
"""An image's content id on this machine; None when it is not there."""


class StoreCache:
    """The step cache kept in the run store, for one run. With `image_id` (steps run in
    their images), keys hold the image's content id."""

    def __init__(self, store: RunStore, run_id: str, image_id: ImageIds | None = None) -> None:
        self.runs = store
        self.run_id = run_id
        self.image_id = image_id
        self.keys: dict[int, str] = {}

    def _key(self, node: Node, step: Step, template: Json) -> str | None:
        if step.mounts or _metadata(template, "labels").get(ENABLE_LABEL) == "false":
            return None
        key = self.keys.get(node.id)
        if key is None:
            ident = ""
            if self.image_id is not None:
                found = self.image_id(step.image)
                if found is None:
                    return None
                ident = found
            key = self.keys[node.id] = cache_key(step, ident)
        return key

    def lookup(self, node: Node, step: Step, template: Json) -> Outputs | None:
        key = self._key(node, step, template)
        if key is None:
            return None
        staleness = _metadata(template, "annotations").get(STALENESS)
        max_age = staleness_seconds(str(staleness)) if staleness else None
        if max_age == 0:
            return None
        for run_id, node_id, stored in self.runs.cached(key, max_age):
            outputs = _restore(step, stored)
            if outputs is not None:
                node.cached_from = f"{run_id}/{node_id}"
                return outputs
        return None

    def store(self, node: Node, step: Step, template: Json, outputs: Outputs) -> None:
        key = self._key(node, step, template)
        if key is None:
            return
        declared = {o.name: o.path for o in step.outputs}
        record = {
            "parameters": outputs.parameters,
            "artifacts": {
                n: {"path": a.path, "declared": declared.get(n, "")}
                for n, a in outputs.artifacts.items()
                if a.path
            },
        }
        self.runs.remember(key, self.run_id, node.id, record)


def _restore(step: Step, stored: dict[str, Any]) -> Outputs | None:
    """Bring an earlier execution's outputs into this step's folder; None if they are gone."""
    artifacts = stored.get("artifacts") or {}
    if not all(os.path.exists(a["path"]) for a in artifacts.values()):
        return None
    outputs = Outputs(parameters=dict(stored.get("parameters") or {}), exit_code=0)
    try:
        for name, artifact in artifacts.items():
            target = step.local_path(artifact["declared"])
            files.link_or_copy(artifact["path"], target)
            outputs.artifacts[name] = Artifact(name, path=target)
    except OSError:
        return None
    return outputs
