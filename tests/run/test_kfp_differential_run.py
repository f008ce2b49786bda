"""The compiler's oracle: KFP v1 DSL programs compiled by kfp 1.8.22 and by yamlpipe
(`dsl-compile`), both packages run with `yamlpipe run`; they must end the same way, every
step with the same state and the same output values.

Steps are compared as a multiset of (component, state, outputs), so the two compilers may
name templates and tasks differently; output names are compared without the template prefix.
Programs live in tests/run/kfp/ (the runner's own) and tests/kfp_programs/ (the DSL's).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from yamlpipe.run.store import RunStore, TaskRecord

from helpers import ROOT, kfp_python

FOLDERS = [ROOT / "tests" / "run" / "kfp", ROOT / "tests" / "kfp_programs"]
PROGRAMS = sorted(
    p
    for folder in FOLDERS
    if folder.is_dir()
    for p in folder.glob("*.py")
    if p.stem not in ("steps", "components") and not p.stem.startswith("_")
)
ARGUMENTS = {"retries": {"counter": "{tmp}/counter"}}
"""Run arguments for programs that need a place of their own."""
MAX_OUTPUT = 4096
KFP_BUGS = {
    "fan_in": "kfp 1.8.22 makes the loop's DAG output read an output parameter its body never "
    "declares (the body's output is only an artifact): Argo refuses the Workflow at submission",
}
"""Programs whose KFP package Argo refuses where ours succeeds (docs/run.md lists them)."""


@pytest.fixture(scope="module")
def kfp_packages(tmp_path_factory: pytest.TempPathFactory) -> dict[Path, Path | str]:
    """Every program compiled by kfp 1.8.22 (one kfp process per folder): program -> its
    package, or kfp's refusal."""
    found: dict[Path, Path | str] = {}
    for folder in FOLDERS:
        programs = [p for p in PROGRAMS if p.parent == folder]
        if not programs:
            continue
        out = tmp_path_factory.mktemp(f"kfp-{folder.name}")
        proc = subprocess.run(
            [str(kfp_python()), str(ROOT / "tests" / "interop" / "kfp_packages.py"), str(out)]
            + [str(p) for p in programs],
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
        refused = json.loads(proc.stdout.strip().splitlines()[-1])
        for program in programs:
            found[program] = refused.get(program.stem) or out / f"{program.stem}.yaml"
    return found


def _yamlpipe_package(program: Path, out: Path) -> subprocess.CompletedProcess[str]:
    dsl_compile = Path(sys.executable).with_name("dsl-compile")
    return subprocess.run(
        [str(dsl_compile), "--py", str(program), "--output", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _run(package: Path, project: Path, program: str) -> tuple[str, list[tuple[Any, ...]]]:
    """How the run ended and its steps; ("Refused", []) when it could not start here (a
    program that needs a cluster's volumes, secrets or resources)."""
    project.mkdir()
    arguments = [f"-a{k}={v.format(tmp=project)}" for k, v in ARGUMENTS.get(program, {}).items()]
    env = {**os.environ, "NO_COLOR": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "yamlpipe", "run", str(package), "-q", "--no-cache", *arguments],
        cwd=project,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert proc.returncode in (0, 1), proc.stderr
    if "nothing was run" in proc.stderr:
        return "Refused", []
    with RunStore(project) as store:
        (record,) = store.runs()
        record = store.run(record.id)
        templates = {t["name"]: t for t in store.workflow(record.id)["spec"]["templates"]}
    run_names = {record.id: "<run id>", record.workflow_name: "<workflow name>"}
    steps = [
        _step(task, templates.get(task.template, {}), run_names)
        for task in record.tasks
        if task.kind == "Pod" or (task.kind == "Skipped" and task.template in templates)
    ]
    return record.state, sorted(steps)


def _component(task: TaskRecord, template: dict[str, Any]) -> str:
    """The component's name, else (a ContainerOp) the task's: both compilers name tasks after
    their ops, but ours shares one template between ops of the same shape."""
    annotations = (template.get("metadata") or {}).get("annotations") or {}
    spec = annotations.get("pipelines.kubeflow.org/component_spec")
    if spec:
        return str(json.loads(spec).get("name"))
    return re.sub(r"-\d+$", "", task.task)


def _output_value(value: str, path: str | None) -> str:
    if path is None:
        return value
    if not os.path.isfile(path) or os.path.getsize(path) > MAX_OUTPUT:
        return "<folder or large file>"
    text = Path(path).read_text("utf-8", errors="replace")
    return text[:-1] if text.endswith("\n") else text


def _step(task: TaskRecord, template: dict[str, Any], run_names: dict[str, str]) -> tuple[Any, ...]:
    prefix = f"{template.get('name', '')}-"
    outputs: dict[str, str] = {}
    for name, value in (task.outputs.get("parameters") or {}).items():
        outputs[name.removeprefix(prefix)] = _output_value(value, None)
    for name, path in (task.outputs.get("artifacts") or {}).items():
        outputs[name.removeprefix(prefix)] = _output_value("", path)
    text = json.dumps(outputs, sort_keys=True)
    for value, placeholder in run_names.items():
        text = text.replace(value, placeholder)
    return (_component(task, template), task.state, text)


@pytest.mark.parametrize("program", PROGRAMS, ids=[f"{p.parent.name}/{p.stem}" for p in PROGRAMS])
def test_both_packages_run_the_same(
    program: Path, kfp_packages: dict[Path, Path | str], tmp_path: Path
) -> None:
    package = kfp_packages[program]
    if isinstance(package, str):
        pytest.skip(f"kfp 1.8.22 refuses this program: {package}")
    ours = tmp_path / "ours.yaml"
    compiled = _yamlpipe_package(program, ours)
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
    kfp_state, kfp_steps = _run(package, tmp_path / "kfp", program.stem)
    our_state, our_steps = _run(ours, tmp_path / "ours", program.stem)
    if program.stem in KFP_BUGS:
        assert (kfp_state, our_state) == ("Refused", "Succeeded"), KFP_BUGS[program.stem]
        return
    assert (our_state, Counter(our_steps)) == (kfp_state, Counter(kfp_steps))
