"""The shape of the Workflow fields the runner reads (a list where a list is read, a string
where a string is), checked before a run so that a malformed package is a located error
rather than a crash halfway through. Which fields are allowed at all is workflow.py's job."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from yamlpipe.errors import PathPart

Spec = Any
"""A type, a one-item list (a list of that), or a dict (a map with those fields)."""
SCALAR = (str, int, float, bool)
INT_OR_STRING = (int, str)

ARGUMENTS: Spec = {"parameters": [{"name": str, "value": SCALAR}], "artifacts": [{"name": str}]}
IO: Spec = {
    "parameters": [{"name": str, "value": SCALAR, "default": SCALAR, "valueFrom": dict}],
    "artifacts": [{"name": str, "path": str, "from": str, "raw": {"data": str}}],
}
CONTAINER: Spec = {
    "image": str,
    "command": [str],
    "args": [str],
    "env": [{"name": str, "value": str, "valueFrom": dict}],
    "volumeMounts": [{"name": str, "mountPath": str, "subPath": str, "readOnly": bool}],
    "workingDir": str,
    "resources": dict,
}
TASK: Spec = {
    "name": str,
    "template": str,
    "dependencies": [str],
    "when": str,
    "withItems": list,
    "withParam": str,
    "arguments": ARGUMENTS,
}
TEMPLATE: Spec = {
    "name": str,
    "inputs": IO,
    "outputs": IO,
    "container": CONTAINER,
    "dag": {"tasks": [TASK], "failFast": bool},
    "resource": {"action": str, "manifest": str},
    "retryStrategy": {"limit": INT_OR_STRING, "retryPolicy": str, "backoff": dict},
    "activeDeadlineSeconds": INT_OR_STRING,
    "parallelism": int,
    "metadata": {"annotations": dict, "labels": dict},
    "volumes": [{"name": str}],
}
WORKFLOW: Spec = {
    "metadata": {"generateName": str, "annotations": dict, "labels": dict},
    "spec": {
        "entrypoint": str,
        "onExit": str,
        "parallelism": int,
        "activeDeadlineSeconds": INT_OR_STRING,
        "arguments": ARGUMENTS,
        "volumes": [{"name": str}],
        "templates": [TEMPLATE],
    },
}
REQUIRED = ("name",)
"""Keys a map must have when its spec names them (every template, task, parameter...)."""
_WORDS = {str: "a string", int: "an integer", bool: "true or false", list: "a list", dict: "a map"}


def _expected(spec: Spec) -> str:
    if isinstance(spec, tuple):
        return " or ".join(_WORDS.get(t, t.__name__) for t in spec if t is not bool) or "a value"
    return _WORDS.get(spec, "a value")


def iter_shape_problems(
    value: Any, spec: Spec, path: tuple[PathPart, ...] = ()
) -> Iterator[tuple[tuple[PathPart, ...], str]]:
    """(path, what it should be) for every value of the wrong shape."""
    if isinstance(spec, list):
        if not isinstance(value, list):
            yield path, "a list"
            return
        for index, item in enumerate(value):
            yield from iter_shape_problems(item, spec[0], (*path, index))
    elif isinstance(spec, dict):
        if not isinstance(value, dict):
            yield path, "a map"
            return
        for key in REQUIRED:
            if key in spec and key not in value:
                yield path, f"a map with a {key!r}"
        for key, item in value.items():
            if key in spec:
                yield from iter_shape_problems(item, spec[key], (*path, key))
    elif not _fits(value, spec):
        yield path, _expected(spec)


def _fits(value: Any, spec: Spec) -> bool:
    kinds = spec if isinstance(spec, tuple) else (spec,)
    if isinstance(value, bool) and bool not in kinds:
        return False
    return isinstance(value, kinds)
