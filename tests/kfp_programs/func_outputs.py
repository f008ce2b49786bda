"""Function components with several outputs (a NamedTuple) and typed inputs, chained.

Checks: create_component_from_func with NamedTuple outputs; outputs[name] passed by value.
"""

from typing import NamedTuple

from kfp import dsl
from kfp.components import create_component_from_func


def divide(dividend: int, divisor: int) -> NamedTuple(
    "Result", [("quotient", int), ("remainder", int)]
):
    return (dividend // divisor, dividend % divisor)


def combine(quotient: int, remainder: int, divisor: int) -> int:
    return quotient * divisor + remainder


def check(original: int, rebuilt: int) -> str:
    return "same" if original == rebuilt else "different"


divide_op = create_component_from_func(divide, base_image="python:3.11")
combine_op = create_component_from_func(combine, base_image="python:3.11")
check_op = create_component_from_func(check, base_image="python:3.11")


@dsl.pipeline(name="func-outputs", description="Divide and put back together.")
def func_outputs(dividend: int = 17, divisor: int = 5):
    parts = divide_op(dividend, divisor)
    rebuilt = combine_op(parts.outputs["quotient"], parts.outputs["remainder"], divisor)
    check_op(dividend, rebuilt.output)
