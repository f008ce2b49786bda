"""Exit handler: a notification runs however the pipeline ends."""

from kfp import dsl

from components import echo_op, make_data_op, train_op, write_csv_op


@dsl.pipeline(name="exit-handler", description="Train, and always say how it went.")
def exit_handler_pipeline(rows: int = 20):
    notify = echo_op("run {{workflow.name}} finished: {{workflow.status}}")
    with dsl.ExitHandler(notify):
        text = make_data_op(rows)
        data = write_csv_op(text.output)
        model = train_op(data.outputs["data"])
        echo_op(f"accuracy: {model.outputs['accuracy']}")
