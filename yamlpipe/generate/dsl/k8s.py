"""Kubernetes client objects (V1Toleration, V1EnvVar, ...) or plain maps -> plain data.

The kubernetes package is not needed: its model objects are read through their
`attribute_map` (Python attribute -> JSON key), the way its own ApiClient serialises them.
"""

from __future__ import annotations

import datetime
from typing import Any

from yamlpipe.errors import Location, YamlpipeError
from yamlpipe.generate.dsl.params import PipelineParam

_TOLERATION_KEYS = {
    "key": "key",
    "operator": "operator",
    "value": "value",
    "effect": "effect",
    "tolerationSeconds": "toleration_seconds",
    "toleration_seconds": "toleration_seconds",
}


def plain(obj: Any) -> Any:
    """A Kubernetes model object, map or list as plain JSON-like data (None fields dropped)."""
    if obj is None or isinstance(obj, str | int | float | bool | PipelineParam):
        return obj
    if isinstance(obj, dict):
        return {str(k): plain(v) for k, v in obj.items() if v is not None}
    if isinstance(obj, list | tuple):
        return [plain(v) for v in obj]
    if isinstance(obj, datetime.date | datetime.datetime):
        return obj.isoformat()
    attribute_map = getattr(obj, "attribute_map", None)
    if isinstance(attribute_map, dict):
        values = {json_key: getattr(obj, attr, None) for attr, json_key in attribute_map.items()}
        return {k: plain(v) for k, v in values.items() if v is not None}
    return str(obj)


def toleration_entry(toleration: Any, loc: Location) -> dict[str, Any]:
    """A V1Toleration (or map) as a pipeline toleration: key, operator, value, effect,
    toleration_seconds."""
    data = plain(toleration)
    if not isinstance(data, dict):
        raise YamlpipeError(loc, f"add_toleration() takes a V1Toleration, not {toleration!r}")
    entry = {_TOLERATION_KEYS[k]: v for k, v in data.items() if k in _TOLERATION_KEYS}
    unknown = sorted(set(data) - set(_TOLERATION_KEYS))
    if unknown:
        raise YamlpipeError(loc, f"unknown toleration field(s): {', '.join(unknown)}")
    return entry


def env_entry(env_variable: Any, loc: Location) -> tuple[str, Any]:
    """A V1EnvVar (or map) as (name, value), where a secret key reference becomes
    `{secret: NAME, key: KEY}` so that the value never appears in the pipeline."""
    data = plain(env_variable)
    if not isinstance(data, dict) or "name" not in data:
        raise YamlpipeError(loc, f"add_env_variable() takes a V1EnvVar, not {env_variable!r}")
    source = data.get("valueFrom") or data.get("value_from")
    if source is None:
        return str(data["name"]), data.get("value", "")
    secret = source.get("secretKeyRef") or source.get("secret_key_ref")
    if not secret:
        raise YamlpipeError(
            loc,
            f"environment variable {data['name']!r}: only values from a secret key are supported",
            "use V1EnvVarSource(secret_key_ref=V1SecretKeySelector(name=..., key=...))",
        )
    return str(data["name"]), {"secret": str(secret["name"]), "key": str(secret["key"])}
