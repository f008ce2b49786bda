"""A ParallelFor over a list one step computes at run time; each iteration runs two steps.

Checks: withParam from a task output, the dependency on the producing task, and values
passed into the loop group from outside it.
"""

from kfp import dsl
from kfp.components import create_component_from_func


def make_shards(count: int) -> list:
    return [f"shard-{i}" for i in range(count)]


def process(shard: str, prefix: str) -> str:
    return f"{prefix}/{shard}"


def store(path: str) -> None:
    print("stored", path)


make_op = create_component_from_func(make_shards, base_image="python:3.11")
process_op = create_component_from_func(process, base_image="python:3.11")
store_op = create_component_from_func(store, base_image="python:3.11")


@dsl.pipeline(name="loop-over-output", description="Fan out over computed shards.")
def loop_over_output(count: int = 3, prefix: str = "data"):
    shards = make_op(count)
    with dsl.ParallelFor(shards.output) as shard:
        done = process_op(shard, prefix)
        store_op(done.output)
