"""Data passed as files: InputPath / OutputPath components, a text file written by one
step and counted by the next, and a value output alongside.

Checks: artifacts between tasks (inputPath / outputPath) and a by-value output.
"""

from kfp import dsl
from kfp.components import InputPath, OutputPath, create_component_from_func


def write_lines(count: int, lines_path: OutputPath("Text")):
    with open(lines_path, "w") as stream:
        for i in range(count):
            stream.write(f"line {i}\n")


def count_lines(lines_path: InputPath("Text")) -> int:
    with open(lines_path) as stream:
        return len(stream.readlines())


def double(number: int) -> int:
    return number * 2


write_op = create_component_from_func(write_lines, base_image="python:3.11")
count_op = create_component_from_func(count_lines, base_image="python:3.11")
double_op = create_component_from_func(double, base_image="python:3.11")


@dsl.pipeline(name="file-passing", description="Write a file, count its lines.")
def file_passing(count: int = 4):
    lines = write_op(count)
    counted = count_op(lines.outputs["lines"])
    double_op(counted.output)
