"""A Condition inside a ParallelFor deciding on the loop item, with two steps when it holds.

Checks: a condition group nested in a loop group, its `when` reading the item.
"""

from kfp import dsl


@dsl.pipeline(name="condition-in-loop", description="Only the big ones.")
def condition_in_loop():
    with dsl.ParallelFor([2, 7, 9]) as n:
        with dsl.Condition(n > 5):
            big = dsl.ContainerOp(
                name="big",
                image="alpine:3.20",
                command=["sh", "-c", 'mkdir -p /tmp/o && echo "big $0" > /tmp/o/t', n],
                file_outputs={"text": "/tmp/o/t"},
            )
            dsl.ContainerOp(name="say", image="alpine:3.20", command=["echo", big.outputs["text"]])
