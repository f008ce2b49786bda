"""A VolumeOp whose size is a pipeline input (KFP writes it into the claim's manifest as a
template input), mounted by one step.

Checks: the parameterized PVC manifest and the value passed to it. (Needs a cluster with a
default StorageClass to run; it is here for its structure.)
"""

from kfp import dsl


@dsl.pipeline(name="volume-size-input", description="A volume sized at run time.")
def volume_size_input(size: str = "2Gi"):
    vop = dsl.VolumeOp(
        name="scratch", resource_name="scratch", size=size, modes=dsl.VOLUME_MODE_RWO
    )
    dsl.ContainerOp(
        name="use",
        image="alpine:3.20",
        command=["sh", "-c", "test -d /scratch && echo mounted"],
        pvolumes={"/scratch": vop.volume},
    )
