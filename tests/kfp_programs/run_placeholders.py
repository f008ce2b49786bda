"""KFP's run placeholders: the run id and the workflow name passed into commands.

Checks: {{workflow.uid}} (dsl.RUN_ID_PLACEHOLDER) and {{workflow.name}} reach the container.
"""

from kfp import dsl


@dsl.pipeline(name="run-placeholders", description="Know which run this is.")
def run_placeholders(root: str = "/tmp/runs"):
    dsl.ContainerOp(
        name="where",
        image="alpine:3.20",
        command=["echo", f"{root}/{dsl.RUN_ID_PLACEHOLDER}", "{{workflow.name}}"],
    )
