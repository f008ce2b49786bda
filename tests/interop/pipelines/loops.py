"""KFP v1 twin of tests/golden/loops. KFP puts a loop's parallelism on the loop's own DAG,
which Argo applies per item; yamlpipe wraps the loop so that the limit holds across items.
Reading a loop's outputs after it (fan-in) has no KFP v1 form."""

from kfp import dsl
from twin import CSV, component

CASE = "loops"
ONLY_IN_YAMLPIPE = ["fan-in"]
# fan_in reads the outputs of from_output and names by value: yamlpipe offers them as parameters.
DIFFERENCES = {"from-output": ["outputs"], "names": ["outputs"]}


def echo(name):
    return component(CASE, "components/echo.yaml", name)


def train(name):
    return component(CASE, "components/train.yaml", name)


@dsl.pipeline(name="loops")
def pipeline(data: CSV, shards: list = '["a", "b", "c"]'):
    with dsl.ParallelFor(["red", "green", "blue"]) as colour:
        echo("static")(text=f"colour {colour}")
    with dsl.ParallelFor(
        [{"depth": 3, "learning_rate": 0.1}, {"depth": 6, "learning_rate": 0.3}]
    ) as point:
        train("maps")(data=data, depth=point.depth, rate=point.learning_rate)
    with dsl.ParallelFor(shards, parallelism=2) as shard:
        echo("from-input")(text=f"shard {shard} of {shards}")
    grid = component(CASE, "components/grid.yaml", "grid")()
    with dsl.ParallelFor(grid.outputs["points"], parallelism=4) as point:
        train("from-output")(data=data, depth=point.depth, rate=point.rate)
    with dsl.ParallelFor(grid.outputs["names"]) as name:
        dsl.ContainerOp(
            name="names",
            image="alpine:3.20",
            command=["echo", name],
            file_outputs={"echoed": "/tmp/echoed"},
        )
