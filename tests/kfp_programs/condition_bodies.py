"""A coin decided by the input's parity; each branch of the Condition runs two steps, the
second reading the first's output (one body, one sub-DAG).

Checks: Condition bodies with several tasks become one group each; values pass inside them.
"""

from kfp import dsl
from kfp.components import create_component_from_func


def flip(seed: int) -> str:
    return "heads" if seed % 2 == 0 else "tails"


def shout(text: str) -> str:
    return text.upper() + "!"


def show(text: str) -> None:
    print(text)


flip_op = create_component_from_func(flip, base_image="python:3.11")
shout_op = create_component_from_func(shout, base_image="python:3.11")
show_op = create_component_from_func(show, base_image="python:3.11")


@dsl.pipeline(name="condition-bodies", description="Two steps per branch.")
def condition_bodies(seed: int = 4):
    side = flip_op(seed)
    with dsl.Condition(side.output == "heads"):
        loud = shout_op("won on heads")
        show_op(loud.output)
    with dsl.Condition(side.output == "tails"):
        loud = shout_op("won on tails")
        show_op(loud.output)
