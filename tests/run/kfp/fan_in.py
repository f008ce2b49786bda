"""Fan-in: the outputs of every loop iteration reach one op after the loop, as a list."""

from kfp import dsl
from steps import square_op, total_op


@dsl.pipeline(name="fan-in")
def pipeline():
    with dsl.ParallelFor([1, 2, 3]) as x:
        squared = square_op(x)
    total_op(squared.output)
