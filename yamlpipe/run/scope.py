"""What `{{tasks.X...}}` means inside a DAG: a finished task's outputs, status and times, and
for a looped task (Argo's TaskGroup) the fan-in, a JSON list of every succeeded iteration's
value in loop order, written as Argo's controller writes it."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping

from yamlpipe.run import gojson
from yamlpipe.run.model import SUCCEEDED, TASK_GROUP, Artifact, Node


def _timestamp(seconds: float) -> str:
    moment = datetime.datetime.fromtimestamp(seconds, datetime.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def add_node(
    params: dict[str, str], artifacts: dict[str, Artifact], prefix: str, node: Node
) -> None:
    """The scope entries of one finished node under `prefix` (`tasks.train`)."""
    if node.kind == TASK_GROUP:
        add_aggregate(params, prefix, node.children)
        return
    params[f"{prefix}.id"] = node.name
    params[f"{prefix}.status"] = node.phase
    if node.started_at is not None:
        params[f"{prefix}.startedAt"] = _timestamp(node.started_at)
    if node.finished_at is not None:
        params[f"{prefix}.finishedAt"] = _timestamp(node.finished_at)
    outputs = node.outputs
    if outputs is None:
        return
    if outputs.exit_code is not None:
        params[f"{prefix}.exitCode"] = str(outputs.exit_code)
    for name, value in outputs.parameters.items():
        params[f"{prefix}.outputs.parameters.{name}"] = value
    for name, artifact in outputs.artifacts.items():
        artifacts[f"{prefix}.outputs.artifacts.{name}"] = artifact


def add_aggregate(params: dict[str, str], prefix: str, children: Iterable[Node]) -> None:
    """Argo's processAggregateNodeOutputs: per output, the list of succeeded iterations'
    values (as strings), and `outputs.parameters` as a list of per-iteration maps."""
    nodes = list(children)
    if not nodes:
        return
    finished = sorted(
        (c for c in nodes if c.phase == SUCCEEDED and c.outputs is not None),
        key=lambda c: c.index or 0,
    )
    maps: list[dict[str, str]] = []
    values: dict[str, list[str]] = {}
    for child in finished:
        assert child.outputs is not None
        if child.outputs.parameters:
            maps.append(dict(child.outputs.parameters))
            for name, value in child.outputs.parameters.items():
                values.setdefault(name, []).append(value)
    params[f"{prefix}.outputs.result"] = "[]"
    params[f"{prefix}.outputs.parameters"] = gojson.dumps(maps)
    for name, listed in values.items():
        params[f"{prefix}.outputs.parameters.{name}"] = gojson.dumps(listed)


def resolve_var(
    text: str, params: Mapping[str, str], artifacts: Mapping[str, Artifact]
) -> str | Artifact | None:
    """Argo's ResolveVar: a whole `{{tag}}` looked up in the scope (None when absent)."""
    tag = text.strip()
    if tag.startswith("{{") and tag.endswith("}}"):
        tag = tag[2:-2].strip()
    if tag in artifacts:
        return artifacts[tag]
    return params.get(tag)
