"""An ExitHandler around a loop and a condition: the handled steps include groups, and the
exit step reports the status.

Checks: groups inside the exit-handler group; onExit.
"""

from kfp import dsl


@dsl.pipeline(name="exit-handler-groups", description="Loop and branch, then report.")
def exit_handler_groups(mode: str = "full"):
    report = dsl.ContainerOp(
        name="report", image="alpine:3.20", command=["echo", "{{workflow.status}}"]
    )
    with dsl.ExitHandler(report):
        start = dsl.ContainerOp(name="start", image="alpine:3.20", command=["echo", "start"])
        with dsl.ParallelFor(["a", "b"]) as part:
            dsl.ContainerOp(name="part", image="alpine:3.20", command=["echo", part]).after(start)
        with dsl.Condition(mode == "full"):
            one = dsl.ContainerOp(name="one", image="alpine:3.20", command=["echo", "one"])
            dsl.ContainerOp(name="two", image="alpine:3.20", command=["echo", "two"]).after(one)
