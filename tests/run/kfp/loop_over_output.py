"""A loop over a task's JSON list of maps, reading item fields. (Not a field called `name`:
KFP's loop argument has a `name` attribute of its own, which shadows the item's field.)"""

from kfp import dsl
from steps import describe_op, plan_op


@dsl.pipeline(name="loop-over-output")
def pipeline(count: int = 3):
    planned = plan_op(count)
    with dsl.ParallelFor(planned.output) as shard:
        describe_op(shard.size, shard.tag)
