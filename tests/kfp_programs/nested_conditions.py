"""Conditions nested in conditions, with a task between them: the inner condition reads a
value that exists only when the outer one held.

Checks: the inner condition is evaluated only inside the outer group (never with an
unresolved reference).
"""

from kfp import dsl
from kfp.components import create_component_from_func


def parity(number: int) -> str:
    return "even" if number % 2 == 0 else "odd"


def half(number: int) -> int:
    return number // 2


def report(text: str) -> None:
    print(text)


parity_op = create_component_from_func(parity, base_image="python:3.11")
half_op = create_component_from_func(half, base_image="python:3.11")
report_op = create_component_from_func(report, base_image="python:3.11")


@dsl.pipeline(name="nested-conditions", description="Narrow down step by step.")
def nested_conditions(number: int = 12):
    kind = parity_op(number)
    with dsl.Condition(kind.output == "even"):
        halved = half_op(number)
        with dsl.Condition(halved.output > 5):
            report_op(f"half of {number} is big: {halved.output}")
        with dsl.Condition(halved.output <= 5):
            report_op("half is small")
    with dsl.Condition(kind.output == "odd"):
        report_op("odd")
