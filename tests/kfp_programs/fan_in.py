"""Fan-in: a step after a ParallelFor reads the list of every iteration's output (Argo's
aggregated parameter, as KFP compiles a loop group's output), into a JsonArray input.

Checks: the loop group's output read outside it, passed by value as a JSON list.
"""

from kfp import dsl
from kfp.components import create_component_from_func


def double(number: int) -> int:
    return number * 2


def total(values: list) -> int:
    return sum(int(v) for v in values)


double_op = create_component_from_func(double, base_image="python:3.11")
total_op = create_component_from_func(total, base_image="python:3.11")


@dsl.pipeline(name="fan-in", description="Sum what a loop made.")
def fan_in():
    with dsl.ParallelFor([1, 2, 3]) as n:
        doubled = double_op(n)
    total_op(doubled.output.ignore_type())


# kfp 1.8.22's loop group reads double's output as a parameter that its data-passing rewrite
# turned into an artifact only, so KFP's package fails at this fan-in; yamlpipe's offers the
# parameter (docs/compile.md, 5).
DIFFERENCES = {"double": ["outputs"], "total": ["command_line", "params"]}
