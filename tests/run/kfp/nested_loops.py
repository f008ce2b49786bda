"""A loop inside a loop: the inner body sees both items."""

from kfp import dsl
from steps import describe_op, square_op


@dsl.pipeline(name="nested-loops")
def pipeline():
    with dsl.ParallelFor([1, 2]) as outer, dsl.ParallelFor([10, 20]) as inner:
        squared = square_op(inner)
        describe_op(squared.output, outer)
