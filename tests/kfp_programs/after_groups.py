"""Ordering with groups: a task after a whole Condition group, a task inside a loop after a
task outside it, and caching switched off the KFP way (max_cache_staleness P0D).

Checks: dependencies on groups (KFP's uncommon-ancestor rule) and the caching annotation.
"""

from kfp import dsl


@dsl.pipeline(name="after-groups", description="Wait for groups.")
def after_groups(flag: str = "yes"):
    first = dsl.ContainerOp(name="first", image="alpine:3.20", command=["echo", "first"])
    first.execution_options.caching_strategy.max_cache_staleness = "P0D"
    with dsl.Condition(flag == "yes") as gate:
        a = dsl.ContainerOp(name="a", image="alpine:3.20", command=["echo", "a"])
        dsl.ContainerOp(name="b", image="alpine:3.20", command=["echo", "b"]).after(a)
    dsl.ContainerOp(name="last", image="alpine:3.20", command=["echo", "last"]).after(gate)
    with dsl.ParallelFor([1, 2]) as n:
        dsl.ContainerOp(name="each", image="alpine:3.20", command=["echo", n]).after(first)
        dsl.ContainerOp(name="each-too", image="alpine:3.20", command=["echo", n])


# KFP keeps the enable_caching label "true" beside max_cache_staleness P0D; yamlpipe writes
# `cache: false` for it, which also sets the label "false" (docs/compile.md, 10).
DIFFERENCES = {"first": ["caching"]}
