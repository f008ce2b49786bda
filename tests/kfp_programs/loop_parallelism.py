"""A ParallelFor with a parallelism limit, over a list of numbers, two steps per item.

Checks: the limit on how many iterations run at once, and the loop group.
"""

from kfp import dsl


@dsl.pipeline(name="loop-parallelism", description="Two at a time.")
def loop_parallelism():
    with dsl.ParallelFor([1, 2, 3, 4], parallelism=2) as n:
        first = dsl.ContainerOp(
            name="first",
            image="alpine:3.20",
            command=["sh", "-c", 'mkdir -p /tmp/o && expr "$0" + 1 > /tmp/o/n', n],
            file_outputs={"next": "/tmp/o/n"},
        )
        dsl.ContainerOp(name="second", image="alpine:3.20", command=["echo", first.outputs["next"]])
