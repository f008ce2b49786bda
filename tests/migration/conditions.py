"""Conditions: a coin flip decides, nested conditions narrow further."""

from kfp import dsl

from components import echo_op, flip_coin_op, random_number_op


@dsl.pipeline(name="conditions", description="Flip a coin, then decide.")
def conditions_pipeline(seed: int = 7):
    flip = flip_coin_op(seed)
    with dsl.Condition(flip.output == "heads"):
        number = random_number_op(0, 9)
        with dsl.Condition(number.output > 5):
            echo_op(f"heads and big: {number.output}")
        with dsl.Condition(number.output <= 5):
            echo_op("heads and small")
    with dsl.Condition(flip.output == "tails"):
        echo_op("tails")
