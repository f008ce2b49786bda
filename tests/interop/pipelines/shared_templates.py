"""KFP v1 twin of tests/golden/shared-templates (KFP writes one template per task)."""

from kfp import dsl
from twin import CSV, component

CASE = "shared-templates"


def split(name):
    return component(CASE, "components/split.yaml", name)


@dsl.pipeline(name="shared-templates")
def pipeline(data: CSV):
    first = split("first")(data=data, column="a")
    second = split("second")(data=first.outputs["train"], column="b", seed=1)
    split("third")(data=second.outputs["train"], column=f"n={first.outputs['count']}")
    big = split("big")(data=data, column="c")
    big.set_cpu_limit("8").set_memory_limit("32Gi")
    named = split("named")(data=data, column="d")
    named.set_display_name("Named split")
