"""A ParallelFor over a pipeline input holding a JSON list; the body has two steps.

Checks: withParam from a pipeline input; per-iteration data passing inside the group.
"""

from kfp import dsl


@dsl.pipeline(name="loop-parameter", description="One pass per word.")
def loop_parameter(words: list = ["alpha", "beta"]):
    with dsl.ParallelFor(words) as word:
        upper = dsl.ContainerOp(
            name="upper",
            image="alpine:3.20",
            command=["sh", "-c", 'mkdir -p /tmp/o && echo "$0" | tr a-z A-Z > /tmp/o/v', word],
            file_outputs={"value": "/tmp/o/v"},
        )
        dsl.ContainerOp(
            name="print",
            image="alpine:3.20",
            command=["echo", word, "->", upper.outputs["value"]],
        )
