"""Task settings after defaults are applied, and the template fields they become."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from yamlpipe.spec.model import Cache, Resources, Retry, TaskSettings, Toleration

Pairs = tuple[tuple[str, str], ...]
CACHE_LABEL = "pipelines.kubeflow.org/enable_caching"
STALENESS_ANNOTATION = "pipelines.kubeflow.org/max_cache_staleness"
DISPLAY_NAME_ANNOTATION = "pipelines.kubeflow.org/task_display_name"
NO_STALENESS = "P0D"


@dataclass(frozen=True)
class Settings:
    """The settings of one task with defaults applied; hashable, so templates can be shared."""

    retry: Retry | None = None
    timeout_seconds: int | None = None
    cache: Cache | None = None
    resources: Resources | None = None
    node_selector: Pairs = ()
    tolerations: tuple[Toleration, ...] = ()
    annotations: Pairs = ()
    labels: Pairs = ()
    image_pull_policy: str | None = None
    affinity: str | None = None
    sidecars: str | None = None


def _pairs(mapping: Mapping[str, str]) -> Pairs:
    return tuple(sorted(mapping.items()))


_UNSET = TaskSettings()
_NONE = Settings()


def from_task_settings(settings: TaskSettings) -> Settings:
    if settings == _UNSET:
        return _NONE
    return Settings(
        retry=settings.retry,
        timeout_seconds=settings.timeout_seconds,
        cache=settings.cache,
        resources=settings.resources,
        node_selector=_pairs(settings.node_selector),
        tolerations=settings.tolerations,
        annotations=_pairs(settings.annotations),
        labels=_pairs(settings.labels),
        image_pull_policy=settings.image_pull_policy,
        affinity=settings.affinity,
        sidecars=settings.sidecars,
    )


def _first(*values: Any) -> Any:
    return next((v for v in values if v is not None and v != ()), None)


def _merged(*layers: Pairs) -> Pairs:
    merged: dict[str, str] = {}
    for layer in layers:
        merged.update(layer)
    return tuple(sorted(merged.items()))


def _resources(layers: tuple[Settings, ...]) -> Resources | None:
    """Field by field: a task asking for a GPU keeps the default CPU and memory."""
    given = [s.resources for s in layers if s.resources is not None]
    if not given:
        return None
    gpu = next((r for r in given if r.gpu is not None), None)
    return Resources(
        cpu=_first(*(r.cpu for r in given)),
        memory=_first(*(r.memory for r in given)),
        cpu_request=_first(*(r.cpu_request for r in given)),
        memory_request=_first(*(r.memory_request for r in given)),
        gpu=gpu.gpu if gpu is not None else None,
        gpu_vendor=gpu.gpu_vendor if gpu is not None else "nvidia",
        limits=_merged(*(r.limits for r in reversed(given))),
        requests=_merged(*(r.requests for r in reversed(given))),
    )


def combine(own: Settings, *outer: Settings) -> Settings:
    """The task's own settings win, then each outer layer in turn (an enclosing task's
    settings, then the pipeline's defaults). Resources merge field by field; annotations
    and labels add up; everything else is taken whole from the first layer that sets it."""
    layers = (own, *outer)
    return Settings(
        retry=_first(*(s.retry for s in layers)),
        timeout_seconds=_first(*(s.timeout_seconds for s in layers)),
        cache=_first(*(s.cache for s in layers)),
        resources=_resources(layers),
        node_selector=_first(*(s.node_selector for s in layers)) or (),
        tolerations=_first(*(s.tolerations for s in layers)) or (),
        annotations=_merged(*(s.annotations for s in reversed(layers))),
        labels=_merged(*(s.labels for s in reversed(layers))),
        image_pull_policy=_first(*(s.image_pull_policy for s in layers)),
        affinity=_first(*(s.affinity for s in layers)),
        sidecars=_first(*(s.sidecars for s in layers)),
    )


def number_or_text(value: float) -> int | float | str:
    """Argo reads IntOrString here: whole numbers as integers, fractions as text."""
    return int(value) if float(value).is_integer() else str(value)


def retry_strategy(retry: Retry | None) -> dict[str, Any] | None:
    """KFP's retryStrategy: only when there is something to retry."""
    if retry is None or (retry.limit <= 0 and retry.policy is None):
        return None
    strategy: dict[str, Any] = {}
    if retry.limit > 0:
        strategy["limit"] = retry.limit
    if retry.policy:
        strategy["retryPolicy"] = retry.policy
    backoff = retry.backoff
    if backoff is not None:
        fields = {
            "duration": backoff.duration,
            "factor": None if backoff.factor is None else number_or_text(backoff.factor),
            "maxDuration": backoff.max_duration,
        }
        if any(v is not None for v in fields.values()):
            strategy["backoff"] = {k: v for k, v in fields.items() if v is not None}
    return strategy


