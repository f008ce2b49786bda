"""A ParallelFor over a static list whose body is two steps, the second using the first's
output: each iteration must see its own value, not the list of all of them.

Checks: withItems on the loop group; per-iteration data passing inside it.
"""

from kfp import dsl
from kfp.components import create_component_from_func


def square(number: int) -> int:
    return number * number


def describe(number: int, squared: int) -> str:
    return f"{number} squared is {squared}"


square_op = create_component_from_func(square, base_image="python:3.11")
describe_op = create_component_from_func(describe, base_image="python:3.11")


@dsl.pipeline(name="loop-static", description="Square each number.")
def loop_static():
    with dsl.ParallelFor([1, 2, 3]) as number:
        squared = square_op(number)
        describe_op(number, squared.output)
