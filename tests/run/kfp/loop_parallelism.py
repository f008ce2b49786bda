"""A loop with a parallelism limit and a task that waits for the whole loop."""

from kfp import dsl
from steps import echo_op, square_op


@dsl.pipeline(name="loop-parallelism")
def pipeline(items: list = [1, 2, 3, 4]):  # noqa: B006
    with dsl.ParallelFor(items, parallelism=1) as x:
        squared = square_op(x)
    echo_op("after the loop").after(squared)
