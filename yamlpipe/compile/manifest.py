"""Kubernetes manifests inside resource templates: user resources, PVCs, VolumeSnapshots."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from yamlpipe.compile.naming import k8s_name
from yamlpipe.compile.yamlwrite import dump_yaml
from yamlpipe.spec.expr import Template
from yamlpipe.spec.model import SnapshotSpec, Volume

SNAPSHOT_API = "snapshot.storage.k8s.io"
SNAPSHOT_READY = "status.readyToUse == true"
RUN_PREFIX = "{{workflow.name}}-"
"""Volumes and snapshots are named per run, so that runs never share them by accident."""


def render_manifest(
    manifest: Any, templates: tuple[Template, ...], render: Callable[[Template], str]
) -> str:
    """The manifest as YAML text, every string holding `${{ }}` rendered for Argo.

    The loader parsed those strings in document order; they are replaced in the same order.
    """
    rendered = iter([render(t) for t in templates])
    if isinstance(manifest, str):
        return next(rendered) if "${{" in manifest else manifest
    return dump_yaml(_replace(manifest, rendered))


def _replace(value: Any, rendered: Iterator[str]) -> Any:
    if isinstance(value, str):
        return next(rendered) if "${{" in value else value
    if isinstance(value, dict):
        return {k: _replace(v, rendered) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace(v, rendered) for v in value]
    return value


def resource_fields(
    action: str,
    manifest: str,
    success: str | None = None,
    failure: str | None = None,
    merge: str | None = None,
    owner: bool = False,
) -> dict[str, Any]:
    """An Argo `resource` block in KFP's key order; delete does not wait, as in KFP."""
    fields: dict[str, Any] = {"action": action}
    if merge:
        fields["mergeStrategy"] = merge
    if success:
        fields["successCondition"] = success
    if failure:
        fields["failureCondition"] = failure
    if owner:
        fields["setOwnerReference"] = True
    fields["manifest"] = manifest
    if action == "delete":
        fields["flags"] = ["--wait=false"]
    return fields


def volume_claim_name(volume: Volume) -> str:
    """The PVC a volume stands for: an existing claim, or the one this run creates."""
    if volume.claim:
        return volume.claim
    return RUN_PREFIX + k8s_name(volume.resource_name or volume.name, "volume")


def snapshot_name(task_name: str, spec: SnapshotSpec) -> str:
    return RUN_PREFIX + k8s_name(spec.resource_name or task_name, "snapshot")


def _metadata(name: str, annotations: dict[str, str]) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name}
    if annotations:
        metadata["annotations"] = dict(sorted(annotations.items()))
    return metadata


def volume_manifest(volume: Volume, source_snapshot: str | None, size: str | None = None) -> str:
    """A PersistentVolumeClaim (KFP's VolumeOp), optionally restored from a snapshot; `size`
    is the rendered size when the pipeline's inputs give it."""
    spec: dict[str, Any] = {
        "accessModes": list(volume.access_modes),
        "resources": {"requests": {"storage": size or volume.size}},
    }
    if volume.storage_class:
        spec["storageClassName"] = volume.storage_class
    if source_snapshot:
        spec["dataSource"] = {
            "apiGroup": SNAPSHOT_API,
            "kind": "VolumeSnapshot",
            "name": source_snapshot,
        }
    claim = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": _metadata(volume_claim_name(volume), dict(volume.annotations)),
        "spec": spec,
    }
    return dump_yaml(claim)


def snapshot_manifest(task_name: str, spec: SnapshotSpec, claim: str) -> str:
    """A snapshot.storage.k8s.io/v1 VolumeSnapshot of a claim."""
    body: dict[str, Any] = {}
    if spec.snapshot_class:
        body["volumeSnapshotClassName"] = spec.snapshot_class
    body["source"] = {"persistentVolumeClaimName": claim}
    snapshot = {
        "apiVersion": f"{SNAPSHOT_API}/v1",
        "kind": "VolumeSnapshot",
        "metadata": _metadata(snapshot_name(task_name, spec), dict(spec.annotations)),
        "spec": body,
    }
    return dump_yaml(snapshot)
