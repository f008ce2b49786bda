"""KFP v1 twin of tests/golden/component-basics."""

from kfp import dsl
from twin import component

CASE = "component-basics"
split = component(CASE, "components/split.yaml", "split")
split_again = component(CASE, "components/split.yaml", "split_again")
split_plain = component(CASE, "components/split.yaml", "split_plain")
report = component(CASE, "components/report.yaml", "report")


@dsl.pipeline(
    name="Component basics", description="Fetch rows, split them three ways, report on one split."
)
def pipeline(label: str, url: str = "https://example.com/rows.csv"):
    fetch = dsl.ContainerOp(
        name="fetch",
        image="curlimages/curl:8.10.1",
        command=["sh", "-c", 'curl -sSfL "$0" -o /tmp/rows.csv', url],
        file_outputs={"rows": "/tmp/rows.csv"},
    )
    first = split(data=fetch.outputs["rows"], column=label)
    split_again(data=fetch.outputs["rows"], column="species", fraction=0.3)
    split_plain(data=fetch.outputs["rows"], seed=7)
    report(
        title=f"Split of {url}: {first.outputs['count']} rows",
        table=first.outputs["train"],
        verbose=True,
    )
