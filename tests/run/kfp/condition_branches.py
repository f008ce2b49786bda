"""Two branches on a string output: exactly one runs."""

from kfp import dsl
from steps import coin_op, echo_op


@dsl.pipeline(name="condition-branches")
def pipeline(seed: int = 3):
    flipped = coin_op(seed)
    with dsl.Condition(flipped.output == "heads"):
        echo_op("it was heads")
    with dsl.Condition(flipped.output == "tails"):
        echo_op("it was tails")
