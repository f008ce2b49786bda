"""Volumes as KFP v1 packages use them, emulated with folders of the run.

A PersistentVolumeClaim that a resource step creates (KFP's VolumeOp) is
`<run>/volumes/<name>/`; a claim the package mounts without creating it (an existing claim) is
such a folder too, a copy of the project's `.yamlpipe/claims/<name>/` when that exists, else
empty. A VolumeSnapshot (VolumeSnapshotOp) copies its claim's folder to
`<run>/snapshots/<name>/`, and a claim whose `dataSource` is a snapshot (or another claim)
starts as a copy of it. Each resource step gets back the object a cluster would hold (bound,
ready, with its size), so the outputs the package reads by jsonPath and its success and
failure conditions mean what they mean on a cluster.
"""

from __future__ import annotations

import copy
import datetime
import os
import random
import re
import shutil
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from yamlpipe.errors import YamlpipeError
from yamlpipe.load.yamltext import read_yaml
from yamlpipe.run import jsonpath
from yamlpipe.run.model import Mount
from yamlpipe.run.workflow import Json

CLAIM, SNAPSHOT = "PersistentVolumeClaim", "VolumeSnapshot"
KINDS = (CLAIM, SNAPSHOT)
ACTIONS = ("create", "apply")
"""What a package may do with these kinds here: make them (apply keeps one that exists)."""
SOURCE_KINDS = (SNAPSHOT, CLAIM)
"""What a claim may start from: a snapshot (a restore) or another claim (a clone)."""
_RESOURCE_NAMES = {CLAIM: "persistentvolumeclaims", SNAPSHOT: "volumesnapshots"}
_NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")
_SUFFIX_LETTERS = "bcdfghjklmnpqrstvwxz2456789"
"""The letters Kubernetes draws `generateName` suffixes from."""


class ResourceError(Exception):
    """A resource step failed, with the message kubectl or Argo would give."""


def check_name(name: str, kind: str) -> str:
    """A Kubernetes object name (a DNS subdomain), which is also safe as a folder name."""
    if not _NAME.match(name):
        raise ResourceError(
            f"{kind} name {name!r} is not a valid Kubernetes name (lower case letters, digits, "
            "'-' and '.', at most 253 characters)"
        )
    return name


def check_sub_path(sub_path: str) -> str:
    """A volume mount's subPath: relative, never leaving the volume (Kubernetes' rule)."""
    parts = sub_path.split("/")
    if sub_path.startswith("/") or ".." in parts:
        raise ResourceError(f"subPath {sub_path!r} must be a relative path without '..'")
    return sub_path


def data_source(spec: Json) -> Json | None:
    """A claim's `dataSource` (or `dataSourceRef`), if it has one."""
    source = spec.get("dataSource") or spec.get("dataSourceRef")
    return source if isinstance(source, dict) else None


def parse_manifest(text: Any) -> Json:
    """A resource step's manifest (already substituted) as data."""
    if not isinstance(text, str) or not text.strip():
        raise ResourceError("the resource template has no manifest")
    try:
        data = read_yaml(text, "<manifest>").data
    except YamlpipeError as exc:
        raise ResourceError(f"the manifest is not valid YAML: {exc.message}") from None
    if not isinstance(data, dict):
        raise ResourceError("the manifest is not a mapping")
    return data


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _copy_tree(source: str, target: str) -> None:
    try:
        shutil.copytree(source, target, symlinks=True)
    except OSError as exc:
        raise ResourceError(f"copying {source} failed: {exc.strerror or exc}") from None


def folder_bytes(folder: str) -> int:
    """The bytes the files of a folder hold (a snapshot's size when its claim has none)."""
    total = 0
    for root, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(root, name)
            if not os.path.islink(path):
                total += os.path.getsize(path)
    return total


