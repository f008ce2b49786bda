"""Compile KFP v1 pipeline files with the real kfp SDK and print each workflow's structure.

Run with the interpreter of a virtualenv holding kfp==1.8.22 (never with yamlpipe's):

    python kfp_compile.py PIPELINE.py...

prints ``{path: structure}`` as JSON, where the structure of a compiled Argo Workflow is:
``tasks`` (each leaf task: kind, the leaf tasks it runs after, how many comparisons guard it,
whether it loops, retry limit, timeout, GPU limit), ``volumes`` (how many are created per
run) and ``exit`` (whether an exit handler runs). tests/test_generate_migration.py compares
it with yamlpipe's. `workflow_structure` reads any KFP-style Argo Workflow, so yamlpipe's
compiled packages can be compared the same way.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

USAGE = "usage: python kfp_compile.py PIPELINE.py..."


Loader = Callable[[str], Any]


def _leaf_kind(template: dict[str, Any], load: Loader) -> str:
    if "container" in template:
        return "container"
    kind = load(template["resource"]["manifest"]).get("kind")
    return {"PersistentVolumeClaim": "volume", "VolumeSnapshot": "snapshot"}.get(kind, "resource")


def _quantity(value: Any) -> str | None:
    """A Kubernetes quantity as text (`1` and `"1"` are the same limit)."""
    return None if value is None else str(value)


def _comparisons(when: str | None) -> int:
    """How many comparisons a `when` holds: KFP nests one per group, others join with &&."""
    return when.count("&&") + 1 if when else 0


def workflow_structure(workflow: dict[str, Any], load: Loader) -> dict[str, Any]:
    """The structure of a compiled workflow (see the module docstring); `load` reads the
    YAML text of resource manifests."""
    templates = {t["name"]: t for t in workflow["spec"]["templates"]}
    leaves: dict[str, dict[str, Any]] = {}
    raw_deps: dict[str, list[str]] = {}
    members: dict[str, list[str]] = {}

    def walk(dag_name: str, inherited: list[str], conditions: int, loop: bool) -> list[str]:
        inside: list[str] = []
        tasks = templates[dag_name]["dag"]["tasks"]
        for task in tasks:
            template = templates[task["template"]]
            deps = [*inherited, *(f"{dag_name}/{d}" for d in task.get("dependencies", []))]
            guarded = conditions + _comparisons(task.get("when"))
            looped = loop or "withItems" in task or "withParam" in task
            key = f"{dag_name}/{task['name']}"
            if "dag" in template:
                members[key] = walk(task["template"], deps, guarded, looped)
                inside += members[key]
                continue
            limits = template.get("container", {}).get("resources", {}).get("limits", {})
            retry = template.get("retryStrategy", {}).get("limit")
            leaves[key] = {
                "name": task["name"],
                "kind": _leaf_kind(template, load),
                "conditions": guarded,
                "loop": looped,
                "retry": int(retry) if retry is not None else None,
                "timeout": template.get("activeDeadlineSeconds"),
                "gpu": _quantity(limits.get("nvidia.com/gpu")),
            }
            raw_deps[key] = deps
            inside.append(key)
        return inside

    walk(workflow["spec"]["entrypoint"], [], 0, False)

    def expand(dep: str, seen: set[str]) -> set[str]:
        if dep in seen:
            return set()
        seen.add(dep)
        if dep in members:
            return set().union(*(expand(m, seen) for m in members[dep])) if members[dep] else set()
        if leaves[dep]["kind"] == "volume":  # a volume is not a task: what it waits for counts
            return (
                set().union(*(expand(d, seen) for d in raw_deps[dep])) if raw_deps[dep] else set()
            )
        return {dep}

    tasks = {}
    for key, leaf in leaves.items():
        if leaf["kind"] == "volume":
            continue
        after = set().union(*(expand(d, set()) for d in raw_deps[key])) if raw_deps[key] else set()
        fields = {k: v for k, v in leaf.items() if k != "name"}
        tasks[leaf["name"]] = {**fields, "after": sorted(leaves[a]["name"] for a in after)}
    volumes = sum(1 for leaf in leaves.values() if leaf["kind"] == "volume")
    return {"tasks": tasks, "volumes": volumes, "exit": "onExit" in workflow["spec"]}


def compile_file(path: str) -> dict[str, Any]:
    """Import a pipeline file with kfp and compile its one named pipeline function."""
    from kfp import compiler

    folder = str(Path(path).resolve().parent)
    sys.path.insert(0, folder)
    try:
        spec = importlib.util.spec_from_file_location(Path(path).stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(folder)
    found = [
        v
        for v in vars(module).values()
        if callable(v)
        and getattr(v, "__module__", None) == module.__name__
        and getattr(v, "_component_human_name", None)
    ]
    if len(found) != 1:
        raise SystemExit(
            f"{path}: expected one @dsl.pipeline(name=...) function, found {len(found)}"
        )
    import yaml  # kfp depends on PyYAML

    workflow = compiler.Compiler()._create_workflow(found[0])
    return workflow_structure(workflow, yaml.safe_load)


def main(argv: list[str]) -> int:
    """Print the JSON report for every path; exit 2 on a usage error."""
    if not argv:
        print(USAGE, file=sys.stderr)
        return 2
    with contextlib.redirect_stdout(sys.stderr), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import kfp

        print(f"kfp_compile: kfp=={kfp.__version__}", file=sys.stderr)
        report = {path: compile_file(path) for path in argv}
    json.dump(report, sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
