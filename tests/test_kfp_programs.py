"""KFP v1 programs (tests/kfp_programs/*.py, written from KFP v1's documentation) compiled by
kfp==1.8.22 and by yamlpipe's `dsl-compile` must describe the same run.

Both Workflows are read by tests/interop/workflow_structure.py: every leaf task with the
loops and conditions around it (in order), its parallelism limits, the values it is handed
(traced back to pipeline inputs, other tasks' outputs, loop items, constants), its outputs,
image, command line, env, settings. KFP's group templates (condition-N, for-loop-N, ...) and
yamlpipe's shared templates both read the same. Programs written from Python functions run
programs of their own (KFP's and yamlpipe's function wrappers differ): a command-line item
holding a newline counts as `<program>`.

A program may declare DIFFERENCES = {leaf: [fields]}: deliberate differences, explained in
docs/compile.md. kfp runs in its own interpreter (tests/helpers.kfp_python).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from interop.workflow_structure import workflow_structure
from ruamel.yaml import YAML

from helpers import KFP_VERSION, ROOT, kfp_python

PROGRAMS = sorted((ROOT / "tests" / "kfp_programs").glob("*.py"))
RUNNER = ROOT / "tests" / "interop" / "kfp_workflows.py"
DSL_COMPILE = Path(sys.executable).parent / "dsl-compile"
MIN_PROGRAMS = 20
ALWAYS_DIFFERENT = {
    # Resource, volume and snapshot tasks are never cached unless asked (docs/compile.md).
    "kind:resource": ["caching", "staleness"],
    "kind:volume": ["caching", "staleness"],
    "kind:snapshot": ["caching", "staleness"],
}


def declared_differences(program: Path) -> dict[str, list[str]]:
    for node in ast.parse(program.read_text()).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "DIFFERENCES":
            found: dict[str, list[str]] = ast.literal_eval(node.value)
            return found
    return {}


@pytest.fixture(scope="module")
def kfp_workflows() -> dict[str, Any]:
    python = kfp_python()
    proc = subprocess.run(
        [str(python), str(RUNNER), *map(str, PROGRAMS)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if proc.returncode != 0:
        pytest.fail(f"kfp_workflows.py exited {proc.returncode}:\n{proc.stderr}")
    assert f"kfp=={KFP_VERSION}" in proc.stderr, proc.stderr
    workflows: dict[str, Any] = json.loads(proc.stdout)
    return workflows


def compile_with_yamlpipe(program: Path, folder: Path) -> dict[str, Any]:
    """`dsl-compile --py PROGRAM --output OUT.yaml`, as a user runs it."""
    output = folder / "workflow.yaml"
    proc = subprocess.run(
        [str(DSL_COMPILE), "--py", str(program), "--output", str(output)],
        cwd=program.parent,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    workflow: dict[str, Any] = YAML(typ="safe").load(output.read_text())
    return workflow


def _normalized(leaf: dict[str, Any]) -> dict[str, Any]:
    if "command_line" in leaf:
        leaf["command_line"] = ["<program>" if "\n" in a else a for a in leaf["command_line"]]
    return leaf


def test_there_are_enough_programs() -> None:
    assert len(PROGRAMS) >= MIN_PROGRAMS, [p.stem for p in PROGRAMS]


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.stem)
def test_program_says_what_it_checks(program: Path) -> None:
    docstring = ast.get_docstring(ast.parse(program.read_text()))
    assert docstring and "Checks:" in docstring, f"{program.name}: say what it checks"


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.stem)
def test_program_compiles_like_kfp(
    program: Path, kfp_workflows: dict[str, Any], tmp_path: Path
) -> None:
    ours = workflow_structure(compile_with_yamlpipe(program, tmp_path), nesting=True)
    theirs = workflow_structure(kfp_workflows[str(program)], nesting=True)
    assert sorted(ours["leaves"]) == sorted(theirs["leaves"])
    differences = {**ALWAYS_DIFFERENT, **declared_differences(program)}
    for name, leaf in sorted(theirs["leaves"].items()):
        skipped = {
            field
            for key in (name, "*", f"kind:{leaf['kind']}")
            for field in differences.get(key, [])
        }
        mine = {k: v for k, v in _normalized(ours["leaves"][name]).items() if k not in skipped}
        reference = {k: v for k, v in _normalized(leaf).items() if k not in skipped}
        assert mine == reference, f"task {name!r} differs from kfp's"
    assert ours["exit"] == theirs["exit"]
    skipped = set(differences.get("workflow", []))
    assert {k: v for k, v in ours["workflow"].items() if k not in skipped} == {
        k: v for k, v in theirs["workflow"].items() if k not in skipped
    }
