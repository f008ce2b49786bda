"""Any package, however malformed, is refused with located errors or runs to an end: the
runner never crashes. Packages are real ones (ours and KFP's, in tests/golden and
tests/run/cases) with random parts replaced; steps run on a backend that executes nothing."""

from __future__ import annotations

import copy
import tempfile
import time
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yamlpipe.errors import YamlpipeError
from yamlpipe.load.yamltext import read_yaml
from yamlpipe.run.engine import Engine, EngineOptions, RunIdentity
from yamlpipe.run.model import Node, Step, StepResult
from yamlpipe.run.runner import RunSource, runnable_problems
from yamlpipe.run.secrets import Secrets
from yamlpipe.run.workflow import workflow_from_dict

from helpers import ROOT

PACKAGES = sorted((ROOT / "tests" / "golden").glob("*/expected.yaml"))
VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 3)
    | st.sampled_from(
        ["", "x", "{{item}}", "{{inputs.parameters.x}}", "[1, 2]", "{{", "a == b", "/tmp/x"]
    ),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["name", "value", "from", "x"]), inner, max_size=3)
    ),
    max_leaves=6,
)


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found.extend(_paths(item, (*path, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(_paths(item, (*path, index)))
    return found


def _replace(data: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    copied = copy.copy(data)
    copied[path[0]] = _replace(data[path[0]], path[1:], new)
    return copied


class NoSteps:
    """A backend whose steps all succeed at once without running anything."""

    name = "subprocess"

    def start(self, step: Step) -> Any:
        for output in step.outputs:
            target = Path(step.local_path(output.path))
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text("1")

        class Done:
            def wait(self) -> StepResult:
                return StepResult(0)

            def kill(self, reason: str) -> None:
                """Nothing runs."""

        return Done()

    def close(self) -> None:
        """Nothing to release."""


class Quiet:
    def node_changed(self, node: Node) -> None:
        """Not recorded."""

    def notice(self, text: str) -> None:
        """Not shown."""

    def flush(self) -> None:
        """Nothing kept."""


@settings(
    max_examples=120, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(st.sampled_from(PACKAGES), st.data())
def test_a_mutated_package_is_refused_or_runs_to_an_end(package: Path, data: st.DataObject) -> None:
    workflow = read_yaml(package.read_text("utf-8"), str(package)).data
    paths = [p for p in _paths(workflow) if p and p[0] == "spec"]
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(paths))
        try:
            workflow = _replace(workflow, path, data.draw(VALUES))
        except (KeyError, IndexError, TypeError):
            continue
    try:
        source = RunSource(workflow_from_dict(workflow, str(package)))
    except YamlpipeError:
        return
    if runnable_problems(source, "subprocess", Secrets({}, {})):
        return
    with tempfile.TemporaryDirectory() as folder:
        identity = RunIdentity("fuzz-abcde", "uid", folder, time.time())
        engine = Engine(source.workflow, identity, {}, NoSteps(), Quiet(), EngineOptions(jobs=2))
        phase = engine.run()
    assert phase in ("Succeeded", "Failed", "Error", "Skipped", "Omitted")
