"""A KFP 1.8 program with VolumeOp, VolumeSnapshotOp, a volume restored from the snapshot, an
existing claim and a lightweight Python component, on the docker tests' local images.

    python kfp_volumes.py OUTPUT.yaml   (with kfp==1.8.22)
"""

import sys

from kfp import compiler, dsl
from kfp.components import create_component_from_func

BUSYBOX = "yamlpipe-test/busybox:1"


def count_words(path: str) -> int:
    """Reads a file of the restored volume."""
    with open(path) as source:
        return len(source.read().split())


count_op = create_component_from_func(count_words, base_image="yamlpipe-test/python:1")


@dsl.pipeline(name="kfp-volumes")
def kfp_volumes(size: str = "1Gi"):
    made = dsl.VolumeOp(
        name="make-volume", resource_name="data", size=size, modes=dsl.VOLUME_MODE_RWO
    )
    write = dsl.ContainerOp(
        name="write",
        image=BUSYBOX,
        command=["sh", "-c", "echo one two three > /data/words.txt"],
        pvolumes={"/data": made.volume},
    )
    snap = dsl.VolumeSnapshotOp(name="snap", resource_name="snap", volume=write.pvolume)
    change = dsl.ContainerOp(
        name="change",
        image=BUSYBOX,
        command=["sh", "-c", "echo changed > /data/words.txt"],
        pvolumes={"/data": made.volume},
    ).after(snap)
    restored = dsl.VolumeOp(
        name="restore",
        resource_name="restored",
        data_source=snap.snapshot,
        size=snap.outputs["size"],
        modes=dsl.VOLUME_MODE_RWO,
    )
    count = count_op("/restored/words.txt").add_pvolumes({"/restored": restored.volume})
    count.after(change)
    dsl.ContainerOp(
        name="existing",
        image=BUSYBOX,
        command=["sh", "-c", 'echo "$0" > /shared/count.txt', count.output],
        pvolumes={"/shared": dsl.PipelineVolume(pvc="shared-claim")},
    )


if __name__ == "__main__":
    compiler.Compiler().compile(kfp_volumes, sys.argv[1])
