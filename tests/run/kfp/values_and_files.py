"""Data passing by value and by file: a file written by one op is read by the next."""

from kfp import dsl
from steps import count_lines_op, describe_op, produce_op


@dsl.pipeline(name="values-and-files")
def pipeline(n: int = 3):
    made = produce_op(n)
    counted = count_lines_op(made.outputs["text"], made.outputs["Output"])
    describe_op(counted.output, "lines")
