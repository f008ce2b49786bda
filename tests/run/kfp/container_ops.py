"""ContainerOp with file_outputs and a pipeline parameter inside a longer argument."""

from kfp import dsl


@dsl.pipeline(name="container-ops")
def pipeline(who: str = "world"):
    hello = dsl.ContainerOp(
        name="hello",
        image="alpine",
        command=["sh", "-c", f'echo "hello {who}" > /tmp/greeting.txt'],
        file_outputs={"greeting": "/tmp/greeting.txt"},
    )
    dsl.ContainerOp(
        name="shout",
        image="alpine",
        command=["sh", "-c", 'echo "$0" | tr a-z A-Z > /tmp/loud.txt', hello.outputs["greeting"]],
        file_outputs={"loud": "/tmp/loud.txt"},
    )
