"""ResourceOps: create a ConfigMap from pipeline values, use its name, delete it after."""

from kfp import dsl


@dsl.pipeline(name="resource-ops", description="Create a ConfigMap and read it.")
def resource_ops_pipeline(owner: str = "ml-team"):
    config = dsl.ResourceOp(
        name="create-config",
        k8s_resource={
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"generateName": "run-config-", "labels": {"owner": owner}},
            "data": {"owner": owner},
        },
        action="create",
        attribute_outputs={"config_name": "{.metadata.name}"},
    )
    dsl.ContainerOp(
        name="use-config",
        image="bitnami/kubectl:1.31",
        command=["kubectl", "get", "configmap", config.outputs["config_name"]],
    )
    dsl.ResourceOp(
        name="patch-config",
        k8s_resource={"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "shared"}},
        action="apply",
        success_condition="metadata.name",
    ).after(config)