@dataclass(eq=False)
class Volumes:
    """The run's emulated claims and snapshots: their folders, and the objects a cluster would
    hold. Shared by the steps of one run, which may run at once."""

    run_folder: str
    namespace: str = "default"
    seeds: str | None = None
    """Where existing claims' first contents are (`.yamlpipe/claims/<claim>/`), if anywhere."""
    objects: dict[tuple[str, str], Json] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)

    def claim_folder(self, claim: str) -> str:
        """Where a claim's files are; a claim the run did not create (an existing claim) gets
        its folder the first time it is used: a copy of its seed, else empty."""
        path = f"{self.run_folder}/volumes/{check_name(claim, CLAIM)}"
        with self.lock:
            if os.path.isdir(path):
                return path
            seed = f"{self.seeds}/{claim}" if self.seeds else ""
            if seed and os.path.isdir(seed):
                _copy_tree(seed, path)
            else:
                os.makedirs(path)
        return path

    def mount_source(self, mount: Mount) -> str:
        """The folder to bind at a mount's path (its subPath created, as kubelet does)."""
        folder = self.claim_folder(mount.claim)
        if not mount.sub_path:
            return folder
        path = os.path.join(folder, check_sub_path(mount.sub_path))
        os.makedirs(path, exist_ok=True)
        return path

    def apply(self, action: str, manifest: Json) -> tuple[Json, str]:
        """Create (or, for apply, keep) the object; it and a line for the step's log."""
        kind = str(manifest.get("kind", ""))
        if kind not in _CREATORS:
            raise ResourceError(f"a {kind or 'resource'} cannot be emulated on this machine")
        with self.lock:
            name = check_name(self._name(manifest), kind)
            existing = self.objects.get((kind, name))
            if existing is None and not self._exists(kind, name):
                obj, made = _CREATORS[kind](self, name, manifest)
                self.objects[(kind, name)] = obj
                return obj, f"{kind.lower()}/{name} created: {made}"
            if action == "create":
                raise ResourceError(f'{_RESOURCE_NAMES[kind]} "{name}" already exists')
            obj = existing or self._adopt(kind, name, manifest)
            return obj, f"{kind.lower()}/{name} unchanged"

    def _name(self, manifest: Json) -> str:
        metadata = manifest.get("metadata") or {}
        if metadata.get("name"):
            return str(metadata["name"])
        if metadata.get("generateName"):
            suffix = "".join(random.choices(_SUFFIX_LETTERS, k=5))
            return f"{metadata['generateName']}{suffix}"
        raise ResourceError("the manifest has neither metadata.name nor metadata.generateName")

    def _exists(self, kind: str, name: str) -> bool:
        folder = "volumes" if kind == CLAIM else "snapshots"
        return os.path.isdir(f"{self.run_folder}/{folder}/{name}")

    def _adopt(self, kind: str, name: str, manifest: Json) -> Json:
        """An existing claim that apply names: the object for its folder."""
        obj = self.emulated(manifest, name, _claim_status(manifest) if kind == CLAIM else {})
        self.objects[(kind, name)] = obj
        return obj

    def emulated(self, manifest: Json, name: str, status: Json) -> Json:
        """The object as the API server returns it: the manifest, named, with a status."""
        obj = copy.deepcopy(manifest)
        metadata = obj.setdefault("metadata", {})
        metadata.update(
            name=name,
            namespace=metadata.get("namespace") or self.namespace,
            uid=str(uuid.uuid4()),
            creationTimestamp=_now(),
            resourceVersion="1",
        )
        obj["status"] = status
        return obj

    def claim_size(self, claim: str) -> str:
        """A claim's capacity: what it requested, else (an existing claim) its bytes."""
        obj = self.objects.get((CLAIM, claim))
        size = ((obj or {}).get("status") or {}).get("capacity", {}).get("storage")
        return str(size) if size else str(folder_bytes(self.claim_folder(claim)))


# ---- the kinds -----------------------------------------------------------------------------------


def _requested_storage(manifest: Json, name: str) -> str:
    spec = manifest.get("spec") or {}
    storage = ((spec.get("resources") or {}).get("requests") or {}).get("storage")
    if storage in (None, ""):
        raise ResourceError(
            f'PersistentVolumeClaim "{name}" is invalid: spec.resources[storage]: Required value'
        )
    return str(storage)


def _claim_status(manifest: Json) -> Json:
    spec = manifest.get("spec") or {}
    storage = ((spec.get("resources") or {}).get("requests") or {}).get("storage")
    status: Json = {"phase": "Bound", "accessModes": list(spec.get("accessModes") or [])}
    if storage not in (None, ""):
        status["capacity"] = {"storage": str(storage)}
    return status


def _create_claim(volumes: Volumes, name: str, manifest: Json) -> tuple[Json, str]:
    _requested_storage(manifest, name)
    target = f"{volumes.run_folder}/volumes/{name}"
    source = data_source(manifest.get("spec") or {})
    if source is None:
        os.makedirs(target)
        made = f"an empty folder, volumes/{name}"
    else:
        made = _fill_from(volumes, source, target)
    obj = volumes.emulated(manifest, name, _claim_status(manifest))
    spec = obj.setdefault("spec", {})
    spec.setdefault("volumeMode", "Filesystem")
    spec.setdefault("volumeName", f"pvc-{obj['metadata']['uid']}")
    return obj, made


