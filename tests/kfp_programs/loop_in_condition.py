"""A ParallelFor inside a Condition: the loop runs only when the input asks for it.

Checks: a loop group nested in a condition group; an input passed through both.
"""

from kfp import dsl


@dsl.pipeline(name="loop-in-condition", description="Maybe loop.")
def loop_in_condition(mode: str = "all", suffix: str = "!"):
    with dsl.Condition(mode == "all"):
        with dsl.ParallelFor(["x", "y"]) as item:
            dsl.ContainerOp(name="shout", image="alpine:3.20", command=["echo", f"{item}{suffix}"])
        dsl.ContainerOp(name="done", image="alpine:3.20", command=["echo", "done"])
