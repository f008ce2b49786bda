"""A ParallelFor body of two ops, the second consuming the first's output: each iteration
must see its own value, never every iteration's."""

from kfp import dsl
from steps import describe_op, square_op


@dsl.pipeline(name="loop-dependent-ops")
def pipeline():
    with dsl.ParallelFor([1, 2, 3]) as x:
        squared = square_op(x)
        describe_op(squared.output, "square")
