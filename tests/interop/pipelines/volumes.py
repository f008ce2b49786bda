"""KFP v1 twin of tests/golden/volumes. KFP writes snapshot.storage.k8s.io/v1alpha1
VolumeSnapshots (removed from Kubernetes); yamlpipe writes v1 (same fields compared)."""

from kfp import dsl
from kubernetes.client import V1PersistentVolumeClaimVolumeSource, V1Volume, V1VolumeMount

CASE = "volumes"


def mount(op, volume, path, sub_path=None, read_only=False):
    op.add_volume(volume)
    op.container.add_volume_mount(
        V1VolumeMount(
            mount_path=path, name=volume.name, sub_path=sub_path, read_only=read_only or None
        )
    )
    return op


@dsl.pipeline(name="volumes")
def pipeline():
    work = dsl.VolumeOp(
        name="work",
        resource_name="Work Area",
        size="5Gi",
        modes=["ReadWriteMany"],
        storage_class="fast",
        annotations={"backup": "daily"},
    )
    shared = V1Volume(
        name="shared",
        persistent_volume_claim=V1PersistentVolumeClaimVolumeSource(
            claim_name="team-data", read_only=True
        ),
    )
    fill = dsl.ContainerOp(
        name="fill",
        image="alpine:3.20",
        command=["sh", "-c", "cp -r /in/* /work/"],
        pvolumes={"/work": work.volume},
    )
    mount(fill, shared, "/in", sub_path="exports/v1", read_only=True)
    snap = dsl.VolumeSnapshotOp(
        name="snap",
        resource_name="snap",
        volume=work.volume,
        snapshot_class="csi-snapclass",
        annotations={"made-by": "yamlpipe"},
    ).after(fill)
    dsl.VolumeSnapshotOp(name="snap-shared", resource_name="shared-copy", pvc="team-data")
    copy = dsl.VolumeOp(
        name="copy",
        resource_name="copy",
        size="5Gi",
        modes=["ReadWriteOnce"],
        data_source=snap.snapshot,
    )
    check = dsl.ContainerOp(name="check", image="alpine:3.20", command=["ls", "-R", "/data"])
    mount(
        check,
        V1Volume(
            name="copy",
            persistent_volume_claim=V1PersistentVolumeClaimVolumeSource(
                claim_name=copy.outputs["name"]
            ),
        ),
        "/data",
        read_only=True,
    )
    mount(
        check,
        V1Volume(
            name="work",
            persistent_volume_claim=V1PersistentVolumeClaimVolumeSource(
                claim_name=work.outputs["name"]
            ),
        ),
        "/logs",
        sub_path="logs",
    )
    check.after(snap)
