"""Interop with the reference: each tests/interop/pipelines/<case>.py is the KFP v1 Python
twin of tests/golden/<case>/pipeline.yaml. kfp==1.8.22 compiles the twins (in its own
interpreter, through tests/interop/kfp_workflows.py), yamlpipe compiles the goldens, and both
Workflows must do the same: same leaf tasks, what each waits for, its conditions, loops and
parallelism, which values it reads as parameters and which as files, its outputs, command
line, env, retry, timeout, resources, node selector, tolerations, caching, volumes, resource
manifests, the exit handler and the workflow settings (tests/interop/workflow_structure.py).

A twin may declare, as literals: ONLY_IN_YAMLPIPE (tasks KFP v1 cannot express) and
DIFFERENCES ({task: [fields]}, deliberate differences, each explained in docs/compile.md).
ALWAYS_DIFFERENT lists the differences that hold for every pipeline.

kfp runs in its own interpreter (YAMLPIPE_KFP_PYTHON, else <repo>/.venv-kfp/bin/python);
without it these tests skip, unless YAMLPIPE_REQUIRE_KFP=1 makes that a failure.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
from interop.workflow_structure import assert_same_leaves, workflow_structure

from yamlpipe.api import compile_file

from helpers import ROOT
from helpers import kfp_workflows as compile_with_kfp

TWINS = sorted(
    p for p in (ROOT / "tests" / "interop" / "pipelines").glob("*.py") if p.stem != "twin"
)
GOLDEN = ROOT / "tests" / "golden"
MIN_TWINS = 10
ALWAYS_DIFFERENT = {
    # Resource, volume and snapshot tasks are never cached unless asked: a cached result
    # would skip creating the object (docs/compile.md).
    "kind:resource": ["caching", "staleness"],
    "kind:volume": ["caching", "staleness"],
    "kind:snapshot": ["caching", "staleness"],
}


def twin_settings(twin: Path) -> dict[str, Any]:
    """The literal constants a twin declares (CASE, ONLY_IN_YAMLPIPE, DIFFERENCES)."""
    found: dict[str, Any] = {
        "CASE": twin.stem.replace("_", "-"),
        "ONLY_IN_YAMLPIPE": [],
        "DIFFERENCES": {},
    }
    for node in ast.parse(twin.read_text()).body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            if name in found:
                found[name] = ast.literal_eval(node.value)
    return found


@pytest.fixture(scope="module")
def kfp_workflows() -> dict[str, Any]:
    return compile_with_kfp(TWINS)


def test_there_are_enough_twins() -> None:
    assert len(TWINS) >= MIN_TWINS, [t.stem for t in TWINS]
    for twin in TWINS:
        case = twin_settings(twin)["CASE"]
        assert (GOLDEN / case / "pipeline.yaml").exists(), f"{twin.name}: no golden {case}"


def _yamlpipe_structure(case: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.chdir(GOLDEN / case)
    report = compile_file("pipeline.yaml")
    assert report.package is not None, [str(p) for p in report.problems]
    return workflow_structure(report.package.workflow)


@pytest.mark.parametrize("twin", TWINS, ids=lambda p: p.stem)
def test_same_structure_as_kfp(
    twin: Path, kfp_workflows: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = twin_settings(twin)
    ours = _yamlpipe_structure(settings["CASE"], monkeypatch)
    theirs = workflow_structure(kfp_workflows[str(twin)])
    differences = {**ALWAYS_DIFFERENT, **settings["DIFFERENCES"]}
    assert_same_leaves(ours, theirs, differences, settings["ONLY_IN_YAMLPIPE"])
