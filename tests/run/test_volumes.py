"""Volumes emulated as folders of a run, and the object paths and conditions resource steps
read: pure Python, no engine needed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from yamlpipe.run import jsonpath, volumes
from yamlpipe.run.model import Mount

CLAIM = """\
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: {name}
spec:
  accessModes: [ReadWriteOnce]
  resources:
    requests:
      storage: 2Gi
"""
SNAPSHOT_V1 = """\
apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshot
metadata:
  name: {name}
spec:
  source: {{persistentVolumeClaimName: {claim}}}
"""
SNAPSHOT_KFP = """\
apiVersion: snapshot.storage.k8s.io/v1alpha1
kind: VolumeSnapshot
metadata:
  name: {name}
spec:
  source: {{kind: PersistentVolumeClaim, name: {claim}}}
"""
RESTORE = """\
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: {name}
spec:
  accessModes: [ReadWriteMany]
  resources: {{requests: {{storage: "{size}"}}}}
  dataSource: {{apiGroup: snapshot.storage.k8s.io, kind: VolumeSnapshot, name: {snapshot}}}
"""
KFP_OUTPUTS = {
    "name": {"jsonPath": "{.metadata.name}"},
    "size": {"jsonPath": "{.status.capacity.storage}"},
    "manifest": {"jsonPath": "{}"},
}


def _resource(manifest: str, **extra: object) -> dict[str, object]:
    return {"action": "create", "manifest": manifest, **extra}


# ---- kubectl jsonpath -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("{.metadata.name}", "claim"),
        ("{$.metadata.name}", "claim"),
        ("{.spec.accessModes[0]}", "ReadWriteOnce"),
        ("{.metadata.labels['app.kubernetes.io/name']}", "data"),
        ("{.status.ready}", "true"),
        ("{.status.count}", "3"),
        ("{.status.missing}", ""),
        ("{.spec.accessModes}", '["ReadWriteOnce"]'),
        ("{}", '{"metadata":{"labels":{"app.kubernetes.io/name":"data"},"name":"claim"},'
         '"spec":{"accessModes":["ReadWriteOnce"]},"status":{"count":3,"ready":true}}'),
    ],
)  # fmt: skip
def test_kubectl_jsonpath_reads_what_kubectl_prints(expression: str, expected: str) -> None:
    obj = {
        "metadata": {"name": "claim", "labels": {"app.kubernetes.io/name": "data"}},
        "spec": {"accessModes": ["ReadWriteOnce"]},
        "status": {"ready": True, "count": 3},
    }
    assert jsonpath.kubectl_jsonpath(obj, expression) == expected


def test_a_jsonpath_that_is_not_one_expression_is_refused() -> None:
    with pytest.raises(jsonpath.PathError, match="not one"):
        jsonpath.kubectl_jsonpath({}, ".metadata.name")


# ---- Argo's conditions --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("selector", "holds"),
    [
        ("status.readyToUse == true", True),
        ("status.readyToUse=true", True),
        ("status.readyToUse != true", False),
        ("status.phase in (Bound, Pending)", True),
        ("status.phase notin (Bound)", False),
        ("status.phase", True),
        ("!status.failed", True),
        ("status.restoreBytes > 5", True),
        ("status.restoreBytes < 5", False),
        ("status.readyToUse == true, status.phase == Bound", True),
        ("status.readyToUse == true, status.phase == Lost", False),
        ("status.absent != x", True),
        ("metadata.labels.app\\.kubernetes\\.io/name == data", True),
    ],
)
def test_success_conditions_follow_label_selector_rules(selector: str, holds: bool) -> None:
    obj = {
        "metadata": {"labels": {"app.kubernetes.io/name": "data"}},
        "status": {"readyToUse": True, "phase": "Bound", "restoreBytes": 10},
    }
    assert (jsonpath.unmet_requirements(obj, selector) == []) is holds


def test_any_failure_term_that_holds_fails() -> None:
    obj = {"status": {"phase": "Failed", "ready": False}}
    failed = jsonpath.failed_requirement(obj, "status.ready == true, status.phase == Failed")
    assert str(failed) == "status.phase==Failed"
    assert jsonpath.failed_requirement(obj, "") is None


def test_a_condition_that_does_not_parse_is_an_error() -> None:
    with pytest.raises(jsonpath.PathError, match="cannot read"):
        jsonpath.parse_selector("status.phase in Bound")


# ---- claims and snapshots as folders ------------------------------------------------------------


def test_volume_op_snapshot_and_restore_copy_folders(tmp_path: Path) -> None:
    run = volumes.Volumes(str(tmp_path), "team")
    outputs, line = volumes.run_resource(
        run, _resource(CLAIM.format(name="data"), outputs=KFP_OUTPUTS)
    )
    assert outputs["name"] == "data" and outputs["size"] == "2Gi"
    assert "created" in line
    manifest = json.loads(outputs["manifest"])
    assert manifest["status"]["phase"] == "Bound"
    assert manifest["metadata"]["namespace"] == "team"
    (tmp_path / "volumes" / "data" / "file.txt").write_text("v1")

    snap_outputs = {
        "name": {"jsonPath": "{.metadata.name}"},
        "size": {"jsonPath": "{.status.restoreSize}"},
    }
    snapshot = _resource(
        SNAPSHOT_KFP.format(name="snap", claim="data"),
        successCondition="status.readyToUse == true",
        outputs=snap_outputs,
    )
    assert volumes.run_resource(run, snapshot)[0] == {"name": "snap", "size": "2Gi"}
    (tmp_path / "volumes" / "data" / "file.txt").write_text("v2")
    restore = RESTORE.format(name="restored", size="2Gi", snapshot="snap")
    volumes.run_resource(run, _resource(restore))

    assert (tmp_path / "snapshots" / "snap" / "file.txt").read_text() == "v1"
    assert (tmp_path / "volumes" / "restored" / "file.txt").read_text() == "v1"


def test_an_existing_claim_is_an_empty_folder_of_the_run(tmp_path: Path) -> None:
    run = volumes.Volumes(str(tmp_path))
    source = run.mount_source(Mount("/data", "shared-datasets", "raw/2024", read_only=True))
    assert source == str(tmp_path / "volumes" / "shared-datasets" / "raw" / "2024")
    assert Path(source).is_dir() and not any(Path(source).iterdir())
    snapshot = SNAPSHOT_V1.format(name="shared-snap", claim="shared-datasets")
    outputs = {"size": {"jsonPath": "{.status.restoreSize}"}}
    assert volumes.run_resource(run, _resource(snapshot, outputs=outputs))[0] == {"size": "0"}


def test_an_existing_claim_starts_as_a_copy_of_its_seed(tmp_path: Path) -> None:
    seed = tmp_path / "claims" / "shared-datasets"
    (seed / "raw").mkdir(parents=True)
    (seed / "raw" / "events.csv").write_text("a,b\n")
    run = volumes.Volumes(str(tmp_path / "run"), seeds=str(tmp_path / "claims"))
    folder = Path(run.mount_source(Mount("/data", "shared-datasets")))
    assert (folder / "raw" / "events.csv").read_text() == "a,b\n"
    (folder / "raw" / "events.csv").write_text("changed")
    assert (seed / "raw" / "events.csv").read_text() == "a,b\n"
    assert not any(Path(run.claim_folder("other-claim")).iterdir())


def test_create_refuses_a_claim_that_exists_and_apply_keeps_it(tmp_path: Path) -> None:
    run = volumes.Volumes(str(tmp_path))
    volumes.run_resource(run, _resource(CLAIM.format(name="data")))
    with pytest.raises(volumes.ResourceError, match='persistentvolumeclaims "data" already'):
        volumes.run_resource(run, _resource(CLAIM.format(name="data")))
    _, line = volumes.run_resource(run, {"action": "apply", "manifest": CLAIM.format(name="data")})
    assert line.endswith("unchanged")


def test_generate_name_gets_a_suffix(tmp_path: Path) -> None:
    manifest = CLAIM.replace("name: {name}", "generateName: data-")
    outputs = {"name": {"jsonPath": "{.metadata.name}"}}
    name = volumes.run_resource(
        volumes.Volumes(str(tmp_path)), _resource(manifest, outputs=outputs)
    )[0]["name"]
    assert name.startswith("data-") and len(name) == len("data-") + 5


NO_STORAGE = CLAIM.replace("      storage: 2Gi\n", "      {{}}\n")
SNAPSHOT = SNAPSHOT_V1.format(name="s", claim="c")


@pytest.mark.parametrize(
    ("resource", "message"),
    [
        (_resource(RESTORE.format(name="r", size="1Gi", snapshot="nope")), "does not exist"),
        (_resource(CLAIM.format(name="Bad_Name")), "not a valid Kubernetes name"),
        (_resource(NO_STORAGE.format(name="c")), "Required value"),
        (_resource(SNAPSHOT, successCondition="status.readyToUse == false"), "does not hold"),
        (
            _resource(SNAPSHOT, failureCondition="status.readyToUse == true"),
            "failure condition 'status.readyToUse==true' evaluated true",
        ),
        (_resource("kind: [unclosed"), "not valid YAML"),
        ({"action": "delete", "manifest": CLAIM.format(name="c")}, "cannot be emulated"),
    ],
)
def test_resource_failures_are_clear(
    tmp_path: Path, resource: dict[str, object], message: str
) -> None:
    with pytest.raises(volumes.ResourceError, match=message):
        volumes.run_resource(volumes.Volumes(str(tmp_path)), resource)


@pytest.mark.parametrize("sub_path", ["/etc", "../other", "a/../../b"])
def test_a_sub_path_never_leaves_its_volume(tmp_path: Path, sub_path: str) -> None:
    with pytest.raises(volumes.ResourceError, match="relative path"):
        volumes.Volumes(str(tmp_path)).mount_source(Mount("/data", "claim", sub_path))
