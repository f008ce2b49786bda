"""Names in the Workflow, spelled the way KFP 1.8.22 spells them, and made unique."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from yamlpipe.spec.naming import (
    LEGACY_OUTPUTS,
    file_name,
    legacy_output,
    output_file,
    param_name,
)

__all__ = [
    "LEGACY_OUTPUTS",
    "Namer",
    "file_name",
    "input_path",
    "k8s_name",
    "legacy_output",
    "output_name",
    "output_path",
    "param_name",
    "placeholder",
]

_NOT_K8S = re.compile(r"[^-0-9a-z]+")
_DASHES = re.compile(r"-+")


def k8s_name(name: str, fallback: str = "task") -> str:
    """KFP's sanitize_k8s_name: `Train model` -> `train-model` (lower case, digits, dashes)."""
    cleaned = _DASHES.sub("-", _NOT_K8S.sub("-", name.lower())).strip("-")
    return cleaned or fallback


def input_path(name: str) -> str:
    """Where a container finds an input passed as a file."""
    return f"/tmp/inputs/{file_name(name)}/data"


def output_path(name: str) -> str:
    """Where a container writes an output."""
    return output_file(name)


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
