"""The smallest pipeline: one container that prints a greeting built from a pipeline input.

Checks: a pipeline input reaches a ContainerOp's arguments; the output is the echoed text.
"""

from kfp import dsl


@dsl.pipeline(name="hello-world", description="Print a greeting.")
def hello_world(who: str = "world"):
    dsl.ContainerOp(
        name="say-hello",
        image="alpine:3.20",
        command=["sh", "-c"],
        arguments=[f"echo hello {who}"],
    )
