"""An ExitHandler: a final step that prints the run's status, around three steps.

Checks: onExit with {{workflow.status}}, the exit-handler group around the handled steps.
"""

from kfp import dsl


@dsl.pipeline(name="exit-handler", description="Always say goodbye.")
def exit_handler(name: str = "run"):
    goodbye = dsl.ContainerOp(
        name="goodbye",
        image="alpine:3.20",
        command=["echo", "finished with", "{{workflow.status}}"],
    )
    with dsl.ExitHandler(goodbye):
        one = dsl.ContainerOp(name="one", image="alpine:3.20", command=["echo", name])
        two = dsl.ContainerOp(name="two", image="alpine:3.20", command=["echo", "two"]).after(one)
        dsl.ContainerOp(name="three", image="alpine:3.20", command=["echo", "three"]).after(two)
