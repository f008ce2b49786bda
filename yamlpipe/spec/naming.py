"""Names derived the way KFP v1 derives them: Python parameters and Kubernetes names."""

from __future__ import annotations

import keyword
import re

_NON_WORD = re.compile(r"[\W_]+")
_NOT_PARAM = re.compile(r"[^-_0-9A-Za-z]+")
_NOT_FILE = re.compile(r"[^-_.0-9a-zA-Z]+")
_DASHES = re.compile(r"-+")
_NOT_ALNUM = re.compile(r"[^a-zA-Z0-9]")
LEGACY_OUTPUTS = ("mlpipeline-ui-metadata", "mlpipeline-metrics")
"""Outputs the KFP UI reads by name: never prefixed with the template name."""


def normalized_name(name: str) -> str:
    """Lower case, words separated by single spaces, no leading digit (KFP's normal form)."""
    words = _NON_WORD.sub(" ", name.lower()).strip()
    return "n" + words if words[:1].isdigit() else words


def python_name(name: str) -> str:
    """The Python parameter name KFP gives an input: `Training data` -> `training_data`."""
    return normalized_name(name).replace(" ", "_")


def k8s_name(name: str) -> str:
    """A Kubernetes-style name: `Train model` -> `train-model`."""
    return normalized_name(name).replace(" ", "-")


def is_python_keyword_name(name: str) -> bool:
    """True when KFP would turn the input name into a Python keyword and fail to load."""
    return keyword.iskeyword(python_name(name))


def param_name(name: str, fallback: str = "value") -> str:
    """KFP's Argo parameter spelling: capitals and underscores kept, anything else a dash."""
    cleaned = _DASHES.sub("-", _NOT_PARAM.sub("-", name)).strip("-")
    return cleaned or fallback


def file_name(name: str) -> str:
    """KFP's _sanitize_file_name, for /tmp/inputs/<name>/data and /tmp/outputs/<name>/data."""
    return _NOT_FILE.sub("_", name)


def legacy_output(name: str) -> str | None:
    """`mlpipeline-ui-metadata` / `mlpipeline-metrics` for the outputs the UI reads, else None."""
    normal = _NOT_ALNUM.sub("-", name.lower())
    return normal if normal in LEGACY_OUTPUTS else None


def argo_output_name(name: str) -> str:
    """An output's name in the Workflow after its `<template>-` prefix (UI outputs: whole)."""
    return legacy_output(name) or param_name(name)


def output_file(name: str) -> str:
    """Where a component writes an output given by {outputPath: name}."""
    return f"/tmp/outputs/{file_name(name)}/data"
