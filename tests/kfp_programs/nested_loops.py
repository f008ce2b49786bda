"""A ParallelFor inside a ParallelFor: the inner body uses both loops' items.

Checks: a loop group nested in a loop group; the outer item passed into the inner one.
"""

from kfp import dsl


@dsl.pipeline(name="nested-loops", description="Every pair.")
def nested_loops():
    with dsl.ParallelFor(["a", "b"]) as letter:
        with dsl.ParallelFor([1, 2]) as digit:
            dsl.ContainerOp(
                name="pair",
                image="alpine:3.20",
                command=["echo", f"{letter}{digit}"],
            )
            dsl.ContainerOp(
                name="again",
                image="alpine:3.20",
                command=["echo", digit, letter],
            )
