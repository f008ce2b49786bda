"""KFP's API objects as JSON on the wire, both ways: what the Client reads from a KFP API server
(`*_from_json`), and what `yamlpipe serve` answers with (`to_json`). Field names are KFP's
(snake_case); empty fields are left out, as the API server's protobuf JSON leaves them out;
times are RFC 3339 in UTC."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

from yamlpipe.kfpapi.records import (
    Experiment,
    Parameter,
    Pipeline,
    PipelineRuntime,
    PipelineSpec,
    PipelineVersion,
    ResourceKey,
    ResourceReference,
    Run,
    RunDetail,
)

Json = dict[str, Any]


def json_object(value: Any) -> Json:
    """`value` when it is a JSON object, else an empty one (a field the server left out)."""
    return value if isinstance(value, dict) else {}


def page_of(data: Json) -> tuple[int, str]:
    """`total_size` and `next_page_token` of a list answer."""
    return int(data.get("total_size") or 0), str(data.get("next_page_token") or "")


# ---- writing ---------------------------------------------------------------------------------


def format_time(moment: datetime) -> str:
    """RFC 3339 in UTC, to the second, as KFP's API server writes times."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_json(value: Any) -> Any:
    """A record (or list of them) as KFP's JSON: empty fields left out."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        found = {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {k: v for k, v in found.items() if v not in (None, "", [], {}, 0)}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if isinstance(value, datetime):
        return format_time(value)
    return value


# ---- reading ---------------------------------------------------------------------------------


def parse_time(value: Any) -> datetime | None:
    """An RFC 3339 timestamp; the zero time KFP sends for `not yet` is None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return None if moment.timestamp() <= 0 else moment


def _parameters(items: Any) -> tuple[Parameter, ...]:
    return tuple(
        Parameter(str(p.get("name", "")), p.get("value"))
        for p in items or []
        if isinstance(p, dict)
    )


def _references(items: Any) -> tuple[ResourceReference, ...]:
    found = []
    for item in items or []:
        key = json_object(item.get("key")) if isinstance(item, dict) else {}
        found.append(
            ResourceReference(
                ResourceKey(str(key.get("type", "")), str(key.get("id", ""))),
                str(item.get("relationship", "")),
                str(item.get("name", "")),
            )
        )
    return tuple(found)


def experiment_from_json(data: Json) -> Experiment:
    return Experiment(
        id=str(data.get("id", "")),
        name=str(data.get("name", "")),
        description=str(data.get("description", "")),
        created_at=parse_time(data.get("created_at")),
        resource_references=_references(data.get("resource_references")),
        storage_state=str(data.get("storage_state") or "STORAGESTATE_AVAILABLE"),
    )


def version_from_json(data: Json) -> PipelineVersion:
    return PipelineVersion(
        id=str(data.get("id", "")),
        name=str(data.get("name", "")),
        created_at=parse_time(data.get("created_at")),
        parameters=_parameters(data.get("parameters")),
        description=str(data.get("description", "")),
        code_source_url=str(data.get("code_source_url", "")),
        resource_references=_references(data.get("resource_references")),
    )


def pipeline_from_json(data: Json) -> Pipeline:
    default = data.get("default_version")
    return Pipeline(
        id=str(data.get("id", "")),
        name=str(data.get("name", "")),
        description=str(data.get("description", "")),
        created_at=parse_time(data.get("created_at")),
        parameters=_parameters(data.get("parameters")),
        default_version=version_from_json(default) if isinstance(default, dict) else None,
    )


def run_from_json(data: Json) -> Run:
    spec = json_object(data.get("pipeline_spec"))
    return Run(
        id=str(data.get("id", "")),
        name=str(data.get("name", "")),
        status=str(data.get("status", "")),
        created_at=parse_time(data.get("created_at")),
        scheduled_at=parse_time(data.get("scheduled_at")),
        finished_at=parse_time(data.get("finished_at")),
        description=str(data.get("description", "")),
        error=str(data.get("error", "")),
        pipeline_spec=PipelineSpec(
            pipeline_id=str(spec.get("pipeline_id", "")),
            pipeline_name=str(spec.get("pipeline_name", "")),
            workflow_manifest=str(spec.get("workflow_manifest", "")),
            parameters=_parameters(spec.get("parameters")),
        ),
        resource_references=_references(data.get("resource_references")),
        service_account=str(data.get("service_account", "")),
        storage_state=str(data.get("storage_state") or "STORAGESTATE_AVAILABLE"),
    )


def run_detail_from_json(data: Json) -> RunDetail:
    runtime = json_object(data.get("pipeline_runtime"))
    return RunDetail(
        run=run_from_json(json_object(data.get("run"))),
        pipeline_runtime=PipelineRuntime(
            workflow_manifest=str(runtime.get("workflow_manifest", "")),
            pipeline_manifest=str(runtime.get("pipeline_manifest", "")),
        ),
    )


__all__ = [
    "experiment_from_json",
    "format_time",
    "json_object",
    "page_of",
    "parse_time",
    "pipeline_from_json",
    "run_detail_from_json",
    "run_from_json",
    "to_json",
    "version_from_json",
]
