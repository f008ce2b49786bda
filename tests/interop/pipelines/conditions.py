"""KFP v1 twin of tests/golden/conditions: dsl.Condition takes one comparison, so `and`
becomes nested conditions and `or` / `not` cannot be written at all."""

from kfp import dsl
from twin import component

CASE = "conditions"
ONLY_IN_YAMLPIPE = ["low", "complex"]
# `low` reads flip's score by value; without it KFP offers only the side as a parameter.
DIFFERENCES = {"flip": ["outputs"]}


def echo(name):
    return component(CASE, "components/echo.yaml", name)


def coin(name):
    return component(CASE, "components/coin.yaml", name)


@dsl.pipeline(name="conditions")
def pipeline(mode: str = "full", limit: int = 3):
    flip = coin("flip")()
    with dsl.Condition(flip.outputs["side"] == "heads"):
        echo("heads")(text="heads")
    with dsl.Condition(flip.outputs["side"] != "heads"):
        echo("tails")(text="tails")
    with dsl.ParallelFor([1, 2, 3, 4]) as item, dsl.Condition(item <= limit):
        echo("each")(text=f"item {item}")
    with dsl.Condition(flip.outputs["side"] == "heads"), dsl.Condition(mode != "dry"):
        inner = coin("nested-flip")()
        with dsl.Condition(inner.outputs["score"] > 0.9):
            echo("nested-high")(text="high")
