"""A volume created per run (VolumeOp), written by one step and read by the next through the
task's pvolume, then snapshotted.

Checks: the PVC, its mounts, the hand-off dependency and the VolumeSnapshot. (Needs a cluster
with a default StorageClass and snapshots to run; it is here for its structure.)
"""

from kfp import dsl


@dsl.pipeline(name="volume-handoff", description="Write, read, snapshot.")
def volume_handoff(size: str = "1Gi"):
    vop = dsl.VolumeOp(name="work", resource_name="work", size="1Gi", modes=dsl.VOLUME_MODE_RWO)
    write = dsl.ContainerOp(
        name="write",
        image="alpine:3.20",
        command=["sh", "-c", "echo hello > /data/file"],
        pvolumes={"/data": vop.volume},
    )
    read = dsl.ContainerOp(
        name="read",
        image="alpine:3.20",
        command=["cat", "/data/file"],
        pvolumes={"/data": write.pvolume},
    )
    dsl.VolumeSnapshotOp(name="snap", resource_name="work-snap", volume=read.pvolume)
