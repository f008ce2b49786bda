"""Migration: KFP v1 pipeline files (tests/migration/) run unchanged, once with `import kfp`
meaning the real kfp 1.8.22 and once with yamlpipe standing in for it.

kfp compiles its run to an Argo Workflow; yamlpipe's run becomes pipeline YAML, which must
validate like a hand-written file, and `yamlpipe compile` turns that into a Workflow. The two
Workflows are compared by structure (tests/interop/kfp_compile.py's `workflow_structure`):
the tasks, their kinds, what each runs after, how many conditions guard it, whether it loops,
retries, timeouts, GPUs, how many volumes are created, and whether an exit handler runs. The
pipeline YAML itself must have the same structure too (`yaml_structure`).
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from yamlpipe.load.yamltext import read_yaml

from helpers import KFP_VERSION, kfp_python, run_cli

REPO = Path(__file__).resolve().parent.parent
MIGRATION = REPO / "tests" / "migration"
PIPELINES = sorted(p for p in MIGRATION.glob("*.py") if p.name != "components.py")
_TASK_REF = re.compile(r"\$\{\{\s*tasks\.([A-Za-z0-9_-]+)\.outputs")
_DURATION = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _load_interop() -> Any:
    spec = importlib.util.spec_from_file_location(
        "kfp_compile", REPO / "tests" / "interop" / "kfp_compile.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


workflow_structure = _load_interop().workflow_structure


def load_yaml(text: str) -> Any:
    return read_yaml(text, "<manifest>").data


def relative(path: Path) -> str:
    return path.relative_to(REPO).as_posix()


@pytest.fixture(scope="module")
def kfp_structures() -> dict[str, Any]:
    """kfp's compiled structure of every migration pipeline, from one kfp run."""
    python = kfp_python()
    proc = subprocess.run(
        [str(python), str(REPO / "tests" / "interop" / "kfp_compile.py")]
        + [relative(p) for p in PIPELINES],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert f"kfp=={KFP_VERSION}" in proc.stderr
    structures: dict[str, Any] = json.loads(proc.stdout)
    return structures


def generate(path: Path, folder: Path) -> dict[str, Any]:
    """yamlpipe's run of the file: the pipeline YAML's data (the CLI also validates it)."""
    output = folder / "pipeline.yaml"
    proc = run_cli("generate", "pipeline", relative(path), "-o", str(output))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "error" not in proc.stdout and "warning" not in proc.stdout, proc.stdout
    data: dict[str, Any] = read_yaml(output.read_text(), str(output)).data
    return data


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _quantity(value: Any) -> str | None:
    return None if value is None else str(value)


def _seconds(value: Any) -> int | None:
    if value is None or isinstance(value, int):
        return value
    return int(value[:-1]) * _DURATION[value[-1]]


def _after(task: dict[str, Any], volumes: dict[str, Any]) -> list[str]:
    refs = {m for s in _strings(task) for m in _TASK_REF.findall(s)}
    after = task.get("after", [])
    refs.update([after] if isinstance(after, str) else after)
    for mount in task.get("volumes", {}).values():
        name = mount if isinstance(mount, str) else mount["volume"]
        snapshot = volumes.get(name, {}).get("from_snapshot")
        if snapshot:
            refs.add(snapshot)
    return sorted(refs)


_KINDS = {"component": "container", "container": "container", "resource": "resource"}


def _kind(task: dict[str, Any]) -> str:
    return next((v for k, v in _KINDS.items() if k in task), "snapshot")


def _own(task: dict[str, Any]) -> dict[str, Any]:
    """A task's own keys: a group's body is not part of what the group itself reads."""
    return {k: v for k, v in task.items() if k not in ("tasks", "outputs")}


def _nodes(tasks: dict[str, Any], parents: tuple[str, ...], found: dict[str, Any]) -> None:
    """Every task and group (names are unique in generated files), with its ancestors."""
    for name, task in tasks.items():
        found[name] = (task, parents)
        if "tasks" in task:
            _nodes(task["tasks"], (*parents, name), found)


def _leaves(name: str, nodes: dict[str, Any]) -> set[str]:
    task = nodes[name][0]
    if "tasks" not in task:
        return {name}
    return set().union(*(_leaves(n, nodes) for n in task["tasks"]))


def yaml_structure(data: dict[str, Any]) -> dict[str, Any]:
    """The same structure as kfp_compile.py's, read from a yamlpipe pipeline file: groups
    pass their conditions, loops and what they wait for on to every task inside them."""
    volumes = data.get("volumes", {})
    nodes: dict[str, Any] = {}
    _nodes(data["tasks"], (), nodes)
    tasks = {}
    for name, (task, parents) in nodes.items():
        if "tasks" in task:
            continue
        chain = [nodes[p][0] for p in parents] + [task]
        names = {d for node in chain for d in _after(_own(node), volumes)}
        after = {a for d in names for a in _leaves(d, nodes)}
        retry = task.get("retry")
        conditions = sum(n["when"].count(" and ") + 1 for n in chain if n.get("when"))
        tasks[name] = {
            "kind": _kind(task),
            "after": sorted(after - {name}),
            "conditions": conditions,
            "loop": any("for_each" in n for n in chain),
            "retry": retry["limit"] if isinstance(retry, dict) else retry,
            "timeout": _seconds(task.get("timeout")),
            "gpu": _quantity(task.get("resources", {}).get("gpu")),
        }
    created = sum(1 for v in volumes.values() if "claim" not in v)
    return {"tasks": tasks, "volumes": created, "exit": "on_exit" in data}


@pytest.mark.parametrize("path", PIPELINES, ids=[p.stem for p in PIPELINES])
def test_compiled_like_kfp(path: Path, tmp_path: Path, kfp_structures: dict[str, Any]) -> None:
    data = generate(path, tmp_path)
    workflow_file = tmp_path / "workflow.yaml"
    proc = run_cli("compile", str(tmp_path / "pipeline.yaml"), "-o", str(workflow_file))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    workflow = load_yaml(workflow_file.read_text())
    theirs = kfp_structures[relative(path)]
    assert workflow_structure(workflow, load_yaml) == theirs
    assert yaml_structure(data) == theirs


@pytest.mark.parametrize("path", PIPELINES, ids=[p.stem for p in PIPELINES])
def test_generates_a_valid_pipeline_without_kfp(path: Path, tmp_path: Path) -> None:
    data = generate(path, tmp_path)
    assert data["tasks"]
    again = tmp_path / "again"
    again.mkdir()
    generate(path, again)
    assert (again / "pipeline.yaml").read_bytes() == (tmp_path / "pipeline.yaml").read_bytes()


def test_there_are_enough_migration_pipelines() -> None:
    assert len(PIPELINES) >= 6