def _fill_from(volumes: Volumes, source: Json, target: str) -> str:
    """A claim restored from a snapshot, or cloned from a claim: a copy of its folder."""
    kind, name = str(source.get("kind", "")), str(source.get("name", ""))
    if kind == SNAPSHOT:
        folder = f"{volumes.run_folder}/snapshots/{check_name(name, SNAPSHOT)}"
        if (SNAPSHOT, name) not in volumes.objects or not os.path.isdir(folder):
            raise ResourceError(f'the claim restores VolumeSnapshot "{name}", which does not exist')
    elif kind == CLAIM:
        folder = volumes.claim_folder(name)
    else:
        raise ResourceError(f"a claim cannot start from a {kind or 'source'} on this machine")
    _copy_tree(folder, target)
    return f"a copy of {kind} {name}"


def _snapshot_claim(manifest: Json) -> str:
    """The claim a snapshot copies: `persistentVolumeClaimName` (v1), or KFP's v1alpha1
    `{kind: PersistentVolumeClaim, name}`."""
    source = (manifest.get("spec") or {}).get("source") or {}
    claim = source.get("persistentVolumeClaimName")
    if not claim and source.get("kind", CLAIM) == CLAIM:
        claim = source.get("name")
    if not claim:
        raise ResourceError(
            "the VolumeSnapshot names no claim (spec.source.persistentVolumeClaimName); "
            "pre-provisioned snapshots cannot be emulated"
        )
    return str(claim)


def _create_snapshot(volumes: Volumes, name: str, manifest: Json) -> tuple[Json, str]:
    claim = _snapshot_claim(manifest)
    _copy_tree(volumes.claim_folder(claim), f"{volumes.run_folder}/snapshots/{name}")
    obj = volumes.emulated(manifest, name, {})
    obj["status"] = {
        "boundVolumeSnapshotContentName": f"snapcontent-{obj['metadata']['uid']}",
        "creationTime": obj["metadata"]["creationTimestamp"],
        "readyToUse": True,
        "restoreSize": volumes.claim_size(claim),
    }
    return obj, f"a copy of claim {claim}, snapshots/{name}"


_CREATORS: dict[str, Callable[[Volumes, str, Json], tuple[Json, str]]] = {
    CLAIM: _create_claim,
    SNAPSHOT: _create_snapshot,
}


# ---- a resource step ---------------------------------------------------------------------------


def check_conditions(obj: Json, resource: Json) -> None:
    """Argo's rule: any failure term that holds fails the step; every success term must hold.
    An emulated object never changes, so a success condition that does not hold now never
    will (a cluster would wait until the deadline)."""
    kind, name = obj.get("kind"), (obj.get("metadata") or {}).get("name")
    try:
        failed = jsonpath.failed_requirement(obj, str(resource.get("failureCondition") or ""))
        unmet = jsonpath.unmet_requirements(obj, str(resource.get("successCondition") or ""))
    except jsonpath.PathError as exc:
        raise ResourceError(str(exc)) from None
    if failed is not None:
        raise ResourceError(f"failure condition '{failed}' evaluated true")
    if unmet:
        terms = ", ".join(str(r) for r in unmet)
        raise ResourceError(
            f"success condition '{terms}' does not hold for the emulated {kind} {name!r}, and "
            "never will on this machine"
        )


def read_outputs(obj: Json, outputs: Json) -> dict[str, str]:
    """The output parameters a resource step declares, read by jsonPath from the object."""
    found = {}
    for name, source in outputs.items():
        path = (source or {}).get("jsonPath")
        if path is None:
            continue
        try:
            found[str(name)] = jsonpath.kubectl_jsonpath(obj, str(path))
        except jsonpath.PathError as exc:
            raise ResourceError(f"output parameter {name!r}: {exc}") from None
    return found


def run_resource(volumes: Volumes, resource: Json) -> tuple[dict[str, str], str]:
    """Apply a resource step's manifest; its output parameters and a line for its log."""
    action = str(resource.get("action") or "create")
    if action not in ACTIONS:
        raise ResourceError(f"action {action!r} cannot be emulated on this machine")
    obj, line = volumes.apply(action, parse_manifest(resource.get("manifest")))
    check_conditions(obj, resource)
    return read_outputs(obj, resource.get("outputs") or {}), line
