"""Resource limits and requests given as pipeline inputs (KFP compiles them into the
template's podSpecPatch), beside constant ones.

Checks: run-time CPU / memory values reach the pod through podSpecPatch, constants stay in
the container's resources.
"""

from kfp import dsl


@dsl.pipeline(name="runtime-resources", description="Sized at run time.")
def runtime_resources(cpu: str = "500m", memory: str = "256Mi"):
    op = dsl.ContainerOp(name="sized", image="alpine:3.20", command=["echo", "sized"])
    op.set_cpu_limit(cpu)
    op.set_memory_limit(memory)
    op.set_memory_request("128Mi")
