"""Conditions comparing numbers (>, <=, !=) on a computed score, one of them with two steps.

Checks: KFP's spelling of numeric comparisons in `when` and the groups around them.
"""

from kfp import dsl
from kfp.components import create_component_from_func


def score(text: str) -> float:
    return len(text) / 10


def label(value: float) -> str:
    return f"score {value:.1f}"


score_op = create_component_from_func(score, base_image="python:3.11")
label_op = create_component_from_func(label, base_image="python:3.11")


@dsl.pipeline(name="numeric-conditions", description="Grade a text by its length.")
def numeric_conditions(text: str = "a fairly long sentence"):
    result = score_op(text)
    with dsl.Condition(result.output > 1.5):
        named = label_op(result.output)
        dsl.ContainerOp(name="good", image="alpine:3.20", command=["echo", named.output])
    with dsl.Condition(result.output <= 1.5):
        dsl.ContainerOp(name="poor", image="alpine:3.20", command=["echo", "poor"])
    with dsl.Condition(result.output != 0):
        dsl.ContainerOp(name="nonzero", image="alpine:3.20", command=["echo", "nonzero"])
