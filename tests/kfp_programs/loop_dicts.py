"""A ParallelFor over a list of maps, the body reading fields of the item.

Checks: withItems of maps and {{item.KEY}} references, spelled as KFP spells the keys.
"""

from kfp import dsl


@dsl.pipeline(name="loop-dicts", description="Train one configuration per item.")
def loop_dicts():
    configs = [{"lr": 0.1, "depth": 3}, {"lr": 0.01, "depth": 5}]
    with dsl.ParallelFor(configs) as config:
        dsl.ContainerOp(
            name="train",
            image="alpine:3.20",
            command=["echo", f"lr={config.lr}", f"depth={config.depth}"],
        )
        dsl.ContainerOp(
            name="log",
            image="alpine:3.20",
            command=["echo", "config", config.depth],
        )
