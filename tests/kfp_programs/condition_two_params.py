"""A Condition comparing a task output with a pipeline input (values on both sides), with a
multi-step body, and the inverse condition with a single step.

Checks: `when` with references on both sides, inputs passed into the condition group.
"""

from kfp import dsl


@dsl.pipeline(name="condition-two-params", description="Compare with an input.")
def condition_two_params(expected: str = "ok", note: str = "checked"):
    probe = dsl.ContainerOp(
        name="probe",
        image="alpine:3.20",
        command=["sh", "-c", "mkdir -p /tmp/o && echo ok > /tmp/o/s"],
        file_outputs={"status": "/tmp/o/s"},
    )
    with dsl.Condition(probe.outputs["status"] == expected):
        good = dsl.ContainerOp(name="good", image="alpine:3.20", command=["echo", note])
        dsl.ContainerOp(
            name="more", image="alpine:3.20", command=["echo", probe.outputs["status"]]
        ).after(good)
    with dsl.Condition(probe.outputs["status"] != expected):
        dsl.ContainerOp(name="bad", image="alpine:3.20", command=["echo", "bad", expected])
