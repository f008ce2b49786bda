"""A component writing KFP UI metadata and metrics (mlpipeline_ui_metadata and
mlpipeline_metrics outputs), decorated with func_to_container_op, then a step reading a value.

Checks: the UI outputs keep KFP's unprefixed names; a decorated function is a task factory.
"""

from typing import NamedTuple

from kfp import dsl
from kfp.components import OutputPath, func_to_container_op


@func_to_container_op
def evaluate(
    accuracy: float,
    mlpipeline_ui_metadata_path: OutputPath("UI_metadata"),
    mlpipeline_metrics_path: OutputPath("Metrics"),
) -> NamedTuple("Outputs", [("verdict", str)]):
    import json

    with open(mlpipeline_metrics_path, "w") as stream:
        json.dump({"metrics": [{"name": "accuracy", "numberValue": accuracy}]}, stream)
    with open(mlpipeline_ui_metadata_path, "w") as stream:
        json.dump(
            {"outputs": [{"type": "markdown", "storage": "inline", "source": "# ok"}]}, stream
        )
    return ("good" if accuracy > 0.8 else "bad",)


@dsl.pipeline(name="metrics-outputs", description="Report to the KFP UI.")
def metrics_outputs(accuracy: float = 0.9):
    result = evaluate(accuracy)
    with dsl.Condition(result.outputs["verdict"] == "good", name="is-good"):
        dsl.ContainerOp(name="celebrate", image="alpine:3.20", command=["echo", "good"])
        dsl.ContainerOp(
            name="log", image="alpine:3.20", command=["echo", result.outputs["verdict"]]
        )
