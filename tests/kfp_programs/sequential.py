"""Two containers in sequence: the first writes a file output, the second reads its value.

Checks: file_outputs become outputs read by value downstream, and the dependency they make.
"""

from kfp import dsl


@dsl.pipeline(name="sequential", description="Write, then read.")
def sequential(text: str = "abc"):
    write = dsl.ContainerOp(
        name="write",
        image="alpine:3.20",
        command=["sh", "-c", 'mkdir -p /tmp/out && printf "%s" "$0" | rev > /tmp/out/text'],
        arguments=[text],
        file_outputs={"reversed": "/tmp/out/text"},
    )
    dsl.ContainerOp(
        name="read",
        image="alpine:3.20",
        command=["echo", "reversed:", write.outputs["reversed"]],
    )