def container_resources(resources: Resources | None) -> dict[str, Any] | None:
    """limits (cpu, memory, <vendor>.com/gpu) and requests, as KFP's set_*_limit/request."""
    if resources is None:
        return None
    limits: dict[str, str | None] = {"cpu": resources.cpu, "memory": resources.memory}
    if resources.gpu is not None:
        limits[f"{resources.gpu_vendor}.com/gpu"] = resources.gpu
    limits.update(resources.limits)
    requests: dict[str, str | None] = {
        "cpu": resources.cpu_request,
        "memory": resources.memory_request,
        **dict(resources.requests),
    }
    result = {
        name: {k: v for k, v in values.items() if v is not None}
        for name, values in (("limits", limits), ("requests", requests))
    }
    return {k: v for k, v in result.items() if v} or None


def toleration_fields(toleration: Toleration) -> dict[str, Any]:
    fields = {
        "effect": toleration.effect,
        "key": toleration.key,
        "operator": toleration.operator,
        "tolerationSeconds": toleration.toleration_seconds,
        "value": toleration.value,
    }
    return {k: v for k, v in fields.items() if v is not None}


def cache_metadata(cache: Cache | None, default_enabled: bool = True) -> tuple[Pairs, Pairs]:
    """(annotations, labels) for KFP's cache: the enable_caching label, and a staleness.

    Disabled caching also gets max_cache_staleness P0D: KFP v1 backends that ignore the
    label still never reuse a result that may be no older than zero seconds.
    """
    enabled = default_enabled if cache is None else cache.enabled
    staleness = None if cache is None else cache.max_staleness
    if not enabled:
        staleness = NO_STALENESS
    annotations = ((STALENESS_ANNOTATION, staleness),) if staleness else ()
    return annotations, ((CACHE_LABEL, "true" if enabled else "false"),)


def pod_fields(settings: Settings) -> dict[str, Any]:
    """nodeSelector, tolerations, affinity, sidecars, retryStrategy and activeDeadlineSeconds
    of a template."""
    fields: dict[str, Any] = {}
    if settings.node_selector:
        fields["nodeSelector"] = dict(settings.node_selector)
    if settings.tolerations:
        fields["tolerations"] = [toleration_fields(t) for t in settings.tolerations]
    if settings.affinity:
        fields["affinity"] = json.loads(settings.affinity)
    if settings.sidecars:
        fields["sidecars"] = json.loads(settings.sidecars)
    strategy = retry_strategy(settings.retry)
    if strategy:
        fields["retryStrategy"] = strategy
    if settings.timeout_seconds:
        fields["activeDeadlineSeconds"] = settings.timeout_seconds
    return fields


def metadata_fields(annotations: Mapping[str, str], labels: Mapping[str, str]) -> dict[str, Any]:
    """A template's pod metadata, keys sorted, empty parts left out."""
    metadata: dict[str, Any] = {}
    if annotations:
        metadata["annotations"] = dict(sorted(annotations.items()))
    if labels:
        metadata["labels"] = dict(sorted(labels.items()))
    return {"metadata": metadata} if metadata else {}
