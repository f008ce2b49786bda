"""Names in the Workflow, spelled the way KFP 1.8.22 spells them, and made unique."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_NOT_K8S = re.compile(r"[^-0-9a-z]+")
_NOT_PARAM = re.compile(r"[^-_0-9A-Za-z]+")
_NOT_FILE = re.compile(r"[^-_.0-9a-zA-Z]+")
_DASHES = re.compile(r"-+")
_NOT_ALNUM = re.compile(r"[^a-zA-Z0-9]")
LEGACY_OUTPUTS = ("mlpipeline-ui-metadata", "mlpipeline-metrics")
"""Outputs the KFP UI reads by name: never prefixed with the template name."""


def k8s_name(name: str, fallback: str = "task") -> str:
    """KFP's sanitize_k8s_name: `Train model` -> `train-model` (lower case, digits, dashes)."""
    cleaned = _DASHES.sub("-", _NOT_K8S.sub("-", name.lower())).strip("-")
    return cleaned or fallback


def param_name(name: str, fallback: str = "value") -> str:
    """KFP's parameter spelling: capitals and underscores kept, anything else a dash."""
    cleaned = _DASHES.sub("-", _NOT_PARAM.sub("-", name)).strip("-")
    return cleaned or fallback


def file_name(name: str) -> str:
    """KFP's _sanitize_file_name, for /tmp/inputs/<name>/data and /tmp/outputs/<name>/data."""
    return _NOT_FILE.sub("_", name)


def input_path(name: str) -> str:
    """Where a container finds an input passed as a file."""
    return f"/tmp/inputs/{file_name(name)}/data"


def output_path(name: str) -> str:
    """Where a container writes an output."""
    return f"/tmp/outputs/{file_name(name)}/data"


def legacy_output(name: str) -> str | None:
    """`mlpipeline-ui-metadata` / `mlpipeline-metrics` for the outputs the UI reads, else None."""
    normal = _NOT_ALNUM.sub("-", name.lower())
    return normal if normal in LEGACY_OUTPUTS else None


def output_name(template: str, output: str) -> str:
    """An output's name in the Workflow: `<template>-<output>`, UI outputs unprefixed."""
    return legacy_output(output) or f"{template}-{param_name(output)}"


@dataclass
class Namer:
    """Hands out unique names: `train`, then `train-2`, `train-3`, ... (KFP's scheme)."""

    taken: set[str] = field(default_factory=set)

    def claim(self, base: str) -> str:
        """The first free name among base, base-2, base-3, ..."""
        name, index = base, 1
        while name in self.taken:
            index += 1
            name = f"{base}-{index}"
        self.taken.add(name)
        return name


def placeholder(*parts: str) -> str:
    """An Argo placeholder: ("inputs", "parameters", "x") -> `{{inputs.parameters.x}}`."""
    return "{{" + ".".join(parts) + "}}"
