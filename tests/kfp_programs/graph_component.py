"""A @dsl.graph_component (not recursive) called once: its steps run as a group.

Checks: the graph group and the values passed into it.
"""

from kfp import dsl


@dsl.graph_component
def prepare(name):
    clean = dsl.ContainerOp(
        name="clean",
        image="alpine:3.20",
        command=["sh", "-c", 'mkdir -p /tmp/o && echo "clean-$0" > /tmp/o/n', name],
        file_outputs={"name": "/tmp/o/n"},
    )
    dsl.ContainerOp(name="check", image="alpine:3.20", command=["echo", clean.outputs["name"]])


@dsl.pipeline(name="graph-component", description="A graph of two steps.")
def graph_component(dataset: str = "iris"):
    start = dsl.ContainerOp(
        name="start",
        image="alpine:3.20",
        command=["sh", "-c", 'mkdir -p /tmp/o && echo "$0" > /tmp/o/d', dataset],
        file_outputs={"dataset": "/tmp/o/d"},
    )
    prepare(start.outputs["dataset"])
