"""KFP v1 twin of tests/golden/data-passing."""

from kfp import dsl
from twin import component

CASE = "data-passing"


def both(name):
    return component(CASE, "components/both.yaml", name)


@dsl.pipeline(name="data-passing")
def pipeline(blob: str = "hello", settings: dict = '{"a": 1}'):
    both("constants")(
        text="plain text",
        file="contents of a file",
        config={"retries": 3, "tags": ["x", "y"]},
        mode="true",
    )
    both("mixed")(text=blob, file=f"prefix {blob} {{{{workflow.uid}}}}", config=settings)
    tee = component(CASE, "components/tee.yaml", "tee")(source=blob)
    both("both-ways")(text=tee.outputs["copy"], file=tee.outputs["copy"])
    with dsl.ParallelFor(["one", "two"]) as item:
        both("items")(text=item, file=item)
    both("run-name")(text="{{workflow.name}}", file="{{workflow.name}}")
    marker = dsl.ResourceOp(
        name="marker",
        action="create",
        k8s_resource={
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"generateName": "marker-"},
            "data": {"blob": blob},
        },
    )
    both("from-resource")(text=marker.outputs["name"], file=marker.outputs["manifest"])
