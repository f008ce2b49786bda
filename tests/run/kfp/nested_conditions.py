"""A condition inside a condition; the inner one reads a task of the outer body. When the
outer condition is false the inner one must not be evaluated at all."""

from kfp import dsl
from steps import coin_op, echo_op, square_op


@dsl.pipeline(name="nested-conditions")
def pipeline(seed: int = 2, threshold: int = 3):
    flipped = coin_op(seed)
    with dsl.Condition(flipped.output == "heads"):
        squared = square_op(seed)
        with dsl.Condition(squared.output > threshold):
            echo_op("big heads")
    with dsl.Condition(flipped.output == "tails"):
        squared2 = square_op(seed)
        with dsl.Condition(squared2.output > threshold):
            echo_op("big tails")
