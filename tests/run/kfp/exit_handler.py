"""An exit handler around two ops; it runs last and sees the workflow's status."""

from kfp import dsl
from steps import describe_op, echo_op, square_op


@dsl.pipeline(name="exit-handler")
def pipeline():
    done = echo_op("status: {{workflow.status}}")
    with dsl.ExitHandler(done):
        squared = square_op(4)
        describe_op(squared.output, "square")
