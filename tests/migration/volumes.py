"""Volumes: a per-run VolumeOp handed from task to task, and an existing claim."""

from kfp import dsl


@dsl.pipeline(name="volumes", description="Write to a fresh volume, read it back.")
def volumes_pipeline(message: str = "hello"):
    vop = dsl.VolumeOp(
        name="create-volume",
        resource_name="work",
        size="1Gi",
        modes=dsl.VOLUME_MODE_RWO,
        storage_class="standard",
    )
    write = dsl.ContainerOp(
        name="write",
        image="alpine:3.20",
        command=["sh", "-c", f"echo {message} > /work/message"],
        pvolumes={"/work": vop.volume},
    )
    read = dsl.ContainerOp(
        name="read",
        image="alpine:3.20",
        command=["sh", "-c", "cat /work/message && cat /shared/README"],
        pvolumes={"/work": write.pvolume, "/shared": dsl.PipelineVolume(pvc="shared-data")},
    )
    read.set_display_name("Read it back")
