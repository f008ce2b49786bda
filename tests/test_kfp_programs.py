"""KFP v1 programs (tests/kfp_programs/*.py, written from KFP v1's documentation) compiled by
kfp==1.8.22 and by yamlpipe's `dsl-compile` must describe the same run.

Both Workflows are read by tests/interop/workflow_structure.py: every leaf task with the
loops and conditions around it (in order), its parallelism limits, the values it is handed
(traced back to pipeline inputs, other tasks' outputs, loop items, constants), its outputs,
image, command line, env, settings. KFP's group templates (condition-N, for-loop-N, ...) and
yamlpipe's shared templates both read the same. Programs written from Python functions run
programs of their own (KFP's and yamlpipe's function wrappers differ): a command-line item
holding a newline counts as `<program>`, and the packages installed first are compared by
name.

A program may declare DIFFERENCES = {leaf: [fields]}: deliberate differences, explained in
docs/compile.md. kfp runs in its own interpreter (tests/helpers.kfp_python).
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from interop.workflow_structure import assert_same_leaves, workflow_structure
from ruamel.yaml import YAML

from helpers import ROOT
from helpers import kfp_workflows as compile_with_kfp

PROGRAMS = sorted((ROOT / "tests" / "kfp_programs").glob("*.py"))
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
    return compile_with_kfp(PROGRAMS)


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


_INSTALL = re.compile(r"pip install --quiet --no-warn-script-location (.+?) \|\|")


def _normalized(leaf: dict[str, Any]) -> dict[str, Any]:
    """Programs from Python functions as `<program>`; the packages they install (KFP runs its
    install step as a separate `sh -c` in front, yamlpipe inside its own script) by name."""
    line = leaf.get("command_line")
    if not line:
        return leaf
    installs = [m for a in line for m in _INSTALL.findall(a)]
    if line[:2] == ["sh", "-c"] and installs and line[3:4] == ["sh"]:
        line = line[3:]
    leaf["command_line"] = ["<program>" if "\n" in a else a for a in line]
    leaf["installs"] = sorted(p.strip("'") for group in installs for p in group.split())
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
    differences = {**ALWAYS_DIFFERENT, **declared_differences(program)}
    for structure in (ours, theirs):
        structure["leaves"] = {k: _normalized(v) for k, v in structure["leaves"].items()}
    assert_same_leaves(ours, theirs, differences)
