"""A step over its timeout fails; what depends on it never starts."""

from kfp import dsl
from steps import echo_op, sleep_op


@dsl.pipeline(name="timeout")
def pipeline():
    slow = sleep_op(30).set_timeout(1)
    echo_op("never").after(slow)
