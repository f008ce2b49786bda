"""A ResourceOp creating a ConfigMap from a pipeline input and reading back its name, then a
step using that name.

Checks: the resource template (action, manifest with the input), its outputs, and the value
passed on. (Needs a cluster to run; it is here for its structure.)
"""

from kfp import dsl


@dsl.pipeline(name="resource-op", description="Create a ConfigMap.")
def resource_op(greeting: str = "hello"):
    config = dsl.ResourceOp(
        name="make-config",
        k8s_resource={
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"generateName": "greeting-"},
            "data": {"greeting": str(greeting)},
        },
        action="create",
        attribute_outputs={"created": "{.metadata.name}"},
    )
    dsl.ContainerOp(name="use", image="alpine:3.20", command=["echo", config.outputs["created"]])
