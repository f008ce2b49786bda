"""Python lists and maps holding pipeline inputs, the run id and a task output, passed as
component arguments (KFP serializes them to JSON with each value filled in at run time).

Checks: a JsonArray / JsonObject argument made of run-time values reaches the container as
JSON text with Argo placeholders, not as literal text.
"""

from kfp import dsl
from kfp.components import create_component_from_func


def make_name(prefix: str) -> str:
    return prefix + "-model"


def show_paths(paths: list, options: dict) -> str:
    return ",".join(paths) + " " + ",".join(sorted(options))


make_op = create_component_from_func(make_name, base_image="python:3.11")
show_op = create_component_from_func(show_paths, base_image="python:3.11")


@dsl.pipeline(name="list-arguments", description="Lists and maps of run-time values.")
def list_arguments(output_dir: str = "/tmp/out", prefix: str = "exp"):
    name = make_op(prefix)
    show_op(
        paths=[output_dir, dsl.RUN_ID_PLACEHOLDER, name.output],
        options={"dir": output_dir, "name": name.output, "fixed": 1},
    )
