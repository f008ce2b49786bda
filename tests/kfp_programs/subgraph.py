"""A SubGraph limiting how many of its steps run at once, after a first step.

Checks: the subgraph group with its parallelism; a value passed into it.
"""

from kfp import dsl


@dsl.pipeline(name="subgraph", description="One at a time inside the group.")
def subgraph(tag: str = "v1"):
    first = dsl.ContainerOp(
        name="first",
        image="alpine:3.20",
        command=["sh", "-c", 'mkdir -p /tmp/o && echo "$0-ready" > /tmp/o/t', tag],
        file_outputs={"tag": "/tmp/o/t"},
    )
    with dsl.SubGraph(parallelism=1):
        dsl.ContainerOp(name="a", image="alpine:3.20", command=["echo", "a", first.outputs["tag"]])
        dsl.ContainerOp(name="b", image="alpine:3.20", command=["echo", "b", first.outputs["tag"]])
