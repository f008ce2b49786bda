"""Loops: a static list of maps, a list from a pipeline input, a task after the loop."""

from kfp import dsl

from components import echo_op, train_op, write_csv_op


@dsl.pipeline(name="loops", description="Train once per setting.")
def loops_pipeline(shards: list = ["a", "b", "c"], text: str = "1,2\n3,4"):  # noqa: B006
    data = write_csv_op(text)
    with dsl.ParallelFor([{"epochs": 1, "tag": "quick"}, {"epochs": 5, "tag": "long"}]) as setting:
        train_op(data=data.outputs["data"], epochs=setting.epochs)
    with dsl.ParallelFor(shards, parallelism=2) as shard:
        echo_op(f"shard {shard}")
    echo_op("done").after(data)
