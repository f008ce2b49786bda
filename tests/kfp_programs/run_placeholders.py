"""KFP's run placeholders: the run id and the workflow name passed into a command, which
prints only facts about them (so the output is the same for every run).

Checks: {{workflow.uid}} (dsl.RUN_ID_PLACEHOLDER) and {{workflow.name}} reach the container.
"""

from kfp import dsl


@dsl.pipeline(name="run-placeholders", description="Know which run this is.")
def run_placeholders(root: str = "/tmp/runs"):
    dsl.ContainerOp(
        name="where",
        image="alpine:3.20",
        command=[
            "sh",
            "-c",
            'case "$0" in "$1"/?*) echo under-root;; esac; test -n "$2" && echo named',
            f"{root}/{dsl.RUN_ID_PLACEHOLDER}",
            root,
            "{{workflow.name}}",
        ],
    )
