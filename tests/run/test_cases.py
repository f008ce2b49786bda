"""Pipelines written for the runner (tests/run/cases/<case>.yaml), each run for real through
`yamlpipe run` and checked against <case>.expected.yaml: the run's state, every listed task's
state, message, attempts, output values and log, and the files it must (not) leave behind.

Placeholders in expectations: {tmp} (a folder of the test), {run_id}, {workflow_name}.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from yamlpipe.load.yamltext import read_yaml
from yamlpipe.run.store import RunRecord, RunStore, TaskRecord

CASES = Path(__file__).parent / "cases"
CASE_FILES = sorted(p for p in CASES.glob("*.yaml") if not p.name.endswith(".expected.yaml"))


def _expected(case: Path) -> dict[str, Any]:
    path = case.with_name(case.stem + ".expected.yaml")
    data = read_yaml(path.read_text("utf-8"), str(path)).data
    assert isinstance(data, dict)
    return data


def run_case(
    case: Path, project: Path, expected: dict[str, Any]
) -> subprocess.CompletedProcess[str]:
    arguments = [
        f"-a{name}={str(value).format(tmp=project)}"
        for name, value in (expected.get("arguments") or {}).items()
    ]
    env = {**os.environ, **(expected.get("environment") or {}), "NO_COLOR": "1"}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "yamlpipe",
            "run",
            str(case),
            *arguments,
            *expected.get("options", []),
        ],
        cwd=project,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def _fill(value: str, record: RunRecord, project: Path) -> str:
    return value.format(tmp=project, run_id=record.id, workflow_name=record.workflow_name)


def _check_task(
    store: RunStore, record: RunRecord, name: str, wanted: dict[str, Any], project: Path
) -> None:
    task = record.task(name)
    assert task is not None, f"no task {name!r}; tasks: {[t.name for t in record.tasks]}"
    assert task.state == wanted["state"], f"{name}: {task.state} ({task.message})"
    if "message" in wanted:
        assert task.message == wanted["message"]
    if "attempts" in wanted:
        assert task.attempts == wanted["attempts"]
    if "attempt_states" in wanted:
        attempts = store.attempts(record.id, task.node_id)
        assert [a["state"] for a in attempts] == wanted["attempt_states"]
    for output, value in (wanted.get("outputs") or {}).items():
        assert _output(task, output) == _fill(str(value), record, project)
    if "log" in wanted:
        assert Path(task.log_path).read_text("utf-8") == wanted["log"]


def _output(task: TaskRecord, name: str) -> str:
    """An output's value: the parameter, else the artifact file's text (as Argo reads it)."""
    parameters = task.outputs.get("parameters") or {}
    if name in parameters:
        return str(parameters[name])
    artifacts = task.outputs.get("artifacts") or {}
    assert name in artifacts, f"{task.name} has no output {name!r}: {task.outputs}"
    text = Path(artifacts[name]).read_text("utf-8")
    return text[:-1] if text.endswith("\n") else text


@pytest.mark.parametrize("case", CASE_FILES, ids=[c.stem for c in CASE_FILES])
def test_case(case: Path, tmp_path: Path) -> None:
    expected = _expected(case)
    result = run_case(case, tmp_path, expected)
    assert result.returncode == (0 if expected["state"] == "Succeeded" else 1), result.stderr
    time.sleep(float(expected.get("wait_after", 0)))
    with RunStore(tmp_path) as store:
        (record,) = store.runs()
        record = store.run(record.id)
        assert record.state == expected["state"], result.stderr
        for name, wanted in (expected.get("tasks") or {}).items():
            _check_task(store, record, name, wanted, tmp_path)
    assert all(t.state not in ("Pending", "Running") for t in record.tasks)
    for path in expected.get("absent") or []:
        assert not Path(path.format(tmp=tmp_path)).exists(), f"{path} should not exist"
    secret = expected.get("never_stored")
    if secret:
        for file in tmp_path.rglob("*"):
            if file.is_file():
                assert secret.encode() not in file.read_bytes(), f"the secret is in {file}"
        assert secret not in result.stdout + result.stderr
