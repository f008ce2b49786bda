"""KFP v1 twin of tests/golden/graph-component: what kfp 1.8.22 makes of the graph
component: its tasks inlined, but `isEnabled` and `executionOptions` dropped (yamlpipe
honours them: conditions, retry and cache staleness)."""

from kfp import dsl
from twin import component, inline_component

CASE = "graph-component"
DIFFERENCES = {
    "game-flip": ["retry", "staleness"],
    "game-report-inline": ["conditions"],
    "game-report-heads": ["conditions", "after"],
    # Waiting for a graph component (or nested pipeline) waits for all of it.
    "after-game": ["after"],
}


@dsl.pipeline(name="graph-component")
def pipeline(who: str = "tester"):
    flip = component(CASE, "components/coin.yaml", "game-flip")()
    component(CASE, "components/echo.yaml", "game-report-heads")(text=who)
    inline_component(
        CASE, "components/flip-and-report.yaml", "report-inline", "game-report-inline"
    )(words=flip.outputs["side"])
    component(CASE, "components/echo.yaml", "after-game")(text=flip.outputs["side"])
