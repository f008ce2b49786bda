"""The body fails; the exit handler still runs and sees Failed; the op after the failing one
never starts."""

from kfp import dsl
from steps import echo_op, fail_op


@dsl.pipeline(name="exit-after-failure")
def pipeline():
    done = echo_op("status: {{workflow.status}}")
    with dsl.ExitHandler(done):
        failed = fail_op("broken on purpose")
        echo_op("never").after(failed)
