"""Retries: an op that fails twice succeeds on its third attempt."""

from kfp import dsl
from steps import describe_op, flaky_op


@dsl.pipeline(name="retries")
def pipeline(counter: str = "/tmp/counter"):
    attempts = flaky_op(counter, 3).set_retry(3)
    describe_op(attempts.output, "attempts")
