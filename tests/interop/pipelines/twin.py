"""Helpers for the KFP v1 twins of the compiler goldens (run under kfp==1.8.22 only)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from kfp import components
from kfp.dsl import _component_bridge

CSV = "CSV"
"""A pipeline input's type, as KFP reads it from the annotation: `data: CSV`."""
GOLDEN = Path(__file__).resolve().parent.parent.parent / "golden"

# kfp 1.8.22 also resolves every component for KFP v2 while compiling for v1, and that
# resolution fails on `if: {cond: {inputValue: x}}` (strtobool of a v2 placeholder). What it
# attaches is only used in v2 modes, so the twins skip it; yamlpipe compiles these components.
_component_bridge._attach_v2_specs = lambda *args, **kwargs: None


def component(case: str, path: str, name: str) -> Callable[..., Any]:
    """A golden case's component file, renamed so that KFP names its task like yamlpipe."""
    spec = yaml.safe_load((GOLDEN / case / path).read_text())
    spec["name"] = name
    return components.load_component_from_text(yaml.safe_dump(spec, sort_keys=False))


def inline_component(case: str, path: str, task: str, name: str) -> Callable[..., Any]:
    """The inline `componentRef.spec` of a graph component's task, renamed."""
    graph = yaml.safe_load((GOLDEN / case / path).read_text())
    spec = graph["implementation"]["graph"]["tasks"][task]["componentRef"]["spec"]
    spec["name"] = name
    return components.load_component_from_text(yaml.safe_dump(spec, sort_keys=False))
